"""Turn lark's parse failures into HogSyntaxErrors written for people.

The parser reports the unexpected token and the set of terminal names it would have accepted. We look at the
tokens around the failure (the innermost unclosed bracket, the keyword just before) to say what went
wrong in Hog terms, and never show lark's terminal names.
"""

from __future__ import annotations

from hoglite.errors import HogSyntaxError
from hoglite.syntax.lexer import CLOSERS, EXPR_END, OPENERS, HogToken, SourceMap
from hoglite.syntax.lookahead import word_of

_CASE_WORDS = frozenset({"when", "then", "end"})
_CLOSE_CHAR = {"RPAR": ")", "RSQB": "]", "RBRACE": "}", "HOLE_CLOSE": "}", "FSTRING_END": "'"}
_NOTHING_OPEN = {
    "RPAR": "Unexpected ')': there is no open parenthesis to close",
    "RSQB": "Unexpected ']': there is no open bracket to close",
    "RBRACE": "Unexpected '}': there is no open block or dict to close",
}
_EXPRESSION_STARTS = frozenset({"NAME", "NUMBER", "STRING", "NULL", "LPAR", "LSQB", "LBRACE",
                                "FSTRING_START", "LAMBDA_PARAMS"})
_WORDS = {"LAMBDA_PARAMS": "lambda parameters", "FSTRING_START": "f-string", "FSTRING_TEXT": "f-string text",
          "HOLE_OPEN": "'{'", "HOLE_CLOSE": "'}'", "FSTRING_END": "end of the f-string"}


def _describe(tok: HogToken | None, smap: SourceMap) -> str:
    if tok is None:
        return "end of input"
    t = tok.type
    text = str(tok)
    if t in _WORDS:
        return _WORDS[t]
    if len(text) > 30:
        text = text[:27] + "..."
    if t == "NAME":
        if text.startswith('"') or text.startswith("`"):
            return f"identifier {text}"
        return f"identifier '{text}'"
    if t == "NUMBER":
        return f"number {text}"
    if t == "STRING":
        return f"string {text}"
    return f"'{text}'"


def _opener_kind(tokens: list[HogToken], i: int) -> str:
    tok = tokens[i]
    t = tok.type
    prev = tokens[i - 1] if i else None
    pt = prev.type if prev is not None else None
    if t == "LPAR":
        if pt in ("IF", "WHILE"):
            return f"'{str(prev).lower()}' condition"
        if pt == "FOR":
            return "'for' header"
        if pt == "CATCH":
            return "catch clause"
        if pt == "NAME" and i >= 2 and tokens[i - 2].type == "FUN":
            return "parameter list"
        if pt in EXPR_END:
            return "call"
        return "parenthesis"
    if t == "LPAR_GROUP":
        return "parenthesis"
    if t == "LSQB":
        return "index" if pt in EXPR_END else "array"
    if t == "LBRACE":
        return "dict"
    if t == "LBRACE_BLOCK":
        return "block"
    if t == "HOLE_OPEN":
        return "f-string hole"
    return "f-string"


def _where(tok: HogToken) -> str:
    return f"line {tok.line}, column {tok.column}"


def describe_parse_error(tok: HogToken | None, expected: set[str], tokens: list[HogToken],
                         smap: SourceMap) -> HogSyntaxError:
    """`tok` is the token the parser could not accept (None at the end of input); `expected` holds the
    terminal names it would have accepted."""
    index = len(tokens)
    if tok is not None:
        for i, candidate in enumerate(tokens):
            if candidate is tok:
                index = i
                break
    message, hint = _message(tokens, index, tok, expected, smap)
    if tok is None:
        end = len(smap.text)
        return smap.error(message, end, end, hint=hint)
    return smap.error(message, tok.start_pos, tok.end_pos, hint=hint)


def _innermost_open(tokens: list[HogToken], index: int) -> int | None:
    stack: list[int] = []
    for i in range(index):
        t = tokens[i].type
        if t in OPENERS:
            stack.append(i)
        elif t in CLOSERS and stack and OPENERS[tokens[stack[-1]].type] == t:
            stack.pop()
    return stack[-1] if stack else None


