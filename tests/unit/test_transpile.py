"""The JavaScript back end: shape of the output, semantics under node (against the VM), errors, formats.

Programs run in one node process per test module (`run_node_batch`) or through a `NodeSession`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hoglite.errors import HogRuntimeError, HogSyntaxError, UncaughtHogError
from hoglite.transpile.javascript import js_identifier, js_string, transpile_source
from hoglite.transpile.node import NodeJob, NodeSession, run_node_batch
from hoglite.transpile.runtime import hog_stl_arities, native_arities, unsupported_natives

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is required")


def vm_transcript(source: str, globals_: dict | None = None) -> str:
    """What hoglite's VM prints for `source`, in the conformance transcript format."""
    from hoglite.compiler import compile_source
    from hoglite.vm import DefaultHost, RunOptions, execute
    from hoglite.vm.values import print_value

    program = compile_source(source)
    host = DefaultHost()
    tail = ""
    try:
        result = execute(program, RunOptions(globals=globals_ or {}, host=host))
        if result.value is not None:
            tail = f"RETURN: {print_value(result.value)}\n"
    except UncaughtHogError as error:
        escaped = str(error.error_message).replace("'", "\\'")
        tail = f"ERROR: {error.error_type}('{escaped}')\n"
    except HogRuntimeError as error:
        tail = f"ERROR: {error.message}\n"
    return "".join(line + "\n" for line in host.output) + tail


def js_transcripts(sources: dict[str, str]) -> dict[str, str]:
    jobs = [NodeJob(name, transpile_source(text, format="runner").code) for name, text in sources.items()]
    out = {}
    for name, result in run_node_batch(jobs).items():
        tail = ""
        if result.result is not None:
            tail = f"RETURN: {result.result}\n"
        if result.error_kind == "uncaught":
            escaped = str(result.error_message).replace("'", "\\'")
            tail = f"ERROR: {result.error_type}('{escaped}')\n"
        elif result.error is not None:
            tail = f"ERROR: {result.error}\n"
        out[name] = "".join(line + "\n" for line in result.lines) + tail
    return out


# ---------------------------------------------------------------------------------------------------
# Shape of the output


def program_body(source: str) -> str:
    code = transpile_source(source, format="module").code
    start = code.index("function __program(__rt) {")
    return code[start : code.index("\n}\n", start) + 3]


def test_output_keeps_names_and_one_statement_per_line() -> None:
    body = program_body("let total := 1 + 2\nlet name := 'hog'\nprint(total, name)\n")
    assert body == (
        "function __program(__rt) {\n"
        "  let total = __plus(1, 2);\n"
        '  let name = "hog";\n'
        "  __stl_print(__rt, total, name);\n"
        "  return null;\n"
        "}\n"
    )


def test_functions_become_closures_and_calls_keep_the_vms_order() -> None:
    body = program_body("fun add(a, b) { return a + b }\nprint(add(1, 2) * add(3, 4))\n")
    assert "  let add = __fn(\"add\", 2, function (a, b) {\n    return __plus(a, b);\n" in body
    # The VM evaluates the right operand first: the RL helper takes it first.
    assert "__multiplyRL(__call(__rt, [3, 4], add), __call(__rt, [1, 2], add))" in body


def test_lambdas_are_arrow_functions() -> None:
    body = program_body("let double := x -> x * 2\n")
    assert 'let double = __fn("lambda", 1, (x) => __multiply(x, 2));' in body


def test_shadowing_declaration_gets_a_fresh_name() -> None:
    # Reading the outer x before the inner declaration must not hit JavaScript's temporal dead zone.
    body = program_body("let x := 1\n{\n  print(x)\n  let x := 2\n  print(x)\n}\n")
    assert "__stl_print(__rt, x);" in body
    assert "let __v1_x = 2;" in body
    assert "__stl_print(__rt, __v1_x);" in body


