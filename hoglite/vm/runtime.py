"""The VM's machinery around the dispatch loop: setup, limit checks, stack cuts, upvalues, name
resolution, calls into Python and error positions. `machine.VM` adds the loop itself.

Everything here works on the state held in `self`; the loop keeps copies of the hot parts in local
variables and writes them back before calling in (see machine.py).
"""

from __future__ import annotations

import json
import math
import time
from bisect import insort
from typing import Any

from hoglite.errors import HogLimitError, HogRuntimeError
from hoglite.source import Span
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm import limits as limit_messages
from hoglite.vm import plain
from hoglite.vm.frames import Frame, UpValue, root_closure
from hoglite.vm.fusion import fused
from hoglite.vm.limits import Limits
from hoglite.vm.memory import CYCLE, value_cost
from hoglite.vm.operators import to_js_string
from hoglite.vm.properties import walk_global
from hoglite.vm.validate import validate_chunk
from hoglite.vm.values import (
    MAX_SAFE_INTEGER,
    Callable,
    Closure,
    HogErrorValue,
    ValueConversionError,
    format_number,
    from_json_value,
)

# Async built-ins (PostHog's ASYNC_STL): calling them pauses the run like a host async function.
ASYNC_STL: dict[str, tuple[int, int]] = {"sleep": (1, 1)}

_CONTAINERS = (list, dict, tuple)
# Once `mutated` is set a slot's cost can be stale: a container changed in place, or a slot written
# through an open upvalue (SET_UPVALUE keeps the slot's old cost, as PostHog's VM does, so a slot that
# held a dict may now hold `false` at the dict's cost). Reads then cost the value afresh, as PostHog
# does on every push: containers through the cost cache, strings by length, other values directly.
_RECOSTED = (list, dict, tuple, str)
_MAX = MAX_SAFE_INTEGER
_MIN = -MAX_SAFE_INTEGER
# container_cost walks containers of at most _SMALL entries (and _SMALL_BUDGET in all, nested ones
# included) directly instead of through the cost cache.
_SMALL = 32
_SMALL_BUDGET = 64
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
    """JSON.stringify of a value as PostHog's VM holds it, for error messages (`Invalid closure: ...`).

    A dict is a JavaScript Map there (`{}`), a tuple an array, numbers print as JavaScript prints them
    (-0 as `0`, NaN/Infinity as `null`); errors, dates and functions are plain objects with their
    marker keys (an error's payload key is absent when it was never given, which is the common case).
    """

    def encode(item: Any, depth: int) -> str:
        kind = type(item)
        if item is None or depth > 100:
            return "null"
        if kind is bool:
            return "true" if item else "false"
        if kind is str:
            return json.dumps(item, ensure_ascii=False)
        if kind is int or kind is float:
            return format_number(item + 0) if math.isfinite(item) else "null"
        if kind is dict:
            return "{}"
        if isinstance(item, (list, tuple)):
            return "[" + ",".join(encode(child, depth + 1) for child in item) + "]"
        if isinstance(item, HogErrorValue):
            fields = {"__hogError__": True, "type": item.get("type"), "message": item.get("message")}
            if item.get("payload") is not None:
                fields["payload"] = item.get("payload")
            return encode_object(fields, depth)
        if isinstance(item, dict):  # dates: plain objects
            return encode_object(item, depth)
        if isinstance(item, Closure):
            return (f'{{"__hogClosure__":true,"callable":{encode(item.callable, depth + 1)},'
                    f'"upvalues":{json.dumps(item.upvalues, separators=(",", ":"))}}}')
        if isinstance(item, Callable):  # the key order of PostHog's callable objects
            fields = {"__hogCallable__": item.kind, "name": item.name, "chunk": item.chunk,
                      "argCount": item.arg_count, "upvalueCount": item.upvalue_count, "ip": item.ip}
            return encode_object(fields, depth)
        return "null"

    def encode_object(fields: dict, depth: int) -> str:
        parts = (f"{json.dumps(str(key), ensure_ascii=False)}:{encode(child, depth + 1)}" for key, child in fields.items())
        return "{" + ",".join(parts) + "}"

    return encode(value, 0)


class Paused(Exception):
    """Raised inside the loop when the program calls an async function; caught by `run`."""

    def __init__(self, name: str, args: list[Any]) -> None:
        super().__init__(name)
        self.name = name
        self.args = args


