"""Running one template against one event: globals -> filters -> inputs -> code -> fetch loop.

`invoke_template(template, event_or_globals, inputs, fetcher=...)` is the whole pipeline of spec
templates-and-host.md §6.1 for one event, returning an `InvocationResult` with the outcome
(`ok`, `skipped` or `error`), the logs PostHog would write (print lines as `info`, failed fetch
attempts, the uncaught error), every fetch call with its response, and the error with its Hog
position. The embedding API (hoglite.host) and the test runner (hoglite.testing) both wrap it.

It is two steps, usable on their own:

* `prepare_invocation(...)` does the per-event work before the code (globals, filters, inputs) and
  returns a finished `InvocationResult` (skipped, or an error) or a `TemplateRun`;
* the `TemplateRun` (hoglite.cdp.codestep) runs the code on the VM, pausing at each `fetch` (and
  async host function): `start()` / `resume(response)`, with `to_state()` / `from_state()` to carry
  a paused run to another process as plain JSON. The code runs once; nothing is replayed.

Per-event cost is kept low: the code, the filters and the input templates are compiled once per
template and cached on it (under a lock: hosts share templates between threads), input values given
the same way again reuse their validated and compiled form, small input templates and filters run
on a fast path that falls back to the VM for anything unusual (hoglite.cdp.fastpath), the redactor
for a set of secrets is built once and applied only to what is shown, and log lines are formatted
when read.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from hoglite.cdp import filters as filters_module
from hoglite.cdp import inputs as inputs_module
from hoglite.cdp.codestep import (
    FETCH,
    HostContext,
    PendingCall,
    TemplateRun,
    _net,
    print_message,
    two_significant,
)
from hoglite.cdp.globals import Project, build_filter_globals, globals_from, source_global
from hoglite.cdp.results import (
    MAX_LOG_ENTRIES,
    MAX_LOG_LENGTH,
    OUTCOMES,
    TRUNCATED_SUFFIX,
    FetchCall,
    InvocationResult,
    LogEntry,
    iso_timestamp,
)
from hoglite.cdp.template import Template
from hoglite.errors import FetchError, HogliteError, HogRuntimeError, TemplateError

__all__ = [
    "ASYNC_FUNCTIONS", "MAX_LOG_ENTRIES", "MAX_LOG_LENGTH", "OUTCOMES", "TRUNCATED_SUFFIX", "FetchCall",
    "InvocationResult", "LazyRedactor", "LogEntry", "PendingCall", "TemplateRun", "compile_template_code",
    "drive", "invoke_all_mappings", "invoke_template", "prepare_invocation", "run_expression_program",
]

ASYNC_FUNCTIONS = frozenset({FETCH})
INPUT_CACHE_SIZE = 128  # distinct input-value sets kept per template
REDACTOR_CACHE_SIZE = 64

# Kept for callers of the old private helpers.
_iso = iso_timestamp
_two_significant = two_significant
_print_message = print_message


def default_code_limits() -> Any:
    # 500 ms of Hog CPU per invocation and at most 5 fetches, as proposed in spec §6.3.
    return _DEFAULTS.code


def default_input_limits() -> Any:
    return _DEFAULTS.inputs


def default_filter_limits() -> Any:
    return _DEFAULTS.filters


class _DefaultLimits:
    """The three default Limits, made once (Limits is frozen, so they can be shared)."""

    def __getattr__(self, name: str) -> Any:
        from hoglite.vm.limits import Limits

        values = {"code": Limits(timeout_seconds=0.5, max_async_steps=5),
                  "inputs": Limits(timeout_seconds=0.1, max_async_steps=0),
                  "filters": Limits(timeout_seconds=0.05, max_async_steps=0)}
        if name not in values:
            raise AttributeError(name)
        self.__dict__.update(values)
        return values[name]


_DEFAULTS = _DefaultLimits()


# ---------------------------------------------------------------------------------------------------
# Compilation (cached per template, thread-safe)


class _TemplateCache:
    """What is compiled for one template. Guarded by `lock`; compiling happens outside it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.code: tuple[str, str, Any] | None = None  # (code, name, program)
        self.filters: dict[Any, tuple[Any, filters_module.CompiledFilters]] = {}
        self.inputs: OrderedDict[str, tuple[list[dict[str, Any]], dict[str, Any], Any]] = OrderedDict()
        # id(inputs) -> (inputs, copy, schema, integrations, copy, flags, values, compiled): see
        # _recent_inputs_plan. The entry holds `inputs` itself, so its id is not reused meanwhile.
        self.recent_inputs: dict[int, tuple[Any, ...]] = {}
        self.identity_misses = 0  # identity lookups missed in a row


