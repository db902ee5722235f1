"""The ops outside the VM's hot path, one small function each: `(vm, frame, code, ip) -> (frame, code, ip)`.

Each reads its operands from `code`, works on `vm`'s stack through `vm.pop_value`/`vm.push_value`
(which keep the memory estimate), and returns where execution continues.
"""

from __future__ import annotations

from typing import Any

from hoglite.errors import HogRuntimeError, UncaughtHogError
from hoglite.vm import runtime
from hoglite.vm.frames import Frame
from hoglite.vm.memory import UNIT, callable_cost, closure_cost
from hoglite.vm.operators import (
    contains,
    divide,
    like,
    modulo,
    multiply,
    regex_operator,
    subtract,
    to_js_string,
)
from hoglite.vm.properties import set_property
from hoglite.vm.values import Callable, Closure, HogErrorValue, is_truthy

Result = tuple[Frame, list[Any], int]


def _binary(function: Any) -> Any:
    def run(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
        left = vm.pop_value()
        right = vm.pop_value()
        vm.push_value(function(left, right), UNIT)
        return frame, code, ip + 1

    return run


def _pattern(match: Any, negate: bool) -> Any:
    def run(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
        text = vm.pop_value()
        pattern = vm.pop_value()
        result = match(text, pattern)
        vm.push_value(not result if negate else result, UNIT)
        return frame, code, ip + 1

    return run


def _regex(ignore_case: bool, negate: bool) -> Any:
    def run(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
        text = vm.pop_value()
        pattern = vm.pop_value()
        # A null or empty side never matches, so `=~` is false and `!~` true, as in PostHog's VM.
        result = regex_operator(text, pattern, ignore_case)
        vm.push_value(not result if negate else result, UNIT)
        return frame, code, ip + 1

    return run


def _membership(negate: bool) -> Any:
    def run(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
        item = vm.pop_value()
        container = vm.pop_value()
        result = contains(container, item)
        vm.push_value(not result if negate else result, UNIT)
        return frame, code, ip + 1

    return run


def _logic(all_of: bool) -> Any:
    def run(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
        count = code[ip + 1]
        if not isinstance(count, int) or count > len(vm.stack):
            raise HogRuntimeError(runtime.EMPTY_STACK)
        start = len(vm.stack) - count
        values = vm.stack[start:]
        vm.mem_used -= sum(vm.mem[start:])
        del vm.stack[start:]
        del vm.mem[start:]
        truths = [is_truthy(value) for value in values]
        vm.push_value(all(truths) if all_of else any(truths), UNIT)
        return frame, code, ip + 2

    return run


def op_float(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    vm.push_value(code[ip + 1])
    return frame, code, ip + 2


def op_get_global(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    count = code[ip + 1]
    if not isinstance(count, int) or count < 1:
        raise HogRuntimeError(f"Invalid global chain length: {count}")
    chain = [vm.pop_value() for _ in range(count)]
    vm.push_value(vm.global_value(chain, frame.chunk or "root"))
    return frame, code, ip + 2


def op_declare_fn(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    name, arg_count, body_length = code[ip + 1], code[ip + 2], code[ip + 3]
    vm.declared_functions[name] = [ip + 4, arg_count]
    vm._call_cache.pop(name, None)
    return frame, code, ip + 4 + body_length


def _collection(kind: str) -> Any:
    def run(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
        count = code[ip + 1]
        width = count * 2 if kind == "dict" else count
        if not isinstance(width, int) or width < 0 or width > len(vm.stack):
            raise HogRuntimeError(runtime.EMPTY_STACK)
        start = len(vm.stack) - width
        items = vm.stack[start:]
        # A new container costs 8 plus what its elements cost in their slots (no re-walk).
        cost = UNIT + sum(vm.mem[start:])
        vm.mem_used -= cost - UNIT
        del vm.stack[start:]
        del vm.mem[start:]
        if kind == "dict":
            value: Any = {}
            try:
                for index in range(0, width, 2):
                    value[items[index]] = items[index + 1]
                    if type(items[index]) is str and items[index][:1].isdigit():
                        vm.maybe_unordered = True
            except TypeError:
                raise HogRuntimeError("Dict keys must be strings, numbers, booleans or null") from None
        elif kind == "array":
            value = items
        else:
            value = tuple(items)
        vm.push_value(value, cost)
        return frame, code, ip + 2

    return run


_ABSENT = object()


def op_set_property(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    value = vm.pop_value()
    key = vm.pop_value()
    obj = vm.pop_value()
    memo = vm.cost_memo
    known = memo.get(id(obj))
    old: Any = _ABSENT
    length = 0
    if known is not None:
        if type(obj) is dict:
            try:
                old = obj.get(key, _ABSENT)
            except TypeError:
                known = None
        elif type(obj) is list:
            length = len(obj)
            if isinstance(key, (int, float)) and not isinstance(key, bool) and 1 <= key <= length and key == int(key):
                old = obj[int(key) - 1]
    set_property(obj, key, value, vm.limits)
    vm.mutated = True
    if type(key) is str and key[:1].isdigit():
        vm.maybe_unordered = True
    if known is not None:
        # Update the written container's cost in place; forget the cached costs that include it.
        if type(obj) is dict:
            if old is _ABSENT:
                delta = vm.cost(key) + vm.cost(value)
            else:
                delta = vm.cost(value) - vm.cost(old)
        else:
            grown = len(obj) - length
            if grown:
                delta = UNIT * (grown - 1) + vm.cost(value)
            elif old is not _ABSENT:
                delta = vm.cost(value) - vm.cost(old)
            else:
                delta = 0
        vm.forget_costs(obj)
        memo[id(obj)] = known + delta  # obj is in cost_keep already (it had a cached cost)
    elif memo:
        vm.forget_costs(obj)
    vm.note_holder(obj, value)
    return frame, code, ip + 1


def op_throw(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    error = vm.pop_value()
    if not isinstance(error, HogErrorValue):
        raise HogRuntimeError("Can not throw: value is not of type Error")
    if not vm.throw_stack:
        # The host sees the error's text as JavaScript's String() writes it (a dict message is
        # '[object Map]' there), never a Python repr.
        message = error.get("message")
        error_type = error.get("type")
        raise UncaughtHogError(
            error_type if isinstance(error_type, str) else to_js_string(error_type),
            message if isinstance(message, str) else to_js_string(message),
            error.get("payload"),
        )
    call_stack_length, stack_length, catch_ip = vm.throw_stack.pop()
    vm.mem_used = vm.cut(stack_length, vm.mem_used)
    del vm.call_stack[call_stack_length:]
    vm.push_value(error)
    frame = vm.call_stack[-1]
    code = vm._enter(frame)
    return frame, code, catch_ip


def op_try(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    vm.throw_stack.append((len(vm.call_stack), len(vm.stack), ip + 1 + code[ip + 1]))
    return frame, code, ip + 2


def op_pop_try(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    if not vm.throw_stack:
        raise HogRuntimeError("Invalid operation POP_TRY: no try block to pop")
    vm.throw_stack.pop()
    return frame, code, ip + 1


def op_callable(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    name, arg_count, upvalue_count, body_length = code[ip + 1], code[ip + 2], code[ip + 3], code[ip + 4]
    callable_ = Callable("local", name, arg_count, upvalue_count, ip + 5, frame.chunk)
    vm.push_value(callable_, callable_cost(callable_))
    return frame, code, ip + 5 + body_length


def op_closure(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    callable_ = vm.pop_value()
    if type(callable_) is not Callable:
        raise HogRuntimeError(f"Invalid callable: {runtime.js_json(callable_)}")
    count = code[ip + 1]
    if count != callable_.upvalue_count:
        raise HogRuntimeError(f"Invalid upvalue count. Expected {callable_.upvalue_count}, got {count}")
    ids: list[int] = []
    start = frame.stack_start
    parent = frame.closure.upvalues
    for index in range(count):
        is_local = code[ip + 2 + 2 * index]
        slot = code[ip + 3 + 2 * index]
        if is_local:
            ids.append(vm.capture(start + slot).id)
        else:
            if not isinstance(slot, int) or not 0 <= slot < len(parent):
                raise HogRuntimeError(f"Invalid upvalue index: {slot}")
            ids.append(parent[slot])
    closure = Closure(callable_, ids)
    vm.push_value(closure, closure_cost(closure))
    return frame, code, ip + 2 + 2 * count


def op_set_upvalue(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    upvalue = vm._upvalue(frame, code[ip + 1])
    value = vm.pop_value()
    if upvalue.closed:
        upvalue.value = value
    else:
        # PostHog's VM writes the live slot but leaves that slot's memory cost as it was (the
        # estimate only follows pushes, pops and SET_LOCAL), so `Tried to allocate N bytes.` agrees
        # with it. Reads of the slot must then cost the value afresh: `mutated` makes them do so.
        vm.stack[upvalue.location] = value
        vm.mutated = True
    return frame, code, ip + 2


def op_close_upvalue(vm: runtime.Runtime, frame: Frame, code: list[Any], ip: int) -> Result:
    if not vm.stack:
        raise HogRuntimeError("Stack underflow")
    vm.mem_used = vm.cut(len(vm.stack) - 1, vm.mem_used)
    return frame, code, ip + 1


runtime._COLD_OPS.update(
    {
        3: _logic(True),
        4: _logic(False),
        8: _binary(multiply),
        9: _binary(divide),
        10: _binary(modulo),
        17: _pattern(lambda text, pattern: like(text, pattern, False), False),
        18: _pattern(lambda text, pattern: like(text, pattern, True), False),
        19: _pattern(lambda text, pattern: like(text, pattern, False), True),
        20: _pattern(lambda text, pattern: like(text, pattern, True), True),
        21: _membership(False),
        22: _membership(True),
        23: _regex(False, False),
        24: _regex(False, True),
        25: _regex(True, False),
        26: _regex(True, True),
        34: op_float,
        1: op_get_global,
        41: op_declare_fn,
        42: _collection("dict"),
        43: _collection("array"),
        44: _collection("tuple"),
        46: op_set_property,
        49: op_throw,
        50: op_try,
        51: op_pop_try,
        52: op_callable,
        53: op_closure,
        56: op_set_upvalue,
        57: op_close_upvalue,
        # 7 (MINUS) is hot and handled in the loop; kept here for completeness of the table.
        7: _binary(subtract),
    }
)
