"""The VM's public API, PostHog's worked examples (hog-bytecode.md §10), closures, errors with source
positions, host functions, paused-state encoding and the value/JSON conversions.

Op-by-op cases live in test_vm_cases.py (and are compared with the oracle in test_vm_oracle.py).
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from hoglite.compiler import compile_source
from hoglite.errors import HogLimitError, HogRuntimeError, UncaughtHogError
from hoglite.stl.registry import NATIVE_FUNCTIONS, NativeFunction
from hoglite.vm import (
    DefaultHost,
    Limits,
    PausedCall,
    RunOptions,
    RunResult,
    execute,
    resume,
    run_with_handlers,
)
from hoglite.vm.memory import value_cost
from hoglite.vm.values import (
    Callable,
    Closure,
    HogDate,
    HogDateTime,
    HogErrorValue,
    ValueConversionError,
    from_json_value,
    to_json_value,
)

LAMBDA_SLEEP = ["_H", 1, 33, 2, 52, "lambda", 2, 1, 9, 55, 0, 36, 1, 36, 0, 6, 6, 38, 53, 1, True, 0, 33, 2, 2,
                "sleep", 1, 35, 33, 10, 37, 0, 33, 4, 33, 3, 36, 1, 54, 2, 38, 35, 57]

# hog-bytecode.md §8.3, verbatim (syncDuration aside).
LAMBDA_SLEEP_STATE = {
    "bytecodes": {"root": {"bytecode": LAMBDA_SLEEP}},
    "stack": [
        2,
        {"__hogClosure__": True,
         "callable": {"__hogCallable__": "local", "name": "lambda", "argCount": 2, "upvalueCount": 1, "ip": 9,
                      "chunk": "root"},
         "upvalues": [1]},
    ],
    "upvalues": [{"__hogUpValue__": True, "location": 0, "id": 1, "closed": False, "value": None}],
    "callStack": [
        {"ip": 27, "chunk": "root", "stackStart": 0, "argCount": 0,
         "closure": {"__hogClosure__": True,
                     "callable": {"__hogCallable__": "local", "name": "", "argCount": 0, "upvalueCount": 0, "ip": 1,
                                  "chunk": "root"},
                     "upvalues": []}},
    ],
    "throwStack": [],
    "declaredFunctions": {},
    "ops": 5,
    "asyncSteps": 1,
    "maxMemUsed": 267,
}


def run_source(source: str, **kwargs: Any) -> RunResult:
    return execute(compile_source(source), **kwargs)


def roundtrip(value: Any) -> Any:
    return json.loads(json.dumps(value))


# ---------------------------------------------------------------------------------------------------
# API shape


def test_execute_accepts_every_program_form() -> None:
    program = compile_source("print('hi')\nreturn 1 + 2")
    for form in (program, program.bytecode, {"root": {"bytecode": program.bytecode}},
                 {"bytecodes": {"root": {"bytecode": program.bytecode}}}):
        result = execute(form)
        assert result.finished and result.value == 3 and result.output == ["hi"] and result.paused is None


def test_run_result_counters() -> None:
    result = execute(["_H", 1, 33, 2, 33, 1, 6, 2, "print", 1, 35])
    assert result.ops == 5
    assert result.max_mem_used == 16
    assert result.duration_ms >= 0
    assert result.output == ["3"]


def test_options_object_and_keyword_overrides() -> None:
    options = RunOptions(globals={"name": "a"})
    program = ["_H", 1, 32, "name", 1, 1, 38]
    assert execute(program, options).value == "a"
    assert execute(program, options, globals={"name": "b"}).value == "b"
    assert options.globals == {"name": "a"}
    with pytest.raises(TypeError):
        execute(program, nonsense=1)


def test_invalid_bytecode() -> None:
    for bad in ([], ["_X", 1], [1, 2, 3]):
        with pytest.raises(HogRuntimeError, match="Invalid HogQL bytecode, must start with '_H'"):
            execute(bad)


def test_result_of_running_off_the_end_is_top_of_stack() -> None:
    assert execute(["_H", 1, 33, 1, 33, 2]).value == 2
    assert execute(["_H", 1]).value is None


# ---------------------------------------------------------------------------------------------------
# PostHog's worked examples


def test_lambda_sleep_pause_state_is_posthogs() -> None:
    result = execute(LAMBDA_SLEEP)
    assert not result.finished and result.value is None
    assert isinstance(result.paused, PausedCall)
    assert result.paused.name == "sleep" and result.paused.args == [2]
    state = roundtrip(result.paused.state)
    assert isinstance(state.pop("syncDuration"), (int, float))
    assert state == LAMBDA_SLEEP_STATE
    assert "hoglite" not in state  # nothing lossy in this state: no annotations


def test_lambda_sleep_resume() -> None:
    paused = execute(LAMBDA_SLEEP).paused
    finished = resume(roundtrip(paused.state), None)
    assert finished.finished and finished.value == 17 and finished.ops == 19


def test_resume_posthog_style_with_value_already_pushed() -> None:
    state = copy.deepcopy({**LAMBDA_SLEEP_STATE, "syncDuration": 0})
    state["stack"].append(None)
    result = execute(state)
    assert result.value == 17 and result.ops == 19


def test_resume_does_not_modify_the_state() -> None:
    state = roundtrip(execute(LAMBDA_SLEEP).paused.state)
    before = copy.deepcopy(state)
    resume(state, None)
    assert state == before


def test_fetch_template_example() -> None:
    program = compile_source("let res := fetch(inputs.url, {'method': 'POST'})\nreturn res.status")
    options = RunOptions(globals={"inputs": {"url": "https://example.com"}}, async_functions={"fetch"})
    paused = execute(program, options)
    assert paused.paused.name == "fetch"
    assert paused.paused.args == ["https://example.com", {"method": "POST"}]
    assert paused.ops == 7 and paused.paused.state["maxMemUsed"] == 61
    assert paused.paused.state["callStack"][0]["ip"] == 17 and paused.paused.state["stack"] == []
    done = resume(roundtrip(paused.paused.state), {"status": 200, "body": {"id": 1}}, options)
    assert done.finished and done.value == 200


def test_catch_after_return() -> None:
    source = """
