"""JSON built-ins: jsonParse / jsonStringify / isValidJSON and the JSONExtract* path functions.

Parsing uses Python's json module behind a nesting cap (checked before parsing, so a 100 000-deep
`[[[...]]]` is a clean Hog error, never a RecursionError). Objects come back as dicts whose keys are in
JavaScript's property order (integer-like keys first, ascending), and objects carrying the
`__hogDateTime__` / `__hogDate__` / `__hogError__` markers come back as those Hog values.

Serialisation is iterative and follows JSON.stringify as the oracle uses it: compact by default, an
indent of 1-10 spaces, JavaScript number formatting, functions as `"fn<name(n)>"`, a value met again
on its own path (a cycle) as `null`.
"""

from __future__ import annotations

import json as _json
import math
import re
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.stl._common import (
    guard_string,
    is_array,
    is_hog_dict,
    is_number,
    js_parse_float,
    js_parse_int,
    js_string,
    normalize_int,
    string_limit,
    utf16_units,
)
from hoglite.stl.registry import HostContext, native
from hoglite.vm.values import (
    Callable,
    Closure,
    HogDate,
    HogDateTime,
    HogErrorValue,
    format_number,
)

MAX_JSON_DEPTH = 512

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def is_array_index(key: str) -> bool:
    return bool(_ARRAY_INDEX.fullmatch(key)) and int(key) < 2**32 - 1


