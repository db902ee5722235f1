"""Date and time built-ins (hog-stdlib.md §5.13), plus the helpers other parts of hoglite call.

Behaviour follows PostHog's TypeScript VM (`@posthog/hogvm`, luxon inside) wherever it gives a
meaningful answer, with these deliberate rules of our own (each listed in docs/compat.md):

* Where the oracle produces an *invalid* value (a DateTime whose `dt` is NaN, `Date(NaN, NaN, NaN)`,
  a `NaN` year) hoglite returns `null`: unparseable strings, `null` and other non-temporal input to
  the conversion functions (`toDateTime`, `toDate`, `toUnixTimestamp*`, `toYear`, `dateDiff`, ...).
* Where the oracle raises, hoglite raises a HogRuntimeError with the same message.
* Unknown time zones are an error instead of an invalid DateTime.
* Strings are always read with the shared date-like grammar (see dates_core), also in `dateDiff` and
  `extract`, where the oracle used luxon's looser and stricter ISO reader.
* `dateDiff` in `hour`/`minute`/`second`/`week` is floored elapsed time, as the catalogue specifies
  (the oracle converts a calendar difference with 30-day months).

Helpers for the rest of hoglite: `date_to_string`, `is_interval`, `is_temporal`, `add_interval`,
`temporal_seconds`, `parse_date_like_seconds`.
"""

from __future__ import annotations

import math
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.stl._common import js_string
from hoglite.stl.dates_core import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_MINUTE,
    MS_PER_SECOND,
    UTC_ZONE,
    Zone,
    date_midnight_ms,
    date_parts,
    date_to_string,
    datetime_ms,
    datetime_zone,
    days_in_month,
    fields_at,
    local_ms,
    make_date,
    make_datetime,
    parse_date_like_ms,
    parse_date_like_seconds,
    resolve_zone,
    seconds_from_ms,
    temporal_seconds,
    to_utc_ms,
)
from hoglite.stl.dates_format import render_format
from hoglite.stl.registry import HostContext, native
from hoglite.vm.values import HogDate, HogDateTime, HogErrorValue, type_of

__all__ = [
    "add_interval",
    "date_to_string",
    "is_interval",
    "is_temporal",
    "parse_date_like_seconds",
    "temporal_seconds",
]

# Calendar units go through the wall clock; the others are exact durations.
_INTERVAL_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")
_DURATION_MS = {"second": MS_PER_SECOND, "minute": MS_PER_MINUTE, "hour": MS_PER_HOUR}
_CASUAL_MONTH_MS = 30 * MS_PER_DAY  # how luxon turns a fraction of a month into time
_TRUNC_UNITS = ("year", "month", "day", "hour", "minute")
_EXTRACT_PARTS = ("year", "month", "day", "hour", "minute", "second")
_DIFF_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite_number(value: Any, function: str, what: str) -> int | float:
    if not _is_number(value) or not math.isfinite(value):
        shown = type_of(value) if not _is_number(value) else str(value)
        raise HogRuntimeError(f"{function}: {what} must be a finite number, got {shown}")
    return value


def _amount(value: Any, function: str) -> int | float:
    """An interval amount as luxon reads it: null adds nothing, numeric strings are numbers."""
    if value is None:
        return 0
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text) if text else math.nan
        except ValueError:
            number = math.nan
        if math.isfinite(number) and text.lower().lstrip("+-") not in ("inf", "infinity", "nan"):
            return int(number) if number.is_integer() else number
        raise HogRuntimeError(f"{function}: the amount must be a number, got '{value}'")
    return _finite_number(value, function, "the amount")


def _unit_name(unit: Any) -> str:
    # The oracle interpolates the unit into its message with JavaScript's String().
    return js_string(unit)


def is_temporal(value: Any) -> bool:
    return isinstance(value, (HogDate, HogDateTime))


def is_interval(value: Any) -> bool:
    """An interval value: the plain dict `{'__hogInterval__': true, 'value': n, 'unit': u}`."""
    return (
        isinstance(value, dict)
        and not isinstance(value, (HogDate, HogDateTime, HogErrorValue))
        and value.get("__hogInterval__") is True
        and "unit" in value
    )


