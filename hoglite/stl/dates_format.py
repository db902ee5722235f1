"""`formatDateTime`: ClickHouse-style `%` codes, with the outputs PostHog's TypeScript VM gives.

Each `%x` code is replaced independently and all other text is copied literally. (The oracle
translates the whole pattern into one luxon format string, so two adjacent codes made of the same
luxon letter merge into a different token, `%d%d` printing `dddd`, and a `'` in the literal text
switches luxon's quoting; hoglite does not reproduce those artefacts.) A `%` followed by a character
that is not a code, or by nothing, outputs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from hoglite.stl.dates_core import Fields, format_offset

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _two_digit_year(f: Fields) -> str:
    # The last two characters of the year, zero-padded; for year -1 that is '-1', padded to '-01'.
    tail = str(f.year)[-2:]
    if tail.startswith("-"):
        return "-" + tail[1:].rjust(2, "0")
    return tail.rjust(2, "0")


def _four_digit_year(f: Fields) -> str:
    return ("-" if f.year < 0 else "") + str(abs(f.year)).rjust(4, "0")


def _hour12(f: Fields) -> str:
    return f"{(f.hour % 12) or 12:02d}"


def _meridiem(f: Fields) -> str:
    return "AM" if f.hour < 12 else "PM"


def _month2(f: Fields) -> str:
    return f"{f.month:02d}"


def _day2(f: Fields) -> str:
    return f"{f.day:02d}"


def _hour24(f: Fields) -> str:
    return f"{f.hour:02d}"


def _minute(f: Fields) -> str:
    return f"{f.minute:02d}"


def _second(f: Fields) -> str:
    return f"{f.second:02d}"


_CODES: dict[str, Callable[[Fields], str]] = {
    "a": lambda f: _WEEKDAYS[f.weekday - 1][:3],
    "b": lambda f: _MONTHS[f.month - 1][:3],
    "c": _month2,
    "C": _two_digit_year,  # sic: PostHog prints the 2-digit year, not the century
    "d": _day2,
    "D": lambda f: f"{_month2(f)}/{_day2(f)}/{_two_digit_year(f)}",
    "e": lambda f: str(f.day),  # unpadded in PostHog (ClickHouse pads with a space)
    "f": lambda f: f"{f.millisecond:03d}",  # milliseconds (ClickHouse gives microseconds)
    "F": lambda f: f"{_four_digit_year(f)}-{_month2(f)}-{_day2(f)}",
    "g": _two_digit_year,
    "G": _four_digit_year,  # the calendar year (ClickHouse: the ISO week-numbering year)
    "h": _hour12,
    "H": _hour24,
    "i": _minute,
    "I": _hour12,
    "j": lambda f: f"{f.ordinal:03d}",
    "k": _hour24,
    "l": _hour12,
    "m": _month2,
    "M": lambda f: _MONTHS[f.month - 1],
    "n": lambda f: "\n",
    "p": _meridiem,
    "Q": lambda f: str((f.month + 2) // 3),
    "r": lambda f: f"{_hour12(f)}:{_minute(f)} {_meridiem(f)}",
    "R": lambda f: f"{_hour24(f)}:{_minute(f)}",
    "s": _second,
    "S": _second,
    "t": lambda f: "\t",
    "T": lambda f: f"{_hour24(f)}:{_minute(f)}:{_second(f)}",
    "u": lambda f: str(f.weekday),
    "V": lambda f: f"{f.iso_week:02d}",
    "w": lambda f: str(f.weekday),  # PostHog: Monday=1 ... Sunday=7 (ClickHouse: Sunday=0)
    "W": lambda f: _WEEKDAYS[f.weekday - 1],
    "y": _two_digit_year,
    "Y": _four_digit_year,
    "z": lambda f: format_offset(f.offset_ms, ""),
    "%": lambda f: "%",
}

FORMAT_CODES = frozenset(_CODES)


def render_format(pattern: str, fields: Fields) -> str:
    """Expand every `%` code of `pattern` for the wall-clock reading `fields`."""
    out: list[str] = []
    i = 0
    length = len(pattern)
    while i < length:
        ch = pattern[i]
        if ch != "%":
            # Copy the run of literal text up to the next `%` in one step.
            nxt = pattern.find("%", i)
            end = length if nxt < 0 else nxt
            out.append(pattern[i:end])
            i = end
            continue
        code = pattern[i + 1] if i + 1 < length else ""
        render = _CODES.get(code)
        if render is not None:
            out.append(render(fields))
        i += 2
    return "".join(out)
