"""The dispatch loop: runs `_H` (and legacy `_h`) bytecode with PostHog's semantics.

Design notes (why it looks like this):
- One flat loop with a two-level `if` dispatch (GET_LOCAL; ops below 17; below 41; the rest), the VM's
  hot state in local variables. Hog calls push
  a `Frame` on our own call stack; Python never recurses, so deep Hog recursion ends in the call-depth
  limit, never a RecursionError.
- Memory follows PostHog's per-slot estimate (§3.3) with a parallel list of slot costs: a value's
  cost is computed once when it is made (constants, containers from their slots' costs, results of
  built-ins); reading a local reuses the slot's cost. Once the program has mutated a container in
  place (SET_PROPERTY), container reads are re-costed as PostHog does on every push, through a cache
  of container costs that SET_PROPERTY keeps exact (runtime.container_cost), so growing a dict in a
  loop stays linear.
- A comparison or AND/OR followed by JUMP_IF_FALSE (every `if` and loop test) is done in one dispatch, without
  pushing the result only to pop it. The jump still counts as an op and is fused only when it cannot
  reach the next checkpoint (`check_at`), so op counts, limits and their messages are exactly those
  of one op per dispatch. (Peeking for runs of GET_LOCAL or STRING the same way was measured and did
  not pay: the check for the next op costs about what the dispatch it saves does. Longer sequences
  are marked once per chunk instead: hoglite/vm/fusion.py and the FusedOp handlers below.)
- Running off the end of a chunk surfaces as an IndexError on the op read, handled outside the hot
  loop (implicit return), so the loop needs no per-op bounds check.
- Errors raised by ops become `HogRuntimeError` with the span of the failing op (from the compiler's
  source map); sandbox limits raise `HogLimitError`. Neither can be caught by Hog code: only THROW of
  a Hog error value reaches a catch block.
"""

from __future__ import annotations

import time
from typing import Any

from hoglite.errors import HogLimitError, HogliteError, HogRuntimeError
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm import cold_ops  # noqa: F401  (fills the table of ops outside the hot path)
from hoglite.vm import limits as limit_messages
from hoglite.vm.frames import Frame, frame_closure
from hoglite.vm.fusion import FusedOp
from hoglite.vm.limits import ensure_string_length, limits_of
from hoglite.vm.memory import UNIT, value_cost
from hoglite.vm.operators import (
    add,
    compare,
    divide,
    equals,
    js_int,
    modulo,
    multiply,
    subtract,
    to_js_string,
)
from hoglite.vm.plain import NotPlain
from hoglite.vm.plain import from_json_with_cost as plain_from_json_with_cost
from hoglite.vm.properties import get_property
from hoglite.vm.runtime import (
    _ASYNC,
    _BYTECODE,
    _HOST,
    _IMPORT,
    _MAX,
    _MIN,
    _NATIVE,
    _OPERANDS,
    _ORDERING,
    _RECOSTED,
    EMPTY_STACK,
    Paused,
    Runtime,
    _Continue,
    _Finished,
    js_json,
)
from hoglite.vm.values import Callable, Closure, is_truthy

# A GET_GLOBAL the loop does not answer inline (the cold op then applies the general rules).
_ABSENT = object()


