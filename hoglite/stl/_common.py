"""Helpers shared by the built-in families: JavaScript conversions, UTF-16 string arithmetic, size guards.

PostHog's production VM (the behavioural oracle) is written in TypeScript, so many built-ins inherit
JavaScript's rules: `String(x)`, `Number(x)`, `parseInt`, `parseFloat`, `===`, and string lengths and
offsets counted in UTF-16 code units. Python strings count code points, so the UTF-16 helpers here
translate. A slice that would cut a surrogate pair in half yields U+FFFD for the lone half: that keeps
the UTF-16 length the oracle reports and prints exactly what node prints for a lone surrogate, while
never putting an unencodable lone surrogate into a Python string.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.vm.limits import ensure_container_size, ensure_string_length, limits_of
from hoglite.vm.values import (
    MAX_SAFE_INTEGER,
    HogDate,
    HogDateTime,
    HogErrorValue,
    format_number,
    print_string,
    type_of,
)

# ---------------------------------------------------------------------------------------------------
# Size guards: built-ins check the size of a string or container they are about to build against the
# run's limits (hoglite.vm.limits) BEFORE building it, so no input can make them exhaust the host.


def string_limit(ctx: Any) -> int:
    return limits_of(ctx).max_string_length


def guard_string(ctx: Any, length: int) -> None:
    ensure_string_length(ctx, length)


def guard_container(ctx: Any, size: int) -> None:
    ensure_container_size(ctx, size)


# ---------------------------------------------------------------------------------------------------
# Type tests


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_array(value: Any) -> bool:
    """Arrays and tuples: the oracle stores a tuple as a tagged JavaScript array, so both pass Array.isArray."""
    return isinstance(value, (list, tuple))


def is_hog_dict(value: Any) -> bool:
    """A Hog dict (a JavaScript Map in the oracle), not one of the marker records."""
    return isinstance(value, dict) and not isinstance(value, (HogErrorValue, HogDate, HogDateTime))


def type_error(function: str, what: str, value: Any) -> HogRuntimeError:
    return HogRuntimeError(f"{function}() expects {what}, got {type_of(value)}")


def expect_string(function: str, value: Any, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise type_error(function, what, value)
    return value


def normalize_int(value: int) -> int | float:
    """JavaScript numbers are doubles: integers beyond 2**53 lose precision the same way here."""
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    return float(value)


# ---------------------------------------------------------------------------------------------------
# UTF-16 arithmetic


def _is_bmp(text: str) -> bool:
    return text.isascii() or not text or max(text) <= "\uffff"


def utf16_len(text: str) -> int:
    if _is_bmp(text):
        return len(text)
    return len(text) + sum(1 for ch in text if ch > "\uffff")


def utf16_units(text: str) -> list[str]:
    """The string as a list of UTF-16 code units; lone halves of a pair become U+FFFD."""
    if _is_bmp(text):
        return list(text)
    units: list[str] = []
    for ch in text:
        if ch > "\uffff":
            units.extend(("\ufffd", "\ufffd"))
        else:
            units.append(ch)
    return units


def utf16_slice(text: str, start: int, end: int) -> str:
    """`text.slice(start, end)` in UTF-16 units, for 0 <= start, end (clipped to the length)."""
    if _is_bmp(text):
        return text[start:end]
    data = text.encode("utf-16-le", "surrogatepass")
    return data[2 * start : 2 * max(start, end)].decode("utf-16-le", "replace")


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 offset of the code point at Python index `index`."""
    if _is_bmp(text):
        return index
    return utf16_len(text[:index])


def clean_surrogates(text: str) -> str:
    """Replace lone surrogates (from JSON escapes or UTF-16 slicing) with U+FFFD, as node prints them."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def utf8_bytes(text: str) -> bytes:
    """The UTF-8 bytes node produces for a string (a lone surrogate becomes EF BF BD)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return clean_surrogates(text).encode("utf-8")


# ---------------------------------------------------------------------------------------------------
# JavaScript conversions

# The characters JavaScript's String.prototype.trim / parseInt / Number() treat as white space.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

_MAX_JS_STRING_DEPTH = 200


