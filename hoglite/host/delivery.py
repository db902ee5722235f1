"""Delivering a stream of events through one template, at volume: the engine of `hoglite deliver`.

* Events come as JSON lines (a file or standard input), read by a daemon thread with back-pressure.
  A line is a PostHog event (or a globals object); an *envelope* line
  `{"template": "<id or folder>", "event": {...}, "inputs": {...}}` picks another template and adds
  inputs for that line. Blank lines are ignored. Lines are numbered from 1; the number identifies
  the event in results, dead letters and the checkpoint.
* `concurrency` workers (asyncio tasks) share one event loop and one fetcher (one pooled httpx
  client). Each runs an invocation's Hog code on the loop, once, pausing at each fetch (the VM's
  own pause, hoglite.cdp.codestep) while the fetch is awaited; the fetcher retries as its
  FetchPolicy says (408/429/5xx and transport errors, with backoff that honours Retry-After).
  No worker threads: Hog is CPU work and would hold the GIL anyway.
* Every event gets one result line. Events whose invocation failed (after the retries), malformed
  lines, unknown templates and invalid inputs also go to the dead-letter file, with the reason.
* The checkpoint (hoglite.host.checkpoint) records each finished line after its result is flushed,
  so re-running the same command resumes without re-delivering anything.
* The first Ctrl-C (or SIGTERM) stops taking new events and lets those in flight finish (for up to
  `drain_timeout` seconds); a second one, or the timeout, stops them at their pending fetch and
  stores their paused state in the checkpoint, so on resume only that one fetch is repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hoglite.cdp.results import InvocationResult
from hoglite.errors import HogliteError, TemplateError
from hoglite.host.checkpoint import Checkpoint
from hoglite.host.engine import Engine
from hoglite.host.steps import Step, drive_template, prepare_template, template_run_from_state

PROGRESS_INTERVAL = 0.5
WAKE = -1  # a queue item that only wakes an idle worker (so it notices a stop)


@dataclass
class DeliveryStats:
    read: int = 0  # event lines taken this run
    ok: int = 0
    skipped: int = 0
    failed: int = 0
    already_done: int = 0  # finished in an earlier run (from the checkpoint)
    resumed: int = 0  # paused in an earlier run, resumed at their pending fetch
    paused: int = 0  # stopped at a fetch by a forced stop, state in the checkpoint
    interrupted: bool = False
    elapsed: float = 0.0

    @property
    def finished(self) -> int:
        return self.ok + self.skipped + self.failed

    @property
    def rate(self) -> float:
        return self.finished / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"finished": self.finished, "ok": self.ok, "skipped": self.skipped, "failed": self.failed,
                "already_done": self.already_done, "resumed": self.resumed, "paused": self.paused,
                "interrupted": self.interrupted, "elapsed_s": round(self.elapsed, 3),
                "events_per_second": round(self.rate, 1)}


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
            type(None): "null"}.get(type(value), type(value).__name__)


class RoutedFetcher:
    """Sends requests for one base URL to another (a mock server or staging), keeping the original
    URL in results, logs and paused states. Wraps any (sync or async) fetcher."""

    def __init__(self, inner: Any, routes: Mapping[str, str]) -> None:
        self.inner = inner
        self.routes = sorted(routes.items(), key=lambda item: len(item[0]), reverse=True)

    def new_invocation(self, **kwargs: Any) -> RoutedFetcher:
        new_invocation = getattr(self.inner, "new_invocation", None)
        if new_invocation is None:
            return self
        try:
            inner = new_invocation(**kwargs)
        except TypeError:
            inner = new_invocation()
        return RoutedFetcher(inner, dict(self.routes))

    def fetch(self, request: Any, *, deadline: float | None = None) -> Any:
        import dataclasses

        for prefix, target in self.routes:
            if request.url.startswith(prefix):
                request = dataclasses.replace(request, url=target + request.url[len(prefix):])
                break
        return self.inner.fetch(request, deadline=deadline)


@dataclass
class Delivery:
    """One delivery run. `run()` returns the stats; see the module docstring for the behaviour."""

    engine: Engine
    template: str
    inputs: dict[str, Any] = field(default_factory=dict)
    events: str = "-"
    results: str | None = None  # None: standard output
    dead_letter: str | None = None
    checkpoint: str | None = None
    concurrency: int = 16
    fetcher: Any = None  # default: the engine's async fetcher
    include_logs: bool = False
    progress: bool | None = None  # None: only when standard error is a terminal
    drain_timeout: float = 30.0
    stdin: IO[str] | None = None
    stdout: IO[str] | None = None
    stderr: IO[str] | None = None

    def __post_init__(self) -> None:
        self.stats = DeliveryStats()
        self._stopping = False
        self._forced = False
        self._reader_complete = False
        self._dropped = 0
        self._in_flight: dict[int, Step | None] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stop_reading = threading.Event()
        self._started = 0.0

    # -- set-up ------------------------------------------------------------------------------------

    def _open_outputs(self, resumed: bool) -> None:
        mode = "a" if resumed else "w"
        stdout = self.stdout or sys.stdout
        # Kept open for the whole run (closed in _close_outputs); each line is flushed as written.
        self._results = Path(self.results).open(mode, encoding="utf-8") if self.results else stdout  # noqa: SIM115
        self._dead = Path(self.dead_letter).open(mode, encoding="utf-8") if self.dead_letter else None  # noqa: SIM115

    def _close_outputs(self) -> None:
        if self.results:
            self._results.close()
        else:
            self._results.flush()
        if self._dead is not None:
            self._dead.close()

    # -- the run -----------------------------------------------------------------------------------

    async def run(self) -> DeliveryStats:
        default = self.engine.template(self.template)  # an unknown default template stops the run here
        self._default = default
        self._checkpoint = Checkpoint(self.checkpoint, template=default.id, events=self.events).open()
        self._open_outputs(self._checkpoint.resumed)
        self._fetcher = self.fetcher if self.fetcher is not None else self.engine.async_fetcher_for()
        loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[tuple[int, str] | None] = asyncio.Queue()
        self._room = threading.Semaphore(max(1, self.concurrency) * 4)
        reader = threading.Thread(target=self._read_lines, args=(loop,), name="hoglite-deliver-reader", daemon=True)
        installed = self._install_signals(loop)
        self._started = time.monotonic()
        show = self.progress if self.progress is not None else (self.stderr or sys.stderr).isatty()
        progress = asyncio.create_task(self._show_progress()) if show else None
        failures: list[Exception] = []
        try:
            reader.start()
            self._tasks = [asyncio.create_task(self._worker()) for _ in range(max(1, self.concurrency))]
            outcomes = await asyncio.gather(*self._tasks, return_exceptions=True)
            failures = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, asyncio.CancelledError)]
        finally:
            self._stop_reading.set()
            self._room.release(max(1, self.concurrency) * 4)  # unblock the reader so it can exit
            for sig in installed:
                loop.remove_signal_handler(sig)
            if progress is not None:
                progress.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await progress
            self.stats.elapsed = time.monotonic() - self._started
            waiting = sum(1 for item in self._queue._queue if item is not None and item[0] != WAKE)  # type: ignore[attr-defined]
            self.stats.interrupted = self._stopping and (
                not self._reader_complete or self._dropped > 0 or waiting > 0 or self.stats.paused > 0)
            self._checkpoint.close()
            self._close_outputs()
            if show:
                self._write_progress(final=True)
        if failures:
            raise failures[0]  # writing a result or the checkpoint failed (a full disk, say)
        return self.stats

    def _read_lines(self, loop: asyncio.AbstractEventLoop) -> None:
        """Reader thread: number the lines and hand them over, at most 4 x concurrency ahead."""
        if self.events == "-":
            stream: IO[str] = self.stdin or sys.stdin
        else:
            stream = open(self.events, encoding="utf-8")  # noqa: SIM115 - closed below
        try:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                self._room.acquire()
                if self._stop_reading.is_set():
                    return
                loop.call_soon_threadsafe(self._queue.put_nowait, (number, line))
            self._reader_complete = True
        except (OSError, UnicodeDecodeError) as error:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._reader_failed, error)
        finally:
            if stream is not sys.stdin and stream is not self.stdin:
                stream.close()
            with contextlib.suppress(RuntimeError):  # the loop may be gone after a forced stop
                loop.call_soon_threadsafe(self._queue.put_nowait, None)

    def _reader_failed(self, error: Exception) -> None:
        (self.stderr or sys.stderr).write(f"hoglite deliver: cannot read {self.events}: {error}\n")
        self._stopping = True

    async def _worker(self) -> None:
        while not self._stopping:
            item = await self._queue.get()
            if item is None:
                self._queue.put_nowait(None)  # let the other workers see the end too
                return
            if item[0] == WAKE:
                continue
            self._room.release()
            number, text = item
            if self._stopping:
                self._dropped += 1  # taken from the queue but not started: a resume runs it
                return
            if self._checkpoint.is_done(number):
                self.stats.already_done += 1
                continue
            self.stats.read += 1
            self._in_flight[number] = None
            try:
                await self._deliver(number, text)
            finally:
                self._in_flight.pop(number, None)

    # -- one event ---------------------------------------------------------------------------------

    def _parse(self, text: str) -> tuple[str | None, dict[str, Any], dict[str, Any] | None]:
        """(template ref or None for the run's own, event, the line's extra inputs); raises TemplateError."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise TemplateError(f"Malformed event line: {error.msg} (column {error.colno})", field="event") from None
        if not isinstance(data, dict):
            raise TemplateError(f"An event line must be a JSON object, not {_json_type(data)}", field="event")
        if not isinstance(data.get("template"), str):
            return None, data, None
        event = data.get("event") if isinstance(data.get("event"), dict) else data.get("globals")
        if not isinstance(event, dict):
            raise TemplateError("An envelope line needs an 'event' (or 'globals') object", field="event")
        extra = data.get("inputs") or {}
        if not isinstance(extra, dict):
            raise TemplateError("An envelope's 'inputs' must be an object", field="inputs")
        return data["template"], event, extra

    async def _deliver(self, number: int, text: str) -> None:
        started = time.monotonic()
        event: Any = None
        template_id = self._default.id
        stage = "parse"
        try:
            ref, event, extra = self._parse(text)
            stage = "template"
            template = self._default if ref is None else self.engine.template(ref)
            template_id = template.id
            # The run's inputs are for the run's template; another template gets the line's only.
            inputs = {**self.inputs, **(extra or {})} if template is self._default else dict(extra or {})
            stage = "host"
            paused = self._checkpoint.paused.get(number)
            if paused is not None:
                self.stats.resumed += 1
                run = template_run_from_state(self.engine, paused)
                step, cancelled = await self._drive(run, run.pending)
            else:
                prepared = prepare_template(self.engine, template, event, inputs, {})
                if isinstance(prepared, InvocationResult):
                    step, cancelled = Step(result=prepared), False
                else:
                    step, cancelled = await self._drive(prepared, prepared.start())
        except Exception as error:  # noqa: BLE001 - whatever happens, the event gets its result line
            message = error.message if isinstance(error, HogliteError) else \
                f"internal error: {type(error).__name__}: {error}"
            summary = {"outcome": "error", "error": message, "stage": stage,
                       "duration_ms": round((time.monotonic() - started) * 1000, 3)}
            self._record(number, event, template_id, summary, raw=text if stage == "parse" else None)
            return
        if step.done:
            assert step.result is not None
            summary = self._summary(step.result)
            summary["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
            self._record(number, event, template_id, summary)
        elif step.state is not None:
            self._checkpoint.mark_paused(number, step.state)
            self.stats.paused += 1
        if cancelled:
            raise asyncio.CancelledError

    async def _drive(self, run: Any, outcome: Any) -> tuple[Step, bool]:
        """Run one invocation to its end on this loop: Hog runs here between the awaited fetches.

        Returns (step, cancelled). On a forced stop (this task cancelled) the fetch in progress is
        abandoned and the invocation comes back paused there: its JSON state goes to the checkpoint,
        and a resumed run repeats only that fetch.
        """
        try:
            result = await drive_template(self.engine, run, outcome, self._fetcher)
        except asyncio.CancelledError:
            if run.pending is None:
                raise
            return Step(state=run.to_state()), True
        return Step(result=result), False

    def _summary(self, result: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"outcome": result.outcome, "error": result.error}
        if result.stage is not None and result.outcome != "ok":
            data["stage"] = result.stage
        if result.skip_reason is not None:
            data["skip_reason"] = result.skip_reason
        calls = []
        redact = getattr(result, "redact", None) or (lambda text: text)
        for call in result.fetches:
            entry: dict[str, Any] = {"method": call.method, "url": redact(call.url)}
            if call.response is not None:
                entry["status"] = call.response.get("status")
            if call.attempts != 1:
                entry["attempts"] = call.attempts
            if call.error is not None:
                entry["error"] = redact(call.error)
            calls.append(entry)
        data["fetches"] = calls
        if result.value is not None:
            # The results file is shown to people: a returned secret is masked like everywhere else.
            shown = getattr(result, "redacted_value", None)
            data["value"] = shown() if shown is not None else result.value
        logs = [entry.to_json() for entry in result.logs]
        if self.include_logs:
            data["logs"] = logs
        else:
            data["_problems"] = [entry["message"] for entry in logs if entry["level"] in ("warn", "error")]
        return data

    def _record(self, number: int, event: Any, template_id: str, summary: dict[str, Any], *,
                raw: str | None = None) -> None:
        """Write the result (and dead letter), flush, then mark the line finished in the checkpoint."""
        uuid = event.get("uuid") if isinstance(event, dict) else None
        if uuid is None and isinstance(event, dict) and isinstance(event.get("event"), dict):
            uuid = event["event"].get("uuid")  # a globals object
        problems = summary.pop("_problems", [])
        line = {"line": number, "uuid": uuid, "template": template_id, **summary}
        self._results.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self._results.flush()
        outcome = summary["outcome"]
        if outcome == "error":
            self.stats.failed += 1
            if self._dead is not None:
                letter: dict[str, Any] = {"line": number, "uuid": uuid, "template": template_id,
                                          "reason": summary.get("error"), "stage": summary.get("stage")}
                if problems:
                    letter["logs"] = problems
                if raw is not None:
                    letter["raw"] = raw.rstrip("\n")
                else:
                    letter["event"] = event
                self._dead.write(json.dumps(letter, ensure_ascii=False, default=str) + "\n")
                self._dead.flush()
        elif outcome == "skipped":
            self.stats.skipped += 1
        else:
            self.stats.ok += 1
        self._checkpoint.mark_done(number)

    # -- stopping ----------------------------------------------------------------------------------

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._on_signal)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread (embedded use): the caller handles stopping
            installed.append(sig)
        return installed

    def _on_signal(self) -> None:
        if self._stopping:
            self.force_stop()
            return
        self.stop()

    def stop(self) -> None:
        """Take no new events; let those in flight finish (for up to `drain_timeout` seconds)."""
        if self._stopping:
            return
        self._stopping = True
        self._stop_reading.set()
        err = self.stderr or sys.stderr
        err.write(f"\nhoglite deliver: stopping; finishing {len(self._in_flight)} event(s) in flight "
                  f"(press Ctrl-C again to pause them now)\n")
        err.flush()
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_later(self.drain_timeout, self.force_stop)
        # Wake idle workers waiting on the queue so they can exit.
        for _ in self._tasks:
            self._queue.put_nowait((WAKE, ""))

    def force_stop(self) -> None:
        """Stop the invocations in flight at their pending fetch; their state goes to the checkpoint."""
        if self._forced:
            return
        self._forced = True
        self._stopping = True
        for task in self._tasks:
            task.cancel()

    # -- progress ----------------------------------------------------------------------------------

    async def _show_progress(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL)
            self._write_progress()

    def _write_progress(self, *, final: bool = False) -> None:
        stats = self.stats
        elapsed = max(time.monotonic() - self._started, 1e-9)
        text = (f"\r\x1b[K{stats.finished} events  {stats.finished / elapsed:.0f}/s  ok {stats.ok}  "
                f"skipped {stats.skipped}  failed {stats.failed}  in flight {len(self._in_flight)}")
        err = self.stderr or sys.stderr
        err.write(text + ("\n" if final else ""))
        err.flush()
