"""The closed Hog value model, and how values are printed.

Hog values are plain Python values plus a few records of our own:

| Hog type | Python                                                         |
| -------- | -------------------------------------------------------------- |
| null     | None                                                           |
| boolean  | bool                                                           |
| number   | int or float (JavaScript semantics: an integral float is an integer to `typeof` and printing) |
| string   | str                                                            |
| array    | list                                                           |
| tuple    | tuple                                                          |
| dict     | dict (insertion ordered)                                       |
| function | Closure (holding a Callable)                                   |
| error    | HogErrorValue (a dict with `__hogError__`, type, message, payload) |
| date     | HogDate (a dict with `__hogDate__`, year, month, day)           |
| datetime | HogDateTime (a dict with `__hogDateTime__`, dt, zone)           |

Errors and dates are dict subclasses because PostHog exposes them as plain objects whose fields Hog
code reads (`e.message`, `d.year`) and whose keys it can list; their class keeps them apart from a
Hog dict that merely has the same keys.

Printing follows PostHog's TypeScript VM (the behavioural oracle): numbers print as JavaScript prints
them, strings inside containers are quoted and escaped, one-element tuples print as `tuple(x)`, and a
container met again on the path being printed (a cycle) prints as `null`.
"""

from __future__ import annotations

import math
from typing import Any

MAX_SAFE_INTEGER = 2**53


class Callable:
    """A function body: Hog code in a chunk (`local`), a native built-in (`stl`) or a host async function."""

    __slots__ = ("kind", "name", "arg_count", "upvalue_count", "ip", "chunk")

    def __init__(self, kind: str, name: str, arg_count: int, upvalue_count: int, ip: int, chunk: str) -> None:
        self.kind = kind
        self.name = name
        self.arg_count = arg_count
        self.upvalue_count = upvalue_count
        self.ip = ip
        self.chunk = chunk

    def to_json(self) -> dict:
        return {
            "__hogCallable__": self.kind,
            "name": self.name,
            "argCount": self.arg_count,
            "upvalueCount": self.upvalue_count,
            "ip": self.ip,
            "chunk": self.chunk,
        }

    @classmethod
    def from_json(cls, data: dict) -> Callable:
        # Callables come back from paused states and host data: the VM uses these fields as counts and
        # code addresses without further checks, so anything but plain ints (and a non-negative ip)
        # is refused here rather than failing later with a Python error.
        arg_count, upvalue_count, ip = data.get("argCount", 0), data.get("upvalueCount", 0), data.get("ip", 0)
        chunk = data.get("chunk", "root")
        for number in (arg_count, upvalue_count, ip):
            if type(number) is not int:
                raise ValueConversionError(f"Invalid callable: bad count or address {number!r}")
        if ip < 0 and data.get("__hogCallable__") == "local":  # built-in and async ones carry -1
            raise ValueConversionError(f"Invalid callable: bad address {ip}")
        if chunk is not None and type(chunk) is not str:
            raise ValueConversionError("Invalid callable: bad chunk name")
        return cls(
            data["__hogCallable__"],
            data.get("name") or "",
            arg_count,
            upvalue_count,
            ip,
            chunk,
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Callable)
            and self.kind == other.kind
            and self.name == other.name
            and self.arg_count == other.arg_count
            and self.upvalue_count == other.upvalue_count
            and self.ip == other.ip
            and self.chunk == other.chunk
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.name, self.ip, self.chunk))

    def __repr__(self) -> str:
        return f"Callable({self.kind!r}, {self.name!r}, argc={self.arg_count}, ip={self.ip}, chunk={self.chunk!r})"


