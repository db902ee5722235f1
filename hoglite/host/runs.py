"""One run of a plain Hog program: the VM's execute/resume loop plus the host's side of async calls.

`ProgramRun` collects what `Engine.run` reports (printed lines as `info` logs, every fetch with its
response, failed-attempt lines, the error with its Hog position, ops, memory, duration) and performs
the calls the VM pauses on: `fetch` (through a fetcher), `sleep`, and the embedder's async host
functions. The same object drives a run synchronously (`drive`), on an event loop (`drive_async`),
or one step at a time, serialising itself to JSON between steps (`to_state` / `from_state`), which is
what `Engine.start` / `Engine.resume` use. Template invocations go through
`hoglite.cdp.invocation.invoke_template` instead (see hoglite.host.steps).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hoglite.cdp.invocation import FetchCall, InvocationResult, LogEntry
from hoglite.errors import FetchError, HogLimitError, HogliteError, HogRuntimeError, UncaughtHogError
from hoglite.vm import Limits, PausedCall, RunOptions, RunResult, execute, resume

if TYPE_CHECKING:
    from hoglite.compiler import CompiledProgram
    from hoglite.host.engine import Engine, HostFunction
    from hoglite.net.fetch import FetchRequest

STATE_FORMAT = "hoglite-paused/1"
Outcome = InvocationResult | PausedCall


def iso_timestamp(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class _RunHost:
    """What built-ins see as the host: printed text becomes an `info` log; clock etc. from the engine."""

    def __init__(self, run: ProgramRun) -> None:
        self._run = run
        self.now = run.engine.clock
        self.random = run.engine.random
        self.uuid4 = run.engine.uuid4

    def print(self, text: str) -> None:
        self._run.log("info", text)


def _wrap_sync(engine: Engine, function: HostFunction) -> Callable[[list, Any], Any]:
    def call(args: list, _ctx: Any) -> Any:
        return engine.call_sync_host_function(function, list(args))

    return call


def error_message(error: HogliteError) -> str:
    """The result's `error`: for a Hog `throw Error('x')` just "x", as PostHog reports it."""
    if isinstance(error, UncaughtHogError):
        return str(error.error_message)
    return error.message