def _instant(value: Any, function: str) -> tuple[float, Zone] | None:
    """An instant and the zone its fields are read in, for functions that accept strings too.

    A DateTime keeps its zone; a Date is midnight UTC; a string is parsed as UTC. Anything else
    (null, numbers, unparseable strings) gives None, which the caller turns into null.
    """
    if isinstance(value, HogDateTime):
        return datetime_ms(value), datetime_zone(value, function)
    if isinstance(value, HogDate):
        return date_midnight_ms(value), UTC_ZONE
    if isinstance(value, str):
        ms = parse_date_like_ms(value)
        return None if ms is None else (ms, UTC_ZONE)
    return None


def _require_datetime(value: Any, message: str) -> HogDateTime:
    if not isinstance(value, HogDateTime):
        raise HogRuntimeError(message, hint=f"got {type_of(value)}; convert it with toDateTime() first")
    return value


def _datetime_or_date(value: Any, function: str) -> tuple[float, Zone]:
    """A DateTime in its zone, or a Date as midnight UTC; anything else is an error."""
    if isinstance(value, HogDateTime):
        return datetime_ms(value), datetime_zone(value, function)
    if isinstance(value, HogDate):
        return date_midnight_ms(value), UTC_ZONE
    raise HogRuntimeError(
        f"{function}: expected a Date or DateTime, got {type_of(value)}",
        hint="convert strings with toDateTime() or toDate() first",
    )


# ---------------------------------------------------------------------------------------------------
# Arithmetic and truncation


def _shift(ms: float, zone: Zone, unit: str, amount: int | float) -> float:
    """`ms` moved by `amount` units on the wall clock of `zone` (luxon's `plus`).

    Whole days and months move the calendar and keep the time of day (a month step clamps to the
    month's last day); a repeated wall time keeps the offset the value had. Fractions of days and
    months, and all hours, minutes and seconds, are exact durations added afterwards.
    """
    if unit == "week":
        unit, amount = "day", amount * 7
    elif unit == "year":
        unit, amount = "month", amount * 12
    f = fields_at(ms, zone)
    months = days = 0
    extra_ms: float = 0
    if unit == "month":
        months = math.trunc(amount)
        extra_ms = (amount - months) * _CASUAL_MONTH_MS
    elif unit == "day":
        days = math.trunc(amount)
        extra_ms = (amount - days) * MS_PER_DAY
    else:
        extra_ms = amount * _DURATION_MS[unit]
    year, month = f.year, f.month + months
    day = min(f.day, days_in_month(year, month)) + days
    wall = local_ms(year, month, day, f.hour, f.minute, f.second, f.millisecond)
    shifted = to_utc_ms(wall, zone, preferred_offset_ms=f.offset_ms)
    return shifted + extra_ms if extra_ms else shifted


def _apply(value: HogDate | HogDateTime, unit: Any, amount: Any, function: str) -> HogDate | HogDateTime:
    ms, zone = _datetime_or_date(value, function)
    if unit not in _INTERVAL_UNITS:
        raise HogRuntimeError(
            f"Unsupported interval unit: {_unit_name(unit)}", hint="use one of " + ", ".join(_INTERVAL_UNITS)
        )
    shifted = _shift(ms, zone, unit, _amount(amount, function))
    if isinstance(value, HogDateTime):
        return make_datetime(shifted, zone.name)
    return make_date(shifted, UTC_ZONE)


def add_interval(value: Any, interval: Any, sign: int = 1) -> HogDate | HogDateTime:
    """`value + interval` (sign 1) or `value - interval` (sign -1) for a Date or DateTime.

    For the VM's PLUS/MINUS opcodes. A Date stays a Date and a DateTime keeps its zone.
    """
    if not is_interval(interval):
        raise HogRuntimeError(f"expected an interval, got {type_of(interval)}")
    amount = _amount(interval.get("value"), "interval arithmetic")
    return _apply(value, interval.get("unit"), amount * sign, "interval arithmetic")


