"""The embedding API's front door: compile once (cached), then run programs and templates.

    engine = Engine(fetcher=MockFetcher({"https://example.com": {"status": 204, "body": None}}))
    result = engine.run("return fetch('https://example.com').status", {})   # result.value == 204

`Engine` is deliberately thin: compiling is the compiler's job, running the VM's, the whole template
pipeline (filters, globals, inputs, code, fetch loop) is `hoglite.cdp.invocation.invoke_template`'s.
The engine adds what an embedder needs around them:

* a bounded LRU of compiled programs keyed by source hash, name and compiler version;
* the services a run uses, injected once: fetcher / fetch policy, clock, randomness, UUIDs, sleep,
  a logger that receives every log entry, the limits;
* extra host functions (sync, or async: those pause the VM like `fetch`) and switched-off built-ins;
* sync (`run`, `invoke`), async (`run_async`, `invoke_async`) and step-wise (`start`, `resume`, see
  hoglite.host.steps) entry points that all return the same `InvocationResult`.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import random as random_module
import threading
import time
import uuid as uuid_module
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoglite.errors import HogliteError, HogRuntimeError, TemplateError

if TYPE_CHECKING:
    from hoglite.cdp.invocation import InvocationResult, LogEntry
    from hoglite.cdp.template import Template
    from hoglite.compiler import CompiledProgram
    from hoglite.host.steps import Step
    from hoglite.net.fetch import FetchPolicy
    from hoglite.vm.limits import Limits

DEFAULT_CACHE_SIZE = 256
DEFAULT_WALL_TIMEOUT = 30.0  # seconds per invocation, fetches and retries included (spec §6.3)
BUILTIN_ASYNC = frozenset({"fetch", "sleep"})


def compiler_version() -> str:
    """The package version plus the bytecode version: a change in either invalidates cached programs."""
    from importlib.metadata import PackageNotFoundError, version

    from hoglite.compiler.opcodes import VERSION

    try:
        package = version("hoglite")
    except PackageNotFoundError:
        package = "dev"
    return f"hoglite-{package}/bytecode-{VERSION}"


def program_key(source: str, name: str = "<source>") -> str:
    """The cache key of a source text: sha256 of the source, the name (it appears in errors), the compiler."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{digest}:{name}:{compiler_version()}"


def compile_program(source: str, *, name: str = "<source>") -> CompiledProgram:
    """Compile Hog source to `["_H", 1, ...]` bytecode with a side source map (no caching).

    Raises `HogSyntaxError` with the position of the problem; `error.render()` shows the caret snippet.
    """
    from hoglite.compiler import compile_source

    return compile_source(source, name=name)


@dataclass(frozen=True)
class CacheInfo:
    hits: int
    misses: int
    size: int
    maxsize: int


class ProgramCache:
    """A thread-safe, bounded LRU of compiled programs. Failed compilations are not cached."""

    def __init__(self, maxsize: int = DEFAULT_CACHE_SIZE) -> None:
        if maxsize < 1:
            raise ValueError("the program cache needs room for at least one program")
        self.maxsize = maxsize
        self._entries: OrderedDict[str, CompiledProgram] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, source: str, name: str = "<source>") -> CompiledProgram:
        key = program_key(source, name)
        with self._lock:
            program = self._entries.get(key)
            if program is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return program
            self.misses += 1
        program = compile_program(source, name=name)  # outside the lock: compiling may take a while
        with self._lock:
            self._entries[key] = program
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return program

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self.hits, self.misses, len(self._entries), self.maxsize)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


@dataclass(frozen=True)
class HostFunction:
    """A function the embedder adds to Hog. Sync ones run inline; async ones pause the VM."""

    name: str
    fn: Callable[..., Any]
    is_async: bool


def _emit_to_logger(logger: Any, entry: LogEntry) -> None:
    if isinstance(logger, logging.Logger):
        level = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
                 "error": logging.ERROR}.get(entry.level, logging.INFO)
        logger.log(level, "%s", entry.message, extra={"hog_timestamp": entry.timestamp})
    else:
        logger(entry)


