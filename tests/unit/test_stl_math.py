"""Numbers: floor, round, min2/max2, randomFloat, generateUUIDv4 (hoglite/stl/math.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.stl.registry import NATIVE_FUNCTIONS


class Ctx:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "9b2f0e2c-6f3c-4b8e-9a51-3c1d2e4f5a6b"


def call(name: str, *args: Any, ctx: Any = None) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), ctx or Ctx())


@pytest.mark.parametrize(("value", "expected"), [
    (3.99, 3), (-3.5, -4), (2, 2), ("2.7", 2), (None, 0), (-0.5, -1), (1e300, 1e300),
])
def test_floor(value: Any, expected: Any) -> None:
    assert call("floor", value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (3.5, 4), (2.5, 3), (-2.5, -2), (-2.6, -3), (0.49999999999999994, 0), (7, 7), ("1.5", 2), (-0.4, 0),
])
def test_round_is_javascript_math_round(value: Any, expected: Any) -> None:
    assert call("round", value) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ((3.14159, 2), 3.14), ((2.5, 0), 3), ((1234.5678, -2), 1200), ((-1.005, 1), -1), ((1.25, 1), 1.3),
    ((7, 3), 7), ((2.5, None), 3), ((1.5, 400), 1.5), ((123.0, -400), 0),
])
def test_round_to_digits(args: tuple, expected: Any) -> None:
    # hog-language.md §11b: PostHog ignores the digits argument.
    assert call("round", *args) == expected


def test_round_and_floor_of_non_finite() -> None:
    assert math.isnan(call("round", "x"))
    assert call("floor", math.inf) == math.inf


def test_min2_max2() -> None:
    assert [call("min2", 3, 5), call("min2", 5, 3), call("min2", "b", "a")] == [3, 3, "a"]
    assert [call("max2", 3, 5), call("max2", 5, 3), call("max2", "a", "b")] == [5, 5, "b"]
    assert call("min2", None, 3) is None  # JavaScript's `<`: null counts as 0


def test_random_and_uuid_come_from_the_host() -> None:
    assert call("randomFloat") == 0.25
    assert call("generateUUIDv4") == "9b2f0e2c-6f3c-4b8e-9a51-3c1d2e4f5a6b"
