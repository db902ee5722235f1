"""A fast path for the small straight-line programs of input templates and filters.

Most input templates are a field read (`{person.properties.email}`), a string with holes
(`Hello {event.event}`, compiled to `concat(...)`) or a built-in applied to fields
(`{toInt(toUnixTimestamp(event.timestamp))}`). A VM run has a fixed set-up cost (options, context,
frames, limits, memory accounting) that is many times the cost of such a program, and an invocation
evaluates several of them per event.

`straight_line(bytecode)` decodes a program once, at compile time, if it uses only these ops, with
no jumps: STRING, INTEGER, FLOAT, TRUE, FALSE, NULL, GET_GLOBAL, CALL_GLOBAL of a native built-in,
NOT, EQ, NOT_EQ and a final RETURN. `FastProgram.run(scope, ctx)` then evaluates it with the VM's own
building blocks (the same property walk, value conversion, operators and built-in implementations),
so the value is the one the VM computes. Whenever anything is outside the simple case (a global that
is not there, a container result, an error in a built-in, a very long string), it returns `FALLBACK`
and the caller runs the program on the VM, which then produces the exact value or error, with its
position. Falling back is always safe: these programs only read their scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FALLBACK = object()  # "run this one on the VM"
MAX_FAST_STRING = 100_000  # longer strings go through the VM's memory accounting

_GET_GLOBAL, _CALL_GLOBAL, _NOT, _EQ, _NOT_EQ = 1, 2, 5, 11, 12
_TRUE, _FALSE, _NULL, _STRING, _INTEGER, _FLOAT, _RETURN = 29, 30, 31, 32, 33, 34, 38
_MAX_SAFE = 2**53 - 1
_SCALARS = (str, int, float, bool, type(None))
# Built-ins the fast path never calls directly: they are async, need the VM, or are shadowed.
_NEVER_DIRECT = frozenset({"sleep", "fetch", "print", "import", "run", "postHogCapture"})


_CHAIN = -1  # a fused "push k constant strings, GET_GLOBAL k": the chain is known when decoding
_vm: Any = None  # the VM building blocks, bound on first decode (the VM imports the whole STL)


def _bind_vm() -> Any:
    global _vm
    if _vm is None:
        from types import SimpleNamespace

        from hoglite.vm.operators import equals
        from hoglite.vm.properties import walk_global
        from hoglite.vm.values import ValueConversionError, from_json_value, is_truthy

        _vm = SimpleNamespace(equals=equals, walk_global=walk_global, from_json_value=from_json_value,
                              is_truthy=is_truthy, ValueConversionError=ValueConversionError)
    return _vm


@dataclass(frozen=True)
class FastProgram:
    """A decoded straight-line program: a tuple of (op, operand, extra) steps."""

    steps: tuple[tuple[int, Any, Any], ...]

    def __post_init__(self) -> None:
        # The most common inputs, a field read (`{person.properties.email}`) with built-ins of one
        # argument applied to it (`{toInt(toUnixTimestamp(event.timestamp))}`), skip the step loop:
        # `_chain` is the field, `_calls` the built-ins, innermost first (the steps in order).
        steps = self.steps
        chain: Any = None
        calls: tuple[Any, ...] = ()
        if len(steps) >= 2 and steps[0][0] == _CHAIN and steps[-1][0] == _RETURN \
                and all(op == _CALL_GLOBAL and operand == 1 for op, operand, _ in steps[1:-1]):
            chain = steps[0][1]
            calls = tuple(native for _, _, native in steps[1:-1])
        object.__setattr__(self, "_chain", chain)
        object.__setattr__(self, "_rest", chain[1:] if chain is not None else ())
        object.__setattr__(self, "_calls", calls)

    def run(self, scope: Mapping[str, Any], ctx: Any) -> Any:
        """The program's value for `scope`, or FALLBACK when the VM must decide."""
        vm = _vm
        chain = self._chain  # type: ignore[attr-defined]
        if chain is not None:
            # The step loop below for CHAIN, CALL_GLOBAL(1) ..., RETURN, written out.
            try:
                # _read_chain, inline for the usual walk through dicts (one call less per input)
                root = chain[0]
                if type(root) is not str or root not in scope:
                    return FALLBACK
                value = scope[root]
                for key in self._rest:  # type: ignore[attr-defined]
                    if type(value) is not dict:
                        value = _read_chain(scope, chain, vm)
                        break
                    value = value.get(key)
                else:
                    kind = type(value)
                    if kind is str:
                        if len(value) > MAX_FAST_STRING:
                            return FALLBACK
                    elif kind is int:
                        value = vm.from_json_value(value)
                    elif not (value is None or kind is bool or kind is float):
                        return FALLBACK
                if value is FALLBACK:
                    return FALLBACK
                for native in self._calls:  # type: ignore[attr-defined]
                    value = native.impl([value], ctx)
                    if not isinstance(value, _SCALARS) or (type(value) is str and len(value) > MAX_FAST_STRING):
                        return FALLBACK
                return value
            except Exception:  # noqa: BLE001 - as below: the VM reports it
                return FALLBACK
        stack: list[Any] = []
        push = stack.append
        pop = stack.pop
        try:
            for op, operand, extra in self.steps:
                if op == _CHAIN:
                    value = _read_chain(scope, operand, vm)
                    if value is FALLBACK:
                        return FALLBACK
                    push(value)
                elif op in (_STRING, _FLOAT, _INTEGER):
                    push(operand)
                elif op == _GET_GLOBAL:
                    chain = [pop() for _ in range(operand)]
                    value = _read_chain(scope, chain, vm)
                    if value is FALLBACK:
                        return FALLBACK
                    push(value)
                elif op == _CALL_GLOBAL:
                    if len(stack) < operand:
                        return FALLBACK
                    args = stack[len(stack) - operand:]
                    del stack[len(stack) - operand:]
                    value = extra.impl(args, ctx)
                    if not isinstance(value, _SCALARS) or (type(value) is str and len(value) > MAX_FAST_STRING):
                        return FALLBACK
                    push(value)
                elif op == _TRUE:
                    push(True)
                elif op == _FALSE:
                    push(False)
                elif op == _NULL:
                    push(None)
                elif op in (_EQ, _NOT_EQ):
                    left = pop()
                    right = pop()
                    same = left == right if type(left) is int and type(right) is int else vm.equals(left, right)
                    push(same if op == _EQ else not same)
                elif op == _NOT:
                    push(not vm.is_truthy(pop()))
                else:  # RETURN, always the last step
                    return pop() if stack else None
        except Exception:  # noqa: BLE001 - any failure is re-run on the VM, which reports it with a position
            return FALLBACK
        return FALLBACK


