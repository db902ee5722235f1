"""JSON built-ins (hoglite/stl/json.py)."""

from __future__ import annotations

from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogLimitError, HogRuntimeError
from hoglite.stl.json import MAX_JSON_DEPTH, parse_json, stringify_json
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm.limits import Limits
from hoglite.vm.values import Callable, Closure, HogDate, HogDateTime, HogErrorValue, print_value


class Ctx:
    limits = Limits()

    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "00000000-0000-4000-8000-000000000000"


class SmallCtx(Ctx):
    limits = Limits(max_string_length=20)


def call(name: str, *args: Any, ctx: Any = None) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), ctx or Ctx())


def test_json_parse() -> None:
    assert call("jsonParse", "[1,2,3]") == [1, 2, 3]
    parsed = call("jsonParse", '{"a": {"b": [true, null, 1.5, "x"]}, "c": -1e3}')
    assert print_value(parsed) == "{'a': {'b': [true, null, 1.5, 'x']}, 'c': -1000}"
    assert call("jsonParse", "null") is None
    assert call("jsonParse", 12) == 12


def test_json_parse_orders_keys_like_javascript() -> None:
    parsed = call("jsonParse", '{"b": 1, "2": 2, "1": 3, "a": 4, "b": 5}')
    assert list(parsed.items()) == [("1", 3), ("2", 2), ("b", 5), ("a", 4)]


def test_json_parse_markers_and_numbers() -> None:
    assert isinstance(call("jsonParse", '{"__hogDateTime__": true, "dt": 1, "zone": "UTC"}'), HogDateTime)
    assert call("jsonParse", '{"__hogDate__": true, "year": 2024, "month": 5, "day": 3}') == HogDate(2024, 5, 3)
    error = call("jsonParse", '{"__hogError__": true, "type": "E", "message": "m", "payload": {"a": 1}}')
    assert isinstance(error, HogErrorValue) and print_value(error) == "E('m', {'a': 1})"
    assert call("jsonParse", "12345678901234567890") == 12345678901234567000.0  # a double, as in JS


@pytest.mark.parametrize("text", ["not a json", "[1,", "NaN", "Infinity", "", "{'a': 1}", "[1] x"])
def test_json_parse_invalid_is_a_hog_error(text: str) -> None:
    with pytest.raises(HogRuntimeError, match="^Invalid JSON"):
        call("jsonParse", text)


def test_json_parse_deep_input_is_a_clean_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(HogRuntimeError, match="nested deeper than"):
        call("jsonParse", deep)
    assert call("isValidJSON", deep) is False
    assert call("JSONLength", deep) == 0
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(ok) is not None
    brackets_in_strings = '["' + "[" * 5000 + '"]'
    assert parse_json(brackets_in_strings) == ["[" * 5000]


def test_json_stringify() -> None:
    assert call("jsonStringify", {"a": 1}) == '{"a":1}'
    assert call("jsonStringify", [1, "x", None, True, 1.5, {"k": [(1, 2)]}]) == '[1,"x",null,true,1.5,{"k":[[1,2]]}]'
    assert call("jsonStringify", 'he said "hi"\n\t\\\x01') == '"he said \\"hi\\"\\n\\t\\\\\\u0001"'
    assert call("jsonStringify", "é😀") == '"é😀"'
    assert call("jsonStringify", {"b": 1, "2": 2, 1: 3}) == '{"1":3,"2":2,"b":1}'
    assert call("jsonStringify", 1e21) == "1e+21"
    assert call("jsonStringify", [float("nan"), float("inf")]) == "[null,null]"
    assert call("jsonStringify", 3.0) == "3"


def test_json_stringify_indent() -> None:
    assert call("jsonStringify", {"a": 1, "b": [1, 2], "c": {}}, 2) == (
        '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ],\n  "c": {}\n}')
    assert call("jsonStringify", [1], 0) == "[1]"
    assert call("jsonStringify", [1], 2.7) == "[\n  1\n]"
    assert call("jsonStringify", {"a": 1}, 20) == '{\n          "a": 1\n}'  # at most 10 spaces


def test_json_stringify_special_values() -> None:
    assert call("jsonStringify", HogErrorValue("Error", "x")) == '{"__hogError__":true,"type":"Error","message":"x"}'
    assert call("jsonStringify", HogErrorValue("Error", "x", {"a": 1})) == (
        '{"__hogError__":true,"type":"Error","message":"x","payload":{"a":1}}')
    assert call("jsonStringify", HogDate(2024, 5, 3)) == '{"__hogDate__":true,"year":2024,"month":5,"day":3}'
    assert call("jsonStringify", HogDateTime(1234334543, "UTC")) == (
        '{"__hogDateTime__":true,"dt":1234334543,"zone":"UTC"}')
    closure = Closure(Callable("local", "add", 2, 0, 5, "root"))
    assert call("jsonStringify", [closure, Callable("local", "", 1, 0, 0, "root")]) == (
        '["fn<add(2)>","fn<lambda(1)>"]')


