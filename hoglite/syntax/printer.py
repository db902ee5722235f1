"""Print an AST back as canonical Hog source.

The output parses back to an equal AST (spans aside): operands are parenthesised by precedence, names
and strings are quoted where needed, and every simple statement ends with `;` so that statements never
run into each other (`f()` followed by `(x) := 1` must not become a call).

A few AST shapes have no Hog spelling and print as the nearest equivalent: an empty `TupleLit` (printed
`tuple()`), a bare `Field(('true',))`, `Field` chains holding integers, NUL characters in strings
(`\\0` is dropped by the lexer), adjacent or empty text parts in a `TemplateString`, nested `And`/`Or`/
`Concat` directly inside the same kind (the parser flattens them), and an `If` without `else` as the
`then` branch of an `If` with one (the `else` would bind to the inner `if`).
"""

from __future__ import annotations

import math
import re

from hoglite.syntax import ast

__all__ = ["print_program", "print_expr", "print_statement", "print_template", "quote_identifier",
           "quote_string"]

MAX_DEPTH = 400  # nested nodes; the printer recurses, so it refuses absurdly deep trees

# Precedence levels, lowest binding first (spec 3.3).
LAMBDA, TERNARY, BETWEEN, OR, AND, NOT, COALESCE, IS, COMPARE, SUM, PRODUCT, UNARY, POSTFIX, PRIMARY = range(1, 15)

_PLAIN_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
RESERVED = frozenset({
    "let", "fn", "fun", "if", "else", "while", "for", "in", "return", "throw", "try", "catch", "finally",
    "and", "or", "not", "like", "ilike", "is", "null", "between", "inf", "infinity", "nan",
})
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v",
            "\a": "\\a"}
_STRING_SPECIAL = re.compile(r"[\\\n\r\t\b\f\v\a']")
_FSTRING_SPECIAL = re.compile(r"[\\\n\r\t\b\f\v\a'{]")
_TEMPLATE_SPECIAL = re.compile(r"[\\\n\r\t\b\f\v\a{]")
_IDENT_SPECIAL = re.compile(r"[\\\n\r\t\b\f\v\a`]")
_SPECIAL_REPLACEMENT = {**_ESCAPES, "'": "\\'", "{": "\\{", "`": "``"}


def _escape(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: _SPECIAL_REPLACEMENT[m.group()], text)


def quote_string(value: str) -> str:
    """A single-quoted Hog string literal for `value`."""
    return "'" + _escape(value, _STRING_SPECIAL) + "'"


# Words the lexer treats specially in some positions (`interval 2 day`, `(select ...)`, `in cohort 5`,
# `case when ... end`); quoting them is always safe.
_QUOTE_ANYWAY = frozenset({"interval", "select", "cohort", "sql", "case", "when", "then", "end"})


def quote_identifier(name: str, *, member: bool = False) -> str:
    """`name` as written in Hog: bare when possible, else back-quoted. After a dot keywords are fine."""
    if _PLAIN_NAME.match(name) and (member or (name.lower() not in RESERVED and name.lower() not in _QUOTE_ANYWAY)):
        return name
    return "`" + _escape(name, _IDENT_SPECIAL) + "`"


def _call_name(name: str) -> str:
    # `sql(` would be refused as a HogQL construct; quote_identifier quotes it.
    return quote_identifier(name)


def _number(value: int | float) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return str(value)


def _level(e: ast.Expr) -> int:
    if isinstance(e, ast.Lambda):
        return LAMBDA
    if isinstance(e, ast.Ternary):
        return TERNARY
    if isinstance(e, ast.Between):
        return BETWEEN
    if isinstance(e, ast.Or):
        return OR
    if isinstance(e, ast.And):
        return AND
    if isinstance(e, ast.Not):
        return NOT
    if isinstance(e, ast.NullishCoalesce):
        return COALESCE
    if isinstance(e, ast.IsNull):
        return IS
    if isinstance(e, ast.Compare):
        return COMPARE
    if isinstance(e, ast.Concat):
        return SUM
    if isinstance(e, ast.Arithmetic):
        return SUM if e.op in ("+", "-") else PRODUCT
    if isinstance(e, ast.Negate):
        return UNARY
    if isinstance(e, (ast.Index, ast.TupleAccess, ast.ExprCall)):
        return POSTFIX
    if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
        # A signed literal reads like a unary minus; `1.2` after a dot would be a float.
        return UNARY
    return PRIMARY