_CACHE_LOCK = threading.Lock()


def _cache(template: Template) -> _TemplateCache:
    cache = template.__dict__.get("_hoglite_cache")
    if cache is None:
        with _CACHE_LOCK:
            cache = template.__dict__.get("_hoglite_cache")
            if cache is None:
                cache = _TemplateCache()
                template.__dict__["_hoglite_cache"] = cache
    return cache


def compile_template_code(template: Template) -> Any:
    """The template's compiled program (cached until its code changes). Raises HogSyntaxError."""
    cache = _cache(template)
    code, name = template.code, template.code_path
    cached = cache.code
    if cached is not None and cached[0] == code and cached[1] == name:
        return cached[2]
    from hoglite.compiler import compile_source

    program = compile_source(code, name=name)
    with cache.lock:
        cache.code = (code, name, program)
    return program


def _compiled_filters(template: Template, filters: Mapping[str, Any] | None, field_name: str,
                      test_account_filters: list[dict[str, Any]] | None,
                      actions: Mapping[str, Any] | None) -> filters_module.CompiledFilters:
    """Compiled filters, looked up by the identity of the objects, then checked against a private copy
    (same types, same key order: an in-place edit of the caller's filters is noticed, and the order of
    the filters decides which one a skip reason names), so the per-event cost is not a JSON dump of
    the filters. Filters that are not plain JSON data are compiled every time."""
    cache = _cache(template)
    key = (id(filters), id(test_account_filters), id(actions), field_name)
    given = [filters, test_account_filters, actions]
    entry = cache.filters.get(key)
    if entry is not None:
        seen, compiled = entry
        if seen[0] is filters and seen[1] is test_account_filters and seen[2] is actions \
                and _same_plain(given, seen[3]):
            return compiled
    compiled = filters_module.compile_filters(filters, test_account_filters=test_account_filters,
                                              actions=actions, field_name=field_name)
    snapshot = _plain_copy(given)
    if snapshot is not _NOT_PLAIN:
        with cache.lock:
            if len(cache.filters) > 64:
                cache.filters.clear()
            cache.filters[key] = ((filters, test_account_filters, actions, snapshot), compiled)
    return compiled


def _inputs_plan(template: Template, schema: list[dict[str, Any]], given: Mapping[str, Any], *,
                 check_required: bool, integrations: Mapping[Any, dict[str, Any]] | None,
                 mapping: str | None, templating: bool) -> tuple[dict[str, Any], Any]:
    """(validated values, compiled inputs or None) for the given input values, cached per template.

    A stream of events usually comes with the same input values each time: they are validated and
    compiled once. Raises TemplateError (invalid values, bad templates) as validate/compile do.
    """
    cache = _cache(template)
    try:
        # Sorted, as a key is meant to be (and refusing mixed key types, which JSON would blur), then
        # as given: the values keep the key order (a dictionary input's entries reach the code in it).
        keyed = [given, check_required, mapping, templating, _integrations_key(integrations)]
        key = json.dumps(keyed, sort_keys=True) + json.dumps(keyed)
    except (TypeError, ValueError):
        key = None
    if key is not None:
        entry = cache.inputs.get(key)
        if entry is not None and (entry[0] is schema or entry[0] == schema):
            return entry[1], entry[2]
    values = inputs_module.validate_inputs(schema, given, check_required=check_required,
                                           integrations=integrations, file=template.metadata_path)
    compiled = inputs_module.compile_inputs(schema, values) if templating else None
    if key is not None:
        with cache.lock:
            cache.inputs[key] = (schema, values, compiled)
            while len(cache.inputs) > INPUT_CACHE_SIZE:
                cache.inputs.popitem(last=False)
    return values, compiled