class Closure:
    """A callable with the ids of the upvalues it captured."""

    __slots__ = ("callable", "upvalues")

    def __init__(self, callable: Callable, upvalues: list[int] | None = None) -> None:
        self.callable = callable
        self.upvalues = upvalues if upvalues is not None else []

    def to_json(self) -> dict:
        return {"__hogClosure__": True, "callable": self.callable.to_json(), "upvalues": list(self.upvalues)}

    @classmethod
    def from_json(cls, data: dict) -> Closure:
        upvalues = data.get("upvalues") or []
        if not isinstance(upvalues, list) or any(type(item) is not int for item in upvalues):
            raise ValueConversionError("Invalid closure: upvalue ids must be integers")
        return cls(Callable.from_json(data["callable"]), list(upvalues))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Closure) and self.callable == other.callable and self.upvalues == other.upvalues

    def __hash__(self) -> int:
        return hash(self.callable)

    def __repr__(self) -> str:
        return f"Closure({self.callable!r}, upvalues={self.upvalues})"


class HogErrorValue(dict):
    """A Hog error value: `{__hogError__: true, type, message, payload}`."""

    __slots__ = ()

    def __init__(self, error_type: Any = "Error", message: Any = None, payload: Any = None) -> None:
        super().__init__(
            __hogError__=True,
            type=error_type or "Error",
            message=message or "An error occurred",
            payload=payload,
        )

    @property
    def error_type(self) -> Any:
        return self.get("type")

    @property
    def message(self) -> Any:
        return self.get("message")

    @property
    def payload(self) -> Any:
        return self.get("payload")


class HogDate(dict):
    """A calendar date: `{__hogDate__: true, year, month, day}`."""

    __slots__ = ()

    def __init__(self, year: int, month: int, day: int) -> None:
        super().__init__(__hogDate__=True, year=year, month=month, day=day)


class HogDateTime(dict):
    """A point in time with a display zone: `{__hogDateTime__: true, dt: <epoch seconds>, zone}`."""

    __slots__ = ()

    def __init__(self, dt: float, zone: str = "UTC") -> None:
        super().__init__(__hogDateTime__=True, dt=dt, zone=zone)


# ---------------------------------------------------------------------------------------------------
# Type names and truthiness


def is_integral(value: float) -> bool:
    return math.isfinite(value) and value == int(value)


def type_of(value: Any) -> str:
    """The name `typeof()` reports (JavaScript semantics for numbers: integral floats are integers)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if is_integral(value) else "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, tuple):
        return "tuple"
    if isinstance(value, HogErrorValue):
        return "error"
    if isinstance(value, HogDateTime):
        return "datetime"
    if isinstance(value, HogDate):
        return "date"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (Closure, Callable)):
        return "function"
    return "unknown"


def is_truthy(value: Any) -> bool:
    """JavaScript truthiness: null, false, 0, NaN and '' are false; everything else (empty containers too) is true."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, (int, float)):
        return value == value and value != 0  # NaN != NaN
    if isinstance(value, str):
        return value != ""
    return True


# ---------------------------------------------------------------------------------------------------
# Number formatting (JavaScript's Number.prototype.toString)


