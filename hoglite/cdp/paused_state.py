"""Reading the host's part of a paused invocation (`Engine.start`'s state) back, defensively.

A paused state is JSON that left the process: a host stores it in a database or a queue and hands it
back to `Engine.resume`, possibly damaged, possibly edited. Two rules follow:

* every field is checked before use, and anything wrong ends in `HogRuntimeError("Invalid paused
  state: <field> ...")`, never a raw Python exception (the VM snapshot under `vm` is checked by
  hoglite.vm.state the same way);
* nothing in a state widens the sandbox. The run continues under the resuming engine's limits;
  the limits recorded in the state can only make them stricter (a program started with tighter
  per-call `limits=` keeps them), never looser. Fetches are performed by the resuming host with its
  own fetcher and policy; the pending request's `timeoutMs` is checked here and capped by the
  fetcher's policy there.

Used by hoglite.host.runs.ProgramRun.from_state and hoglite.cdp.codestep.TemplateRun.from_state.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hoglite.cdp.results import FetchCall, LogEntry
from hoglite.errors import HogRuntimeError

if TYPE_CHECKING:
    from hoglite.net.fetch import FetchRequest
    from hoglite.vm.limits import Limits

PREFIX = "Invalid paused state: "
LOG_LEVELS = frozenset({"debug", "info", "warn", "error"})
# Limits where None (max_ops) or a value <= 0 (memory_bytes) switches the check off.
_OFF_WHEN_NONE = frozenset({"max_ops"})
_OFF_WHEN_NOT_POSITIVE = frozenset({"memory_bytes"})


def invalid(message: str) -> HogRuntimeError:
    return HogRuntimeError(PREFIX + message)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def mapping(value: Any, where: str, *, optional: bool = False) -> dict[str, Any] | None:
    """`value` as a dict; None is allowed only when `optional`."""
    if value is None and optional:
        return None
    if not isinstance(value, Mapping):
        raise invalid(f"{where} must be an object, not {_type_name(value)}")
    return dict(value)


def sequence(value: Any, where: str) -> list[Any]:
    """`value` as a list; a missing (None) value is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"{where} must be a list, not {_type_name(value)}")
    return value


