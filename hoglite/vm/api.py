"""The VM's front door: `execute` a program, `resume` a paused one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable as CallableType
from dataclasses import dataclass, field
from typing import Any

from hoglite.errors import HogliteError, HogRuntimeError
from hoglite.source import Span
from hoglite.stl.registry import HostContext
from hoglite.vm.host import DefaultHost, RunContext
from hoglite.vm.limits import Limits
from hoglite.vm.machine import VM, Paused
from hoglite.vm.state import PausedState, encode_state, restore_state, state_bytecodes
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


@dataclass
class PausedCall:
    """The async call the program is waiting for: perform it, then `resume(state, result)`."""

    name: str
    args: list[Any]
    state: PausedState


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
         source_map: Any, source: Any) -> RunResult:
    host = opts.host if opts.host is not None else DefaultHost()
    limits = opts.limits or Limits()
    vm = VM(
        bytecodes,
        globals=opts.globals,
        functions=opts.functions,
        async_functions=opts.async_functions,
        limits=limits,
        context=RunContext(host, limits),
        source_map=opts.source_map if opts.source_map is not None else source_map,
        disallowed=opts.disallowed,
    )
    source_text = opts.source if opts.source is not None else source
    duration_before = 0.0
    try:
        if state is not None:
            restore_state(vm, state)
            duration_before = vm.sync_duration_ms
        if push is not None:
            try:
                value = from_json_value(push[0])
            except ValueConversionError as error:
                raise HogRuntimeError(f"Invalid async result: {error}") from None
            vm.push_value(value)
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
            args = [to_json_value(arg) for arg in payload.args]
        except ValueConversionError as error:
            raise HogRuntimeError(f"Can not pass arguments to {payload.name}: {error}") from None
        result.paused = PausedCall(payload.name, args, encode_state(vm))
    return result


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