fun safeParse(text) {
    try {
        return jsonParse(text)
    } catch (e) {
        return null
    }
}
fun fail(reason) {
    throw Error(reason)
}
try {
    let parsed := safeParse('{"score": 1}')
    print(parsed.score)
    fail('outer')
} catch (e) {
    print(f'outer catch: {e.message}')
}
"""
    assert run_source(source).output == ["1", "outer catch: outer"]


def test_bytecode_stl_array_map() -> None:
    program = ["_H", 1, 52, "lambda", 1, 0, 6, 33, 2, 36, 0, 8, 38, 53, 0, 33, 1, 33, 2, 33, 3, 43, 3, 2,
               "arrayMap", 2, 38]
    assert execute(program).value == [2, 4, 6]


# ---------------------------------------------------------------------------------------------------
# Closures


def test_closures_capture_their_own_variables() -> None:
    # hog-language.md §11b: PostHog's VM gives [101, 101, 101].
    source = "fun adder(k) { return x -> x + k }\nprint(arrayMap(k -> adder(k)(100), [1, 2, 3]))"
    assert run_source(source).output == ["[101, 102, 103]"]


def test_closures_capture_variables_not_values() -> None:
    source = """
let fs := []
for (let i := 0; i < 3; i := i + 1) { fs := arrayPushBack(fs, () -> i) }
print(arrayMap(f -> f(), fs))
let counter := 0
let inc := () -> { counter := counter + 1 }
inc()
inc()
print(counter)
"""
    assert run_source(source).output == ["[3, 3, 3]", "2"]


def test_closed_variable_does_not_leak_into_a_later_slot() -> None:
    source = """
let getters := []
if (true) {
    let a := 'first'
    getters := arrayPushBack(getters, () -> a)
}
if (true) {
    let b := 'second'
    getters := arrayPushBack(getters, () -> b)
}
print(getters[1](), getters[2]())
"""
    assert run_source(source).output == ["first second"]


def test_recursion() -> None:
    source = """
