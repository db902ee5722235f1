"""Conversions, type tests, null helpers, and the function forms of the logic and comparison operators."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.stl._common import (
    guard_string,
    hog_to_string,
    is_hog_dict,
    is_number,
    js_less,
    js_less_or_equal,
    js_parse_float,
    js_parse_int,
    js_strict_equals,
    js_string,
    js_to_number,
    normalize_int,
    utf16_len,
)
from hoglite.stl.registry import HostContext, native
from hoglite.vm.values import MAX_SAFE_INTEGER, HogDate, HogDateTime, is_truthy, type_of

# ---------------------------------------------------------------------------------------------------
# Conversions


def _days_since_epoch(value: HogDate) -> int | None:
    try:
        return (date(int(value["year"]), int(value["month"]), int(value["day"])) - date(1970, 1, 1)).days
    except (TypeError, ValueError, KeyError, OverflowError):
        return None


@native("toString", 1, 2)
def to_string(args: list[Any], ctx: HostContext) -> Any:
    # The optional second argument is in the shared arity contract but no PostHog VM reads it.
    return hog_to_string(args[0])


@native("toUUID", 1, 1)
def to_uuid(args: list[Any], ctx: HostContext) -> Any:
    # An alias of toString: PostHog does not validate the UUID.
    return hog_to_string(args[0])


@native("toInt", 1, 1)
def to_int(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    if type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value  # parseInt(String(n)) is n (`toInt(toUnixTimestamp(...))` in input templates)
    if type(value) is float and 1.0 <= abs(value) < 1e21:
        # String(x) is plain decimal here, and its integer digits are trunc(x) (the shortest
        # round-trip spelling cannot cross an integer), so parseInt gives int(x), as a JS number.
        return normalize_int(int(value))
    if isinstance(value, HogDateTime):
        seconds = value.get("dt")
        if is_number(seconds) and math.isfinite(seconds):
            return normalize_int(math.floor(seconds))
        return None
    if isinstance(value, HogDate):
        return _days_since_epoch(value)
    number = js_parse_int(value)
    return None if number != number else number


@native("toFloat", 1, 1)
def to_float(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    if isinstance(value, HogDateTime):
        return value.get("dt")
    if isinstance(value, HogDate):
        return _days_since_epoch(value)
    number = js_parse_float(value)
    return None if number != number else float(number)


@native("tuple", 0, None)
def make_tuple(args: list[Any], ctx: HostContext) -> Any:
    return tuple(args)


# ---------------------------------------------------------------------------------------------------
# Type tests and null helpers


@native("typeof", 1, 1)
def type_name(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    if is_hog_dict(value) and value.get("__hx_ast"):
        return "sql"
    return type_of(value)


@native("isNull", 1, 1)
def is_null(args: list[Any], ctx: HostContext) -> Any:
    return args[0] is None


@native("isNotNull", 1, 1)
def is_not_null(args: list[Any], ctx: HostContext) -> Any:
    return args[0] is not None


def is_empty(value: Any) -> bool:
    """null, '', [], {} and tuple() are empty; numbers, booleans, dates, errors and functions never are."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) == 0
    return False


@native("empty", 1, 1)
def empty(args: list[Any], ctx: HostContext) -> Any:
    return is_empty(args[0])


@native("notEmpty", 1, 1)
def not_empty(args: list[Any], ctx: HostContext) -> Any:
    return not is_empty(args[0])


@native("length", 1, 1)
def length(args: list[Any], ctx: HostContext) -> Any:
    """UTF-16 units of a string, items of an array or tuple; null for anything else (null, dicts)."""
    value = args[0]
    if isinstance(value, str):
        return utf16_len(value)
    if isinstance(value, (list, tuple)):
        return len(value)
    return None


@native("coalesce", 1, None)
def coalesce(args: list[Any], ctx: HostContext) -> Any:
    for value in args:
        if value is not None:
            return value
    return None


