"""The VM's fast paths (native calls, string-only concat, plain-JSON globals) give exactly the results of
the general paths: same values, same key order, same limit messages, fresh copies on every read."""

from __future__ import annotations

import pytest

from hoglite.compiler import compile_source
from hoglite.errors import HogLimitError
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm import Limits, execute
from hoglite.vm.runtime import Runtime
from hoglite.vm.values import HogDate, from_json_value


def test_concat_of_strings_and_ints_matches_the_builtin() -> None:
    source = "let a := 5\nlet b := -12\nprint(f'x{a}y{b}z{null}{true}{1.5}{[1]}')\nreturn 'a' || 'b' || 9007199254740993"
    result = execute(compile_source(source))
    assert result.output == ["x5y-12ztrue1.5[1]"]
    assert result.value == "ab9007199254740992"
    args = ["a", "b", 9007199254740993]
    assert NATIVE_FUNCTIONS["concat"].impl(list(args), None) == result.value


def test_concat_of_strings_checks_the_string_limit_before_joining() -> None:
    with pytest.raises(HogLimitError) as caught:
        execute(compile_source("return 'abc' || 'def'"), limits=Limits(max_string_length=5))
    assert caught.value.message == "String length limit of 5 characters exceeded. Tried to build 6."
    assert execute(compile_source("return 'abc' || 'de'"), limits=Limits(max_string_length=5)).value == "abcde"


def test_native_call_with_an_open_upvalue_closes_it() -> None:
    source = "let x := 'a'\nlet f := () -> x\nprint(length(x))\nx := 'bc'\nreturn f()"
    assert execute(compile_source(source)).value == "bc"


GLOBALS = {
    "event": {"properties": {"a": [1, {"b": 2}], "big": 2**60, "f": 2.0, "s": "é"}, "name": "x"},
    "ordered": {"b": 1, "10": "ten", "a": [1], "2": "two"},
    "marked": {"__hogDate__": True, "year": 2024, "month": 1, "day": 2},
    "n": [1, 2],
}


@pytest.mark.parametrize("chain", [["event"], ["event", "properties"], ["ordered"], ["marked"], ["n"],
                                   ["event", "properties", "a"], ["event", "name"]])
def test_global_reads_equal_from_json_value(chain: list[str]) -> None:
    runtime = Runtime({"root": {"bytecode": ["_H", 1]}}, globals=GLOBALS)
    raw: object = GLOBALS
    for key in chain:
        raw = raw[key]  # type: ignore[index]
    got = runtime.global_value(chain, "root")
    expected = from_json_value(raw)
    assert got == expected and type(got) is type(expected)
    if isinstance(got, dict):
        assert list(got) == list(expected)
    if isinstance(raw, (dict, list)):
        assert got is not raw and got is not runtime.global_value(chain, "root")
    if chain == ["marked"]:
        assert isinstance(got, HogDate)


def test_mutating_a_global_read_never_shows_up_again() -> None:
    source = """let e := event
e.properties.a[2].b := 99
e.name := 'changed'
let p := event.properties.a
p[1] := 5
return [event.properties.a, event.name]"""
    result = execute(compile_source(source), globals=GLOBALS)
    assert result.value == [[1, {"b": 2}], "x"]
    assert GLOBALS["event"]["properties"]["a"] == [1, {"b": 2}] and GLOBALS["event"]["name"] == "x"