def _truncate(ms: float, zone: Zone, unit: str) -> int:
    """The start of the year/month/day/hour/minute containing `ms`, on the wall clock of `zone`."""
    f = fields_at(ms, zone)
    if unit == "year":
        wall = local_ms(f.year, 1, 1)
    elif unit == "month":
        wall = local_ms(f.year, f.month, 1)
    elif unit == "day":
        wall = local_ms(f.year, f.month, f.day)
    elif unit == "hour":
        wall = local_ms(f.year, f.month, f.day, f.hour)
    else:
        wall = local_ms(f.year, f.month, f.day, f.hour, f.minute)
    # Prefer the value's own offset, so truncating inside a repeated hour stays in that hour.
    return to_utc_ms(wall, zone, preferred_offset_ms=f.offset_ms)


# ---------------------------------------------------------------------------------------------------
# Current time


@native("now", 0, 1)
def _now(args: list[Any], ctx: HostContext) -> HogDateTime:
    # The contract's optional argument is a zone (ClickHouse's meaning); the oracle ignores it.
    zone = args[0] if args and args[0] else "UTC"
    resolve_zone(zone, "now")
    return HogDateTime(_finite_number(ctx.now(), "now", "the host clock"), zone)


@native("today", 0, 0)
def _today(args: list[Any], ctx: HostContext) -> HogDate:
    return make_date(_finite_number(ctx.now(), "today", "the host clock") * 1000, UTC_ZONE)


# ---------------------------------------------------------------------------------------------------
# Conversions


@native("toDateTime", 1, 2)
def _to_datetime(args: list[Any], ctx: HostContext) -> HogDateTime | None:
    value = args[0]
    zone_arg = args[1] if len(args) > 1 and args[1] else None
    zone = resolve_zone(zone_arg, "toDateTime")
    zone_name = zone_arg if zone_arg is not None else "UTC"
    if _is_number(value):
        return HogDateTime(_finite_number(value, "toDateTime", "a timestamp"), zone_name)
    if isinstance(value, str):
        ms = parse_date_like_ms(value, zone)
        return None if ms is None else make_datetime(ms, zone_name)
    if isinstance(value, HogDateTime):
        datetime_ms(value)
        return HogDateTime(value["dt"], zone_name if zone_arg is not None else value.get("zone") or "UTC")
    if isinstance(value, HogDate):
        return make_datetime(to_utc_ms(local_ms(*date_parts(value)), zone), zone_name)
    return None


@native("toDate", 1, 1)
def _to_date(args: list[Any], ctx: HostContext) -> HogDate | None:
    value = args[0]
    if _is_number(value):
        # Both PostHog VMs use the host's local zone here; hoglite always uses UTC.
        return make_date(_finite_number(value, "toDate", "a timestamp") * 1000, UTC_ZONE)
    if isinstance(value, str):
        ms = parse_date_like_ms(value)
        return None if ms is None else make_date(ms, UTC_ZONE)
    if isinstance(value, HogDateTime):
        return make_date(datetime_ms(value), datetime_zone(value, "toDate"))
    if isinstance(value, HogDate):
        return HogDate(*date_parts(value))
    return None


@native("fromUnixTimestamp", 1, 1)
def _from_unix_timestamp(args: list[Any], ctx: HostContext) -> HogDateTime | None:
    if args[0] is None:
        return None
    return HogDateTime(_finite_number(args[0], "fromUnixTimestamp", "the timestamp"), "UTC")


@native("fromUnixTimestampMilli", 1, 1)
def _from_unix_timestamp_milli(args: list[Any], ctx: HostContext) -> HogDateTime | None:
    if args[0] is None:
        return None
    millis = _finite_number(args[0], "fromUnixTimestampMilli", "the timestamp")
    return HogDateTime(seconds_from_ms(millis), "UTC")


