"""Running one template against one event: filters -> globals -> inputs -> code -> fetch loop.

`invoke_template(template, event_or_globals, inputs, fetcher=...)` is the whole pipeline of spec
templates-and-host.md §6.1 for one event, returning an `InvocationResult` with the outcome
(`ok`, `skipped` or `error`), the logs PostHog would write (print lines as `info`, failed fetch
attempts, the uncaught error), every fetch call with its response, and the error with its Hog
position. The embedding API (hoglite.host) and the test runner (hoglite.testing) both wrap it.

The code, the filters and the input templates are compiled once per template and cached on it.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hoglite.cdp import filters as filters_module
from hoglite.cdp import inputs as inputs_module
from hoglite.cdp.globals import Project, build_filter_globals, globals_from, source_global
from hoglite.cdp.redact import redactor_for_inputs
from hoglite.cdp.template import Template
from hoglite.errors import FetchError, HogliteError, HogRuntimeError, TemplateError, UncaughtHogError

MAX_LOG_ENTRIES = 25  # the 25th print becomes a warning and later prints are dropped (PostHog)
MAX_LOG_LENGTH = 10_000
TRUNCATED_SUFFIX = "... (truncated)"
ASYNC_FUNCTIONS = frozenset({"fetch"})
OUTCOMES = ("ok", "skipped", "error")


def default_code_limits() -> Any:
    from hoglite.vm.limits import Limits

    # 500 ms of Hog CPU per invocation and at most 5 fetches, as proposed in spec §6.3.
    return Limits(timeout_seconds=0.5, max_async_steps=5)


def default_input_limits() -> Any:
    from hoglite.vm.limits import Limits

    return Limits(timeout_seconds=0.1, max_async_steps=0)


def default_filter_limits() -> Any:
    from hoglite.vm.limits import Limits

    return Limits(timeout_seconds=0.05, max_async_steps=0)


# ---------------------------------------------------------------------------------------------------
# Results


@dataclass
class LogEntry:
    timestamp: str
    level: str  # debug | info | warn | error
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"timestamp": self.timestamp, "level": self.level, "message": self.message}


@dataclass
class FetchCall:
    """One fetch the code made: the request as sent, and what came back (or the transport error)."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    response: dict[str, Any] | None = None  # the {status, body} Hog received
    error: str | None = None  # the request got no response (the code saw status 500)
    attempts: int = 1

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"method": self.method, "url": self.url, "headers": dict(self.headers),
                                "body": self.body}
        if self.response is not None:
            data["response"] = self.response
        if self.error is not None:
            data["error"] = self.error
        if self.attempts != 1:
            data["attempts"] = self.attempts
        return data


