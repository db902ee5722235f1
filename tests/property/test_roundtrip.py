"""Property tests for the syntax layer.

* Random well-formed ASTs print to Hog source that parses back to an equal AST.
* Arbitrary text, and soups of Hog-looking tokens, only ever raise HogSyntaxError.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hoglite.errors import HogSyntaxError
from hoglite.syntax import ast, parse_expression, parse_program, parse_template, print_expr, print_program
from hoglite.syntax.printer import print_template

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Whole programs are the slowest to generate; fewer examples keep CI time modest.
PROGRAM_SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- names and leaves --------------------------------------------------------------------------------

_TRICKY_NAMES = ["x", "y", "event", "$browser", "_tmp", "date", "key", "from", "type", "if", "let", "not", "null",
                 "in", "f", "sql", "interval", "select", "cohort", "True", "a b", "it's", "back`tick", "back\\slash",
                 "2", "é", "new\nline", "{brace}", "case", "when", "then", "end", "END"]
names = st.one_of(st.sampled_from(_TRICKY_NAMES),
                  st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1,
                          max_size=6))
head_names = names.filter(lambda n: n.lower() not in ("true", "false"))
texts = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=8)

constants = st.one_of(
    st.none().map(ast.Constant),
    st.booleans().map(ast.Constant),
    st.integers(min_value=-(2**70), max_value=2**70).map(ast.Constant),
    st.floats(allow_nan=False).map(ast.Constant),
    texts.map(ast.Constant),
)
fields = st.builds(lambda head, rest: ast.Field((head, *rest)), head_names, st.lists(names, max_size=2))
leaves = st.one_of(constants, fields)

CMP_OPS = ["==", "!=", "<", "<=", ">", ">=", "like", "ilike", "not like", "not ilike", "in", "not in", "=~", "!~",
           "=~*", "!~*"]


def _flat(kind: type, items: list) -> tuple:
    # The parser flattens nested And/Or/Concat, so generate them flat.
    return tuple(ast.Call("g", (i,)) if isinstance(i, kind) else i for i in items)


def _template(parts: list) -> ast.TemplateString:
    out: list[ast.Expr] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if out and isinstance(out[-1], ast.Constant) and isinstance(out[-1].value, str):
                continue  # adjacent text merges when parsed
            out.append(ast.Constant(part))
        elif isinstance(part, ast.Constant) and isinstance(part.value, str):
            out.append(ast.Call("h", (part,)))  # a string hole would print as text
        else:
            out.append(part)
    return ast.TemplateString(tuple(out))


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    args = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        st.builds(ast.Arithmetic, st.sampled_from("+-*/%"), children, children),
        st.builds(ast.Negate, children),
        st.builds(ast.Compare, st.sampled_from(CMP_OPS), children, children),
        st.builds(ast.IsNull, children, st.booleans()),
        st.builds(ast.Between, children, children, children, st.booleans()),
        st.builds(lambda xs: ast.And(_flat(ast.And, xs)), st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda xs: ast.Or(_flat(ast.Or, xs)), st.lists(children, min_size=2, max_size=3)),
        st.builds(ast.Not, children),
        st.builds(ast.NullishCoalesce, children, children),
        st.builds(ast.Ternary, children, children, children),
        st.builds(lambda xs: ast.Concat(_flat(ast.Concat, xs)), st.lists(children, min_size=2, max_size=3)),
        st.builds(ast.Call, names, args, st.none() | args),
        st.builds(ast.ExprCall, children, args),
        st.builds(ast.Index, children, children, st.booleans()),
        st.builds(lambda o, k, n: ast.Index(o, ast.Constant(k), n, True), children, names, st.booleans()),
        st.builds(ast.TupleAccess, children, st.integers(0, 20), st.booleans()),
        st.builds(ast.Lambda, st.lists(names, max_size=3).map(tuple), children),
        st.builds(ast.Lambda, st.lists(names, max_size=2).map(tuple),
                  st.lists(simple_statements(children), max_size=2).map(lambda s: ast.Block(tuple(s)))),
        st.builds(ast.ArrayLit, args),
        st.builds(ast.TupleLit, st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(ast.DictLit, st.lists(st.tuples(children, children), max_size=2).map(tuple)),
        st.builds(ast.Placeholder, children),
        st.builds(_template, st.lists(st.one_of(texts, children), max_size=4)),
    )


def simple_statements(exprs: st.SearchStrategy) -> st.SearchStrategy:
    targets = st.one_of(fields, st.builds(ast.Index, exprs, exprs, st.booleans()),
                        st.builds(ast.TupleAccess, exprs, st.integers(0, 5), st.booleans()))
    return st.one_of(
        st.builds(ast.VarDecl, names, st.none() | exprs),
        st.builds(ast.Assign, targets, exprs),
        st.builds(ast.ExprStmt, exprs),
        st.builds(ast.Return, st.none() | exprs),
        st.builds(ast.Throw, st.none() | exprs),
    )


expressions = st.recursive(leaves, _extend, max_leaves=12)
small_expressions = st.recursive(leaves, _extend, max_leaves=4)


def _blocks(stmts: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(stmts, max_size=3).map(lambda s: ast.Block(tuple(s)))


def _statement_extend(children: st.SearchStrategy) -> st.SearchStrategy:
    blocks = _blocks(children)
    simple = simple_statements(small_expressions)
    clause = st.none() | st.one_of(st.builds(ast.VarDecl, names, st.none() | small_expressions),
                                   st.builds(ast.Assign, fields, small_expressions),
                                   st.builds(ast.ExprStmt, small_expressions))
    catches = st.lists(st.one_of(
        st.builds(ast.Catch, st.none(), st.none(), blocks),
        st.builds(ast.Catch, names, st.none() | names, blocks)), max_size=2).map(tuple)
    return st.one_of(
        blocks,
        st.builds(ast.If, small_expressions, children),
        # with an `else`, the `then` branch must not end in an else-less `if` (it would take the else)
        st.builds(ast.If, small_expressions, st.one_of(blocks, simple), children),
        st.builds(ast.While, small_expressions, children),
        st.builds(ast.For, clause, st.none() | small_expressions, clause, children),
        st.builds(ast.ForIn, st.none() | names, names, small_expressions, children),
        st.builds(ast.Function, names, st.lists(names, max_size=3).map(tuple), blocks),
        st.builds(ast.Try, blocks, catches, st.none() | blocks),
    )


statements = st.recursive(simple_statements(small_expressions), _statement_extend, max_leaves=6)
programs = st.lists(statements, max_size=5).map(lambda s: ast.Program(tuple(s)))


@SETTINGS
@given(expressions)
def test_expression_roundtrip(expr: ast.Expr) -> None:
    source = print_expr(expr)
    assert parse_expression(source) == expr, source


@PROGRAM_SETTINGS
@given(programs)
def test_program_roundtrip(program: ast.Program) -> None:
    source = print_program(program)
    reparsed = parse_program(source)
    assert reparsed == program, source
    assert print_program(reparsed) == source


@SETTINGS
@given(st.lists(st.one_of(texts, small_expressions), max_size=4).map(_template))
def test_template_roundtrip(template: ast.TemplateString) -> None:
    source = print_template(template)
    expected: ast.Expr = template
    if not any(not (isinstance(p, ast.Constant) and isinstance(p.value, str)) for p in template.parts):
        expected = ast.Constant("".join(p.value for p in template.parts))
    assert parse_template(source) == expected, source


def _only_syntax_errors(source: str) -> None:
    for parse in (parse_program, parse_expression, parse_template):
        try:
            parse(source)
        except HogSyntaxError as error:
            assert error.span is not None
            error.render()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_only_raises_syntax_errors(source: str) -> None:
    _only_syntax_errors(source)


_PIECES = ["let", "x", ":=", "1", "-1", "(", ")", "{", "}", "[", "]", ",", "->", "f'", "'", "a", "fun", "if", "else",
           "return", "not", "in", "like", ";", ".", "?.", "?", ":", "??", "+", "-", "*", "||", "=", "<", "<b", "try",
           "catch", "finally", "for", "while", "throw", "`q`", '"d"', "0x1", ".5", "true", "null", "between", "and",
           "or", "is", " ", "\n", "--", "//", "/*", "*/", "\\", "{x}", "f'{", "}'", "interval", "day", "sql",
           "select", "cohort", "!", "&&", "é", "\\{", "''", "case", "when", "then", "end", "CASE", "WHEN",
           "ELSE", "END", " and ", " between ", "if(", "not "]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_token_soup_only_raises_syntax_errors(source: str) -> None:
    _only_syntax_errors(source)
