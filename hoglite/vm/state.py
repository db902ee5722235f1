"""Paused VM state as plain JSON, in the shape of PostHog's `VMState` (hog-bytecode.md §8.3).

A state holds `bytecodes`, `stack`, `upvalues`, `callStack`, `throwStack`, `declaredFunctions`, `ops`,
`asyncSteps`, `syncDuration` and `maxMemUsed`, so PostHog's VM can resume a hoglite state and hoglite
can resume PostHog's (values are converted exactly as PostHog converts them: dicts become objects with
string keys, tuples become arrays, dates and closures keep their marker objects).

PostHog's conversion loses information. hoglite keeps the lossy body (that is what PostHog reads) and
adds one extra top-level key, `"hoglite": {"version": 1, "annotations": [...]}`, which PostHog ignores
(it only reads the fields above, and its own states simply do not have it). Each annotation names a
value by its path (`["s", slot, ...]` into the stack, `["u", n, ...]` into the value of the n-th
upvalue; then array positions / dict entry positions) and says what the JSON body lost:

- `["tuple", path]`            the array is a tuple
- `["error", path]`            the object is a Hog error value (PostHog would resume it as a plain dict)
- `["dict", path, keys]`       a dict whose keys are not plain strings (or would be misread as a date,
                               closure, ...): `keys` are the original keys, in entry order
- `["float", path, "NaN"]`     a NaN / Infinity / -Infinity (JSON cannot hold them: the body has null)
- `["ref", path, target]`      the same object as the one at `target` (shared references and cycles;
                               the body holds a copy, or null for a cycle)

So a hoglite -> JSON -> hoglite round trip is exact, and a state PostHog produced or resumed behaves
as it does in PostHog.
"""

from __future__ import annotations

import math
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.vm import plain
from hoglite.vm.frames import Frame, UpValue
from hoglite.vm.memory import CYCLE, UNIT, closure_cost, utf16_length, value_cost
from hoglite.vm.values import (
    DEFAULT_MAX_DEPTH,
    Callable,
    Closure,
    HogDate,
    HogDateTime,
    HogErrorValue,
    ValueConversionError,
    from_json_value,
    js_property_order,
    json_key,
    to_json_value,
)

PausedState = dict[str, Any]
STATE_VERSION = 1
_MARKERS = ("__hogDate__", "__hogDateTime__", "__hogClosure__", "__hogCallable__")


# ---------------------------------------------------------------------------------------------------
# Encoding


def _float_name(value: float) -> str:
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _encode_key(key: Any) -> Any:
    if isinstance(key, float) and not math.isfinite(key):
        return {"f": _float_name(key)}
    if isinstance(key, tuple):
        return {"t": [_encode_key(item) for item in key]}
    return key


def _decode_key(key: Any) -> Any:
    if isinstance(key, dict):
        if "f" in key:
            return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[key["f"]]
        if "t" in key:
            return tuple(_decode_key(item) for item in key["t"])
    return key


def _needs_key_annotation(value: dict) -> bool:
    if type(value) is not dict:
        return False
    for key in value:
        if type(key) is not str:
            return True
    return any(value.get(marker) for marker in _MARKERS)


