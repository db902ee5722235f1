"""Conversions, type tests, null helpers, logic and comparison functions (hoglite/stl/types.py).

Expected values come from hog-stdlib.md's examples and from PostHog's TypeScript VM
(`@posthog/hogvm` 1.0.71); the deliberate differences are marked and listed in docs/compat.md.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogRuntimeError
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm.values import HogDate, HogDateTime, HogErrorValue, print_string


class Ctx:
    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "00000000-0000-4000-8000-000000000000"


def call(name: str, *args: Any) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), Ctx())


def shown(name: str, *args: Any) -> str:
    return print_string(call(name, *args))


@pytest.mark.parametrize(("args", "expected"), [
    ((True,), "true"), ((None,), "null"), ((42,), "42"), ((1.5,), "1.5"), ((3.0,), "3"), (("s",), "s"),
    (([1, "a", None],), "[1, 'a', null]"),
    (({"a": True, "b": None, "c": [1, "x"]},), "{'a': true, 'b': null, 'c': [1, 'x']}"),
    (((1,),), "tuple(1)"),
    ((HogErrorValue("Error", "x", {"a": 1}),), "Error('x', {'a': 1})"),
    ((HogDate(2024, 5, 3),), "2024-05-03"),
    ((HogDateTime(1234334543, "UTC"),), "2009-02-11T06:42:23.000Z"),
    ((HogDateTime(1234334543.1239, "UTC"),), "2009-02-11T06:42:23.123Z"),
    ((HogDateTime(1714739696, "Europe/Brussels"),), "2024-05-03T14:34:56.000+02:00"),
    ((HogDateTime(1714739696, "America/New_York"),), "2024-05-03T08:34:56.000-04:00"),
    ((HogDateTime(-1.5, "UTC"),), "1969-12-31T23:59:58.500Z"),
    (("x", "ignored"), "x"),
])
def test_to_string(args: tuple, expected: str) -> None:
    assert call("toString", *args) == expected


def test_to_string_unknown_zone_is_null() -> None:
    assert call("toString", HogDateTime(1, "Bad/Zone")) is None


def test_to_uuid_is_to_string() -> None:
    assert call("toUUID", "0190a3c4-1b2c-7d3e-8f40-0123456789ab") == "0190a3c4-1b2c-7d3e-8f40-0123456789ab"
    assert call("toUUID", 12) == "12"


@pytest.mark.parametrize(("value", "expected"), [
    ("42", 42), ("8.9", 8), (" 12abc", 12), ("-7", -7), ("0x1F", 31), ("abc", None), (True, None),
    (None, None), (3.99, 3), (-3.99, -3), ("", None), ("1e3", 1), ([12, 3], 12),
    (HogDateTime(1234334543.9, "UTC"), 1234334543), (HogDate(2024, 5, 3), 19846),
])
def test_to_int(value: Any, expected: Any) -> None:
    assert call("toInt", value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("1.5", 1.5), ("x", None), ("5", 5), (" -2.5e3xyz", -2500), (".5", 0.5), (None, None), (7, 7),
    ("Infinity", math.inf), ("1e", 1), (True, None),
    (HogDateTime(1234334543.123, "UTC"), 1234334543.123), (HogDate(1970, 1, 11), 10),
])
def test_to_float(value: Any, expected: Any) -> None:
    assert call("toFloat", value) == expected


def test_to_float_of_integer_text_is_an_integer_to_typeof() -> None:
    assert call("typeof", call("toFloat", "5")) == "integer"


def test_tuple() -> None:
    assert call("tuple", 1, 2, 3) == (1, 2, 3)
    assert shown("tuple") == "tuple()"
    assert shown("tuple", 0) == "tuple(0)"


@pytest.mark.parametrize(("value", "expected"), [
    ("hello", "string"), (123, "integer"), (1.23, "float"), (1.0, "integer"), (True, "boolean"),
    (None, "null"), ({}, "object"), ([], "array"), ((1, 2), "tuple"),
    (HogErrorValue("Error", "x"), "error"), (HogDate(2021, 1, 1), "date"),
    (HogDateTime(0, "UTC"), "datetime"), ({"__hx_ast": "Constant", "value": 1}, "sql"),
])
def test_typeof(value: Any, expected: str) -> None:
    assert call("typeof", value) == expected


def test_null_tests() -> None:
    assert [call("isNull", None), call("isNotNull", None), call("isNull", 0), call("isNotNull", 0)] == [
        True, False, False, True]


EMPTY_CASES = [None, 0, 1, -1, 0.0, 0.01, "", "string", "0", [], {}, (), (0,), (1, 2), True, False]
EMPTY_EXPECTED = [True, False, False, False, False, False, True, False, False, True, True, True, False,
                  False, False, False]


def test_empty_and_not_empty_spec_table() -> None:
    assert [call("empty", value) for value in EMPTY_CASES] == EMPTY_EXPECTED
    assert [call("notEmpty", value) for value in EMPTY_CASES] == [not x for x in EMPTY_EXPECTED]
    assert call("empty", HogErrorValue("Error", "x")) is False


@pytest.mark.parametrize(("value", "expected"), [
    ("123", 3), ([1, 2], 2), ((1, 2, 3), 3), ("", 0), ("ü✓", 2), ("a😀", 3), ({"a": 1}, None), (12, None),
    (None, None),  # hog-language.md §11b: the TypeScript VM throws
])
def test_length_counts_utf16_units(value: Any, expected: Any) -> None:
    assert call("length", value) == expected


def test_coalesce_assume_not_null_if_null() -> None:
    assert call("coalesce", None, None, "firstNonNull") == "firstNonNull"
    assert call("coalesce", None) is None
    assert call("coalesce", None, False) is False
    assert call("assumeNotNull", "notNull") == "notNull"
    assert call("ifNull", None, "x") == "x"
    assert call("ifNull", 0, "x") == 0
    with pytest.raises(HogRuntimeError, match="^Value is null in assumeNotNull$"):
        call("assumeNotNull", None)


def test_logic_functions_spec_examples() -> None:
    assert [call("if", True, "yes", "no"), call("if", False, "yes", "no"), call("if", [], "y", "n")] == [
        "yes", "no", "y"]
    assert call("multiIf", True, "one", False, "two", "default") == "one"
    assert call("multiIf", False, "one", True, "two", "default") == "two"
    assert call("multiIf", False, "one", False, "two", "default") == "default"
    assert call("multiIf", False, "a", True, "b") is None  # an even count: the last pair has no value
    assert [call("not", x) for x in (True, 0, "", "false", None)] == [False, True, True, False, True]
    ands = [(False, True), (0, 0), (1, 0), (1, False), (0, False), (1, 1), (1,), (True,), ("string",), (100,)]
    assert [call("and", *a) for a in ands] == [False] * 5 + [True] * 5
    ors = [(False, True), (0, 0), (1, 0), (1, False), (0, False), (1,), ("string",), (100,)]
    assert [call("or", *a) for a in ors] == [True, False, True, True, False, True, True, True]


def test_equals_is_strict() -> None:
    same = [1, 2]
    assert [call("equals", 1, 1), call("equals", 1, 2), call("equals", 1, "1")] == [True, False, False]
    assert call("equals", 1, 1.0) is True
    assert call("equals", True, 1) is False
    assert call("equals", None, None) is True
    assert call("equals", [1, 2], [1, 2]) is False  # containers by identity, as JavaScript's ===
    assert call("equals", same, same) is True
    assert call("notEquals", 2, 3) is True
    assert call("notEquals", 1, "1") is True


def test_ordering_functions() -> None:
    assert call("greater", 2, 1) and call("greaterOrEquals", 2, 2) and call("lessOrEquals", 2, 2)
    assert call("less", 1, 2) and call("less", -3, 2)
    assert call("less", "B", "a") is True
    assert call("less", "\uffff", "😀") is False  # UTF-16 order: U+FFFF sorts after the surrogate pair
    # Dates are plain objects in the oracle: JavaScript compares their String() text.
    assert call("greater", HogDateTime(10, "UTC"), HogDate(1970, 1, 1)) is False
    assert call("greaterOrEquals", HogDateTime(10, "UTC"), HogDate(1970, 1, 1)) is True


@pytest.mark.parametrize(("name", "a", "b"), [
    ("less", None, 3), ("greater", 3, None), ("lessOrEquals", None, None), ("greaterOrEquals", None, 0),
])
def test_ordering_with_null_is_false(name: str, a: Any, b: Any) -> None:
    # Deliberate difference: PostHog's nulls snapshot (the TypeScript VM reads null as 0 in `<`).
    assert call(name, a, b) is False


@pytest.mark.parametrize(("name", "a", "b"), [
    ("less", 1, "2"), ("greater", "2", 1), ("lessOrEquals", 0, False), ("less", [1], [2]),
])
def test_ordering_of_other_types_is_javascript(name: str, a: Any, b: Any) -> None:
    # As the oracle: JavaScript's `<` / `<=` (strings against numbers numerically, arrays by text).
    assert call(name, a, b) is True


def test_plus_minus_are_javascript_operators() -> None:
    assert [call("plus", 10, 5), call("minus", 10, 5)] == [15, 5]
    assert call("plus", "a", 1) == "a1"
    assert call("plus", 1, True) == 2
    assert call("plus", None, 1) == 1
    assert call("minus", "10", 4) == 6
    assert math.isnan(call("minus", "x", 1))
    assert call("plus", 2**53, 1) == 2**53  # doubles