def test_only_used_standard_library_is_included() -> None:
    code = transpile_source("print(upper('a'))", format="module").code
    assert "function __stl_upper(" in code
    assert "function __stl_lower(" not in code
    assert "function __stl_sha256Hex(" not in code
    assert "__dateArithmetic" not in code


def test_quoting_functions() -> None:
    assert js_string('a"b\n\u2028</script>') == '"a\\"b\\n\\u2028\\u003c/script>"'
    assert js_identifier("total") == "total"
    assert js_identifier("__rt") is None
    assert js_identifier("class") is None
    assert js_identifier("a b") is None
    assert js_identifier("héllo") is None


def test_every_builtin_has_a_javascript_implementation() -> None:
    assert unsupported_natives() == frozenset()
    assert "print" in native_arities()
    assert hog_stl_arities()["arrayMap"] == 2


def test_async_only_where_the_program_calls_an_async_function() -> None:
    sync = transpile_source("fun f() { return 1 }\nprint(f())", format="module")
    assert not sync.is_async
    assert "async function __program" not in sync.code
    asynchronous = transpile_source("fun f() { return fetch('https://x') }\nprint(f())", format="module")
    assert asynchronous.is_async
    assert "async function __program" in asynchronous.code
    assert "(await __callAsync(__rt, [], f))" in asynchronous.code


# ---------------------------------------------------------------------------------------------------
# Semantics: the same transcript as the VM

PROGRAMS = {
    "arith": "print(1 + 2, 7 / 2, 7 % 3, -7 % 3, 2 * 3.5, 1 / 0, -1 / 0, 0 / 0, '3' + 4, null + 1, [1] * 2)",
    "compare": "print(1 == '1', 'a' < 'b', [1, 2] < [1, 3], [1, 2] == [1, 2], null == 0, true == 1, 1 between 0 and 2)",
    "indexing": "let a := [1, 2, 3]\nprint(a[1], a[-1], a[4], a.length, 'abc'[1], {'k': 1}.k, (1, 2).2)",
    "closures": (
        "let fs := []\nfor (let i := 0; i < 3; i := i + 1) { let j := i\n fs := arrayPushBack(fs, () -> j) }\n"
        "print(arrayMap(f -> f(), fs))\nlet c := 0\nlet inc := () -> { c := c + 1 }\ninc()\ninc()\nprint(c)"
    ),
    "catch": (
        "try { throw HogError('Custom', 'm', {'p': 1}) } catch (e: Other) { print('no') } "
        "catch (err: Custom) { print(err.type, err.message, err.payload, type, e) }\n"
        "let z := 0\ntry { print([][z]) } catch (e) { print('never') }"
    ),
    "uncaught": "print('before')\nthrow RetryError('it\\'s bad')",
    "strings": "print(f'x={1 + 1}!', 'a' || 'b', concat('a', null, 1), lower('ÀB'), length('😀'), trim('  x  '))",
    "dicts": "let d := {'a': 1}\nd.b := [1]\nd.b[2] := 5\nprint(d, keys(d), values(d), d.zz, d?.a)",
    "builtins_as_values": "let p := print\np('via value')\nprint(p, arrayMap, concat)",
    "recursion": "fun f(n) { return f(n + 1) }\nf(1)",
    "return": "let x := {'a': [1, (2, 3)]}\nreturn x",
    "json": "print(jsonStringify({'a': [1, 'x', null]}), jsonParse('{\"b\": 2}'), jsonParse('[1,'))",
    "dates": (
        "let d := toDateTime('2024-03-10T12:00:00Z')\n"
        "print(d, toString(toTimeZone(d, 'America/New_York')), formatDateTime(d, '%Y-%m-%d %H:%i'), "
        "dateDiff('day', '2024-01-01', d), toDate(d))"
    ),
    "globals_missing": "print(event)",
    "for_in": "for (let k, v in {'a': 1, 'b': 2}) { print(k, v) }\nfor (let v in [3, 4]) print(v)",
    "while": "let i := 0\nwhile (i < 3) { i := i + 1 }\nprint(i, not true, true and false, false or 1)",
    "hog_stl_value_call": "let m := arrayFilter\nprint(m, arrayFilter(x -> x > 1, [1, 2]))\nm(x -> x, [1])",
    "invalid_closure": (
        "let v := [-0.0, 1e21, 0 / 0, {'a': 1}, Error('m'), Error('m', {'p': [1]}), upper, arrayMap, sleep]\nv(1)"
    ),
    "error_cycles": (
        "let box := [1]\nlet err := Error('cyc', box)\nbox[2] := err\nprint(err, box)\n"
        "print(HogError(true, 'm'), HogError([1, [2, null]], 'm', 1), HogError({'a': 1}, 'm'))"
    ),
    "string_index": "let a := [1, 2, 3]\nprint(a['0'], a['2'], a['3'], a['01'], a['-1'], a['1.0'], (4, 5)['1'])",
    "uncaught_true": "throw HogError(true, 'm')",
}