class _Encoder:
    """Pre-order walk of every value in the state, producing JSON bodies and annotations."""

    def __init__(self) -> None:
        self.annotations: list[list[Any]] = []
        self.first_seen: dict[int, list[Any]] = {}
        self.keep_alive: list[Any] = []

    def encode(self, value: Any, path: list[Any]) -> Any:
        if not isinstance(value, (dict, list, tuple)):
            return self._leaf(value, path)
        if isinstance(value, (HogDate, HogDateTime)):
            return to_json_value(value)
        if id(value) in self.first_seen:
            self.annotations.append(["ref", path, self.first_seen[id(value)]])
            return to_json_value(value)
        body, fill = self._open(value, path)
        if not fill:
            return body
        stack: list[list[Any]] = [[value, body, self._children(value), path]]
        on_path = {id(value)}
        while stack:
            top = stack[-1]
            source, target, children, base = top
            descended = False
            for position, key, child in children:
                child_path = base + [position]
                if isinstance(child, (dict, list, tuple)) and not isinstance(child, (HogDate, HogDateTime)):
                    if id(child) in self.first_seen:
                        self.annotations.append(["ref", child_path, self.first_seen[id(child)]])
                        copy = None if id(child) in on_path else to_json_value(child)
                        self._store(target, key, copy, position)
                        continue
                    if len(stack) >= DEFAULT_MAX_DEPTH:
                        raise ValueConversionError(f"Value nested deeper than {DEFAULT_MAX_DEPTH} levels")
                    sub, fill = self._open(child, child_path)
                    self._store(target, key, sub, position)
                    if fill:
                        on_path.add(id(child))
                        stack.append([child, sub, self._children(child), child_path])
                        descended = True
                        break
                    continue
                if isinstance(child, (HogDate, HogDateTime)):
                    self._store(target, key, to_json_value(child), position)
                else:
                    self._store(target, key, self._leaf(child, child_path), position)
            if not descended:
                stack.pop()
                on_path.discard(id(source))
        return body

    def _leaf(self, value: Any, path: list[Any]) -> Any:
        if type(value) is float and not math.isfinite(value):
            self.annotations.append(["float", path, _float_name(value)])
            return None
        return to_json_value(value)

    def _open(self, value: Any, path: list[Any]) -> tuple[Any, bool]:
        """The (empty) JSON body for a container, registering it and its annotation."""
        self.first_seen[id(value)] = path
        self.keep_alive.append(value)
        if isinstance(value, tuple):
            self.annotations.append(["tuple", path])
            return [], True
        if isinstance(value, list):
            return [], True
        if isinstance(value, HogErrorValue):
            self.annotations.append(["error", path])
        elif _needs_key_annotation(value):
            self.annotations.append(["dict", path, [_encode_key(key) for key in value]])
        return {}, True

    @staticmethod
    def _children(value: Any) -> Any:
        if isinstance(value, dict):
            return ((position, key, child) for position, (key, child) in enumerate(value.items()))
        return ((position, position, child) for position, child in enumerate(value))

    @staticmethod
    def _store(target: Any, key: Any, value: Any, position: int) -> None:
        if isinstance(target, list):
            target.append(value)
            return
        text = json_key(key)
        if text in target:  # two keys with the same JSON form: keep both, the annotation has the real keys
            text = f"{text}\u0000{position}"
        target[text] = value


def encode_state(vm: Any) -> PausedState:
    """The JSON state of a paused VM (see the module docstring)."""
    encoder = _Encoder()
    try:
        stack = [encoder.encode(value, ["s", index]) for index, value in enumerate(vm.stack)]
        ordered = sorted(vm.upvalues, key=lambda upvalue: upvalue.location)
        upvalues = [
            {
                "__hogUpValue__": True,
                "id": upvalue.id,
                "location": upvalue.location,
                "closed": upvalue.closed,
                "value": encoder.encode(upvalue.value, ["u", index]),
            }
            for index, upvalue in enumerate(ordered)
        ]
    except ValueConversionError as error:
        raise HogRuntimeError(f"Can not save the paused state: {error}") from None
    state: PausedState = {
        "bytecodes": {name: dict(entry) for name, entry in vm.bytecodes.items()},
        "stack": stack,
        "upvalues": upvalues,
        "callStack": [
            {
                "ip": frame.ip,
                "chunk": frame.chunk,
                "stackStart": frame.stack_start,
                "argCount": frame.arg_count,
                "closure": frame.closure.to_json(),
            }
            for frame in vm.call_stack
        ],
        "throwStack": [
            {"callStackLen": calls, "stackLen": length, "catchIp": catch_ip}
            for calls, length, catch_ip in vm.throw_stack
        ],
        "declaredFunctions": {name: list(entry) for name, entry in vm.declared_functions.items()},
        "ops": vm.ops,
        "asyncSteps": vm.async_steps,
        "syncDuration": round(vm.sync_duration_ms, 3),
        "maxMemUsed": vm.max_mem_used,
    }
    if encoder.annotations:
        state["hoglite"] = {"version": STATE_VERSION, "annotations": encoder.annotations}
    return state


# ---------------------------------------------------------------------------------------------------
# Decoding


