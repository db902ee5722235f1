"""The code step of a template invocation: the compiled code run on the VM, pausing at each async call.

`hoglite.cdp.invocation.prepare_invocation` does the per-event work before the code (globals,
filters, inputs) and hands back a `TemplateRun`. The run then moves in steps:

    outcome = run.start()                 # InvocationResult (done) or PendingCall
    while isinstance(outcome, PendingCall):
        outcome = run.resume(perform(outcome))   # a FetchResponse / {status, body} / FetchError,
                                                 # or the value of an async host function

The Hog code runs once: a pause keeps the VM's own paused state (hoglite.vm.state, plain JSON), so
nothing is replayed. `run.to_state()` is everything needed to continue elsewhere: the VM state, the
globals with the evaluated inputs, the pending call (with the normalised fetch request), the logs
and fetch calls so far and the counters; `TemplateRun.from_state(template, state, ...)` rebuilds the
run in another process, and `resume` continues it there.

Secrets: log lines are redacted when read (results.LogEntry); the state holds them redacted, and
the error texts in it (the last failed fetch, each fetch call's transport error) as well. The state
does hold the evaluated inputs, the VM stack and the pending request with their raw secrets (the VM
needs them to continue, as PostHog's invocation does): it is secret material, to be stored like
credentials. `from_state` checks every field and keeps the resuming host's limits
(hoglite.cdp.paused_state).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random as random_module
import time
import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hoglite.cdp.results import MAX_LOG_ENTRIES, FetchCall, InvocationResult, LogEntry
from hoglite.errors import FetchError, HogliteError, HogRuntimeError, UncaughtHogError

if TYPE_CHECKING:
    from hoglite.cdp.template import Template
    from hoglite.net.fetch import FetchRequest

STATE_FORMAT = "hoglite-paused/1"
FETCH = "fetch"


def _identity(text: str) -> str:
    return text


class _Net:
    """hoglite.net's pieces the fetch steps use, imported on first use (hoglite.net pulls in httpx),
    then read from here: an import statement costs about a microsecond per call."""

    def __getattr__(self, name: str) -> Any:
        from hoglite.net import errors, fetch

        self.__dict__.update(
            FetchRequestError=errors.FetchRequestError, FetchBlockedError=errors.FetchBlockedError,
            FetchTransportError=errors.FetchTransportError, FetchResponse=fetch.FetchResponse,
            build_request=fetch.build_request, error_to_hog_response=fetch.error_to_hog_response,
            to_hog_response=fetch.to_hog_response)
        return self.__dict__[name]


_net = _Net()
_VM_MODULE: Any = None


def _vm() -> Any:
    """hoglite.vm, imported on first use. Its functions are read from the module at each use (tests
    and hosts may replace them), but without an import statement per call."""
    global _VM_MODULE
    if _VM_MODULE is None:
        import hoglite.vm as module

        _VM_MODULE = module
    return _VM_MODULE


_COMPILE_CODE: Any = None


def _compile_code() -> Callable[[Template], Any]:
    """hoglite.cdp.invocation.compile_template_code (that module imports this one: bound on first use)."""
    global _COMPILE_CODE
    if _COMPILE_CODE is None:
        from hoglite.cdp.invocation import compile_template_code

        _COMPILE_CODE = compile_template_code
    return _COMPILE_CODE


@dataclass
class PendingCall:
    """The async call a paused run waits for. For `fetch`, `request` is the normalised request."""

    name: str
    args: list[Any]
    request: FetchRequest | None = None


Outcome = InvocationResult | PendingCall


def code_digest(template: Template) -> str:
    return hashlib.sha256((template.code or "").encode("utf-8", "surrogatepass")).hexdigest()


def two_significant(value: float) -> str:
    """A duration or size rounded to 2 significant digits, printed as JavaScript prints numbers."""
    if value == 0 or not math.isfinite(value):
        return "0"
    from hoglite.vm.values import format_number

    digits = 2 - int(math.floor(math.log10(abs(value)))) - 1
    return format_number(float(round(value, digits)))


def print_message(args: list[Any]) -> str:
    """PostHog's print: arguments joined with ', ', strings as they are, other values as JSON."""
    from hoglite.net.codec import js_stringify

    parts = []
    for arg in args:
        if isinstance(arg, str):
            parts.append(arg)
        else:
            try:
                parts.append(js_stringify(arg))
            except ValueError:
                from hoglite.vm.values import print_value

                parts.append(print_value(arg))
    return ", ".join(parts)