class Runtime:
    """The state of one run and every operation on it except the dispatch loop."""

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
        entry = bytecodes.get("root") if isinstance(bytecodes, dict) else None
        root = entry.get("bytecode") if isinstance(entry, dict) else None
        if not isinstance(root, list) or not root or root[0] not in ("_H", "_h"):
            raise HogRuntimeError("Invalid HogQL bytecode, must start with '_H'")
        self.version = (root[1] if len(root) > 1 and isinstance(root[1], int) else 0) if root[0] == "_H" else 0
        self.configure(globals=globals, functions=functions, async_functions=async_functions, limits=limits,
                       context=context, source_map=source_map, disallowed=disallowed)
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
        # Whether a dict may hold an index-like key ('0', '12') after other keys, which a JSON state
        # would move to the front: set by the ops that make or extend dicts with such keys (host
        # data and built-ins already come in JavaScript's order). While it is unset, a pause needs
        # no reordering (state.transplant_state).
        self.maybe_unordered = False
        self.reset_costs()
        # Every chunk is checked once per run before it runs (validate.py), so the loop can trust it.
        checked = validate_chunk(root, "root")
        self._chunks: dict[str, list[Any]] = {"root": fused(checked) if checked is root else checked}
        self._started = 0.0

    def configure(self, *, globals: dict[str, Any] | None, functions: dict[str, Any] | None,
                  async_functions: set[str] | frozenset[str] | None, limits: Limits | None, context: Any,
                  source_map: dict[int, Span] | None, disallowed: set[str] | None) -> None:
        """Take the run's options: at creation, and again when a paused VM of this process goes on
        (api.resume_call), where the options may differ from the first run's."""
        entry = self.bytecodes["root"]
        root_globals = entry.get("globals")
        if root_globals is not None and not isinstance(root_globals, dict):
            raise HogRuntimeError("Invalid HogQL bytecode: the root chunk's globals must be an object")
        self.globals = {**root_globals, **(globals or {})} if root_globals else (globals or {})
        self.functions = functions or {}
        self.async_functions = frozenset(async_functions or ())
        self.limits = limits or Limits()
        self.context = context
        self.source_map = source_map
        self.disallowed = frozenset(disallowed or ())
        # Name resolutions (resolve_global_call) stay valid while the names they depend on do: a paused
        # VM going on with the same functions keeps them.
        call_key = (tuple(self.functions.items()), self.async_functions, self.disallowed)
        if getattr(self, "_call_key", None) != call_key:
            self._call_cache: dict[str, tuple[int, Any]] = {}
            self._call_key = call_key
        mem_limit = self.limits.memory_bytes
        self._mem_limit = mem_limit if mem_limit and mem_limit > 0 else float("inf")

    def reset_costs(self) -> None:
        """Forget every cached container cost, as a new run starts with none."""
        # Container costs between walks (see container_cost); `cost_keep` keeps their ids unique.
        self.cost_memo: dict[int, int] = {}
        self.cost_keep: list[Any] = []
        # Child container id -> ids of the containers it was found in (memory.value_cost's `holders`).
        self.cost_holders: dict[int, set[int]] = {}
        # Set for good once the containers may form a cycle: SET_PROPERTY then forgets every cached cost.
        self.cost_cyclic = False

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
        if chunk.startswith("stl/"):  # the built-ins are our own compiled code
            code = fused(code)
        else:
            checked = validate_chunk(code, chunk)
            code = fused(checked) if checked is code else checked
        self._chunks[chunk] = code
        return code

    def chunk_globals(self, chunk: str) -> dict[str, Any]:
        if chunk == "root" or not chunk:
            return self.globals
        if chunk.startswith("stl/"):
            return {}
        entry = self.bytecodes.get(chunk)
        found = entry.get("globals") if isinstance(entry, dict) else None
        return found if isinstance(found, dict) else {}

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
        the cost of the container it writes to and forgets the cached costs of every container that
        (transitively) holds it (forget_costs).
        """
        if self.cost_cyclic or CYCLE in self.cost_holders:
            # Inside a cycle a container's cost depends on where the walk entered it, as PostHog's
            # path-marking walk counts a container met again on the path as 8: every read walks afresh.
            return value_cost(value, self._mem_limit)
        memo = self.cost_memo
        known = memo.get(id(value))
        if known is not None:
            return known
        if len(memo) > 50_000 or len(self.cost_keep) > 200_000 or len(self.cost_holders) > 200_000:
            self.forget_all_costs()
        if len(value) <= _SMALL:
            # Small plain trees: the recursive walk, caching exactly what the general walk would.
            try:
                return plain.cost_cached(value, _SMALL_BUDGET, memo, self.cost_keep, self.cost_holders)
            except plain.NotPlain:
                pass
        return value_cost(value, self._mem_limit, memo, self.cost_keep, self.cost_holders)

    def forget_all_costs(self) -> None:
        self.cost_memo.clear()
        self.cost_keep.clear()
        self.cost_holders.clear()

    def forget_costs(self, changed: Any) -> None:
        """Forget the cached cost of every container known to hold `changed`, transitively.

        Every cached cost was computed by a walk that recorded its container edges in `cost_holders`
        (or set by SET_PROPERTY, which records the edge it creates: note_holder), so this reaches every
        cost that includes `changed`; stale edges only make it forget more than needed. The cost of
        `changed` itself is the caller's business.

        Without cycles a container's cost does not depend on the walk that computed it, so the kept
        costs are what a fresh walk would find. Inside a cycle it does (the walk counts the container
        it re-enters as 8), so once a cycle may exist every cached cost is forgotten, as before.
        """
        holders = self.cost_holders
        if self.cost_cyclic or CYCLE in holders:
            self.cost_cyclic = True
            self.forget_all_costs()
            return
        first = holders.get(id(changed))
        if not first:
            return
        memo = self.cost_memo
        todo = list(first)
        seen: set[int] = set()
        while todo:
            holder = todo.pop()
            if holder in seen:
                continue
            seen.add(holder)
            memo.pop(holder, None)
            above = holders.get(holder)
            if above:
                todo.extend(above)

    def note_holder(self, container: Any, value: Any) -> None:
        """SET_PROPERTY put `value` into `container`: remember the edge if `value` is a container, and
        switch to forgetting every cost if the edge may close a cycle (`value` reaches `container`)."""
        if isinstance(value, _CONTAINERS):
            if not self.cost_cyclic and _may_reach(value, container):
                # As SET_PROPERTY did before cycles were told apart: forget all but `container`'s cost.
                self.cost_cyclic = True
                kept = self.cost_memo.get(id(container))
                self.forget_all_costs()
                if kept is not None:
                    self.cost_memo[id(container)] = kept
                    self.cost_keep.append(container)
                return
            found = self.cost_holders.get(id(value))
            if found is None:
                self.cost_holders[id(value)] = {id(container)}
            else:
                found.add(id(container))

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
                found = walk_global(globals_[root], chain[1:])
                kind = type(found)
                if kind is str or found is None or kind is bool or kind is float or (kind is int and _MIN <= found <= _MAX):
                    return found  # what from_json_value returns for a JSON scalar
                if kind is dict or kind is list:
                    return self._global_copy(found)
                return from_json_value(found)
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

    def _global_copy(self, found: dict | list) -> Any:
        """`from_json_value(found)` for a host container, through the plain-data copier when it can.

        A read from host data gives a fresh deep copy every time, so mutating what a read returned never
        shows up in the next read nor in the host's data. Templates read each global container about
        once per run, so caching a conversion across reads does not pay (measured: no hits).
        """
        try:
            return plain.from_json(found)
        except plain.NotPlain:
            return from_json_value(found)

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
                # Built-ins written in Hog (arrayMap, arrayFilter, ...) can be read as values but not
                # called through one: PostHog's VMs only call native built-ins from CALL_LOCAL, and a
                # program must fail the same way here (hog-bytecode.md §4.11, open point 6).
                raise HogRuntimeError(f"Unsupported function call: {name}")
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



def _may_reach(start: Any, target: Any, budget: int = 2_000) -> bool:
    """Whether container `target` is `start` or inside it; True as well when the search would look at
    more than `budget` elements (the caller then takes the safe path)."""
    wanted = id(target)
    seen = {id(start)}
    todo = [start]
    while todo:
        container = todo.pop()
        if id(container) == wanted:
            return True
        children = container.values() if isinstance(container, dict) else container
        budget -= len(container)
        if budget < 0:
            return True
        for child in children:
            if isinstance(child, _CONTAINERS) and id(child) not in seen:
                seen.add(id(child))
                todo.append(child)
    return False


class _Continue(Exception):
    def __init__(self, frame: Frame, code: list[Any], ip: int) -> None:
        super().__init__()
        self.frame, self.code, self.ip = frame, code, ip


class _Finished(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


_ORDERING = {13: ">", 14: ">=", 15: "<", 16: "<="}

# Filled by hoglite.vm.cold_ops (kept in its own module so the loop stays readable).
_COLD_OPS: dict[int, Any] = {}