class _Decoder:
    def __init__(self, annotations: list[Any]) -> None:
        self.by_path: dict[tuple[Any, ...], list[Any]] = {}
        self.refs: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for entry in annotations or []:
            if not isinstance(entry, list) or len(entry) < 2 or not isinstance(entry[1], list):
                continue
            path = tuple(entry[1])
            if entry[0] == "ref" and len(entry) > 2 and isinstance(entry[2], list):
                self.refs[path] = tuple(entry[2])
            else:
                self.by_path[path] = entry
        self.objects: dict[tuple[Any, ...], Any] = {}

    def decode(self, body: Any, path: tuple[Any, ...]) -> Any:
        if not self.by_path and not self.refs:
            return from_json_value(body)
        return self._node(body, path)

    def _node(self, body: Any, path: tuple[Any, ...]) -> Any:
        """Decode one value, iteratively (states may hold values nested thousands of levels deep).

        The walk is pre-order, like the encoder's, so a `ref` always finds the object it names.
        Containers are created when first met and filled as their children are decoded; a tuple is
        built as a list and frozen once its children are done.
        """
        holder: list[Any] = [None]
        work: list[tuple[Any, ...]] = [(body, path, holder, 0)]
        while work:
            item = work.pop()
            if item[0] is _FREEZE:
                _, items, node_path, parent, key = item
                frozen = tuple(items)
                self.objects[node_path] = frozen
                _put(parent, key, frozen)
                continue
            node, node_path, parent, key = item
            _put(parent, key, self._open(node, node_path, work, parent, key))
        return holder[0]

    def _open(self, body: Any, path: tuple[Any, ...], work: list[tuple[Any, ...]], parent: Any, key: Any) -> Any:
        """The decoded value for `body` at `path`; its children are queued on `work`."""
        if path in self.refs:
            return self.objects.get(self.refs[path])
        note = self.by_path.get(path)
        if note is not None and note[0] == "float":
            return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(note[2])
        if isinstance(body, list):
            items: list[Any] = [None] * len(body)
            if note is not None and note[0] == "tuple":
                work.append((_FREEZE, items, path, parent, key))  # runs after the children below
            else:
                self.objects[path] = items
            for index in range(len(body) - 1, -1, -1):
                work.append((body[index], path + (index,), items, index))
            return items
        if isinstance(body, dict):
            kind = note[0] if note is not None else None
            if kind is None and any(body.get(marker) for marker in _MARKERS):
                value = from_json_value(body)
                self.objects[path] = value
                return value
            out: dict[Any, Any] = dict.__new__(HogErrorValue) if kind == "error" else {}
            self.objects[path] = out
            keys = [_decode_key(key) for key in note[2]] if kind == "dict" else None
            children = []
            for position, (name, child) in enumerate(body.items()):
                real_key = keys[position] if keys is not None and position < len(keys) else name
                dict.__setitem__(out, real_key, None)  # keeps the entry order while children decode
                children.append((child, path + (position,), out, real_key))
            if kind is None:
                js_property_order(out)  # as from_json_value orders plain host objects (and PostHog)
            work.extend(reversed(children))
            return out
        return from_json_value(body)


_FREEZE = object()


def _put(parent: Any, key: Any, value: Any) -> None:
    if isinstance(parent, dict):
        dict.__setitem__(parent, key, value)
    else:
        parent[key] = value


