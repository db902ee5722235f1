"""Parse Hog source into the AST of hoglite/syntax/ast.py.

The lexer (lexer.py) turns text into tokens; lark's LALR tables, built once from grammar.lark with
`cache=True`, reduce them, and the callbacks of `_AstBuilder` build AST nodes directly (no parse tree).
Every parse failure is translated into a `HogSyntaxError` in words (syntax_errors.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lark import Lark
from lark.lexer import Lexer as LarkLexer
from lark.parsers.lalr_analysis import Shift

from hoglite.errors import HogSyntaxError
from hoglite.source import NO_SPAN, Span
from hoglite.syntax import ast
from hoglite.syntax.lexer import HogToken, SourceMap
from hoglite.syntax.lookahead import tokenize
from hoglite.syntax.syntax_errors import describe_parse_error

__all__ = ["parse_program", "parse_expression", "parse_template"]

_MAX_SOURCE = 5_000_000  # characters; a bound on work, far above any real program


class _TokenListLexer(LarkLexer):
    """lark calls this with whatever `parse()` got, which for us is the finished token list."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Any:  # type: ignore[override]
        return iter(data)


def _sp(first: Any, last: Any) -> Span:
    """Span from the start of `first` to the end of `last` (tokens or nodes)."""
    if isinstance(first, HogToken):
        start, line, column = first.start_pos, first.line, first.column
    else:
        s = first.span
        start, line, column = s.start, s.line, s.column
    if isinstance(last, HogToken):
        return Span(start, last.end_pos, line, column, last.end_line, last.end_column)
    e = last.span
    return Span(start, e.end, line, column, e.end_line, e.end_column)


def _nodes(children: list) -> tuple:
    return tuple(c for c in children if not isinstance(c, HogToken))


def _single_name(tok: HogToken, what: str) -> str:
    if len(tok.data) != 1:
        raise _error_at(tok, f"Expected a single name for {what}, got '{tok}'")
    return tok.data[0]


def _error_at(tok: HogToken, message: str) -> HogSyntaxError:
    span = Span(tok.start_pos, tok.end_pos, tok.line, tok.column, tok.end_line, tok.end_column)
    return HogSyntaxError(message, span=span)


def _as_body(stmt: ast.Stmt | None, anchor: HogToken) -> ast.Stmt:
    if stmt is None:  # a lone `;` as a body is an empty statement
        return ast.Block((), span=_sp(anchor, anchor))
    return stmt


_COMPARE_OPS = {"LIKE": "like", "ILIKE": "ilike", "NOT_LIKE": "not like", "NOT_ILIKE": "not ilike",
                "IN": "in", "NOT_IN": "not in"}
_ARITH_OPS = {"PLUS": "+", "MINUS": "-"}