class Engine:
    """Compile once, run many. Every keyword is optional.

    - limits: VM limits for programs (default: the VM's); template_limits: for template code
      (default: 500 ms CPU and 5 fetches, spec §6.3).
    - fetch_policy: how real fetches behave (timeouts, retries, URL guard); used when no fetcher is given.
    - fetcher / async_fetcher: inject a fetcher (e.g. `hoglite.net.mock.MockFetcher`) instead of real HTTP.
      A sync fetcher also serves the async entry points.
    - clock (epoch seconds), random (float in [0, 1)), uuid4 (str), sleep (seconds): injectable services.
    - logger: a `logging.Logger` or a callable receiving each `LogEntry` of every finished run.
    - functions: extra host functions, `{name: fn}`; `fn(*args)` gets Hog values and returns one. An
      `async def` function pauses the VM (like `fetch`) and runs on resume.
    - disallow: built-in names to switch off (`fetch` included): calling one is an unknown function.
    - wall_timeout: seconds an invocation may take, fetches and retries included.
    - templates_dirs: folders searched by `engine.template("intercom")`.
    """

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        template_limits: Limits | None = None,
        fetch_policy: FetchPolicy | None = None,
        fetcher: Any = None,
        async_fetcher: Any = None,
        clock: Callable[[], float] | None = None,
        random: Callable[[], float] | None = None,
        uuid4: Callable[[], str] | None = None,
        sleep: Callable[[float], None] | None = None,
        logger: logging.Logger | Callable[[LogEntry], None] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        disallow: Iterable[str] = (),
        wall_timeout: float = DEFAULT_WALL_TIMEOUT,
        cache_size: int = DEFAULT_CACHE_SIZE,
        templates_dirs: Iterable[str | Path] = (),
    ) -> None:
        self.limits = limits
        self.template_limits = template_limits
        self.fetch_policy = fetch_policy
        self.fetcher = fetcher
        self.async_fetcher = async_fetcher
        self.clock = clock or time.time
        self.random = random or random_module.random
        self.uuid4 = uuid4 or (lambda: str(uuid_module.uuid4()))
        self.sleep = sleep or time.sleep
        self.logger = logger
        self.wall_timeout = wall_timeout
        self.cache = ProgramCache(cache_size)
        self.templates_dirs = [Path(p) for p in templates_dirs]
        self._functions: dict[str, HostFunction] = {}
        self._disallowed: set[str] = set()
        self._templates: dict[str, Template] = {}
        self._templates_lock = threading.Lock()
        self._real_fetcher: Any = None
        self._real_async_fetcher: Any = None
        self._services_memo: tuple[Any, ...] | None = None
        for name, fn in (functions or {}).items():
            self.register_function(name, fn)
        self.disallow(*disallow)

    # -- extension points -------------------------------------------------------------------------

    def register_function(self, name: str, fn: Callable[..., Any], *, is_async: bool | None = None) -> None:
        """Add (or replace) a host function callable from Hog as `name(...)`.

        `fn(*args)` receives Hog values (plain Python data) and returns one. Coroutine functions (or
        `is_async=True`) pause the VM: `run_async` awaits them, `run` drives them to completion, and
        `start`/`resume` hand them to the caller. A host function shadows a built-in of the same name.
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"not a valid Hog function name: {name!r}")
        if name in BUILTIN_ASYNC:
            raise ValueError(f"{name} is handled by the engine; inject a fetcher or a sleep function instead")
        if is_async is None:
            is_async = inspect.iscoroutinefunction(fn)
        self._functions[name] = HostFunction(name, fn, is_async)

    def disallow(self, *names: str) -> None:
        """Switch built-ins off: calling one fails as an unknown function (`fetch` and `sleep` included)."""
        self._disallowed.update(names)

    @property
    def disallowed(self) -> frozenset[str]:
        return frozenset(self._disallowed)

    @property
    def functions(self) -> Mapping[str, HostFunction]:
        return dict(self._functions)

    # -- compiling --------------------------------------------------------------------------------

    def compile(self, source: str, *, name: str = "<source>") -> CompiledProgram:
        """The compiled program for `source`, from the cache when the same source was compiled before."""
        return self.cache.get(source, name)

    def program(self, program: Any, *, name: str = "<source>") -> CompiledProgram:
        """Accept source text, a CompiledProgram, a bytecode list or a CompiledProgram JSON dict."""
        from hoglite.compiler import CompiledProgram

        if isinstance(program, CompiledProgram):
            return program
        if isinstance(program, str):
            return self.compile(program, name=name)
        if isinstance(program, list):
            return CompiledProgram(bytecode=list(program), name=name)
        if isinstance(program, dict) and "bytecode" in program:
            return CompiledProgram.from_json(program)
        raise TypeError(f"cannot run a {type(program).__name__}: pass Hog source, a CompiledProgram or bytecode")

    # -- templates --------------------------------------------------------------------------------

    def template(self, ref: Template | str | Path) -> Template:
        """A loaded template: `ref` is a Template, a folder or JSON path, a folder name or a template id
        searched in `templates_dirs`. Loaded templates are kept, so their compiled code is reused."""
        if isinstance(ref, _cdp.Template):
            return ref
        from hoglite.cdp.template import load_template

        key = str(ref)
        with self._templates_lock:
            found = self._templates.get(key)
        if found is not None:
            return found
        path = Path(ref)
        if not path.exists():
            path = self._find_template(key)
        template = load_template(path)
        with self._templates_lock:
            self._templates[key] = template
            self._templates.setdefault(template.id, template)
        return template

    def _find_template(self, ref: str) -> Path:
        from hoglite.cdp.template import METADATA_FILE

        names = {ref, ref.removeprefix("template-")}
        for folder in self.templates_dirs:
            for name in names:
                if (folder / name / METADATA_FILE).is_file():
                    return folder / name
            for candidate in sorted(folder.glob(f"*/{METADATA_FILE}")):
                try:
                    import json

                    if json.loads(candidate.read_text(encoding="utf-8")).get("id") == ref:
                        return candidate.parent
                except (OSError, ValueError, AttributeError):
                    continue
        searched = ", ".join(str(p) for p in self.templates_dirs) or "no template folders configured"
        raise TemplateError(f"Unknown template {ref!r} (searched: {searched}).", field="template")

    def register_template(self, template: Template) -> None:
        """Make a template known by id (so paused template invocations can find it again)."""
        with self._templates_lock:
            self._templates[template.id] = template

    # -- fetchers ---------------------------------------------------------------------------------

    def sync_fetcher(self, fetcher: Any = None) -> Any:
        """The fetcher for one sync invocation (a fresh per-invocation count over a shared client)."""
        chosen = fetcher if fetcher is not None else self.fetcher
        if chosen is None:
            if self._real_fetcher is None:
                from hoglite.net.fetch import Fetcher

                self._real_fetcher = Fetcher(self.fetch_policy, sleep=self.sleep, random=self.random)
            chosen = self._real_fetcher
        return _fresh(chosen)

    def async_fetcher_for(self, fetcher: Any = None) -> Any:
        """The fetcher for one async invocation; a sync fetcher is accepted too (mocks)."""
        chosen = fetcher if fetcher is not None else self.async_fetcher if self.async_fetcher is not None \
            else self.fetcher
        if chosen is None:
            if self._real_async_fetcher is None:
                from hoglite.net.fetch import AsyncFetcher

                self._real_async_fetcher = AsyncFetcher(self.fetch_policy, random=self.random)
            chosen = self._real_async_fetcher
        return chosen

    def close(self) -> None:
        if self._real_fetcher is not None:
            self._real_fetcher.close()
            self._real_fetcher = None

    async def aclose(self) -> None:
        self.close()
        if self._real_async_fetcher is not None:
            await self._real_async_fetcher.aclose()
            self._real_async_fetcher = None

    # -- running programs ---------------------------------------------------------------------------

    def run(self, program: Any, globals: Mapping[str, Any] | None = None, *, fetcher: Any = None,
            limits: Limits | None = None, name: str = "<source>") -> InvocationResult:
        """Run a program to completion, performing `fetch` (and async host functions) inline."""
        from hoglite.host.runs import ProgramRun

        run = ProgramRun(self, self.program(program, name=name), globals, limits)
        return self._emit(run.drive(self.sync_fetcher(fetcher)))

    async def run_async(self, program: Any, globals: Mapping[str, Any] | None = None, *, fetcher: Any = None,
                        limits: Limits | None = None, name: str = "<source>") -> InvocationResult:
        """`run`, awaiting fetches and async host functions (Hog itself runs on the calling thread)."""
        from hoglite.host.runs import ProgramRun

        run = ProgramRun(self, self.program(program, name=name), globals, limits)
        return self._emit(await run.drive_async(_fresh(self.async_fetcher_for(fetcher))))

    # -- running templates --------------------------------------------------------------------------

    def template_services(self) -> dict[str, Any]:
        """The engine's services as invoke_template keywords: randomness, UUIDs, host functions and
        switched-off built-ins (the clock, limits and fetcher are passed separately)."""
        # The function tables are worked out once per change of the registered functions or of the
        # switched-off names (compared by value: the dict and set are the engine's own).
        functions, disallowed = self._functions, self._disallowed
        memo = self._services_memo
        if memo is None or memo[0] != functions or memo[1] != disallowed:
            memo = (dict(functions), set(disallowed),
                    {name: fn.fn for name, fn in functions.items() if not fn.is_async},
                    frozenset(name for name, fn in functions.items() if fn.is_async), frozenset(disallowed))
            self._services_memo = memo
        return {
            "random": self.random,
            "uuid4": self.uuid4,
            "functions": dict(memo[2]),
            "async_functions": memo[3],
            "disallowed": memo[4],
        }

    def invoke(self, template: Template | str | Path, event: Mapping[str, Any], inputs: Mapping[str, Any] | None = None,
               *, fetcher: Any = None, **options: Any) -> InvocationResult:
        """The whole template path for one event: filters, globals, inputs, code, fetch loop.

        `event` is a PostHog event (or a globals object). `options` are passed to
        `hoglite.cdp.invocation.invoke_template` (project, integrations, mapping, check_required, ...).
        The engine's host functions, disallowed built-ins, clock, randomness and UUIDs apply.
        """
        cdp = _cdp
        prepared = cdp.prepare_invocation(self.template(template), event, inputs, limits=self.template_limits,
                                          clock=self.clock, **self._services(options), **options)
        if not isinstance(prepared, cdp.InvocationResult):
            prepared = cdp.drive(prepared, self.sync_fetcher(fetcher), self._call_async_inline)
        return self._emit(prepared)

    def invoke_mappings(self, template: Template | str | Path, event: Mapping[str, Any],
                        inputs: Mapping[str, Any] | None = None, *, fetcher: Any = None,
                        **options: Any) -> list[InvocationResult]:
        """PostHog's mapping loop for one event: one invocation per mapping the template runs by
        default (those marked `include_by_default`, else all), each `skipped` when its filters do not
        match; a template without mapping_templates gives one invocation."""
        from hoglite.cdp.invocation import chosen_mappings

        if "mapping" in options:
            raise TypeError("invoke_mappings runs every default mapping; use invoke(mapping=...) for one")
        chosen = self.template(template)
        return [self.invoke(chosen, event, inputs, fetcher=fetcher, mapping=name, **options)
                for name in chosen_mappings(chosen)]

    async def invoke_async(self, template: Template | str | Path, event: Mapping[str, Any],
                           inputs: Mapping[str, Any] | None = None, *, fetcher: Any = None,
                           **options: Any) -> InvocationResult:
        """`invoke` with awaited fetches: many invocations can share one event loop and one HTTP client.
        The Hog code runs once, on the calling thread, between the awaits."""
        from hoglite.host.steps import drive_template

        chosen = self.template(template)
        prepared = _cdp.prepare_invocation(chosen, event, inputs, limits=self.template_limits, clock=self.clock,
                                           **self._services(options), **options)
        if isinstance(prepared, _cdp.InvocationResult):
            return self._emit(prepared)
        result = await drive_template(self, prepared, prepared.start(), self.async_fetcher_for(fetcher))
        return self._emit(result)

    def _services(self, options: dict[str, Any]) -> dict[str, Any]:
        """template_services(), merged with (and removed from) the same keywords given per call."""
        services = self.template_services()
        for name in ("random", "uuid4"):
            if name in options:
                services[name] = options.pop(name)
        if "functions" in options:
            services["functions"] = {**services["functions"], **(options.pop("functions") or {})}
        if "disallowed" in options:
            services["disallowed"] = services["disallowed"] | frozenset(options.pop("disallowed") or ())
        return services

    def _call_async_inline(self, name: str, args: list[Any]) -> Any:
        function = self._functions.get(name)
        if function is None:
            raise HogRuntimeError(f"Invalid async function call: {name}")
        return self.call_sync_host_function(function, list(args))

    # -- step-wise ----------------------------------------------------------------------------------

    def start(self, target: Any, data: Mapping[str, Any] | None = None, inputs: Mapping[str, Any] | None = None,
              *, limits: Limits | None = None, name: str = "<source>", **options: Any) -> Step:
        """Run until the first async call (a `fetch`, `sleep` or async host function) or the end.

        `target` is a Template or a template folder Path (then `data` is the event and `inputs` its
        input values), or a program: source text, a CompiledProgram or bytecode (then `data` is the
        globals). The returned `Step` is either done (`step.result`) or pending:
        perform `step.request` (or `step.name(*step.args)`), then call `resume(step.state, response)`.
        `step.state` is plain JSON: store it and resume in another process with an equally set-up Engine.
        It holds the raw secret inputs (its logs and errors are redacted): store it like credentials.
        `resume` checks it field by field and runs it under this engine's limits (hoglite.cdp.paused_state).
        """
        from hoglite.cdp.template import Template
        from hoglite.host import steps

        if isinstance(target, (Template, Path)):
            if limits is not None:
                raise TypeError("template invocations take their limits from Engine(template_limits=...)")
            return steps.start_template(self, self.template(target), data or {}, inputs, options)
        if options:
            raise TypeError(f"unexpected option(s) for a program: {', '.join(sorted(options))}")
        return steps.start_program(self, self.program(target, name=name), data, limits)

    def resume(self, state: Mapping[str, Any], response: Any) -> Step:
        """Continue a paused invocation with the result of its pending call.

        For `fetch`, `response` is a `FetchResponse`, a `{status, body}` dict, or a `FetchError` when
        the request got no response. For other async functions it is the function's (JSON) result.
        """
        from hoglite.host import steps

        return steps.resume(self, state, response)

    # -- internals ----------------------------------------------------------------------------------

    def _emit(self, result: InvocationResult) -> InvocationResult:
        if self.logger is not None:
            for entry in result.logs:
                _emit_to_logger(self.logger, entry)
        return result

    def call_sync_host_function(self, function: HostFunction, args: list[Any]) -> Any:
        """Call a host function from a sync driver (an async one is run to completion here)."""
        try:
            value = function.fn(*args)
            if inspect.isawaitable(value):
                value = _run_awaitable(function.name, value)
            return value
        except HogliteError:
            raise
        except Exception as error:  # noqa: BLE001 - the embedder's code must not crash the host
            raise HogRuntimeError(f"Host function {function.name} failed: {type(error).__name__}: {error}") from None

    async def call_async_host_function(self, function: HostFunction, args: list[Any]) -> Any:
        try:
            value = function.fn(*args)
            if inspect.isawaitable(value):
                value = await value
            return value
        except HogliteError:
            raise
        except Exception as error:  # noqa: BLE001
            raise HogRuntimeError(f"Host function {function.name} failed: {type(error).__name__}: {error}") from None


class _Cdp:
    """The template pipeline's entry points, imported on first use (the engine module stays light)
    and then read from here: an import statement in `invoke` costs about a microsecond a call."""

    def __getattr__(self, name: str) -> Any:
        if name == "Template":
            from hoglite.cdp.template import Template

            self.Template = Template
            return Template
        from hoglite.cdp import invocation

        self.__dict__.update(prepare_invocation=invocation.prepare_invocation, drive=invocation.drive,
                             InvocationResult=invocation.InvocationResult)
        return self.__dict__[name]


_cdp = _Cdp()


def _fresh(fetcher: Any) -> Any:
    """A per-invocation view of `fetcher` (fresh fetch count, shared connection pool)."""
    new_invocation = getattr(fetcher, "new_invocation", None)
    if new_invocation is None:
        return fetcher
    try:
        return new_invocation()
    except TypeError:
        return fetcher


def _run_awaitable(name: str, awaitable: Awaitable[Any]) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    if inspect.iscoroutine(awaitable):
        awaitable.close()
    raise HogRuntimeError(f"Host function {name} is async: inside an event loop use run_async or start/resume")


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
