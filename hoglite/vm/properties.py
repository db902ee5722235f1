"""Reading and writing `obj[key]` (GET_PROPERTY, SET_PROPERTY) and walking global field chains.

Semantics follow PostHog's TypeScript VM: reads are null-safe, sequences are 1-based with negative
indexes counting from the end, index 0 is an error; dict keys are looked up as they are (an integer
key is not a position); strings, numbers and functions have no properties (null). Writes replace or add
dict keys and array elements; writing past the end of an array extends it (with nulls where the
oracle leaves JavaScript holes).

Decisions (docs/compat.md): `.length` of an array or tuple is its length and a string index reads the
0-based element (`arr['0']` is the first), as in the oracle (JavaScript artefacts that Hog code written
against PostHog may rely on); other JavaScript properties (`tuple.__isHogTuple`, `arr.map`) read as null. Tuples are immutable (the oracle lets you assign into them).
"""

from __future__ import annotations

from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.vm.limits import Limits
from hoglite.vm.memory import utf16_length
from hoglite.vm.operators import to_js_string
from hoglite.vm.values import HogDate, HogDateTime, HogErrorValue

ARRAYS_START_AT_ONE = "Hog arrays start from index 1"


def _sequence_item(items: Any, key: int | float) -> Any:
    if key == 0:
        raise HogRuntimeError(ARRAYS_START_AT_ONE)
    if type(key) is float:
        if not key.is_integer():
            return None
        key = int(key)
    if key > 0:
        return items[key - 1] if key <= len(items) else None
    index = len(items) + key
    return items[index] if index >= 0 else None


def get_property(obj: Any, key: Any) -> Any:
    """`obj[key]` (also `obj?.[key]`: both are null-safe)."""
    if isinstance(obj, dict):
        try:
            return obj.get(key)
        except TypeError:  # an unhashable key (an array or dict) is never present
            return None
    if isinstance(obj, (list, tuple)):
        kind = type(key)
        if kind is int or kind is float:
            if key != key:  # NaN
                return None
            return _sequence_item(obj, key)
        if kind is str:
            if key == "length":
                return len(obj)
            # JavaScript reads an array's own index property: '1' is the 0-based element there.
            if key.isdigit() and key.isascii() and (key == "0" or key[0] != "0"):
                position = int(key)
                return obj[position] if position < len(obj) else None
        return None
    return None


def _key_text(key: Any) -> str:
    # The oracle formats the key chain `[key]` with JavaScript's String(), where null joins as ''.
    return "" if key is None else to_js_string(key)


def _js_type(value: Any) -> str:
    if value is None or isinstance(value, (dict, list, tuple)):
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def set_property(obj: Any, key: Any, value: Any, limits: Limits) -> None:
    """`obj[key] := value` in place."""
    if type(obj) is dict:
        try:
            obj[key] = value
        except TypeError:
            raise HogRuntimeError("Dict keys must be strings, numbers, booleans or null") from None
        return
    if type(obj) is list:
        kind = type(key)
        if kind is not int and kind is not float:
            raise HogRuntimeError(f"Can not set {_key_text(key)} on element of type object")
        if key <= 0:
            raise HogRuntimeError(ARRAYS_START_AT_ONE)
        if kind is float:
            if not key.is_integer():
                return  # JavaScript stores a named property nobody can read back: no visible effect
            key = int(key)
        if key <= len(obj):
            obj[key - 1] = value
            return
        if key > limits.max_container_size:
            from hoglite.errors import HogLimitError

            raise HogLimitError(
                f"Container size limit of {limits.max_container_size} elements exceeded. Tried to build {key}."
            )
        obj.extend([None] * (key - 1 - len(obj)))
        obj.append(value)
        return
    if isinstance(obj, tuple):
        kind = type(key)
        if kind is not int and kind is not float:
            # PostHog fails here too (a tuple is an array there): same text as for an array.
            raise HogRuntimeError(f"Can not set {_key_text(key)} on element of type object")
        raise HogRuntimeError(f"Can not set {_key_text(key)} on element of type tuple")
    if isinstance(obj, (HogErrorValue, HogDate, HogDateTime)) or not isinstance(obj, (str, int, float, type(None))):
        raise HogRuntimeError(f"Can not set {_key_text(key)} on element of type object")
    raise HogRuntimeError(f"Can not set {_key_text(key)} on non-object: {_js_type(obj)}")


def walk_global(value: Any, chain: list[Any]) -> Any:
    """Follow `chain` (after the root name) through host data, null-safe, with GET_PROPERTY rules.

    As in the oracle, `.length` also works on a string reached this way (its UTF-16 length).
    """
    for key in chain:
        if value is None:
            return None
        if isinstance(value, str):
            value = utf16_length(value) if key == "length" else None
        else:
            value = get_property(value, key)
    return value
