"""Syntax errors: exact position and message for typical mistakes; never a lark exception."""

from __future__ import annotations

import re

import pytest

from hoglite.errors import HogSyntaxError
from hoglite.syntax import parse_expression, parse_program, parse_template

CASES = [
    ('if (x) {\n  print(1)\n', 3, 1, "Expected '}' to close the block started at line 1, column 8"),
    ('let x = 1', 1, 7, "Unexpected '=' — use ':=' to assign"),
    ("print('abc)", 1, 7, 'Unterminated string'),
    ("let s := 'abc\nprint(s)", 1, 10, 'Unterminated string'),
    ("print(f'abc {name')", 1, 13, "Unterminated f-string hole: expected '}'"),
    ("print(f'abc {name}", 1, 7, 'Unterminated f-string: missing closing "\'"'),
    ('if (a && b) {}', 1, 7, "'&&' is not a Hog operator, use 'and'"),
    ('print(1, 2', 1, 11, "Expected ')' to close the call started at line 1, column 6"),
    ('print(1 2)', 1, 9, "Expected ')' to close the call started at line 1, column 6"),
    ('let x := 1\n}', 2, 1, "Unexpected '}': there is no open block or dict to close"),
    ('let := 3', 1, 5, "Expected a variable name after 'let'"),
    ('fun f(x)', 1, 9, "Expected '{' to start the body of function 'f'"),
    ('fun f(x) return x', 1, 10, "Expected '{' to start the body of function 'f'"),
    ('try {} catch (Error e) {}', 1, 21, "Invalid catch clause: write 'catch (e)' or 'catch (e: ErrorType)'"),
    ('try {} catch e {}', 1, 14, "Expected '(' or '{' after 'catch'"),
    ('if (!x) {}', 1, 5, "Unexpected character '!' (U+0021)"),
    ('x++', 1, 2, "'++' is not a Hog operator, write 'x := x + 1'"),
    ('x += 1', 1, 3, "'+=' is not a Hog operator, write 'x := x + 1'"),
    ('let x := [1, 2', 1, 15, "Expected ']' to close the array started at line 1, column 10"),
    ('print(x := 1)', 1, 9, "Unexpected ':=' — assignment is a statement, not part of an expression"),
    ('else { }', 1, 1, "Unexpected 'else' without a matching 'if'"),
    ('f() -> 1', 1, 5, "Unexpected '->': lambda parameters must be names, as in (a, b) -> a + b"),
    ('print(1]', 1, 8, "Expected ')' to close the call started at line 1, column 6"),
    ('let f := fun(x) { }', 1, 10, "Unexpected 'fun': a function declaration is a statement"),
    ('if x { }', 1, 4, "Expected '(' after 'if'"),
    ("f'{}'", 1, 4, "Empty f-string hole: expected an expression between '{' and '}'"),
    ('let x := 0o17', 1, 10, "Invalid number '0o17'"),
    ("print('\\d')", 1, 8, "Invalid escape sequence '\\d' in string"),
    ('x ** 2', 1, 3, "'**' is not a Hog operator (Hog has no power operator)"),
    ('print(\'a\' "b")', 1, 11, "Expected ')' to close the call started at line 1, column 6"),
    ('/* open', 1, 1, "Unterminated comment: '/*' without '*/'"),
    ('for (let i := 0, i < 3, i := i + 1) {}', 1, 16, "Unexpected ',': the parts of a 'for' header are separated by ';'"),
    ('let x := (1 +)', 1, 14, "Unexpected ')': expected an expression"),
    ('x.[1]', 1, 3, "Expected a member name or position after '.'"),
    ("{'a': 1, 'b'}", 1, 13, "Unexpected '}': expected ':'"),
    ('x ? 1', 1, 6, "Unexpected end of input: expected ':'"),
    ('x between 1', 1, 12, "Unexpected end of input: expected 'and' to complete 'between'"),
    ('`unterminated', 1, 1, 'Unterminated quoted identifier'),
    ('a | b', 1, 3, "'|' is not a Hog operator: use 'or' for logic, '||' to concatenate"),
    ('print(é)', 1, 7, 'Unexpected character U+00E9'),
    ("let x := {\n  'a': 1,\n  'b': 2\n\nprint(x)", 5, 1, "Expected '}' to close the dict started at line 1, column 10"),
    ('if (a) x := 1; else x := 2', 1, 16, "Unexpected 'else' without a matching 'if'"),
    ('fun (x) {}', 1, 5, "Expected a function name after 'fun'"),
    ('return 1 +', 1, 11, 'Unexpected end of input: expected an expression'),
    ('let x := `a\\`b`', 1, 12, "Invalid escape sequence '\\`' in quoted identifier: write ``"),
    ('print(1)\nprint(2))', 2, 9, "Unexpected ')': there is no open parenthesis to close"),
    ("obj.'key'", 1, 5, "Expected a member name or position after '.'"),
]


@pytest.mark.parametrize("source, line, column, message", CASES)
def test_syntax_error_message_and_position(source: str, line: int, column: int, message: str) -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_program(source)
    error = info.value
    assert (error.span.line, error.span.column) == (line, column)
    assert error.message == message
    assert error.source == source
    # no lark terminal names or internals leak into messages
    assert not re.search(r"\b(NAME|RPAR|LPAR|LBRACE|RBRACE|LSQB|RSQB|CMP|SEMI|Token|\$END)\b", message)


@pytest.mark.parametrize("source, hint", [
    ('print(\'a\' "b")', 'Strings use single quotes: "b" is an identifier'),
    ("if (!x) {}", "use 'not x' for negation and '!=' for inequality"),
    ("let f := fun(x) { }", "use a lambda in expressions, as in (x) -> { return x }"),
    ("if (a) x := 1; else x := 2", "a ';' after 'let' or ':=' ends the 'if'; drop the ';' or put the branch in braces"),
    ('print("unterminated)', "strings use single quotes: 'text'"),
])
def test_hints(source: str, hint: str) -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_program(source)
    assert info.value.hint == hint


def test_double_quotes_are_identifiers_not_errors() -> None:
    # `"x"` is a valid identifier; the hint appears only when the parse actually fails
    parse_program('print("hello world")')


def test_or_bars_are_concatenation() -> None:
    parse_program("let x := a || b")


def test_render_has_caret() -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_program("let a := 1\nlet b = 2", name="x.hog")
    rendered = info.value.render()
    assert rendered.splitlines()[0] == "syntax error: Unexpected '=' — use ':=' to assign"
    assert "x.hog:2:7" in rendered
    assert rendered.splitlines()[-1].endswith("      ^")
    assert str(info.value) == "Unexpected '=' — use ':=' to assign (line 2, column 7)"


@pytest.mark.parametrize("source, message, column", [
    ("1 +", "Unexpected end of input: expected an expression", 4),
    ("1 2", "Unexpected number 2", 3),
    ("a; b", "Unexpected ';'", 2),
    ("", "Unexpected end of input: expected an expression", 1),
])
def test_expression_mode_errors(source: str, message: str, column: int) -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_expression(source)
    assert info.value.message == message
    assert info.value.span.column == column


@pytest.mark.parametrize("source, message, column", [
    ("Hello {name", "Unterminated f-string hole: expected '}'", 7),
    ("Hello {}", "Empty f-string hole: expected an expression between '{' and '}'", 8),
    ("{1 +}", "Unexpected '}': expected an expression", 5),
])
def test_template_errors(source: str, message: str, column: int) -> None:
    with pytest.raises(HogSyntaxError) as info:
        parse_template(source)
    assert info.value.message == message
    assert info.value.span.column == column
