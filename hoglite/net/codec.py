"""JSON the way JavaScript does it, for fetch bodies going out and responses coming back.

PostHog converts the Hog value to JavaScript and calls `JSON.stringify` on it, and parses responses
with `JSON.parse`. Python's `json` differs in small ways that show up on the wire, so this module
pins them down:

* no spaces; integral floats print as integers (`1704067200`, not `1704067200.0`); other numbers print
  as JavaScript prints them; NaN and the infinities become `null`;
* non-ASCII is not escaped; control characters use `\\b \\f \\n \\r \\t` or lower-case `\\u00xx`; lone
  surrogates are escaped (well-formed `JSON.stringify`) so the body always encodes to UTF-8;
* Hog-only values go out as PostHog's JavaScript objects do: dates, datetimes and errors are plain
  objects with their marker keys (`{"__hogDateTime__":true,"dt":...,"zone":"UTC"}`), tuples are
  arrays, closures are their `{"__hogClosure__":true,...}` record;
* a value that contains itself is an error (JavaScript throws "Converting circular structure to JSON");
* parsing refuses `NaN`/`Infinity` literals (Python's `json` accepts them, `JSON.parse` does not) and
  turns integers beyond 2**53 into floats, as JavaScript numbers are doubles.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from hoglite.vm.values import MAX_SAFE_INTEGER, format_number

MAX_DEPTH = 512

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class JsonEncodeError(ValueError):
    """The value cannot be serialised (a cycle, too deep)."""


def _escape_char(ch: str) -> str:
    short = _SHORT_ESCAPES.get(ch)
    if short is not None:
        return short
    return f"\\u{ord(ch):04x}"


_ESCAPE_TABLE = {i: _escape_char(chr(i)) for i in range(0x20)}
_ESCAPE_TABLE[ord('"')] = '\\"'
_ESCAPE_TABLE[ord("\\")] = "\\\\"
# Lone surrogates: escaped, as a well-formed JSON.stringify does (pairs are merged first, see js_string).
for _code in range(0xD800, 0xE000):
    _ESCAPE_TABLE[_code] = f"\\u{_code:04x}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def js_string(text: str) -> str:
    """A JSON string literal exactly as JavaScript's JSON.stringify writes it."""
    if _SURROGATE.search(text):
        # A JavaScript string is UTF-16: a high+low surrogate pair is one character and goes out raw.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return '"' + text.translate(_ESCAPE_TABLE) + '"'


def js_number(value: int | float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "null"
    return format_number(value)


def js_stringify(value: Any) -> str:
    """Serialise a Hog value like PostHog's `JSON.stringify(convertHogToJS(value))`."""
    if _plain(value, 0):
        # Nothing in it where Python's JSON and JavaScript's differ: the C encoder writes it.
        return _encode_plain(value)
    out: list[str] = []
    _write(value, out, set(), 0)
    return "".join(out)


# Python's C encoder writes exactly what JSON.stringify writes for: None, bools, exact ints within
# +-2**53, floats whose repr is already JavaScript's spelling, strings without lone surrogates (no
# ASCII escaping; the same short escapes and lower-case \u00xx for control characters), exact
# lists/tuples and exact dicts with exact-str keys. Anything else (dates, errors, closures, other
# numbers, cycles, deep nesting) takes the writer below.
_PLAIN_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
if json.encoder.c_make_encoder is not None:
    # JSONEncoder.encode builds this C encoder on every call; one is enough. No circular-reference
    # markers: _plain has already refused anything nested deeper than _PLAIN_DEPTH, cycles included.
    _C_ENCODER = json.encoder.c_make_encoder(None, _PLAIN_ENCODER.default, json.encoder.encode_basestring, None,
                                             ":", ",", False, False, False)

    def _encode_plain(value: Any) -> str:
        return "".join(_C_ENCODER(value, 0))
else:  # pragma: no cover - Pythons without the C accelerator
    _encode_plain = _PLAIN_ENCODER.encode
_SCALARS = (type(None), bool)
_PLAIN_DEPTH = 64  # deeper values are rare; the writer below handles them (and cycles) properly


def _plain_str(text: str) -> bool:
    return text.isascii() or _SURROGATE.search(text) is None


def _plain_float(number: float) -> bool:
    if 1e-4 <= abs(number) < 1e16 and not number.is_integer():
        # Both spell these as the shortest round-trip digits in positional notation (Python's
        # exponent form starts at 1e16 and below 1e-4, JavaScript's at 1e21 and below 1e-6; only
        # integral values differ, "2.0" against "2"), so the comparison below would say yes.
        return True
    return math.isfinite(number) and repr(number) == format_number(number)


def _plain(value: Any, depth: int) -> bool:
    """True when the C encoder's output for `value` is exactly JavaScript's (see above)."""
    kind = type(value)
    if kind is dict:
        if depth >= _PLAIN_DEPTH:
            return False
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or _plain_str(key)):
                return False
            kind = type(item)
            if kind is str:
                if not (item.isascii() or _plain_str(item)):
                    return False
            elif kind is int:
                if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    return False
            elif kind in _SCALARS:
                continue
            elif kind is float:
                if not _plain_float(item):
                    return False
            elif not _plain(item, depth + 1):
                return False
        return True
    if kind is list or kind is tuple:
        if depth >= _PLAIN_DEPTH:
            return False
        for item in value:
            kind = type(item)
            if kind is str:
                if not (item.isascii() or _plain_str(item)):
                    return False
            elif kind is int:
                if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    return False
            elif kind in _SCALARS:
                continue
            elif kind is float:
                if not _plain_float(item):
                    return False
            elif not _plain(item, depth + 1):
                return False
        return True
    if kind is str:
        return _plain_str(value)
    if kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if kind is float:
        return _plain_float(value)
    return kind in _SCALARS


def _write(value: Any, out: list[str], path: set[int], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise JsonEncodeError(f"the value is nested more than {MAX_DEPTH} levels deep")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, (int, float)):
        out.append(js_number(value))
    elif isinstance(value, str):
        out.append(js_string(value))
    elif isinstance(value, (list, tuple, dict)):
        marker = id(value)
        if marker in path:
            raise JsonEncodeError("the value contains itself (a cycle), which JSON cannot represent")
        path.add(marker)
        if isinstance(value, dict):
            out.append("{")
            for index, (key, item) in enumerate(value.items()):
                if index:
                    out.append(",")
                out.append(js_string(key if isinstance(key, str) else _key_text(key)))
                out.append(":")
                _write(item, out, path, depth + 1)
            out.append("}")
        else:
            out.append("[")
            for index, item in enumerate(value):
                if index:
                    out.append(",")
                _write(item, out, path, depth + 1)
            out.append("]")
        path.discard(marker)
    elif hasattr(value, "to_json"):  # Closure / Callable records, as PostHog passes them through
        _write(value.to_json(), out, path, depth + 1)
    else:
        raise JsonEncodeError(f"a value of Python type {type(value).__name__} cannot be sent")


def _key_text(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (int, float)):
        return format_number(key)
    return str(key)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _js_int(text: str) -> int | float:
    number = int(text)
    return number if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER else float(number)


class NotJson:
    """Marker for "the text did not parse" (distinct from a JSON `null`)."""


NOT_JSON = NotJson()


def parse_json_text(text: str) -> Any:
    """Parse like JavaScript's JSON.parse; returns NOT_JSON when the text is not JSON."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_js_int)
    except (ValueError, RecursionError):
        # RecursionError: nesting deeper than Python's parser allows; keep the raw text.
        return NOT_JSON
