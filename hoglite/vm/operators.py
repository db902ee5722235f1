"""Hog's operators with the semantics of PostHog's TypeScript VM (the behavioural oracle).

Arithmetic converts both sides with JavaScript's `Number()`; comparisons first unify the operand types
(numbers vs strings, booleans, dates vs ISO strings) and then compare the JavaScript way. Each function
here is explicit about every type it accepts: no Python operator is ever applied to arbitrary values.

Deliberate differences from the oracle (docs/compat.md):
- `==` on containers is structural (the oracle compares arrays of finite numbers element-wise and
  everything else by identity); `in` uses the same structural equality for container items.
- `=~`, `!~`, `=~*`, `!~*` with a null or empty side are all false (the oracle negates for `!~`, and its
  `=~*` tests the literal pattern `(?i)null` / `(?i)`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import re2

from hoglite.errors import HogRuntimeError
from hoglite.vm.values import (
    MAX_SAFE_INTEGER,
    Callable,
    Closure,
    HogDate,
    HogDateTime,
    format_number,
    is_truthy,
    type_of,
)

NAN = math.nan
INF = math.inf

# ---------------------------------------------------------------------------------------------------
# JavaScript conversions


def js_int(value: int) -> int | float:
    """An integer result as JavaScript would hold it: exact up to 2**53, else the nearest double."""
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    try:
        return float(value)
    except OverflowError:
        return INF if value > 0 else -INF


# JavaScript's StrWhiteSpaceChar: WhiteSpace and LineTerminator.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_RADIX = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


def string_to_number(text: str) -> int | float:
    """JavaScript's `Number(string)`: trimmed decimal, `0x`/`0o`/`0b`, `Infinity`, '' -> 0, else NaN."""
    text = text.strip(_JS_SPACE)
    if not text:
        return 0
    if _INTEGER.match(text):
        if text in ("-0",):
            return -0.0
        return js_int(int(text))
    if _DECIMAL.match(text):
        return float(text)
    if text in ("Infinity", "+Infinity"):
        return INF
    if text == "-Infinity":
        return -INF
    radix = _RADIX.get(text[:2])
    if radix is not None and len(text) > 2:
        try:
            return js_int(int(text[2:], radix))
        except ValueError:
            return NAN
    return NAN


def to_number(value: Any) -> int | float:
    """JavaScript's `Number(value)` for a Hog value."""
    kind = type(value)
    if kind is int or kind is float:
        return value
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if kind is str:
        return string_to_number(value)
    if isinstance(value, (list, tuple)):
        return string_to_number(_join(value, set()))
    return NAN


def to_js_string(value: Any) -> str:
    """JavaScript's `String(value)`: what the oracle's string operations see for a non-string."""
    if type(value) is str:
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return _join(value, set())
    if type(value) is dict:
        return "[object Map]"
    return "[object Object]"


def _join(items: Any, seen: set[int]) -> str:
    """Array.prototype.join(','): null elements are empty, nested arrays join recursively, and an array
    met again inside itself joins as '' (that is how JavaScript breaks the cycle). Iterative, so any
    nesting depth works."""
    out: list[str] = []
    # Work items: a value to write, a separator (the _SEPARATOR object) or the id of a finished array.
    work: list[Any] = [items]
    on_path = set(seen)
    while work:
        item = work.pop()
        if item is _SEPARATOR:
            out.append(",")
            continue
        if type(item) is _Done:
            on_path.discard(item)
            continue
        if item is None:
            continue
        if isinstance(item, (list, tuple)):
            if id(item) in on_path:
                continue
            on_path.add(id(item))
            work.append(_Done(id(item)))
            for position in range(len(item) - 1, -1, -1):
                work.append(item[position])
                if position:
                    work.append(_SEPARATOR)
            continue
        out.append(to_js_string(item))
    return "".join(out)


class _Done(int):
    """An array id leaving the path of `_join`."""


_SEPARATOR = object()


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


# ---------------------------------------------------------------------------------------------------
# Arithmetic (PLUS, MINUS, MULTIPLY, DIVIDE, MOD)


