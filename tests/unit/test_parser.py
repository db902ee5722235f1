"""The Hog parser: every construct of spec §2-§5 and §11a, asserting exact ASTs."""

from __future__ import annotations

import math

import pytest

from hoglite.errors import HogSyntaxError
from hoglite.syntax import parse_expression, parse_program, parse_template
from hoglite.syntax.ast import (
    And,
    Arithmetic,
    ArrayLit,
    Assign,
    Between,
    Block,
    Call,
    Catch,
    Compare,
    Concat,
    Constant,
    DictLit,
    ExprCall,
    ExprStmt,
    Field,
    For,
    ForIn,
    Function,
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
    Throw,
    Try,
    TupleAccess,
    TupleLit,
    VarDecl,
    While,
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


def add(a, b):
    return Arithmetic("+", a, b)


# ---------------------------------------------------------------------------------------------------
# Literals and lexical structure


@pytest.mark.parametrize(
    "source, value",
    [
        ("0", 0), ("42", 42), ("007", 7), ("017", 17), ("-7", -7), ("+7", 7), ("3.14", 3.14), (".5", 0.5),
        ("1.", 1.0), ("1e3", 1000.0), ("1.5e-3", 0.0015), ("2E+4", 20000.0), ("0x1F", 31), ("0X10", 16),
        ("0b101", 5), ("inf", math.inf), ("INFINITY", math.inf), ("-inf", -math.inf), ("- 7", -7),
        ("9007199254740993", 9007199254740993),
    ],
)
def test_numbers(source: str, value: object) -> None:
    result = E(source)
    assert result == C(value)
    assert type(result.value) is type(value)


def test_nan() -> None:
    assert math.isnan(E("nan").value) and math.isnan(E("NaN").value)


def test_float_vs_int_types() -> None:
    assert isinstance(E("1e3").value, float)
    assert isinstance(E("1.0").value, float)
    assert isinstance(E("10").value, int)


@pytest.mark.parametrize(
    "source, value",
    [
        ("'text'", "text"),
        ("'it''s'", "it's"),
        ("'it\\'s'", "it's"),
        ("'back\\\\slash'", "back\\slash"),
        ("'a\\nb\\tc\\rd'", "a\nb\tc\rd"),
        ("'\\b\\f\\a\\v'", "\b\f\a\v"),
        ("'x\\0y'", "xy"),
        ("'\\x41'", "\\x41"),
        ("'\\\\n'", "\\n"),
        ("'multi\nline'", "multi\nline"),
        ("''", ""),
    ],
)
def test_string_escapes(source: str, value: str) -> None:
    assert E(source) == C(value)


@pytest.mark.parametrize("source, name", [
    ('"hello"', "hello"), ('"a""b"', 'a"b'), ('"a\\"b"', 'a"b'), ("`a``b`", "a`b"),
    ("`with space`", "with space"), ("`a\\\\b`", "a\\b"), ("`it\\'s`", "it's"), ("$browser", "$browser"),
    ("_tmp", "_tmp"), ("a1", "a1"),
])
def test_identifiers(source: str, name: str) -> None:
    assert E(source) == F(name)


def test_booleans_and_null() -> None:
    assert E("true") == C(True)
    assert E("FALSE") == C(False)
    assert E("True") == C(True)
    assert E("null") == C(None)
    assert E("NULL") == C(None)
    assert E("true.x") == F("true", "x")
    assert E("true(1)") == call("true", C(1))


def test_sql_words_are_identifiers() -> None:
    for word in ("date", "key", "name", "value", "type", "from", "id", "to", "first", "last", "step", "select"):
        assert E(word) == F(word)
    assert S("let date := 1") == (VarDecl("date", C(1)),)
    assert E("obj.from.date") == F("obj", "from", "date")
    assert E("e.type") == F("e", "type")


def test_keywords_are_case_insensitive() -> None:
    assert S("LET x := 1 IF (x) RETURN x ELSE Return null") == (
        VarDecl("x", C(1)), If(F("x"), Return(F("x")), Return(C(None))))
    assert E("a AND b Or NOT c") == Or((And((F("a"), F("b"))), Not(F("c"))))


def test_keyword_member_names() -> None:
    assert E("x.let.null.if") == F("x", "let", "null", "if")
    assert E("f().return") == Index(call("f"), C("return"), dotted=True)


def test_comments() -> None:
    source = "print(1) // line comment\n-- another\n/* block\n comment */ print(2)"
    assert S(source) == (ExprStmt(call("print", C(1))), ExprStmt(call("print", C(2))))
    # `--` starts a comment anywhere (spec 2.2 trap).
    assert S("x--1") == (ExprStmt(F("x")),)
    assert S("5 --3") == (ExprStmt(C(5)),)
    assert E("x - -1") == Arithmetic("-", F("x"), C(-1))
    # `#` is not a comment
    with pytest.raises(HogSyntaxError):
        parse_program("# not a comment")


def test_unicode_whitespace() -> None:
    assert E("\ufeff1\u00a0+\u20032") == add(C(1), C(2))


# ---------------------------------------------------------------------------------------------------
# Operators and precedence


@pytest.mark.parametrize(
    "source, expected",
    [
        ("1 + 2 * 3", add(C(1), Arithmetic("*", C(2), C(3)))),
        ("(1 + 2) * 3", Arithmetic("*", add(C(1), C(2)), C(3))),
        ("10 - 4 - 3", Arithmetic("-", Arithmetic("-", C(10), C(4)), C(3))),
        ("2 * 3 % 4", Arithmetic("%", Arithmetic("*", C(2), C(3)), C(4))),
        ("-a * b", Arithmetic("*", Negate(F("a")), F("b"))),
        ("-2 * 3", Arithmetic("*", C(-2), C(3))),
        ("-(2)", Negate(C(2))),
        ("- -x", Negate(Negate(F("x")))),
        ("a - -b", Arithmetic("-", F("a"), Negate(F("b")))),
        ("a -1", Arithmetic("-", F("a"), C(1))),
        ("not a = b", Not(Compare("==", F("a"), F("b")))),
        ("a ?? b == c", NullishCoalesce(F("a"), Compare("==", F("b"), F("c")))),
        ("a ?? b + 1", NullishCoalesce(F("a"), add(F("b"), C(1)))),
        ("a ?? b ?? c", NullishCoalesce(NullishCoalesce(F("a"), F("b")), F("c"))),
        ("1 + 1 || 'x'", Concat((add(C(1), C(1)), C("x")))),
        ("'a' || 'b' || 1", Concat((C("a"), C("b"), C(1)))),
        ("a || (b || c)", Concat((F("a"), F("b"), F("c")))),
        ("a = b = c", Compare("==", Compare("==", F("a"), F("b")), F("c"))),
        ("1 < 2 and 2 < 3", And((Compare("<", C(1), C(2)), Compare("<", C(2), C(3))))),
        ("a and b and c", And((F("a"), F("b"), F("c")))),
        ("a or b or c", Or((F("a"), F("b"), F("c")))),
        ("a or b and c", Or((F("a"), And((F("b"), F("c")))))),
        ("(a and b) and c", And((F("a"), F("b"), F("c")))),
        ("true ? 1 : false ? 2 : 3", Ternary(C(True), C(1), Ternary(C(False), C(2), C(3)))),
        ("a ? b ? c : d : e", Ternary(F("a"), Ternary(F("b"), F("c"), F("d")), F("e"))),
        ("x is null", IsNull(F("x"))),
        ("x is not null", IsNull(F("x"), negated=True)),
        ("x IS NOT NULL", IsNull(F("x"), negated=True)),
        ("a = b is null", IsNull(Compare("==", F("a"), F("b")))),
        ("a ?? b is null", NullishCoalesce(F("a"), IsNull(F("b")))),
        ("not x is null", Not(IsNull(F("x")))),
        ("not not x", Not(Not(F("x")))),
        ("x between 1 and 10", Between(F("x"), C(1), C(10))),
        ("x not between 1 and 10", Between(F("x"), C(1), C(10), negated=True)),
        # PostHog's grammar admits this reads `x between (a and b) and c` (spec 3.3): ANTLR's loop over
        # the low operand is greedy, so the last `and` completes the `between`.
        ("x between a and b and c", Between(F("x"), And((F("a"), F("b"))), F("c"))),
        ("a or x between 1 and 2", Between(Or((F("a"), F("x"))), C(1), C(2))),
        ("c ? x between 1 and 2 : 0", Ternary(F("c"), Between(F("x"), C(1), C(2)), C(0))),
    ],
)
def test_precedence(source: str, expected) -> None:
    assert E(source) == expected


@pytest.mark.parametrize(
    "op, canonical",
    [("=", "=="), ("==", "=="), ("!=", "!="), ("<>", "!="), ("<", "<"), ("<=", "<="), (">", ">"),
     (">=", ">="), ("=~", "=~"), ("~", "=~"), ("!~", "!~"), ("=~*", "=~*"), ("~*", "=~*"), ("!~*", "!~*"),
     ("like", "like"), ("LIKE", "like"), ("ilike", "ilike"), ("not like", "not like"),
     ("not ilike", "not ilike"), ("in", "in"), ("not in", "not in"), ("NOT IN", "not in")],
)
def test_comparison_operators(op: str, canonical: str) -> None:
    assert E(f"a {op} b") == Compare(canonical, F("a"), F("b"))


def test_arithmetic_operators() -> None:
    for op in "+-*/%":
        assert E(f"a {op} b") == Arithmetic(op, F("a"), F("b"))


def test_not_keyword_before_parenthesis() -> None:
    # spec 11a: `Not (x)` is a call to a function called `Not`; lowercase `not (x)` is negation.
    assert E("Not (x)") == call("Not", F("x"))
    assert E("NOT (x)") == call("NOT", F("x"))
    assert E("not (x)") == Not(F("x"))
    assert E("not(x)") == Not(F("x"))
    assert E("not (a) and b") == And((Not(F("a")), F("b")))
    assert E("not x") == Not(F("x"))
    assert E("`not`(x)") == call("not", F("x"))


def test_keyword_calls_in_expressions() -> None:
    assert E("if(a, b, c)") == call("if", F("a"), F("b"), F("c"))
    assert S("let x := if(a, 1, 2)") == (VarDecl("x", call("if", F("a"), C(1), C(2))),)
    assert E("and(a, b)") == call("and", F("a"), F("b"))
    assert E("like(s, p)") == call("like", F("s"), F("p"))
    assert E("in(x, arr)") == call("in", F("x"), F("arr"))
    assert E("a and (b)") == And((F("a"), F("b")))
    assert E("x in (1, 2)") == Compare("in", F("x"), TupleLit((C(1), C(2))))


# ---------------------------------------------------------------------------------------------------
# Postfix: members, indexes, calls


def test_field_chains_and_members() -> None:
    assert E("event.properties.$browser") == F("event", "properties", "$browser")
    assert E("obj.`with space`") == F("obj", "with space")
    assert E('a."b"') == F("a", "b")
    assert E("f().a.b") == Index(Index(call("f"), C("a"), dotted=True), C("b"), dotted=True)
    assert E("(a).b") == Index(F("a"), C("b"), dotted=True)
    assert E("a[1].b") == Index(Index(F("a"), C(1)), C("b"), dotted=True)
    assert E("a['b']") == Index(F("a"), C("b"))
    assert E("a.b[1]") == Index(F("a", "b"), C(1))


def test_tuple_access() -> None:
    assert E("t.2") == TupleAccess(F("t"), 2)
    assert E("a.b.2") == TupleAccess(F("a", "b"), 2)
    assert E("(1, (2, (3, 4)), 5).2.2.2") == TupleAccess(TupleAccess(TupleAccess(
        TupleLit((C(1), TupleLit((C(2), TupleLit((C(3), C(4))))), C(5))), 2), 2), 2)
    assert E("t.2.x") == Index(TupleAccess(F("t"), 2), C("x"), dotted=True)


def test_optional_chaining() -> None:
    assert E("a?.b") == Index(F("a"), C("b"), nullish=True, dotted=True)
    assert E("a?.[2]") == Index(F("a"), C(2), nullish=True)
    assert E("a?.2") == TupleAccess(F("a"), 2, nullish=True)
    assert E("a?.b.c") == Index(Index(F("a"), C("b"), True, True), C("c"), dotted=True)
    assert E("{'b': 2}?.c ?? 'none'") == NullishCoalesce(
        Index(DictLit(((C("b"), C(2)),)), C("c"), True, True), C("none"))


def test_calls() -> None:
    assert E("f()") == call("f")
    assert E("f(1, 2,)") == call("f", C(1), C(2))
    assert E("f(a)(b)") == Call("f", (F("b"),), (F("a"),))
    assert E("quantile(0.5)(x)") == Call("quantile", (F("x"),), (C(0.5),))
    assert E("f(a)(b)(c)") == ExprCall(Call("f", (F("b"),), (F("a"),)), (F("c"),))
    assert E("arr[1](2)") == ExprCall(Index(F("arr"), C(1)), (C(2),))
    assert E("obj.f(3)") == ExprCall(F("obj", "f"), (C(3),))
    assert E("(f)(1)") == ExprCall(F("f"), (C(1),))
    assert E("(x -> x)(1)") == ExprCall(Lambda(("x",), F("x")), (C(1),))
    assert E("f()['k']") == Index(call("f"), C("k"))
    assert E("`my fn`(1)") == call("my fn", C(1))


# ---------------------------------------------------------------------------------------------------
# Constructors


def test_arrays_tuples_dicts() -> None:
    assert E("[]") == ArrayLit(())
    assert E("[1, 'a',]") == ArrayLit((C(1), C("a")))
    assert E("(1, 2)") == TupleLit((C(1), C(2)))
    assert E("(1, 2,)") == TupleLit((C(1), C(2)))
    assert E("(1,)") == TupleLit((C(1),))
    assert E("(1)") == C(1)
    assert E("{}") == DictLit(())
    assert E("{'a': 1, b: 2,}") == DictLit(((C("a"), C(1)), (F("b"), C(2))))
    assert E('{"key": 1}') == DictLit(((F("key"), C(1)),))
    assert E("{x}") == Placeholder(F("x"))
    assert E("{c ? a : b}") == Placeholder(Ternary(F("c"), F("a"), F("b")))
    assert E("{c ? a : b: v}") == DictLit(((Ternary(F("c"), F("a"), F("b")), F("v")),))


def test_interval() -> None:
    assert E("interval 2 day") == call("toIntervalDay", C(2))
    assert E("now() + INTERVAL n HOUR") == add(call("now"), call("toIntervalHour", F("n")))
    assert E("interval") == F("interval")


def test_sql_trim() -> None:
    assert E("trim(leading 'x' from s)") == call("trimLeft", F("s"), C("x"))
    assert E("TRIM(TRAILING ' ' FROM a.b)") == call("trimRight", F("a", "b"), C(" "))
    assert E("trim(both '-' from f(x))") == call("trim", call("f", F("x")), C("-"))
    assert E("trim(s)") == call("trim", F("s"))


# ---------------------------------------------------------------------------------------------------
# Lambdas (spec 3.4, 4.11, 11a)


def test_lambda_forms() -> None:
    assert E("x -> x * 2") == Lambda(("x",), Arithmetic("*", F("x"), C(2)))
    assert E("(x) -> x") == Lambda(("x",), F("x"))
    assert E("(a, b) -> a + b") == Lambda(("a", "b"), add(F("a"), F("b")))
    assert E("(a, b,) -> a") == Lambda(("a", "b"), F("a"))
    assert E("() -> 1") == Lambda((), C(1))
    assert E("x -> y -> x") == Lambda(("x",), Lambda(("y",), F("x")))
    assert E("x -> x ? 1 : 2") == Lambda(("x",), Ternary(F("x"), C(1), C(2)))


def test_lambda_bodies() -> None:
    assert E("() -> {}") == Lambda((), DictLit(()))
    assert E("x -> {'a': x}") == Lambda(("x",), DictLit(((C("a"), F("x")),)))
    assert E("x -> {x * 2}") == Lambda(("x",), Placeholder(Arithmetic("*", F("x"), C(2))))
    assert E("() -> { print('side effect') }") == Lambda((), Placeholder(call("print", C("side effect"))))
    assert E("x -> { return x * 2 }") == Lambda(("x",), Block((Return(Arithmetic("*", F("x"), C(2))),)))
    assert E("x -> { print(x); }") == Lambda(("x",), Block((ExprStmt(call("print", F("x"))),)))
    assert E("x -> { print(x) print(x) }") == Lambda(
        ("x",), Block((ExprStmt(call("print", F("x"))), ExprStmt(call("print", F("x"))))))
    assert E("(x) -> { m := x }") == Lambda(("x",), Block((Assign(F("m"), F("x")),)))
    assert E("x -> { let y := x }") == Lambda(("x",), Block((VarDecl("y", F("x")),)))


def test_lambda_swallows_names_before_it() -> None:
    # spec 11a: `[inc, dbl, x -> x - 3]` is ONE lambda with three parameters.
    body = Arithmetic("-", F("x"), C(3))
    assert E("[inc, dbl, x -> x - 3]") == ArrayLit((Lambda(("inc", "dbl", "x"), body),))
    assert E("[inc, dbl, (x -> x - 3)]") == ArrayLit((F("inc"), F("dbl"), Lambda(("x",), body)))
    assert E("f(arr, x -> x)") == call("f", Lambda(("arr", "x"), F("x")))
    assert E("[1, b, x -> x]") == ArrayLit((C(1), Lambda(("b", "x"), F("x"))))
    assert E("arrayMap(x -> x * 2, arr)") == call("arrayMap", Lambda(("x",), Arithmetic("*", F("x"), C(2))), F("arr"))
    assert E("[a.b, c -> d]") == ArrayLit((F("a", "b"), Lambda(("c",), F("d"))))


def test_lambda_in_ternary_and_args() -> None:
    assert E("c ? x -> 1 : y -> 2") == Ternary(F("c"), Lambda(("x",), C(1)), Lambda(("y",), C(2)))
    assert E("arrayReduce((acc, x) -> acc + x, arr, 0)") == call(
        "arrayReduce", Lambda(("acc", "x"), add(F("acc"), F("x"))), F("arr"), C(0))


# ---------------------------------------------------------------------------------------------------
# Template strings


def test_fstrings() -> None:
    assert E("f''") == TemplateString(())
    assert E("f'abc'") == TemplateString((C("abc"),))
    assert E("f'{n}'") == TemplateString((F("n"),))
    assert E("f'{n} '") == TemplateString((F("n"), C(" ")))
    assert E("f'Hello {name}, {n + 1}!'") == TemplateString(
        (C("Hello "), F("name"), C(", "), add(F("n"), C(1)), C("!")))
    assert E("f'nested {f'{name}!'}'") == TemplateString((C("nested "), TemplateString((F("name"), C("!")))))
    assert E("f'\\{literal braces}'") == TemplateString((C("{literal braces}"),))
    assert E("f'it''s \\'q\\' }'") == TemplateString((C("it's 'q' }"),))
    assert E("f'{'}'}'") == TemplateString((C("}"),))
    assert E("f'{ {'a': 1}['a'] }'") == TemplateString((Index(DictLit(((C("a"), C(1)),)), C("a")),))
    assert E("f'a{f'b{f'c{x}'}'}'") == TemplateString(
        (C("a"), TemplateString((C("b"), TemplateString((C("c"), F("x")))))))
    assert E("f'line\\n{x}'") == TemplateString((C("line\n"), F("x")))
    assert E("f'{x -> x}'") == TemplateString((Lambda(("x",), F("x")),))


def test_fstring_is_lowercase_f_only() -> None:
    with pytest.raises(HogSyntaxError):
        parse_expression("F'abc'")


def test_templates() -> None:
    assert parse_template("Hello {event.event}") == TemplateString((C("Hello "), F("event", "event")))
    assert parse_template("{event}") == TemplateString((F("event"),))
    assert parse_template("") == C("")
    assert parse_template("plain text, it's ok } ") == C("plain text, it's ok } ")
    assert parse_template("\\{not a hole}") == C("{not a hole}")
    assert parse_template("tab\\there") == C("tab\there")
    assert parse_template("{a}{b}") == TemplateString((F("a"), F("b")))
    assert parse_template("{f'{person.properties.first_name} {person.properties.last_name}' == ' ' ? null : 1}") \
        == TemplateString((Ternary(Compare("==", TemplateString((
            F("person", "properties", "first_name"), C(" "), F("person", "properties", "last_name"))), C(" ")),
            C(None), C(1)),))


def test_template_spans_are_absolute() -> None:
    result = parse_template("Hi {a}\nand {b.c + 1}")
    hole = result.parts[3]
    assert hole == add(F("b", "c"), C(1))
    assert (hole.span.start, hole.span.end, hole.span.line, hole.span.column) == (12, 19, 2, 6)
    assert (hole.left.span.line, hole.left.span.column, hole.left.span.end_column) == (2, 6, 9)


# ---------------------------------------------------------------------------------------------------
# Statements


def test_let_and_assignment() -> None:
    assert S("let x") == (VarDecl("x"),)
    assert S("let x := 1;") == (VarDecl("x", C(1)),)
    assert S("x := 5") == (Assign(F("x"), C(5)),)
    assert S("(x) := 5") == (Assign(F("x"), C(5)),)
    assert S("a.b := v") == (Assign(F("a", "b"), F("v")),)
    assert S("a['b'] := v") == (Assign(Index(F("a"), C("b")), F("v")),)
    assert S("a.2 := v") == (Assign(TupleAccess(F("a"), 2), F("v")),)
    assert S("f()['k'] := v") == (Assign(Index(call("f"), C("k")), F("v")),)
    assert S("getCfg().items[2] := 88") == (
        Assign(Index(Index(call("getCfg"), C("items"), dotted=True), C(2)), C(88)),)
    assert S("r.3.c := [666]") == (Assign(Index(TupleAccess(F("r"), 3), C("c"), dotted=True), ArrayLit((C(666),))),)


def test_optional_semicolons() -> None:
    # spec 3.4: statements are split by the grammar alone.
    assert S("let a := 0 let b := 0 (a) := 1 (b) := 2 return a + b") == (
        VarDecl("a", C(0)), VarDecl("b", C(0)), Assign(F("a"), C(1)), Assign(F("b"), C(2)),
        Return(add(F("a"), F("b"))))
    assert S("print(1) print(2);;;print(3)") == tuple(ExprStmt(call("print", C(i))) for i in (1, 2, 3))
    # greedy postfix: a following `(` continues the previous expression
    assert S("f\n(1)") == (ExprStmt(call("f", C(1))),)


def test_return_takes_next_line() -> None:
    assert S("fun f() { return\n 2 + 2 }") == (Function("f", (), Block((Return(add(C(2), C(2))),))),)
    assert S("fun g() { return; }") == (Function("g", (), Block((Return(),))),)
    assert S("return") == (Return(),)
    assert S("return {}") == (Return(DictLit(())),)


def test_if_else() -> None:
    assert S("if (a) b() else c()") == (If(F("a"), ExprStmt(call("b")), ExprStmt(call("c"))),)
    assert S("if (a) print(1); else print(2)") == (
        If(F("a"), ExprStmt(call("print", C(1))), ExprStmt(call("print", C(2)))),)
    assert S("if (a) if (b) x() else y()") == (
        If(F("a"), If(F("b"), ExprStmt(call("x")), ExprStmt(call("y")))),)
    assert S("if (a) {} else if (b) {} else {}") == (If(F("a"), Block(()), If(F("b"), Block(()), Block(()))),)
    assert S("if (a) ;") == (If(F("a"), Block(())),)


def test_while_and_for() -> None:
    assert S("while (i < 3) { i := i + 1 }") == (
        While(Compare("<", F("i"), C(3)), Block((Assign(F("i"), add(F("i"), C(1))),))),)
    assert S("for (let i := 0; i < 3; i := i + 1) print(i)") == (
        For(VarDecl("i", C(0)), Compare("<", F("i"), C(3)), Assign(F("i"), add(F("i"), C(1))),
            ExprStmt(call("print", F("i")))),)
    assert S("for (;;) {}") == (For(None, None, None, Block(())),)
    assert S("for (; i < 3;) {}") == (For(None, Compare("<", F("i"), C(3)), None, Block(())),)
    assert S("for (i := 0; ; f(i)) {}") == (For(Assign(F("i"), C(0)), None, ExprStmt(call("f", F("i"))), Block(())),)
    assert S("for (let v in [10, 20]) print(v)") == (
        ForIn(None, "v", ArrayLit((C(10), C(20))), ExprStmt(call("print", F("v")))),)
    assert S("for (let key, value in obj) {}") == (ForIn("key", "value", F("obj"), Block(())),)


def test_functions() -> None:
    assert S("fun add(a, b) { return a + b }") == (
        Function("add", ("a", "b"), Block((Return(add(F("a"), F("b"))),))),)
    assert S("fn show(a, b, c,) { }") == (Function("show", ("a", "b", "c"), Block(())),)
    assert S("FUN f() { { 'a': 1 } }") == (Function("f", (), Block((ExprStmt(DictLit(((C("a"), C(1)),))),))),)


def test_throw_and_try() -> None:
    assert S("throw Error('x')") == (Throw(call("Error", C("x"))),)
    assert S("throw") == (Throw(),)
    assert S("try { a() } catch { b() }") == (
        Try(Block((ExprStmt(call("a")),)), (Catch(None, None, Block((ExprStmt(call("b")),))),)),)
    assert S("try {} catch (e) {} catch (err: FishError) {} finally { f() }") == (
        Try(Block(()), (Catch("e", None, Block(())), Catch("err", "FishError", Block(()))),
            Block((ExprStmt(call("f")),))),)
    assert S("try {}") == (Try(Block(()), ()),)


def test_blocks_vs_dicts_at_statement_start() -> None:
    assert S("{}") == (Block(()),)
    assert S("{ x }") == (Block((ExprStmt(F("x")),)),)
    assert S("{'a': 1}") == (ExprStmt(DictLit(((C("a"), C(1)),))),)
    assert S("{ c ? a : b }") == (Block((ExprStmt(Ternary(F("c"), F("a"), F("b"))),)),)
    assert S("{ let a := 2 print(a) }") == (Block((VarDecl("a", C(2)), ExprStmt(call("print", F("a"))))),)
    assert S("if (x) {'a': 1}") == (If(F("x"), ExprStmt(DictLit(((C("a"), C(1)),)))),)
    assert S("let d := {}") == (VarDecl("d", DictLit(())),)
    assert S("{ {} }") == (Block((Block(()),)),)


def test_spans() -> None:
    program = parse_program("let x := 1\nprint(x + 22)")
    decl, stmt = program.statements
    assert (decl.span.start, decl.span.end, decl.span.line, decl.span.column) == (0, 10, 1, 1)
    call_node = stmt.expr
    assert (call_node.span.line, call_node.span.column, call_node.span.end_line, call_node.span.end_column) \
        == (2, 1, 2, 14)
    plus = call_node.args[0]
    assert (plus.span.start, plus.span.end, plus.span.column) == (17, 23, 7)
    assert (plus.right.span.column, plus.right.span.end_column) == (11, 13)
    assert parse_expression("  a.b.c").span.column == 3
    assert parse_expression("f'x{y}'").parts[1].span.column == 5


def test_source_name_is_kept_on_errors() -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_program("let x = 1", name="prog.hog")
    assert info.value.source_name == "prog.hog"
    assert info.value.source == "let x = 1"
    assert "prog.hog:1:7" in info.value.render()


def test_hogqlx_and_sql_are_refused() -> None:
    for source, message, column in [
        ("print(<hr />)", "HogQLX tags are not supported in hoglite", 7),
        ("let a := <div>", "HogQLX tags are not supported in hoglite", 10),
        ("a <b and c", "HogQLX tags are not supported in hoglite", 3),
        ("sql(1 + 1)", "sql() expressions are not supported in hoglite", 1),
        ("run((select 1))", "SQL select queries are not supported in hoglite", 6),
    ]:
        with pytest.raises(HogSyntaxError) as info:
            parse_program(source)
        assert info.value.message == message
        assert info.value.span.column == column
    # comparisons with a space (or no letter) after `<` are fine
    assert E("a < b and c") == And((Compare("<", F("a"), F("b")), F("c")))
    assert E("a<b") == Compare("<", F("a"), F("b"))
    assert E("a <b + 1") == Compare("<", F("a"), add(F("b"), C(1)))


def test_break_is_just_a_name() -> None:
    assert S("while (true) { break }") == (While(C(True), Block((ExprStmt(F("break")),))),)


def test_spec_examples_parse() -> None:
    source = """
let r := [1, 2, {'d': [1, 3, 42, 3]}]
r[3].d[3] := 3
fun FishError(message) { return HogError('FishError', message) }
try {
  throw FishError('You forgot to feed your fish')
} catch (e: FoodError) {
  print(f'Problem with your food: {e.message}')
} catch {
  print(f'Unknown problem: {e}')
}
let counter := 0
let inc := () -> { counter := counter + 1 }
inc(); inc()
print(1 + 2 * 3, (1 + 2) * 3, -2 * 3, 10 - 4 - 3, 2 * 3 % 4)
print('banana' like '%nan%', 'test' =~ 'e.*', 'a' in 'car', 5 between 1 and 10, null ?? 'd')
"""
    program = parse_program(source)
    assert len(program.statements) == 10
    assert program.statements[-1] == ExprStmt(call(
        "print", Compare("like", C("banana"), C("%nan%")), Compare("=~", C("test"), C("e.*")),
        Compare("in", C("a"), C("car")), Between(C(5), C(1), C(10)), NullishCoalesce(C(None), C("d"))))


def test_deep_nesting_is_refused_cleanly() -> None:
    with pytest.raises(HogSyntaxError, match="nested too deeply"):
        parse_expression("(" * 300 + "1" + ")" * 300)
    assert parse_expression("(" * 150 + "1" + ")" * 150) == C(1)
