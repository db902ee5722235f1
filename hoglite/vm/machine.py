"""The dispatch loop: runs `_H` (and legacy `_h`) bytecode with PostHog's semantics.

Design notes (why it looks like this):
- One flat loop, hot ops first in an `if` chain, the VM's hot state in local variables. Hog calls push
  a `Frame` on our own call stack; Python never recurses, so deep Hog recursion ends in the call-depth
  limit, never a RecursionError.
- Memory follows PostHog's per-slot estimate (§3.3) with a parallel list of slot costs: a value's
  cost is computed once when it is made (constants, containers from their slots' costs, results of
  built-ins); reading a local reuses the slot's cost. Only after the program has mutated a container
  in place (SET_PROPERTY) are container reads re-costed, which is what PostHog does on every push.
- Running off the end of a chunk surfaces as an IndexError on the op read, handled outside the hot
  loop (implicit return), so the loop needs no per-op bounds check.
- Errors raised by ops become `HogRuntimeError` with the span of the failing op (from the compiler's
  source map); sandbox limits raise `HogLimitError`. Neither can be caught by Hog code: only THROW of
  a Hog error value reaches a catch block.
"""

from __future__ import annotations

import time
from bisect import insort
from typing import Any

from hoglite.errors import HogLimitError, HogliteError, HogRuntimeError
from hoglite.source import Span
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm import limits as limit_messages
from hoglite.vm.frames import Frame, UpValue, frame_closure, root_closure
from hoglite.vm.limits import Limits
from hoglite.vm.memory import UNIT, value_cost
from hoglite.vm.operators import (
    add,
    compare,
    equals,
    js_int,
    subtract,
    to_js_string,
)
from hoglite.vm.properties import get_property, walk_global
from hoglite.vm.values import (
    MAX_SAFE_INTEGER,
    Callable,
    Closure,
    ValueConversionError,
    from_json_value,
    is_truthy,
    to_json_value,
)

# Async built-ins (PostHog's ASYNC_STL): calling them pauses the run like a host async function.
ASYNC_STL: dict[str, tuple[int, int]] = {"sleep": (1, 1)}

_CONTAINERS = (list, dict, tuple)
_MAX = MAX_SAFE_INTEGER
_MIN = -MAX_SAFE_INTEGER
EMPTY_STACK = "Invalid HogQL bytecode, stack is empty, can not pop"

# Operands per op (CLOSURE: 1 + 2n), used only to tell "ran off the end mid-op" from other errors.
_OPERANDS = {1: 1, 2: 2, 3: 1, 4: 1, 32: 1, 33: 1, 34: 1, 36: 1, 37: 1, 39: 1, 40: 1, 41: 3, 42: 1, 43: 1,
             44: 1, 47: 1, 50: 1, 52: 4, 53: 1, 54: 1, 55: 1, 56: 1}

# Resolution kinds for CALL_GLOBAL (cached per name and run).
_IMPORT, _HOST, _ASYNC, _NATIVE, _BYTECODE, _UNKNOWN = range(6)


def bytecode_stl(name: str) -> tuple[list[str], list[Any]] | None:
    """The Hog-written built-in `name` as (params, bytecode), if the compiler's table has it."""
    try:
        from hoglite.stl.bytecode import get_bytecode_stl
    except ImportError:
        return None
    return get_bytecode_stl(name)


def js_json(value: Any) -> str:
    """JSON.stringify as the oracle shows values in error messages (a Map shows as `{}`)."""
    import json

    def plain(item: Any, depth: int = 0) -> Any:
        if depth > 50:
            return None
        if type(item) is dict:
            return {}
        if isinstance(item, (list, tuple)):
            return [plain(x, depth + 1) for x in item]
        return to_json_value(item)

    try:
        return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return "null"


class Paused(Exception):
    """Raised inside the loop when the program calls an async function; caught by `run`."""

    def __init__(self, name: str, args: list[Any]) -> None:
        super().__init__(name)
        self.name = name
        self.args = args