def test_json_stringify_cycles_and_depth() -> None:
    loop: dict = {"a": 1}
    loop["self"] = loop
    assert call("jsonStringify", loop) == '{"a":1,"self":null}'
    shared = [1]
    assert call("jsonStringify", [shared, shared]) == "[[1],[1]]"
    deep: list = []
    current = deep
    for _ in range(50_000):
        current.append([])
        current = current[0]
    assert stringify_json(deep).startswith("[[[[")  # iterative: no RecursionError


def test_json_stringify_size_guard() -> None:
    with pytest.raises(HogLimitError):
        call("jsonStringify", ["x" * 30], ctx=SmallCtx())


def test_round_trip() -> None:
    event = {"event": "$pageview", "properties": {"$browser": "Chrome", "$os": "Windows"}}
    assert call("jsonParse", call("jsonStringify", event)) == event


def test_is_valid_json() -> None:
    assert call("isValidJSON", '{"a": "hello", "b": [-100, 200.0, 300]}') is True
    assert call("isValidJSON", "not a json") is False
    assert call("isValidJSON", None) is True  # JSON.parse('null')
    assert call("isValidJSON", "") is False


JSON_TEXT = '{"a": "hello", "b": [-100, 200.0, 300]}'
JSON_DICT = {"a": "hello", "b": [-100, 200.0, 300]}


def test_json_has_spec_examples() -> None:
    assert call("JSONHas", JSON_TEXT, "b") is True
    assert call("JSONHas", JSON_TEXT, "b", 4) is False
    assert call("JSONHas", JSON_DICT, "b", -2) is True
    assert call("JSONHas", JSON_DICT, "b", -4) is False
    assert call("JSONHas", "[1,2,3]", 0) is False
    assert call("JSONHas", "[1,2,[1,2]]", -1, 1) is True
    assert call("JSONHas", "[1,2,[1,2]]", -1, -3) is False
    assert call("JSONHas", "[1,2,[1,2]]", 1, 1) is False
    assert call("JSONHas", '{"a": 1}') is True
    assert call("JSONHas", '{"a": "{\\"b\\": 1}"}', "a", "b") is True  # nested JSON strings are parsed
    assert call("JSONHas", {1: "x"}, True) is False  # JavaScript Map keys: true is not 1


def test_json_length_and_extract_spec_examples() -> None:
    assert call("JSONLength", JSON_TEXT, "b") == 3
    assert call("JSONLength", JSON_TEXT) == 2
    assert call("JSONLength", "bad") == 0
    assert call("JSONExtractBool", '{"a": "hello", "b": true}', "b") is True
    assert call("JSONExtractBool", '{"a": "hello", "b": 1}', "b") is False
    assert call("JSONExtractBool", "true") is True
    assert call("JSONExtractBool", 1) is False
    assert call("JSONExtractInt", '{"a":123.1}', "a") == 123
    assert call("JSONExtractInt", '{"a":"hello"}', "a") is None
    assert call("JSONExtractInt", '{"a":"12abc"}', "a") == 12
    assert call("JSONExtractInt", '{"a":{"b":[5,6]}}', "a", "b", -1) == 6
    assert call("JSONExtractFloat", '{"a":123.1}', "a") == 123.1
    assert call("JSONExtractFloat", '{"a":"hello"}', "a") is None
    assert call("JSONExtractString", '{"a":123.1}', "a") == "123.1"
    assert call("JSONExtractString", '{"a":"hello"}', "a") == "hello"
    assert call("JSONExtractString", '{"a":[1,[2,3]]}', "a") == "1,2,3"
    assert call("JSONExtractString", '{"a":null}', "a") is None
    assert call("JSONExtractArrayRaw", '{"a":123}', "a") is None
    assert call("JSONExtractArrayRaw", '{"a":[]}', "a") == []
    assert call("JSONExtractArrayRaw", '{"a":["hello"]}', "a") == ["hello"]
    assert call("JSONExtract", '{"a": {"b": "c"}}', "a", "b", "String") == "c"
    assert call("JSONExtract", "[1, 2, 3]", -1, "Int64") == 3
    assert call("JSONExtract", "bad", "a", "String") is None


def test_json_path_index_zero_is_an_error() -> None:
    with pytest.raises(HogRuntimeError, match="^Hog arrays start from index 1$"):
        call("JSONExtract", "[1]", 0, "Int64")