@native("assumeNotNull", 1, 1)
def assume_not_null(args: list[Any], ctx: HostContext) -> Any:
    if args[0] is None:
        raise HogRuntimeError("Value is null in assumeNotNull")
    return args[0]


@native("ifNull", 2, 2)
def if_null(args: list[Any], ctx: HostContext) -> Any:
    return args[0] if args[0] is not None else args[1]


# ---------------------------------------------------------------------------------------------------
# Logic in function form. The compiler turns direct calls into jumps/opcodes; these run when the
# function is called through a value or with an arity the compiler does not rewrite.


@native("if", 3, 3)
def if_function(args: list[Any], ctx: HostContext) -> Any:
    return args[1] if is_truthy(args[0]) else args[2]


@native("multiIf", 3, None)
def multi_if(args: list[Any], ctx: HostContext) -> Any:
    pairs = args[:-1]
    for index in range(0, len(pairs), 2):
        if is_truthy(pairs[index]):
            return pairs[index + 1] if index + 1 < len(pairs) else None
    return args[-1]


@native("not", 1, 1)
def not_function(args: list[Any], ctx: HostContext) -> Any:
    return not is_truthy(args[0])


@native("and", 1, None)
def and_function(args: list[Any], ctx: HostContext) -> Any:
    return all(is_truthy(value) for value in args)


@native("or", 1, None)
def or_function(args: list[Any], ctx: HostContext) -> Any:
    return any(is_truthy(value) for value in args)


# ---------------------------------------------------------------------------------------------------
# Comparison in function form: no type unification (unlike the operators). Equality is JavaScript's
# `===`; ordering is JavaScript's `<` / `<=` on the oracle's representation of the values (numbers as
# numbers, strings by UTF-16 units, a number against a string numerically, containers and records
# through their String() text). The one exception is null: hog-stdlib.md §1.5 (PostHog's newest
# `nulls` snapshot) fixes every ordering test involving null to false, where JavaScript reads null as 0.


def hog_less(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return js_less(a, b)


def hog_less_or_equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return js_less_or_equal(a, b)


@native("equals", 2, 2)
def equals(args: list[Any], ctx: HostContext) -> Any:
    return js_strict_equals(args[0], args[1])


@native("notEquals", 2, 2)
def not_equals(args: list[Any], ctx: HostContext) -> Any:
    return not js_strict_equals(args[0], args[1])


@native("less", 2, 2)
def less(args: list[Any], ctx: HostContext) -> Any:
    return hog_less(args[0], args[1])


@native("lessOrEquals", 2, 2)
def less_or_equals(args: list[Any], ctx: HostContext) -> Any:
    return hog_less_or_equal(args[0], args[1])


@native("greater", 2, 2)
def greater(args: list[Any], ctx: HostContext) -> Any:
    return hog_less(args[1], args[0])


@native("greaterOrEquals", 2, 2)
def greater_or_equals(args: list[Any], ctx: HostContext) -> Any:
    return hog_less_or_equal(args[1], args[0])


# ---------------------------------------------------------------------------------------------------
# plus / minus: JavaScript's `+` and `-` (a string on either side of `+` concatenates).


def _primitive(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return js_string(value)


def _as_double(value: int | float) -> int | float:
    if isinstance(value, int) and not -(2**53) <= value <= 2**53:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return value


def _number_result(value: int | float) -> int | float:
    return normalize_int(value) if isinstance(value, int) else value


@native("plus", 2, 2)
def plus(args: list[Any], ctx: HostContext) -> Any:
    left, right = _primitive(args[0]), _primitive(args[1])
    if isinstance(left, str) or isinstance(right, str):
        left_text, right_text = js_string(left), js_string(right)
        guard_string(ctx, len(left_text) + len(right_text))
        return left_text + right_text
    return _number_result(_as_double(js_to_number(left)) + _as_double(js_to_number(right)))


@native("minus", 2, 2)
def minus(args: list[Any], ctx: HostContext) -> Any:
    left, right = js_to_number(_primitive(args[0])), js_to_number(_primitive(args[1]))
    return _number_result(_as_double(left) - _as_double(right))