def _interval_arithmetic(left: Any, right: Any, sign: int) -> Any:
    """A date or datetime plus or minus an interval (either order for `+`), else None.

    PostHog's TypeScript VM gives NaN here (hog-language.md §11b); hoglite does the date arithmetic."""
    from hoglite.stl.dates import add_interval, is_interval, is_temporal

    if is_temporal(left) and is_interval(right):
        return add_interval(left, right, sign)
    if sign == 1 and is_interval(left) and is_temporal(right):
        return add_interval(right, left, sign)
    return None


def add(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        moved = _interval_arithmetic(left, right, 1)
        if moved is not None:
            return moved
    a, b = to_number(left), to_number(right)
    if type(a) is int and type(b) is int:
        return js_int(a + b)
    return float(a) + float(b)


def subtract(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        moved = _interval_arithmetic(left, right, -1)
        if moved is not None:
            return moved
    a, b = to_number(left), to_number(right)
    if type(a) is int and type(b) is int:
        return js_int(a - b)
    return float(a) - float(b)


def multiply(left: Any, right: Any) -> int | float:
    a, b = to_number(left), to_number(right)
    if type(a) is int and type(b) is int:
        return js_int(a * b)
    return float(a) * float(b)


def divide(left: Any, right: Any) -> float:
    a, b = float(to_number(left)), float(to_number(right))
    if b == 0:
        if a == 0 or a != a:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def modulo(left: Any, right: Any) -> int | float:
    """JavaScript `%`: the remainder of truncating division (sign of the dividend); x % 0 is NaN."""
    a, b = to_number(left), to_number(right)
    if type(a) is int and type(b) is int:
        if b == 0:
            return NAN
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder
    a, b = float(a), float(b)
    if b == 0 or a != a or b != b or a in (INF, -INF):
        return NAN
    if b in (INF, -INF):
        return a
    return math.fmod(a, b)


# ---------------------------------------------------------------------------------------------------
# Dates inside comparisons

_DATE_LIKE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]((?:[01][0-9]|2[0-3])):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?"
    r"(Z|z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?\Z"
)


def date_like_seconds(text: str) -> float | None:
    """Epoch seconds of an ISO-like date string (the grammar shared by PostHog's VMs), else None.

    `YYYY-MM-DD`, optionally followed by `T`/space, `HH:MM`, optional `:SS` with an optional fraction
    (truncated to milliseconds) and an optional zone `Z` / `±HH[:]MM`. No zone means UTC.
    """
    match = _DATE_LIKE.match(text.strip(_JS_SPACE))
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if year == "0000":
        return None
    millis = int((fraction or "")[:3].ljust(3, "0")) if fraction else 0
    offset = timedelta(0)
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            millis * 1000, tzinfo=timezone(offset),
        )
    except ValueError:
        return None
    return moment.timestamp()


def temporal_seconds(value: Any) -> float | None:
    if isinstance(value, HogDateTime):
        seconds = value.get("dt")
        return seconds if _is_number(seconds) else NAN
    if isinstance(value, HogDate):
        try:
            moment = datetime(int(value["year"]), int(value["month"]), int(value["day"]), tzinfo=UTC)
        except (TypeError, ValueError, KeyError, OverflowError):
            return NAN
        return moment.timestamp()
    return None


# ---------------------------------------------------------------------------------------------------
# Comparisons


def unify(left: Any, right: Any) -> tuple[Any, Any]:
    """PostHog's type unification before a comparison (hog-bytecode.md §4.4, plus dates)."""
    lt, rt = type(left), type(right)
    if lt is not rt or lt is dict or lt not in (int, float, str, bool, type(None), list, tuple):
        left_seconds = temporal_seconds(left)
        right_seconds = temporal_seconds(right)
        if left_seconds is not None and right_seconds is not None:
            return left_seconds, right_seconds
        if left_seconds is not None and rt is str:
            parsed = date_like_seconds(right)
            if parsed is not None:
                return left_seconds, parsed
        if right_seconds is not None and lt is str:
            parsed = date_like_seconds(left)
            if parsed is not None:
                return parsed, right_seconds
    left_is_number = lt is int or lt is float
    right_is_number = rt is int or rt is float
    if left_is_number and rt is str:
        return left, string_to_number(right)
    if lt is str and right_is_number:
        return string_to_number(left), right
    if lt is bool and rt is str:
        return left, right == "true"
    if lt is str and rt is bool:
        return left == "true", right
    if lt is bool and right_is_number:
        return (1 if left else 0), right
    if left_is_number and rt is bool:
        return left, (1 if right else 0)
    return left, right