class VM(Runtime):
    """One run (or one resumed continuation) of a program. Use `hoglite.vm.execute`/`resume`."""

    # -------------------------------------------------------------------------------------------
    # The loop

    def run(self) -> tuple[str, Any]:
        """Run until the program finishes ("finished", value) or pauses ("paused", Paused)."""
        self._started = time.perf_counter()
        if not self.call_stack:
            self.start_root()
        frame = self.call_stack[-1]
        code = self._enter(frame)
        ip = frame.ip
        while True:
            try:
                return self._loop(frame, code, ip)
            except _Continue as jump:
                frame, code, ip = jump.frame, jump.code, jump.ip
            except Paused as pause:
                self.sync_duration_ms = self._elapsed_ms()
                # Without its traceback: the frames it holds would keep this VM and the run alive until a GC.
                return "paused", pause.with_traceback(None)
            except _Finished as done:
                self.sync_duration_ms = self._elapsed_ms()
                return "finished", done.value

    def _loop(self, frame: Frame, code: list[Any], ip: int) -> tuple[str, Any]:
        stack = self.stack
        mem = self.mem
        push = stack.append
        pop = stack.pop
        mpush = mem.append
        mpop = mem.pop
        call_stack = self.call_stack
        limits = self.limits
        mem_limit = self._mem_limit
        mem_used = self.mem_used
        peak = self.max_mem_used
        ops = self.ops
        check_at = ((ops >> 5) + 1) << 5
        if limits.max_ops is not None and check_at > limits.max_ops + 1:
            check_at = limits.max_ops + 1
        base = frame.stack_start
        mutated = self.mutated
        open_upvalues = self.open_upvalues
        throw_stack = self.throw_stack
        upvalues_by_id = self.upvalues_by_id
        perf = time.perf_counter
        version = self.version
        concat_native = NATIVE_FUNCTIONS.get("concat")
        max_string = limits_of(self.context).max_string_length  # the limit concat itself checks
        # The time check at calls, reduced to one clock read and a compare (check_time has the rule).
        deadline = self._started + (limits.timeout_seconds * 1000.0 - self.sync_duration_ms) / 1000.0
        globals_ = self.globals if type(self.globals) is dict else {}  # GET_GLOBAL's inline path
        call_cache = self._call_cache
        # The VM's container-cost cache: host copies record their parts' costs in it (plain.py).
        cost_cache = (self.cost_memo, self.cost_keep, self.cost_holders)
        max_ops = limits.max_ops
        op: Any = None
        try:
            while True:
                op = code[ip]
                ops += 1
                if ops >= check_at:
                    if max_ops is None:  # every 32nd op: the time limit (check_time has the rule)
                        if perf() > deadline:
                            self.check_time(ops)
                        check_at = ops + 32
                    else:
                        check_at = self.checkpoint(ops)

                if op == 36:  # GET_LOCAL
                    slot = base + code[ip + 1]
                    value = stack[slot]
                    push(value)
                    cost = mem[slot]
                    if mutated:  # the slot's cost may be stale (see _RECOSTED): self.cost(value), inlined
                        kind = type(value)
                        if kind is int or kind is float or kind is bool or value is None:
                            cost = UNIT
                        elif kind in _RECOSTED:
                            cost = self.container_cost(value) if kind is not str else value_cost(value)
                        else:
                            cost = value_cost(value)
                    mpush(cost)
                    mem_used += cost
                    if mem_used > peak:
                        peak = mem_used
                        if peak > mem_limit:
                            raise self.memory_error(mem_used)
                    ip += 2
                elif op < 17:  # 1-16: globals and calls, logic, arithmetic, comparisons
                    if op == 6:  # PLUS
                        left = pop()
                        right = stack[-1]
                        lt = type(left)
                        rt = type(right)
                        if lt is int and rt is int:
                            value = left + right
                            if value > _MAX or value < _MIN:
                                value = js_int(value)
                        elif (lt is float or lt is int) and (rt is float or rt is int):
                            # A float and an int or float: Python converts the int (within 2**53, so exactly) and
                            # computes in IEEE doubles, as JavaScript does.
                            value = left + right
                        else:
                            value = add(left, right)
                        stack[-1] = value
                        mem_used -= mpop() + mem[-1] - UNIT
                        mem[-1] = UNIT
                        ip += 1
                    elif 11 <= op <= 16:  # EQ, NOT_EQ, GT, GT_EQ, LT, LT_EQ
                        left = pop()
                        right = stack[-1]
                        lt = type(left)
                        rt = type(right)
                        # Two numbers (int or float, never bool): Python's comparisons are JavaScript's here
                        # (ints stay within 2**53, NaN compares false, -0.0 == 0).
                        if (lt is int or lt is float) and (rt is int or rt is float):
                            if op == 15:
                                value = left < right
                            elif op == 16:
                                value = left <= right
                            elif op == 11:
                                value = left == right
                            elif op == 12:
                                value = left != right
                            elif op == 13:
                                value = left > right
                            else:
                                value = left >= right
                        elif op == 11:
                            value = equals(left, right)
                        elif op == 12:
                            value = not equals(left, right)
                        else:
                            value = compare(left, right, _ORDERING[op])
                        if code[ip + 1] == 40 and ops + 1 < check_at:
                            # JUMP_IF_FALSE right after (every `if` and loop test): taken here, without
                            # pushing the result only to pop it.
                            ops += 1
                            pop()
                            mem_used -= mpop() + mpop()
                            ip += 1
                            if value is True:
                                ip += 2
                            elif value is False or value is None or not is_truthy(value):
                                ip += 2 + code[ip + 1]
                                if ip < 0:
                                    raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": undefined')
                            else:
                                ip += 2
                            continue
                        stack[-1] = value
                        mem_used -= mpop() + mem[-1] - UNIT
                        mem[-1] = UNIT
                        ip += 1
                    elif op == 2:  # CALL_GLOBAL
                        if perf() > deadline:
                            self.check_time(ops)
                        name = code[ip + 1]
                        count = code[ip + 2]
                        declared = self.declared_functions.get(name) if self.declared_functions else None
                        if declared is not None and name != "toString":
                            function_ip, arg_count = declared
                            frame.ip = ip + 3
                            if type(count) is not int:
                                raise HogRuntimeError("Not enough arguments on the stack")
                            if arg_count > count:
                                # Check the limit before padding: a huge argCount must not allocate first.
                                padding = arg_count - count
                                if mem_used + padding * UNIT > mem_limit:
                                    raise self.memory_error(mem_used + padding * UNIT)
                                if padding > limits.max_container_size:  # the memory limit may be off
                                    raise HogLimitError(limit_messages.TOO_MANY_ARGUMENTS)
                                stack.extend([None] * padding)
                                mem.extend([UNIT] * padding)
                                mem_used += padding * UNIT
                            if mem_used > peak:
                                peak = mem_used
                                if peak > mem_limit:
                                    raise self.memory_error(mem_used)
                            frame = Frame(function_ip, frame.chunk, len(stack) - arg_count, arg_count,
                                          frame_closure(name, arg_count, function_ip, frame.chunk))
                            call_stack.append(frame)
                            if len(call_stack) > limits.max_call_depth:
                                raise HogLimitError(limit_messages.call_depth_message(limits))
                            code = self._enter(frame)
                            ip = frame.ip
                            base = frame.stack_start
                            continue
                        if not isinstance(count, int) or count > len(stack):
                            raise HogRuntimeError("Not enough arguments on the stack")
                        if count > limits.max_args:
                            raise HogLimitError(limit_messages.TOO_MANY_ARGUMENTS)
                        found = call_cache.get(name)
                        kind, target = found if found is not None else self.resolve_global_call(name)
                        if kind == _NATIVE:
                            if count < target.min_args:
                                raise HogRuntimeError(f"Function {name} requires at least {target.min_args} arguments")
                            if target.max_args is not None and count > target.max_args:
                                raise HogRuntimeError(f"Function {name} requires at most {target.max_args} arguments")
                            start = len(stack) - count
                            if version == 0 or (open_upvalues and open_upvalues[-1].location >= start):
                                args, mem_used = self.take_args(count, mem_used)  # reversed args / upvalues to close
                            elif count == 1:
                                args = [pop()]
                                mem_used -= mpop()
                            else:
                                args = stack[start:]
                                mem_used -= sum(mem[start:])
                                del stack[start:]
                                del mem[start:]
                            if target is concat_native:
                                # f-strings and `||`: when every part is a string, concat is the join, after
                                # concat's own length check (same limit, same message, before allocating).
                                # Integers within 2**53 print as str() does; converting them in
                                # place is harmless if another part sends the call to concat after all.
                                for index, value in enumerate(args):
                                    kind = type(value)
                                    if kind is int and _MIN <= value <= _MAX:
                                        args[index] = str(value)
                                    elif kind is not str:
                                        result = target.impl(args, self.context)
                                        break
                                else:
                                    total = sum(map(len, args))
                                    if total > max_string:
                                        ensure_string_length(self.context, total)
                                    result = "".join(args)
                            else:
                                result = target.impl(args, self.context)
                        elif kind == _HOST:
                            args, mem_used = self.take_args(count, mem_used)
                            result = self.call_host(name, target, args)
                        elif kind == _BYTECODE:
                            params = target[0]
                            if len(params) != count:
                                raise HogRuntimeError(f"Function {name} requires exactly {len(params)} arguments")
                            frame.ip = ip + 3
                            chunk = f"stl/{name}"
                            frame = Frame(0, chunk, len(stack) - count, count,
                                          frame_closure(name, count, 0, chunk, "stl"))
                            call_stack.append(frame)
                            if len(call_stack) > limits.max_call_depth:
                                raise HogLimitError(limit_messages.call_depth_message(limits))
                            code = self._enter(frame)
                            ip = frame.ip
                            base = frame.stack_start
                            continue
                        elif kind == _ASYNC:
                            if self.async_steps >= limits.max_async_steps:
                                raise HogLimitError(limit_messages.async_steps_message(limits))
                            args, mem_used = self.take_args(count, mem_used)
                            frame.ip = ip + 3
                            self.mem_used, self.max_mem_used, self.ops = mem_used, peak, ops
                            self.async_steps += 1
                            raise Paused(name, args)
                        elif kind == _IMPORT:
                            args, mem_used = self.take_args(count, mem_used)
                            if len(args) != 1:
                                raise HogRuntimeError(f"Function {name} requires exactly 1 argument")
                            frame.ip = ip + 3
                            chunk = to_js_string(args[0])
                            frame = Frame(0, chunk, len(stack), 0, frame_closure(chunk, 0, 0, chunk))
                            call_stack.append(frame)
                            if len(call_stack) > limits.max_call_depth:
                                raise HogLimitError(limit_messages.call_depth_message(limits))
                            code = self._enter(frame)
                            ip = frame.ip
                            base = frame.stack_start
                            continue
                        else:
                            raise HogRuntimeError(f"Unsupported function call: {name}")
                        push(result)
                        kind = type(result)
                        if kind is str:
                            cost = UNIT + len(result) if result.isascii() else value_cost(result)
                        elif result is None or kind is int or kind is float or kind is bool:
                            cost = UNIT
                        else:
                            cost = self.cost(result)
                        mpush(cost)
                        mem_used += cost
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 3
                    elif op == 7:  # MINUS
                        left = pop()
                        right = stack[-1]
                        lt = type(left)
                        rt = type(right)
                        if lt is int and rt is int:
                            value = left - right
                            if value > _MAX or value < _MIN:
                                value = js_int(value)
                        elif (lt is float or lt is int) and (rt is float or rt is int):
                            value = left - right
                        else:
                            value = subtract(left, right)
                        stack[-1] = value
                        mem_used -= mpop() + mem[-1] - UNIT
                        mem[-1] = UNIT
                        ip += 1
                    elif op == 8:  # MULTIPLY
                        left = pop()
                        right = stack[-1]
                        lt = type(left)
                        rt = type(right)
                        if lt is int and rt is int:
                            value = left * right
                            if value > _MAX or value < _MIN:
                                value = js_int(value)
                        elif (lt is float or lt is int) and (rt is float or rt is int):
                            value = left * right
                        else:
                            value = multiply(left, right)
                        stack[-1] = value
                        mem_used -= mpop() + mem[-1] - UNIT
                        mem[-1] = UNIT
                        ip += 1
                    elif op == 3 or op == 4:  # AND, OR (count values; every one is evaluated, as in PostHog)
                        count = code[ip + 1]
                        if type(count) is not int or not 0 <= count <= len(stack):
                            frame, code, ip, mem_used, peak, mutated = self.run_cold_op(op, frame, code, ip, mem_used, peak, ops, mutated)
                            base = frame.stack_start
                            continue
                        start = len(stack) - count
                        if op == 3:
                            value = True
                            for item in stack[start:]:
                                if item is not True and (item is False or item is None or not is_truthy(item)):
                                    value = False
                        else:
                            value = False
                            for item in stack[start:]:
                                if item is True or (item is not False and item is not None and is_truthy(item)):
                                    value = True
                        if count and code[ip + 2] == 40 and ops + 1 < check_at:
                            # JUMP_IF_FALSE right after (`if (a and b)`, loop tests): taken here. With at
                            # least one operand the result would not have raised the peak.
                            ops += 1
                            mem_used -= sum(mem[start:])
                            del stack[start:]
                            del mem[start:]
                            ip += 4 if value else 4 + code[ip + 3]
                            if ip < 0:
                                raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": undefined')
                            continue
                        mem_used += UNIT - sum(mem[start:])
                        del stack[start:]
                        del mem[start:]
                        push(value)
                        mpush(UNIT)
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 2
                    elif op == 9 or op == 10:  # DIVIDE, MOD
                        left = pop()
                        right = stack[-1]
                        if op == 9:
                            lt = type(left)
                            rt = type(right)
                            if (lt is float or lt is int) and (rt is float or rt is int) and right:
                                value = left / right  # int / int too: correctly rounded, as on doubles
                            else:
                                value = divide(left, right)
                        else:
                            value = modulo(left, right)
                        stack[-1] = value
                        mem_used -= mpop() + mem[-1] - UNIT
                        mem[-1] = UNIT
                        ip += 1
                    elif op == 5:  # NOT
                        stack[-1] = not is_truthy(stack[-1])
                        mem_used += UNIT - mem[-1]
                        mem[-1] = UNIT
                        ip += 1
                    elif op == 1 and op is not True and type(code[ip + 1]) is int and 0 < code[ip + 1] <= len(stack) and frame.chunk == "root":
                        # GET_GLOBAL of host data along string keys: read and copied here; anything else
                        # (functions as values, other chunks, odd keys, values needing conversion) goes to
                        # the cold op, which has the general rules.
                        count = code[ip + 1]
                        key = stack[-1]
                        value = globals_.get(key, _ABSENT) if type(key) is str else _ABSENT
                        index = -2
                        while index >= -count and value is not None and value is not _ABSENT:
                            key = stack[index]
                            value = value.get(key) if type(value) is dict and type(key) is str else _ABSENT
                            index -= 1
                        kind = type(value)
                        if kind is str or value is None or kind is bool or kind is float or (kind is int and _MIN <= value <= _MAX):
                            cost = UNIT + len(value) if kind is str and value.isascii() else value_cost(value)
                        elif kind is dict or kind is list:
                            try:
                                if len(cost_cache[1]) > 100_000:  # bound the cache, as container_cost does
                                    self.forget_all_costs()
                                value, cost = plain_from_json_with_cost(value, cost_cache)
                            except NotPlain:
                                value = _ABSENT
                        else:
                            value = _ABSENT
                        if value is _ABSENT:
                            frame, code, ip, mem_used, peak, mutated = self.run_cold_op(op, frame, code, ip, mem_used, peak, ops, mutated)
                            base = frame.stack_start
                            continue
                        mem_used += cost - sum(mem[-count:])
                        del stack[-count:]
                        del mem[-count:]
                        push(value)
                        mpush(cost)
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 2
                    else:
                        frame, code, ip, mem_used, peak, mutated = self.run_cold_op(op, frame, code, ip, mem_used, peak, ops, mutated)
                        base = frame.stack_start
                elif op < 41:  # 17-40: constants, locals, jumps, return, patterns
                    if op == 33:  # INTEGER
                        value = code[ip + 1]
                        if type(value) is int:
                            if value > _MAX or value < _MIN:
                                value = js_int(value)
                            cost = UNIT
                        else:
                            cost = value_cost(value)
                        push(value)
                        mpush(cost)
                        mem_used += cost
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 2
                    elif op == 40:  # JUMP_IF_FALSE
                        value = pop()
                        mem_used -= mpop()
                        if value is True:
                            ip += 2
                        elif value is False or value is None or not is_truthy(value):
                            ip += 2 + code[ip + 1]
                            if ip < 0:
                                raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": undefined')
                        else:
                            ip += 2
                    elif op == 37:  # SET_LOCAL
                        slot = base + code[ip + 1]
                        value = pop()
                        cost = mpop()
                        stack[slot] = value
                        mem_used -= mem[slot]
                        mem[slot] = cost
                        ip += 2
                    elif op == 39:  # JUMP
                        ip += 2 + code[ip + 1]
                        if ip < 0:
                            raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": undefined')
                    elif op == 32:  # STRING
                        value = code[ip + 1]
                        cost = UNIT + len(value) if type(value) is str and value.isascii() else value_cost(value)
                        push(value)
                        mpush(cost)
                        mem_used += cost
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 2
                    elif op == 35:  # POP
                        pop()
                        mem_used -= mpop()
                        ip += 1
                    elif op == 38:  # RETURN
                        result = pop()
                        result_cost = mpop()
                        mem_used -= result_cost
                        finished_frame = call_stack.pop()
                        if not call_stack:
                            self.mem_used, self.max_mem_used, self.ops = mem_used, peak, ops
                            frame.ip = ip
                            raise _Finished(result)
                        start = finished_frame.stack_start
                        if start > len(stack) or (open_upvalues and open_upvalues[-1].location >= start):
                            mem_used = self.cut(start, mem_used)
                        elif start < len(stack):
                            mem_used -= sum(mem[start:])
                            del stack[start:]
                            del mem[start:]
                        if throw_stack and throw_stack[-1][0] > len(call_stack):
                            while throw_stack and throw_stack[-1][0] > len(call_stack):
                                throw_stack.pop()
                        push(result)
                        mpush(result_cost)
                        mem_used += result_cost
                        frame = call_stack[-1]
                        if frame.chunk != finished_frame.chunk:
                            code = self._enter(frame)
                        ip = frame.ip
                        base = frame.stack_start
                    elif 29 <= op <= 31:  # TRUE, FALSE, NULL
                        push(True if op == 29 else False if op == 30 else None)
                        mpush(UNIT)
                        mem_used += UNIT
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 1
                    elif op == 34 and type(code[ip + 1]) is float:  # FLOAT
                        push(code[ip + 1])
                        mpush(UNIT)
                        mem_used += UNIT
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 2
                    else:
                        frame, code, ip, mem_used, peak, mutated = self.run_cold_op(op, frame, code, ip, mem_used, peak, ops, mutated)
                        base = frame.stack_start
                else:  # 41 and up: superinstructions (fusion.py), properties, containers, closures, upvalues
                    if type(op) is FusedOp and op == 138:  # STRING, STRING, ... (fusion.py)
                        strings, costs, total, count = code[ip + 1]
                        if ops + count - 1 < check_at and mem_used + total <= mem_limit:
                            stack.extend(strings)
                            mem.extend(costs)
                            mem_used += total  # each push only adds: the last one is the peak
                            if mem_used > peak:
                                peak = mem_used
                            ops += count - 1
                            ip += 2 * count
                        else:  # the first STRING alone; the others follow as they are
                            mem_used, peak = self.push_alone(strings[0], costs[0], mem_used, peak)
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                            ip += 2
                    elif type(op) is FusedOp and op == 140:  # GET_LOCAL, STRING key, GET_PROPERTY: `local.key`
                        slot = base + code[ip + 1]
                        obj = stack[slot] if slot < len(stack) else None
                        value = _ABSENT
                        if type(obj) is dict and ops + 2 < check_at:
                            key = code[ip + 3]
                            obj_cost = mem[slot]
                            if mutated:
                                obj_cost = self.container_cost(obj)
                            top = mem_used + obj_cost + UNIT + (len(key) if key.isascii() else value_cost(key) - UNIT)
                            value = obj.get(key)
                            kind = type(value)
                            if value is None or kind is int or kind is float or kind is bool:
                                cost = UNIT
                            elif kind is str and value.isascii():
                                cost = UNIT + len(value)
                            else:
                                cost = self.cost(value)
                            if top > mem_limit or mem_used + cost > mem_limit:
                                value = _ABSENT  # the ops one by one raise at the right one
                        if value is _ABSENT:  # the GET_LOCAL alone; the other two follow as they are
                            value = stack[slot]
                            cost = self.cost(value) if mutated else mem[slot]  # (as GET_LOCAL does)
                            mem_used, peak = self.push_alone(value, cost, mem_used, peak)
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                            ip += 2
                            continue
                        if top > peak:
                            peak = top
                        mem_used += cost
                        if mem_used > peak:
                            peak = mem_used
                        push(value)
                        mpush(cost)
                        ops += 2
                        ip += 5
                    elif type(op) is FusedOp and op == 139:  # STRING names, GET_GLOBAL: a constant global chain
                        names, names_cost, count = code[ip + 1]
                        value = _ABSENT
                        if frame.chunk == "root" and ops + count < check_at:
                            value = globals_.get(names[0], _ABSENT)
                            index = 1
                            while index < count and value is not None and value is not _ABSENT:
                                value = value.get(names[index]) if type(value) is dict else _ABSENT
                                index += 1
                            kind = type(value)
                            if kind is str or value is None or kind is bool or kind is float or (kind is int and _MIN <= value <= _MAX):
                                cost = UNIT + len(value) if kind is str and value.isascii() else value_cost(value)
                            elif kind is dict or kind is list:
                                if len(cost_cache[1]) > 100_000:  # bound the cache, as container_cost does
                                    self.forget_all_costs()
                                try:
                                    value, cost = plain_from_json_with_cost(value, cost_cache)
                                except NotPlain:
                                    value = _ABSENT
                            else:
                                value = _ABSENT
                            if value is not _ABSENT and max(names_cost, cost) + mem_used > mem_limit:
                                value = _ABSENT  # the ops one by one raise at the right one
                        if value is _ABSENT:  # the first STRING alone; the others and GET_GLOBAL follow
                            mem_used, peak = self.push_alone(names[count - 1], value_cost(names[count - 1]),
                                                             mem_used, peak)
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                            ip += 2
                            continue
                        if mem_used + names_cost > peak:
                            peak = mem_used + names_cost
                        mem_used += cost
                        if mem_used > peak:
                            peak = mem_used
                        push(value)
                        mpush(cost)
                        ops += count
                        ip += 2 * count + 2
                    elif type(op) is FusedOp:  # GET_LOCAL a / INTEGER a, then GET_LOCAL b, then an operator
                        if op == 136:
                            slot_a = base + code[ip + 1]
                            right = stack[slot_a] if slot_a < len(stack) else None
                        else:
                            slot_a = -1
                            right = code[ip + 1]
                        slot_b = base + code[ip + 3]
                        rt = type(right)
                        if slot_b < len(stack) and (rt is int or rt is float) and ops + 2 < check_at:
                            left = stack[slot_b]
                            lt = type(left)
                            if lt is int or lt is float:
                                # Two numbers cost 8 each; a slot's own figure only while no write
                                # could have left it stale (see _RECOSTED).
                                top = (mem_used + (mem[slot_a] if op == 136 and not mutated else UNIT)
                                       + (UNIT if mutated else mem[slot_b]))
                                if top <= mem_limit:
                                    # The two pushes and the operator, as the three ops would do them.
                                    operator = code[ip + 4]
                                    if operator == 6:
                                        value = left + right
                                    elif operator == 8:
                                        value = left * right
                                    elif operator == 7:
                                        value = left - right
                                    elif operator == 15:
                                        value = left < right
                                    elif operator == 16:
                                        value = left <= right
                                    elif operator == 11:
                                        value = left == right
                                    elif operator == 12:
                                        value = left != right
                                    elif operator == 13:
                                        value = left > right
                                    else:
                                        value = left >= right
                                    if type(value) is int and (value > _MAX or value < _MIN):
                                        value = js_int(value)
                                    if top > peak:
                                        peak = top
                                    ops += 2
                                    ip += 5
                                    if operator >= 11 and code[ip] == 40 and ops + 1 < check_at:
                                        # ... and the JUMP_IF_FALSE after a comparison (a loop test).
                                        ops += 1
                                        ip += 2 if value else 2 + code[ip + 1]
                                        if ip < 0:
                                            raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": undefined')
                                        continue
                                    push(value)
                                    mpush(UNIT)
                                    mem_used += UNIT
                                    continue
                        # Not the plain-number case: run the first op as it was; the other two follow.
                        if op == 136:
                            value = stack[slot_a]
                            cost = self.cost(value) if mutated else mem[slot_a]  # (as GET_LOCAL does)
                        else:
                            value = code[ip + 1]
                            cost = UNIT
                        mem_used, peak = self.push_alone(value, cost, mem_used, peak)
                        if peak > mem_limit:
                            raise self.memory_error(mem_used)
                        ip += 2
                    elif op == 45 or op == 48:  # GET_PROPERTY, GET_PROPERTY_NULLISH
                        key = pop()
                        mem_used -= mpop()
                        obj = stack[-1]
                        if type(obj) is dict and type(key) is str:
                            value = obj.get(key)
                        else:
                            value = get_property(obj, key)
                        stack[-1] = value
                        kind = type(value)
                        if value is None or kind is int or kind is float or kind is bool:
                            cost = UNIT
                        elif kind is str and value.isascii():
                            cost = UNIT + len(value)
                        else:
                            cost = self.cost(value)
                        mem_used += cost - mem[-1]
                        mem[-1] = cost
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 1
                    elif op == 54:  # CALL_LOCAL
                        if perf() > deadline:
                            self.check_time(ops)
                        closure = pop()
                        mem_used -= mpop()
                        if type(closure) is not Closure:
                            raise HogRuntimeError(f"Invalid closure: {js_json(closure)}")
                        callable_ = closure.callable
                        if type(callable_) is not Callable:
                            raise HogRuntimeError(f"Invalid callable: {js_json(callable_)}")
                        count = code[ip + 1]
                        if not isinstance(count, int) or count > len(stack):
                            raise HogRuntimeError("Not enough arguments on the stack")
                        if count > limits.max_args:
                            raise HogLimitError(limit_messages.TOO_MANY_ARGUMENTS)
                        kind = callable_.kind
                        if kind == "local":
                            arg_count = callable_.arg_count
                            if arg_count > count:
                                # Check the limit before padding: a huge argCount must not allocate first.
                                padding = arg_count - count
                                if mem_used + padding * UNIT > mem_limit:
                                    raise self.memory_error(mem_used + padding * UNIT)
                                if padding > limits.max_container_size:  # the memory limit may be off
                                    raise HogLimitError(limit_messages.TOO_MANY_ARGUMENTS)
                                stack.extend([None] * padding)
                                mem.extend([UNIT] * padding)
                                mem_used += padding * UNIT
                                if mem_used > peak:
                                    peak = mem_used
                                    if peak > mem_limit:
                                        raise self.memory_error(mem_used)
                            elif arg_count < count:
                                raise HogRuntimeError(f"Too many arguments. Passed {count}, expected {arg_count}")
                            frame.ip = ip + 2
                            same_chunk = callable_.chunk == frame.chunk
                            frame = Frame(callable_.ip, callable_.chunk, len(stack) - arg_count, arg_count, closure)
                            call_stack.append(frame)
                            if len(call_stack) > limits.max_call_depth:
                                raise HogLimitError(limit_messages.call_depth_message(limits))
                            if not same_chunk or frame.ip == 0:
                                code = self._enter(frame)
                            ip = frame.ip
                            base = frame.stack_start
                            continue
                        frame.ip = ip
                        mem_used, peak, frame, code, ip = self.call_value(
                            closure, count, frame, code, ip, mem_used, peak, ops
                        )
                        base = frame.stack_start
                    elif op == 55:  # GET_UPVALUE
                        index = code[ip + 1]
                        ids = frame.closure.upvalues
                        upvalue = upvalues_by_id.get(ids[index]) if type(index) is int and 0 <= index < len(ids) else None
                        if upvalue is None:
                            upvalue = self._upvalue(frame, index)
                        if upvalue.closed:
                            value = upvalue.value
                            cost = self.cost(value)
                        else:
                            value = stack[upvalue.location]
                            cost = self.cost(value) if mutated else mem[upvalue.location]  # (as GET_LOCAL does)
                        push(value)
                        mpush(cost)
                        mem_used += cost
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 2
                    elif op == 47:  # JUMP_IF_STACK_NOT_NULL
                        if stack and stack[-1] is not None:
                            ip += 2 + code[ip + 1]
                            if ip < 0:
                                raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": undefined')
                        else:
                            ip += 2
                    elif (op == 42 or op == 43) and type(code[ip + 1]) is int and 0 <= code[ip + 1] * (2 if op == 42 else 1) <= len(stack):
                        # DICT / ARRAY: a new container costs 8 plus its elements' slot costs (no re-walk).
                        width = code[ip + 1] * (2 if op == 42 else 1)
                        start = len(stack) - width
                        cost = UNIT + sum(mem[start:])
                        if op == 43:
                            value = stack[start:]
                        else:
                            value = {}
                            try:
                                for index in range(start, start + width, 2):
                                    key = stack[index]
                                    value[key] = stack[index + 1]
                                    if type(key) is str and key[:1].isdigit():
                                        self.maybe_unordered = True
                            except TypeError:
                                raise HogRuntimeError("Dict keys must be strings, numbers, booleans or null") from None
                        mem_used += UNIT  # the elements' slots go, the container's cost (8 + theirs) comes
                        del stack[start:]
                        del mem[start:]
                        push(value)
                        mpush(cost)
                        if mem_used > peak:
                            peak = mem_used
                            if peak > mem_limit:
                                raise self.memory_error(mem_used)
                        ip += 2
                    else:
                        frame, code, ip, mem_used, peak, mutated = self.run_cold_op(op, frame, code, ip, mem_used, peak, ops, mutated)
                        base = frame.stack_start
        except (Paused, _Finished):
            raise
        except BaseException as error:
            self.mem_used, self.max_mem_used, self.ops, self.mutated = mem_used, peak, ops, mutated
            frame.ip = ip
            return self.handle_error(error, frame, code, ip, op)

    def push_alone(self, value: Any, cost: int, mem_used: int, peak: int) -> tuple[int, int]:
        """A superinstruction's first op run alone (its fallback): push `value` at `cost` with the
        loop's memory figures, which come back updated. The caller checks the limit (`peak` over it),
        so that the figures it writes back on the error are the ones after the push."""
        self.stack.append(value)
        self.mem.append(cost)
        mem_used += cost
        return mem_used, (mem_used if mem_used > peak else peak)

    def run_cold_op(self, op: Any, frame: Frame, code: list[Any], ip: int, mem_used: int, peak: int, ops: int,
                    mutated: bool) -> tuple[Frame, list[Any], int, int, int, bool]:
        """An op outside the loop's inline paths: the loop's locals go to `self` and come back."""
        if op == 46:  # SET_PROPERTY: from now on, container reads are re-costed
            mutated = True
        self.mem_used, self.max_mem_used, self.ops, self.mutated = mem_used, peak, ops, mutated
        frame.ip = ip
        frame, code, ip = self.cold_op(op, frame, code, ip)
        return frame, code, ip, self.mem_used, self.max_mem_used, self.mutated

    # -------------------------------------------------------------------------------------------

    def handle_error(self, error: BaseException, frame: Frame, code: list[Any], ip: int, op: Any) -> Any:
        if isinstance(error, IndexError) and not isinstance(error, HogliteError):
            if ip >= len(code):
                return self.implicit_return(frame)
            width = _OPERANDS.get(op, 0) if isinstance(op, int) else 0
            if op == 53 and ip + 1 < len(code) and isinstance(code[ip + 1], int):
                width = 1 + 2 * code[ip + 1]
            if ip + width >= len(code):
                error = HogRuntimeError("Unexpected end of bytecode")
            elif not self.stack:
                error = HogRuntimeError(EMPTY_STACK)
            else:
                error = HogRuntimeError("Stack underflow")
        elif isinstance(error, (_Continue, KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise error
        elif isinstance(error, TypeError) and (not isinstance(op, (int, float)) or isinstance(op, bool)):
            # A non-number in op position failed an ordering test in the hot loop.
            if op is None:
                raise _Continue(frame, code, ip + 1) from None  # JSON null: a no-op, as in the oracle
            shown = "true" if op is True else "false" if op is False else to_js_string(op)
            error = HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": {shown}')
        elif isinstance(error, RecursionError):
            error = HogLimitError("Value nested too deeply")
        elif isinstance(error, MemoryError):
            error = HogLimitError(limit_messages.memory_message(int(self._mem_limit), self.mem_used))
        elif not isinstance(error, HogliteError):
            where = f" in {code[ip + 1]}()" if op == 2 and ip + 1 < len(code) else ""
            error = HogRuntimeError(f"Error{where}: {type(error).__name__}: {error}")
        if isinstance(error, HogliteError) and error.span is None:
            error.span = self.error_span(ip)
        self.sync_duration_ms = self._elapsed_ms()
        raise error

    def implicit_return(self, frame: Frame) -> Any:
        """Ran off the end of a chunk: finish the run (root) or return null to the caller."""
        call_stack = self.call_stack
        finished_frame = call_stack.pop()
        if not call_stack:
            call_stack.append(finished_frame)
            if self.stack:
                self.mem_used -= self.mem.pop()
                value = self.stack.pop()
            else:
                value = None
            raise _Finished(value)
        self.mem_used = self.cut(finished_frame.stack_start, self.mem_used)
        while self.throw_stack and self.throw_stack[-1][0] > len(call_stack):
            self.throw_stack.pop()
        self.push_value(None, UNIT)
        caller = call_stack[-1]
        code = self._enter(caller)
        raise _Continue(caller, code, caller.ip)

