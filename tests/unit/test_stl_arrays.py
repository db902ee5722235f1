"""Native array built-ins (hoglite/stl/arrays.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogLimitError
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm.limits import Limits
from hoglite.vm.values import HogDate


class Ctx:
    limits = Limits()

    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "00000000-0000-4000-8000-000000000000"


class SmallCtx(Ctx):
    limits = Limits(max_string_length=100, max_container_size=10)


def call(name: str, *args: Any, ctx: Any = None) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), ctx or Ctx())


def test_copying_functions_are_pure() -> None:
    arr = [1, 2, 3]
    assert call("arrayPushBack", arr, 4) == [1, 2, 3, 4]
    assert call("arrayPushFront", arr, 0) == [0, 1, 2, 3]
    assert call("arrayPopBack", arr) == [1, 2]
    assert call("arrayPopFront", arr) == [2, 3]
    assert call("arrayReverse", arr) == [3, 2, 1]
    assert call("arraySort", [3, 2, 1]) == [1, 2, 3]
    assert call("arrayReverseSort", [3, 2, 1]) == [3, 2, 1]
    assert arr == [1, 2, 3]


def test_non_arrays_give_empty_results() -> None:
    assert call("arrayPushBack", None, 1) == [1]
    assert call("arrayPushFront", "x", 1) == [1]
    assert call("arrayPopBack", []) == []
    assert call("arrayPopFront", None) == []
    assert call("arrayReverse", "abc") == []
    assert call("arraySort", None) == []
    assert call("arrayStringConcat", None, ",") == ""


def test_tuples_count_as_arrays_and_results_are_arrays() -> None:
    assert call("arrayPushBack", (1, 2), 3) == [1, 2, 3]
    assert call("arrayReverse", (1, 2)) == [2, 1]
    assert call("has", (1, 2), 2) is True


def test_sort_is_numeric_for_numbers() -> None:
    # hog-language.md §11b: the TypeScript VM sorts [2, 10, 1] as strings, giving [1, 10, 2].
    assert call("arraySort", [2, 10, 1]) == [1, 2, 10]
    assert call("arrayReverseSort", [2, 10, 1]) == [10, 2, 1]
    assert call("arraySort", [0.5, -3, 100, 25]) == [-3, 0.5, 25, 100]
    assert call("arraySort", ["b", "c", "a"]) == ["a", "b", "c"]
    assert call("arraySort", [3, None, 1]) == [1, 3, None]
    # Anything but numbers keeps the oracle's order: String() of each item, by UTF-16 units.
    assert call("arraySort", ["b", 10, "a", 2, None, True]) == [10, 2, "a", "b", None, True]
    assert call("arraySort", [[2], [1]]) == [[1], [2]]
    assert call("arraySort", [3, 1], "ignored", 1) == [1, 3]


def test_array_string_concat() -> None:
    assert call("arrayStringConcat", [1, 2, 3], ",") == "1,2,3"
    assert call("arrayStringConcat", ["a", "b"]) == "ab"
    assert call("arrayStringConcat", [None, True, 1.5, "x", [1, 2]], "-") == "-true-1.5-x-1,2"
    assert call("arrayStringConcat", ["a", "b"], None) == "ab"
    assert call("arrayStringConcat", [{"a": 1}, HogDate(2024, 1, 1)], " ") == "[object Map] [object Object]"


def test_has_index_of_in() -> None:
    haystack = [1, 2, 3, 4]
    assert [call("has", haystack, x) for x in (0, 2, "banana")] == [False, True, False]
    assert call("has", "banananas", "banana") is False
    assert call("has", ["1", "2"], "1") is True
    assert call("has", [1], "1") is False
    assert call("has", [math.nan], math.nan) is True  # SameValueZero
    assert [call("indexOf", [1, 2, 3], x) for x in (1, 2, 3, 4)] == [1, 2, 3, 0]
    assert call("indexOf", [math.nan], math.nan) == 0  # ===
    assert call("indexOf", None, 1) == 0
    assert call("in", "a", ("a", "b", "c")) is True
    assert call("in", "z", ["a", "b", "c"]) is False
    assert call("in", "a", "abc") is False


def test_range() -> None:
    assert call("range", 5) == [0, 1, 2, 3, 4]
    assert call("range", 3, 6) == [3, 4, 5]
    assert call("range", 0) == [] and call("range", -2) == [] and call("range", 5, 3) == []
    assert call("range", 2.5) == [0, 1]
    assert call("range", 0.5, 3) == [0.5, 1.5]
    assert call("range", 4, None) == [0, 1, 2, 3]  # the padded call through a function value


def test_range_is_limited_before_allocating() -> None:
    with pytest.raises(HogLimitError):
        call("range", 11, ctx=SmallCtx())
    with pytest.raises(HogLimitError):
        call("range", 10**15)
    with pytest.raises(HogLimitError):
        call("range", math.inf)


def test_range_converts_like_javascript() -> None:
    # The oracle builds Array.from({length: b - a}) and items a + i (JavaScript `-` and `+`).
    assert call("range", "3") == [0, 1, 2]
    assert call("range", "x") == []
    assert call("range", {}) == []
    assert call("range", "1", 3) == ["10", "11"]
    assert call("range", True, 3) == [1, 2]


def test_push_is_limited() -> None:
    with pytest.raises(HogLimitError):
        call("arrayPushBack", list(range(10)), 1, ctx=SmallCtx())