@pytest.fixture(scope="module")
def transcripts() -> dict[str, str]:
    return js_transcripts(PROGRAMS)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_transcript_as_the_vm(name: str, transcripts: dict[str, str]) -> None:
    assert transcripts[name] == vm_transcript(PROGRAMS[name])


def test_known_transcripts(transcripts: dict[str, str]) -> None:
    assert transcripts["uncaught"] == "before\nERROR: RetryError('it\\'s bad')\n"
    assert transcripts["recursion"] == "ERROR: Call stack exceeded maximum length of 1000\n"
    assert transcripts["globals_missing"] == "ERROR: Global variable not found: event\n"
    assert transcripts["return"] == "RETURN: {'a': [1, (2, 3)]}\n"
    assert transcripts["hog_stl_value_call"] == "fn<arrayFilter(2)> [2]\nERROR: Unsupported function call: arrayFilter\n"
    assert transcripts["error_cycles"] == (
        "Error('cyc', [1, Error('cyc', null)]) [1, Error('cyc', null)]\ntrue('m') 1,2,('m', 1) [object Map]('m')\n"
    )
    assert transcripts["string_index"] == "1 3 null null null null 5\n"
    assert transcripts["uncaught_true"] == "ERROR: true('m')\n"
    assert transcripts["invalid_closure"] == (
        'ERROR: Invalid closure: [0,1e+21,null,{},{"__hogError__":true,"type":"Error","message":"m"},'
        '{"__hogError__":true,"type":"Error","message":"m","payload":{}},'
        '{"__hogClosure__":true,"callable":{"__hogCallable__":"stl","name":"upper","chunk":"stl","argCount":1,'
        '"upvalueCount":0,"ip":-1},"upvalues":[]},'
        '{"__hogClosure__":true,"callable":{"__hogCallable__":"stl","name":"arrayMap","chunk":"stl/arrayMap",'
        '"argCount":2,"upvalueCount":0,"ip":0},"upvalues":[]},'
        '{"__hogClosure__":true,"callable":{"__hogCallable__":"async","name":"sleep","chunk":"async","argCount":1,'
        '"upvalueCount":0,"ip":-1},"upvalues":[]}]\n'
    )


def test_conformance_rules_where_the_oracle_decides() -> None:
    # Containers compare by identity (except arrays of finite numbers), as the conformance suite pins;
    # dates move by intervals (hog-language.md §11b).
    source = (
        "let d := {}\nprint({} == {}, d == d, ['a'] == ['a'], [1] in [[1]])\n"
        "print(toDateTime('2024-01-01T00:00:00Z') + toIntervalDay(2), toDate('2024-01-31') - toIntervalMonth(1))"
    )
    out = js_transcripts({"p": source})["p"]
    assert out == "false true false false\nDateTime(1704240000.0, 'UTC') Date(2023, 12, 31)\n"