def to_json_value(value: Any) -> Any:
    """The returned value as plain JSON data (PostHog's execResult)."""
    if value is None or type(value) in (str, bool, int) or (type(value) is float and math.isfinite(value)):
        return value
    try:
        from hoglite.net.codec import js_stringify

        return json.loads(js_stringify(value))
    except (ValueError, TypeError):
        from hoglite.vm.values import print_value

        return print_value(value)


def _new_uuid4() -> str:
    return str(uuid_module.uuid4())


class HostContext:
    """What built-ins may ask of the run: the injected clock, randomness and UUIDs."""

    __slots__ = ("now", "random", "uuid4", "_on_print")

    def __init__(self, clock: Callable[[], float], random: Callable[[], float] | None = None,
                 uuid4: Callable[[], str] | None = None, on_print: Callable[[str], None] | None = None) -> None:
        self.now = clock
        self.random = random or random_module.random
        self.uuid4 = uuid4 or _new_uuid4
        self._on_print = on_print

    def print(self, text: str) -> None:
        if self._on_print is not None:
            self._on_print(text)


def wrap_host_function(name: str, fn: Callable[..., Any]) -> Callable[[list, Any], Any]:
    """An embedder's `fn(*args)` as a VM host function; a Python failure ends the run with its name."""

    def call(args: list, _ctx: Any) -> Any:
        try:
            return fn(*args)
        except HogliteError:
            raise
        except Exception as error:  # noqa: BLE001 - the embedder's code must not crash the host
            raise HogRuntimeError(f"Host function {name} failed: {type(error).__name__}: {error}") from None

    return call


_NAME_SETS: dict[tuple[frozenset[str], frozenset[str]], tuple[frozenset[str], frozenset[str]]] = {}


