"""Expression code generation (the statement half lives in `statements.py`).

Layouts follow PostHog's compiler (spec hog-bytecode.md §5.2, §5.5, §5.6) so the arrays are identical.
One addition: `temps`, the number of values an enclosing expression has already pushed above the
locals. PostHog's compiler does not track it, which is why its `between` lowering (the only construct
that addresses temporaries by slot) breaks inside calls, array literals or `let` initialisers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from hoglite.compiler.opcodes import ARITHMETIC_OPS, COHORT_OPS, COMPARE_OPS, Op
from hoglite.compiler.program import CompileWarning
from hoglite.compiler.scope import FunctionScope, span_or_none
from hoglite.errors import HogSyntaxError
from hoglite.source import NO_SPAN, Span
from hoglite.syntax import ast

if TYPE_CHECKING:
    from hoglite.compiler.statements import FunctionCompiler


class SpannedOp(int):
    """An op code carrying the span of the node that produced it (stripped when the code is finished).

    Being an `int`, it behaves like the op everywhere (lengths, comparisons), so the layout code needs
    no special cases; `finish_code` turns it back into a plain int and records the span by position.
    """

    span: Span


def mark(op: Op, node: ast.Node) -> int:
    if node.span == NO_SPAN:
        return op
    marked = SpannedOp(op)
    marked.span = node.span
    return marked


class Shared:
    """State shared by every function compiler of one compilation."""

    def __init__(self, known_globals: Collection[str] | None, known_functions: Collection[str] | None) -> None:
        self.warnings: list[CompileWarning] = []
        self.known_globals = frozenset(known_globals) if known_globals is not None else None
        self.known_functions = frozenset(known_functions) if known_functions is not None else None

    def warn(self, message: str, node: ast.Node) -> None:
        self.warnings.append(CompileWarning(message, span_or_none(node.span)))


def error(message: str, node: ast.Node, hint: str | None = None) -> HogSyntaxError:
    return HogSyntaxError(message, span=span_or_none(node.span), hint=hint)


class ExpressionCompiler:
    scope: FunctionScope
    shared: Shared
    temps: int

    # Provided by FunctionCompiler.
    def new_function(self, params: tuple[str, ...], node: ast.Node) -> FunctionCompiler:
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------------

    def at(self, extra: int, node: ast.Expr) -> list:
        """Compile `node` while `extra` more values of the enclosing expression sit on the stack."""
        self.temps += extra
        try:
            return self.expr(node)
        finally:
            self.temps -= extra

    def stack_height(self) -> int:
        """Frame-relative index of the next value pushed (valid while compiling an expression)."""
        return len(self.scope.locals) + self.temps

    def expr(self, node: ast.Expr) -> list:
        handler = _EXPRESSIONS.get(type(node))
        if handler is None:
            raise error(f"Unsupported expression: {type(node).__name__}", node)
        return handler(self, node)

    def read_local(self, slot: int, name: str, node: ast.Node) -> list:
        if not self.scope.locals[slot].ready:
            raise error(
                f"Variable `{name}` is used in its own initialiser",
                node,
                hint=f"a `let` variable has no value until its initialiser finishes; "
                f"only a function or lambda body may refer to `{name}` here",
            )
        return [Op.GET_LOCAL, slot]

    # -- literals and names ----------------------------------------------------------------------

    def constant(self, node: ast.Constant) -> list:
        value = node.value
        if value is True:
            return [Op.TRUE]
        if value is False:
            return [Op.FALSE]
        if value is None:
            return [Op.NULL]
        if isinstance(value, int):
            return [Op.INTEGER, value]
        if isinstance(value, float):
            if value != value or value in (math.inf, -math.inf):
                # JSON has no NaN or Infinity, so a bytecode file holding them could not be read by
                # PostHog's VM: compute them instead (1/0, -1/0, 0/0 follow IEEE rules on every VM).
                numerator = 0 if value != value else (1 if value > 0 else -1)
                return [Op.INTEGER, 0, Op.INTEGER, numerator, Op.DIVIDE]
            return [Op.FLOAT, float(value)]
        if isinstance(value, str):
            return [Op.STRING, value]
        raise error(f"Constant of type {type(value).__name__} is not supported", node)

    def field(self, node: ast.Field) -> list:
        chain = node.chain
        for element in chain[1:]:
            if element == 0 and isinstance(element, int) and not isinstance(element, bool):
                raise error("Array access starts from 1", node)
        name = str(chain[0])
        slot = self.scope.find_local(name)
        if slot != -1:
            return [*self.read_local(slot, name, node), *self.property_chain(chain[1:], node)]
        upvalue = self.scope.resolve_upvalue(name)
        if upvalue != -1:
            return [Op.GET_UPVALUE, upvalue, *self.property_chain(chain[1:], node)]
        known = self.shared.known_globals
        if known is not None and name not in known:
            self.shared.warn(f"Unknown global variable: {name}", node)
        code: list = []
        for element in reversed(chain):
            code.extend(push_key(element))
        code.extend([mark(Op.GET_GLOBAL, node), len(chain)])
        return code

    def property_chain(self, elements: tuple[str | int, ...], node: ast.Node) -> list:
        code: list = []
        for element in elements:
            code.extend([*push_key(element), mark(Op.GET_PROPERTY, node)])
        return code

    # -- operators -------------------------------------------------------------------------------

    def arithmetic(self, node: ast.Arithmetic) -> list:
        op = ARITHMETIC_OPS.get(node.op)
        if op is None:
            raise error(f"Unsupported arithmetic operator `{node.op}`", node)
        return [*self.at(0, node.right), *self.at(1, node.left), mark(op, node)]

    def negate(self, node: ast.Negate) -> list:
        # PostHog's parser turns `-x` into `0 - x`.
        return [*self.at(0, node.expr), Op.INTEGER, 0, mark(Op.MINUS, node)]

    def compare(self, node: ast.Compare) -> list:
        if node.op in COHORT_OPS:
            raise error(
                f"Can't use cohorts in real-time filters. Please inline the relevant expressions{cohort_label(node.right)}.",
                node,
            )
        op = COMPARE_OPS.get(node.op)
        if op is None:
            raise error(f"Unsupported comparison operator `{node.op}`", node)
        return [*self.at(0, node.right), *self.at(1, node.left), mark(op, node)]

    def is_null(self, node: ast.IsNull) -> list:
        # `x is null` is `x == null` in PostHog's parser.
        op = Op.NOT_EQ if node.negated else Op.EQ
        return [Op.NULL, *self.at(1, node.expr), mark(op, node)]

    def logic(self, node: ast.And | ast.Or) -> list:
        op = Op.AND if isinstance(node, ast.And) else Op.OR
        return self.n_ary(op, node.exprs)

    def n_ary(self, op: Op, exprs: tuple[ast.Expr, ...]) -> list:
        code: list = []
        for index, item in enumerate(exprs):
            code.extend(self.at(index, item))
        return [*code, op, len(exprs)]

    def not_(self, node: ast.Not) -> list:
        return [*self.at(0, node.expr), Op.NOT]

    def between(self, node: ast.Between) -> list:
        """The newest PostHog lowering (snapshot `between`), addressed from the real stack height.

        A result slot, then `expr`, `low`, `high` as temporaries; if any is null the result is false,
        else `expr >= low and expr <= high` (negated: `expr < low or expr > high`); the three
        temporaries are popped and the result slot stays as the value.
        """
        result = self.stack_height()
        value, low, high = result + 1, result + 2, result + 3
        first, second, combine = (Op.LT, Op.GT, Op.OR) if node.negated else (Op.GT_EQ, Op.LT_EQ, Op.AND)
        test = [
            Op.GET_LOCAL, low, Op.GET_LOCAL, value, mark(first, node),
            Op.GET_LOCAL, high, Op.GET_LOCAL, value, mark(second, node),
            combine, 2,
        ]  # fmt: skip
        return [
            Op.NULL,
            *self.at(1, node.expr),
            *self.at(2, node.low),
            *self.at(3, node.high),
            Op.GET_LOCAL, low, Op.NULL, Op.NOT_EQ,
            Op.GET_LOCAL, high, Op.NULL, Op.NOT_EQ,
            Op.GET_LOCAL, value, Op.NULL, Op.NOT_EQ,
            Op.AND, 3,
            Op.JUMP_IF_FALSE, len(test) + 2,
            *test,
            Op.JUMP, 1,
            Op.FALSE,
            Op.SET_LOCAL, result,
            Op.POP, Op.POP, Op.POP,
        ]  # fmt: skip

    def nullish(self, node: ast.NullishCoalesce) -> list:
        return self.if_null(node.left, node.right)

    def if_null(self, value: ast.Expr, fallback: ast.Expr) -> list:
        # The fallback is compiled after the POP, so it sees the same stack height as `value`.
        first = self.at(0, value)
        second = self.at(0, fallback)
        return [*first, Op.JUMP_IF_STACK_NOT_NULL, len(second) + 1, Op.POP, *second]

    def conditional(self, cond: ast.Expr, then: ast.Expr, else_: ast.Expr | None) -> list:
        test = self.at(0, cond)
        then_code = self.at(0, then)
        # PostHog leaves nothing on the stack for `if(c, a)` when c is false; we push null instead.
        else_code = self.at(0, else_) if else_ is not None else [Op.NULL]
        return [*test, Op.JUMP_IF_FALSE, len(then_code) + 2, *then_code, Op.JUMP, len(else_code), *else_code]

    def ternary(self, node: ast.Ternary) -> list:
        return self.conditional(node.cond, node.then, node.else_)

    # -- containers and access -------------------------------------------------------------------

    def array(self, node: ast.ArrayLit) -> list:
        return self.sequence(Op.ARRAY, node.items)

    def tuple_(self, node: ast.TupleLit) -> list:
        return self.sequence(Op.TUPLE, node.items)

    def sequence(self, op: Op, items: tuple[ast.Expr, ...]) -> list:
        code: list = []
        for index, item in enumerate(items):
            code.extend(self.at(index, item))
        return [*code, op, len(items)]

    def dict_(self, node: ast.DictLit) -> list:
        code: list = []
        for index, (key, value) in enumerate(node.items):
            code.extend(self.at(2 * index, key))
            code.extend(self.at(2 * index + 1, value))
        return [*code, Op.DICT, len(node.items)]

    def index(self, node: ast.Index) -> list:
        if is_literal_zero(node.key):
            raise error("Array access starts from 1", node.key)
        op = Op.GET_PROPERTY_NULLISH if node.nullish else Op.GET_PROPERTY
        return [*self.at(0, node.obj), *self.at(1, node.key), mark(op, node)]

    def tuple_access(self, node: ast.TupleAccess) -> list:
        if node.index == 0:
            raise error("Array access starts from 1", node)
        op = Op.GET_PROPERTY_NULLISH if node.nullish else Op.GET_PROPERTY
        return [*self.at(0, node.obj), Op.INTEGER, node.index, mark(op, node)]

    # -- strings ---------------------------------------------------------------------------------

    def template(self, node: ast.TemplateString) -> list:
        if not node.parts:
            return [Op.STRING, ""]
        if len(node.parts) == 1:
            return self.at(0, node.parts[0])
        return self.call_by_name("concat", node.parts, node)

    def concat(self, node: ast.Concat) -> list:
        return self.call_by_name("concat", node.exprs, node)

    def placeholder(self, node: ast.Placeholder) -> list:
        raise error("Placeholders are not allowed in this context", node)

    # -- calls -----------------------------------------------------------------------------------

    def call(self, node: ast.Call) -> list:
        if node.params is not None:
            # HogQL's `f(params)(args)`: the args first, then `f(params)`, then call its result.
            code: list = []
            for index, arg in enumerate(node.args):
                code.extend(self.at(index, arg))
            inner = ast.Call(node.name, node.params, span=node.span)
            return [*code, *self.at(len(node.args), inner), mark(Op.CALL_LOCAL, node), len(node.args)]
        special = self.special_call(node)
        if special is not None:
            return special
        return self.call_by_name(node.name, node.args, node)

    def special_call(self, node: ast.Call) -> list | None:
        """Calls PostHog compiles to ops (checked before locals, as PostHog does)."""
        name, args = node.name, node.args
        if name == "not" and len(args) == 1:
            return [*self.at(0, args[0]), Op.NOT]
        if name == "and" and len(args) > 1:
            return self.n_ary(Op.AND, args)
        if name == "or" and len(args) > 1:
            return self.n_ary(Op.OR, args)
        if name == "if" and len(args) in (2, 3):
            return self.conditional(args[0], args[1], args[2] if len(args) == 3 else None)
        if name == "multiIf" and len(args) >= 2:
            return self.expr(multi_if(args, node))
        if name == "ifNull" and len(args) == 2:
            return self.if_null(args[0], args[1])
        if name == "sql":
            raise error("sql() is not supported by hoglite", node, hint="HogQL queries can not run inside hoglite")
        return None

    def call_by_name(self, name: str, args: tuple[ast.Expr, ...], node: ast.Node) -> list:
        code: list = []
        for index, arg in enumerate(args):
            code.extend(self.at(index, arg))
        slot = self.scope.find_local(name)
        if slot != -1:
            return [*code, *self.read_local(slot, name, node), mark(Op.CALL_LOCAL, node), len(args)]
        upvalue = self.scope.resolve_upvalue(name)
        if upvalue != -1:
            return [*code, Op.GET_UPVALUE, upvalue, mark(Op.CALL_LOCAL, node), len(args)]
        known = self.shared.known_functions
        if known is not None and name not in known:
            self.shared.warn(f"Hog function `{name}` is not implemented", node)
        return [*code, mark(Op.CALL_GLOBAL, node), name, len(args)]

    def expr_call(self, node: ast.ExprCall) -> list:
        code: list = []
        for index, arg in enumerate(node.args):
            code.extend(self.at(index, arg))
        return [*code, *self.at(len(node.args), node.callee), mark(Op.CALL_LOCAL, node), len(node.args)]

    def lambda_(self, node: ast.Lambda) -> list:
        function = self.new_function(node.params, node)
        body = node.body
        if isinstance(body, ast.Block):
            code = function.function_body(body)
        elif isinstance(body, ast.Placeholder):
            # `x -> {e}`: a block that evaluates `e` for its effect and returns null.
            code = function.function_body(ast.Block((ast.ExprStmt(body.expr, span=body.span),), span=body.span))
        else:
            code = [*function.expr(body), Op.RETURN]
        return [
            Op.CALLABLE, "lambda", len(node.params), len(function.scope.upvalues), len(code),
            *code,
            *function.scope.closure_operands(),
        ]  # fmt: skip


def push_key(element: str | int) -> list:
    if isinstance(element, int) and not isinstance(element, bool):
        return [Op.INTEGER, element]
    return [Op.STRING, str(element)]


def is_literal_zero(node: ast.Expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
        and node.value == 0
    )


def cohort_label(node: ast.Expr) -> str:
    if isinstance(node, ast.Constant) and node.value is not None:
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            return f" (cohort id={node.value})"
        return f" (cohort: {node.value})"
    return ""


def multi_if(args: tuple[ast.Expr, ...], node: ast.Call) -> ast.Expr:
    """`multiIf(c1, a1, c2, a2, …, else)` as nested `if` calls built from the last pair backwards."""
    if len(args) % 2 == 1:
        result: ast.Expr = args[-1]
        pairs = args[:-1]
    else:
        pairs = args
        result = ast.Call("if", (pairs[-2], pairs[-1]), span=node.span)
        pairs = pairs[:-2]
    for index in range(len(pairs) - 2, -1, -2):
        result = ast.Call("if", (pairs[index], pairs[index + 1], result), span=node.span)
    return result


_EXPRESSIONS: dict[type, Callable[..., list]] = {
    ast.Constant: ExpressionCompiler.constant,
    ast.Field: ExpressionCompiler.field,
    ast.Index: ExpressionCompiler.index,
    ast.TupleAccess: ExpressionCompiler.tuple_access,
    ast.Arithmetic: ExpressionCompiler.arithmetic,
    ast.Negate: ExpressionCompiler.negate,
    ast.Compare: ExpressionCompiler.compare,
    ast.IsNull: ExpressionCompiler.is_null,
    ast.Between: ExpressionCompiler.between,
    ast.And: ExpressionCompiler.logic,
    ast.Or: ExpressionCompiler.logic,
    ast.Not: ExpressionCompiler.not_,
    ast.NullishCoalesce: ExpressionCompiler.nullish,
    ast.Ternary: ExpressionCompiler.ternary,
    ast.Concat: ExpressionCompiler.concat,
    ast.Call: ExpressionCompiler.call,
    ast.ExprCall: ExpressionCompiler.expr_call,
    ast.Lambda: ExpressionCompiler.lambda_,
    ast.ArrayLit: ExpressionCompiler.array,
    ast.TupleLit: ExpressionCompiler.tuple_,
    ast.DictLit: ExpressionCompiler.dict_,
    ast.TemplateString: ExpressionCompiler.template,
    ast.Placeholder: ExpressionCompiler.placeholder,
}