def restore_state(vm: Any, state: PausedState) -> None:
    """Load a JSON state (ours or PostHog's) into a fresh VM."""
    extra = state.get("hoglite") if isinstance(state.get("hoglite"), dict) else {}
    annotations = extra.get("annotations") or []
    if not isinstance(annotations, list):
        raise HogRuntimeError("Invalid paused state: hoglite.annotations must be a list")
    decoder = _Decoder(annotations)
    call_stack = state.get("callStack") or []
    if not isinstance(call_stack, list) or not all(isinstance(entry, dict) for entry in call_stack):
        raise HogRuntimeError("Invalid paused state: callStack must be a list of frames")
    try:
        vm.stack = [decoder.decode(value, ("s", index)) for index, value in enumerate(state.get("stack") or [])]
        vm.upvalues = []
        for index, entry in enumerate(state.get("upvalues") or []):
            upvalue = UpValue(
                int(entry["id"]),
                int(entry["location"]),
                bool(entry.get("closed")),
                decoder.decode(entry.get("value"), ("u", index)),
            )
            vm.upvalues.append(upvalue)
        vm.call_stack = [
            Frame(
                int(entry.get("ip", 0)),
                entry.get("chunk") or "root",
                int(entry.get("stackStart", 0)),
                int(entry.get("argCount", 0)),
                _closure(entry.get("closure")),
            )
            for entry in call_stack
        ]
    except (KeyError, TypeError, ValueError, RecursionError) as error:
        raise HogRuntimeError(f"Invalid paused state: {error}") from None
    # The loop indexes the stack and the code with these numbers unchecked: a negative one would wrap
    # around through Python's negative indexing.
    for frame in vm.call_stack:
        if frame.ip < 0 or frame.stack_start < 0 or frame.arg_count < 0:
            raise HogRuntimeError("Invalid paused state: a frame has a negative ip, stackStart or argCount")
        if not isinstance(frame.chunk, str):
            raise HogRuntimeError("Invalid paused state: a frame has a bad chunk name")
    for upvalue in vm.upvalues:
        if upvalue.location < 0:
            raise HogRuntimeError("Invalid paused state: an upvalue has a negative location")
    vm.upvalues_by_id = {upvalue.id: upvalue for upvalue in vm.upvalues}
    vm.open_upvalues = sorted((u for u in vm.upvalues if not u.closed), key=lambda upvalue: upvalue.location)
    vm.throw_stack = _throw_stack(state.get("throwStack") or [])
    vm.declared_functions = _declared_functions(state.get("declaredFunctions") or {})
    vm.ops = int(_counter(state, "ops"))
    vm.async_steps = int(_counter(state, "asyncSteps"))
    vm.sync_duration_ms = _counter(state, "syncDuration")
    vm.mem = _slot_costs(vm, vm.stack)
    vm.mem_used = sum(vm.mem)
    vm.max_mem_used = max(int(_counter(state, "maxMemUsed")), vm.mem_used)
    # The slot costs were just computed from the values, so reading a slot may reuse its cost until
    # a container is changed in place (SET_PROPERTY sets `mutated` again), as in a fresh run.
    vm.mutated = False


def _counter(state: PausedState, name: str) -> float:
    """A counter of the state: a finite, non-negative number (NaN or a negative value would switch a
    limit off: a NaN deadline never passes, a negative op count buys extra budget)."""
    value = state.get(name)
    if value is None:
        return 0.0
    if type(value) not in (int, float) or not math.isfinite(value) or value < 0:
        raise HogRuntimeError(f"Invalid paused state: {name} must be a finite non-negative number")
    return float(value) if type(value) is float else value


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _throw_stack(entries: Any) -> list[tuple[int, int, int]]:
    if not isinstance(entries, list):
        raise HogRuntimeError("Invalid paused state: throwStack must be a list")
    result = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise HogRuntimeError("Invalid paused state: throwStack entries must be objects")
        fields = (entry.get("callStackLen"), entry.get("stackLen"), entry.get("catchIp"))
        if not all(_is_count(field) for field in fields):
            raise HogRuntimeError("Invalid paused state: throwStack entries need non-negative integer "
                                  "callStackLen, stackLen and catchIp")
        result.append(fields)
    return result  # type: ignore[return-value]


def _declared_functions(entries: Any) -> dict[str, list[int]]:
    if not isinstance(entries, dict):
        raise HogRuntimeError("Invalid paused state: declaredFunctions must be an object")
    result = {}
    for name, entry in entries.items():
        if not isinstance(entry, list) or len(entry) != 2 or not all(_is_count(item) for item in entry):
            raise HogRuntimeError("Invalid paused state: declaredFunctions entries must be [ip, argCount]")
        result[name] = list(entry)
    return result


