"""Step-wise execution: `start` runs until the first async call, `resume` continues; the state is JSON.

Programs and template invocations both pause in the VM itself, so resuming never re-runs Hog code:

* a paused **program** holds the VM snapshot (hoglite.vm.state, PostHog's VMState shape), the
  globals, the limits and what was logged and fetched so far (hoglite.host.runs);
* a paused **template invocation** holds the VM snapshot, the globals with the evaluated inputs,
  the pending call with its normalised fetch request, the logs and fetch calls so far and the
  counters (hoglite.cdp.codestep.TemplateRun.to_state), plus the template's id, folder and code
  digest, so a template edited in between is refused rather than resumed wrongly.

Both are plain JSON: store them and resume in another process with an equally set-up Engine (same
host functions; the template findable by id or folder). A state is secret material, though: the
logs and error texts in it are redacted, but the VM stack, the globals' inputs and the pending
request hold the raw secret inputs the code needs to continue, so store it as you store credentials.
A damaged or edited state is refused with "Invalid paused state: ..." and cannot widen the sandbox:
the run continues under the resuming engine's limits (hoglite.cdp.paused_state).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoglite.errors import FetchError, HogliteError, HogRuntimeError, TemplateError
from hoglite.host.runs import STATE_FORMAT, ProgramRun
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
    run = ProgramRun.from_state(engine, state)  # checks every field, the pending call included
    pending = state["pending"]
    try:
        if pending["name"] == "fetch":  # from_state made sure a fetch call is recorded
            value = run.end_fetch(run.fetches[-1], response)
        else:
            value = response
    except HogliteError as error:
        return Step(result=run.fail(error, stage="fetch"))
    return _program_step(run, run.then(state["vm"], value))


# ---------------------------------------------------------------------------------------------------
# Templates


def _check_options(options: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - TEMPLATE_OPTIONS)
    if unknown:
        raise TypeError(f"unsupported option(s) for a step-wise template invocation: {', '.join(unknown)} "
                        f"(allowed: {', '.join(sorted(TEMPLATE_OPTIONS))})")


def prepare_template(engine: Engine, template: Template, event: Mapping[str, Any],
                     inputs: Mapping[str, Any] | None, options: Mapping[str, Any]) -> Any:
    """Globals, filters and inputs with the engine's services: an InvocationResult or a TemplateRun."""
    from hoglite.cdp.invocation import prepare_invocation

    _check_options(options)
    engine.register_template(template)
    return prepare_invocation(template, event, inputs, limits=engine.template_limits, clock=engine.clock,
                              **engine.template_services(), **options)


def template_step(run: Any, outcome: Any) -> Step:
    """A Step from a TemplateRun's outcome: done, or paused with the run's JSON state."""
    from hoglite.cdp.codestep import PendingCall

    if isinstance(outcome, PendingCall):
        return Step(state=run.to_state())
    return Step(result=outcome)


def start_template(engine: Engine, template: Template, event: Mapping[str, Any],
                   inputs: Mapping[str, Any] | None, options: Mapping[str, Any]) -> Step:
    from hoglite.cdp.invocation import InvocationResult

    prepared = prepare_template(engine, template, event, inputs, options)
    if isinstance(prepared, InvocationResult):
        return Step(result=prepared)
    return template_step(prepared, prepared.start())


def _code_digest(template: Template) -> str:
    from hoglite.cdp.codestep import code_digest

    return code_digest(template)


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


