"""Parser QA: the readings PostHog's ANTLR grammar gives to the harder corners of Hog, as exact ASTs.

Each case was decided from hog-language.md (§2-§5, §11a) and the grammar's own ambiguity rules, and the
meaning of the parse-sensitive ones is checked end to end on the oracle in test_parser_oracle.py.
"""

from __future__ import annotations

import pytest

from hoglite.errors import HogSyntaxError
from hoglite.syntax import parse_expression, parse_program, parse_template, print_program
from hoglite.syntax.ast import (
    And,
    Arithmetic,
    ArrayLit,
    Assign,
    Between,
    Block,
    Call,
    Compare,
    Constant,
    DictLit,
    ExprCall,
    ExprStmt,
    Field,
    If,
    Index,
    IsNull,
    Lambda,
    Negate,
    Not,
    NullishCoalesce,
    Or,
    Placeholder,
    Return,
    TemplateString,
    Ternary,
    TupleAccess,
    VarDecl,
)


def F(*chain: str) -> Field:
    return Field(tuple(chain))


def C(value: object) -> Constant:
    return Constant(value)


def call(name: str, *args: object) -> Call:
    return Call(name, tuple(args))


def E(source: str):
    return parse_expression(source)


def S(source: str) -> tuple:
    return parse_program(source).statements


def eq(a, b) -> Compare:
    return Compare("==", a, b)


def stmt(e) -> ExprStmt:
    return ExprStmt(e)


def roundtrips(source: str) -> None:
    program = parse_program(source)
    assert parse_program(print_program(program)) == program, source


# ---------------------------------------------------------------------------------------------------
# CASE WHEN (spec 5.15): `if` for one branch with ELSE, `multiIf` for everything else


CASES = [
    ("case when a then b else c end", call("if", F("a"), F("b"), F("c"))),
    ("CASE WHEN a THEN b ELSE c END", call("if", F("a"), F("b"), F("c"))),
    ("Case When a Then b Else c End", call("if", F("a"), F("b"), F("c"))),
    ("case when a then 1 when b then 2 else 3 end",
     call("multiIf", F("a"), C(1), F("b"), C(2), C(3))),
    ("case when a then 1 end", call("multiIf", F("a"), C(1))),
    ("case when a then 1 when b then 2 end", call("multiIf", F("a"), C(1), F("b"), C(2))),
    ("case when x < 3 then 'small' when x < 10 then 'medium' else 'large' end",
     call("multiIf", Compare("<", F("x"), C(3)), C("small"), Compare("<", F("x"), C(10)), C("medium"),
          C("large"))),
    ("case when a then case when b then 1 else 2 end else 3 end",
     call("if", F("a"), call("if", F("b"), C(1), C(2)), C(3))),
    ("case when case when a then b else c end then 1 else 2 end",
     call("if", call("if", F("a"), F("b"), F("c")), C(1), C(2))),
    ("case when a then -1 else -2 end", call("if", F("a"), Negate(C(1)), C(-2))),
    ("case when a then 1 else 2 end + 10", Arithmetic("+", call("if", F("a"), C(1), C(2)), C(10))),
    ("case when a then f else g end(1)",
     ExprCall(call("if", F("a"), F("f"), F("g")), (C(1),))),
    ("case when a and b then [1, 2] else {'k': 1} end",
     call("if", And((F("a"), F("b"))), ArrayLit((C(1), C(2))), DictLit(((C("k"), C(1)),)))),
    ("case when x between 1 and 2 then 'in' else 'out' end",
     call("if", Between(F("x"), C(1), C(2)), C("in"), C("out"))),
    ("2 between case when a then 1 else 5 end and 3",
     Between(C(2), call("if", F("a"), C(1), C(5)), C(3))),
    ("case when a then x -> x else null end", call("if", F("a"), Lambda(("x",), F("x")), C(None))),
    ("f(case when a then 1 else 2 end, 3)", call("f", call("if", F("a"), C(1), C(2)), C(3))),
]


@pytest.mark.parametrize("source, expected", CASES)
def test_case_when(source: str, expected) -> None:
    assert E(source) == expected
    roundtrips(source)