# The identity fast path of the inputs plan. A host usually passes the very same input dict with
# every event; then a strict comparison with a private deep copy (taken when the plan was made)
# proves the values are still the same, which costs far less than the JSON key above. Only plain
# JSON data qualifies (exact dict/list/str/int/float/bool/None, str keys): anything else could
# change without the copy noticing, and takes the keyed path.
RECENT_INPUTS_SIZE = 128
_NOT_PLAIN = object()


def _plain_copy(value: Any, depth: int = 0) -> Any:
    """A deep copy of plain JSON data, or _NOT_PLAIN when `value` holds anything else."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if depth > 64:
        return _NOT_PLAIN
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            copied = _plain_copy(item, depth + 1)
            if copied is _NOT_PLAIN:
                return _NOT_PLAIN
            out[key] = copied
        return out
    if kind is list:
        items = []
        for item in value:
            copied = _plain_copy(item, depth + 1)
            if copied is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(copied)
        return items
    return _NOT_PLAIN


def _same_plain(value: Any, copy: Any) -> bool:
    """Is `value` still exactly `copy` (a _plain_copy): same types, same key order, same values?
    Stricter than ==, which takes 1 == 1.0 == True and ignores key order."""
    kind = type(value)
    if kind is not type(copy):
        return False
    if kind is dict:
        if len(value) != len(copy):
            return False
        for (key, item), (copy_key, copy_item) in zip(value.items(), copy.items()):
            if key != copy_key or type(key) is not str or not _same_plain(item, copy_item):
                return False
        return True
    if kind is list:
        if len(value) != len(copy):
            return False
        return all(_same_plain(item, copy_item) for item, copy_item in zip(value, copy))
    if kind is float:
        return repr(value) == repr(copy)  # -0.0 and nan spelled as the JSON key would see them
    return value == copy


def _recent_inputs_plan(template: Template, schema: list[dict[str, Any]], inputs: Any, *, check_required: bool,
                        integrations: Any, mapping: str | None,
                        templating: bool) -> tuple[dict[str, Any], Any]:
    """_inputs_plan for input values given as the same dict as in a recent call (no mapping)."""
    cache = _cache(template)
    entry = cache.recent_inputs.get(id(inputs))
    if (entry is not None and entry[0] is inputs and entry[2] is schema and entry[3] is integrations
            and entry[5] == (check_required, templating) and _same_plain(inputs, entry[1])
            and (integrations is None or _same_plain(integrations, entry[4]))):
        cache.identity_misses = 0
        return entry[6], entry[7]
    values, compiled = _inputs_plan(template, schema, dict(inputs), check_required=check_required,
                                    integrations=integrations, mapping=mapping, templating=templating)
    # A caller that builds a new dict for every event never hits: after a few misses in a row, only
    # every 64th dict is remembered, so such a caller pays little more than the keyed path.
    misses = cache.identity_misses = cache.identity_misses + 1
    if misses > 8 and misses % 64:
        return values, compiled
    snapshot = _plain_copy(inputs)
    integrations_snapshot = None if integrations is None else _plain_copy(integrations)
    if snapshot is not _NOT_PLAIN and integrations_snapshot is not _NOT_PLAIN:
        with cache.lock:
            if len(cache.recent_inputs) >= RECENT_INPUTS_SIZE:
                cache.recent_inputs.clear()
            cache.recent_inputs[id(inputs)] = (inputs, snapshot, schema, integrations, integrations_snapshot,
                                               (check_required, templating), values, compiled)
    return values, compiled


def _integrations_key(integrations: Mapping[Any, dict[str, Any]] | None) -> Any:
    if not integrations:
        return None
    return [[str(k), v] for k, v in integrations.items()]


def _compiled_inputs(template: Template, schema: list[dict[str, Any]], values: Mapping[str, Any]) -> Any:
    """Compile input values (kept for callers of the old helper; the pipeline uses _inputs_plan)."""
    return inputs_module.compile_inputs(schema, values)


def schema_for(template: Template, mapping: str | None) -> list[dict[str, Any]]:
    """The inputs schema of an invocation: the template's, plus the mapping's when one runs."""
    schema = list(template.inputs_schema)
    if mapping is not None:
        chosen = next((m for m in template.mapping_templates or [] if m.get("name") == mapping), None)
        if chosen is not None:
            schema.extend(chosen.get("inputs_schema") or [])
    return schema


# ---------------------------------------------------------------------------------------------------
# Redaction (built once per set of secrets, applied to what is shown)

_REDACTORS: OrderedDict[tuple[str, ...], Any] = OrderedDict()
_REDACTORS_LOCK = threading.Lock()


def redactor_for_secrets(secrets: list[str]) -> Callable[[str], str]:
    from hoglite.cdp.redact import Redactor

    key = tuple(secrets)
    with _REDACTORS_LOCK:
        found = _REDACTORS.get(key)
        if found is not None:
            _REDACTORS.move_to_end(key)
            return found
    redactor = Redactor(secrets)
    with _REDACTORS_LOCK:
        _REDACTORS[key] = redactor
        while len(_REDACTORS) > REDACTOR_CACHE_SIZE:
            _REDACTORS.popitem(last=False)
    return redactor


class LazyRedactor:
    """The invocation's redactor (hoglite.cdp.redact's policy), worked out on first use."""

    __slots__ = ("_schema", "_inputs", "_redactor")

    def __init__(self, schema: list[dict[str, Any]], inputs: Mapping[str, Any]) -> None:
        self._schema = schema
        self._inputs = inputs
        self._redactor: Callable[[str], str] | None = None

    def _resolve(self) -> Callable[[str], str]:
        if self._redactor is None:
            from hoglite.cdp.redact import secrets_from_inputs

            secrets = secrets_from_inputs(self._schema, self._inputs)
            self._redactor = redactor_for_secrets(secrets) if secrets else _identity
        return self._redactor

    def __call__(self, text: str) -> str:
        return self._resolve()(text)

    def redact(self, text: str) -> str:
        return self._resolve()(text)

    def __bool__(self) -> bool:
        return self._resolve() is not _identity


def _identity(text: str) -> str:
    return text


def _copy_json(value: Any) -> Any:
    """A copy of plain JSON-shaped data (dicts and lists; everything else is immutable here)."""
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------------
# Expression programs (filters, input templates)

_HostContext = HostContext  # the old private name


def run_expression_program(program: Any, globals_: dict[str, Any], *, limits: Any = None,
                           clock: Callable[[], float] = time.time, what: str = "expression",
                           host: Any = None) -> Any:
    """Run a compiled expression program (input template, filter) synchronously: no async calls."""
    from hoglite.vm import RunOptions, execute

    options = RunOptions(globals=globals_, limits=limits, host=host or HostContext(clock), async_functions=set(),
                         source_map=program.source_map, source=program.source, disallowed={"sleep"})
    result = execute(program.bytecode, options)
    if result.paused is not None:
        raise HogRuntimeError(f"Async function '{result.paused.name}' cannot be called in {what}")
    return result.value


def _expression_runner(limits: Any, host: Any, what: str) -> Callable[[Any, dict[str, Any]], Any]:
    def run(program: Any, scope: dict[str, Any]) -> Any:
        return run_expression_program(program, scope, limits=limits, what=what, host=host)

    return run


def _fast_context(host: Any, limits: Any) -> Any:
    from hoglite.vm.host import RunContext

    return RunContext(host, limits)


# HostContext and RunContext only hold the services and limits they are made with (nothing writes
# to them), so one of each serves every invocation with the same clock, randomness, UUIDs and
# limits. Keyed by identity; the entry keeps the objects, so the ids stay theirs.
_HOSTS: dict[tuple[int, int, int], tuple[Any, ...]] = {}
_HOSTS_MAX = 64


def _host_for(clock: Any, random: Any, uuid4: Any) -> tuple[HostContext, dict[int, tuple[Any, Any]]]:
    """(the HostContext for these services, its RunContexts by id(limits))."""
    key = (id(clock), id(random), id(uuid4))
    found = _HOSTS.get(key)
    if found is not None and found[0] is clock and found[1] is random and found[2] is uuid4:
        return found[3], found[4]
    host = HostContext(clock, random, uuid4)
    contexts: dict[int, tuple[Any, Any]] = {}
    if len(_HOSTS) >= _HOSTS_MAX:
        _HOSTS.clear()
    _HOSTS[key] = (clock, random, uuid4, host, contexts)
    return host, contexts


def _context_for(host: Any, contexts: dict[int, tuple[Any, Any]], limits: Any) -> Any:
    """_fast_context(host, limits), made once per (host, limits)."""
    found = contexts.get(id(limits))
    if found is not None and found[0] is limits:
        return found[1]
    context = _fast_context(host, limits)
    if len(contexts) >= _HOSTS_MAX:
        contexts.clear()
    contexts[id(limits)] = (limits, context)
    return context


# ---------------------------------------------------------------------------------------------------
# The pipeline


def prepare_invocation(
    template: Template,
    event_or_globals: Mapping[str, Any],
    inputs: Mapping[str, Any] | None,
    *,
    limits: Any = None,
    clock: Callable[[], float] | None = None,
    random: Callable[[], float] | None = None,
    uuid4: Callable[[], str] | None = None,
    functions: Mapping[str, Callable[..., Any]] | None = None,
    async_functions: Mapping[str, Callable[..., Any]] | frozenset[str] | set[str] | None = None,
    disallowed: frozenset[str] | set[str] | list[str] | tuple[str, ...] | None = None,
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
) -> InvocationResult | TemplateRun:
    """Globals, filters and inputs for one event: a finished result (skipped or an error), or the
    `TemplateRun` whose `start()` runs the code. The keywords are invoke_template's."""
    clock = clock or time.time
    limits = limits if limits is not None else _DEFAULTS.code
    input_limits = input_limits if input_limits is not None else _DEFAULTS.inputs
    filter_limits = filter_limits if filter_limits is not None else _DEFAULTS.filters
    project = project or _DEFAULT_PROJECT
    blocked = frozenset(disallowed or ())
    if blocked:
        functions = {k: v for k, v in (functions or {}).items() if k not in blocked}
        async_names = frozenset(async_functions or ()) - blocked
    else:
        async_names = frozenset(async_functions or ())
    run = TemplateRun(template, limits=limits, clock=clock, random=random, uuid4=uuid4, functions=functions,
                      async_functions=async_names, disallowed=blocked,
                      fail_on_fetch_error=fail_on_fetch_error, mapping=mapping)
    try:
        globals_ = globals_from(event_or_globals, project=project,
                                source=_source_global(project, template.id, template.name))
    except TemplateError as error:
        return InvocationResult("error", error=str(error), error_detail=error, stage="globals")
    run.globals = globals_
    event = globals_.get("event") or {}
    run.event_uuid = str(event.get("uuid") or "")
    host, contexts = _host_for(clock, random, uuid4)
    run.host = host  # stateless: the code step can use the same one

    # 1. Filters: the template's, then the mapping's.
    schema: list[dict[str, Any]] = template.inputs_schema
    mapping_inputs: dict[str, Any] = {}
    filter_sets: list[tuple[Mapping[str, Any] | None, str]] = [(template.filters, "filters")]
    if mapping is not None:
        chosen = next((m for m in template.mapping_templates or [] if m.get("name") == mapping), None)
        if chosen is None:
            error = TemplateError(f"No mapping template named {mapping!r}.", field="mapping_templates")
            return run.finish("error", error=str(error), error_detail=error, stage="filters")
        schema = [*schema, *(chosen.get("inputs_schema") or [])]
        mapping_inputs = dict(chosen.get("inputs") or {})
        filter_sets.append((chosen.get("filters"), f"mapping_templates[{mapping}].filters"))
    filter_globals: dict[str, Any] | None = None
    for filters, field_name in filter_sets:
        try:
            compiled_filters = _compiled_filters(template, filters, field_name, test_account_filters, actions)
        except HogliteError as error:
            return run.finish("error", error=str(error), error_detail=error, stage="filters")
        if not compiled_filters.conjuncts:
            continue
        conjuncts = compiled_filters.conjuncts
        if (conjuncts[0].by_name if len(conjuncts) == 1 else all(conjunct.by_name for conjunct in conjuncts)):
            # Only event names to check (the common case): no filter globals needed, and a listed
            # name decides it at once (check_filters would skip every conjunct: a match).
            event_name = event.get("event")
            if (compiled_filters.event_names is not None and type(event_name) is str
                    and event_name in compiled_filters.event_names):
                continue
            scope: Mapping[str, Any] = {"event": event_name}
        else:
            if filter_globals is None:
                filter_globals = build_filter_globals(globals_)
            scope = filter_globals
        outcome = filters_module.check_filters(
            compiled_filters, scope, _expression_runner(filter_limits, host, "filters"),
            context=_context_for(host, contexts, filter_limits))
        if outcome.error is not None:
            run.log("error", f"Error filtering event {run.event_uuid}: {outcome.error.message}")
        if not outcome.matched:
            return run.finish("skipped", skip_reason=outcome.reason, stage="filters")

    # 2. Inputs: validate and compile once per set of values, evaluate in dependency order.
    try:
        if not mapping_inputs and type(inputs) is dict:
            values, compiled_inputs = _recent_inputs_plan(
                template, schema, inputs, check_required=check_required, integrations=integrations or None,
                mapping=mapping, templating=templating)
        else:
            given = {**mapping_inputs, **(inputs or {})}
            values, compiled_inputs = _inputs_plan(template, schema, given, check_required=check_required,
                                                   integrations=integrations, mapping=mapping,
                                                   templating=templating)
        if compiled_inputs is not None:
            evaluated = inputs_module.evaluate_inputs(
                compiled_inputs, globals_, _expression_runner(input_limits, host, "inputs"),
                context=_context_for(host, contexts, input_limits))
        else:
            evaluated = _copy_json(values)
    except TemplateError as error:
        run.log("error", f"Error building inputs for event {run.event_uuid}: {error.message}")
        return run.finish("error", error=error.message, error_detail=error, stage="inputs")
    # One redaction policy for the whole project: hoglite.cdp.redact (spec §2.8, narrowed for integrations).
    run.redact = LazyRedactor(schema, evaluated)
    run.inputs = evaluated
    globals_["inputs"] = evaluated
    return run