def _unix_seconds(value: Any, zone_arg: Any, function: str) -> int | float | None:
    if zone_arg is None and type(value) is str:  # the usual call: a timestamp string, no zone
        ms = parse_date_like_ms(value, UTC_ZONE)
        return None if ms is None else seconds_from_ms(ms)
    zone = resolve_zone(zone_arg or None, function)
    if isinstance(value, HogDateTime):
        datetime_ms(value)
        return value["dt"]
    if isinstance(value, HogDate):
        # A Date is midnight UTC whatever the zone argument says (as the oracle does).
        return date_midnight_ms(value) // 1000
    if isinstance(value, str):
        ms = parse_date_like_ms(value, zone)
        return None if ms is None else seconds_from_ms(ms)
    if _is_number(value):
        return _finite_number(value, function, "a timestamp")
    return None


@native("toUnixTimestamp", 1, 2)
def _to_unix_timestamp(args: list[Any], ctx: HostContext) -> int | float | None:
    return _unix_seconds(args[0], args[1] if len(args) > 1 else None, "toUnixTimestamp")


@native("toUnixTimestampMilli", 1, 2)
def _to_unix_timestamp_milli(args: list[Any], ctx: HostContext) -> int | float | None:
    seconds = _unix_seconds(args[0], args[1] if len(args) > 1 else None, "toUnixTimestampMilli")
    if seconds is None:
        return None
    millis = seconds * 1000
    return int(millis) if isinstance(millis, float) and millis.is_integer() else millis


@native("toTimeZone", 2, 2)
def _to_time_zone(args: list[Any], ctx: HostContext) -> HogDateTime:
    value = _require_datetime(args[0], "Expected a DateTime")
    datetime_ms(value)
    resolve_zone(args[1], "toTimeZone")
    return HogDateTime(value["dt"], args[1] or "UTC")


@native("formatDateTime", 2, 3)
def _format_datetime(args: list[Any], ctx: HostContext) -> str:
    value = _require_datetime(args[0], "Expected a DateTime")
    pattern = args[1]
    if not pattern:
        raise HogRuntimeError("formatDateTime requires at least 2 arguments", hint="the format is empty")
    if not isinstance(pattern, str):
        raise HogRuntimeError(f"formatDateTime: the format must be a string, got {type_of(pattern)}")
    zone_arg = args[2] if len(args) > 2 and args[2] else None
    zone = resolve_zone(zone_arg, "formatDateTime") if zone_arg is not None else datetime_zone(
        value, "formatDateTime"
    )
    return render_format(pattern, fields_at(datetime_ms(value), zone))


# ---------------------------------------------------------------------------------------------------
# Fields


def _extract(part: Any, value: Any, function: str) -> int | None:
    if part not in _EXTRACT_PARTS:
        raise HogRuntimeError(f"Unknown extract part: {_unit_name(part)}", hint="use one of " + ", ".join(_EXTRACT_PARTS))
    instant = _instant(value, function)
    if instant is None:
        return None
    return getattr(fields_at(*instant), part)


@native("extract", 2, 2)
def _extract_native(args: list[Any], ctx: HostContext) -> int | None:
    return _extract(args[0], args[1], "extract")


@native("toYear", 1, 1)
def _to_year(args: list[Any], ctx: HostContext) -> int | None:
    return _extract("year", args[0], "toYear")


@native("toMonth", 1, 1)
def _to_month(args: list[Any], ctx: HostContext) -> int | None:
    return _extract("month", args[0], "toMonth")


@native("toYYYYMM", 1, 1)
def _to_yyyymm(args: list[Any], ctx: HostContext) -> int | None:
    instant = _instant(args[0], "toYYYYMM")
    if instant is None:
        return None
    f = fields_at(*instant)
    return f.year * 100 + f.month


# ---------------------------------------------------------------------------------------------------
# Truncation


@native("dateTrunc", 2, 3)
def _date_trunc(args: list[Any], ctx: HostContext) -> HogDateTime:
    unit, value = args[0], args[1]
    value = _require_datetime(value, "Expected a DateTime for dateTrunc")
    if unit not in _TRUNC_UNITS:
        raise HogRuntimeError(
            f"Unsupported unit for dateTrunc: {_unit_name(unit)}", hint="use one of " + ", ".join(_TRUNC_UNITS)
        )
    zone = datetime_zone(value, "dateTrunc")
    return make_datetime(_truncate(datetime_ms(value), zone, unit), zone.name)