def _message(tokens: list[HogToken], index: int, tok: HogToken | None, expected: set[str],
             smap: SourceMap) -> tuple[str, str | None]:
    t = tok.type if tok is not None else "$END"
    prev = tokens[index - 1] if index > 0 else None
    pt = prev.type if prev is not None else None
    ppt = tokens[index - 2].type if index > 1 else None
    opener = _innermost_open(tokens, index)
    hint = None
    if tok is not None and t == "NAME" and str(tok).startswith('"'):
        hint = f"Strings use single quotes: {tok} is an identifier"

    def close_message() -> str:
        assert opener is not None
        open_tok = tokens[opener]
        close = _CLOSE_CHAR[OPENERS[open_tok.type]]
        return f"Expected '{close}' to close the {_opener_kind(tokens, opener)} started at {_where(open_tok)}"

    if t in CLOSERS:
        if opener is None:
            return _NOTHING_OPEN.get(t, f"Unexpected {_describe(tok, smap)}"), hint
        if OPENERS[tokens[opener].type] != t:
            return close_message(), hint
    if tok is not None and (word_of(tok) in _CASE_WORDS or t == "ELSE") and \
            any(word_of(tokens[k]) == "case" for k in range(index - 1, -1, -1)):
        # lookahead.py only makes keywords of a complete CASE ... END.
        return f"Unexpected {_describe(tok, smap)}: incomplete CASE expression", \
            "write CASE WHEN condition THEN value [WHEN ...] [ELSE value] END"
    # Context from the keyword just before the failure.
    if pt == "LET" and t != "NAME":
        return "Expected a variable name after 'let'", hint
    if pt == "FUN":
        return f"Expected a function name after '{prev}'", hint
    if pt == "NAME" and ppt == "FUN" and t != "LPAR":
        return "Expected '(' after the function name", hint
    if pt == "RPAR" and "LBRACE_BLOCK" in expected:
        start = _innermost_open(tokens, index - 1)
        if start is not None and start >= 2 and tokens[start - 1].type == "NAME" and tokens[start - 2].type == "FUN":
            return f"Expected '{{' to start the body of function '{tokens[start - 1]}'", hint
        if start is not None and start >= 1 and tokens[start - 1].type == "CATCH":
            return "Expected '{' to start the catch block", hint
    if pt == "TRY":
        return "Expected '{' after 'try'", hint
    if pt == "FINALLY":
        return "Expected '{' after 'finally'", hint
    if pt == "CATCH":
        return "Expected '(' or '{' after 'catch'", hint
    if opener is not None and tokens[opener].type == "LPAR" and opener >= 1 and tokens[opener - 1].type == "CATCH":
        return "Invalid catch clause: write 'catch (e)' or 'catch (e: ErrorType)'", hint
    if t == "COMMA" and opener is not None and _opener_kind(tokens, opener) == "'for' header":
        return "Unexpected ',': the parts of a 'for' header are separated by ';'", hint
    if pt in ("IF", "WHILE", "FOR") and t != "LPAR":
        return f"Expected '(' after '{str(prev).lower()}'", hint
    # The unexpected token itself.
    if t == "CMP" and str(tok) == "=":
        return "Unexpected '=' — use ':=' to assign", hint
    if t == "ASSIGN":
        return "Unexpected ':=' — assignment is a statement, not part of an expression", hint
    if t == "ELSE":
        if pt == "SEMI":
            hint = "a ';' after 'let' or ':=' ends the 'if'; drop the ';' or put the branch in braces"
        return "Unexpected 'else' without a matching 'if'", hint
    if t in ("CATCH", "FINALLY"):
        return f"Unexpected '{str(tok).lower()}' without a matching 'try'", hint
    if t == "ARROW":
        return "Unexpected '->': lambda parameters must be names, as in (a, b) -> a + b", hint
    if t == "LAMBDA_PARAMS":
        return "A lambda here must be wrapped in parentheses, as in (x -> x + 1)", hint
    if t == "FUN" and pt not in (None, "SEMI", "LBRACE_BLOCK", "RBRACE", "ELSE", "RPAR") and pt not in EXPR_END:
        return (f"Unexpected '{tok}': a function declaration is a statement",
                "use a lambda in expressions, as in (x) -> { return x }")
    if t == "HOLE_CLOSE" and pt == "HOLE_OPEN":
        return "Empty f-string hole: expected an expression between '{' and '}'", hint
    if pt in ("DOT", "QDOT"):
        return f"Expected a member name or position after '{prev}'", hint
    if opener is not None:
        close_type = OPENERS[tokens[opener].type]
        if close_type in expected and (t == "$END" or t in _EXPRESSION_STARTS or t in CLOSERS):
            return close_message(), hint
    what = "end of input" if t == "$END" else _describe(tok, smap)
    if expected & _EXPRESSION_STARTS and pt not in EXPR_END:
        return f"Unexpected {what}: expected an expression", hint
    wanted = _structural(tokens, index, expected)
    if wanted:
        return f"Unexpected {what}: expected {wanted}", hint
    return f"Unexpected {what}", hint


_STRUCTURAL = (("COLON", "':'"), ("SEMI", "';'"), ("IN", "'in'"), ("RPAR", "')'"), ("RSQB", "']'"),
               ("RBRACE", "'}'"))


def _structural(tokens: list[HogToken], index: int, expected: set[str]) -> str:
    """Punctuation the parser was waiting for (operators are always possible, so they are not listed)."""
    if "BETWEEN_AND" in expected:
        return "'and' to complete 'between'"
    if "END" in expected and "WHEN" not in expected:
        return "'end' to complete 'case'"
    names = [word for name, word in _STRUCTURAL if name in expected]
    return " or ".join(names) if 0 < len(names) <= 2 else ""