_DEFAULT_PROJECT = Project()  # frozen; never handed out (globals get copies of its parts)
_SOURCES: dict[tuple[int, str, str | None], tuple[Project, dict[str, Any]]] = {}


def _source_global(project: Project, function_id: str, name: str | None) -> dict[str, Any]:
    """source_global, remembered per (project, template id, name): globals_from copies it."""
    key = (id(project), function_id, name)
    found = _SOURCES.get(key)
    if found is not None and found[0] is project:
        return found[1]
    source = source_global(project, function_id, name)
    if len(_SOURCES) >= 256:
        _SOURCES.clear()
    _SOURCES[key] = (project, source)
    return source


def drive(run: TemplateRun, fetcher: Any, call: Callable[[str, list[Any]], Any] | None = None) -> InvocationResult:
    """Run a prepared invocation to the end: fetches through `fetcher`, other async calls through
    `call(name, args)`. A fetch that got no response (transport error, blocked) reaches the code as
    status 500; any other FetchError (a fetch limit) ends the run."""
    outcome = run.start()
    while isinstance(outcome, PendingCall):
        if outcome.name == FETCH:
            started = time.perf_counter()
            try:
                value: Any = fetcher.fetch(outcome.request)
            except (_net.FetchTransportError, _net.FetchBlockedError) as error:
                value = error
            except FetchError as error:
                run.fetch_seconds += time.perf_counter() - started
                return run.fail(error, "fetch")
            run.fetch_seconds += time.perf_counter() - started
        else:
            if call is None:
                return run.fail(HogRuntimeError(f"Async function '{outcome.name}' is not available to templates"),
                                "code")
            try:
                value = call(outcome.name, outcome.args)
            except HogliteError as error:
                return run.fail(error, "code")
        outcome = run.resume(value)
    return outcome