class _AstBuilder:
    """lark callbacks, one per rule alias. `keep_all_tokens` is on, so children include punctuation,
    which gives exact spans."""

    # -- top level ---------------------------------------------------------------------------------
    def program(self, ch: list) -> ast.Program:
        statements = tuple(s for s in ch if s is not None)
        span = _sp(statements[0], statements[-1]) if statements else NO_SPAN
        return ast.Program(statements, span=span)

    def expression(self, ch: list) -> ast.Expr:
        return ch[0]

    def template(self, ch: list) -> ast.Expr:
        if not ch:
            return ast.Constant("", span=NO_SPAN)
        span = _sp(ch[0], ch[-1])
        if not any(isinstance(p, _Hole) for p in ch):
            return ast.Constant("".join(p.value for p in ch), span=span)
        return ast.TemplateString(tuple(_unhole(p) for p in ch), span=span)

    # -- statements --------------------------------------------------------------------------------
    def var_decl(self, ch: list) -> ast.VarDecl:
        name = _single_name(ch[1], "a variable")
        expr = ch[3] if len(ch) > 3 else None
        return ast.VarDecl(name, expr, span=_sp(ch[0], ch[-1]))

    def assign(self, ch: list) -> ast.Assign:
        return ast.Assign(ch[0], ch[2], span=_sp(ch[0], ch[2]))

    def expr_stmt(self, ch: list) -> ast.ExprStmt:
        return ast.ExprStmt(ch[0], span=ch[0].span)

    def return_stmt(self, ch: list) -> ast.Return:
        expr = ch[1] if len(ch) > 1 and not isinstance(ch[1], HogToken) else None
        return ast.Return(expr, span=_sp(ch[0], ch[-1]))

    def throw_stmt(self, ch: list) -> ast.Throw:
        expr = ch[1] if len(ch) > 1 and not isinstance(ch[1], HogToken) else None
        return ast.Throw(expr, span=_sp(ch[0], ch[-1]))

    def if_stmt(self, ch: list) -> ast.If:
        then = _as_body(ch[4], ch[3])
        else_ = _as_body(ch[6], ch[5]) if len(ch) > 5 else None
        return ast.If(ch[2], then, else_, span=_sp(ch[0], else_ or then))

    def while_stmt(self, ch: list) -> ast.While:
        body = _as_body(ch[4], ch[3])
        return ast.While(ch[2], body, span=_sp(ch[0], body))

    def for_stmt(self, ch: list) -> ast.For:
        # FOR LPAR [init] SEMI [cond] SEMI [step] RPAR body
        parts: list[list] = [[]]
        i = 2
        while True:
            c = ch[i]
            if isinstance(c, HogToken) and c.type == "SEMI":
                parts.append([])
            elif isinstance(c, HogToken) and c.type == "RPAR":
                break
            else:
                parts[-1].append(c)
            i += 1
        body = _as_body(ch[i + 1], ch[i])
        init = parts[0][0] if parts[0] else None
        cond = parts[1][0] if parts[1] else None
        step = parts[2][0] if parts[2] else None
        return ast.For(init, cond, step, body, span=_sp(ch[0], body))

    def for_in_stmt(self, ch: list) -> ast.ForIn:
        # FOR LPAR LET NAME [COMMA NAME] IN expr RPAR body
        if ch[4].type == "COMMA":
            key = _single_name(ch[3], "the loop key")
            value = _single_name(ch[5], "the loop value")
            expr, anchor, body = ch[7], ch[8], ch[9]
        else:
            key, value = None, _single_name(ch[3], "the loop variable")
            expr, anchor, body = ch[5], ch[6], ch[7]
        body = _as_body(body, anchor)
        return ast.ForIn(key, value, expr, body, span=_sp(ch[0], body))

    def fun_decl(self, ch: list) -> ast.Function:
        name = _single_name(ch[1], "a function name")
        params = ch[3] if len(ch) == 6 else ()
        return ast.Function(name, params, ch[-1], span=_sp(ch[0], ch[-1]))

    def name_list(self, ch: list) -> tuple[str, ...]:
        return tuple(_single_name(t, "a parameter") for t in ch if t.type == "NAME")

    def try_stmt(self, ch: list) -> ast.Try:
        body = ch[1]
        catches = tuple(c for c in ch[2:] if isinstance(c, ast.Catch))
        finally_ = ch[-1] if isinstance(ch[-2], HogToken) and ch[-2].type == "FINALLY" else None
        return ast.Try(body, catches, finally_, span=_sp(ch[0], ch[-1]))

    def catch_clause(self, ch: list) -> ast.Catch:
        var = type_ = None
        if len(ch) > 2:
            var = _single_name(ch[2], "the caught error")
            if ch[3].type == "COLON":
                type_ = _single_name(ch[4], "the error type")
        return ast.Catch(var, type_, ch[-1], span=_sp(ch[0], ch[-1]))

    def block(self, ch: list) -> ast.Block:
        return ast.Block(tuple(s for s in ch[1:-1] if s is not None), span=_sp(ch[0], ch[-1]))

    def block_stmt(self, ch: list) -> ast.Block:
        return ch[0]

    def empty_stmt(self, ch: list) -> None:
        return None

    # -- expressions -------------------------------------------------------------------------------
    def lambda_expr(self, ch: list) -> ast.Lambda:
        return ast.Lambda(ch[0].data, ch[2], span=_sp(ch[0], ch[2]))

    def ternary(self, ch: list) -> ast.Ternary:
        return ast.Ternary(ch[0], ch[2], ch[4], span=_sp(ch[0], ch[4]))

    def between(self, ch: list) -> ast.Between:
        return ast.Between(ch[0], ch[2], ch[4], ch[1].type == "NOT_BETWEEN", span=_sp(ch[0], ch[4]))

    def or_op(self, ch: list) -> ast.Or:
        left, right = ch[0], ch[2]
        items = (left.exprs if isinstance(left, ast.Or) else (left,)) + (
            right.exprs if isinstance(right, ast.Or) else (right,))
        return ast.Or(items, span=_sp(left, right))

    def and_op(self, ch: list) -> ast.And:
        left, right = ch[0], ch[2]
        items = (left.exprs if isinstance(left, ast.And) else (left,)) + (
            right.exprs if isinstance(right, ast.And) else (right,))
        return ast.And(items, span=_sp(left, right))

    def not_op(self, ch: list) -> ast.Not:
        return ast.Not(ch[1], span=_sp(ch[0], ch[1]))

    def coalesce(self, ch: list) -> ast.NullishCoalesce:
        return ast.NullishCoalesce(ch[0], ch[2], span=_sp(ch[0], ch[2]))

    def is_null(self, ch: list) -> ast.IsNull:
        return ast.IsNull(ch[0], ch[1].type == "IS_NOT", span=_sp(ch[0], ch[2]))

    def compare(self, ch: list) -> ast.Compare:
        op_tok = ch[1]
        op = op_tok.data if op_tok.type == "CMP" else _COMPARE_OPS[op_tok.type]
        return ast.Compare(op, ch[0], ch[2], span=_sp(ch[0], ch[2]))

    def arith(self, ch: list) -> ast.Arithmetic:
        op_tok = ch[1]
        op = op_tok.data if op_tok.type == "MULOP" else _ARITH_OPS[op_tok.type]
        return ast.Arithmetic(op, ch[0], ch[2], span=_sp(ch[0], ch[2]))

    def concat(self, ch: list) -> ast.Concat:
        left, right = ch[0], ch[2]
        items = (left.exprs if isinstance(left, ast.Concat) else (left,)) + (
            right.exprs if isinstance(right, ast.Concat) else (right,))
        return ast.Concat(items, span=_sp(left, right))

    def negate(self, ch: list) -> ast.Negate:
        return ast.Negate(ch[1], span=_sp(ch[0], ch[1]))

    def member(self, ch: list) -> ast.Index:
        name_tok = ch[2]
        key = ast.Constant(_single_name(name_tok, "a member"), span=_sp(name_tok, name_tok))
        return ast.Index(ch[0], key, ch[1].type == "QDOT", True, span=_sp(ch[0], name_tok))

    def tuple_access(self, ch: list) -> ast.TupleAccess:
        return ast.TupleAccess(ch[0], ch[2].data, ch[1].type == "QDOT", span=_sp(ch[0], ch[2]))

    def index(self, ch: list) -> ast.Index:
        nullish = ch[1].type == "QDOT"
        return ast.Index(ch[0], ch[-2], nullish, False, span=_sp(ch[0], ch[-1]))

    def expr_call(self, ch: list) -> ast.ExprCall:
        args = ch[2] if len(ch) == 4 else ()
        return ast.ExprCall(ch[0], args, span=_sp(ch[0], ch[-1]))

    def number(self, ch: list) -> ast.Constant:
        return ast.Constant(ch[0].data, span=_sp(ch[0], ch[0]))

    def string(self, ch: list) -> ast.Constant:
        return ast.Constant(ch[0].data, span=_sp(ch[0], ch[0]))

    def null(self, ch: list) -> ast.Constant:
        return ast.Constant(None, span=_sp(ch[0], ch[0]))

    def name(self, ch: list) -> ast.Expr:
        tok = ch[0]
        chain = tok.data
        span = _sp(tok, tok)
        if len(chain) == 1:
            lower = chain[0].lower()
            if lower == "true":
                return ast.Constant(True, span=span)
            if lower == "false":
                return ast.Constant(False, span=span)
        return ast.Field(chain, span=span)

    def _callee(self, tok: HogToken, args: tuple, span: Span) -> ast.Expr:
        if len(tok.data) == 1:
            name = tok.data[0]
            if tok.kwcall and name == "not" and len(args) == 1:
                # `not (x)`: PostHog reads the call form, which compiles to the `not` operator.
                return ast.Not(args[0], span=span)
            return ast.Call(name, args, span=span)
        return ast.ExprCall(ast.Field(tok.data, span=_sp(tok, tok)), args, span=span)

    def call(self, ch: list) -> ast.Expr:
        args = ch[2] if len(ch) == 4 else ()
        return self._callee(ch[0], args, _sp(ch[0], ch[-1]))

    def param_call(self, ch: list) -> ast.Expr:
        # NAME LPAR [params] RPAR LPAR [args] RPAR
        groups: list[tuple] = []
        current: tuple = ()
        for c in ch[1:]:
            if isinstance(c, tuple):
                current = c
            elif c.type == "RPAR":
                groups.append(current)
                current = ()
        params, args = groups
        tok = ch[0]
        span = _sp(tok, ch[-1])
        if len(tok.data) == 1 and not (tok.kwcall and tok.data[0] == "not"):
            return ast.Call(tok.data[0], args, params, span=span)
        first_close = next(i for i, c in enumerate(ch) if isinstance(c, HogToken) and c.type == "RPAR")
        inner = self._callee(tok, params, _sp(tok, ch[first_close]))
        return ast.ExprCall(inner, args, span=span)

    def paren(self, ch: list) -> ast.Expr:
        return ch[1]

    def tuple(self, ch: list) -> ast.TupleLit:
        rest = ch[3] if len(ch) == 5 else ()
        return ast.TupleLit((ch[1], *rest), span=_sp(ch[0], ch[-1]))

    def array(self, ch: list) -> ast.ArrayLit:
        items = ch[1] if len(ch) == 3 else ()
        return ast.ArrayLit(items, span=_sp(ch[0], ch[-1]))

    def dict(self, ch: list) -> ast.DictLit:
        items = ch[1] if len(ch) == 3 else ()
        return ast.DictLit(items, span=_sp(ch[0], ch[-1]))

    def placeholder(self, ch: list) -> ast.Placeholder:
        return ast.Placeholder(ch[1], span=_sp(ch[0], ch[-1]))

    def fstring(self, ch: list) -> ast.TemplateString:
        return ast.TemplateString(tuple(_unhole(p) for p in ch[1:-1]), span=_sp(ch[0], ch[-1]))

    def interval(self, ch: list) -> ast.Call:
        return ast.Call("toInterval" + ch[2].data, (ch[1],), span=_sp(ch[0], ch[2]))

    def trim(self, ch: list) -> ast.Call:
        # NAME LPAR TRIM_SIDE STRING FROM expr RPAR: `trim(leading 'x' from s)` is `trimLeft(s, 'x')`
        chars = ast.Constant(ch[3].data, span=_sp(ch[3], ch[3]))
        return ast.Call(ch[2].data, (ch[5], chars), span=_sp(ch[0], ch[-1]))

    def case_expr(self, ch: list) -> ast.Call:
        # CASE [expr] case_branch+ [ELSE expr] END. PostHog lowers `CASE WHEN c THEN a ELSE b END` to
        # `if(c, a, b)` and every other form to `multiIf(c1, a1, c2, a2, ..., [else])` (spec 5.15).
        span = _sp(ch[0], ch[-1])
        if not isinstance(ch[1], tuple):
            raise HogSyntaxError(
                "'CASE x WHEN ...' is not supported in Hog: PostHog compiles it to transform(), which is "
                "not a Hog function", span=span, hint="write CASE WHEN x = value THEN result ... END")
        columns: list[ast.Expr] = []
        for c in ch[1:-1]:
            if isinstance(c, tuple):
                columns.extend(c)
            elif not isinstance(c, HogToken):
                columns.append(c)  # the ELSE value
        return ast.Call("if" if len(columns) == 3 else "multiIf", tuple(columns), span=span)

    def case_branch(self, ch: list) -> tuple:
        return (ch[1], ch[3])

    def args(self, ch: list) -> tuple:
        return _nodes(ch)

    def pairs(self, ch: list) -> tuple:
        exprs = _nodes(ch)
        return tuple(zip(exprs[0::2], exprs[1::2]))

    def text_part(self, ch: list) -> ast.Constant:
        return ast.Constant(ch[0].data, span=_sp(ch[0], ch[0]))

    def hole_part(self, ch: list) -> _Hole:
        return _Hole(ch[1])


