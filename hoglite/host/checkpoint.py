"""The delivery checkpoint: which input lines are finished, and which were stopped mid-invocation.

An append-only JSON-lines file, so a crash can only lose the last unflushed line:

    {"checkpoint": "hoglite-deliver/1", "template": "template-intercom-event", "events": "events.jsonl"}
    {"done": [[1, 250], [252, 252]]}          ranges of finished line numbers (inclusive)
    {"paused": 251, "state": {...}}           an invocation stopped while waiting for a fetch
    {"done": [[251, 251], [253, 300]]}

A line is finished once its result line (and dead-letter line) has been written and flushed; the
checkpoint entry is written after them, so a resumed run never loses an event. A `paused` entry holds
the invocation's JSON state (hoglite.host.steps): on resume only its pending fetch is repeated.
Opening an existing checkpoint rewrites it compactly (atomically, via a temporary file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from hoglite.errors import HogliteError

FORMAT = "hoglite-deliver/1"


class CheckpointError(HogliteError):
    code = "checkpoint"

    @property
    def kind(self) -> str:
        return "checkpoint error"


def to_ranges(numbers: Iterable[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for number in sorted(set(numbers)):
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ranges


def from_ranges(ranges: Any) -> set[int]:
    numbers: set[int] = set()
    for pair in ranges:
        start, end = int(pair[0]), int(pair[1])
        numbers.update(range(start, end + 1))
    return numbers


class Checkpoint:
    """Finished line numbers and paused invocations of one delivery run, persisted as it goes."""

    def __init__(self, path: str | Path | None, *, template: str, events: str) -> None:
        self.path = Path(path) if path is not None else None
        self.template = template
        self.events = events
        self.done: set[int] = set()
        self.paused: dict[int, dict[str, Any]] = {}
        self.resumed = False
        self._file: IO[str] | None = None
        self._pending: list[int] = []

    # -- loading ---------------------------------------------------------------------------------

    def open(self) -> Checkpoint:
        """Load an existing checkpoint (then rewrite it compactly) or start a new one."""
        if self.path is None:
            return self
        if self.path.exists() and self.path.stat().st_size > 0:
            self._load()
            self.resumed = True
        self._rewrite()
        self._file = self.path.open("a", encoding="utf-8")
        return self

    def _load(self) -> None:
        assert self.path is not None
        header: dict[str, Any] | None = None
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    if number > 1 and not line.endswith("\n"):
                        break  # a torn last line from a crash: everything before it stands
                    raise CheckpointError(f"{self.path}:{number}: not a checkpoint line") from None
                if header is None:
                    if not isinstance(entry, dict) or entry.get("checkpoint") != FORMAT:
                        raise CheckpointError(f"{self.path} is not a hoglite delivery checkpoint")
                    header = entry
                    continue
                if "done" in entry:
                    finished = from_ranges(entry["done"])
                    self.done |= finished
                    for line_number in finished:
                        self.paused.pop(line_number, None)
                elif "paused" in entry:
                    self.paused[int(entry["paused"])] = entry["state"]
        if header is not None and header.get("template") != self.template:
            raise CheckpointError(f"{self.path} belongs to a run of template {header.get('template')!r}, "
                                  f"not {self.template!r}; use another checkpoint file")
        for line_number in self.done:
            self.paused.pop(line_number, None)

    def _rewrite(self) -> None:
        assert self.path is not None
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps({"checkpoint": FORMAT, "template": self.template, "events": self.events}) + "\n")
            if self.done:
                handle.write(json.dumps({"done": to_ranges(self.done)}) + "\n")
            for line_number, state in sorted(self.paused.items()):
                handle.write(json.dumps({"paused": line_number, "state": state}) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    # -- recording -------------------------------------------------------------------------------

    def is_done(self, line_number: int) -> bool:
        return line_number in self.done

    def mark_done(self, line_number: int) -> None:
        self.done.add(line_number)
        self.paused.pop(line_number, None)
        self._pending.append(line_number)
        # Flushed per event: a crash then re-delivers nothing whose result line was written.
        self.flush()

    def mark_paused(self, line_number: int, state: dict[str, Any]) -> None:
        self.flush()
        self.paused[line_number] = state
        if self._file is not None:
            self._file.write(json.dumps({"paused": line_number, "state": state}) + "\n")
            self._file.flush()

    def flush(self) -> None:
        """Write the finished lines recorded since the last flush (call after flushing the results)."""
        if self._pending and self._file is not None:
            self._file.write(json.dumps({"done": to_ranges(self._pending)}) + "\n")
            self._file.flush()
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
            self._rewrite()