@dataclass
class InvocationResult:
    outcome: str  # ok | skipped | error
    logs: list[LogEntry] = field(default_factory=list)
    fetches: list[FetchCall] = field(default_factory=list)
    error: str | None = None  # the message (for a Hog `throw Error('x')`: "x")
    error_detail: HogliteError | None = None  # the full error, with its span
    stage: str | None = None  # where it stopped early: filters | inputs | code | fetch
    skip_reason: str | None = None
    value: Any = None  # what the code returned
    inputs: dict[str, Any] | None = None  # the evaluated inputs
    globals: dict[str, Any] | None = None
    mapping: str | None = None
    ops: int = 0
    duration_ms: float = 0.0
    max_mem_used: int = 0
    code: str | None = None  # the template source, to render the error's caret snippet
    code_name: str | None = None
    # Hides the invocation's secrets (the fetch calls keep the real values, as they were sent).
    redact: Callable[[str], str] = field(default=lambda text: text, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def render_error(self) -> str | None:
        """The error with a caret snippet into the template code (or the input template)."""
        if self.error_detail is None:
            return self.error
        detail = self.error_detail
        if isinstance(detail, inputs_module.InputEvaluationError):
            return str(detail)
        if self.stage == "code" and self.code is not None:
            return detail.render(self.code, name=self.code_name)
        return detail.render()

    def redacted_fetches(self) -> list[dict[str, Any]]:
        """The fetch calls as JSON with every secret replaced, for display."""
        return [json.loads(self.redact(json.dumps(call.to_json(), ensure_ascii=False))) for call in self.fetches]

    def to_json(self, *, redacted: bool = True) -> dict[str, Any]:
        """The result as JSON. With `redacted` (the default) secrets are hidden in fetches and inputs."""
        data: dict[str, Any] = {
            "outcome": self.outcome,
            "error": self.error,
            "logs": [entry.to_json() for entry in self.logs],
            "fetches": self.redacted_fetches() if redacted else [call.to_json() for call in self.fetches],
        }
        if self.inputs is not None:
            inputs_text = json.dumps(self.inputs, ensure_ascii=False, default=str)
            data["inputs"] = json.loads(self.redact(inputs_text) if redacted else inputs_text)
        if self.error_detail is not None:
            data["error_detail"] = self.error_detail.to_json()
        if self.stage is not None:
            data["stage"] = self.stage
        if self.skip_reason is not None:
            data["skip_reason"] = self.skip_reason
        if self.mapping is not None:
            data["mapping"] = self.mapping
        data["value"] = self.value
        data["ops"] = self.ops
        return data


# ---------------------------------------------------------------------------------------------------
# Compilation (cached per template)


def _cache(template: Template) -> dict[str, Any]:
    cache = template.__dict__.get("_hoglite_cache")
    if cache is None:
        cache = {}
        template.__dict__["_hoglite_cache"] = cache
    return cache


def compile_template_code(template: Template) -> Any:
    """The template's compiled program (cached by source hash). Raises HogSyntaxError on bad code."""
    from hoglite.compiler import compile_source

    key = "code:" + hashlib.sha256((template.code or "").encode("utf-8")).hexdigest()
    cache = _cache(template)
    if key not in cache:
        cache[key] = compile_source(template.code, name=template.code_path)
    return cache[key]


def _compiled_filters(template: Template, filters: Mapping[str, Any] | None, field_name: str,
                      test_account_filters: list[dict[str, Any]] | None,
                      actions: Mapping[str, Any] | None) -> filters_module.CompiledFilters:
    key = "filters:" + json.dumps([filters, test_account_filters, actions, field_name], sort_keys=True, default=str)
    cache = _cache(template)
    if key not in cache:
        cache[key] = filters_module.compile_filters(filters, test_account_filters=test_account_filters,
                                                    actions=actions, field_name=field_name)
    return cache[key]


def _compiled_inputs(template: Template, schema: list[dict[str, Any]], values: Mapping[str, Any]) -> Any:
    key = "inputs:" + json.dumps([schema, values], sort_keys=True, default=str)
    cache = _cache(template)
    if key not in cache:
        if len(cache) > 256:  # many distinct input sets (a batch with per-event inputs): keep it bounded
            for old in [k for k in cache if k.startswith("inputs:")][:128]:
                del cache[old]
        cache[key] = inputs_module.compile_inputs(schema, values)
    return cache[key]


# ---------------------------------------------------------------------------------------------------
# VM glue


class _HostContext:
    """What built-ins may ask of the run: the injected clock, randomness and UUIDs."""

    def __init__(self, clock: Callable[[], float], on_print: Callable[[str], None] | None = None) -> None:
        self._clock = clock
        self._on_print = on_print

    def print(self, text: str) -> None:
        if self._on_print is not None:
            self._on_print(text)

    def now(self) -> float:
        return self._clock()

    def random(self) -> float:
        import random

        return random.random()

    def uuid4(self) -> str:
        return str(uuid_module.uuid4())


def run_expression_program(program: Any, globals_: dict[str, Any], *, limits: Any = None,
                           clock: Callable[[], float] = time.time, what: str = "expression") -> Any:
    """Run a compiled expression program (input template, filter) synchronously: no async calls."""
    from hoglite.vm import RunOptions, execute

    options = RunOptions(globals=globals_, limits=limits, host=_HostContext(clock), async_functions=set(),
                         source_map=program.source_map, source=program.source, disallowed={"sleep"})
    result = execute(program.bytecode, options)
    if result.paused is not None:
        raise HogRuntimeError(f"Async function '{result.paused.name}' cannot be called in {what}")
    return result.value


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _two_significant(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return "0"
    digits = 2 - int(math.floor(math.log10(abs(value)))) - 1
    rounded = round(value, digits)
    from hoglite.vm.values import format_number

    return format_number(float(rounded))


def _print_message(args: list[Any]) -> str:
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


class _Invocation:
    """The mutable state of one run: logs, fetch calls, the failed-fetch mark."""

    def __init__(self, clock: Callable[[], float], event_uuid: str) -> None:
        self.clock = clock
        self.event_uuid = event_uuid
        self.logs: list[LogEntry] = []
        self.fetches: list[FetchCall] = []
        self.prints = 0
        self.redact: Callable[[str], str] = lambda text: text
        self.failed_fetch: str | None = None

    def log(self, level: str, message: str) -> None:
        message = self.redact(message)
        if len(message) > MAX_LOG_LENGTH:
            message = message[:MAX_LOG_LENGTH] + TRUNCATED_SUFFIX
        self.logs.append(LogEntry(_iso(self.clock()), level, message))

    def print(self, args: list[Any]) -> None:
        self.prints += 1
        if self.prints == MAX_LOG_ENTRIES:
            self.log("warn", "Function exceeded maximum log entries. No more logs will be collected. "
                     f"Event: {self.event_uuid}")
        elif self.prints < MAX_LOG_ENTRIES:
            self.log("info", _print_message(args))


# ---------------------------------------------------------------------------------------------------
# The pipeline


def invoke_template(
    template: Template,
    event_or_globals: Mapping[str, Any],
    inputs: Mapping[str, Any] | None,
    *,
    fetcher: Any,
    limits: Any = None,
    clock: Callable[[], float] | None = None,
    project: Project | None = None,
    test_account_filters: list[dict[str, Any]] | None = None,
    actions: Mapping[str, Mapping[str, Any]] | None = None,
    integrations: Mapping[Any, dict[str, Any]] | None = None,
    check_required: bool = True,
    templating: bool = True,
    fail_on_fetch_error: bool = True,
    mapping: str | None = None,
    input_limits: Any = None,
    filter_limits: Any = None,
) -> InvocationResult:
    """Run `template` for one event (or globals given directly) with the given input values.

    `fetcher` performs fetches (`hoglite.net.mock.MockFetcher`, `hoglite.net.fetch.Fetcher`, ...).
    `clock` returns epoch seconds; it stamps logs and is what `now()` sees in Hog.
    `templating=False` uses the input values as they are (PostHog's Python test harness).
    `fail_on_fetch_error` marks the run failed when its last fetch ended with status >= 400, even if
    the code handled it (PostHog's behaviour). `mapping` runs one of the template's mapping_templates.
    """
    clock = clock or time.time
    limits = limits if limits is not None else default_code_limits()
    input_limits = input_limits if input_limits is not None else default_input_limits()
    filter_limits = filter_limits if filter_limits is not None else default_filter_limits()
    project = project or Project()

    try:
        globals_ = globals_from(event_or_globals, project=project,
                                source=source_global(project, template.id, template.name))
    except TemplateError as error:
        return InvocationResult("error", error=str(error), error_detail=error, stage="globals")
    event = globals_.get("event") or {}
    run = _Invocation(clock, str(event.get("uuid") or ""))

    def finish(outcome: str, **kwargs: Any) -> InvocationResult:
        result = InvocationResult(outcome, logs=run.logs, fetches=run.fetches, globals=globals_,
                                  mapping=mapping, code=template.code, code_name=template.code_path,
                                  redact=run.redact, **kwargs)
        if result.error is not None:
            result.error = run.redact(result.error)
        return result

    # 1. Filters: the template's, then the mapping's.
    schema = list(template.inputs_schema)
    mapping_inputs: dict[str, Any] = {}
    filter_sets: list[tuple[Mapping[str, Any] | None, str]] = [(template.filters, "filters")]
    if mapping is not None:
        chosen = next((m for m in template.mapping_templates or [] if m.get("name") == mapping), None)
        if chosen is None:
            error = TemplateError(f"No mapping template named {mapping!r}.", field="mapping_templates")
            return finish("error", error=str(error), error_detail=error, stage="filters")
        schema.extend(chosen.get("inputs_schema") or [])
        mapping_inputs = dict(chosen.get("inputs") or {})
        filter_sets.append((chosen.get("filters"), f"mapping_templates[{mapping}].filters"))
    filter_globals = build_filter_globals(globals_)
    for filters, field_name in filter_sets:
        try:
            compiled_filters = _compiled_filters(template, filters, field_name, test_account_filters, actions)
        except HogliteError as error:
            return finish("error", error=str(error), error_detail=error, stage="filters")
        outcome = filters_module.check_filters(
            compiled_filters, filter_globals,
            lambda program, scope: run_expression_program(program, scope, limits=filter_limits, clock=clock,
                                                          what="filters"))
        if outcome.error is not None:
            run.log("error", f"Error filtering event {run.event_uuid}: {outcome.error.message}")
        if not outcome.matched:
            return finish("skipped", skip_reason=outcome.reason, stage="filters")

    # 2. Inputs: validate, compile once, evaluate in dependency order.
    given = {**mapping_inputs, **dict(inputs or {})}
    try:
        values = inputs_module.validate_inputs(schema, given, check_required=check_required,
                                               integrations=integrations, file=template.metadata_path)
        if templating:
            compiled_inputs = _compiled_inputs(template, schema, values)
            evaluated = inputs_module.evaluate_inputs(
                compiled_inputs, globals_,
                lambda program, scope: run_expression_program(program, scope, limits=input_limits, clock=clock,
                                                              what="inputs"))
        else:
            evaluated = dict(values)
    except TemplateError as error:
        run.log("error", f"Error building inputs for event {run.event_uuid}: {error.message}")
        return finish("error", error=error.message, error_detail=error, stage="inputs")
    # One redaction policy for the whole project: hoglite.cdp.redact (spec §2.8, narrowed for integrations).
    run.redact = redactor_for_inputs(schema, evaluated)
    globals_["inputs"] = evaluated

    # 3. The code, with the fetch loop.
    return _execute(template, globals_, evaluated, run, finish, fetcher=fetcher, limits=limits, clock=clock,
                    fail_on_fetch_error=fail_on_fetch_error)


def _execute(template: Template, globals_: dict[str, Any], evaluated: dict[str, Any], run: _Invocation,
             finish: Callable[..., InvocationResult], *, fetcher: Any, limits: Any, clock: Callable[[], float],
             fail_on_fetch_error: bool) -> InvocationResult:
    from hoglite.net.errors import FetchLimitError
    from hoglite.net.fetch import build_request, error_to_hog_response, to_hog_response
    from hoglite.vm import RunOptions, execute, resume

    try:
        program = compile_template_code(template)
    except HogliteError as error:
        run.log("error", f"Error executing function on event {run.event_uuid}: Hog code has errors: {error.message}")
        return finish("error", error=f"Hog code has errors: {error.message}", error_detail=error, stage="code",
                      inputs=evaluated)

    def hog_print(args: list[Any], *_: Any) -> None:
        run.print(list(args))

    options = RunOptions(globals=globals_, functions={"print": hog_print}, async_functions=set(ASYNC_FUNCTIONS),
                         limits=limits, host=_HostContext(clock), source_map=program.source_map,
                         source=template.code, disallowed={"sleep"})
    if hasattr(fetcher, "new_invocation"):
        # Fetchers count fetches per invocation (the limit of 5); each run gets a fresh count.
        fetcher = fetcher.new_invocation()
    started = time.perf_counter()
    fetch_seconds = 0.0
    result: Any = None
    try:
        result = execute(program.bytecode, options)
        while result.paused is not None:
            paused = result.paused
            if paused.name != "fetch":
                raise HogRuntimeError(f"Async function '{paused.name}' is not available to templates")
            args = list(paused.args)
            fetch_started = time.perf_counter()
            response = _perform_fetch(args, fetcher, run, build_request, to_hog_response, error_to_hog_response)
            fetch_seconds += time.perf_counter() - fetch_started
            result = resume(paused.state, response, options)
    except FetchLimitError as error:
        message = error.message
        run.log("error", f"Error executing function on event {run.event_uuid}: {message}")
        return finish("error", error=message, error_detail=error, stage="fetch", inputs=evaluated,
                      **_stats(result))
    except FetchError as error:
        message = error.message
        run.log("error", f"Error executing function on event {run.event_uuid}: {message}")
        return finish("error", error=message, error_detail=error, stage="fetch", inputs=evaluated,
                      **_stats(result))
    except UncaughtHogError as error:
        run.log("error", f"Error executing function on event {run.event_uuid}: {error.message}")
        return finish("error", error=str(error.error_message), error_detail=error, stage="code",
                      inputs=evaluated, **_stats(result))
    except HogliteError as error:
        run.log("error", f"Error executing function on event {run.event_uuid}: {error.message}")
        return finish("error", error=error.message, error_detail=error, stage="code", inputs=evaluated,
                      **_stats(result))

    if not result.finished:
        run.log("warn", "Function was not finished but also had no async function to execute.")
    stats = _stats(result)
    total_ms = (time.perf_counter() - started) * 1000
    event_url = (globals_.get("event") or {}).get("url")
    run.log("debug", f"Function completed in {_two_significant(total_ms)}ms. "
            f"Sync: {_two_significant(total_ms - fetch_seconds * 1000)}ms. "
            f"Mem: {_two_significant(stats['max_mem_used'] / 1024)}kb. Ops: {stats['ops']}. Event: '{event_url}'")
    value = _to_json_value(result.value)
    if fail_on_fetch_error and run.failed_fetch is not None:
        return finish("error", error=run.failed_fetch, stage="fetch", inputs=evaluated, value=value, **stats)
    return finish("ok", value=value, inputs=evaluated, **stats)


def _stats(result: Any) -> dict[str, Any]:
    if result is None:
        return {"ops": 0, "duration_ms": 0.0, "max_mem_used": 0}
    return {"ops": getattr(result, "ops", 0) or 0, "duration_ms": getattr(result, "duration_ms", 0.0) or 0.0,
            "max_mem_used": getattr(result, "max_mem_used", 0) or 0}


def _to_json_value(value: Any) -> Any:
    """The returned value as plain JSON data (PostHog's execResult)."""
    try:
        from hoglite.net.codec import js_stringify

        return json.loads(js_stringify(value)) if value is not None else None
    except (ValueError, TypeError):
        from hoglite.vm.values import print_value

        return print_value(value)


def _perform_fetch(args: list[Any], fetcher: Any, run: _Invocation, build_request: Any, to_hog_response: Any,
                   error_to_hog_response: Any) -> dict[str, Any]:
    """One `fetch(url, options)`: build the request, perform it, log failed attempts PostHog's way."""
    from hoglite.net.errors import FetchBlockedError, FetchRequestError, FetchTransportError

    url = args[0] if args else None
    options = args[1] if len(args) > 1 else None
    try:
        request = build_request(url, options)
    except FetchRequestError as error:
        if error.field != "url" or not isinstance(url, str):
            raise  # a non-string url or bad options: the run ends with this error
        # An unusable URL string (no host, bad scheme) is a request that got no response: like
        # PostHog, hand the code status 500 so its own status checks report it.
        method = options.get("method") if isinstance(options, dict) else None
        call = FetchCall(str(method or "POST").upper(), url, {}, None, error=error.message)
        run.fetches.append(call)
        call.response = error_to_hog_response(error)
        run.log("error", f"HTTP fetch failed on attempt 1 with status code (none). Error: {error.message}.")
        run.failed_fetch = run.logs[-1].message
        return call.response
    body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
    call = FetchCall(request.method, request.url, dict(request.headers), body)
    run.fetches.append(call)
    try:
        response = fetcher.fetch(request)
    except (FetchTransportError, FetchBlockedError) as error:
        # No response at all: PostHog hands the code status 500 with the error text as the body.
        for line in getattr(error, "attempt_log", None) or []:
            run.log("error", line)
        hog_response = error_to_hog_response(error)
        call.response = hog_response
        call.error = error.message
        call.attempts = getattr(error, "attempts", None) or 1
        if not getattr(error, "attempt_log", None):
            run.log("error", f"HTTP fetch failed on attempt {call.attempts} with status code (none). "
                    f"Error: {error.message}.")
        run.failed_fetch = run.logs[-1].message
        return hog_response
    hog_response = to_hog_response(response)
    call.response = hog_response
    call.attempts = response.attempts
    attempt_log = list(response.attempt_log or [])
    if not attempt_log and response.status >= 400:
        # Mock fetchers do not log; write the line a real fetcher would have written.
        attempt_log.append(f"HTTP fetch failed on attempt {response.attempts} with status code {response.status}.")
    for line in attempt_log:
        run.log("error", line)
    run.failed_fetch = run.logs[-1].message if response.status >= 400 else None
    return hog_response


def invoke_all_mappings(template: Template, event_or_globals: Mapping[str, Any], inputs: Mapping[str, Any] | None,
                        *, fetcher: Any, **options: Any) -> list[InvocationResult]:
    """PostHog's mapping loop (spec §1.3): one invocation per mapping whose filters match.

    A template without mapping_templates gives one invocation. Otherwise every mapping marked
    `include_by_default` (all of them when none is marked) is tried; the template's own filters
    apply first, then the mapping's, so a non-matching mapping comes back as `skipped`.
    """
    mappings = template.mapping_templates or []
    if not mappings:
        return [invoke_template(template, event_or_globals, inputs, fetcher=fetcher, **options)]
    chosen = [m for m in mappings if m.get("include_by_default")] or list(mappings)
    return [invoke_template(template, event_or_globals, inputs, fetcher=fetcher, mapping=m.get("name"), **options)
            for m in chosen]