class ProgramRun:
    def __init__(self, engine: Engine, program: CompiledProgram, globals_: Mapping[str, Any] | None,
                 limits: Limits | None) -> None:
        self.engine = engine
        self.program = program
        self.globals = dict(globals_ or {})
        self.limits = limits or engine.limits or Limits()
        self.logs: list[LogEntry] = []
        self.fetches: list[FetchCall] = []
        self.ops = 0
        self.max_mem_used = 0
        self.active_seconds = 0.0  # Hog time plus the host's own fetch/sleep time, over all steps
        self._step_started = time.monotonic()
        self.deadline = self._step_started + engine.wall_timeout
        disallowed = engine.disallowed
        sync = {name: _wrap_sync(engine, fn) for name, fn in engine.functions.items() if not fn.is_async}
        async_names = {name for name, fn in engine.functions.items() if fn.is_async}
        if "fetch" not in disallowed:
            async_names.add("fetch")
        self.options = RunOptions(globals=self.globals, functions=sync, async_functions=async_names,
                                  limits=self.limits, host=_RunHost(self), source_map=program.source_map,
                                  source=program.source, disallowed=set(disallowed))

    # -- bookkeeping ---------------------------------------------------------------------------------

    def log(self, level: str, message: str) -> None:
        self.logs.append(LogEntry(iso_timestamp(self.engine.clock()), level, message))

    def _absorb(self, result: RunResult) -> None:
        # The VM carries ops and peak memory inside the paused state, so these are already totals.
        self.ops = result.ops
        self.max_mem_used = max(self.max_mem_used, result.max_mem_used)

    def _result(self, outcome: str, **kwargs: Any) -> InvocationResult:
        self.active_seconds += time.monotonic() - self._step_started
        self._step_started = time.monotonic()
        return InvocationResult(outcome, logs=self.logs, fetches=self.fetches, ops=self.ops,
                                max_mem_used=self.max_mem_used, duration_ms=self.active_seconds * 1000,
                                code=self.program.source, code_name=self.program.name, **kwargs)

    def fail(self, error: HogliteError, stage: str = "code") -> InvocationResult:
        return self._result("error", error=error_message(error), error_detail=error, stage=stage)

    def step(self, action: Callable[[], RunResult]) -> Outcome:
        """Run the VM until it pauses or ends; errors end the run with their position."""
        try:
            result = action()
        except HogliteError as error:
            return self.fail(error)
        self._absorb(result)
        if result.paused is not None:
            return result.paused
        return self._result("ok", value=result.value)

    def first(self) -> Outcome:
        return self.step(lambda: execute(self.program, self.options))

    def then(self, state: Mapping[str, Any], value: Any) -> Outcome:
        return self.step(lambda: resume(dict(state), value, self.options))

    # -- the pending call ----------------------------------------------------------------------------

    def _check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise HogLimitError(f"Invocation exceeded the wall-clock limit of {self.engine.wall_timeout:g} seconds")

    def begin_fetch(self, args: list[Any]) -> tuple[FetchRequest, FetchCall]:
        """Turn `fetch(url, options)` arguments into a request and record the call."""
        from hoglite.net.fetch import build_request

        request = build_request(args[0] if args else None, args[1] if len(args) > 1 else None)
        body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
        call = FetchCall(request.method, request.url, dict(request.headers), body)
        self.fetches.append(call)
        return request, call

    def end_fetch(self, call: FetchCall, outcome: Any) -> dict[str, Any]:
        """Record the response (or the error) and return the `{status, body}` Hog receives.

        No response at all (refused, blocked) gives Hog status 500 as PostHog does; an invalid request
        or a fetch limit ends the run (the error is raised).
        """
        from hoglite.net.errors import FetchBlockedError, FetchTransportError
        from hoglite.net.fetch import FetchResponse, error_to_hog_response, to_hog_response

        if isinstance(outcome, BaseException):
            for line in getattr(outcome, "attempt_log", None) or []:
                self.log("error", line)
            if not isinstance(outcome, (FetchTransportError, FetchBlockedError)):
                raise outcome
            hog_response = error_to_hog_response(outcome)
            call.response, call.error = hog_response, outcome.message
            call.attempts = getattr(outcome, "attempts", None) or 1
            return hog_response
        response = outcome if isinstance(outcome, FetchResponse) else response_from_value(outcome)
        for line in response.attempt_log or []:
            self.log("error", line)
        hog_response = to_hog_response(response)
        call.response, call.attempts = hog_response, response.attempts
        return hog_response

    def host_function(self, name: str) -> HostFunction:
        function = self.engine.functions.get(name)
        if function is None:
            raise HogRuntimeError(f"Invalid async function call: {name}")
        return function

    def _sleep_seconds(self, args: list[Any]) -> float:
        seconds = args[0] if args else 0
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds != seconds:
            raise HogRuntimeError("sleep() expects a number of seconds")
        remaining = self.deadline - time.monotonic()
        if seconds > remaining:
            raise HogLimitError(f"Invocation exceeded the wall-clock limit of {self.engine.wall_timeout:g} seconds")
        return max(0.0, float(seconds))

    def perform(self, call: PausedCall, fetcher: Any) -> Any:
        self._check_deadline()
        if call.name == "fetch":
            request, record = self.begin_fetch(call.args)
            try:
                outcome = _call_fetch(fetcher, request, self.deadline)
                if inspect.isawaitable(outcome):
                    raise HogRuntimeError("this fetcher is async: use run_async")
            except FetchError as error:
                outcome = error
            return self.end_fetch(record, outcome)
        if call.name == "sleep":
            self.engine.sleep(self._sleep_seconds(call.args))
            return None
        return self.engine.call_sync_host_function(self.host_function(call.name), call.args)

    async def perform_async(self, call: PausedCall, fetcher: Any) -> Any:
        self._check_deadline()
        if call.name == "fetch":
            request, record = self.begin_fetch(call.args)
            try:
                outcome = _call_fetch(fetcher, request, self.deadline)
                if inspect.isawaitable(outcome):
                    outcome = await outcome
            except FetchError as error:
                outcome = error
            return self.end_fetch(record, outcome)
        if call.name == "sleep":
            seconds = self._sleep_seconds(call.args)
            if self.engine.sleep is time.sleep:
                await asyncio.sleep(seconds)
            else:
                maybe = self.engine.sleep(seconds)
                if inspect.isawaitable(maybe):
                    await maybe
            return None
        return await self.engine.call_async_host_function(self.host_function(call.name), call.args)

    # -- drivers -------------------------------------------------------------------------------------

    def drive(self, fetcher: Any) -> InvocationResult:
        outcome = self.first()
        while isinstance(outcome, PausedCall):
            try:
                value = self.perform(outcome, fetcher)
            except HogliteError as error:
                return self.fail(error, stage="fetch" if outcome.name == "fetch" else "code")
            outcome = self.then(outcome.state, value)
        return outcome

    async def drive_async(self, fetcher: Any) -> InvocationResult:
        outcome = self.first()
        while isinstance(outcome, PausedCall):
            try:
                value = await self.perform_async(outcome, fetcher)
            except HogliteError as error:
                return self.fail(error, stage="fetch" if outcome.name == "fetch" else "code")
            outcome = self.then(outcome.state, value)
        return outcome

    # -- JSON state ----------------------------------------------------------------------------------

    def to_state(self, call: PausedCall, request: FetchRequest | None) -> dict[str, Any]:
        self.active_seconds += time.monotonic() - self._step_started
        self._step_started = time.monotonic()
        program = self.program.to_json()
        del program["bytecode"]  # the VM state carries every chunk's bytecode already
        return {
            "format": STATE_FORMAT,
            "kind": "program",
            "program": program,
            "globals": self.globals,
            "limits": dataclasses.asdict(self.limits),
            "vm": call.state,
            "pending": {"name": call.name, "args": call.args,
                        "request": request.to_json() if request is not None else None},
            "logs": [entry.to_json() for entry in self.logs],
            "fetches": [fetch_call_to_json(call) for call in self.fetches],
            "ops": self.ops,
            "max_mem_used": self.max_mem_used,
            "active_ms": self.active_seconds * 1000,
        }

    @classmethod
    def from_state(cls, engine: Engine, state: Mapping[str, Any]) -> ProgramRun:
        """Rebuild a paused run from `to_state()` output. Every field is checked (a damaged state is
        refused with "Invalid paused state: ..."), and the run gets the engine's limits, which the
        stored limits may only make stricter (hoglite.cdp.paused_state)."""
        from hoglite.cdp import paused_state as read
        from hoglite.compiler import CompiledProgram

        program_json = read.mapping(state.get("program"), "program")
        assert program_json is not None
        try:
            program = CompiledProgram.from_json({**program_json, "bytecode": []})
        except HogliteError as error:
            raise read.invalid(f"program: {error.message}") from None
        except (AssertionError, TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError):
            raise read.invalid("program is not a compiled program's JSON (source_map, source, name, warnings)") \
                from None
        globals_ = read.mapping(state.get("globals"), "globals", optional=True)
        limits = read.resume_limits(engine.limits or Limits(), state.get("limits"))
        run = cls(engine, program, globals_, limits)
        run.logs = read.logs(state)
        run.fetches = read.fetch_calls(state)
        run.ops = read.count(state, "ops")
        run.max_mem_used = read.count(state, "max_mem_used")
        run.active_seconds = read.milliseconds(state, "active_ms") / 1000
        read.pending_call(state, run.fetches)
        read.vm_snapshot(state)
        return run


def _call_fetch(fetcher: Any, request: FetchRequest, deadline: float) -> Any:
    try:
        return fetcher.fetch(request, deadline=deadline)
    except TypeError as error:
        if "deadline" not in str(error):
            raise
        return fetcher.fetch(request)


def response_from_value(value: Any) -> Any:
    """A FetchResponse from what a host passes to `resume`: a FetchResponse or a `{status, body}` dict."""
    from hoglite.net.fetch import FetchResponse

    if isinstance(value, FetchResponse):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("status"), int) and not isinstance(value["status"], bool):
        response = FetchResponse.from_json(dict(value))
        response.attempts = int(value.get("attempts") or 1)
        response.attempt_log = list(value.get("attempt_log") or [])
        return response
    raise HogRuntimeError("A fetch response must be a FetchResponse or a {status, body} object")


def fetch_call_to_json(call: FetchCall) -> dict[str, Any]:
    return dataclasses.asdict(call)


def fetch_call_from_json(data: Mapping[str, Any]) -> FetchCall:
    return FetchCall(**{field.name: data.get(field.name, field.default) for field in dataclasses.fields(FetchCall)
                        if field.name in data})
