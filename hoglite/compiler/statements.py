"""Statement code generation and the per-function compiler (layouts: hog-bytecode.md §5.3–§5.8)."""

from __future__ import annotations

from collections.abc import Callable

from hoglite.compiler.expressions import ExpressionCompiler, Shared, error, mark, push_key
from hoglite.compiler.opcodes import Op
from hoglite.compiler.scope import FunctionScope
from hoglite.syntax import ast

# Names of the hidden locals PostHog's compiler declares; they appear in serialised VM states' slot
# layouts, so they must be declared in exactly this order.
FOR_IN_EXPR = "__H_expr_H__"
FOR_IN_KEYS = "__H_keys_H__"
FOR_IN_VALUES = "__H_values_H__"
FOR_IN_INDEX = "__H_index_H__"
FOR_IN_LIMIT = "__H_limit_H__"


class FunctionCompiler(ExpressionCompiler):
    """Compiles one function body (or the program) with its own locals, upvalues and scopes."""

    def __init__(self, shared: Shared, params: tuple[str, ...], enclosing: FunctionCompiler | None,
                 node: ast.Node) -> None:
        self.shared = shared
        self.scope = FunctionScope(params, enclosing.scope if enclosing is not None else None, node.span)
        # Values pushed by enclosing expressions above the locals (see `ExpressionCompiler.at`).
        self.temps = 0

    def new_function(self, params: tuple[str, ...], node: ast.Node) -> FunctionCompiler:
        return FunctionCompiler(self.shared, params, self, node)

    # -- entry points ----------------------------------------------------------------------------

    def program(self, node: ast.Program) -> list:
        self.scope.begin_scope()
        code: list = []
        for statement in node.statements:
            code.extend(self.stmt(statement))
        code.extend(self.scope.end_scope())
        return code

    def function_body(self, body: ast.Block) -> list:
        """A function's block with PostHog's implicit `return null` appended *inside* the block, so
        the block's scope-end POPs follow the final RETURN (dead code, but part of the layout)."""
        statements = body.statements
        if not statements or not isinstance(statements[-1], ast.Return):
            statements = (*statements, ast.Return(None, span=body.span))
        return self.stmt(ast.Block(statements, span=body.span))

    # -- statements ------------------------------------------------------------------------------

    def stmt(self, node: ast.Stmt) -> list:
        handler = _STATEMENTS.get(type(node))
        if handler is None:
            raise error(f"Unsupported statement: {type(node).__name__}", node)
        return handler(self, node)

    def block(self, node: ast.Block) -> list:
        self.scope.begin_scope()
        code: list = []
        for statement in node.statements:
            code.extend(self.stmt(statement))
        code.extend(self.scope.end_scope())
        return code

    def var_decl(self, node: ast.VarDecl) -> list:
        slot = self.scope.declare(node.name, node.span, ready=False)
        if node.expr is None:
            code: list = [Op.NULL]
        else:
            # The variable is declared already but its slot is the value being computed: the real
            # stack height is one less than the number of locals.
            code = self.at(-1, node.expr)
        self.scope.locals[slot].ready = True
        return code

    def expr_stmt(self, node: ast.ExprStmt) -> list:
        if isinstance(node.expr, ast.Compare) and node.expr.op == "==":
            self.shared.warn("You must use ':=' for assignment instead of '='.", node.expr)
        return [*self.expr(node.expr), Op.POP]

    def return_(self, node: ast.Return) -> list:
        value = self.expr(node.expr) if node.expr is not None else [Op.NULL]
        return [*value, Op.RETURN]

    def throw(self, node: ast.Throw) -> list:
        if node.expr is None:
            raise error(
                "`throw` needs an error value",
                node,
                hint="write `throw Error('message')` (or HogError(type, message))",
            )
        return [*self.expr(node.expr), mark(Op.THROW, node)]

    def assign(self, node: ast.Assign) -> list:
        target = node.target
        if isinstance(target, ast.TupleAccess):
            return [
                *self.at(0, target.obj), Op.INTEGER, target.index,
                *self.at(2, node.value), mark(Op.SET_PROPERTY, node),
            ]  # fmt: skip
        if isinstance(target, ast.Index):
            return [
                *self.at(0, target.obj), *self.at(1, target.key),
                *self.at(2, node.value), mark(Op.SET_PROPERTY, node),
            ]  # fmt: skip
        if isinstance(target, ast.Field):
            return self.assign_field(target, node)
        raise error("Can not assign to this type of expression", target)

    def assign_field(self, target: ast.Field, node: ast.Assign) -> list:
        chain = target.chain
        name = str(chain[0])
        slot = self.scope.find_local(name)
        if slot != -1:
            if len(chain) == 1:
                return [*self.expr(node.value), Op.SET_LOCAL, slot]
            base: list = [Op.GET_LOCAL, slot]
        else:
            upvalue = self.scope.resolve_upvalue(name)
            if upvalue == -1:
                raise error(f'Variable "{name}" not declared in this scope. Can not assign to globals.', target)
            if len(chain) == 1:
                return [*self.expr(node.value), Op.SET_UPVALUE, upvalue]
            base = [Op.GET_UPVALUE, upvalue]
        code = [*base, *self.property_chain(chain[1:-1], target), *push_key(chain[-1])]
        return [*code, *self.at(2, node.value), mark(Op.SET_PROPERTY, node)]

    def if_(self, node: ast.If) -> list:
        cond = self.expr(node.cond)
        then = self.stmt(node.then)
        else_ = self.stmt(node.else_) if node.else_ is not None else []
        # Like PostHog, an else branch that compiles to nothing (e.g. `else {}`) gets no JUMP.
        if not else_:
            return [*cond, Op.JUMP_IF_FALSE, len(then), *then]
        return [*cond, Op.JUMP_IF_FALSE, len(then) + 2, *then, Op.JUMP, len(else_), *else_]

    def while_(self, node: ast.While) -> list:
        cond = self.expr(node.cond)
        body = self.stmt(node.body)
        # The back jump carries the loop's span, so a limit hit in an empty loop still has a position.
        return [*cond, Op.JUMP_IF_FALSE, len(body) + 2, *body, mark(Op.JUMP, node), -len(body) - len(cond) - 4]

    def for_(self, node: ast.For) -> list:
        self.scope.begin_scope()
        # PostHog's order (init, condition, step, body) fixes the upvalue numbering.
        init = self.stmt(node.init) if node.init is not None else []
        # Fixes over PostHog: a missing condition is `true` (PostHog leaves the stack unbalanced), and
        # init/step expressions are statements whose value is popped (ExprStmt does that).
        cond = self.expr(node.cond) if node.cond is not None else [Op.TRUE]
        if isinstance(node.step, ast.VarDecl):
            raise error("A `let` can not be the step of a for loop", node.step)
        step = self.stmt(node.step) if node.step is not None else []
        body = self.stmt(node.body)
        end = self.scope.end_scope()
        return [
            *init, *cond,
            Op.JUMP_IF_FALSE, len(body) + len(step) + 2,
            *body, *step,
            mark(Op.JUMP, node), -len(step) - len(body) - len(cond) - 4,
            *end,
        ]  # fmt: skip

    def for_in(self, node: ast.ForIn) -> list:
        scope = self.scope
        scope.begin_scope()
        expr_slot = scope.declare(FOR_IN_EXPR, node.span, ready=False)
        code = self.at(-1, node.expr)
        scope.locals[expr_slot].ready = True
        keys_slot = -1
        if node.key is not None:
            keys_slot = scope.declare(FOR_IN_KEYS, node.span)
            code += [Op.GET_LOCAL, expr_slot, Op.CALL_GLOBAL, "keys", 1]
        values_slot = scope.declare(FOR_IN_VALUES, node.span)
        code += [Op.GET_LOCAL, expr_slot, Op.CALL_GLOBAL, "values", 1]
        index_slot = scope.declare(FOR_IN_INDEX, node.span)
        code += [Op.INTEGER, 1]
        limit_slot = scope.declare(FOR_IN_LIMIT, node.span)
        code += [Op.GET_LOCAL, values_slot, Op.CALL_GLOBAL, "length", 1]
        key_slot = -1
        if node.key is not None:
            key_slot = scope.declare(node.key, node.span)
            code += [Op.NULL]
        value_slot = scope.declare(node.value, node.span)
        code += [Op.NULL]

        cond = [Op.GET_LOCAL, limit_slot, Op.GET_LOCAL, index_slot, Op.LT_EQ]
        body: list = []
        if node.key is not None:
            body += [Op.GET_LOCAL, keys_slot, Op.GET_LOCAL, index_slot, Op.GET_PROPERTY, Op.SET_LOCAL, key_slot]
        body += [Op.GET_LOCAL, values_slot, Op.GET_LOCAL, index_slot, Op.GET_PROPERTY, Op.SET_LOCAL, value_slot]
        body += self.stmt(node.body)
        step = [Op.GET_LOCAL, index_slot, Op.INTEGER, 1, Op.PLUS, Op.SET_LOCAL, index_slot]
        end = scope.end_scope()
        return [
            *code, *cond,
            Op.JUMP_IF_FALSE, len(body) + len(step) + 2,
            *body, *step,
            mark(Op.JUMP, node), -len(step) - len(body) - len(cond) - 4,
            *end,
        ]  # fmt: skip

    def function(self, node: ast.Function) -> list:
        # Declared in the enclosing function before the body is compiled, so the body can call
        # itself (through an upvalue capturing the slot the closure is about to occupy).
        self.scope.declare(node.name, node.span)
        function = self.new_function(node.params, node)
        code = function.function_body(node.body)
        return [
            Op.CALLABLE, node.name, len(node.params), len(function.scope.upvalues), len(code),
            *code,
            *function.scope.closure_operands(),
        ]  # fmt: skip

    def try_(self, node: ast.Try) -> list:
        if node.finally_ is not None:
            raise error("finally blocks are not yet supported", node.finally_)
        if not node.catches:
            raise error("try statement must have at least one catch block", node)
        body = self.stmt(node.body)
        catches = self.catch_clauses(node.catches)
        return [Op.TRY, len(body) + 4, *body, Op.POP_TRY, Op.JUMP, len(catches), *catches]

    def catch_clauses(self, clauses: tuple[ast.Catch, ...]) -> list:
        """The catch code; it starts with the thrown error on top of the stack (the `e` slot)."""
        scope = self.scope
        scope.begin_scope()
        error_slot = scope.declare("e", clauses[0].span)
        head = [Op.GET_LOCAL, error_slot, Op.STRING, "type", Op.GET_PROPERTY]
        type_slot = scope.declare("type", clauses[0].span)
        parts: list[list] = []
        for clause in clauses:
            variable = clause.var or "e"
            type_name = clause.type or "Error"
            scope.begin_scope()
            bind: list = []
            if variable != "e":
                scope.declare(variable, clause.span)
                bind = [Op.GET_LOCAL, error_slot]
            inner = [*bind, *self.stmt(clause.body), *scope.end_scope()]
            if type_name != "Error":
                # Skip the clause (including its final JUMP) when the type does not match. PostHog
                # forgets the clause's scope end in this offset; it is counted here (§11b).
                test = [Op.STRING, type_name, Op.GET_LOCAL, type_slot, Op.EQ, Op.JUMP_IF_FALSE, len(inner) + 2]
                inner = [*test, *inner]
            parts.append(inner)
        rethrow = [Op.POP, Op.THROW]
        end = scope.end_scope()
        code = list(head)
        remaining = sum(len(part) + 2 for part in parts) + len(rethrow)
        for part in parts:
            remaining -= len(part) + 2
            code += [*part, Op.JUMP, remaining]
        return [*code, *rethrow, *end]


_STATEMENTS: dict[type, Callable[..., list]] = {
    ast.Block: FunctionCompiler.block,
    ast.VarDecl: FunctionCompiler.var_decl,
    ast.Assign: FunctionCompiler.assign,
    ast.ExprStmt: FunctionCompiler.expr_stmt,
    ast.Return: FunctionCompiler.return_,
    ast.Throw: FunctionCompiler.throw,
    ast.If: FunctionCompiler.if_,
    ast.While: FunctionCompiler.while_,
    ast.For: FunctionCompiler.for_,
    ast.ForIn: FunctionCompiler.for_in,
    ast.Function: FunctionCompiler.function,
    ast.Try: FunctionCompiler.try_,
}
