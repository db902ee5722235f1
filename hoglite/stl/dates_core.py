"""The calendar engine behind the date built-ins: zones, parsing, wall-clock fields and arithmetic.

Hog has two temporal values (see hoglite/vm/values.py): a `HogDate` (a calendar day) and a
`HogDateTime` (an instant as epoch seconds plus a zone name used for display and field extraction).
PostHog's TypeScript VM (the oracle) computes with luxon; this module reproduces the parts of luxon's
model that are visible to Hog programs, in our own code on top of `zoneinfo`:

* Instants are handled in whole epoch milliseconds. Wall-clock fields are read from
  `trunc(ms + offset)`, as JavaScript's `Date` does, so fractional milliseconds never show.
* Turning a wall-clock time back into an instant (parsing, truncation, calendar arithmetic) needs a
  rule for the hour that is skipped (spring forward) and the hour that repeats (fall back). Skipped
  times are read with the offset in force before the transition (02:30 in New York on the spring-
  forward day is 03:30 EDT). A repeated time resolves to the occurrence whose offset matches a
  *preferred* offset when one is known (the offset of the value being truncated or shifted, so
  truncation never jumps forwards), and otherwise to the earlier occurrence. luxon guesses with the
  offset in force *now*, which makes its answer for a repeated hour depend on the wall clock.
* Zone names follow luxon: `UTC`/`GMT` (any case) and `UTC+5`/`UTC-03:30` are fixed offsets, and
  anything else must be an IANA name (case-insensitive). An unknown zone is a clear runtime error
  (luxon silently produces an invalid DateTime instead).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from hoglite.errors import HogRuntimeError
from hoglite.vm.values import HogDate, HogDateTime, type_of

MS_PER_SECOND = 1000
MS_PER_MINUTE = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000

# JavaScript's Date covers 8.64e15 ms either side of the epoch (about 273,790 years); so do we.
MAX_ABS_MS = 8_640_000_000_000_000

_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
# zoneinfo works on `datetime`, which covers years 1..9999. Zone rules are constant far from the
# present, so offsets for instants outside that window are read at its edge.
_ZONE_MIN_MS = int((datetime(1, 1, 2) - _EPOCH_NAIVE).total_seconds()) * 1000
_ZONE_MAX_MS = int((datetime(9999, 12, 30) - _EPOCH_NAIVE).total_seconds()) * 1000


# ---------------------------------------------------------------------------------------------------
# Zones


@dataclass(frozen=True, slots=True)
class Zone:
    """A resolved time zone. `name` is what luxon reports as the zone name after normalising."""

    name: str
    fixed_ms: int | None = None  # set for fixed-offset zones (UTC, UTC+5)
    key: str | None = None  # the zoneinfo key for IANA zones

    @property
    def is_utc(self) -> bool:
        """A fixed zone at offset zero: ISO strings end in `Z` for it."""
        return self.fixed_ms == 0

    def offset_ms(self, utc_ms: int | float) -> int:
        """The zone's offset from UTC at the instant `utc_ms`, in milliseconds."""
        if self.fixed_ms is not None:
            return self.fixed_ms
        instant = _EPOCH_UTC + timedelta(milliseconds=_zone_window(utc_ms))
        offset = instant.astimezone(_zoneinfo(self.key or "")).utcoffset()
        return int(offset.total_seconds() * 1000) if offset is not None else 0

    def first_offset_ms(self, local_ms: int) -> int:
        """The offset for a wall-clock time, taking the earlier reading of a repeated hour and the
        pre-transition offset for a skipped one (PEP 495 `fold=0`)."""
        if self.fixed_ms is not None:
            return self.fixed_ms
        wall = _EPOCH_NAIVE + timedelta(milliseconds=_zone_window(local_ms))
        offset = wall.replace(tzinfo=_zoneinfo(self.key or "")).utcoffset()
        return int(offset.total_seconds() * 1000) if offset is not None else 0


UTC_ZONE = Zone("UTC", fixed_ms=0)

_FIXED_ZONE = re.compile(r"^utc(?:([+-][0-9]{1,2})(?::([0-9]{2}))?)?$", re.IGNORECASE)
_REFUSED_ZONES = {"local", "system", "default"}


@lru_cache(maxsize=64)
def _zoneinfo(key: str) -> ZoneInfo:
    return ZoneInfo(key)


@lru_cache(maxsize=1)
def _zone_keys_by_lower_name() -> dict[str, str]:
    return {key.lower(): key for key in available_timezones()}