def _finite_numbers(items: Any) -> bool:
    for item in items:
        kind = type(item)
        if not (kind is int or (kind is float and math.isfinite(item))):
            return False
    return True


def _sequence_order(left: Any, right: Any) -> int:
    for a, b in zip(left, right):
        if a != b:
            return -1 if a < b else 1
    return (len(left) > len(right)) - (len(left) < len(right))


def strict_equals(left: Any, right: Any) -> bool:
    """JavaScript `===` on Hog values, as PostHog's VM compares: primitives by value, containers,
    functions, errors and dates by identity (`{} == {}` is false there, and so here)."""
    lt, rt = type(left), type(right)
    if lt is str or rt is str:
        return lt is rt and left == right
    if left is None or right is None:
        return left is right
    if lt is bool or rt is bool:
        return lt is rt and left == right
    if (lt is int or lt is float) and (rt is int or rt is float):
        return left == right
    return left is right


def _to_primitive(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return _join(value, set())
    if type(value) is dict:
        return "[object Map]"
    if isinstance(value, (dict, Closure, Callable)):
        return "[object Object]"
    return value


def _string_less(a: str, b: str) -> bool:
    if a.isascii() and b.isascii():
        return a < b
    return a.encode("utf-16-be", "surrogatepass") < b.encode("utf-16-be", "surrogatepass")


def _less(a: Any, b: Any, or_equal: bool) -> bool:
    """JavaScript's `a < b` / `a <= b` on two values that went through `unify`."""
    at, bt = type(a), type(b)
    if (at is int or at is float) and (bt is int or bt is float):
        return a <= b if or_equal else a < b
    a, b = _to_primitive(a), _to_primitive(b)
    if type(a) is str and type(b) is str:
        if or_equal:
            return not _string_less(b, a)
        return _string_less(a, b)
    x, y = to_number(a), to_number(b)
    return x <= y if or_equal else x < y


def equals(left: Any, right: Any) -> bool:
    """The `==` operator (EQ)."""
    lt, rt = type(left), type(right)
    if lt is rt and (lt is int or lt is str or lt is float):
        return left == right
    left, right = unify(left, right)
    if (isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))
            and _finite_numbers(left) and _finite_numbers(right)):
        return _sequence_order(left, right) == 0
    return strict_equals(left, right)


def compare(left: Any, right: Any, op: str) -> bool:
    """The ordering operators `<`, `<=`, `>`, `>=`."""
    left, right = unify(left, right)
    if (isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))
            and _finite_numbers(left) and _finite_numbers(right)):
        order = _sequence_order(left, right)
        return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]
    if op == "<":
        return _less(left, right, False)
    if op == "<=":
        return _less(left, right, True)
    if op == ">":
        return _less(right, left, False)
    return _less(right, left, True)


# ---------------------------------------------------------------------------------------------------
# Membership


def contains(container: Any, item: Any) -> bool:
    """`item in container` for arrays/tuples (element equality) and strings (substring)."""
    if isinstance(container, (list, tuple)):
        kind = type(item)
        if kind is float and item != item:
            return any(type(x) is float and x != x for x in container)
        if kind is str:
            return any(type(x) is str and x == item for x in container)
        return any(strict_equals(item, x) for x in container)
    if type(container) is str:
        return to_js_string(item) in container
    raise HogRuntimeError(
        f"Operator 'in' needs an array, a tuple or a string on the right, got {type_of(container)}"
    )


# ---------------------------------------------------------------------------------------------------
# LIKE and regular expressions (RE2 only: linear time, no catastrophic backtracking)

_REGEX_CACHE: dict[tuple[str, bool, bool], Any] = {}
REGEX_MAX_MEM = 8 << 20
# A LIKE pattern with more `%` runs than this is matched segment by segment (like_chain): RE2 on
# `a.*a.*a...` costs text x pattern once its DFA runs out of memory.
LIKE_CHAIN_FROM = 8
_REGEX_CACHE_SIZE = 512
_PUNCTUATION = set("-/\\^$*+?.()|[]{}")