def transplant_state(vm: Any, paused: Any) -> None:
    """Load the machine state of `paused` (a VM of this process that paused and never ran since) into
    `vm` (a fresh VM, or `paused` itself), as `restore_state(vm, encode_state(paused))` would, without
    the JSON round trip.

    The values move rather than being copied, so `paused` must never run again. What the round trip
    would change is applied here too: plain dicts take JavaScript's key order (as PostHog's VM reads
    its state back), and the slot costs are recomputed from the values, as after any restore.
    """
    vm.stack = paused.stack
    vm.upvalues = sorted(paused.upvalues, key=lambda upvalue: upvalue.location)
    vm.upvalues_by_id = {upvalue.id: upvalue for upvalue in vm.upvalues}
    vm.open_upvalues = [upvalue for upvalue in vm.upvalues if not upvalue.closed]
    vm.call_stack = paused.call_stack
    vm.throw_stack = paused.throw_stack
    vm.declared_functions = paused.declared_functions
    vm.ops = paused.ops
    vm.async_steps = paused.async_steps
    vm.sync_duration_ms = paused.sync_duration_ms
    if paused.maybe_unordered:
        vm.mem = _settle(vm, vm.stack, [upvalue.value for upvalue in vm.upvalues])
    elif paused.mutated:
        # Every dict is in JavaScript's order already; only the slot costs may be stale (a container
        # changed in place, a slot written through an upvalue): recomputed, through the run's cost
        # cache, which SET_PROPERTY keeps exact.
        vm.mem = [_slot_cost(vm, value) for value in vm.stack]
        if vm.cost_cyclic or CYCLE in vm.cost_holders:
            # Costs inside a cycle depend on where a walk enters it: each slot afresh, as a restore does.
            vm.mem = _slot_costs(vm, vm.stack)
    else:
        vm.mem = paused.mem  # nothing changed in place since each slot was costed: the costs are exact
    vm.maybe_unordered = False
    vm.mem_used = sum(vm.mem)
    vm.max_mem_used = max(paused.max_mem_used, vm.mem_used)
    vm.mutated = False  # the slot costs are fresh (see restore_state)


def _slot_cost(vm: Any, value: Any) -> int:
    kind = type(value)
    if kind is str:
        return UNIT + (len(value) if value.isascii() else utf16_length(value))
    if kind is int or kind is float or kind is bool or value is None:
        return UNIT
    if isinstance(value, (dict, list, tuple)):
        return vm.container_cost(value)
    return value_cost(value)


def _slot_costs(vm: Any, values: list[Any]) -> list[int]:
    """Each slot's cost afresh, as PostHog computes them when it resumes. The walks stop past the
    memory limit: a value inside a cycle is walked per path, as PostHog does, which a crafted state
    could make very long; a cost over the limit fails the run at the next push anyway."""
    cap = vm._mem_limit if vm._mem_limit != float("inf") else None
    return [value_cost(value, cap) for value in values]


def _settle(vm: Any, stack: list[Any], captured: list[Any]) -> list[int]:
    """Order the dicts reachable from `stack` and `captured` (the upvalues' values) as a state round
    trip would, and return the stack's slot costs. Plain values take one recursive pass
    (hoglite.vm.plain.settle); anything else takes the general walks."""
    mem: list[int] = []
    try:
        for value in stack:
            kind = type(value)
            if kind is str:
                mem.append(UNIT + (len(value) if value.isascii() else utf16_length(value)))
            elif kind is int or kind is float or kind is bool or value is None:
                mem.append(UNIT)
            elif kind is Closure:
                mem.append(closure_cost(value))
            else:
                mem.append(plain.settle(value))
        for value in captured:
            if isinstance(value, (dict, list, tuple)):
                plain.settle(value)
        return mem
    except plain.NotPlain:
        _order_dicts([*stack, *captured])
        return _slot_costs(vm, stack)


def _order_dicts(roots: list[Any]) -> None:
    """js_property_order on every plain dict reachable from `roots` that a state would store without
    a key annotation (the decoder reorders exactly those)."""
    seen: set[int] = set()
    todo = [root for root in roots if isinstance(root, (dict, list, tuple))]
    while todo:
        value = todo.pop()
        if id(value) in seen or isinstance(value, (HogDate, HogDateTime)):
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            if type(value) is dict and not _needs_key_annotation(value):
                js_property_order(value)
            children: Any = value.values()
        else:
            children = value
        todo.extend(child for child in children if isinstance(child, (dict, list, tuple)))


def _closure(data: Any) -> Closure:
    if isinstance(data, Closure):
        return data
    if isinstance(data, dict) and isinstance(data.get("callable"), dict):
        return Closure(Callable.from_json(data["callable"]), list(data.get("upvalues") or []))
    raise HogRuntimeError(f"Invalid closure in paused state: {data!r}")


def state_bytecodes(state: PausedState) -> dict[str, dict[str, Any]]:
    """The chunk map of a state (older states carry only `bytecode`, the root program)."""
    if state.get("bytecode"):
        return {"root": {"bytecode": state["bytecode"]}}
    bytecodes = state.get("bytecodes")
    if not isinstance(bytecodes, dict) or not isinstance(bytecodes.get("root"), dict):
        raise HogRuntimeError("Invalid paused state: no root bytecode")
    return bytecodes
