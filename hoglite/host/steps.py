"""Step-wise execution: `start` runs until the first async call, `resume` continues; the state is JSON.

Programs pause in the VM itself: the state holds the VM snapshot (hoglite.vm.state, PostHog's VMState
shape), the globals, the limits and what was logged and fetched so far.

Template invocations pause by *replay*. `hoglite.cdp.invocation.invoke_template` owns the template
pipeline (filters, globals, inputs, code, fetch handling) as one synchronous call, and hoglite keeps
that logic in one place, so a paused template invocation is recorded as its inputs plus a tape: the
event, the input values, every fetch request with the response it got, and every clock reading.
Resuming re-runs `invoke_template` with a fetcher and a clock that answer from the tape; the run is
deterministic for the same tape, so it retraces the same path to the pending fetch and continues
with the new response. Each replayed request is compared with the recorded one: a run that takes a
different path (a template that uses randomness in a request, or a template edited in between)
fails loudly instead of resuming wrongly. The cost is re-running the Hog code once per fetch (at most
5), which is small next to a network round trip; the gain is a state that is independent of VM
internals and safe to store between workers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoglite.errors import FetchError, HogliteError, HogRuntimeError, TemplateError
from hoglite.host.runs import STATE_FORMAT, ProgramRun, response_from_value
from hoglite.vm import PausedCall

if TYPE_CHECKING:
    from hoglite.cdp.invocation import InvocationResult
    from hoglite.cdp.template import Template
    from hoglite.compiler import CompiledProgram
    from hoglite.host.engine import Engine
    from hoglite.net.fetch import FetchRequest
    from hoglite.vm import Limits

# invoke_template options a paused template invocation can carry (they must survive JSON).
TEMPLATE_OPTIONS = frozenset({"check_required", "templating", "fail_on_fetch_error", "mapping",
                              "test_account_filters", "actions", "project", "integrations"})


@dataclass
class Step:
    """Where an invocation stands: done (`result`), or waiting for an async call (`state`)."""

    result: InvocationResult | None = None
    state: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.result is not None

    @property
    def name(self) -> str | None:
        """The pending async function: `fetch`, `sleep` or a registered host function."""
        return None if self.state is None else self.state["pending"]["name"]

    @property
    def args(self) -> list[Any] | None:
        return None if self.state is None else self.state["pending"].get("args")

    @property
    def request(self) -> FetchRequest | None:
        """The pending fetch, normalised as PostHog does (method, headers, serialised body)."""
        from hoglite.net.fetch import FetchRequest

        if self.state is None or self.state["pending"].get("request") is None:
            return None
        return FetchRequest.from_json(self.state["pending"]["request"])


def _check_state(state: Any) -> None:
    if not isinstance(state, Mapping) or state.get("format") != STATE_FORMAT or "pending" not in state:
        raise HogRuntimeError(f"Not a paused hoglite invocation (expected format {STATE_FORMAT!r})")


# ---------------------------------------------------------------------------------------------------
# Programs


def _program_step(run: ProgramRun, outcome: Any) -> Step:
    """Turn a VM outcome into a Step; a fetch pause gets its request built (and recorded) now."""
    while isinstance(outcome, PausedCall):
        if outcome.name != "fetch":
            return Step(state=run.to_state(outcome, None))
        try:
            request, _call = run.begin_fetch(outcome.args)
        except HogliteError as error:
            return Step(result=run.fail(error, stage="fetch"))
        return Step(state=run.to_state(outcome, request))
    return Step(result=outcome)


def start_program(engine: Engine, program: CompiledProgram, globals_: Mapping[str, Any] | None,
                  limits: Limits | None) -> Step:
    run = ProgramRun(engine, program, globals_, limits)
    return _program_step(run, run.first())


def _resume_program(engine: Engine, state: Mapping[str, Any], response: Any) -> Step:
    run = ProgramRun.from_state(engine, state)
    pending = state["pending"]
    try:
        if pending["name"] == "fetch":
            value = run.end_fetch(run.fetches[-1], response)
        else:
            value = response
    except HogliteError as error:
        return Step(result=run.fail(error, stage="fetch"))
    return _program_step(run, run.then(state["vm"], value))


# ---------------------------------------------------------------------------------------------------
# Templates (replay)


class _Suspend(BaseException):
    """Raised by the tape fetcher when the run needs a response it does not have yet.

    A BaseException so that it passes through invoke_template's handlers for HogliteError.
    """

    def __init__(self, request: FetchRequest) -> None:
        super().__init__("suspended")
        self.request = request


def _error_to_json(error: FetchError) -> dict[str, Any]:
    data: dict[str, Any] = {"type": type(error).__name__, "message": error.message,
                            "attempt_log": list(getattr(error, "attempt_log", None) or [])}
    for name in ("field", "rule", "limit", "attempts"):
        if hasattr(error, name):
            data[name] = getattr(error, name)
    return data


def _error_from_json(data: Mapping[str, Any]) -> FetchError:
    from hoglite.net import errors

    kind = data.get("type")
    message = str(data.get("message") or "")
    error: FetchError
    if kind == "FetchTransportError":
        error = errors.FetchTransportError(message, attempts=int(data.get("attempts") or 1))
    elif kind == "FetchBlockedError":
        error = errors.FetchBlockedError(str(data.get("rule") or "blocked"), message)
    elif kind == "FetchLimitError":
        error = errors.FetchLimitError(str(data.get("limit") or "limit"), message)
    elif kind == "FetchRequestError":
        error = errors.FetchRequestError(str(data.get("field") or "request"), "")
        error.message = message
        error.args = (message,)
    else:
        error = errors.FetchTransportError(message)
    error.attempt_log = list(data.get("attempt_log") or [])  # type: ignore[attr-defined]
    return error


def _tape_entry(request_json: dict[str, Any], response: Any) -> dict[str, Any]:
    if isinstance(response, FetchError):
        return {"request": request_json, "error": _error_to_json(response)}
    parsed = response_from_value(response)
    return {"request": request_json,
            "response": {"status": parsed.status, "body": parsed.body, "headers": dict(parsed.headers),
                         "attempts": parsed.attempts, "attempt_log": list(parsed.attempt_log or [])}}


class _Diverged(BaseException):
    """The replay took another path; a BaseException so that invoke_template does not catch it."""


class LiveStopped(Exception):
    """Raised by a live fetch callback when the host stops the invocation at this fetch."""


LiveFetch = Callable[["FetchRequest", int], Any]  # (request, fetches done) -> FetchResponse | FetchError


class _TapeFetcher:
    """Answers fetches from the tape in order. Past its end it performs the fetch through `live`
    (and records it), or, without `live` (or when `live` stops), suspends the run."""

    def __init__(self, tape: list[dict[str, Any]], live: LiveFetch | None = None) -> None:
        self.tape = tape
        self.position = 0
        self.live = live

    def new_invocation(self) -> _TapeFetcher:
        return self

    def fetch(self, request: FetchRequest, *, deadline: float | None = None) -> Any:
        from hoglite.net.fetch import FetchResponse

        if self.position >= len(self.tape):
            if self.live is None:
                raise _Suspend(request)
            try:
                outcome = self.live(request, len(self.tape))
            except LiveStopped:
                raise _Suspend(request) from None
            self.tape.append(_tape_entry(request.to_json(), outcome))
        entry = self.tape[self.position]
        self.position += 1
        if entry["request"] != request.to_json():
            raise _Diverged(
                f"The paused invocation did not replay the same way: fetch {self.position} was "
                f"{entry['request'].get('method')} {entry['request'].get('url')} and is now "
                f"{request.method} {request.url} (did the template, its inputs or a random value change?)")
        if "error" in entry:
            raise _error_from_json(entry["error"])
        data = entry["response"]
        return FetchResponse(status=int(data["status"]), body=data.get("body"), headers=dict(data.get("headers") or {}),
                             attempts=int(data.get("attempts") or 1), attempt_log=list(data.get("attempt_log") or []))


class _TapeClock:
    """Replays the recorded clock readings, then reads (and records) the live clock."""

    def __init__(self, readings: list[float], live: Callable[[], float]) -> None:
        self.readings = list(readings)
        self.position = 0
        self.live = live

    def __call__(self) -> float:
        if self.position < len(self.readings):
            value = self.readings[self.position]
        else:
            value = self.live()
            self.readings.append(value)
        self.position += 1
        return value


def _code_digest(template: Template) -> str:
    return hashlib.sha256((template.code or "").encode("utf-8", "surrogatepass")).hexdigest()


def _options_to_json(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - TEMPLATE_OPTIONS)
    if unknown:
        raise TypeError(f"unsupported option(s) for a step-wise template invocation: {', '.join(unknown)} "
                        f"(allowed: {', '.join(sorted(TEMPLATE_OPTIONS))})")
    data = dict(options)
    project = data.get("project")
    if project is not None and dataclasses.is_dataclass(project):
        data["project"] = dataclasses.asdict(project)
    if data.get("integrations") is not None:
        data["integrations"] = [[key, value] for key, value in data["integrations"].items()]
    return data


def _options_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    from hoglite.cdp.globals import Project

    options = dict(data)
    if isinstance(options.get("project"), Mapping):
        project = dict(options["project"])
        if "person_display_name_properties" in project:
            project["person_display_name_properties"] = tuple(project["person_display_name_properties"])
        options["project"] = Project(**project)
    if options.get("integrations") is not None:
        options["integrations"] = {key: value for key, value in options["integrations"]}
    return options


def _template_from_state(engine: Engine, ref: Mapping[str, Any]) -> Template:
    candidates: list[Any] = [ref.get("id")]
    if ref.get("folder"):
        candidates.append(Path(ref["folder"]))
    last_error: HogliteError | None = None
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            template = engine.template(candidate)
        except HogliteError as error:
            last_error = error
            continue
        if _code_digest(template) == ref.get("code_sha256"):
            return template
        last_error = TemplateError(f"Template {ref.get('id')!r} changed since the invocation paused "
                                   "(its code is different); it cannot be resumed.", field="template")
    raise last_error or TemplateError(f"Unknown template {ref.get('id')!r}.", field="template")


def _replay(engine: Engine, template: Template, state: dict[str, Any], live: LiveFetch | None = None) -> Step:
    from hoglite.cdp.invocation import invoke_template

    fetcher = _TapeFetcher(list(state["tape"]), live)
    clock = _TapeClock(state["clock"], engine.clock)
    started = time.monotonic()
    try:
        result = invoke_template(template, state["event"], state["inputs"], fetcher=fetcher,
                                 limits=engine.template_limits, clock=clock, **_options_from_json(state["options"]))
    except _Diverged as diverged:
        raise HogRuntimeError(str(diverged)) from None
    except _Suspend as suspended:
        paused = dict(state)
        paused["tape"] = fetcher.tape
        paused["clock"] = clock.readings
        paused["pending"] = {"name": "fetch", "args": None, "request": suspended.request.to_json()}
        paused["active_ms"] = float(state.get("active_ms") or 0) + (time.monotonic() - started) * 1000
        return Step(state=paused)
    if fetcher.position < len(fetcher.tape) and result.outcome != "error":
        # Ending early with an error (a limit hit on this run, say) is a result; succeeding without
        # the recorded fetches means the code took another path.
        raise HogRuntimeError("The paused invocation did not replay the same way: it made fewer fetches")
    return Step(result=result)


def new_template_state(template: Template, event: Mapping[str, Any], inputs: Mapping[str, Any] | None,
                       options: Mapping[str, Any]) -> dict[str, Any]:
    """The state of a template invocation that has not run yet (its tape is empty)."""
    return {
        "format": STATE_FORMAT,
        "kind": "template",
        "template": {"id": template.id, "folder": str(template.folder) if template.folder else None,
                     "code_sha256": _code_digest(template)},
        "event": dict(event),
        "inputs": dict(inputs or {}),
        "options": _options_to_json(options),
        "tape": [],
        "clock": [],
        "pending": None,
    }


def start_template(engine: Engine, template: Template, event: Mapping[str, Any],
                   inputs: Mapping[str, Any] | None, options: Mapping[str, Any]) -> Step:
    engine.register_template(template)
    return _replay(engine, template, new_template_state(template, event, inputs, options))


def run_template_live(engine: Engine, state: Mapping[str, Any], live: LiveFetch) -> Step:
    """Run a template invocation to the end in one go, performing each new fetch with `live`.

    `state` is a new state (`new_template_state`) or a paused one (its pending fetch is performed
    first). This is the path for hosts that run invocations in worker threads: the Hog code runs
    once, `live(request, fetches_done)` blocks the worker while the fetch happens elsewhere (it
    returns the FetchResponse or the FetchError), and if `live` raises LiveStopped the invocation
    comes back paused at that fetch, with a state that can be stored and resumed later.
    """
    from hoglite.net.fetch import FetchRequest

    template = _template_from_state(engine, state["template"])
    current = dict(state)
    if current.get("pending") is not None:
        try:
            response = live(FetchRequest.from_json(dict(current["pending"]["request"])), len(current["tape"]))
        except LiveStopped:
            return Step(state=dict(state))
        current["tape"] = [*current["tape"], _tape_entry(current["pending"]["request"], response)]
        current["pending"] = None
    return _replay(engine, template, current, live)


def _resume_template(engine: Engine, state: Mapping[str, Any], response: Any) -> Step:
    template = _template_from_state(engine, state["template"])
    entry = _tape_entry(state["pending"]["request"], response)
    next_state = dict(state)
    next_state["tape"] = [*state["tape"], entry]
    next_state["pending"] = None
    return _replay(engine, template, next_state)


# ---------------------------------------------------------------------------------------------------
# Entry points


def resume(engine: Engine, state: Mapping[str, Any], response: Any) -> Step:
    _check_state(state)
    if state.get("pending") is None:
        raise HogRuntimeError("This invocation is not waiting for anything")
    if state["kind"] == "program":
        return _resume_program(engine, state, response)
    if state["kind"] == "template":
        return _resume_template(engine, state, response)
    raise HogRuntimeError(f"Unknown paused invocation kind: {state['kind']!r}")


def fetches_done(state: Mapping[str, Any]) -> int:
    """Fetches already made by a paused invocation (so a fetcher can keep counting from there)."""
    if state["kind"] == "template":
        return len(state["tape"])
    return max(0, len(state.get("fetches") or []) - 1)


async def perform_fetch(fetcher: Any, request: FetchRequest, fetches_done: int) -> Any:
    """Perform one fetch on the event loop: the FetchResponse, or the FetchError it ended with."""
    try:
        outcome = _counted(fetcher, fetches_done).fetch(request)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        return outcome
    except FetchError as error:
        return error


async def perform_pending(engine: Engine, step: Step, fetcher: Any) -> Any:
    """Perform a step's pending call on the event loop: the response (or FetchError) to resume with."""
    import asyncio

    assert step.state is not None
    name = step.name
    if name == "fetch":
        request = step.request
        assert request is not None
        return await perform_fetch(fetcher, request, fetches_done(step.state))
    args = step.args or []
    if name == "sleep":
        seconds = args[0] if args and isinstance(args[0], (int, float)) and not isinstance(args[0], bool) else 0
        await asyncio.sleep(min(max(0.0, float(seconds)), engine.wall_timeout))
        return None
    function = engine.functions.get(name or "")
    if function is None:
        raise HogRuntimeError(f"Invalid async function call: {name}")
    return await engine.call_async_host_function(function, args)


def _counted(fetcher: Any, done: int) -> Any:
    """A per-invocation view of the fetcher that has already counted `done` fetches."""
    new_invocation = getattr(fetcher, "new_invocation", None)
    if new_invocation is None:
        return fetcher
    try:
        return new_invocation(fetches_done=done)
    except TypeError:
        return new_invocation()


async def drive_async(engine: Engine, step: Step, fetcher: Any) -> InvocationResult:
    """Run a started invocation to the end, awaiting each pending call."""
    while not step.done:
        assert step.state is not None
        try:
            response = await perform_pending(engine, step, fetcher)
        except HogliteError as error:
            response = error
        if isinstance(response, HogliteError) and not isinstance(response, FetchError):
            raise response
        step = resume(engine, step.state, response)
    assert step.result is not None
    return step.result
