"""Numbers: floor, round, min2/max2, randomFloat, generateUUIDv4 (randomness comes from the host)."""

from __future__ import annotations

import math
from typing import Any

from hoglite.stl._common import js_less, js_to_number, normalize_int
from hoglite.stl.registry import HostContext, native


def js_round(value: int | float) -> int | float:
    """JavaScript's Math.round: to the nearest integer, halves toward +infinity (-2.5 -> -2)."""
    if isinstance(value, int) or not math.isfinite(value):
        return value
    floor = math.floor(value)
    # value - floor is exact for doubles, so 0.49999999999999994 does not round up.
    return normalize_int(floor + 1 if value - floor >= 0.5 else floor)


def round_to(value: int | float, digits: int) -> int | float:
    """Round to `digits` decimal places (negative: to tens, hundreds, ...), halves as Math.round does."""
    if digits == 0 or not math.isfinite(value):
        return js_round(value)
    if digits > 0:
        try:
            factor = 10.0**digits
        except OverflowError:
            return value
        if isinstance(value, int) or not math.isfinite(value * factor):
            return value
        return js_round(value * factor) / factor
    try:
        factor = 10.0 ** (-digits)
    except OverflowError:
        return 0
    rounded = js_round(value / factor)
    return normalize_int(int(rounded * factor)) if isinstance(rounded, int) else rounded * factor


@native("floor", 1, 2)
def floor(args: list[Any], ctx: HostContext) -> Any:
    # The optional second argument is in the arity contract but no PostHog VM reads it.
    value = js_to_number(args[0])
    if isinstance(value, int) or not math.isfinite(value):
        return value
    return normalize_int(math.floor(value))


@native("round", 1, 2)
def round_function(args: list[Any], ctx: HostContext) -> Any:
    """round(x) as Math.round; round(x, n) to n decimal places (PostHog ignores n: hog-language §11b)."""
    value = js_to_number(args[0])
    digits = args[1] if len(args) > 1 else None
    if digits is None:
        return js_round(value)
    count = js_to_number(digits)
    if not math.isfinite(count):
        return js_round(value)
    return round_to(value, int(math.trunc(count)))


@native("min2", 2, 2)
def min2(args: list[Any], ctx: HostContext) -> Any:
    """`a < b ? a : b` with JavaScript's `<`."""
    return args[0] if js_less(args[0], args[1]) else args[1]


@native("max2", 2, 2)
def max2(args: list[Any], ctx: HostContext) -> Any:
    """`a > b ? a : b` with JavaScript's `>` (PostHog's Python and Rust VMs have it; the TS VM does not)."""
    return args[0] if js_less(args[1], args[0]) else args[1]


@native("randomFloat", 0, 0)
def random_float(args: list[Any], ctx: HostContext) -> Any:
    return ctx.random()


@native("generateUUIDv4", 0, 0)
def generate_uuid_v4(args: list[Any], ctx: HostContext) -> Any:
    return ctx.uuid4()