class _Hole:
    """Marks an f-string part that came from `{...}` (so a string constant in a hole is not text)."""

    __slots__ = ("expr", "span")

    def __init__(self, expr: ast.Expr) -> None:
        self.expr = expr
        self.span = expr.span


def _unhole(part: Any) -> ast.Expr:
    return part.expr if isinstance(part, _Hole) else part


_GRAMMAR = Path(__file__).with_name("grammar.lark")
_TABLES: _Tables | None = None


class _Tables:
    """lark's LALR tables for grammar.lark, driven by our own loop.

    lark builds (and caches on disk, `cache=True`) the parse table and the rule callbacks. Our driver
    below is lark's shift/reduce loop specialised for a ready token list: it looks actions up once per
    state, and reports failures as (token, expected terminals). Pass-through `?rule`s that only forward
    a single child cost no call and no loop turn: an operand would otherwise reduce through a dozen
    precedence levels one at a time, so the state at the end of each such run is computed once and
    cached (`forwards`, `gotos`; a few hundred entries for any program, bounded by the table size).
    """

    def __init__(self) -> None:
        lark = Lark(
            _GRAMMAR.read_text(encoding="utf-8"),
            parser="lalr",
            lexer=_TokenListLexer,
            transformer=_AstBuilder(),
            start=["program", "expression", "template"],
            keep_all_tokens=True,
            maybe_placeholders=False,
            cache=True,
        )
        inner = lark.parser.parser.parser
        table = inner.parse_table
        callbacks = inner.callbacks
        self.states: dict[int, dict[str, tuple]] = {}
        for state, actions in table.states.items():
            row: dict[str, tuple] = {}
            for symbol, (action, arg) in actions.items():
                if action is Shift:
                    row[symbol] = (True, arg)
                else:
                    size = len(arg.expansion)
                    forward = size == 1 and bool(arg.options.expand1)
                    row[symbol] = (False, arg.origin.name, None if forward else callbacks[arg], size)
            self.states[state] = row
        self.start_states = dict(table.start_states)
        self.end_states = dict(table.end_states)
        # Any end state stops a run of pass-through reductions, so that `parse` sees it and returns.
        self.end_states_any = frozenset(self.end_states.values())
        self.forwards: dict[tuple[int, int, str], int] = {}
        self.gotos: dict[tuple[int, str, str], int] = {}

    def _chain(self, below: int, top: int, ttype: str) -> int:
        """The state reached from `top` (with `below` under it) by the run of pass-through reductions
        that lookahead `ttype` triggers (none: `top` itself). Such a run only ever replaces the top
        state (the value stays), so it depends on (below, top, ttype) alone: `parse` caches it per
        triple instead of walking a dozen precedence levels for every operand. An end state stops the
        run so that `parse` can return there."""
        states = self.states
        state = top
        while state not in self.end_states_any:
            action = states[state].get(ttype)
            if action is None or action[0] or action[2] is not None:
                break
            state = states[below][action[1]][1]
        return state

    def _forward(self, below: int, top: int, ttype: str) -> int:
        state = self.forwards[(below, top, ttype)] = self._chain(below, top, ttype)
        return state

    def _goto(self, below: int, name: str, ttype: str) -> int:
        """The goto of `name` from `below`, followed by its run of pass-through reductions."""
        state = self.gotos[(below, name, ttype)] = self._chain(below, self.states[below][name][1], ttype)
        return state

    def parse(self, tokens: list[HogToken], start: str) -> Any:
        states = self.states
        forwards = self.forwards
        gotos = self.gotos
        state_stack = [self.start_states[start]]
        value_stack: list[Any] = []
        end_state = self.end_states[start]
        end = len(tokens)
        types = [tok.type for tok in tokens]
        types.append("$END")
        i = 0
        while True:
            ttype = types[i]
            top = state_stack[-1]
            row = states[top]
            action = row.get(ttype)
            if action is None:
                raise _ParseFailure(tokens[i] if i < end else None, {k for k in row if k.isupper()})
            if action[0]:
                state_stack.append(action[1])
                value_stack.append(tokens[i])
                i += 1
                continue
            _, name, callback, size = action
            if callback is None:  # `?rule` forwarding its only child: jump to the end of the run
                below = state_stack[-2]
                state = forwards.get((below, top, ttype))
                if state is None:
                    state = self._forward(below, top, ttype)
                state_stack[-1] = state
                value = value_stack[-1]
            else:
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value = callback(children)
                value_stack.append(value)
                below = state_stack[-1]
                state = gotos.get((below, name, ttype))
                if state is None:
                    state = self._goto(below, name, ttype)
                state_stack.append(state)
            if i >= end and state_stack[-1] == end_state:
                return value