def _read_chain(scope: Mapping[str, Any], chain: Any, vm: Any) -> Any:
    """GET_GLOBAL for a chain of keys: the VM's null-safe walk, for scalar results only."""
    root = chain[0]
    if type(root) is not str or root not in scope:
        return FALLBACK  # an unknown global, or a function used as a value: the VM's job
    value = scope[root]
    for position in range(1, len(chain)):
        if type(value) is dict:
            value = value.get(chain[position])
        elif value is None:
            break
        else:
            value = vm.walk_global(value, list(chain[position:]))
            break
    kind = type(value)
    if kind is str:
        return value if len(value) <= MAX_FAST_STRING else FALLBACK
    if value is None or kind is bool or kind is float:
        return value
    if kind is int:
        return vm.from_json_value(value)  # ints beyond 2**53 become floats, as in the VM
    return FALLBACK  # containers are deep-copied and converted by the VM; other types are its business


def straight_line(bytecode: list[Any], disallowed: frozenset[str] = frozenset({"sleep"})) -> FastProgram | None:
    """Decode `bytecode` for the fast path, or None if it uses anything else."""
    from hoglite.stl.registry import NATIVE_FUNCTIONS

    if not isinstance(bytecode, list) or len(bytecode) < 3 or bytecode[0] != "_H" or bytecode[1] != 1:
        return None
    steps: list[tuple[int, Any, Any]] = []
    ip = 2
    depth = 0
    while ip < len(bytecode):
        op = bytecode[ip]
        if op == _STRING:
            value = bytecode[ip + 1] if ip + 1 < len(bytecode) else None
            if type(value) is not str:
                return None
            steps.append((op, value, None))
            depth += 1
            ip += 2
        elif op == _INTEGER:
            value = bytecode[ip + 1] if ip + 1 < len(bytecode) else None
            if type(value) is not int or not -_MAX_SAFE <= value <= _MAX_SAFE:
                return None
            steps.append((op, value, None))
            depth += 1
            ip += 2
        elif op == _FLOAT:
            value = bytecode[ip + 1] if ip + 1 < len(bytecode) else None
            if type(value) is not float:
                return None
            steps.append((op, value, None))
            depth += 1
            ip += 2
        elif op in (_TRUE, _FALSE, _NULL):
            steps.append((op, None, None))
            depth += 1
            ip += 1
        elif op == _GET_GLOBAL:
            count = bytecode[ip + 1] if ip + 1 < len(bytecode) else None
            if type(count) is not int or count < 1 or count > depth:
                return None
            steps.append((op, count, None))
            depth -= count - 1
            ip += 2
        elif op == _CALL_GLOBAL:
            if ip + 2 >= len(bytecode):
                return None
            name, count = bytecode[ip + 1], bytecode[ip + 2]
            native = NATIVE_FUNCTIONS.get(name) if type(name) is str else None
            if (native is None or name in disallowed or name in _NEVER_DIRECT or type(count) is not int
                    or count > depth or count < native.min_args
                    or (native.max_args is not None and count > native.max_args)):
                return None
            steps.append((op, count, native))
            depth -= count - 1
            ip += 3
        elif op in (_EQ, _NOT_EQ):
            if depth < 2:
                return None
            steps.append((op, None, None))
            depth -= 1
            ip += 1
        elif op == _NOT:
            if depth < 1:
                return None
            steps.append((op, None, None))
            ip += 1
        elif op == _RETURN:
            if ip != len(bytecode) - 1 or depth != 1:
                return None
            steps.append((op, None, None))
            ip += 1
        else:
            return None
    if not steps or steps[-1][0] != _RETURN:
        return None
    _bind_vm()
    return FastProgram(tuple(_fuse_chains(steps)))


def _fuse_chains(steps: list[tuple[int, Any, Any]]) -> list[tuple[int, Any, Any]]:
    """Replace `STRING k_n ... STRING k_1, GET_GLOBAL n` by one step reading the chain (k_1 ... k_n)."""
    out: list[tuple[int, Any, Any]] = []
    for step in steps:
        if step[0] == _GET_GLOBAL:
            count = step[1]
            tail = out[len(out) - count:] if len(out) >= count else []
            if tail and all(item[0] == _STRING for item in tail):
                del out[len(out) - count:]
                out.append((_CHAIN, tuple(item[1] for item in reversed(tail)), None))
                continue
        out.append(step)
    return out