def js_key_order(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A dict in JavaScript's own-property order: array-index keys ascending, then insertion order."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        result[key] = value
    index_keys = [key for key in result if is_array_index(key)]
    if not index_keys:
        return result
    ordered = {key: result[key] for key in sorted(index_keys, key=int)}
    ordered.update((key, value) for key, value in result.items() if key not in ordered)
    return ordered


# ---------------------------------------------------------------------------------------------------
# Parsing


def _nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside string literals (malformed input may over-count; fine)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING_LITERAL.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _object_hook(pairs: list[tuple[str, Any]]) -> Any:
    obj = js_key_order(pairs)
    if obj.get("__hogDateTime__"):
        return HogDateTime(obj.get("dt"), obj.get("zone") or "UTC")
    if obj.get("__hogDate__"):
        return HogDate(obj.get("year"), obj.get("month"), obj.get("day"))
    if obj.get("__hogError__"):
        return HogErrorValue(obj.get("type"), obj.get("message"), obj.get("payload"))
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_int(text: str) -> int | float:
    if len(text) > 400:
        # Past ~309 digits the double is Infinity (JSON.parse gives it too); float() reads any
        # length, while int() refuses more than 4300 digits with Python's own advice.
        return float(text)
    return normalize_int(int(text))


def _parse_float(text: str) -> float:
    return float(text)


def parse_json(text: str) -> Any:
    """Parse JSON text to Hog values; invalid or too deeply nested input raises HogRuntimeError."""
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise HogRuntimeError(f"Invalid JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return _json.loads(
            text,
            object_pairs_hook=_object_hook,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except _json.JSONDecodeError as error:
        raise HogRuntimeError(
            f"Invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except ValueError as error:
        raise HogRuntimeError(f"Invalid JSON: {error}") from None
    except RecursionError:
        raise HogRuntimeError("Invalid JSON: nested too deeply") from None


def _parse_argument(value: Any) -> Any:
    """The JSON functions parse a string argument first; other values are used as they are."""
    return parse_json(value) if isinstance(value, str) else value


# ---------------------------------------------------------------------------------------------------
# Serialising

_ESCAPE = re.compile(r'[\x00-\x1f"\\\ud800-\udfff]')
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(found: re.Match[str]) -> str:
    ch = found.group(0)
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def quote_json(text: str) -> str:
    return '"' + _ESCAPE.sub(_escape_char, text) + '"'


def _callable_text(value: Closure | Callable) -> str:
    target = value.callable if isinstance(value, Closure) else value
    return quote_json(f"fn<{target.name or 'lambda'}({format_number(target.arg_count)})>")


def _classify(value: Any) -> tuple[str, Any]:
    """('scalar', json text) or ('array', items) or ('object', [(key, value), ...])."""
    if value is None:
        return "scalar", "null"
    if value is True:
        return "scalar", "true"
    if value is False:
        return "scalar", "false"
    if isinstance(value, (int, float)):
        return "scalar", format_number(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return "scalar", quote_json(value)
    if isinstance(value, (Closure, Callable)):
        return "scalar", _callable_text(value)
    if isinstance(value, (list, tuple)):
        return "array", value
    if isinstance(value, HogErrorValue):
        # A missing payload is left out, as JSON.stringify leaves out an undefined property.
        return "object", [(k, v) for k, v in value.items() if not (k == "payload" and v is None)]
    if isinstance(value, dict):
        pairs = [(js_string(key), item) for key, item in value.items()]
        return "object", list(js_key_order(pairs).items())
    return "scalar", "null"


def stringify_json(value: Any, indent: int = 0, ctx: Any = None) -> str:
    """JSON text for a Hog value (iterative, so any nesting depth is fine), within the run's string limit."""
    limit = string_limit(ctx)
    out: list[str] = []
    size = 0
    on_path: set[int] = set()
    stack: list[list[Any]] = []  # [kind, items, next index, depth, id]

    def write(text: str) -> None:
        nonlocal size
        size += len(text)
        if size > limit:
            guard_string(ctx, size)
        out.append(text)

    def begin(item: Any, depth: int) -> None:
        kind, data = _classify(item)
        if kind == "scalar":
            write(data)
        elif id(item) in on_path:
            write("null")
        elif not data:
            write("[]" if kind == "array" else "{}")
        else:
            write("[" if kind == "array" else "{")
            on_path.add(id(item))
            stack.append([kind, data, 0, depth, id(item)])

    begin(value, 0)
    while stack:
        frame = stack[-1]
        kind, data, index, depth, marker = frame
        if index == len(data):
            if indent:
                write("\n" + " " * (indent * depth))
            write("]" if kind == "array" else "}")
            on_path.discard(marker)
            stack.pop()
            continue
        frame[2] = index + 1
        if index:
            write(",")
        if indent:
            write("\n" + " " * (indent * (depth + 1)))
        if kind == "object":
            key, item = data[index]
            write(quote_json(key) + (": " if indent else ":"))
        else:
            item = data[index]
        begin(item, depth + 1)
    return "".join(out)


# ---------------------------------------------------------------------------------------------------
# Paths


def _map_lookup(mapping: dict, key: Any) -> tuple[bool, Any]:
    """Map.get with JavaScript key equality (a boolean key never matches a number key)."""
    try:
        present = key in mapping
    except TypeError:  # an unhashable key (array, dict): a Map compares those by identity
        for stored, item in mapping.items():
            if stored is key:
                return True, item
        return False, None
    if not present:
        return False, None
    if isinstance(key, (bool, int, float)):
        for stored, item in mapping.items():
            if stored == key and isinstance(stored, bool) == isinstance(key, bool):
                return True, item
        return False, None
    return True, mapping[key]


def _index(items: Any, key: int | float) -> Any:
    if key != key or not float(key).is_integer():
        return None
    position = int(key)
    if isinstance(items, str):
        units = utf16_units(items)
        length = len(units)
    else:
        units = items
        length = len(items)
    index = position - 1 if position > 0 else length + position
    return units[index] if 0 <= index < length else None


def _own_property(obj: Any, key: Any) -> tuple[bool, Any]:
    """JavaScript `Object.hasOwn(obj, String(key))` and the property's value, for a value the oracle
    holds as a plain object or array: objects that came out of `JSON.parse` inside the JSON path
    functions, error and date records, arrays and strings (whose own properties are the index strings
    `'0'`, `'1'`, ... and `length`)."""
    name = js_string(key)
    if isinstance(obj, dict):
        for stored, item in obj.items():
            if (stored if isinstance(stored, str) else js_string(stored)) == name:
                return True, item
        return False, None
    if isinstance(obj, (list, tuple, str)):
        items = utf16_units(obj) if isinstance(obj, str) else obj
        if name == "length":
            return True, len(items)
        if name.isdigit() and (name == "0" or not name.startswith("0")) and int(name) < len(items):
            return True, items[int(name)]
    return False, None


def get_nested(obj: Any, path: list[Any], plain: bool = False) -> Any:
    """Follow `path` (dict keys; 1-based, negative-from-the-end array indexes) into `obj`; missing -> null.

    `plain` says that `obj` came from parsing a JSON string: the oracle then walks plain JavaScript
    objects, not Maps, so keys are compared as strings and a string key reaches an array's own
    properties (`'0'`, `'length'`). Hog dicts passed in directly are Maps: exact key lookup.
    """
    if not isinstance(obj, (list, tuple, dict)):
        return None
    for key in path:
        if obj is None:
            return None
        if not plain and is_hog_dict(obj):
            obj = _map_lookup(obj, key)[1]
        elif is_number(key):
            if key == 0:
                raise HogRuntimeError("Hog arrays start from index 1")
            if isinstance(obj, (list, tuple, str)):
                obj = _index(obj, key)
            elif isinstance(obj, dict) and key > 0:
                # obj[key - 1] on a plain object: a property named by the number
                obj = _own_property(obj, key - 1)[1]
            else:
                obj = None
        else:
            obj = _own_property(obj, key)[1]
    return obj


@native("jsonParse", 1, 1)
def json_parse(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    return parse_json(value if isinstance(value, str) else js_string(value))


@native("jsonStringify", 1, 2)
def json_stringify(args: list[Any], ctx: HostContext) -> Any:
    indent_arg = args[1] if len(args) > 1 else None
    indent = 0
    if is_number(indent_arg) and indent_arg > 0:
        indent = 10 if indent_arg == math.inf else min(10, int(math.floor(indent_arg)))
    return stringify_json(args[0], indent, ctx)


@native("isValidJSON", 1, 1)
def is_valid_json(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    try:
        parse_json(value if isinstance(value, str) else js_string(value))
    except HogRuntimeError:
        return False
    return True


@native("JSONHas", 1, None)
def json_has(args: list[Any], ctx: HostContext) -> Any:
    """Does the whole path exist? JSON strings met along the way are parsed too.

    As in the oracle, a Hog dict (a Map) needs the exact key; a parsed object, error or date record
    (plain JavaScript objects) is searched with `key in obj`, and a number key leaves such an object
    where it is; an array takes 1-based or negative number keys, and a string key finds its own
    properties (`'0'`, `'length'`).
    """
    current = args[0]
    plain = False
    for key in args[1:]:
        if isinstance(current, str):
            try:
                current = parse_json(current)
            except HogRuntimeError:
                return False
            plain = True
        if isinstance(current, dict) and not plain and is_hog_dict(current):
            found, current = _map_lookup(current, key)
            if not found:
                return False
        elif isinstance(current, (list, tuple)) and is_number(key):
            if key != key:
                return False
            position = key
            if position == 0 or position > len(current) or position < -len(current):
                return False
            # A fractional position reads no element (undefined), so a further key fails.
            current = _index(current, position) if float(position).is_integer() else _UNDEFINED
        elif isinstance(current, dict) and is_number(key):
            continue
        elif isinstance(current, (list, tuple, dict)):
            found, current = _own_property(current, key)
            if not found:
                return False
        else:
            return False
    return True


# A value JavaScript reads as `undefined` (not an object, so no path continues through it).
_UNDEFINED = object()


def _extract_target(args: list[Any]) -> tuple[bool, Any]:
    """(parsed ok, value at the path) for the JSONExtract* family."""
    try:
        obj = _parse_argument(args[0])
    except HogRuntimeError:
        return False, None
    return True, get_nested(obj, list(args[1:]), plain=isinstance(args[0], str))


@native("JSONLength", 1, None)
def json_length(args: list[Any], ctx: HostContext) -> Any:
    ok, value = _extract_target(args)
    if ok and isinstance(value, (list, tuple, dict)):
        return len(value)
    return 0


@native("JSONExtractBool", 1, None)
def json_extract_bool(args: list[Any], ctx: HostContext) -> Any:
    try:
        obj = _parse_argument(args[0])
    except HogRuntimeError:
        return False
    if len(args) > 1:
        obj = get_nested(obj, list(args[1:]), plain=isinstance(args[0], str))
    return obj if isinstance(obj, bool) else False


@native("JSONExtractInt", 1, None)
def json_extract_int(args: list[Any], ctx: HostContext) -> Any:
    ok, value = _extract_target(args)
    if not ok:
        return None
    number = js_parse_int(value)
    return None if number != number else number


@native("JSONExtractFloat", 1, None)
def json_extract_float(args: list[Any], ctx: HostContext) -> Any:
    ok, value = _extract_target(args)
    if not ok:
        return None
    number = js_parse_float(value)
    return None if number != number else number


@native("JSONExtractString", 1, None)
def json_extract_string(args: list[Any], ctx: HostContext) -> Any:
    ok, value = _extract_target(args)
    if not ok or value is None:
        return None
    # Objects parsed from a JSON string are plain JavaScript objects in the oracle, Hog dicts are Maps.
    return js_string(value, plain_objects=isinstance(args[0], str))


@native("JSONExtractArrayRaw", 1, None)
def json_extract_array_raw(args: list[Any], ctx: HostContext) -> Any:
    ok, value = _extract_target(args)
    return value if ok and is_array(value) else None


@native("JSONExtract", 2, None)
def json_extract(args: list[Any], ctx: HostContext) -> Any:
    """The last argument is a ClickHouse type name, which PostHog ignores; the rest is the path."""
    try:
        obj = _parse_argument(args[0])
    except HogRuntimeError:
        return None
    return get_nested(obj, list(args[1:-1]), plain=isinstance(args[0], str))