def test_globals_are_passed_in_and_deep_copied() -> None:
    source = "let e := event\ne.properties.x := 2\nprint(event.properties.x, e.properties.x, event.list.2, person)"
    globals_ = {"event": {"properties": {"x": 1}, "list": [1, "b"]}, "person": None}
    code = transpile_source(source, format="runner").code
    result = run_node_batch([NodeJob("g", code, globals_)])["g"]
    assert result.lines == ["1 2 b null"]
    assert vm_transcript(source, globals_) == "1 2 b null\n"


# ---------------------------------------------------------------------------------------------------
# Errors at transpile time (positioned), never at run time


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ("let a := 1\ntry { a := 2 } catch { } finally { a := 3 }", "finally blocks are not yet supported", 2, 34),
        ("print(1)\nlet x := import('m')", "import() is not supported by the JavaScript back end", 2, 10),
        ("let a := 1\nlet a := 2", "Variable `a` already declared in this scope", 2, 1),
        ("x := 1", 'Variable "x" not declared in this scope. Can not assign to globals.', 1, 1),
        ("print([1][0])", "Array access starts from 1", 1, 11),
    ],
)
def test_rejected_programs_fail_at_transpile_time(source: str, message: str, line: int, column: int) -> None:
    with pytest.raises(HogSyntaxError) as caught:
        transpile_source(source, name="bad.hog", format="script")
    assert caught.value.message == message
    assert (caught.value.span.line, caught.value.span.column) == (line, column)
    assert "bad.hog" in caught.value.render()


def test_too_deeply_nested_programs_are_rejected_with_a_position() -> None:
    source = "print(" + "[" * 400 + "]" * 400 + ")"
    with pytest.raises(HogSyntaxError) as caught:
        transpile_source(source)
    assert caught.value.span is not None


# ---------------------------------------------------------------------------------------------------
# Formats: module and script


def test_module_exports_run_with_injected_globals_print_and_async_fetch(tmp_path: Path) -> None:
    source = (
        "let response := fetch(f'https://example.com/{event.id}', {'method': 'POST', 'body': {'n': 1}})\n"
        "print('status', response.status)\n"
        "return {'ok': response.status == 200, 'echo': response.body}"
    )
    module = tmp_path / "program.mjs"
    module.write_text(transpile_source(source, format="module").code, encoding="utf-8")
    driver = tmp_path / "driver.mjs"
    driver.write_text(
        "import { run } from './program.mjs';\n"
        "const lines = []; const calls = [];\n"
        "const result = await run({ event: { id: 7 } }, {\n"
        "  print: (line) => lines.push(line),\n"
        "  fetch: async (url, options) => { calls.push([url, options]); return { status: 200, body: 'pong' }; },\n"
        "});\n"
        "console.log(JSON.stringify({ lines, calls, result }));\n",
        encoding="utf-8",
    )
    completed = subprocess.run(["node", str(driver)], capture_output=True, text=True, check=True)
    data = json.loads(completed.stdout)
    assert data == {
        "lines": ["status 200"],
        "calls": [["https://example.com/7", {"method": "POST", "body": {"n": 1}}]],
        "result": {"ok": True, "echo": "pong"},
    }


def test_module_run_rejects_with_hog_errors(tmp_path: Path) -> None:
    module = tmp_path / "program.mjs"
    module.write_text(transpile_source("throw Error('nope', {'a': 1})", format="module").code, encoding="utf-8")
    driver = tmp_path / "driver.mjs"
    driver.write_text(
        "import { run, HogThrow, printValue } from './program.mjs';\n"
        "try { await run(); } catch (error) {\n"
        "  console.log(error instanceof HogThrow, error.message, printValue(error.value));\n"
        "}\n",
        encoding="utf-8",
    )
    completed = subprocess.run(["node", str(driver)], capture_output=True, text=True, check=True)
    assert completed.stdout == "true Error('nope') Error('nope', {'a': 1})\n"