def template_run_from_state(engine: Engine, state: Mapping[str, Any]) -> Any:
    """The TemplateRun of a paused template invocation, with the engine's services."""
    from hoglite.cdp.codestep import TemplateRun

    _check_state(state)
    if state.get("kind") != "template":
        raise HogRuntimeError("Not a paused template invocation")
    if "tape" in state:
        raise HogRuntimeError("This paused template invocation was stored by an older hoglite (replay format) "
                              "and cannot be resumed; run its event again")
    if state.get("pending") is None or "vm" not in state:
        raise HogRuntimeError("This invocation is not waiting for anything")
    from hoglite.cdp import paused_state
    from hoglite.cdp.invocation import default_code_limits

    ref = paused_state.mapping(state.get("template"), "template")
    assert ref is not None
    for key in ("id", "folder", "code_sha256"):
        paused_state.text(ref.get(key), f"template.{key}", optional=True)
    template = _template_from_state(engine, ref)
    # The engine's limits, never looser ones from the state (see hoglite.cdp.paused_state).
    return TemplateRun.from_state(template, state, clock=engine.clock,
                                  limits=engine.template_limits or default_code_limits(),
                                  **engine.template_services())


def _resume_template(engine: Engine, state: Mapping[str, Any], response: Any) -> Step:
    run = template_run_from_state(engine, state)
    return template_step(run, run.resume(response))


# ---------------------------------------------------------------------------------------------------
# Entry points


def resume(engine: Engine, state: Mapping[str, Any], response: Any) -> Step:
    _check_state(state)
    if state.get("pending") is None:
        raise HogRuntimeError("This invocation is not waiting for anything")
    kind = state.get("kind")
    if kind == "program":
        return _resume_program(engine, state, response)
    if kind == "template":
        return _resume_template(engine, state, response)
    raise HogRuntimeError(f"Unknown paused invocation kind: {kind!r}")


def fetches_done(state: Mapping[str, Any]) -> int:
    """Fetches already made by a paused invocation (so a fetcher can keep counting from there)."""
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


async def perform_call(engine: Engine, name: str | None, args: list[Any], request: FetchRequest | None,
                       fetcher: Any, done: int) -> Any:
    """Perform a pending call on the event loop: the response (or FetchError) to resume with."""
    import asyncio

    if name == "fetch":
        assert request is not None
        return await perform_fetch(fetcher, request, done)
    if name == "sleep":
        seconds = args[0] if args and isinstance(args[0], (int, float)) and not isinstance(args[0], bool) else 0
        await asyncio.sleep(min(max(0.0, float(seconds)), engine.wall_timeout))
        return None
    function = engine.functions.get(name or "")
    if function is None:
        raise HogRuntimeError(f"Invalid async function call: {name}")
    return await engine.call_async_host_function(function, args)


async def perform_pending(engine: Engine, step: Step, fetcher: Any) -> Any:
    """Perform a step's pending call on the event loop: the response (or FetchError) to resume with."""
    assert step.state is not None
    return await perform_call(engine, step.name, step.args or [], step.request, fetcher, fetches_done(step.state))


def _counted(fetcher: Any, done: int) -> Any:
    """A per-invocation view of the fetcher that has already counted `done` fetches."""
    new_invocation = getattr(fetcher, "new_invocation", None)
    if new_invocation is None:
        return fetcher
    try:
        return new_invocation(fetches_done=done)
    except TypeError:
        return new_invocation()


async def drive_template(engine: Engine, run: Any, outcome: Any, fetcher: Any) -> InvocationResult:
    """Run a started TemplateRun to the end on the event loop, awaiting each pending call.

    The Hog code runs on the calling thread between awaits; nothing is serialised on the way. If
    the task is cancelled while a call is pending, `run` still holds that pause (`run.to_state()`).
    """
    import time

    from hoglite.cdp.codestep import PendingCall

    while isinstance(outcome, PendingCall):
        if outcome.name == "fetch":
            started = time.perf_counter()
            value = await perform_fetch(fetcher, outcome.request, max(0, len(run.fetches) - 1))
            run.fetch_seconds += time.perf_counter() - started
        else:
            try:
                value = await perform_call(engine, outcome.name, outcome.args, None, fetcher, 0)
            except HogliteError as error:
                return run.fail(error, "code")
        outcome = run.resume(value)
    return outcome


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