def _start_of(value: Any, unit: str, function: str) -> HogDateTime:
    ms, zone = _datetime_or_date(value, function)
    return make_datetime(_truncate(ms, zone, unit), zone.name)


@native("toStartOfDay", 1, 2)
def _to_start_of_day(args: list[Any], ctx: HostContext) -> HogDateTime:
    return _start_of(args[0], "day", "toStartOfDay")


@native("toStartOfHour", 1, 1)
def _to_start_of_hour(args: list[Any], ctx: HostContext) -> HogDateTime:
    return _start_of(args[0], "hour", "toStartOfHour")


@native("toStartOfMonth", 1, 1)
def _to_start_of_month(args: list[Any], ctx: HostContext) -> HogDateTime:
    return _start_of(args[0], "month", "toStartOfMonth")


@native("toStartOfWeek", 1, 2)
def _to_start_of_week(args: list[Any], ctx: HostContext) -> HogDateTime:
    """Midnight of the Monday on or before the value (ISO weeks), in the value's zone."""
    ms, zone = _datetime_or_date(args[0], "toStartOfWeek")
    monday = _shift(ms, zone, "day", -(fields_at(ms, zone).weekday - 1))
    return make_datetime(_truncate(monday, zone, "day"), zone.name)


# ---------------------------------------------------------------------------------------------------
# Arithmetic


@native("dateAdd", 3, 3)
def _date_add(args: list[Any], ctx: HostContext) -> HogDate | HogDateTime:
    unit, amount, value = args
    return _apply(value, unit, amount, "dateAdd")


@native("addDays", 2, 2)
def _add_days(args: list[Any], ctx: HostContext) -> HogDate | HogDateTime:
    return _apply(args[0], "day", args[1], "addDays")


@native("dateDiff", 3, 3)
def _date_diff(args: list[Any], ctx: HostContext) -> int | None:
    unit = args[0]
    if unit not in _DIFF_UNITS:
        raise HogRuntimeError(
            f"Unsupported unit for dateDiff: {_unit_name(unit)}", hint="use one of " + ", ".join(_DIFF_UNITS)
        )
    start = _instant(args[1], "dateDiff")
    end = _instant(args[2], "dateDiff")
    if start is None or end is None:
        return None
    if unit in ("month", "year"):
        # Calendar fields, each value read in its own zone; the day of the month is ignored.
        a, b = fields_at(*start), fields_at(*end)
        if unit == "year":
            return b.year - a.year
        return (b.year - a.year) * 12 + (b.month - a.month)
    elapsed = end[0] - start[0]
    unit_ms = {"second": MS_PER_SECOND, "minute": MS_PER_MINUTE, "hour": MS_PER_HOUR, "day": MS_PER_DAY,
               "week": 7 * MS_PER_DAY}[unit]
    return math.floor(elapsed / unit_ms)


# ---------------------------------------------------------------------------------------------------
# Intervals


def _interval(value: Any, unit: str) -> dict[str, Any]:
    return {"__hogInterval__": True, "value": value, "unit": unit}


@native("toIntervalDay", 1, 1)
def _to_interval_day(args: list[Any], ctx: HostContext) -> dict[str, Any]:
    return _interval(args[0], "day")


@native("toIntervalHour", 1, 1)
def _to_interval_hour(args: list[Any], ctx: HostContext) -> dict[str, Any]:
    return _interval(args[0], "hour")


@native("toIntervalMinute", 1, 1)
def _to_interval_minute(args: list[Any], ctx: HostContext) -> dict[str, Any]:
    return _interval(args[0], "minute")


@native("toIntervalMonth", 1, 1)
def _to_interval_month(args: list[Any], ctx: HostContext) -> dict[str, Any]:
    return _interval(args[0], "month")