def format_number(value: int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return str(value)
        value = float(value)
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    text = repr(abs(value))
    # Split Python's shortest round-trip representation into digits and a decimal exponent n such
    # that value = 0.d1d2...dk x 10^n, then lay it out the way ECMAScript does.
    if "e" in text:
        mantissa, exp_text = text.split("e")
        exponent = int(exp_text)
    else:
        mantissa, exponent = text, 0
    if "." in mantissa:
        int_part, frac_part = mantissa.split(".")
    else:
        int_part, frac_part = mantissa, ""
    if frac_part == "0":
        frac_part = ""
    digits = (int_part + frac_part).lstrip("0")
    leading_zeros = len(int_part + frac_part) - len((int_part + frac_part).lstrip("0"))
    n = len(int_part) + exponent - leading_zeros
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        exp = f"e+{e}" if e >= 0 else f"e-{-e}"
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + exp
    return sign + out


# ---------------------------------------------------------------------------------------------------
# Printing

_ESCAPES = {
    "\b": "\\b",
    "\f": "\\f",
    "\r": "\\r",
    "\n": "\\n",
    "\t": "\\t",
    "\0": "\\0",
    "\v": "\\v",
    "\\": "\\\\",
}
_QUOTE_ESCAPES = {**_ESCAPES, "'": "\\'"}
_BACKQUOTE_ESCAPES = {**_ESCAPES, "`": "``"}
_QUOTE_TABLE = str.maketrans(_QUOTE_ESCAPES)
_BACKQUOTE_TABLE = str.maketrans(_BACKQUOTE_ESCAPES)


def quote_string(value: str) -> str:
    """A string as a Hog single-quoted literal, the way containers print their strings."""
    return "'" + value.translate(_QUOTE_TABLE) + "'"


def _is_plain_identifier(name: str) -> bool:
    if not name or not (name[0].isascii() and (name[0].isalpha() or name[0] in "_$")):
        return False
    return all(ch.isascii() and (ch.isalnum() or ch in "_$") for ch in name)


def quote_identifier(name: Any) -> str:
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        return format_number(name)
    name = str(name)
    if _is_plain_identifier(name):
        return name
    return "`" + name.translate(_BACKQUOTE_TABLE) + "`"


def format_datetime_seconds(dt: Any) -> str:
    text = format_number(dt) if isinstance(dt, (int, float)) and not isinstance(dt, bool) else str(dt)
    return text if "." in text else text + ".0"


class _Text(str):
    """Literal output (brackets, separators) on the printer's work stack, as opposed to a value."""


class _Leave(int):
    """Marks the end of a container on the printer's work stack: its id leaves the path."""


_COMMA = _Text(", ")
_COLON = _Text(": ")


def _scalar_text(value: Any) -> str | None:
    """The repr of a value that contains no other values, or None for containers and errors."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, Closure):
        value = value.callable
    if isinstance(value, Callable):
        return f"fn<{quote_identifier(value.name or 'lambda')}({format_number(value.arg_count)})>"
    if isinstance(value, HogDateTime):
        return f"DateTime({format_datetime_seconds(value.get('dt'))}, {quote_string(str(value.get('zone')))})"
    if isinstance(value, HogDate):
        return f"Date({print_value(value.get('year'))}, {print_value(value.get('month'))}, {print_value(value.get('day'))})"
    if isinstance(value, (list, tuple, dict)):
        return None
    return str(value)


def print_value(value: Any) -> str:
    """The repr format (§7.2 of the language spec): what `print` shows for a non-string value.

    Iterative (PostHog prints values nested a thousand levels deep, and so must we). A container met
    again on the path being printed (a cycle) prints as `null`; errors, like dates and functions, are
    exempt from that check (PostHog's printer skips them), but an error's payload is not, so an error
    inside its own payload prints as `Type('message', null)` there.
    """
    text = _scalar_text(value)
    if text is not None:
        return text
    out: list[str] = []
    path: set[int] = set()
    work: list[Any] = [value]
    while work:
        item = work.pop()
        kind = type(item)
        if kind is _Text:
            out.append(item)
            continue
        if kind is _Leave:
            path.discard(item)
            continue
        text = _scalar_text(item)
        if text is not None:
            out.append(text)
            continue
        if isinstance(item, HogErrorValue):
            payload = item.get("payload")
            message = item.get("message")
            message_text = quote_string(message) if isinstance(message, str) else quote_string(print_string(message))
            error_type = item.get("type")
            type_text = error_type if isinstance(error_type, str) else _js_string(error_type)
            if is_truthy(payload):
                work.extend((_Text(")"), payload))
                out.append(f"{type_text}({message_text}, ")
            else:
                out.append(f"{type_text}({message_text})")
            continue
        marker = id(item)
        if marker in path:
            out.append("null")
            continue
        path.add(marker)
        work.append(_Leave(marker))
        if isinstance(item, dict):
            work.append(_Text("}"))
            entries = list(item.items())
            for position in range(len(entries) - 1, -1, -1):
                key, child = entries[position]
                work.extend((child, _COLON, key))
                if position:
                    work.append(_COMMA)
            out.append("{")
            continue
        if kind is tuple:
            work.append(_Text(")"))
            opening = "tuple(" if len(item) < 2 else "("
        else:
            work.append(_Text("]"))
            opening = "["
        for position in range(len(item) - 1, -1, -1):
            work.append(item[position])
            if position:
                work.append(_COMMA)
        out.append(opening)
    return "".join(out)


def _js_string(value: Any) -> str:
    # JavaScript's String() for an error type that is not a string (late import: operators imports us).
    from hoglite.vm.operators import to_js_string

    return to_js_string(value)


def print_string(value: Any) -> str:
    """What `print` writes for one argument: strings raw, everything else in repr format."""
    if isinstance(value, str):
        return value
    return print_value(value)


# ---------------------------------------------------------------------------------------------------
# Crossing the host boundary: plain JSON <-> Hog values
#
# Both walks are iterative (a 100k-deep document cannot exhaust Python's stack) and stop with a clear
# error past `max_depth` levels, because recursive consumers further on (printing, JSON encoding)
# could not handle deeper values anyway.

DEFAULT_MAX_DEPTH = 10_000


class ValueConversionError(ValueError):
    """A host value that has no Hog equivalent, or one nested deeper than the limit."""


_JSON_SCALARS = (type(None), bool, int, float, str)


def _from_json_leaf(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if kind in _JSON_SCALARS or isinstance(value, (Closure, Callable)):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    raise ValueConversionError(f"Can not convert a host value of type {type(value).__name__} to a Hog value")


def _special_from_json(value: dict) -> Any:
    """Dates, closures and callables keep their marker shapes in JSON (as in PostHog's states)."""
    if value.get("__hogDateTime__") and "dt" in value:
        return HogDateTime(value.get("dt"), value.get("zone") or "UTC")
    if value.get("__hogDate__") and "year" in value:
        return HogDate(value.get("year"), value.get("month"), value.get("day"))
    if value.get("__hogClosure__") and isinstance(value.get("callable"), dict):
        return Closure.from_json(value)
    if value.get("__hogCallable__") and "ip" in value:
        return Callable.from_json(value)
    return None


def from_json_value(value: Any, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """A deep copy of host data as Hog values: JSON objects become dicts, arrays lists, tuples stay.

    Objects carrying PostHog's markers become dates, datetimes, closures and callables (as PostHog does
    when it resumes a state). Hog values that are already records (HogErrorValue, HogDate, ...) are
    copied as such. Raises ValueConversionError for anything else.
    """
    if not isinstance(value, (dict, list, tuple)):
        return _from_json_leaf(value)
    copies: dict[int, Any] = {}
    return _convert_tree(value, max_depth, copies)


def _new_container(value: Any) -> tuple[Any, bool]:
    """An empty copy of `value` (or the finished special value) and whether children must be filled."""
    if isinstance(value, dict):
        if isinstance(value, (HogErrorValue, HogDate, HogDateTime)):
            copy = dict.__new__(type(value))
            return copy, True
        special = _special_from_json(value)
        if special is not None:
            return special, False
        return {}, True
    if isinstance(value, list):
        return [], True
    return [], True  # tuples are built as lists and frozen when finished


def _convert_tree(root: Any, max_depth: int, copies: dict[int, Any]) -> Any:
    result, fill = _new_container(root)
    if not fill:
        return result
    # Entries: [source, target, iterator, is_tuple, key_of_this_in_parent]
    stack: list[list[Any]] = [[root, result, _iter_children(root), isinstance(root, tuple)]]
    copies[id(root)] = result
    finished: Any = None
    while stack:
        top = stack[-1]
        source, target, children = top[0], top[1], top[2]
        descended = False
        for key, child in children:
            if isinstance(child, (dict, list, tuple)):
                if id(child) in copies:
                    # A cycle in host data becomes the same cycle between the copies (a tuple still
                    # being built cannot be referenced, so that one position becomes null).
                    converted = copies[id(child)]
                    if isinstance(converted, list) and isinstance(child, tuple):
                        converted = None
                    _store(target, key, converted)
                    continue
                if len(stack) >= max_depth:
                    raise ValueConversionError(f"Value nested deeper than {max_depth} levels")
                sub, fill = _new_container(child)
                if not fill:
                    _store(target, key, sub)
                    continue
                copies[id(child)] = sub
                stack.append([child, sub, _iter_children(child), isinstance(child, tuple), key])
                descended = True
                break
            _store(target, key, _from_json_leaf(child))
        if descended:
            continue
        stack.pop()
        del copies[id(source)]
        if type(target) is dict:
            js_property_order(target)
        done = tuple(target) if top[3] else target
        if stack:
            _store(stack[-1][1], top[4], done)
        else:
            finished = done
    return finished


def _is_array_index(key: Any) -> bool:
    return type(key) is str and key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 2**32 - 1


def js_property_order(target: dict) -> None:
    """Reorder host data in place the way a JavaScript object orders its keys, which is the order
    PostHog's VM sees them in: array-index keys ('0', '7', '10') first, ascending, then the rest in
    insertion order. (Affects globals, host results and resumed states, as in PostHog.)"""
    index_keys = [key for key in target if _is_array_index(key)]
    if not index_keys:
        return
    ordered = sorted(index_keys, key=int)
    if list(target)[: len(ordered)] == ordered:
        return
    entries = dict(target)
    target.clear()
    for key in ordered:
        target[key] = entries[key]
    for key, value in entries.items():
        if key not in target:
            target[key] = value


def _iter_children(value: Any) -> Any:
    if isinstance(value, dict):
        return iter(value.items())
    return enumerate(value)


def _store(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, dict):
        if isinstance(key, (list, dict)):
            raise ValueConversionError("Dict keys must be strings, numbers, booleans or null")
        dict.__setitem__(target, _from_json_leaf(key) if not isinstance(key, tuple) else key, value)
    else:
        target.append(value)


def json_key(key: Any) -> str:
    """A dict key as JavaScript turns it into an object key (String(key))."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if key is True:
        return "true"
    if key is False:
        return "false"
    if isinstance(key, (int, float)):
        return format_number(key)
    if isinstance(key, tuple):
        return ",".join("" if item is None else json_key(item) for item in key)
    return str(key)


def to_json_value(value: Any, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Hog value -> plain JSON data (what PostHog hands to hosts, e.g. async-call arguments).

    Dicts get string keys (as JavaScript turns Map keys into object keys), tuples become lists,
    closures/errors/dates keep their marker objects, NaN and ±Infinity become null, and a container
    met again inside itself becomes null.
    """
    if not isinstance(value, (dict, list, tuple)):
        return _to_json_leaf(value)
    root = {} if isinstance(value, dict) else []
    on_path = {id(value)}
    stack: list[list[Any]] = [[value, root, _iter_children(value)]]
    while stack:
        top = stack[-1]
        target = top[1]
        descended = False
        for key, child in top[2]:
            if isinstance(child, (dict, list, tuple)):
                if id(child) in on_path:
                    converted: Any = None
                else:
                    if len(stack) >= max_depth:
                        raise ValueConversionError(f"Value nested deeper than {max_depth} levels")
                    sub: Any = {} if isinstance(child, dict) else []
                    _json_store(target, key, sub)
                    on_path.add(id(child))
                    stack.append([child, sub, _iter_children(child)])
                    descended = True
                    break
            else:
                converted = _to_json_leaf(child)
            _json_store(target, key, converted)
        if not descended:
            stack.pop()
            on_path.discard(id(top[0]))
    return root


def _json_store(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, dict):
        target[json_key(key)] = value
    else:
        target.append(value)


def _to_json_leaf(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind in _JSON_SCALARS:
        return value
    if kind is Closure or kind is Callable:
        return value.to_json()
    if isinstance(value, (bool, int, float, str)):
        return _from_json_leaf(value)
    return None