@lru_cache(maxsize=256)
def _resolve_zone_name(name: str) -> Zone | None:
    lowered = name.lower()
    if lowered in ("utc", "gmt"):
        return UTC_ZONE
    if lowered in _REFUSED_ZONES:
        return None
    fixed = _FIXED_ZONE.match(name)
    if fixed:
        hours = int(fixed.group(1) or 0)
        minutes = int(fixed.group(2) or 0)
        total = hours * 60 + (-minutes if hours < 0 or (fixed.group(1) or "").startswith("-") else minutes)
        if total == 0:
            return UTC_ZONE
        sign = "+" if total > 0 else "-"
        h, m = divmod(abs(total), 60)
        label = f"UTC{sign}{h}" + (f":{m}" if m else "")
        return Zone(label, fixed_ms=total * MS_PER_MINUTE)
    key = _zone_keys_by_lower_name().get(lowered)
    if key is None:
        return None
    try:
        _zoneinfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    # luxon keeps the name exactly as the caller wrote it.
    return Zone(name, key=key)


def resolve_zone(name: Any, function: str = "") -> Zone:
    """The zone called `name`, or a HogRuntimeError naming the function that received it."""
    if name is None:
        return UTC_ZONE
    where = f"{function}: " if function else ""
    if not isinstance(name, str):
        raise HogRuntimeError(f"{where}time zone must be a string, got {type_of(name)}")
    zone = _resolve_zone_name(name) if name else UTC_ZONE
    if zone is None:
        raise HogRuntimeError(
            f"{where}unknown time zone '{name}'",
            hint="use an IANA zone name such as 'Europe/Amsterdam', or 'UTC'",
        )
    return zone


# ---------------------------------------------------------------------------------------------------
# Wall-clock fields


@dataclass(frozen=True, slots=True)
class Fields:
    """The wall-clock reading of an instant in a zone."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    millisecond: int
    offset_ms: int
    weekday: int  # ISO: Monday = 1 ... Sunday = 7
    ordinal: int  # day of the year, 1-based
    iso_week: int


def check_ms(ms: int | float) -> None:
    if not (isinstance(ms, (int, float)) and math.isfinite(ms)) or abs(ms) > MAX_ABS_MS:
        raise HogRuntimeError("date is out of range (at most 8.64e12 seconds, about 273,790 years, either side of 1970)")


def _zone_window(ms: int | float) -> int:
    check_ms(ms)
    return int(min(max(ms, _ZONE_MIN_MS), _ZONE_MAX_MS))


# Proleptic Gregorian calendar on day numbers (days since 1970-01-01), using 400-year eras of
# 146097 days with years counted from March, so the leap day falls at the end of the year.


def days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _iso_weeks_in_year(year: int) -> int:
    def p(y: int) -> int:
        return (y + y // 4 - y // 100 + y // 400) % 7

    return 53 if p(year) == 4 or p(year - 1) == 3 else 52


def fields_at(utc_ms: int | float, zone: Zone) -> Fields:
    """Read `utc_ms` (possibly fractional) on the wall clock of `zone`."""
    check_ms(utc_ms)
    offset = zone.offset_ms(utc_ms)
    # JavaScript's Date truncates towards zero, then reads the calendar from that whole millisecond.
    local = math.trunc(utc_ms + offset)
    check_ms(local)
    days, ms_of_day = divmod(local, MS_PER_DAY)
    year, month, day = civil_from_days(days)
    weekday = (days + 3) % 7 + 1  # 1970-01-01 was a Thursday
    ordinal = days - days_from_civil(year, 1, 1) + 1
    week = (ordinal - weekday + 10) // 7
    if week < 1:
        week = _iso_weeks_in_year(year - 1)
    elif week > _iso_weeks_in_year(year):
        week = 1
    seconds_of_day, millisecond = divmod(ms_of_day, 1000)
    minutes_of_day, second = divmod(seconds_of_day, 60)
    hour, minute = divmod(minutes_of_day, 60)
    return Fields(year, month, day, hour, minute, second, millisecond, offset, weekday, ordinal, week)


def days_in_month(year: int, month: int) -> int:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    if month == 2:
        return 29 if is_leap_year(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def local_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
             millisecond: int = 0) -> int:
    """Milliseconds of a wall-clock reading as if it were UTC; month and day may overflow (like Date.UTC)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    days = days_from_civil(year, month, 1) + day - 1
    ms = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millisecond
    check_ms(ms)
    return ms


