"""What a template invocation (or a program run) reports: `InvocationResult`, `LogEntry`, `FetchCall`.

Log entries are cheap to make and exact when read. An entry written during a run keeps the epoch
seconds and the raw message (or a function that formats it) plus the invocation's redactor; the ISO
timestamp, the redaction and the truncation happen the first time `timestamp` or `message` is read,
and are then kept. Nothing a user can see or serialise bypasses that: `message`, `to_json()`,
`repr()` and equality all go through the redacted text. A run whose logs are never read (a delivery
that only keeps warnings and errors, say) never pays for formatting its `debug` line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_LOG_ENTRIES = 25  # the 25th print becomes a warning and later prints are dropped (PostHog)
MAX_LOG_LENGTH = 10_000
TRUNCATED_SUFFIX = "... (truncated)"
OUTCOMES = ("ok", "skipped", "error")

_ISO_SECONDS: dict[int, str] = {}  # whole second -> "YYYY-MM-DDTHH:MM:SS." (a small memo; clocks move on)


def iso_timestamp(seconds: float) -> str:
    """Epoch seconds as PostHog's log timestamp: `2024-07-01T12:34:56.789Z` (UTC, milliseconds)."""
    # The same rounding as datetime.fromtimestamp (microseconds, half to even), then milliseconds.
    fraction, whole_float = math.modf(seconds)
    whole = int(whole_float)
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    elif micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    millis = micros // 1000
    prefix = _ISO_SECONDS.get(whole)
    if prefix is None:
        prefix = datetime.fromtimestamp(whole, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        if len(_ISO_SECONDS) > 1024:
            _ISO_SECONDS.clear()
        _ISO_SECONDS[whole] = prefix
    return f"{prefix}{millis:03d}Z"


def truncate_message(message: str) -> str:
    if len(message) > MAX_LOG_LENGTH:
        return message[:MAX_LOG_LENGTH] + TRUNCATED_SUFFIX
    return message


class LogEntry:
    """One log line: `timestamp` (ISO, UTC), `level` (debug | info | warn | error), `message`."""

    __slots__ = ("level", "_timestamp", "_message", "_seconds", "_raw", "_redact")

    def __init__(self, timestamp: str, level: str, message: str) -> None:
        self._timestamp: str | None = timestamp
        self.level = level
        self._message: str | None = message
        self._seconds = 0.0
        self._raw: str | Callable[[], str] | None = None
        self._redact: Callable[[str], str] | None = None

    @classmethod
    def pending(cls, seconds: float, level: str, raw: str | Callable[[], str],
                redact: Callable[[str], str] | None = None) -> LogEntry:
        """An entry whose text is formatted, redacted (with `redact`) and truncated when first read."""
        entry = cls.__new__(cls)
        entry._timestamp = None
        entry.level = level
        entry._message = None
        entry._seconds = seconds
        entry._raw = raw
        entry._redact = redact
        return entry

    @property
    def timestamp(self) -> str:
        if self._timestamp is None:
            self._timestamp = iso_timestamp(self._seconds)
        return self._timestamp

    @timestamp.setter
    def timestamp(self, value: str) -> None:
        self._timestamp = value

    @property
    def message(self) -> str:
        if self._message is None:
            raw = self._raw() if callable(self._raw) else (self._raw or "")
            if self._redact is not None:
                raw = self._redact(raw)
            self._message = truncate_message(raw)
            self._raw = self._redact = None  # the raw text may hold secrets: drop it once redacted
        return self._message

    @message.setter
    def message(self, value: str) -> None:
        self._message = value
        self._raw = self._redact = None

    def to_json(self) -> dict[str, Any]:
        return {"timestamp": self.timestamp, "level": self.level, "message": self.message}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogEntry):
            return NotImplemented
        return (self.timestamp, self.level, self.message) == (other.timestamp, other.level, other.message)

    def __hash__(self) -> int:
        return hash((self.timestamp, self.level, self.message))

    def __repr__(self) -> str:
        return f"LogEntry(timestamp={self.timestamp!r}, level={self.level!r}, message={self.message!r})"


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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FetchCall:
        return cls(method=data["method"], url=data["url"], headers=dict(data.get("headers") or {}),
                   body=data.get("body"), response=data.get("response"), error=data.get("error"),
                   attempts=int(data.get("attempts") or 1))