def test_case_words_stay_names_outside_a_case() -> None:
    assert S("let case := 1 let end := 2 let when := 3 let then := 4 print(case, end, when, then)") == (
        VarDecl("case", C(1)), VarDecl("end", C(2)), VarDecl("when", C(3)), VarDecl("then", C(4)),
        stmt(call("print", F("case"), F("end"), F("when"), F("then"))))
    assert E("x.case.end") == F("x", "case", "end")
    assert E("x?.case") == Index(F("x"), C("case"), nullish=True, dotted=True)
    assert E("end - 1") == Arithmetic("-", F("end"), C(1))
    assert E("case") == F("case")
    assert E("f(case, when, x, then, y, end)") == call("f", F("case"), F("when"), F("x"), F("then"), F("y"),
                                                       F("end"))
    assert E("{case: 1, when: 2, then: 3, end: 4}") == DictLit(
        ((F("case"), C(1)), (F("when"), C(2)), (F("then"), C(3)), (F("end"), C(4))))
    assert E("case when a then b ? c : d else e end") == call("if", F("a"), Ternary(F("b"), F("c"), F("d")), F("e"))


def test_case_in_statement_positions() -> None:
    assert S("case when a then print(1) else print(2) end") == (
        stmt(call("if", F("a"), call("print", C(1)), call("print", C(2)))),)
    assert S("if (c) print(case when a then 1 else 2 end) else print(3)") == (
        If(F("c"), stmt(call("print", call("if", F("a"), C(1), C(2)))), stmt(call("print", C(3)))),)
    assert S("let x := case when a then 1 else 2 end\nprint(x)") == (
        VarDecl("x", call("if", F("a"), C(1), C(2))), stmt(call("print", F("x"))))
    # A lambda body in braces holding one CASE expression is a placeholder, as `{x * 2}` is.
    assert E("x -> { case when x then 1 else 2 end }") == Lambda(
        ("x",), Placeholder(call("if", F("x"), C(1), C(2))))
    assert E("x -> case when x then 1 else 2 end") == Lambda(("x",), call("if", F("x"), C(1), C(2)))


def test_case_with_operand_is_refused() -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_program("print(CASE x WHEN 1 THEN 'a' ELSE 'b' END)")
    assert "transform()" in info.value.message
    assert (info.value.span.line, info.value.span.column) == (1, 7)
    assert info.value.hint == "write CASE WHEN x = value THEN result ... END"


@pytest.mark.parametrize("source, column", [
    ("print(case when 1 then 2)", 12),
    ("print(case end)", 12),
    ("print(case when end)", 12),
    ("let x := case when a then 1 else 2", 29),
])
def test_incomplete_case_errors(source: str, column: int) -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_program(source)
    assert info.value.message.endswith("incomplete CASE expression")
    assert info.value.span.column == column


# ---------------------------------------------------------------------------------------------------
# `if(...)`: the function form wherever the `if` statement cannot be meant


def test_if_function_at_statement_start() -> None:
    assert S("if(a, print(1), print(2))") == (stmt(call("if", F("a"), call("print", C(1)), call("print", C(2)))),)
    assert S("print(1); if(a, 1, 2)") == (stmt(call("print", C(1))), stmt(call("if", F("a"), C(1), C(2))))
    assert S("let x := 1 if(a, 1, 2)") == (VarDecl("x", C(1)), stmt(call("if", F("a"), C(1), C(2))))
    assert S("{ if(a, 1, 2) }") == (Block((stmt(call("if", F("a"), C(1), C(2))),)),)
    assert S("if (x) print(1) else if(a, 1, 2)") == (
        If(F("x"), stmt(call("print", C(1))), stmt(call("if", F("a"), C(1), C(2)))),)
    assert S("fun f() { if(x, 1, 2) }")[0].body == Block((stmt(call("if", F("x"), C(1), C(2))),))
    assert S("if()") == (stmt(call("if")),)
    # Nothing after `if (c)` can start a statement: the call, continued by the operator.
    assert S("if(a) * 2") == (stmt(Arithmetic("*", call("if", F("a")), C(2))),)
    assert S("if(a, 1, 2) == 1") == (stmt(eq(call("if", F("a"), C(1), C(2)), C(1))),)


def test_if_statement_wins_when_both_readings_parse() -> None:
    # PostHog's grammar tries the `if` statement first.
    assert S("if (a) print(1)") == (If(F("a"), stmt(call("print", C(1)))),)
    assert S("if (a) (b)") == (If(F("a"), stmt(F("b"))),)
    assert S("if (a) -1") == (If(F("a"), stmt(Negate(C(1)))),)  # the lexer reads `)` as an operand's end
    assert S("if (a) [1]") == (If(F("a"), stmt(ArrayLit((C(1),)))),)