def _name_sets(async_names: frozenset[str], disallowed: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The VM's async and switched-off names for a run: `fetch` pauses unless switched off, `sleep`
    is never available to templates. Frozen (the VM only reads them), so made once per pair."""
    key = (async_names, disallowed)
    found = _NAME_SETS.get(key)
    if found is None:
        found = (async_names if FETCH in disallowed else async_names | {FETCH}), disallowed | {"sleep"}
        if len(_NAME_SETS) >= 64:
            _NAME_SETS.clear()
        _NAME_SETS[key] = found
    return found


class TemplateRun:
    """One template invocation from its code step on: logs, fetch calls, counters and the VM."""

    def __init__(self, template: Template, *, limits: Any, clock: Callable[[], float],
                 random: Callable[[], float] | None = None, uuid4: Callable[[], str] | None = None,
                 functions: Mapping[str, Callable[..., Any]] | None = None,
                 async_functions: frozenset[str] | set[str] = frozenset(),
                 disallowed: frozenset[str] | set[str] = frozenset(), fail_on_fetch_error: bool = True,
                 mapping: str | None = None, event_uuid: str = "") -> None:
        self.template = template
        self.limits = limits
        self.clock = clock
        self.random = random
        self.uuid4 = uuid4
        self.functions = dict(functions or {})
        self.async_names = frozenset(async_functions)
        self.disallowed = frozenset(disallowed)
        self.fail_on_fetch_error = fail_on_fetch_error
        self.mapping = mapping
        self.event_uuid = event_uuid
        self.logs: list[LogEntry] = []
        self.fetches: list[FetchCall] = []
        self.prints = 0
        self.failed_fetch: str | None = None  # raw text; redacted in results and states
        self.redact: Callable[[str], str] = _identity
        self.globals: dict[str, Any] = {}
        self.inputs: dict[str, Any] | None = None
        self.ops = 0
        self.max_mem_used = 0
        self.hog_seconds = 0.0  # Hog and host work on this invocation, over all steps
        self.fetch_seconds = 0.0  # time the drivers spent performing fetches
        self.pending: PendingCall | None = None
        # The HostContext made for the filters and inputs of this event (same clock, randomness and
        # UUIDs; stateless), reused by the code step; None: one is made there.
        self.host: HostContext | None = None
        # The VM's pause: a PausedCall from this process (its `state` is read only when the run is
        # serialised), or the JSON state a run was rebuilt from.
        self._paused: Any = None
        self._vm_state: dict[str, Any] | None = None
        self._compiled: Any = None
        self._request: FetchRequest | None = None
        self._options: Any = None

    # -- logs ------------------------------------------------------------------------------------------

    def log(self, level: str, message: str | Callable[[], str]) -> None:
        self.logs.append(LogEntry.pending(self.clock(), level, message, self.redact))

    def print(self, args: list[Any]) -> None:
        self.prints += 1
        if self.prints == MAX_LOG_ENTRIES:
            self.log("warn", "Function exceeded maximum log entries. No more logs will be collected. "
                     f"Event: {self.event_uuid}")
        elif self.prints < MAX_LOG_ENTRIES:
            self.log("info", print_message(list(args)))

    def finish(self, outcome: str, **kwargs: Any) -> InvocationResult:
        result = InvocationResult(outcome, logs=self.logs, fetches=self.fetches, globals=self.globals,
                                  mapping=self.mapping, code=self.template.code, code_name=self.template.code_path,
                                  redact=self.redact, **kwargs)
        if result.error is not None:
            result.error = self.redact(result.error)
        self.pending = None
        self._paused = self._vm_state = None
        # The options' print function refers back to this run: dropping them here lets a finished
        # run be freed by reference counting (a cycle waits for the garbage collector).
        self._options = None
        return result

    def _stats(self) -> dict[str, Any]:
        return {"ops": self.ops, "max_mem_used": self.max_mem_used,
                "duration_ms": (self.hog_seconds + self.fetch_seconds) * 1000}

    def fail(self, error: HogliteError, stage: str) -> InvocationResult:
        """End the run with `error` (logged PostHog's way) at `stage` (code or fetch)."""
        self.log("error", f"Error executing function on event {self.event_uuid}: {error.message}")
        message = str(error.error_message) if isinstance(error, UncaughtHogError) else error.message
        return self.finish("error", error=message, error_detail=error, stage=stage, inputs=self.inputs,
                           **self._stats())

    # -- stepping --------------------------------------------------------------------------------------

    def _vm_options(self, program: Any) -> Any:
        if self._options is None:
            def hog_print(args: list[Any], *_: Any) -> None:
                self.print(args)

            functions: dict[str, Any] = {name: wrap_host_function(name, fn) for name, fn in self.functions.items()} \
                if self.functions else {}
            functions["print"] = hog_print  # the invocation's log rules, whatever the host registers
            async_names, disallowed = _name_sets(self.async_names, self.disallowed)
            self._options = _vm().RunOptions(
                globals=self.globals, functions=functions, async_functions=async_names, limits=self.limits,
                host=self.host or HostContext(self.clock, self.random, self.uuid4),
                source_map=program.source_map, source=self.template.code, disallowed=disallowed)
        return self._options

    def _program(self) -> Any:
        if self._compiled is None:
            self._compiled = _compile_code()(self.template)
        return self._compiled

    @property
    def vm_state(self) -> dict[str, Any] | None:
        """The VM's paused state as plain JSON (hoglite.vm.state), or None when not paused."""
        if self._vm_state is None and self._paused is not None:
            self._vm_state = self._paused.state
        return self._vm_state

    def _continue(self, value: Any, options: Any) -> Callable[[], Any]:
        """How to resume the VM: in place when the pause happened in this process and the VM offers
        it (`hoglite.vm.resume_call`, proposed in docs/performance.md: no state round trip), else
        from the JSON state."""
        vm = _vm()
        paused = self._paused
        in_place = getattr(vm, "resume_call", None)
        if in_place is not None and paused is not None and self._vm_state is None:
            return lambda: in_place(paused, value, options)
        state = self.vm_state
        return lambda: vm.resume(state, value, options)

    def start(self) -> Outcome:
        """Run the code until its first async call, or to the end."""
        execute = _vm().execute
        started = time.perf_counter()
        try:
            program = self._program()
        except HogliteError as error:
            self.log("error", f"Error executing function on event {self.event_uuid}: "
                     f"Hog code has errors: {error.message}")
            return self.finish("error", error=f"Hog code has errors: {error.message}", error_detail=error,
                               stage="code", inputs=self.inputs)
        options = self._vm_options(program)
        return self._advance(lambda: execute(program.bytecode, options), started)

    def resume(self, value: Any) -> Outcome:
        """Continue with the result of the pending call (for fetch: the response or the FetchError)."""

        if self.pending is None or (self._paused is None and self._vm_state is None):
            raise HogRuntimeError("This invocation is not waiting for anything")
        started = time.perf_counter()
        pending = self.pending
        if pending.name == FETCH:
            try:
                value = self.end_fetch(self.fetches[-1], value)
            except FetchError as error:
                self.hog_seconds += time.perf_counter() - started
                return self.fail(error, "fetch")
            except HogliteError as error:
                self.hog_seconds += time.perf_counter() - started
                return self.fail(error, "fetch")
        options = self._options or self._vm_options(self._program())
        return self._advance(self._continue(value, options), started)

    def _advance(self, action: Callable[[], Any], started: float) -> Outcome:
        """Run the VM until it pauses at a call the host must perform, or ends."""

        result: Any = None
        try:
            result = action()
            while result.paused is not None:
                paused = result.paused
                self.ops, self.max_mem_used = result.ops, max(self.max_mem_used, result.max_mem_used)
                if paused.name == FETCH:
                    immediate = self.begin_fetch(list(paused.args))
                    if immediate is None:
                        self._paused, self._vm_state = paused, None
                        self.pending = PendingCall(FETCH, list(paused.args), self._request)
                        self.hog_seconds += time.perf_counter() - started
                        return self.pending
                    # An unusable URL got its status 500 at once: continue without the host.
                    self._paused, self._vm_state = paused, None
                    result = self._continue(immediate, self._options)()
                    continue
                if paused.name not in self.async_names:
                    raise HogRuntimeError(f"Async function '{paused.name}' is not available to templates")
                self._paused, self._vm_state = paused, None
                self.pending = PendingCall(paused.name, list(paused.args))
                self.hog_seconds += time.perf_counter() - started
                return self.pending
        except FetchError as error:
            self._absorb(result, started)
            return self.fail(error, "fetch")
        except HogliteError as error:
            self._absorb(result, started)
            return self.fail(error, "code")
        self._absorb(result, started)
        return self._succeed(result)

    def _absorb(self, result: Any, started: float) -> None:
        if result is not None:
            self.ops = result.ops or self.ops
            self.max_mem_used = max(self.max_mem_used, result.max_mem_used or 0)
        self.hog_seconds += time.perf_counter() - started

    def _succeed(self, result: Any) -> InvocationResult:
        if not result.finished:
            self.log("warn", "Function was not finished but also had no async function to execute.")
        total_ms = (self.hog_seconds + self.fetch_seconds) * 1000
        sync_ms = self.hog_seconds * 1000
        kilobytes = self.max_mem_used / 1024
        ops = self.ops
        event_url = (self.globals.get("event") or {}).get("url")
        self.log("debug", lambda: f"Function completed in {two_significant(total_ms)}ms. "
                 f"Sync: {two_significant(sync_ms)}ms. Mem: {two_significant(kilobytes)}kb. Ops: {ops}. "
                 f"Event: '{event_url}'")
        value = to_json_value(result.value)
        if self.fail_on_fetch_error and self.failed_fetch is not None:
            return self.finish("error", error=self.failed_fetch, stage="fetch", inputs=self.inputs, value=value,
                               **self._stats())
        return self.finish("ok", value=value, inputs=self.inputs, **self._stats())

    # -- fetch -----------------------------------------------------------------------------------------

    def begin_fetch(self, args: list[Any]) -> dict[str, Any] | None:
        """Build and record the request of `fetch(url, options)`.

        Returns None when the host must perform it (`self._request`), or the `{status: 500}` response
        for an unusable URL string (no host, bad scheme), which PostHog hands the code at once. Other
        invalid arguments raise FetchRequestError, which ends the run.
        """
        url = args[0] if args else None
        options = args[1] if len(args) > 1 else None
        try:
            request = _net.build_request(url, options)
        except _net.FetchRequestError as error:
            if error.field != "url" or not isinstance(url, str):
                raise
            method = options.get("method") if isinstance(options, dict) else None
            call = FetchCall(str(method or "POST").upper(), url, {}, None, error=error.message)
            self.fetches.append(call)
            call.response = _net.error_to_hog_response(error)
            message = f"HTTP fetch failed on attempt 1 with status code (none). Error: {error.message}."
            self.log("error", message)
            self.failed_fetch = message
            return call.response
        body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
        self.fetches.append(FetchCall(request.method, request.url, dict(request.headers), body))
        self._request = request
        return None

    def end_fetch(self, call: FetchCall, outcome: Any) -> dict[str, Any]:
        """Record what the fetch got and return the `{status, body}` the code receives.

        No response at all (FetchTransportError, FetchBlockedError) gives status 500, as in PostHog;
        any other FetchError (a fetch limit, an invalid request) is raised and ends the run.
        """
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, (_net.FetchTransportError, _net.FetchBlockedError)):
                raise outcome
            attempt_log = list(getattr(outcome, "attempt_log", None) or [])
            for line in attempt_log:
                self.log("error", line)
            hog_response = _net.error_to_hog_response(outcome)
            call.response, call.error = hog_response, outcome.message
            call.attempts = getattr(outcome, "attempts", None) or 1
            if attempt_log:
                self.failed_fetch = attempt_log[-1]
            else:
                self.failed_fetch = (f"HTTP fetch failed on attempt {call.attempts} with status code (none). "
                                     f"Error: {outcome.message}.")
                self.log("error", self.failed_fetch)
            return hog_response
        response = response_from_value(outcome)
        hog_response = _net.to_hog_response(response)
        call.response, call.attempts = hog_response, response.attempts
        attempt_log = list(response.attempt_log or [])
        if not attempt_log and response.status >= 400:
            # Mock fetchers do not log; write the line a real fetcher would have written.
            attempt_log.append(f"HTTP fetch failed on attempt {response.attempts} with status code {response.status}.")
        for line in attempt_log:
            self.log("error", line)
        self.failed_fetch = (attempt_log[-1] if attempt_log else None) if response.status >= 400 else None
        return hog_response

    # -- JSON state ------------------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """The paused invocation as plain JSON (see the module docstring)."""
        from hoglite.vm.values import to_json_value as hog_to_json

        if self.pending is None or self.vm_state is None:
            raise HogRuntimeError("This invocation is not paused")
        request = self.pending.request
        globals_ = dict(self.globals)
        globals_["inputs"] = hog_to_json(globals_.get("inputs") or {})
        template = self.template
        return {
            "format": STATE_FORMAT,
            "kind": "template",
            "template": {"id": template.id, "folder": str(template.folder) if template.folder else None,
                         "code_sha256": code_digest(template)},
            "mapping": self.mapping,
            "globals": globals_,
            "limits": dataclasses.asdict(self.limits),
            "fail_on_fetch_error": self.fail_on_fetch_error,
            "vm": self.vm_state,
            "pending": {"name": self.pending.name, "args": self.pending.args,
                        "request": request.to_json() if request is not None else None},
            "logs": [entry.to_json() for entry in self.logs],  # redacted when read
            # The calls keep what was sent (resuming needs nothing else); their error text is
            # redacted like the logs.
            "fetches": [self._fetch_state(call) for call in self.fetches],
            "prints": self.prints,
            "failed_fetch": self.redact(self.failed_fetch) if self.failed_fetch is not None else None,
            "ops": self.ops,
            "max_mem_used": self.max_mem_used,
            "hog_ms": self.hog_seconds * 1000,
            "fetch_ms": self.fetch_seconds * 1000,
        }

    def _fetch_state(self, call: FetchCall) -> dict[str, Any]:
        data = call.to_json()
        if call.error is not None:
            data["error"] = self.redact(call.error)
        return data

    @classmethod
    def from_state(cls, template: Template, state: Mapping[str, Any], *, clock: Callable[[], float],
                   limits: Any = None,
                   random: Callable[[], float] | None = None, uuid4: Callable[[], str] | None = None,
                   functions: Mapping[str, Callable[..., Any]] | None = None,
                   async_functions: frozenset[str] | set[str] = frozenset(),
                   disallowed: frozenset[str] | set[str] = frozenset()) -> TemplateRun:
        """Rebuild a paused run from `to_state()` output (possibly in another process).

        `limits` are the resuming host's (default: the template defaults, spec §6.3); the limits
        stored in the state can only make them stricter. Every field is checked: a damaged state
        raises HogRuntimeError("Invalid paused state: ...") (see hoglite.cdp.paused_state).
        """
        from hoglite.cdp import paused_state as read
        from hoglite.cdp.invocation import LazyRedactor, default_code_limits, schema_for

        globals_ = read.mapping(state.get("globals"), "globals")
        assert globals_ is not None
        inputs = read.mapping(globals_.get("inputs"), "globals.inputs", optional=True)
        event = globals_.get("event") or {}
        mapping = read.text(state.get("mapping"), "mapping", optional=True)
        chosen = read.resume_limits(limits if limits is not None else default_code_limits(), state.get("limits"))
        run = cls(template, limits=chosen, clock=clock, random=random, uuid4=uuid4,
                  functions=functions, async_functions=async_functions, disallowed=disallowed,
                  fail_on_fetch_error=read.flag(state, "fail_on_fetch_error", True), mapping=mapping,
                  event_uuid=str(event.get("uuid") or "") if isinstance(event, Mapping) else "")
        run.globals = globals_
        run.inputs = inputs
        run.redact = LazyRedactor(schema_for(template, run.mapping), run.inputs or {})
        # Logs and the failed-fetch text are redacted when written; a state is not trusted to hold
        # only redacted text, so they are redacted again here.
        run.logs = read.logs(state, run.redact)
        run.fetches = read.fetch_calls(state)
        run.prints = read.count(state, "prints")
        failed_fetch = read.text(state.get("failed_fetch"), "failed_fetch", optional=True)
        run.failed_fetch = run.redact(failed_fetch) if failed_fetch is not None else None
        run.ops = read.count(state, "ops")
        run.max_mem_used = read.count(state, "max_mem_used")
        run.hog_seconds = read.milliseconds(state, "hog_ms") / 1000
        run.fetch_seconds = read.milliseconds(state, "fetch_ms") / 1000
        run._vm_state = read.vm_snapshot(state)
        name, args, request = read.pending_call(state, run.fetches)
        run.pending = PendingCall(name, args, request)
        run._request = request
        return run


def response_from_value(value: Any) -> Any:
    """A FetchResponse from what a host passes to `resume`: a FetchResponse or a `{status, body}` dict."""
    FetchResponse = _net.FetchResponse  # noqa: N806 - the class

    if isinstance(value, FetchResponse):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("status"), int) and not isinstance(value["status"], bool):
        response = FetchResponse.from_json(dict(value))
        response.attempts = int(value.get("attempts") or 1)
        response.attempt_log = list(value.get("attempt_log") or [])
        return response
    raise HogRuntimeError("A fetch response must be a FetchResponse or a {status, body} object")
