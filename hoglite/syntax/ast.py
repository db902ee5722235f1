"""The Hog abstract syntax tree.

Every node is a frozen dataclass with a `span` (excluded from equality, so a tree printed and parsed
again compares equal to the original). Sequences are tuples so nodes stay hashable and immutable.

Sugar that PostHog lowers in its parser is kept as its own node here (`NullishCoalesce`, `Ternary`,
`Concat`, `IsNull`, `Between`) so the printer can give it back as written; the compiler lowers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hoglite.source import NO_SPAN, Span


@dataclass(frozen=True)
class Node:
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------------------------------------------
# Expressions


@dataclass(frozen=True)
class Expr(Node):
    pass


@dataclass(frozen=True)
class Constant(Expr):
    """null, true/false, integer, float or string literal."""

    value: None | bool | int | float | str


@dataclass(frozen=True)
class Field(Expr):
    """A name, or a dotted chain of names starting with one: `x`, `event.properties.$browser`.

    Elements after the first may be integers (`a.b.2` keeps `2` here only when the parser folds it).
    """

    chain: tuple[str | int, ...]


@dataclass(frozen=True)
class Index(Expr):
    """`obj[key]`, `obj?.[key]`, `obj.name` / `obj?.name` on a non-name base."""

    obj: Expr
    key: Expr
    nullish: bool = False
    dotted: bool = False  # written as `.name` (printing only)


@dataclass(frozen=True)
class TupleAccess(Expr):
    """`obj.2` / `obj?.2`: a positional, 1-based index written after a dot."""

    obj: Expr
    index: int
    nullish: bool = False


@dataclass(frozen=True)
class Arithmetic(Expr):
    """`+ - * / %`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Negate(Expr):
    """Unary minus on a non-literal: compiled as `0 - expr`."""

    expr: Expr


@dataclass(frozen=True)
class Compare(Expr):
    """`== != < <= > >= like ilike not like not ilike in not in =~ !~ =~* !~*`.

    `op` is the canonical spelling: '==', '!=', '<', '<=', '>', '>=', 'like', 'ilike', 'not like',
    'not ilike', 'in', 'not in', '=~', '!~', '=~*', '!~*'.
    """

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class IsNull(Expr):
    """`expr is null` / `expr is not null`."""

    expr: Expr
    negated: bool = False


@dataclass(frozen=True)
class Between(Expr):
    """`expr [not] between low and high`."""

    expr: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(frozen=True)
class And(Expr):
    exprs: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Expr):
    exprs: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Expr):
    expr: Expr


@dataclass(frozen=True)
class NullishCoalesce(Expr):
    """`left ?? right` (the same as `ifNull(left, right)`)."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class Ternary(Expr):
    """`cond ? then : else_` (the same as `if(cond, then, else_)`)."""

    cond: Expr
    then: Expr
    else_: Expr


@dataclass(frozen=True)
class Concat(Expr):
    """`a || b || c` (the same as `concat(a, b, c)`); nested chains are flattened."""

    exprs: tuple[Expr, ...]


@dataclass(frozen=True)
class Call(Expr):
    """A call by name: `name(args)`. `params` holds the first list of HogQL's `f(p)(a)` form."""

    name: str
    args: tuple[Expr, ...]
    params: tuple[Expr, ...] | None = None


@dataclass(frozen=True)
class ExprCall(Expr):
    """A call of any expression's value: `f()(x)`, `arr[1](2)`, `(x -> x)(1)`."""

    callee: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Lambda(Expr):
    """`x -> expr`, `(a, b) -> { ... }`. `body` is an `Expr` or a `Block`."""

    params: tuple[str, ...]
    body: Expr | Block


@dataclass(frozen=True)
class ArrayLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class TupleLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class DictLit(Expr):
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class TemplateString(Expr):
    """`f'...{expr}...'`: `parts` are string `Constant`s and embedded expressions, in order."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Placeholder(Expr):
    """`{expr}` where an expression is expected (only meaningful as a lambda body: `x -> {x * 2}`)."""

    expr: Expr


# ---------------------------------------------------------------------------------------------------
# Statements


@dataclass(frozen=True)
class Stmt(Node):
    pass


@dataclass(frozen=True)
class Block(Stmt):
    statements: tuple[Stmt, ...]


@dataclass(frozen=True)
class VarDecl(Stmt):
    """`let name [:= expr]`."""

    name: str
    expr: Expr | None = None


@dataclass(frozen=True)
class Assign(Stmt):
    """`target := value`; the target is a `Field` or an `Index`/`TupleAccess`."""

    target: Expr
    value: Expr


@dataclass(frozen=True)
class ExprStmt(Stmt):
    expr: Expr


@dataclass(frozen=True)
class Return(Stmt):
    expr: Expr | None = None


@dataclass(frozen=True)
class Throw(Stmt):
    expr: Expr | None = None


@dataclass(frozen=True)
class If(Stmt):
    cond: Expr
    then: Stmt
    else_: Stmt | None = None


@dataclass(frozen=True)
class While(Stmt):
    cond: Expr
    body: Stmt


@dataclass(frozen=True)
class For(Stmt):
    """C-style `for (init; cond; step) body`; every header part may be missing."""

    init: VarDecl | Assign | ExprStmt | None
    cond: Expr | None
    step: VarDecl | Assign | ExprStmt | None
    body: Stmt


@dataclass(frozen=True)
class ForIn(Stmt):
    """`for (let value in expr)` or `for (let key, value in expr)`."""

    key: str | None
    value: str
    expr: Expr
    body: Stmt


@dataclass(frozen=True)
class Function(Stmt):
    """`fun name(params) { body }` (or `fn`)."""

    name: str
    params: tuple[str, ...]
    body: Block


@dataclass(frozen=True)
class Catch(Node):
    """`catch [(var[: Type])] { body }`; `var` and `type` are None when not written."""

    var: str | None
    type: str | None
    body: Block


@dataclass(frozen=True)
class Try(Stmt):
    body: Block
    catches: tuple[Catch, ...]
    finally_: Block | None = None


@dataclass(frozen=True)
class Program(Node):
    statements: tuple[Stmt, ...]


AnyNode = Expr | Stmt | Catch | Program