def test_if_function_as_lambda_placeholder_body() -> None:
    assert E("x -> { if(x, 1, 2) }") == Lambda(("x",), Placeholder(call("if", F("x"), C(1), C(2))))
    assert S("let f := x -> { if(x, 1, 2) }\nprint(f(true))") == (
        VarDecl("f", Lambda(("x",), Placeholder(call("if", F("x"), C(1), C(2))))),
        stmt(call("print", call("f", C(True)))))
    # A real `if` statement makes it a block.
    assert E("x -> { if (x) print(1) }") == Lambda(("x",), Block((If(F("x"), stmt(call("print", C(1)))),)))
    assert E("x -> { if (x) { return 1 } return 2 }") == Lambda(
        ("x",), Block((If(F("x"), Block((Return(C(1)),))), Return(C(2)))))


# ---------------------------------------------------------------------------------------------------
# `between`: the low operand is a whole expression, the last `and` of the level completes it


BETWEENS = [
    ("x between 1 and 10", Between(F("x"), C(1), C(10))),
    ("x between a and b and c", Between(F("x"), And((F("a"), F("b"))), F("c"))),
    ("x between a and b and c and d", Between(F("x"), And((F("a"), F("b"), F("c"))), F("d"))),
    ("x not between a and b and c", Between(F("x"), And((F("a"), F("b"))), F("c"), negated=True)),
    ("x between 1 and 2 or y", Between(F("x"), C(1), Or((C(2), F("y"))))),
    ("x between a or b and c", Between(F("x"), Or((F("a"), F("b"))), F("c"))),
    ("x between 1 and 2 ? a : b", Ternary(Between(F("x"), C(1), C(2)), F("a"), F("b"))),
    ("x between c ? 1 : 2 and 3", Between(F("x"), Ternary(F("c"), C(1), C(2)), C(3))),
    ("x between (1 and 2) and 3", Between(F("x"), And((C(1), C(2))), C(3))),
    ("x between 1 and (2 and 3)", Between(F("x"), C(1), And((C(2), C(3))))),
    ("f(x between 1 and 2, a and b)", call("f", Between(F("x"), C(1), C(2)), And((F("a"), F("b"))))),
    ("[x between 1 and 2, a and b]", ArrayLit((Between(F("x"), C(1), C(2)), And((F("a"), F("b")))))),
    ("{'k': x between 1 and 2, 'j': a and b}",
     DictLit(((C("k"), Between(F("x"), C(1), C(2))), (C("j"), And((F("a"), F("b"))))))),
    ("c ? x between 1 and 2 : a and b", Ternary(F("c"), Between(F("x"), C(1), C(2)), And((F("a"), F("b"))))),
    ("not x between 1 and 2", Between(Not(F("x")), C(1), C(2))),
    ("x between -1 and +1", Between(F("x"), C(-1), C(1))),
]


@pytest.mark.parametrize("source, expected", BETWEENS)
def test_between_takes_the_last_and(source: str, expected) -> None:
    assert E(source) == expected
    roundtrips(source)


def test_between_stops_at_statement_boundaries() -> None:
    assert S("let a := x between 1 and 2 let b := c and d") == (
        VarDecl("a", Between(F("x"), C(1), C(2))), VarDecl("b", And((F("c"), F("d")))))
    assert S("let a := 0 let b := 0\na := x between 1 and 2\nb := c and d") == (
        VarDecl("a", C(0)), VarDecl("b", C(0)), Assign(F("a"), Between(F("x"), C(1), C(2))),
        Assign(F("b"), And((F("c"), F("d")))))
    assert S("if (x between 1 and 2) a and b") == (
        If(Between(F("x"), C(1), C(2)), stmt(And((F("a"), F("b"))))),)
    assert S("print(x between 1 and 2) a and b") == (
        stmt(call("print", Between(F("x"), C(1), C(2)))), stmt(And((F("a"), F("b")))))


def test_between_without_and() -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_program("print(a between 1)")
    assert info.value.message == "Unexpected ')': expected 'and' to complete 'between'"


# ---------------------------------------------------------------------------------------------------
# `not` as an operand of tighter operators (PostHog's `NOT columnExpr` is a prefix alternative)