def text(value: Any, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise invalid(f"{where} must be a string, not {_type_name(value)}")
    return value


def count(state: Mapping[str, Any], key: str) -> int:
    """A non-negative whole-number counter (ops, memory, prints); missing means 0."""
    value = state.get(key)
    if value is None:
        return 0
    if not _is_number(value) or not math.isfinite(value) or value < 0 or value != int(value):
        raise invalid(f"{key} must be a whole number >= 0, not {value!r}")
    return int(value)


def milliseconds(state: Mapping[str, Any], key: str) -> float:
    """A non-negative, finite duration in milliseconds; missing means 0."""
    value = state.get(key)
    if value is None:
        return 0.0
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise invalid(f"{key} must be a number of milliseconds >= 0, not {value!r}")
    return float(value)


def flag(state: Mapping[str, Any], key: str, default: bool) -> bool:
    value = state.get(key, default)
    if not isinstance(value, bool):
        raise invalid(f"{key} must be true or false, not {_type_name(value)}")
    return value


# ---------------------------------------------------------------------------------------------------
# Limits


def resume_limits(engine_limits: Limits, stored: Any) -> Limits:
    """The limits a resumed run gets: the engine's, made stricter (never looser) by the stored ones.

    The stored `limits` must be an object of known limit names with sensible values (a damaged one
    is refused rather than ignored, so a host notices); each limit is then the stricter of the two.
    """
    from hoglite.vm.limits import Limits

    data = mapping(stored, "limits", optional=True)
    if data is None:
        return engine_limits
    names = {item.name for item in dataclasses.fields(Limits)}
    unknown = sorted(str(key) for key in data if key not in names)
    if unknown:
        raise invalid(f"limits has unknown field(s): {', '.join(unknown)}")
    chosen: dict[str, Any] = {}
    for name in sorted(names):
        if name not in data:
            continue
        value = data[name]
        if name in _OFF_WHEN_NONE and value is None:
            continue  # "no op budget" cannot loosen anything
        if not _is_number(value) or not math.isfinite(value) or (value < 0 and name not in _OFF_WHEN_NOT_POSITIVE):
            raise invalid(f"limits.{name} must be a finite number >= 0, not {value!r}")
        if name in _OFF_WHEN_NOT_POSITIVE and value <= 0:
            continue  # "switched off" cannot loosen anything
        current = getattr(engine_limits, name)
        off = current is None if name in _OFF_WHEN_NONE else (name in _OFF_WHEN_NOT_POSITIVE and current <= 0)
        if off or value < current:
            chosen[name] = value if name == "timeout_seconds" else int(value)
    return dataclasses.replace(engine_limits, **chosen) if chosen else engine_limits


# ---------------------------------------------------------------------------------------------------
# Logs, fetch calls and the pending call


def logs(state: Mapping[str, Any], redact: Callable[[str], str] | None = None) -> list[LogEntry]:
    """The log entries so far; with `redact`, each message passes through it again (a state is
    not trusted to hold only redacted text)."""
    entries: list[LogEntry] = []
    for index, entry in enumerate(sequence(state.get("logs"), "logs")):
        where = f"logs[{index}]"
        item = mapping(entry, where)
        assert item is not None
        timestamp = text(item.get("timestamp"), f"{where}.timestamp")
        level = text(item.get("level"), f"{where}.level")
        message = text(item.get("message"), f"{where}.message")
        assert timestamp is not None and level is not None and message is not None
        if level not in LOG_LEVELS:
            raise invalid(f"{where}.level must be one of {', '.join(sorted(LOG_LEVELS))}, not {level!r}")
        entries.append(LogEntry(timestamp, level, redact(message) if redact is not None else message))
    return entries


def _headers(value: Any, where: str) -> dict[str, str]:
    data = mapping(value, where, optional=True) or {}
    for name, item in data.items():
        if not isinstance(name, str) or not isinstance(item, str):
            raise invalid(f"{where} must map header names to strings")
    return data


def fetch_calls(state: Mapping[str, Any]) -> list[FetchCall]:
    calls: list[FetchCall] = []
    for index, entry in enumerate(sequence(state.get("fetches"), "fetches")):
        where = f"fetches[{index}]"
        item = mapping(entry, where)
        assert item is not None
        attempts = item.get("attempts", 1)
        if not _is_number(attempts) or attempts != attempts or attempts < 1 or attempts != int(attempts):
            raise invalid(f"{where}.attempts must be a whole number >= 1, not {attempts!r}")
        calls.append(FetchCall(
            method=text(item.get("method"), f"{where}.method") or "",
            url=text(item.get("url"), f"{where}.url") or "",
            headers=_headers(item.get("headers"), f"{where}.headers"),
            body=text(item.get("body"), f"{where}.body", optional=True),
            response=mapping(item.get("response"), f"{where}.response", optional=True),
            error=text(item.get("error"), f"{where}.error", optional=True),
            attempts=int(attempts),
        ))
    return calls


def fetch_request(value: Any, where: str) -> FetchRequest | None:
    from hoglite.net.fetch import FetchRequest

    data = mapping(value, where, optional=True)
    if data is None:
        return None
    timeout_ms = data.get("timeoutMs")
    if timeout_ms is not None and (not _is_number(timeout_ms) or not math.isfinite(timeout_ms) or timeout_ms < 0):
        raise invalid(f"{where}.timeoutMs must be a number >= 0, not {timeout_ms!r}")
    return FetchRequest(url=text(data.get("url"), f"{where}.url") or "",
                        method=text(data.get("method") or "POST", f"{where}.method") or "POST",
                        headers=_headers(data.get("headers"), f"{where}.headers"),
                        body=text(data.get("body"), f"{where}.body", optional=True),
                        timeout_seconds=None if timeout_ms is None else timeout_ms / 1000)


def pending_call(state: Mapping[str, Any], fetches: list[FetchCall]) -> tuple[str, list[Any], FetchRequest | None]:
    """The pending call's name, arguments and (for fetch) request; a pending fetch must have been
    recorded among the fetch calls (its response is written there on resume)."""
    pending = mapping(state.get("pending"), "pending")
    assert pending is not None
    name = text(pending.get("name"), "pending.name")
    assert name is not None
    args = sequence(pending.get("args"), "pending.args")
    request = fetch_request(pending.get("request"), "pending.request")
    if name == "fetch" and not fetches:
        raise invalid("a fetch is pending but no fetch call is recorded")
    return name, list(args), request


def vm_snapshot(state: Mapping[str, Any]) -> dict[str, Any]:
    """The VM's own paused state (checked in depth by hoglite.vm.state when resumed)."""
    snapshot = mapping(state.get("vm"), "vm")
    assert snapshot is not None
    return snapshot