def _identity(text: str) -> str:
    return text


def redact_json(value: Any, redact: Callable[[str], str], depth: int = 0) -> Any:
    """`value` (JSON-like data) with `redact` applied to every string in it, dict keys included.

    String by string rather than on a JSON dump of the whole: a dump escapes every string once more,
    and a secret already escaped a few times inside a string (an echoed body thrown as JSON) would
    then be one level deeper than the forms the redactor knows. Values nested deeper than the
    redactor's depth limit are replaced by the mask of `redact` (fail closed).
    """
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if depth > _MAX_REDACT_DEPTH:
        return redact(_DEEP_PLACEHOLDER)
    if isinstance(value, dict):
        return {(redact(key) if isinstance(key, str) else key): redact_json(item, redact, depth + 1)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_json(item, redact, depth + 1) for item in value]
    return redact(str(value))


_MAX_REDACT_DEPTH = 512
_DEEP_PLACEHOLDER = "(nested too deep to show)"


@dataclass
class InvocationResult:
    outcome: str  # ok | skipped | error
    logs: list[LogEntry] = field(default_factory=list)
    fetches: list[FetchCall] = field(default_factory=list)
    error: str | None = None  # the message (for a Hog `throw Error('x')`: "x")
    error_detail: Any = None  # the full HogliteError, with its span
    stage: str | None = None  # where it stopped early: globals | filters | inputs | code | fetch
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
    redact: Callable[[str], str] = field(default=_identity, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def render_error(self) -> str | None:
        """The error with a caret snippet into the template code (or the input template)."""
        from hoglite.cdp.inputs import InputEvaluationError

        if self.error_detail is None:
            return self.error
        detail = self.error_detail
        if isinstance(detail, InputEvaluationError):
            return self.redact(str(detail))
        if self.stage == "code" and self.code is not None:
            return self.redact(detail.render(self.code, name=self.code_name))
        return self.redact(detail.render())

    def redacted_fetches(self) -> list[dict[str, Any]]:
        """The fetch calls as JSON with every secret replaced, for display."""
        return [redact_json(call.to_json(), self.redact) for call in self.fetches]

    def redacted_value(self) -> Any:
        """The returned value with every secret replaced, for display (`value` keeps the real one)."""
        if self.redact is _identity:  # nothing to hide (a plain program run): keep the value as is
            return self.value
        return redact_json(self.value, self.redact)

    def to_json(self, *, redacted: bool = True) -> dict[str, Any]:
        """The result as JSON. With `redacted` (the default) secrets are hidden everywhere: the error,
        its detail, the fetches, the inputs and the returned value."""
        data: dict[str, Any] = {
            "outcome": self.outcome,
            "error": self.redact(self.error) if redacted and self.error is not None else self.error,
            "logs": [entry.to_json() for entry in self.logs],
            "fetches": self.redacted_fetches() if redacted else [call.to_json() for call in self.fetches],
        }
        if self.inputs is not None:
            inputs = json.loads(json.dumps(self.inputs, ensure_ascii=False, default=str))
            data["inputs"] = redact_json(inputs, self.redact) if redacted else inputs
        if self.error_detail is not None:
            detail = json.loads(json.dumps(self.error_detail.to_json(), ensure_ascii=False, default=str))
            data["error_detail"] = redact_json(detail, self.redact) if redacted else detail
        if self.stage is not None:
            data["stage"] = self.stage
        if self.skip_reason is not None:
            data["skip_reason"] = self.skip_reason
        if self.mapping is not None:
            data["mapping"] = self.mapping
        data["value"] = self.redacted_value() if redacted else self.value
        data["ops"] = self.ops
        return data
