"""Escapes: hostile Hog code looking for Python behind the sandbox's values.

The sandbox is the hostile code's only world. Members, keys, indexes and f-string holes that name
Python internals (`__class__`, `__dict__`, `__code__`, ...) read as null, built-in functions are Hog
function values that print as `fn<name(n)>`, the Hog-level records (closures, errors, dates) show only
their PostHog marker fields, and nothing reaches the file system (time zone names are not paths).
Every outcome asserted here is the exact value or the exact Hog error message.
"""

from __future__ import annotations

from typing import Any

import pytest

from hoglite.compiler import compile_source
from hoglite.errors import HogRuntimeError
from hoglite.vm import DefaultHost, Limits, execute
from hoglite.vm.values import Callable, Closure

LIMITS = Limits(max_ops=20_000, timeout_seconds=1.0)
EVENT = {"event": "signed_up", "properties": {"plan": "pro"}}


def run(source: str, globals_: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    host = DefaultHost()
    result = execute(compile_source(source), globals=globals_ if globals_ is not None else {"event": EVENT},
                     limits=LIMITS, host=host)
    assert result.finished
    return result.value, host.output


def runtime_error(source: str) -> str:
    with pytest.raises(HogRuntimeError) as caught:
        run(source)
    return caught.value.message


def python_leak(value: Any) -> bool:
    """True if `value` holds anything but plain Hog data and Hog's own records."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return False
    if isinstance(value, (list, tuple)):
        return any(python_leak(item) for item in value)
    if isinstance(value, dict):
        return any(python_leak(key) or python_leak(item) for key, item in value.items())
    return not isinstance(value, (Closure, Callable))


DUNDER_READS = [
    "let x := 1\nreturn x.__class__",
    "return {}.__class__.__mro__",
    "return 'a'.__len__",
    "let e := Error('x')\nreturn e.__dict__",
    "return (x -> x).__code__",
    "return [].__class__",
    "return (1, 2).__class__",
    "return event.__class__",
    "return event.__init__.__globals__",
    "return event.properties.__class__.__subclasses__",
    "return event['__class__']",
    "return event?.__class__?.__base__",
    "return [1, 2]['__class__']",
    "return 'abc'['__class__']",
    "return now().__class__",
    "return toDate('2024-01-01').__class__",
    "let p := print\nreturn p.__self__",
    "return {'a': 1}.keys",
    "return {'a': 1}.get",
    "return {'a': 1}['items']",
    "return [1, 2].append",
    "return (1, 2).count",
    "return 'abc'.upper",
    "let e := Error('x')\nreturn e.message.__class__",
    "let f := x -> x\nreturn f.callable",
    "let f := x -> x\nreturn f.ip",
]


@pytest.mark.parametrize("source", DUNDER_READS)
def test_python_attribute_names_read_as_null(source: str) -> None:
    assert run(source) == (None, [])


def test_dunder_names_in_f_strings_give_empty_text() -> None:
    assert run("return f'<{event.__class__}>'") == ("<>", [])
    assert run("return f'<{{}.__class__}>'") == ("<>", [])
    assert run("return f'<{(x -> x).__code__}>'") == ("<>", [])


def test_dunder_global_names_are_unknown_globals() -> None:
    assert runtime_error("return __builtins__") == "Global variable not found: __builtins__"
    assert runtime_error("return __import__('os')") == "Unsupported function call: __import__"
    assert runtime_error("return eval('1')") == "Unsupported function call: eval"
    assert runtime_error("return getattr(event, '__class__')") == "Unsupported function call: getattr"
    assert runtime_error("return globals()") == "Unsupported function call: globals"


def test_sequences_expose_only_length() -> None:
    # `.length` of an array is the oracle's JavaScript artefact (docs/compat.md); strings have none.
    assert run("return [1, 2, 3].length") == (3, [])
    assert run("return 'abc'.length") == (None, [])
    assert run("return [1, 2, 3]['length']") == (3, [])


def test_keys_and_values_of_functions_show_only_posthog_markers() -> None:
    assert run("return keys(x -> x)") == (["__hogClosure__", "callable", "upvalues"], [])
    assert run("return keys(print)") == (["__hogClosure__", "callable", "upvalues"], [])
    value, _ = run("return values(x -> x)")
    assert value[0] is True and value[2] == []
    assert type(value[1]) is Callable and value[1].name == "lambda"
    assert run("print(values(x -> x))") == (None, ["[true, fn<lambda(1)>, []]"])
    assert run("return jsonStringify(values(x -> x))") == ('[true,"fn<lambda(1)>",[]]', [])
    assert run("return typeof(values(x -> x)[2])") == ("function", [])


def test_keys_and_values_of_errors_and_dates_are_plain_data() -> None:
    assert run("return keys(Error('a'))") == (["__hogError__", "type", "message", "payload"], [])
    assert run("return values(Error('a'))") == ([True, "Error", "a", None], [])
    assert run("return keys(toDate('2024-01-01'))") == (["__hogDate__", "year", "month", "day"], [])
    assert run("return values(toDate('2024-01-01'))") == ([True, 2024, 1, 1], [])
    assert run("return keys(toDateTime(0))") == (["__hogDateTime__", "dt", "zone"], [])
    assert run("return values(toDateTime(0))") == ([True, 0, "UTC"], [])


def test_records_cannot_be_rewritten() -> None:
    assert runtime_error("let e := Error('x')\ne.type := 'Hacked'\nreturn e") == "Can not set type on element of type object"
    assert runtime_error("let d := toDate('2024-01-01')\nd.year := 1\nreturn d") == "Can not set year on element of type object"
    assert runtime_error("let f := x -> x\nf.callable := 1") == "Can not set callable on element of type object"
    assert runtime_error("let t := (1, 2)\nt[1] := 5") == "Can not set 1 on element of type tuple"


def test_json_parse_prototype_keys_are_ordinary_keys() -> None:
    source = "let d := jsonParse('{\"__proto__\": {\"polluted\": 1}, \"constructor\": {\"prototype\": {\"x\": 1}}}')"
    assert run(f"{source}\nreturn d.__proto__") == ({"polluted": 1}, [])
    assert run(f"{source}\nreturn d.constructor.prototype") == ({"x": 1}, [])
    assert run(f"{source}\nreturn [d.polluted, {{}}.polluted, keys(d)]") == ([None, None, ["__proto__", "constructor"]], [])
    # Marker keys from JSON make the records the oracle makes too (typeof 'error'), but never a callable.
    assert run("return typeof(jsonParse('{\"__hogError__\": true, \"type\": \"E\", \"message\": \"m\"}'))") == ("error", [])
    forged = ("let f := jsonParse('{\"__hogClosure__\": true, \"callable\": {\"__hogCallable__\": \"stl\", "
              "\"name\": \"print\", \"argCount\": 1, \"upvalueCount\": 0, \"ip\": -1, \"chunk\": \"stl\"}, "
              "\"upvalues\": []}')\nreturn f('x')")
    assert runtime_error(forged) == "Invalid closure: {}"


def test_printing_functions_shows_hog_text_only() -> None:
    value, output = run("print(print)\nprint(x -> x)\nprint(Error('a'))\nprint((1, 2))\nreturn [toString(print), "
                        "jsonStringify(print), concat(print), typeof(print)]")
    assert output == ["fn<print(0)>", "fn<lambda(1)>", "Error('a')", "(1, 2)"]
    assert value == ["fn<print(0)>", '"fn<print(0)>"', "fn<print(0)>", "function"]


@pytest.mark.parametrize("source", [
    "return [print, (x -> x), Error('a'), now(), toDate('2024-01-01'), {'f': print}, (print, 1)]",
    "return values(x -> x)",
    "return jsonParse(jsonStringify({'a': [1, {'b': null}]}))",
    "return values(now())",
])
def test_returned_values_never_hold_python_objects(source: str) -> None:
    value, _ = run(source)
    assert not python_leak(value)


@pytest.mark.parametrize(("source", "message"), [
    ("let x := 1\nreturn x()", "Invalid closure: 1"),
    ("return 'abc'()", 'Invalid closure: "abc"'),
    ("let x := null\nreturn x(1)", "Invalid closure: null"),
    ("let d := {'a': 1}\nreturn d()", "Invalid closure: {}"),
    ("let a := [print]\nreturn a()", 'Invalid closure: [{"__hogClosure__":true,"callable":{"__hogCallable__":"stl",'
                                     '"name":"print","chunk":"stl","argCount":0,"upvalueCount":0,"ip":-1},"upvalues":[]}]'),
    ("return event.properties.plan()", 'Invalid closure: "pro"'),
    ("let v := values(x -> x)\nreturn v[2](1)", 'Invalid closure: {"__hogCallable__":"local","name":"lambda",'
                                                '"chunk":"root","argCount":1,"upvalueCount":0,"ip":7}'),
])
def test_calling_non_callables_is_a_hog_error(source: str, message: str) -> None:
    assert runtime_error(source) == message


def test_import_reaches_only_chunks_of_the_program() -> None:
    assert runtime_error("return import('os')") == "Unknown chunk: os"
    assert runtime_error("return import('__main__')") == "Unknown chunk: __main__"
    assert runtime_error("return import('../../etc/passwd')") == "Unknown chunk: ../../etc/passwd"
    assert runtime_error("return import('stl/__class__')") == "Unknown chunk: stl/__class__"
    assert runtime_error("return import({})") == "Unknown chunk: [object Map]"
    assert runtime_error("return import()") == "Function import requires exactly 1 argument"


@pytest.mark.parametrize("zone", ["../../etc/passwd", "/etc/passwd", "Europe/../../../../etc/passwd",
                                  "Etc/../../../../../../proc/self/environ"])
def test_time_zone_names_are_not_paths(zone: str) -> None:
    assert runtime_error(f"return toDateTime(0, '{zone}')") == f"toDateTime: unknown time zone '{zone}'"
    assert runtime_error(f"return toTimeZone(toDateTime(0), '{zone}')") == f"toTimeZone: unknown time zone '{zone}'"


def test_format_strings_are_not_python_format_strings() -> None:
    assert run("return formatDateTime(toDateTime(0), '{0.__class__}')") == ("{0.__class__}", [])
    assert run("return concat('{0.__class__} %s %(x)s', 1)") == ("{0.__class__} %s %(x)s1", [])
    assert run("print('{0.__class__}', '%s')") == (None, ["{0.__class__} %s"])


def test_host_globals_are_copies() -> None:
    globals_ = {"event": {"properties": {"plan": "pro"}}}
    assert run("let e := event\ne.properties.plan := 'free'\nreturn event.properties.plan", globals_) == ("pro", [])
    assert globals_ == {"event": {"properties": {"plan": "pro"}}}


def test_python_objects_in_host_globals_are_refused() -> None:
    with pytest.raises(HogRuntimeError) as caught:
        execute(compile_source("return a"), globals={"a": object()}, limits=LIMITS)
    assert caught.value.message == "Global a: Can not convert a host value of type object to a Hog value"