def compile_regex(pattern: str, ignore_case: bool = False, capture: bool = False) -> Any:
    """A compiled RE2 pattern (cached). Raises HogRuntimeError for an invalid pattern.

    Match-only searches compile with `never_capture`: with captures, a pattern with many groups makes
    RE2 drop its DFA and track every group at every character (minutes for 1000 groups), while a
    search without captures stays fast. `max_mem` is RE2's default budget, set explicitly.
    """
    key = (pattern, ignore_case, capture)
    compiled = _REGEX_CACHE.get(key)
    if compiled is not None:
        return compiled
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.never_capture = not capture
    options.max_mem = REGEX_MAX_MEM
    try:
        compiled = re2.compile(pattern, options=options)
    except Exception as error:  # re2 raises its own error type (and TypeError for odd input)
        reason = error.args[0] if error.args else str(error)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise HogRuntimeError(f"Invalid regular expression: {pattern}: {reason}") from None
    if len(_REGEX_CACHE) >= _REGEX_CACHE_SIZE:
        _REGEX_CACHE.clear()
    _REGEX_CACHE[key] = compiled
    return compiled


def regex_search(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """True if `pattern` (RE2 syntax, a leading `(?i)` allowed) matches anywhere in `text`."""
    return compile_regex(pattern, ignore_case).search(text) is not None


def regex_operator(value: Any, pattern: Any, ignore_case: bool) -> bool:
    """`value =~ pattern` (search). A null or empty side gives false."""
    if not is_truthy(pattern) or not is_truthy(value):
        return False
    return regex_search(to_js_string(pattern), to_js_string(value), ignore_case)


def like_pattern(pattern: str) -> str:
    """A LIKE pattern as an (unanchored) RE2 regex: `%` is any run, `_` any one character."""
    out = []
    for char in pattern:
        if char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        elif char in _PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


_LIKE_CACHE: dict[str, Any] = {}


def like_plan(pattern: str) -> Any:
    """How to match a LIKE pattern: its RE2 regex (a str), or for a pattern with many `%` runs the
    list of its non-empty segments as RE2 regexes (see like_chain). Runs of `%` collapse to one
    (`.*.*` is `.*`)."""
    plan = _LIKE_CACHE.get(pattern)
    if plan is not None:
        return plan
    collapsed = re.sub("%%+", "%", pattern)
    parts = collapsed.split("%")
    if len(parts) - 1 > LIKE_CHAIN_FROM:
        if "\n" in collapsed:
            raise HogRuntimeError("LIKE pattern too complex: more than 8 '%' wildcards with a line break")
        plan = [like_pattern(part) for part in parts if part]
    else:
        plan = like_pattern(collapsed)
    if len(_LIKE_CACHE) >= _REGEX_CACHE_SIZE:
        _LIKE_CACHE.clear()
    _LIKE_CACHE[pattern] = plan
    return plan


def like_chain(segments: list[str], text: str, ignore_case: bool, compile: Any = compile_regex) -> bool:
    """LIKE for `seg0%seg1%...%segN` in time linear in the text: what RE2 answers for
    `seg0.*seg1.*...segN` (unanchored, `.` never matching a line break), found greedily.

    No segment holds a line break (like_plan refuses those) and neither `_` nor `%` matches one, so
    a match lies within one line; within a line, placing each segment at its earliest position after
    the previous one leaves the most room for the rest, so one left-to-right pass per line decides.
    """
    if not segments:
        return True
    compiled = [compile(segment, ignore_case) for segment in segments]
    for line in text.split("\n"):
        position = 0
        for program in compiled:
            found = program.search(line, position)
            if found is None:
                break
            position = found.end()
        else:
            return True
    return False


def like(value: Any, pattern: Any, ignore_case: bool) -> bool:
    """`value like pattern` (unanchored, as in PostHog's VMs)."""
    plan = like_plan(to_js_string(pattern))
    if type(plan) is list:
        return like_chain(plan, to_js_string(value), ignore_case)
    return regex_search(plan, to_js_string(value), ignore_case)
