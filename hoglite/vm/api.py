"""The VM's front door: `execute` a program, `resume` a paused one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable as CallableType
from dataclasses import dataclass, field
from typing import Any

from hoglite.errors import HogliteError, HogRuntimeError
from hoglite.source import Span
from hoglite.stl.registry import HostContext
from hoglite.vm import plain
from hoglite.vm.host import DefaultHost, RunContext
from hoglite.vm.limits import Limits
from hoglite.vm.machine import VM, Paused
from hoglite.vm.memory import CYCLE
from hoglite.vm.state import PausedState, encode_state, restore_state, state_bytecodes, transplant_state
from hoglite.vm.values import ValueConversionError, from_json_value, to_json_value

HostFunction = CallableType[[list, HostContext], Any]


@dataclass
class RunOptions:
    """How to run a program. Every field is optional; pass the same options again on `resume`.

    - globals: host data the program reads by name (plain JSON; deep-copied on every read).
    - functions: synchronous host functions `fn(args, ctx) -> value`; they shadow built-ins.
    - async_functions: names that pause the run (the host performs the call, then resumes).
    - limits: sandbox limits (defaults: PostHog's).
    - host: print/now/random/uuid4 provider (default: DefaultHost, which collects printed lines).
    - source_map / source: the compiler's element-index -> Span map and the Hog source, for errors.
    - disallowed: built-in names switched off for this run (they behave as unknown functions).
    """

    globals: dict[str, Any] | None = None
    functions: dict[str, HostFunction] | None = None
    async_functions: set[str] | None = None
    limits: Limits | None = None
    host: HostContext | None = None
    source_map: dict[int, Span] | None = None
    source: str | None = None
    disallowed: set[str] | None = None


class PausedCall:
    """The async call the program is waiting for: perform it, then `resume(state, result)`, or, in
    the same process, `resume_call(call, result)`.

    `state` (plain JSON) is encoded on first read; until then the paused VM itself is kept, so a host
    that never stores the state can continue it without the JSON round trip (resume_call). Once the
    state was read, it is the only truth: resume_call then resumes from it as `resume` does.
    """

    __slots__ = ("name", "args", "_state", "_vm")

    def __init__(self, name: str, args: list[Any], state: PausedState | None = None, *, vm: Any = None) -> None:
        self.name = name
        self.args = args
        self._state = state
        self._vm = vm

    @property
    def state(self) -> PausedState:
        if self._state is None:
            vm = self._vm
            if vm is None:
                raise HogRuntimeError("This paused run was already resumed with resume_call: its state is gone")
            self._state = encode_state(vm)
            self._vm = None  # the state is the truth from now on: the live VM must not run on
        return self._state

    @state.setter
    def state(self, state: PausedState) -> None:
        self._state, self._vm = state, None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PausedCall):
            return NotImplemented
        return (self.name, self.args, self.state) == (other.name, other.args, other.state)

    __hash__ = None  # type: ignore[assignment]  (mutable: not usable as a dict key)

    def __repr__(self) -> str:
        held = "state" if self._state is not None else "live VM" if self._vm is not None else "resumed"
        return f"PausedCall(name={self.name!r}, args={self.args!r}, {held})"


@dataclass
class RunResult:
    finished: bool
    value: Any
    paused: PausedCall | None = None
    ops: int = 0
    max_mem_used: int = 0
    duration_ms: float = 0.0
    output: list[str] = field(default_factory=list)


def _options(options: RunOptions | None, overrides: dict[str, Any]) -> RunOptions:
    base = options or RunOptions()
    if overrides:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(RunOptions)}
        if unknown:
            raise TypeError(f"unknown run option(s): {', '.join(sorted(unknown))}")
        base = dataclasses.replace(base, **overrides)
    return base


def _program_parts(program: Any) -> tuple[dict[str, dict[str, Any]], PausedState | None, Any, Any]:
    """(bytecodes, state or None, source_map, source) for any accepted program form."""
    if isinstance(program, list):
        return {"root": {"bytecode": program}}, None, None, None
    if isinstance(program, dict):
        if "stack" in program:
            return state_bytecodes(program), program, None, None
        if "bytecodes" in program:
            return program["bytecodes"], None, None, None
        if "root" in program:
            return program, None, None, None
        raise HogRuntimeError("Invalid HogQL bytecode, must start with '_H'")
    bytecode = getattr(program, "bytecode", None)
    if isinstance(bytecode, list):
        return {"root": {"bytecode": bytecode}}, None, getattr(program, "source_map", None), getattr(program, "source", None)
    raise HogRuntimeError("Invalid HogQL bytecode, must start with '_H'")


def _run(bytecodes: dict, state: PausedState | None, opts: RunOptions, push: tuple[Any] | None,
         source_map: Any, source: Any, paused_vm: Any = None) -> RunResult:
    host = opts.host if opts.host is not None else DefaultHost()
    limits = opts.limits or Limits()
    chosen_map = opts.source_map if opts.source_map is not None else source_map
    if paused_vm is not None:
        # The paused VM goes on in place: its options are taken again (they may differ from the
        # first run's), and what a state round trip would change is applied (transplant_state).
        vm = paused_vm
        vm.configure(globals=opts.globals, functions=opts.functions, async_functions=opts.async_functions,
                     limits=limits, context=RunContext(host, limits), source_map=chosen_map,
                     disallowed=opts.disallowed)
        # Its container-cost cache stays (nothing changed the containers since the pause), unless a
        # walk met a cycle: costs inside one depend on where the walk entered it, and a resumed run
        # costs from the slots afresh.
        if vm.cost_cyclic or CYCLE in vm.cost_holders:
            vm.reset_costs()
    else:
        vm = VM(
            bytecodes,
            globals=opts.globals,
            functions=opts.functions,
            async_functions=opts.async_functions,
            limits=limits,
            context=RunContext(host, limits),
            source_map=chosen_map,
            disallowed=opts.disallowed,
        )
    source_text = opts.source if opts.source is not None else source
    duration_before = 0.0
    try:
        if paused_vm is not None:
            transplant_state(vm, paused_vm)
            duration_before = vm.sync_duration_ms
        elif state is not None:
            restore_state(vm, state)
            duration_before = vm.sync_duration_ms
        if push is not None:
            try:
                value, cost = _host_value(push[0], (vm.cost_memo, vm.cost_keep, vm.cost_holders))
            except ValueConversionError as error:
                raise HogRuntimeError(f"Invalid async result: {error}") from None
            vm.push_value(value, cost)
        outcome, payload = vm.run()
    except HogliteError as error:
        if error.source is None:
            error.source = source_text
        raise
    output = list(host.output) if isinstance(host, DefaultHost) else []
    result = RunResult(
        finished=outcome == "finished",
        value=payload if outcome == "finished" else None,
        ops=vm.ops,
        max_mem_used=vm.max_mem_used,
        duration_ms=vm.sync_duration_ms - duration_before,
        output=output,
    )
    if isinstance(payload, Paused):
        try:
            args = [_json_value(arg) for arg in payload.args]
        except ValueConversionError as error:
            raise HogRuntimeError(f"Can not pass arguments to {payload.name}: {error}") from None
        result.paused = PausedCall(payload.name, args, vm=vm)
    return result


def _host_value(value: Any, cache: Any) -> tuple[Any, int | None]:
    """from_json_value and, when known, the value's cost: through the plain-data copier when it can
    (hoglite.vm.plain, recording the parts' costs in the VM's `cache`), else the cost is left to the
    VM (None)."""
    if type(value) is dict or type(value) is list:
        try:
            return plain.from_json_with_cost(value, cache)
        except plain.NotPlain:
            pass
    return from_json_value(value), None


def _json_value(value: Any) -> Any:
    """to_json_value, through the plain-data copier when it can (hoglite.vm.plain)."""
    if type(value) is dict or type(value) is list:
        try:
            return plain.to_json(value)
        except plain.NotPlain:
            pass
    return to_json_value(value)


def execute(program: Any, options: RunOptions | None = None, **kwargs: Any) -> RunResult:
    """Run `program`: a CompiledProgram, a bare `_H`/`_h` bytecode list, a chunk map, or a paused state
    (which must already have the async result pushed onto its stack, as PostHog's hosts do).

    Returns a finished or paused RunResult; raises HogRuntimeError / HogLimitError / UncaughtHogError.
    """
    opts = _options(options, kwargs)
    bytecodes, state, source_map, source = _program_parts(program)
    return _run(bytecodes, state, opts, None, source_map, source)


def resume(state: PausedState, value: Any, options: RunOptions | None = None, **kwargs: Any) -> RunResult:
    """Continue a paused run with `value` (plain JSON) as the result of the pending async call.

    Pass the same globals/functions/limits as for the first run. `state` is not modified.
    """
    if not isinstance(state, dict) or "stack" not in state:
        raise HogRuntimeError("Invalid paused state: no stack")
    opts = _options(options, kwargs)
    return _run(state_bytecodes(state), state, opts, (value,), None, None)


def resume_call(call: PausedCall, value: Any, options: RunOptions | None = None, **kwargs: Any) -> RunResult:
    """Continue the run paused at `call` with `value` (plain JSON) as the async call's result.

    Same result as `resume(call.state, value, options)`, but when the state was never read the paused
    VM of this process goes on directly (no state encoding or decoding). `call` is used up: it cannot
    be resumed twice, and its state cannot be read afterwards. Pass the same options as for the run.
    """
    vm = call._vm
    if vm is None:
        return resume(call.state, value, options, **kwargs)
    opts = _options(options, kwargs)
    call._vm = None
    return _run(vm.bytecodes, None, opts, (value,), None, None, paused_vm=vm)


def copy_json(data: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), iterative so any nesting depth works."""
    if not isinstance(data, (dict, list)):
        return data
    root: Any = {} if isinstance(data, dict) else []
    work: list[tuple[Any, Any]] = [(data, root)]
    while work:
        source, target = work.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, child in items:
            if isinstance(child, (dict, list)):
                copied: Any = {} if isinstance(child, dict) else []
                work.append((child, copied))
            else:
                copied = child
            if isinstance(target, dict):
                target[key] = copied
            else:
                target.append(copied)
    return root


def run_with_handlers(
    program: Any,
    handlers: dict[str, CallableType[..., Any]],
    options: RunOptions | None = None,
    **kwargs: Any,
) -> RunResult:
    """Convenience loop: run, perform each async call with `handlers[name](*args)`, resume, until done.

    The state goes through a JSON-shaped copy at each step, exactly as a host storing it would.
    """
    opts = _options(options, kwargs)
    if opts.async_functions is None:
        opts = dataclasses.replace(opts, async_functions=set(handlers) - {"sleep"})
    if opts.host is None:
        opts = dataclasses.replace(opts, host=DefaultHost())
    result = execute(program, opts)
    while result.paused is not None:
        call = result.paused
        handler = handlers.get(call.name)
        if handler is None:
            raise HogRuntimeError(f"Invalid async function call: {call.name}")
        value = handler(*call.args)
        result = resume(copy_json(call.state), value, opts)
    return result