NOTS = [
    ("a = not b", eq(F("a"), Not(F("b")))),
    ("a ?? not b", NullishCoalesce(F("a"), Not(F("b")))),
    ("a + not b = c", Arithmetic("+", F("a"), Not(eq(F("b"), F("c"))))),
    ("a = not b = c", eq(F("a"), Not(eq(F("b"), F("c"))))),
    ("a * not b + c", Arithmetic("*", F("a"), Not(Arithmetic("+", F("b"), F("c"))))),
    ("a ?? not b ?? c", NullishCoalesce(F("a"), Not(NullishCoalesce(F("b"), F("c"))))),
    ("a = not b and c", And((eq(F("a"), Not(F("b"))), F("c")))),
    ("not a = b", Not(eq(F("a"), F("b")))),
    ("not a and b", And((Not(F("a")), F("b")))),
    ("not a or b", Or((Not(F("a")), F("b")))),
    ("not a ?? b", Not(NullishCoalesce(F("a"), F("b")))),
    ("not a is null", Not(IsNull(F("a")))),
    ("not not a = b", Not(Not(eq(F("a"), F("b"))))),
    ("a and not b or c", Or((And((F("a"), Not(F("b")))), F("c")))),
    ("-not a", Negate(Not(F("a")))),
    ("not -a", Not(Negate(F("a")))),
    ("not a.b[1]", Not(Index(F("a", "b"), C(1)))),
    ("c ? not a : not b", Ternary(F("c"), Not(F("a")), Not(F("b")))),
]


@pytest.mark.parametrize("source, expected", NOTS)
def test_not_precedence(source: str, expected) -> None:
    assert E(source) == expected
    roundtrips(source)


# ---------------------------------------------------------------------------------------------------
# Smaller lexical points


@pytest.mark.parametrize("source", ["x.-1", "x.+1", "x?.-1", "x?.+2"])
def test_no_signed_position_after_a_dot(source: str) -> None:
    with pytest.raises(HogSyntaxError) as info:
        E(source)
    assert info.value.message.startswith("Expected a member name or position after")


def test_signs_and_comments() -> None:
    assert E("a - -1") == Arithmetic("-", F("a"), C(-1))
    assert E("a -1") == Arithmetic("-", F("a"), C(1))
    assert E("5 /* c */ -3") == Arithmetic("-", C(5), C(3))
    assert E("5 --3") == C(5)  # `--` starts a comment (spec 2.2)
    assert S("print(x--1\n)") == (stmt(call("print", F("x"))),)
    assert E("t.2.1") == TupleAccess(TupleAccess(F("t"), 2), 1)


def test_tag_lookahead_skips_comments_atomically() -> None:
    # A comment after `<b` is skipped whole: its `/` or letters do not make `<b` a HogQLX tag.
    assert E("a <b -- c\n") == Compare("<", F("a"), F("b"))
    assert E("a <b // c\n+ 1") == Compare("<", F("a"), Arithmetic("+", F("b"), C(1)))
    assert E("a <b /* c */ + 1") == Compare("<", F("a"), Arithmetic("+", F("b"), C(1)))
    for source in ("a <b and c", "a <b /2", "a <b -- c\n and d", "a <b\n/* c */ x"):
        with pytest.raises(HogSyntaxError, match="HogQLX tags are not supported"):
            E(source)


def test_lambda_after_name_run_in_lists() -> None:
    # The body `x` and the next element `y` form the name run `x, y ->` (spec 11a).
    assert E("[x -> x, y -> y]") == ArrayLit((Lambda(("x",), Lambda(("x", "y"), F("y"))),))
    assert E("[x -> x + 1, y -> y]") == ArrayLit((Lambda(("x",), Arithmetic("+", F("x"), C(1))), Lambda(("y",), F("y"))))


# ---------------------------------------------------------------------------------------------------
# Whole-input templates (templates-and-host.md §2): a backslash is text unless it starts an escape


@pytest.mark.parametrize("text, value", [
    ("\\d+", "\\d+"),
    ("ends with \\", "ends with \\"),
    ("a \\} b", "a \\} b"),
    ("\\u0041", "\\u0041"),
    ("it's", "it's"),
    ("it''s", "it''s"),
    ("it\\'s", "it's"),
    ("\\{x}", "{x}"),
    ("a\\nb\\\\c", "a\nb\\c"),
    ("x}", "x}"),
])
def test_template_text(text: str, value: str) -> None:
    assert parse_template(text) == C(value)


