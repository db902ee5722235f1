"""Native array built-ins. All are pure: they return a new array and never modify their argument.

Tuples count as arrays here (the oracle stores a tuple as a tagged JavaScript array); the results of
the copying functions are plain arrays. A value that is not an array gives the empty result.
"""

from __future__ import annotations

import math
from typing import Any

from hoglite.stl._common import (
    guard_container,
    guard_string,
    is_array,
    is_number,
    js_strict_equals,
    js_string,
    normalize_int,
    same_value_zero,
)
from hoglite.stl.registry import HostContext, native


@native("has", 2, 2)
def has(args: list[Any], ctx: HostContext) -> Any:
    """Is `x` an item of the array (SameValueZero: numbers by value, containers by identity)."""
    items, needle = args[0], args[1]
    return is_array(items) and any(same_value_zero(item, needle) for item in items)


@native("in", 2, 2)
def in_function(args: list[Any], ctx: HostContext) -> Any:
    needle, items = args[0], args[1]
    return is_array(items) and any(same_value_zero(item, needle) for item in items)


@native("indexOf", 2, 2)
def index_of(args: list[Any], ctx: HostContext) -> Any:
    """1-based position of the first `===` item, 0 when absent or not an array."""
    items, needle = args[0], args[1]
    if not is_array(items):
        return 0
    for index, item in enumerate(items):
        if js_strict_equals(item, needle):
            return index + 1
    return 0


@native("arrayPushBack", 2, 2)
def array_push_back(args: list[Any], ctx: HostContext) -> Any:
    items, item = args[0], args[1]
    if not is_array(items):
        return [item]
    guard_container(ctx, len(items) + 1)
    return [*items, item]


@native("arrayPushFront", 2, 2)
def array_push_front(args: list[Any], ctx: HostContext) -> Any:
    items, item = args[0], args[1]
    if not is_array(items):
        return [item]
    guard_container(ctx, len(items) + 1)
    return [item, *items]


@native("arrayPopBack", 1, 1)
def array_pop_back(args: list[Any], ctx: HostContext) -> Any:
    items = args[0]
    return list(items[:-1]) if is_array(items) else []


@native("arrayPopFront", 1, 1)
def array_pop_front(args: list[Any], ctx: HostContext) -> Any:
    items = args[0]
    return list(items[1:]) if is_array(items) else []


@native("arrayReverse", 1, 1)
def array_reverse(args: list[Any], ctx: HostContext) -> Any:
    items = args[0]
    return list(reversed(items)) if is_array(items) else []


def _number_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return 2, 0
    return (1, 0) if value != value else (0, value)


def _text_key(value: Any) -> bytes:
    return js_string(value).encode("utf-16-be", "surrogatepass")


def _sorted(items: list[Any] | tuple[Any, ...]) -> list[Any]:
    """PostHog's VM sorts with JavaScript's default order: String() of each item by UTF-16 units
    (so `[2, 10, 1]` is `[1, 10, 2]`, an upstream bug, hog-language.md §11b). hoglite sorts an
    array of numbers numerically instead (NaN after the numbers, nulls last, where the string
    order puts them too); any other array keeps the oracle's string order. Both sorts are stable."""
    if all(value is None or is_number(value) for value in items):
        return sorted(items, key=_number_key)
    return sorted(items, key=_text_key)


@native("arraySort", 1, None)
def array_sort(args: list[Any], ctx: HostContext) -> Any:
    # Extra arguments are accepted by the arity contract and ignored, as in every PostHog VM.
    items = args[0]
    return _sorted(items) if is_array(items) else []


@native("arrayReverseSort", 1, None)
def array_reverse_sort(args: list[Any], ctx: HostContext) -> Any:
    items = args[0]
    return list(reversed(_sorted(items))) if is_array(items) else []


@native("arrayStringConcat", 1, 2)
def array_string_concat(args: list[Any], ctx: HostContext) -> Any:
    """Join items as JavaScript's Array.join does: null items are '', others use String()."""
    items = args[0]
    separator = args[1] if len(args) > 1 else None
    if not is_array(items):
        return ""
    separator_text = "" if separator is None else js_string(separator)
    parts = ["" if item is None else js_string(item) for item in items]
    guard_string(ctx, sum(map(len, parts)) + len(separator_text) * max(0, len(parts) - 1))
    return separator_text.join(parts)


def _range_length(value: float) -> int:
    if value != value or value <= 0:
        return 0
    if value == math.inf:
        return 2**53
    return int(math.trunc(value))


@native("range", 1, 2)
def range_function(args: list[Any], ctx: HostContext) -> Any:
    """range(n) is [0, n); range(a, b) is [a, b). Empty when the end is not past the start.

    As in the oracle (`Array.from({length})`), the length is JavaScript's ToLength of `n` or of
    `b - a` (a numeric string counts, anything else gives an empty range), and the items are
    `a + i` with JavaScript's `+` (so a string start concatenates).
    """
    from hoglite.stl.types import minus, plus  # types imports this family's siblings

    if len(args) < 2 or args[1] is None:
        # The second argument padded with null (a call through a function value) means range(n).
        count = _range_length(minus([args[0], 0], ctx))
        guard_container(ctx, count)
        return list(range(count))
    start = args[0]
    count = _range_length(minus([args[1], start], ctx))
    guard_container(ctx, count)
    if start is None or (is_number(start) and isinstance(start, int)):
        base = start or 0
        return [normalize_int(base + index) for index in range(count)]
    return [plus([start, index], ctx) for index in range(count)]