fun fib(n) { if (n < 2) { return n } return fib(n - 1) + fib(n - 2) }
fun countdown(n) { if (n == 0) { return [] } return arrayPushBack(countdown(n - 1), n) }
print(fib(15), countdown(5))
"""
    assert run_source(source).output == ["610 [1, 2, 3, 4, 5]"]


# ---------------------------------------------------------------------------------------------------
# Errors


def test_runtime_error_has_span_of_failing_op() -> None:
    source = "let a := [1]\nlet i := 0\nprint(a[i])"
    with pytest.raises(HogRuntimeError) as caught:
        run_source(source)
    error = caught.value
    assert error.message == "Hog arrays start from index 1"
    assert error.span is not None and error.span.line == 3
    assert "print(a[i])" in error.render()


def test_error_inside_function_points_into_function() -> None:
    source = "fun f(x) {\n  return x.a.b[0 + x.n]\n}\nf({'n': 0, 'a': {'b': [1]}})"
    with pytest.raises(HogRuntimeError) as caught:
        run_source(source)
    assert caught.value.span.line == 2


def test_error_inside_bytecode_stl_points_at_the_call() -> None:
    source = "let x := 1\nprint(arrayMap(5, [1, 2]))"
    with pytest.raises(HogRuntimeError) as caught:
        run_source(source)
    assert caught.value.message == "Invalid closure: 5"
    assert caught.value.span.line == 2


def test_uncaught_error_carries_type_message_payload() -> None:
    with pytest.raises(UncaughtHogError) as caught:
        run_source("throw HogError('Custom', 'it broke', {'k': 1})")
    error = caught.value
    assert (error.error_type, error.error_message, error.payload) == ("Custom", "it broke", {"k": 1})
    assert error.message == "Custom('it broke')"
    assert error.span.line == 1


def test_runtime_errors_are_not_catchable() -> None:
    with pytest.raises(HogRuntimeError, match="Unsupported function call: nope"):
        run_source("try { nope() } catch (e) { print('caught') }")


def test_python_exceptions_in_builtins_become_runtime_errors() -> None:
    def boom(args: list, ctx: Any) -> Any:
        raise KeyError("internal")

    NATIVE_FUNCTIONS["__test_boom"] = NativeFunction("__test_boom", boom, 0, None)
    try:
        with pytest.raises(HogRuntimeError) as caught:
            execute(["_H", 1, 2, "__test_boom", 0])
        assert "__test_boom" in caught.value.message and "KeyError" in caught.value.message
        assert not isinstance(caught.value, UncaughtHogError)
    finally:
        del NATIVE_FUNCTIONS["__test_boom"]


def test_deeply_nested_values_print_without_recursion() -> None:
    # PostHog prints values ~1000 levels deep (and fails with a JavaScript stack overflow near 3000);
    # hoglite's printer and String() are iterative, so any depth prints.
    program = compile_source(
        "let a := []\nfor (let i := 0; i < 3000; i := i + 1) { a := [a] }\nprint(a)\nprint(length(toString(a)))"
    )
    assert execute(program).output == ["[" * 3001 + "]" * 3001, "6002"]


# ---------------------------------------------------------------------------------------------------
# Host functions, globals, disallowed built-ins, the default host


def test_host_functions_shadow_builtins_and_get_hog_values() -> None:
    seen: list[Any] = []

    def host_print(args: list, ctx: Any) -> Any:
        seen.append(args)
        return {"ok": (1, 2)}

    result = run_source("let r := print('x', [1], {'a': 1})\nreturn r", functions={"print": host_print})
    assert seen == [["x", [1], {"a": 1}]]
    assert result.output == [] and result.value == {"ok": (1, 2)}


def test_host_function_as_value_and_error() -> None:
    def twice(args: list, ctx: Any) -> Any:
        return args[0] * 2

    def fails(args: list, ctx: Any) -> Any:
        raise ValueError("nope")

    assert run_source("let f := twice\nreturn f(21)", functions={"twice": twice}).value == 42
    with pytest.raises(HogRuntimeError, match="nope"):
        run_source("fails()", functions={"fails": fails})


def test_host_function_returning_unsupported_value() -> None:
    with pytest.raises(HogRuntimeError, match="unsupported value"):
        run_source("weird()", functions={"weird": lambda args, ctx: {1, 2}})


def test_globals_are_deep_copied_and_functions_are_values() -> None:
    host_globals = {"event": {"properties": {"$browser": "Chrome"}, "tags": ["a", "b"]}}
    source = """