class _ParseFailure(Exception):
    def __init__(self, token: HogToken | None, expected: set[str]) -> None:
        super().__init__("parse failure")
        self.token = token
        self.expected = expected


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        _TABLES = _Tables()
    return _TABLES


def _run(source: str, start: str, name: str) -> Any:
    if not isinstance(source, str):
        raise TypeError(f"Hog source must be a str, not {type(source).__name__}")
    smap = SourceMap(source)
    try:
        if len(source) > _MAX_SOURCE:
            raise smap.error(f"Source is too long ({len(source)} characters, limit {_MAX_SOURCE})", 0, 0)
        tokens = tokenize(source, smap, mode=start)
        try:
            return _tables().parse(tokens, start)
        except _ParseFailure as failure:
            raise describe_parse_error(failure.token, failure.expected, tokens, smap) from None
    except HogSyntaxError as exc:
        exc.source = source
        exc.source_name = name
        raise


def parse_program(source: str, *, name: str = "<source>") -> ast.Program:
    """Parse a whole Hog program (declarations and statements)."""
    return _run(source, "program", name)


def parse_expression(source: str, *, name: str = "<source>") -> ast.Expr:
    """Parse a single Hog expression (the whole input must be one expression)."""
    return _run(source, "expression", name)


def parse_template(text: str, *, name: str = "<template>") -> ast.Expr:
    """Parse a whole-input template string such as `Hello {event.event}`.

    Literal text with `{expr}` holes; `\\{` is a literal brace and the string escapes of spec 2.5 apply.
    Returns a `TemplateString`, or a `Constant` when there are no holes. Spans are offsets into `text`.
    """
    return _run(text, "template", name)