class VM:
    """One run (or one resumed continuation) of a program. Use `hoglite.vm.execute`/`resume`."""

    def __init__(
        self,
        bytecodes: dict[str, dict[str, Any]],
        *,
        globals: dict[str, Any] | None = None,
        functions: dict[str, Any] | None = None,
        async_functions: set[str] | frozenset[str] | None = None,
        limits: Limits | None = None,
        context: Any = None,
        source_map: dict[int, Span] | None = None,
        disallowed: set[str] | None = None,
    ) -> None:
        self.bytecodes = bytecodes
        root = bytecodes["root"]["bytecode"]
        if not isinstance(root, list) or not root or root[0] not in ("_H", "_h"):
            raise HogRuntimeError("Invalid HogQL bytecode, must start with '_H'")
        self.version = (root[1] if len(root) > 1 and isinstance(root[1], int) else 0) if root[0] == "_H" else 0
        root_globals = bytecodes["root"].get("globals")
        self.globals = {**root_globals, **(globals or {})} if root_globals else (globals or {})
        self.functions = functions or {}
        self.async_functions = frozenset(async_functions or ())
        self.limits = limits or Limits()
        self.context = context
        self.source_map = source_map
        self.disallowed = frozenset(disallowed or ())
        # Machine state (replaced wholesale by state.restore for a resumed run).
        self.stack: list[Any] = []
        self.mem: list[int] = []
        self.mem_used = 0
        self.max_mem_used = 0
        self.call_stack: list[Frame] = []
        self.throw_stack: list[tuple[int, int, int]] = []
        self.upvalues: list[UpValue] = []  # every upvalue of the run, in creation order
        self.upvalues_by_id: dict[int, UpValue] = {}
        self.open_upvalues: list[UpValue] = []  # the open ones, sorted by location
        self.declared_functions: dict[str, list[int]] = {}
        self.ops = 0
        self.async_steps = 0
        self.sync_duration_ms = 0.0
        self.mutated = False
        # Container costs between walks (see container_cost); `cost_keep` keeps their ids unique.
        self.cost_memo: dict[int, int] = {}
        self.cost_keep: list[Any] = []
        self._chunks: dict[str, list[Any]] = {"root": root}
        self._call_cache: dict[str, tuple[int, Any]] = {}
        self._started = 0.0
        mem_limit = self.limits.memory_bytes
        self._mem_limit = mem_limit if mem_limit and mem_limit > 0 else float("inf")

    # -------------------------------------------------------------------------------------------
    # Setup helpers

    def start_root(self) -> None:
        self.call_stack.append(Frame(0, "root", 0, 0, root_closure()))

    def chunk_code(self, chunk: str) -> list[Any]:
        code = self._chunks.get(chunk)
        if code is not None:
            return code
        if chunk.startswith("stl/"):
            found = bytecode_stl(chunk[4:])
            if found is not None:
                code = found[1]
        elif chunk in self.bytecodes and isinstance(self.bytecodes[chunk], dict):
            code = self.bytecodes[chunk].get("bytecode")
        if not isinstance(code, list):
            raise HogRuntimeError(f"Unknown chunk: {chunk}")
        self._chunks[chunk] = code
        return code

    def chunk_globals(self, chunk: str) -> dict[str, Any]:
        if chunk == "root" or not chunk:
            return self.globals
        if chunk.startswith("stl/"):
            return {}
        entry = self.bytecodes.get(chunk)
        return (entry.get("globals") if isinstance(entry, dict) else None) or {}

    def _enter(self, frame: Frame) -> list[Any]:
        code = self.chunk_code(frame.chunk or "root")
        if frame.ip == 0 and code and code[0] in ("_H", "_h"):
            frame.ip = 2 if code[0] == "_H" else 1
        return code

    # -------------------------------------------------------------------------------------------
    # Checks

    def _elapsed_ms(self) -> float:
        return self.sync_duration_ms + (time.perf_counter() - self._started) * 1000.0

    def check_time(self, ops: int) -> None:
        if self._elapsed_ms() > self.limits.timeout_seconds * 1000.0:
            raise HogLimitError(limit_messages.timeout_message(self.limits, ops))

    def checkpoint(self, ops: int) -> int:
        """Every 32nd op (and at the op budget): check limits, return the op count of the next check."""
        max_ops = self.limits.max_ops
        if max_ops is not None and ops > max_ops:
            raise HogLimitError(limit_messages.op_budget_message(self.limits))
        if ops & 31 == 0:
            self.check_time(ops)
        following = ((ops >> 5) + 1) << 5
        if max_ops is not None and max_ops + 1 < following:
            return max_ops + 1
        return following

    def container_cost(self, value: Any) -> int:
        """The memory estimate of a container, reusing costs of containers already walked.

        A cached cost stays valid because containers change only through SET_PROPERTY, which updates
        the cost of the container it writes to and forgets all others (they may contain it).
        """
        memo = self.cost_memo
        known = memo.get(id(value))
        if known is not None:
            return known
        if len(memo) > 50_000:
            memo.clear()
            self.cost_keep.clear()
        return value_cost(value, self._mem_limit, memo, self.cost_keep)

    def cost(self, value: Any) -> int:
        if isinstance(value, _CONTAINERS):
            return self.container_cost(value)
        return value_cost(value)

    def memory_error(self, used: int) -> HogLimitError:
        return HogLimitError(limit_messages.memory_message(int(self._mem_limit), used))

    # -------------------------------------------------------------------------------------------
    # Stack cuts and upvalues

    def cut(self, length: int, mem_used: int) -> int:
        """Cut the stack to `length` slots, closing upvalues that point at removed slots."""
        stack = self.stack
        if length < 0 or length > len(stack):
            raise HogRuntimeError("Stack underflow")
        open_upvalues = self.open_upvalues
        while open_upvalues and open_upvalues[-1].location >= length:
            upvalue = open_upvalues.pop()
            upvalue.closed = True
            upvalue.value = stack[upvalue.location] if upvalue.location < len(stack) else None
        mem = self.mem
        mem_used -= sum(mem[length:])
        del stack[length:]
        del mem[length:]
        return mem_used

    def capture(self, location: int) -> UpValue:
        # Reuse only an upvalue that is still open on this very slot: PostHog's VM also reuses closed
        # ones, so closures made at the same stack depth end up sharing variables (hog-language §11b).
        for upvalue in reversed(self.open_upvalues):
            if upvalue.location < location:
                break
            if upvalue.location == location:
                return upvalue
        upvalue = UpValue(len(self.upvalues) + 1, location)
        self.upvalues.append(upvalue)
        self.upvalues_by_id[upvalue.id] = upvalue
        insort(self.open_upvalues, upvalue, key=lambda item: item.location)
        return upvalue

    def _upvalue(self, frame: Frame, index: Any) -> UpValue:
        ids = frame.closure.upvalues
        if not isinstance(index, int) or index < 0 or index >= len(ids):
            raise HogRuntimeError(f"Invalid upvalue index: {index}")
        upvalue = self.upvalues_by_id.get(ids[index])
        if upvalue is None:
            raise HogRuntimeError("Invalid upvalue: undefined")
        return upvalue

    def take_args(self, count: int, mem_used: int) -> tuple[list[Any], int]:
        """Remove the top `count` slots as call arguments (in argument order)."""
        stack = self.stack
        start = len(stack) - count
        if self.version == 0:
            args = stack[start:][::-1]
            mem_used -= sum(self.mem[start:])
            del stack[start:]
            del self.mem[start:]
            return args, mem_used
        args = stack[start:]
        return args, self.cut(start, mem_used)

    # -------------------------------------------------------------------------------------------
    # Name resolution

    def resolve_global_call(self, name: str) -> tuple[int, Any]:
        cached = self._call_cache.get(name)
        if cached is not None:
            return cached
        if name == "import":
            found: tuple[int, Any] = (_IMPORT, None)
        elif name in self.functions and self.functions[name]:
            found = (_HOST, self.functions[name])
        elif name != "toString" and (name in self.async_functions or (name in ASYNC_STL and name not in self.disallowed)):
            found = (_ASYNC, None)
        elif name in NATIVE_FUNCTIONS and name not in self.disallowed:
            found = (_NATIVE, NATIVE_FUNCTIONS[name])
        else:
            stl = None if name in self.disallowed else bytecode_stl(name)
            found = (_BYTECODE, stl) if stl is not None else (_UNKNOWN, None)
        self._call_cache[name] = found
        return found

    def global_value(self, chain: list[Any], chunk: str) -> Any:
        """GET_GLOBAL: a host global (deep-copied), else a function as a value (§4.7)."""
        root = chain[0]
        globals_ = self.chunk_globals(chunk)
        try:
            present = root in globals_
        except TypeError:
            present = False
        if present:
            try:
                return from_json_value(walk_global(globals_[root], chain[1:]))
            except ValueConversionError as error:
                raise HogRuntimeError(f"Global {to_js_string(root)}: {error}") from None
        if len(chain) == 1 and isinstance(root, str):
            if root in self.async_functions:
                return Closure(Callable("async", root, 0, 0, -1, "async"))
            if root in ASYNC_STL and root not in self.disallowed:
                return Closure(Callable("async", root, ASYNC_STL[root][1], 0, -1, "async"))
            if root in self.functions and self.functions[root]:
                return Closure(Callable("stl", root, 0, 0, -1, "stl"))
            if root not in self.disallowed:
                native = NATIVE_FUNCTIONS.get(root)
                if native is not None:
                    return Closure(Callable("stl", root, native.max_args or 0, 0, -1, "stl"))
                stl = bytecode_stl(root)
                if stl is not None:
                    return Closure(Callable("stl", root, len(stl[0]), 0, 0, f"stl/{root}"))
        names = ".".join("" if key is None else to_js_string(key) for key in chain)
        raise HogRuntimeError(f"Global variable not found: {names}")

    # -------------------------------------------------------------------------------------------
    # Calls into Python

    def call_native(self, name: str, native: Any, args: list[Any]) -> Any:
        return native.impl(args, self.context)

    def call_host(self, name: str, function: Any, args: list[Any]) -> Any:
        result = function(args, self.context)
        try:
            return from_json_value(result)
        except ValueConversionError as error:
            raise HogRuntimeError(f"Host function {name} returned an unsupported value: {error}") from None

    # -------------------------------------------------------------------------------------------
    # Error positions

    def span_at(self, ip: int, exact: bool) -> Span | None:
        """The source span of the op at `ip` (or, for a return address, of the call before it)."""
        source_map = self.source_map
        if not source_map:
            return None
        if exact and ip in source_map:
            return source_map[ip]
        best = -1
        after = None
        for index in source_map:
            if index <= ip if exact else index < ip:
                if index > best:
                    best = index
            elif exact and (after is None or index < after):
                after = index
        if best >= 0:
            return source_map[best]
        # Nothing mapped before this op (a loop head, say): the next mapped op is the closest position.
        return source_map.get(after) if after is not None else None

    def error_span(self, ip: int) -> Span | None:
        frames = self.call_stack
        if not frames:
            return None
        if (frames[-1].chunk or "root") == "root":
            return self.span_at(ip, True)
        for frame in reversed(frames[:-1]):
            if (frame.chunk or "root") == "root":
                return self.span_at(frame.ip, False)
        return None

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
                return "paused", pause
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
        # The time check at calls, reduced to one clock read and a compare (check_time has the rule).
        deadline = self._started + (limits.timeout_seconds * 1000.0 - self.sync_duration_ms) / 1000.0
        op: Any = None
        try:
            while True:
                op = code[ip]
                ops += 1
                if ops >= check_at:
                    check_at = self.checkpoint(ops)

                if op == 36:  # GET_LOCAL
                    slot = base + code[ip + 1]
                    value = stack[slot]
                    push(value)
                    cost = mem[slot]
                    if mutated and type(value) in _CONTAINERS:
                        cost = self.container_cost(value)
                    mpush(cost)
                    mem_used += cost
                    if mem_used > peak:
                        peak = mem_used
                        if peak > mem_limit:
                            raise self.memory_error(mem_used)
                    ip += 2
                elif op == 33:  # INTEGER
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
                elif op == 6:  # PLUS
                    left = pop()
                    right = stack[-1]
                    if type(left) is int and type(right) is int:
                        value = left + right
                        if value > _MAX or value < _MIN:
                            value = js_int(value)
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
                    if lt is int and type(right) is int:
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
                    stack[-1] = value
                    mem_used -= mpop() + mem[-1] - UNIT
                    mem[-1] = UNIT
                    ip += 1
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
                elif op == 2:  # CALL_GLOBAL
                    if perf() > deadline:
                        self.check_time(ops)
                    name = code[ip + 1]
                    count = code[ip + 2]
                    declared = self.declared_functions.get(name) if self.declared_functions else None
                    if declared is not None and name != "toString":
                        function_ip, arg_count = declared
                        frame.ip = ip + 3
                        for _ in range(count, arg_count):
                            push(None)
                            mpush(UNIT)
                            mem_used += UNIT
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
                    kind, target = self.resolve_global_call(name)
                    if kind == _NATIVE:
                        if count < target.min_args:
                            raise HogRuntimeError(f"Function {name} requires at least {target.min_args} arguments")
                        if target.max_args is not None and count > target.max_args:
                            raise HogRuntimeError(f"Function {name} requires at most {target.max_args} arguments")
                        args, mem_used = self.take_args(count, mem_used)
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
                            for _ in range(count, arg_count):
                                push(None)
                                mpush(UNIT)
                                mem_used += UNIT
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
                        cost = mem[upvalue.location]
                        if mutated and type(value) in _CONTAINERS:
                            cost = self.container_cost(value)
                    push(value)
                    mpush(cost)
                    mem_used += cost
                    if mem_used > peak:
                        peak = mem_used
                        if peak > mem_limit:
                            raise self.memory_error(mem_used)
                    ip += 2
                elif op == 7:  # MINUS
                    left = pop()
                    right = stack[-1]
                    if type(left) is int and type(right) is int:
                        value = left - right
                        if value > _MAX or value < _MIN:
                            value = js_int(value)
                    else:
                        value = subtract(left, right)
                    stack[-1] = value
                    mem_used -= mpop() + mem[-1] - UNIT
                    mem[-1] = UNIT
                    ip += 1
                elif 29 <= op <= 31:  # TRUE, FALSE, NULL
                    push(True if op == 29 else False if op == 30 else None)
                    mpush(UNIT)
                    mem_used += UNIT
                    if mem_used > peak:
                        peak = mem_used
                        if peak > mem_limit:
                            raise self.memory_error(mem_used)
                    ip += 1
                elif op == 5:  # NOT
                    stack[-1] = not is_truthy(stack[-1])
                    mem_used += UNIT - mem[-1]
                    mem[-1] = UNIT
                    ip += 1
                elif op == 47:  # JUMP_IF_STACK_NOT_NULL
                    if stack and stack[-1] is not None:
                        ip += 2 + code[ip + 1]
                        if ip < 0:
                            raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": undefined')
                    else:
                        ip += 2
                else:
                    if op == 46:  # SET_PROPERTY: from now on, container reads are re-costed
                        mutated = True
                    self.mem_used, self.max_mem_used, self.ops, self.mutated = mem_used, peak, ops, mutated
                    frame.ip = ip
                    frame, code, ip = self.cold_op(op, frame, code, ip)
                    mem_used, peak, mutated = self.mem_used, self.max_mem_used, self.mutated
                    base = frame.stack_start
        except (Paused, _Finished):
            raise
        except BaseException as error:
            self.mem_used, self.max_mem_used, self.ops, self.mutated = mem_used, peak, ops, mutated
            frame.ip = ip
            return self.handle_error(error, frame, code, ip, op)

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

    def push_value(self, value: Any, cost: int | None = None) -> None:
        if cost is None:
            cost = self.cost(value)
        self.stack.append(value)
        self.mem.append(cost)
        self.mem_used += cost
        if self.mem_used > self.max_mem_used:
            self.max_mem_used = self.mem_used
            if self.mem_used > self._mem_limit:
                raise self.memory_error(self.mem_used)

    def pop_value(self) -> Any:
        if not self.stack:
            raise HogRuntimeError(EMPTY_STACK)
        self.mem_used -= self.mem.pop()
        return self.stack.pop()

    def call_value(
        self, closure: Closure, count: int, frame: Frame, code: list[Any], ip: int, mem_used: int, peak: int, ops: int
    ) -> tuple[int, int, Frame, list[Any], int]:
        """CALL_LOCAL on a built-in or async function value (a `local` closure is handled inline)."""
        self.mem_used, self.max_mem_used = mem_used, peak
        callable_ = closure.callable
        name = callable_.name
        limits = self.limits
        if callable_.kind == "stl":
            function = self.functions.get(name) if isinstance(name, str) else None
            native = NATIVE_FUNCTIONS.get(name) if isinstance(name, str) and name not in self.disallowed else None
            if function:
                args, self.mem_used = self.take_args(count, self.mem_used)
                self.push_value(self.call_host(name, function, args))
            elif native is not None:
                if count < native.min_args:
                    raise HogRuntimeError(f"Function {name} requires at least {native.min_args} arguments")
                if native.max_args is not None and count > native.max_args:
                    raise HogRuntimeError(f"Function {name} requires at most {native.max_args} arguments")
                args, self.mem_used = self.take_args(count, self.mem_used)
                if native.max_args is not None and len(args) < native.max_args:
                    args.extend([None] * (native.max_args - len(args)))
                self.push_value(native.impl(args, self.context))
            else:
                stl = bytecode_stl(name) if isinstance(name, str) and name not in self.disallowed else None
                if stl is None:
                    raise HogRuntimeError(f"Unsupported function call: {name}")
                if len(stl[0]) != count:
                    raise HogRuntimeError(f"Function {name} requires exactly {len(stl[0])} arguments")
                frame.ip = ip + 2
                chunk = f"stl/{name}"
                frame = Frame(0, chunk, len(self.stack) - count, count, frame_closure(name, count, 0, chunk, "stl"))
                self.call_stack.append(frame)
                if len(self.call_stack) > limits.max_call_depth:
                    raise HogLimitError(limit_messages.call_depth_message(limits))
                code = self._enter(frame)
                return self.mem_used, self.max_mem_used, frame, code, frame.ip
            return self.mem_used, self.max_mem_used, frame, code, ip + 2
        if callable_.kind == "async":
            if self.async_steps >= limits.max_async_steps:
                raise HogLimitError(limit_messages.async_steps_message(limits))
            args, self.mem_used = self.take_args(count, self.mem_used)
            frame.ip = ip + 2
            self.ops = ops
            self.async_steps += 1
            raise Paused(name, args)
        raise HogRuntimeError(f"Unsupported function call: {name}")

    def cold_op(self, op: Any, frame: Frame, code: list[Any], ip: int) -> tuple[Frame, list[Any], int]:
        """Every op outside the hot path. State is in `self`; returns where to continue."""
        handler = _COLD_OPS.get(op) if isinstance(op, int) and not isinstance(op, bool) else None
        if handler is None:
            if op is None:
                return frame, code, ip + 1  # the TypeScript VM treats a JSON null op as a no-op
            shown = to_js_string(op) if not isinstance(op, str) else op
            raise HogRuntimeError(f'Unexpected node while running bytecode in chunk "{frame.chunk}": {shown}')
        return handler(self, frame, code, ip)


class _Continue(Exception):
    def __init__(self, frame: Frame, code: list[Any], ip: int) -> None:
        super().__init__()
        self.frame, self.code, self.ip = frame, code, ip


class _Finished(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


_ORDERING = {13: ">", 14: ">=", 15: "<", 16: "<="}

# Registered by hoglite.vm.cold_ops (kept in its own module so this one stays readable).
_COLD_OPS: dict[int, Any] = {}