def js_string(value: Any, _depth: int = 0, plain_objects: bool = False) -> str:
    """JavaScript's `String(value)` for the oracle's representation of a Hog value.

    Hog dicts are Maps in the oracle (`[object Map]`); with `plain_objects` they are plain objects
    (what `JSON.parse` makes), as in the JSON path functions given a JSON string."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        # Array.prototype.join: null items become '', nested arrays join recursively.
        if _depth > _MAX_JS_STRING_DEPTH:
            raise HogRuntimeError("Value is nested too deeply to convert to a string")
        return ",".join("" if item is None else js_string(item, _depth + 1, plain_objects) for item in value)
    if is_hog_dict(value) and not plain_objects:
        return "[object Map]"
    return "[object Object]"


_DECIMAL_LITERAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_RADIX_LITERAL = re.compile(r"0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+")


def _float_text(text: str) -> int | float:
    number = float(text)
    if number.is_integer() and abs(number) <= MAX_SAFE_INTEGER and "e" not in text.lower():
        return int(number)
    return number


def js_to_number(value: Any) -> int | float:
    """JavaScript's `Number(value)` (ToNumber)."""
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip(JS_WHITESPACE)
        if text == "":
            return 0
        if text in ("Infinity", "+Infinity"):
            return math.inf
        if text == "-Infinity":
            return -math.inf
        if _RADIX_LITERAL.fullmatch(text):
            return normalize_int(int(text, 0))
        if _DECIMAL_LITERAL.fullmatch(text):
            return _float_text(text)
        return math.nan
    if isinstance(value, (list, tuple)):
        return js_to_number(js_string(value))
    return math.nan


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def js_parse_int(value: Any, radix: int = 0) -> int | float:
    """JavaScript's `parseInt(value[, radix])`; NaN when no digits lead the string."""
    text = js_string(value).lstrip(JS_WHITESPACE)
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if radix in (0, 16) and text[:2] in ("0x", "0X"):
        text = text[2:]
        radix = 16
    if radix == 0:
        radix = 10
    valid = _DIGITS[:radix]
    end = 0
    while end < len(text) and text[end].lower() in valid:
        end += 1
    if end == 0:
        return math.nan
    return normalize_int(sign * int(text[:end], radix))


def js_parse_float(value: Any) -> int | float:
    """JavaScript's `parseFloat(value)`; NaN when no number leads the string."""
    text = js_string(value).lstrip(JS_WHITESPACE)
    found = _FLOAT_PREFIX.match(text)
    if not found:
        return math.nan
    literal = found.group(0)
    if literal.endswith("Infinity"):
        return -math.inf if literal.startswith("-") else math.inf
    return _float_text(literal)


def js_strict_equals(a: Any, b: Any) -> bool:
    """JavaScript `===` on the oracle's representation: primitives by value, containers by identity."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return a is b


def js_less(a: Any, b: Any) -> bool:
    """JavaScript's `a < b`: two strings by UTF-16 units, anything else as numbers (null is 0)."""
    if not (a is None or isinstance(a, (bool, int, float, str))):
        a = js_string(a)
    if not (b is None or isinstance(b, (bool, int, float, str))):
        b = js_string(b)
    if isinstance(a, str) and isinstance(b, str):
        if _is_bmp(a) and _is_bmp(b):
            return a < b
        return a.encode("utf-16-be", "surrogatepass") < b.encode("utf-16-be", "surrogatepass")
    left, right = js_to_number(a), js_to_number(b)
    if isinstance(left, int) and isinstance(right, int):
        return left < right
    return float(left) < float(right)


def js_less_or_equal(a: Any, b: Any) -> bool:
    """JavaScript's `a <= b`: `!(b < a)` for two strings, a numeric `<=` otherwise (false with NaN)."""
    if not (a is None or isinstance(a, (bool, int, float, str))):
        a = js_string(a)
    if not (b is None or isinstance(b, (bool, int, float, str))):
        b = js_string(b)
    if isinstance(a, str) and isinstance(b, str):
        return not js_less(b, a)
    left, right = js_to_number(a), js_to_number(b)
    if isinstance(left, int) and isinstance(right, int):
        return left <= right
    return float(left) <= float(right)


def same_value_zero(a: Any, b: Any) -> bool:
    """`Array.prototype.includes` equality: like `===`, except NaN equals NaN."""
    if is_number(a) and is_number(b) and a != a and b != b:
        return True
    return js_strict_equals(a, b)


# ---------------------------------------------------------------------------------------------------
# Hog string conversion (toString / concat)


def iso_datetime(seconds: Any, zone: Any) -> str | None:
    """A DateTime as an ISO-8601 string with milliseconds, `Z` in UTC, else the zone's offset.

    The calendar work is the date engine's (hoglite.stl.dates_core), so `toString`, `concat` and
    f-strings agree with the date built-ins on every zone form they accept (`UTC+5`, lower-case IANA
    names, ...). None when the zone is unknown or the instant is out of range: the oracle's luxon
    gives an invalid DateTime there, whose ISO text is null.
    """
    from hoglite.stl.dates_core import datetime_iso  # the date engine imports this module's siblings

    if not is_number(seconds) or not math.isfinite(seconds) or not isinstance(zone, str):
        return None
    try:
        return datetime_iso(HogDateTime(seconds, zone))
    except HogRuntimeError:
        return None


def _two_digits(part: Any) -> str:
    text = format_number(part) if is_number(part) else js_string(part)
    return "0" + text if is_number(part) and part < 10 else text


def hog_to_string(value: Any) -> str | None:
    """`toString(value)`: dates as ISO text, strings raw, everything else in the printed (repr) form."""
    if isinstance(value, HogDate):
        year = value.get("year")
        year_text = format_number(year) if is_number(year) else js_string(year)
        return f"{year_text}-{_two_digits(value.get('month'))}-{_two_digits(value.get('day'))}"
    if isinstance(value, HogDateTime):
        return iso_datetime(value.get("dt"), value.get("zone"))
    return print_string(value)