def invoke_template(
    template: Template,
    event_or_globals: Mapping[str, Any],
    inputs: Mapping[str, Any] | None,
    *,
    fetcher: Any,
    limits: Any = None,
    clock: Callable[[], float] | None = None,
    random: Callable[[], float] | None = None,
    uuid4: Callable[[], str] | None = None,
    functions: Mapping[str, Callable[..., Any]] | None = None,
    async_functions: Mapping[str, Callable[..., Any]] | None = None,
    disallowed: frozenset[str] | set[str] | list[str] | tuple[str, ...] | None = None,
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
    `clock` returns epoch seconds; it stamps logs and is what `now()` sees in Hog; `random` and
    `uuid4` are what `randomFloat()` and `generateUUIDv4()` return.
    `functions` are extra host functions `{name: fn}` called as `fn(*args)` with Hog values (they
    shadow built-ins, except `print`, which keeps PostHog's log rules); `async_functions` pause the
    code like `fetch` and are called the same way when the run continues. `disallowed` switches
    built-ins off (`fetch` included): calling one fails as an unknown function.
    `templating=False` uses the input values as they are (PostHog's Python test harness).
    `fail_on_fetch_error` marks the run failed when its last fetch ended with status >= 400, even if
    the code handled it (PostHog's behaviour). `mapping` runs one of the template's mapping_templates.
    """
    prepared = prepare_invocation(
        template, event_or_globals, inputs, limits=limits, clock=clock, random=random, uuid4=uuid4,
        functions=functions, async_functions=frozenset(async_functions or ()), disallowed=disallowed,
        project=project, test_account_filters=test_account_filters, actions=actions, integrations=integrations,
        check_required=check_required, templating=templating, fail_on_fetch_error=fail_on_fetch_error,
        mapping=mapping, input_limits=input_limits, filter_limits=filter_limits)
    if isinstance(prepared, InvocationResult):
        return prepared
    if hasattr(fetcher, "new_invocation"):
        # Fetchers count fetches per invocation (the limit of 5); each run gets a fresh count.
        fetcher = fetcher.new_invocation()
    call = None
    if async_functions:
        handlers = dict(async_functions)

        def call(name: str, args: list[Any]) -> Any:
            return _call_async_function(name, handlers[name], args)

    return drive(prepared, fetcher, call)


def _call_async_function(name: str, fn: Callable[..., Any], args: list[Any]) -> Any:
    import asyncio
    import inspect

    try:
        value = fn(*args)
        if inspect.isawaitable(value):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                async def wait() -> Any:
                    return await value

                return asyncio.run(wait())
            if inspect.iscoroutine(value):
                value.close()
            raise HogRuntimeError(f"Host function {name} is async: inside an event loop use the async entry points")
        return value
    except HogliteError:
        raise
    except Exception as error:  # noqa: BLE001 - the embedder's code must not crash the host
        raise HogRuntimeError(f"Host function {name} failed: {type(error).__name__}: {error}") from None


def chosen_mappings(template: Template) -> list[str | None]:
    """The mappings PostHog's loop runs (spec §1.3): those marked `include_by_default`, or all of
    them when none is marked; `[None]` (the template itself) when it has no mapping_templates."""
    mappings = template.mapping_templates or []
    if not mappings:
        return [None]
    chosen = [m for m in mappings if m.get("include_by_default")] or list(mappings)
    return [m.get("name") for m in chosen]


def invoke_all_mappings(template: Template, event_or_globals: Mapping[str, Any], inputs: Mapping[str, Any] | None,
                        *, fetcher: Any, **options: Any) -> list[InvocationResult]:
    """PostHog's mapping loop (spec §1.3): one invocation per mapping whose filters match.

    A template without mapping_templates gives one invocation. Otherwise every mapping marked
    `include_by_default` (all of them when none is marked) is tried; the template's own filters
    apply first, then the mapping's, so a non-matching mapping comes back as `skipped`.
    """
    return [invoke_template(template, event_or_globals, inputs, fetcher=fetcher, mapping=name, **options)
            for name in chosen_mappings(template)]