let e := event
e.properties.$browser := 'Firefox'
print(e.properties.$browser, event.properties.$browser, event.tags.2, event.tags.length)
print(typeof(print), typeof(arrayMap), typeof(fetch))
"""
    result = run_source(source, globals=host_globals, async_functions={"fetch"})
    assert result.output == ["Firefox Chrome b 2", "function function function"]
    assert host_globals["event"]["properties"]["$browser"] == "Chrome"


def test_disallowed_builtins_are_unknown() -> None:
    with pytest.raises(HogRuntimeError, match="Unsupported function call: print"):
        run_source("print(1)", disallowed={"print"})
    with pytest.raises(HogRuntimeError, match="Global variable not found: arrayMap"):
        run_source("let f := arrayMap", disallowed={"arrayMap"})


def test_default_host_collects_output_and_is_injectable() -> None:
    host = DefaultHost(now=lambda: 1.5, random=lambda: 0.25, uuid4=lambda: "u-1")
    result = execute(["_H", 1, 32, "x", 2, "print", 1, 35], host=host)
    assert host.output == ["x"] and result.output == ["x"]
    assert (host.now(), host.random(), host.uuid4()) == (1.5, 0.25, "u-1")


def test_custom_host_receives_print() -> None:
    class Host:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def print(self, text: str) -> None:
            self.lines.append(text)

    host = Host()
    result = run_source("print('a', 1, [true], (1, 2), null)", host=host)
    assert host.lines == ["a 1 [true] (1, 2) null"] and result.output == []


def test_run_with_handlers_loop() -> None:
    source = "let a := fetch('x')\nlet b := fetch('y')\nprint(a, b)\nreturn concat(a, b)"
    result = run_with_handlers(compile_source(source), {"fetch": lambda url: url.upper()})
    assert result.value == "XY" and result.output == ["X Y"]


def test_async_function_called_as_value_pauses_with_arguments_in_order() -> None:
    source = "let f := fetch\nlet r := f('a', 'b')\nreturn r"
    paused = run_source(source, async_functions={"fetch"})
    assert paused.paused.name == "fetch" and paused.paused.args == ["a", "b"]
    assert resume(paused.paused.state, 7, async_functions={"fetch"}).value == 7


# ---------------------------------------------------------------------------------------------------
# Paused state: loss-free for hoglite, PostHog-shaped for PostHog


def _pause_resume(source: str) -> tuple[list[str], list[str]]:
    program = compile_source(source)
    # The straight run's `pause` crosses the host boundary as JSON too, like an async result.
    straight = execute(program, functions={"pause": lambda args, ctx: to_json_value(args[0])})
    paused = execute(program, async_functions={"pause"})
    output = list(paused.output)
    while paused.paused is not None:
        paused = resume(roundtrip(paused.paused.state), paused.paused.args[0], async_functions={"pause"})
        output.extend(paused.output)
    return straight.output, output


@pytest.mark.parametrize("source", [
    "let t := (1, 'a', (2, 3))\npause(1)\nprint(t, typeof(t))",
    "let e := Error('boom', {'p': 1})\npause(1)\nprint(e, typeof(e))\ntry { throw e } catch (x) { print(x.message) }",
    "let d := {1: 'int', 'k': 2, true: 'bool', null: 'null', 1.5: 'float'}\npause(1)\nprint(d, d[1], d[1.5])",
    "let n := [0 / 0, 1 / 0, -1 / 0]\npause(1)\nprint(n)",
    "let a := [1]\nlet b := a\npause(1)\nb[1] := 2\nprint(a, b)",
    "let a := {'x': 1}\nlet box := [a, a]\npause(1)\nbox[1].x := 5\nprint(box)",
    "let a := {'self': null}\na.self := a\npause(1)\nprint(a, a.self.self == a)",
    "let d := {'__hogDate__': true, 'year': 1}\npause(1)\nprint(d, typeof(d))",
    "let dt := toDateTime('2024-05-03T12:34:56Z')\nlet day := toDate('2024-05-03')\npause(1)\nprint(dt, day, typeof(dt))",
    "let k := 5\nlet f := x -> x + k\nk := 6\npause(1)\nprint(f(1))",
    "fun outer() { let v := [1]; let get := () -> v; pause(1); v := arrayPushBack(v, 2); return get }\n"
    "print(outer()())",
    "print(arrayMap(x -> pause(x) * 2, [1, 2, 3]))",
    "try { let y := pause('in try'); throw Error(y) } catch (e) { print('caught', e.message) }",
    "let r := pause((1, 2))\nprint(r)",
])
def test_state_round_trip_is_loss_free(source: str) -> None:
    straight, resumed = _pause_resume(source)
    assert resumed == straight


def test_async_results_are_converted_like_posthog() -> None:
    paused = run_source("let r := fetch()\nprint(r, typeof(r.d), r.list.2)", async_functions={"fetch"})
    value = {"d": {"__hogDateTime__": True, "dt": 0, "zone": "UTC"}, "list": [1, {"a": None}]}
    done = resume(paused.paused.state, value, async_functions={"fetch"})
    assert done.output == ["{'d': DateTime(0.0, 'UTC'), 'list': [1, {'a': null}]} datetime {'a': null}"]


def test_posthog_error_object_in_state_is_a_plain_dict_like_in_posthog() -> None:
    state = copy.deepcopy({**LAMBDA_SLEEP_STATE, "syncDuration": 0})
    state["stack"][0] = {"__hogError__": True, "type": "Error", "message": "m", "payload": None}
    state["bytecodes"] = {"root": {"bytecode": ["_H", 1, 33, 2, 2, "sleep", 1, 35, 36, 0, 49]}}
    state["callStack"][0]["ip"] = 7
    state["stack"] = state["stack"][:1]
    with pytest.raises(HogRuntimeError, match="Can not throw: value is not of type Error"):
        resume(state, None)


def test_state_annotations_are_only_added_when_needed() -> None:
    paused = run_source("let t := (1, 2)\nlet x := [t, t]\npause()", async_functions={"pause"})
    annotations = paused.paused.state["hoglite"]["annotations"]
    assert ["tuple", ["s", 0]] in annotations
    assert ["ref", ["s", 1, 0], ["s", 0]] in annotations
    assert paused.paused.state["stack"][1] == [[1, 2], [1, 2]]  # PostHog reads plain copies


def test_invalid_states() -> None:
    with pytest.raises(HogRuntimeError, match="Invalid paused state"):
        resume({"nope": 1}, None)
    with pytest.raises(HogRuntimeError, match="no root bytecode"):
        resume({"stack": [], "bytecodes": {}}, None)


# ---------------------------------------------------------------------------------------------------
# JSON <-> Hog values, and the memory estimate


def test_from_json_value_markers_and_copies() -> None:
    data = {"a": [1, {"b": 2}], "t": (1, 2), "d": {"__hogDate__": True, "year": 2024, "month": 5, "day": 3},
            "dt": {"__hogDateTime__": True, "dt": 1.5, "zone": "UTC"},
            "c": {"__hogClosure__": True, "callable": {"__hogCallable__": "local", "name": "f", "argCount": 1,
                                                      "upvalueCount": 0, "ip": 3, "chunk": "root"}, "upvalues": []},
            "e": {"__hogError__": True, "type": "Error", "message": "m", "payload": None},
            "big": 2**60}
    value = from_json_value(data)
    assert value["a"] == [1, {"b": 2}] and value["a"] is not data["a"]
    assert value["t"] == (1, 2)
    assert isinstance(value["d"], HogDate) and isinstance(value["dt"], HogDateTime)
    assert isinstance(value["c"], Closure) and value["c"].callable == Callable("local", "f", 1, 0, 3, "root")
    assert type(value["e"]) is dict  # as PostHog: an error object from the host is a plain dict
    assert value["big"] == float(2**60)


def test_from_json_value_rejects_unknown_types_and_deep_nesting() -> None:
    with pytest.raises(ValueConversionError):
        from_json_value({"x": {1, 2}})
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueConversionError, match="nested deeper"):
        from_json_value(deep)
    assert from_json_value(deep, max_depth=200_000) is not None  # iterative: no RecursionError


def test_to_json_value() -> None:
    cycle: dict[str, Any] = {"a": 1}
    cycle["self"] = cycle
    value = {"t": (1, 2), 1: "int", 2.5: "x", None: 0, "n": math.nan, "e": HogErrorValue("E", "m"), "c": cycle}
    assert to_json_value(value) == {"t": [1, 2], "1": "int", "2.5": "x", "null": 0, "n": None,
                                    "e": {"__hogError__": True, "type": "E", "message": "m", "payload": None},
                                    "c": {"a": 1, "self": None}}
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueConversionError):
        to_json_value(deep)


def test_value_cost() -> None:
    assert value_cost(None) == value_cost(1.5) == value_cost(True) == 8
    assert value_cost("abc") == 11 and value_cost("ü✓") == 10 and value_cost("😀") == 10
    assert value_cost({"key": "value"}) == 32
    assert value_cost([1, [2, "x"]]) == 8 + 8 + (8 + 8 + 9)
    cycle: list[Any] = [1]
    cycle.append(cycle)
    assert value_cost(cycle) == 8 + 8 + 8
    shared: Any = [1]
    for _ in range(200):  # 2**200 paths: the walk must not be exponential
        shared = [shared, shared]
    assert value_cost(shared, cap=10_000) > 10_000
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    assert value_cost(deep) == 8 * 100_001


def test_limits_are_a_frozen_dataclass_with_posthog_defaults() -> None:
    limits = Limits()
    assert (limits.timeout_seconds, limits.memory_bytes, limits.max_call_depth, limits.max_args,
            limits.max_async_steps, limits.max_ops) == (5.0, 64 * 1024 * 1024, 1000, 300, 100, None)
    with pytest.raises(AttributeError):
        limits.max_ops = 5  # type: ignore[misc]


def test_limit_error_is_runtime_error_subclass() -> None:
    with pytest.raises(HogLimitError):
        run_source("fun f() { return f() }\nf()")


def _arity_vectors() -> list[dict[str, Any]]:
    path = "/work/shared/spec/data/arity.json"
    with open(path) as handle:
        return [case for case in json.load(handle)["cases"] if "typescript" in case["implementations"]]


@pytest.mark.parametrize("call_site", ["CALL_GLOBAL", "CALL_LOCAL"])
def test_posthog_arity_vectors_at_both_call_sites(call_site: str) -> None:
    """spec/data/arity.json: the exact arity errors, for a direct call and for the built-in as a value."""
    wrong = []
    for case in _arity_vectors():
        bytecode = list(case["bytecode"])
        if call_site == "CALL_LOCAL":
            name, count = bytecode[-2], bytecode[-1]
            bytecode[-3:] = [32, name, 1, 1, 54, count]
        try:
            execute(bytecode)
            got = None
        except HogRuntimeError as error:
            got = error.message
        if got != case["expect"].get("error"):
            wrong.append((case["name"], got))
    assert not wrong


def test_import_runs_another_chunk_with_its_own_globals() -> None:
    program = {
        "bytecodes": {
            "root": {"bytecode": ["_H", 1, 32, "mod", 2, "import", 1, 2, "print", 1, 35, 32, "who", 1, 1, 38],
                     "globals": {"who": "root"}},
            "mod": {"bytecode": ["_H", 1, 32, "who", 1, 1, 38], "globals": {"who": "module"}},
        }
    }
    result = execute(program)
    assert result.output == ["module"] and result.value == "root"
    with pytest.raises(HogRuntimeError, match="Unknown chunk: nowhere"):
        execute(["_H", 1, 32, "nowhere", 2, "import", 1])