def to_utc_ms(wall_ms: int, zone: Zone, preferred_offset_ms: int | None = None) -> int:
    """The instant showing `wall_ms` on the clock of `zone` (see the module notes for DST rules)."""
    if zone.fixed_ms is not None:
        return wall_ms - zone.fixed_ms
    if preferred_offset_ms is None:
        return wall_ms - zone.first_offset_ms(wall_ms)
    # Try the preferred offset first; if the zone disagrees, try the zone's answer; if that in turn
    # disagrees the wall time was skipped, and we read it with the earlier (smaller) offset.
    guess = wall_ms - preferred_offset_ms
    found = zone.offset_ms(guess)
    if found == preferred_offset_ms:
        return guess
    second_guess = wall_ms - found
    found_again = zone.offset_ms(second_guess)
    if found_again == found:
        return second_guess
    return wall_ms - min(found, found_again)


# ---------------------------------------------------------------------------------------------------
# Converting Hog values


def seconds_from_ms(ms: int | float) -> int | float:
    """Epoch seconds for a millisecond count: an int when whole, as luxon's `toSeconds` prints."""
    if isinstance(ms, int) and ms % 1000 == 0:
        return ms // 1000
    seconds = ms / 1000
    return int(seconds) if seconds.is_integer() else seconds


def datetime_ms(value: HogDateTime) -> float:
    """The instant of a DateTime in (possibly fractional) milliseconds."""
    dt = value.get("dt")
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not math.isfinite(dt):
        raise HogRuntimeError(f"invalid DateTime: its timestamp is {dt!r}")
    return dt * 1000


def datetime_zone(value: HogDateTime, function: str = "") -> Zone:
    return resolve_zone(value.get("zone") or "UTC", function)


def date_parts(value: HogDate) -> tuple[int, int, int]:
    year, month, day = value.get("year"), value.get("month"), value.get("day")
    for part in (year, month, day):
        if isinstance(part, bool) or not isinstance(part, (int, float)) or not float(part).is_integer():
            raise HogRuntimeError(f"invalid Date: Date({year!r}, {month!r}, {day!r})")
    year, month, day = int(year), int(month), int(day)
    if not (1 <= month <= 12 and 1 <= day <= days_in_month(year, month)):
        raise HogRuntimeError(f"invalid Date: Date({year}, {month}, {day})")
    return year, month, day


def date_midnight_ms(value: HogDate) -> int:
    """A Date counts as midnight UTC wherever an instant is needed."""
    return local_ms(*date_parts(value))


def temporal_seconds(value: Any) -> int | float | None:
    """Epoch seconds of a DateTime or Date (a Date is midnight UTC), else None. For comparisons."""
    if isinstance(value, HogDateTime):
        datetime_ms(value)  # validates the timestamp
        return value.get("dt")
    if isinstance(value, HogDate):
        return date_midnight_ms(value) // 1000
    return None


# ---------------------------------------------------------------------------------------------------
# Parsing the shared "date-like string" grammar

_DATE_LIKE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])"
    r"(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?"
    r"(Z|z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?"
)
# The characters JavaScript's String.prototype.trim removes (whitespace and line terminators).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


# Epoch milliseconds of recently parsed `YYYY-MM-DDTHH:MM` prefixes: a stream's timestamps share
# their minute with many others.
_ISO_MINUTES: dict[str, int] = {}


def _iso_minute_ms(prefix: str) -> int | None:
    """The milliseconds of a valid `YYYY-MM-DDTHH:MM` (UTC), else None."""
    if not (prefix.isascii() and prefix[4] == "-" and prefix[7] == "-" and prefix[10] == "T" and prefix[13] == ":"):
        return None
    # ASCII (checked above), so isdigit means 0-9 only, as in the grammar.
    parts = prefix[:4], prefix[5:7], prefix[8:10], prefix[11:13], prefix[14:16]
    if not all(part.isdigit() for part in parts):
        return None
    year, month, day, hour, minute = map(int, parts)
    if year == 0 or not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month) or hour > 23 \
            or minute > 59:
        return None
    ms = ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * MS_PER_MINUTE
    if len(_ISO_MINUTES) >= 256:
        _ISO_MINUTES.clear()
    _ISO_MINUTES[prefix] = ms
    return ms


def _iso_utc_ms(text: str) -> int | None:
    """parse_date_like_ms for exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (PostHog's event timestamps), or
    None when `text` is anything else (also when it is invalid: the full parser then decides)."""
    base = _ISO_MINUTES.get(text[:16])
    if base is None:
        base = _iso_minute_ms(text[:16])
        if base is None:
            return None
    second, millis = text[17:19], text[20:23]
    # Two ASCII digits compare as text the way they compare as numbers.
    if text[16] != ":" or text[19] != "." or not (text.isascii() and second.isdigit() and millis.isdigit()) \
            or second > "59":
        return None
    return base + int(second) * 1000 + int(millis)