def test_template_escapes_next_to_holes() -> None:
    assert parse_template("\\d{x}\\") == TemplateString((C("\\d"), F("x"), C("\\")))
    assert parse_template("{'\\\\d'}") == TemplateString((C("\\d"),))
    with pytest.raises(HogSyntaxError, match="Invalid escape sequence '\\\\d' in string"):
        parse_template("{'\\d'}")  # inside a hole the string rules of spec 2.5 apply


# ---------------------------------------------------------------------------------------------------
# A line starting with `(x) :=` after an expression statement (spec 3.4)


def test_parenthesised_target_after_an_expression_statement_continues_it() -> None:
    # Both readings parse; PostHog's grammar tries the assignment first, so the target is the call
    # `print(a)(a)` (HogQL's parametric form after a name), which the compiler then refuses.
    assert S("print(a)\n(a) := 2") == (Assign(Call("print", (F("a"),), (F("a"),)), C(2)),)
    assert S("f()\n(a) := 2") == (Assign(Call("f", (F("a"),), ()), C(2)),)
    assert S("if (c) g(1) (a) := 2") == (If(F("c"), Assign(Call("g", (F("a"),), (C(1),)), C(2))),)
    assert S("x.y (a) := 2") == (Assign(ExprCall(F("x", "y"), (F("a"),)), C(2)),)


def test_parenthesised_target_after_other_statements_starts_a_new_one() -> None:
    # Only the two-statement reading parses after `let`, `:=`, `return`, a `;` or a block.
    assert S("let b := 0 (a) := 1 (b) := 2") == (
        VarDecl("b", C(0)), Assign(F("a"), C(1)), Assign(F("b"), C(2)))
    assert S("a := b\n(a) := 3") == (Assign(F("a"), F("b")), Assign(F("a"), C(3)))
    assert S("print(a); (a) := 2") == (stmt(call("print", F("a"))), Assign(F("a"), C(2)))
    assert S("if (c) { print(a) } (a) := 2") == (
        If(F("c"), Block((stmt(call("print", F("a"))),))), Assign(F("a"), C(2)))
    assert S("fun f() { return a (b) := 1 }")[0].body == Block((Return(F("a")), Assign(F("b"), C(1))))
    assert S("let x := 1 print(x) (x) := 2")[1] == Assign(Call("print", (F("x"),), (F("x"),)), C(2))


# ---------------------------------------------------------------------------------------------------
# SQL sugar


@pytest.mark.parametrize("source, expected", [
    ("interval 2 day", call("toIntervalDay", C(2))),
    ("interval x.y hour", call("toIntervalHour", F("x", "y"))),
    ("interval f(2) month", call("toIntervalMonth", call("f", C(2)))),
    ("interval (1 + 2) WEEK", call("toIntervalWeek", Arithmetic("+", C(1), C(2)))),
    ("interval '3' year", call("toIntervalYear", C("3"))),
    ("interval + 1", Arithmetic("+", F("interval"), C(1))),
    ("a.interval", F("a", "interval")),
])
def test_interval_operands(source: str, expected) -> None:
    assert E(source) == expected


@pytest.mark.parametrize("source, expected", [
    # PostHog's lambda is a primary alternative: it may stand as any operand, and its body extends as
    # far as it can.
    ("a ?? x -> x", NullishCoalesce(F("a"), Lambda(("x",), F("x")))),
    ("1 + x -> x * 2", Arithmetic("+", C(1), Lambda(("x",), Arithmetic("*", F("x"), C(2))))),
    ("not x -> x", Not(Lambda(("x",), F("x")))),
    ("c ? x -> 1 : y -> 2", Ternary(F("c"), Lambda(("x",), C(1)), Lambda(("y",), C(2)))),
    ("x -> x ?? 1", Lambda(("x",), NullishCoalesce(F("x"), C(1)))),
    ("a = (x, y) -> x", eq(F("a"), Lambda(("x", "y"), F("x")))),
])
def test_lambda_as_operand(source: str, expected) -> None:
    assert E(source) == expected
    roundtrips(source)


def test_escaped_backslash_before_doubled_backquote() -> None:
    # `\\` is one escaped backslash, then `` is a back-quote: the name is \` (backslash, back-quote).
    assert S("let `\\\\``` := 1") == (VarDecl("\\`", C(1)),)
    roundtrips("let `\\\\``` := 1")
    with pytest.raises(HogSyntaxError, match="Invalid escape sequence"):
        parse_program("let `a\\`b` := 1")
