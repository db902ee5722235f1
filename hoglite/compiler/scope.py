"""Per-function name resolution: locals (stack slots), upvalues and scopes.

A local's position in `FunctionScope.locals` *is* its stack slot relative to the frame start, exactly
as in PostHog's compiler, so the layout of every frame (and of serialised VM states) matches PostHog's.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoglite.compiler.opcodes import Op
from hoglite.errors import HogSyntaxError
from hoglite.source import NO_SPAN, Span


@dataclass
class Local:
    name: str
    depth: int
    captured: bool = False
    # False while the local's own `let` initialiser is being compiled: reading the slot then would read
    # a stack position that does not hold the variable yet (PostHog silently miscompiles it).
    ready: bool = True


@dataclass(frozen=True)
class Upvalue:
    index: int
    is_local: bool


def span_or_none(span: Span) -> Span | None:
    return None if span == NO_SPAN else span


class FunctionScope:
    """The locals, upvalues and scope depth of one function (or of the program) being compiled."""

    def __init__(self, params: tuple[str, ...], enclosing: FunctionScope | None, span: Span) -> None:
        self.enclosing = enclosing
        self.locals: list[Local] = []
        # name -> the slots of the live locals with that name, oldest first (shadowing pushes a slot).
        # Kept in step with `locals` so declare/find_local are O(1) instead of a scan of every local:
        # a scan made compiling a program with thousands of `let`s in one scope quadratic.
        self._slots: dict[str, list[int]] = {}
        self.upvalues: list[Upvalue] = []
        self._upvalue_positions: dict[Upvalue, int] = {}  # the same idea for upvalues
        self.depth = 0
        for param in params:
            if param in self._slots:
                raise HogSyntaxError(f"Variable `{param}` already declared in this scope", span=span_or_none(span))
            self._push(Local(param, 0))

    # -- scopes ----------------------------------------------------------------------------------

    def begin_scope(self) -> None:
        self.depth += 1

    def end_scope(self) -> list:
        """Drop this scope's locals, newest first: CLOSE_UPVALUE for captured ones, POP otherwise."""
        code: list = []
        while self.locals and self.locals[-1].depth == self.depth:
            local = self.locals.pop()
            slots = self._slots[local.name]
            slots.pop()
            if not slots:
                del self._slots[local.name]
            code.append(Op.CLOSE_UPVALUE if local.captured else Op.POP)
        self.depth -= 1
        return code

    def declare(self, name: str, span: Span, *, ready: bool = True) -> int:
        # Depths never decrease up the stack (end_scope pops a whole scope), so the newest local of this
        # name is the only one that can belong to the current scope.
        slots = self._slots.get(name)
        if slots and self.locals[slots[-1]].depth >= self.depth:
            raise HogSyntaxError(f"Variable `{name}` already declared in this scope", span=span_or_none(span))
        return self._push(Local(name, self.depth, ready=ready))

    def _push(self, local: Local) -> int:
        slot = len(self.locals)
        self.locals.append(local)
        self._slots.setdefault(local.name, []).append(slot)
        return slot

    # -- resolution ------------------------------------------------------------------------------

    def find_local(self, name: str) -> int:
        """The slot of the innermost live local called `name`, or -1."""
        slots = self._slots.get(name)
        return slots[-1] if slots else -1

    def resolve_upvalue(self, name: str) -> int:
        """Index of `name` among this function's upvalues (adding it), or -1 if it is a global."""
        if self.enclosing is None:
            return -1
        slot = self.enclosing.find_local(name)
        if slot != -1:
            self.enclosing.locals[slot].captured = True
            return self._add_upvalue(slot, True)
        outer = self.enclosing.resolve_upvalue(name)
        if outer != -1:
            return self._add_upvalue(outer, False)
        return -1

    def _add_upvalue(self, index: int, is_local: bool) -> int:
        upvalue = Upvalue(index, is_local)
        position = self._upvalue_positions.get(upvalue)
        if position is None:
            position = self._upvalue_positions[upvalue] = len(self.upvalues)
            self.upvalues.append(upvalue)
        return position

    def closure_operands(self) -> list:
        """`CLOSURE n, (isLocal, index)*` with JSON booleans, as PostHog emits them."""
        code: list = [Op.CLOSURE, len(self.upvalues)]
        for upvalue in self.upvalues:
            code.extend([bool(upvalue.is_local), upvalue.index])
        return code