def parse_date_like_ms(text: str, zone: Zone = UTC_ZONE) -> int | None:
    """Epoch milliseconds of a date-like string, or None when it does not follow the grammar.

    `YYYY-MM-DD`, optionally followed by `T`/`t`/space and `HH:MM[:SS[.fraction]]` and a zone
    `Z`/`±HH[[:]MM]`. A string without its own offset is read on the wall clock of `zone`.
    The fraction is truncated to milliseconds.
    """
    if len(text) == 24 and text[23] == "Z":  # the usual timestamp: read without the regex
        found = _iso_utc_ms(text)
        if found is not None:
            return found
    match = _DATE_LIKE.fullmatch(text.strip(_JS_WHITESPACE))
    if match is None:
        return None
    year_text, month_text, day_text, hour, minute, second, fraction, offset = match.groups()
    year, month, day = int(year_text), int(month_text), int(day_text)
    if year == 0 or not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        return None
    millis = int(fraction[:3].ljust(3, "0")) if fraction else 0
    # local_ms without its range check: a four-digit year is always in range.
    wall = ((((days_from_civil(year, month, day) * 24 + (int(hour) if hour else 0)) * 60
              + (int(minute) if minute else 0)) * 60 + (int(second) if second else 0)) * 1000 + millis)
    if offset is None:
        return to_utc_ms(wall, zone)
    if offset in ("Z", "z"):
        return wall
    digits = offset[1:].replace(":", "")
    offset_minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
    return wall - (offset_minutes if offset[0] == "+" else -offset_minutes) * MS_PER_MINUTE


def parse_date_like_seconds(text: str) -> int | float | None:
    """Epoch seconds of a date-like string read in UTC, or None. For comparisons with strings."""
    ms = parse_date_like_ms(text)
    return None if ms is None else seconds_from_ms(ms)


# ---------------------------------------------------------------------------------------------------
# Strings


def _pad(number: int, width: int) -> str:
    return ("-" if number < 0 else "") + str(abs(number)).rjust(width, "0")


def _iso_year(year: int) -> str:
    """Four digits, or a sign and six digits outside 0..9999 (ISO 8601 expanded years)."""
    if 0 <= year <= 9999:
        return f"{year:04d}"
    return ("+" if year > 0 else "") + _pad(year, 6)


def format_offset(offset_ms: int, separator: str) -> str:
    minutes_total = offset_ms / MS_PER_MINUTE
    hours = math.trunc(abs(minutes_total / 60))
    minutes = math.trunc(abs(minutes_total % 60 if minutes_total >= 0 else -((-minutes_total) % 60)))
    sign = "+" if offset_ms >= 0 else "-"
    return f"{sign}{hours:02d}{separator}{minutes:02d}"


def datetime_iso(value: HogDateTime) -> str:
    """ISO-8601 with milliseconds, in the value's zone: `Z` for UTC, else the numeric offset."""
    zone = datetime_zone(value, "toString")
    f = fields_at(datetime_ms(value), zone)
    suffix = "Z" if zone.is_utc else format_offset(f.offset_ms, ":")
    return (
        f"{_iso_year(f.year)}-{f.month:02d}-{f.day:02d}T{f.hour:02d}:{f.minute:02d}:{f.second:02d}"
        f".{f.millisecond:03d}{suffix}"
    )


def date_iso(value: HogDate) -> str:
    """`YYYY-MM-DD`: month and day padded to two digits, the year written as is (as PostHog does)."""
    year, month, day = date_parts(value)
    return f"{year}-{month:02d}-{day:02d}"


def date_to_string(value: HogDate | HogDateTime) -> str:
    """What `toString` (and `concat`, f-strings) make of a Date or DateTime."""
    if isinstance(value, HogDateTime):
        return datetime_iso(value)
    if isinstance(value, HogDate):
        return date_iso(value)
    raise TypeError("date_to_string expects a HogDate or HogDateTime")


def make_datetime(ms: int | float, zone_name: str) -> HogDateTime:
    return HogDateTime(seconds_from_ms(ms), zone_name)


def make_date(ms: int | float, zone: Zone = UTC_ZONE) -> HogDate:
    f = fields_at(ms, zone)
    return HogDate(f.year, f.month, f.day)