class _Printer:
    def __init__(self) -> None:
        self.indent = 0
        self.depth = 0

    # -- expressions -------------------------------------------------------------------------------
    def expr(self, e: ast.Expr, min_level: int = LAMBDA) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ValueError(f"expression nested more than {MAX_DEPTH} levels deep")
        try:
            text = self._expr(e)
        finally:
            self.depth -= 1
        if _level(e) < min_level:
            return f"({text})"
        return text

    def _items(self, items: tuple[ast.Expr, ...]) -> str:
        # A lambda after a comma would swallow the names before it (spec 11a), so wrap those.
        out = []
        for i, item in enumerate(items):
            out.append(self.expr(item, TERNARY if i else LAMBDA))
        return ", ".join(out)

    def _expr(self, e: ast.Expr) -> str:
        if isinstance(e, ast.Constant):
            v = e.value
            if v is None:
                return "null"
            if v is True:
                return "true"
            if v is False:
                return "false"
            if isinstance(v, str):
                return quote_string(v)
            return _number(v)
        if isinstance(e, ast.Field):
            parts = [quote_identifier(str(e.chain[0]))]
            for item in e.chain[1:]:
                parts.append(str(item) if isinstance(item, int) else quote_identifier(item, member=True))
            return ".".join(parts)
        if isinstance(e, ast.Call):
            text = f"{_call_name(e.name)}("
            if e.params is not None:
                text += f"{self._items(e.params)})("
            return text + f"{self._items(e.args)})"
        if isinstance(e, ast.ExprCall):
            return f"{self._postfix_base(e.callee, call=True)}({self._items(e.args)})"
        if isinstance(e, ast.Index):
            base = self._postfix_base(e.obj, dotted=e.dotted)
            if e.dotted and isinstance(e.key, ast.Constant) and isinstance(e.key.value, str):
                dot = "?." if e.nullish else "."
                return f"{base}{dot}{quote_identifier(e.key.value, member=True)}"
            return f"{base}{'?.' if e.nullish else ''}[{self.expr(e.key)}]"
        if isinstance(e, ast.TupleAccess):
            base = self._postfix_base(e.obj)
            if e.index < 0:
                return f"{base}{'?.' if e.nullish else ''}[{e.index}]"
            return f"{base}{'?.' if e.nullish else '.'}{e.index}"
        if isinstance(e, ast.Arithmetic):
            level = _level(e)
            return f"{self.expr(e.left, level)} {e.op} {self.expr(e.right, level + 1)}"
        if isinstance(e, ast.Negate):
            inner = self.expr(e.expr, UNARY)
            if isinstance(e.expr, ast.Constant) and not inner.startswith("("):
                inner = f"({inner})"  # `-(1)` must not fold into the literal -1
            if inner.startswith("-"):
                return f"- {inner}"
            return f"-{inner}"
        if isinstance(e, ast.Compare):
            return f"{self.expr(e.left, COMPARE)} {e.op} {self.expr(e.right, SUM)}"
        if isinstance(e, ast.IsNull):
            return f"{self.expr(e.expr, IS)} is {'not ' if e.negated else ''}null"
        if isinstance(e, ast.NullishCoalesce):
            return f"{self.expr(e.left, COALESCE)} ?? {self.expr(e.right, IS)}"
        if isinstance(e, ast.Not):
            inner = self.expr(e.expr, NOT)
            if inner.startswith("("):
                # `not (x)` is read as a call of `not`; wrap once more so the call has one argument.
                inner = f"({inner})"
            return f"not {inner}"
        if isinstance(e, ast.And):
            return " and ".join(self.expr(x, NOT) for x in e.exprs)
        if isinstance(e, ast.Or):
            return " or ".join(self.expr(x, AND) for x in e.exprs)
        if isinstance(e, ast.Between):
            word = "not between" if e.negated else "between"
            # The parser gives `between` the LAST `and` of its level (spec 3.3), so `and` / `or` may stand
            # bare in the low operand but not in the high one.
            return f"{self.expr(e.expr, OR)} {word} {self.expr(e.low, OR)} and {self.expr(e.high, NOT)}"
        if isinstance(e, ast.Ternary):
            return f"{self.expr(e.cond, BETWEEN)} ? {self.expr(e.then, TERNARY)} : {self.expr(e.else_, TERNARY)}"
        if isinstance(e, ast.Concat):
            return " || ".join(self.expr(x, SUM if i == 0 else PRODUCT) for i, x in enumerate(e.exprs))
        if isinstance(e, ast.Lambda):
            if len(e.params) == 1:
                params = quote_identifier(e.params[0])
            else:
                params = "(" + ", ".join(quote_identifier(p) for p in e.params) + ")"
            if isinstance(e.body, ast.Block):
                # An empty block or one starting with a block would read as a dict / placeholder.
                lead = not e.body.statements or isinstance(e.body.statements[0], ast.Block)
                return f"{params} -> {self.block(e.body, lead_semicolon=lead)}"
            return f"{params} -> {self.expr(e.body, LAMBDA)}"
        if isinstance(e, ast.ArrayLit):
            return f"[{self._items(e.items)}]"
        if isinstance(e, ast.TupleLit):
            if not e.items:
                return "tuple()"
            if len(e.items) == 1:
                return f"({self.expr(e.items[0], TERNARY)},)"
            return f"({self._items(e.items)})"
        if isinstance(e, ast.DictLit):
            pairs = ", ".join(f"{self.expr(k, TERNARY)}: {self.expr(v, TERNARY)}" for k, v in e.items)
            return "{" + pairs + "}"
        if isinstance(e, ast.Placeholder):
            return "{" + self.expr(e.expr) + "}"
        if isinstance(e, ast.TemplateString):
            return "f'" + self._template_parts(e.parts, _FSTRING_SPECIAL) + "'"
        raise TypeError(f"cannot print {type(e).__name__}")

    def _template_parts(self, parts: tuple[ast.Expr, ...], special: re.Pattern[str]) -> str:
        out = []
        for part in parts:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                out.append(_escape(part.value, special))
            else:
                out.append("{" + self.expr(part) + "}")
        return "".join(out)

    def _postfix_base(self, e: ast.Expr, *, call: bool = False, dotted: bool = False) -> str:
        text = self.expr(e, POSTFIX)
        if text.startswith("("):
            return text
        if isinstance(e, ast.Constant) and not isinstance(e.value, str) and e.value is not None:
            return f"({text})"  # `1.2` would be a float, `true.x` a field chain, `true()` a call
        if isinstance(e, ast.Field) and (dotted or (call and len(e.chain) == 1)):
            return f"({text})"  # `a.b` would fold into one chain, `f(x)` into a call by name
        if call and isinstance(e, ast.Call) and e.params is None:
            return f"({text})"  # `f(a)(b)` is the parametric call form
        return text

    # -- statements --------------------------------------------------------------------------------
    def block(self, b: ast.Block, *, lead_semicolon: bool = False) -> str:
        if not b.statements and not lead_semicolon:
            return "{}"
        self.indent += 1
        pad = "  " * self.indent
        lines = [pad + ";"] if lead_semicolon else []
        lines.extend(pad + self.stmt(s) for s in b.statements)
        self.indent -= 1
        return "{\n" + "\n".join(lines) + "\n" + "  " * self.indent + "}"

    def _statement_expr(self, e: ast.Expr) -> str:
        text = self.expr(e)
        if text.startswith("{") or text.startswith("-"):
            # At statement start `{` opens a block; after a block `-1` would lose its sign.
            return f"({text})"
        return text

    def clause(self, s: ast.Stmt | None) -> str:
        """A for-loop header part: a statement without its `;`."""
        if s is None:
            return ""
        if isinstance(s, ast.VarDecl):
            return f"let {quote_identifier(s.name)}" + (f" := {self.expr(s.expr)}" if s.expr is not None else "")
        if isinstance(s, ast.Assign):
            return f"{self._statement_expr(s.target)} := {self.expr(s.value)}"
        if isinstance(s, ast.ExprStmt):
            return self.expr(s.expr)
        raise TypeError(f"cannot print {type(s).__name__} in a for header")

    def stmt(self, s: ast.Stmt, *, terminate: bool = True) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ValueError(f"statement nested more than {MAX_DEPTH} levels deep")
        try:
            return self._stmt(s, ";" if terminate else "")
        finally:
            self.depth -= 1

    def _stmt(self, s: ast.Stmt, end: str) -> str:
        if isinstance(s, (ast.VarDecl, ast.Assign)):
            return self.clause(s) + end
        if isinstance(s, ast.ExprStmt):
            return self._statement_expr(s.expr) + end
        if isinstance(s, ast.Return):
            return "return" + (f" {self.expr(s.expr)}" if s.expr is not None else "") + end
        if isinstance(s, ast.Throw):
            return "throw" + (f" {self.expr(s.expr)}" if s.expr is not None else "") + end
        if isinstance(s, ast.Block):
            return self.block(s)
        if isinstance(s, ast.If):
            head = f"if ({self.expr(s.cond)}) "
            if s.else_ is None:
                return head + self.stmt(s.then, terminate=bool(end))
            return head + self.stmt(s.then, terminate=False) + " else " + self.stmt(s.else_, terminate=bool(end))
        if isinstance(s, ast.While):
            return f"while ({self.expr(s.cond)}) " + self.stmt(s.body, terminate=bool(end))
        if isinstance(s, ast.For):
            cond = self.expr(s.cond) if s.cond is not None else ""
            head = f"for ({self.clause(s.init)}; {cond}; {self.clause(s.step)})"
            return head + " " + self.stmt(s.body, terminate=bool(end))
        if isinstance(s, ast.ForIn):
            names = quote_identifier(s.value) if s.key is None else \
                f"{quote_identifier(s.key)}, {quote_identifier(s.value)}"
            return f"for (let {names} in {self.expr(s.expr)}) " + self.stmt(s.body, terminate=bool(end))
        if isinstance(s, ast.Function):
            params = ", ".join(quote_identifier(p) for p in s.params)
            return f"fun {quote_identifier(s.name)}({params}) {self.block(s.body)}"
        if isinstance(s, ast.Try):
            text = f"try {self.block(s.body)}"
            for c in s.catches:
                if c.var is None and c.type is None:
                    text += f" catch {self.block(c.body)}"
                elif c.type is None:
                    text += f" catch ({quote_identifier(c.var or 'e')}) {self.block(c.body)}"
                else:
                    text += f" catch ({quote_identifier(c.var or 'e')}: {quote_identifier(c.type)}) {self.block(c.body)}"
            if s.finally_ is not None:
                text += f" finally {self.block(s.finally_)}"
            return text
        raise TypeError(f"cannot print {type(s).__name__}")


def print_expr(expr: ast.Expr) -> str:
    """Canonical Hog source for one expression."""
    return _Printer().expr(expr)


def print_statement(stmt: ast.Stmt) -> str:
    return _Printer().stmt(stmt)


def print_program(program: ast.Program) -> str:
    """Canonical Hog source for a program: one statement per line, simple statements end with `;`."""
    printer = _Printer()
    return "".join(printer.stmt(s) + "\n" for s in program.statements)


def print_template(expr: ast.Expr) -> str:
    """The whole-input template text (as `parse_template` reads it) for a TemplateString or string."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return _escape(expr.value, _TEMPLATE_SPECIAL)
    if isinstance(expr, ast.TemplateString):
        return _Printer()._template_parts(expr.parts, _TEMPLATE_SPECIAL)
    return "{" + print_expr(expr) + "}"