SCRIPT_CASES = {
    "ok.hog": "print('hello')\nprint([1, 'two'])\n",
    "runtime.hog": "print('x')\nlet a := [1]\nlet i := 0\nprint(a[i])\n",
    "nested.hog": "fun f(x) {\n  return x.y[1 - 1]\n}\nprint(f({'y': [1]}))\n",
    "uncaught.hog": "print(1)\nthrow Error('bo\\'om')\n",
    "inbuiltin.hog": "print(arrayMap(x -> x.a[1 - 1], [{'a': [1]}]))\n",
    "zone.hog": "print(toDateTime('x', 'Nowhere/Zone'))\n",
    "depth.hog": "fun r(n) { return r(n + 1) }\nr(1)\n",
    "uncaught_type.hog": "throw HogError(true, 'it\\'s a back\\\\slash')\n",
    "backslash.hog": "fun f() {\n  throw HogError('A\\\\B', 'x\\\\y')\n}\nf()\n",
    "stl_value.hog": "let m := arrayMap\nprint(m(x -> x, [1]))\n",
}


@pytest.mark.parametrize("name", sorted(SCRIPT_CASES))
def test_script_prints_output_and_errors_exactly_as_hoglite_run(name: str, tmp_path: Path) -> None:
    from hoglite.transpile.cli import add_transpile_command

    path = tmp_path / name
    path.write_text(SCRIPT_CASES[name], encoding="utf-8")
    parser = __import__("argparse").ArgumentParser()
    add_transpile_command(parser.add_subparsers())
    script = tmp_path / (name + ".js")
    args = parser.parse_args(["transpile", "--format", "script", str(path), "-o", str(script)])
    assert args.handler(args) == 0
    node = subprocess.run(["node", str(script)], capture_output=True, text=True, cwd=tmp_path)
    vm = subprocess.run([sys.executable, "-m", "hoglite.cli", "run", str(path)], capture_output=True, text=True,
                        cwd=tmp_path)
    assert (node.stdout, node.stderr, node.returncode) == (vm.stdout, vm.stderr, vm.returncode)


def test_cli_reports_rejected_programs_with_a_caret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hoglite.transpile.cli import add_transpile_command

    path = tmp_path / "bad.hog"
    path.write_text("let a := 1\nlet a := 2\n", encoding="utf-8")
    parser = __import__("argparse").ArgumentParser()
    add_transpile_command(parser.add_subparsers())
    args = parser.parse_args(["transpile", str(path)])
    assert args.handler(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("syntax error: Variable `a` already declared in this scope\n")
    assert f"{path}:2:1" in err
    missing = parser.parse_args(["transpile", str(tmp_path / "nope.hog")])
    assert missing.handler(missing) == 2


def test_cli_writes_a_module_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hoglite.transpile.cli import add_transpile_command

    path = tmp_path / "ok.hog"
    path.write_text("print(1)\n", encoding="utf-8")
    parser = __import__("argparse").ArgumentParser()
    add_transpile_command(parser.add_subparsers())
    args = parser.parse_args(["transpile", str(path)])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("'use strict';\n")
    assert "export async function run(globals = {}, host = {})" in out


# ---------------------------------------------------------------------------------------------------
# Runtime limits and sleep


def test_infinite_loop_hits_the_time_limit() -> None:
    code = transpile_source("let i := 0\nwhile (true) { i := i + 1 }", format="runner").code
    with NodeSession() as session:
        result = session.run(NodeJob("loop", code, timeout_seconds=0.3))
    assert result.error_kind == "limit exceeded"
    assert result.error == "Execution timed out after 0.3 seconds."


def test_sleep_waits_and_returns_null() -> None:
    code = transpile_source("print(sleep(0.01), 'after')", format="runner").code
    result = run_node_batch([NodeJob("s", code)])["s"]
    assert result.lines == ["null after"]
