"""The `hoglite` command line, in process (`main(argv)`) and as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hoglite.cli import COMMANDS, main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | None = None,
            monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- run -------------------------------------------------------------------------------------------


def test_run_prints_program_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", str(EXAMPLES / "hello.hog")], capsys)
    assert (code, out, err) == (0, "Hello, Hog!\n1 + 2 = 3\n", "")


def test_run_does_not_print_the_result_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "ret.hog", "print('out') return {'a': [1, 'x']}")
    assert run_cli(["run", path], capsys) == (0, "out\n", "")
    assert run_cli(["run", path, "--result"], capsys) == (0, "out\n{'a': [1, 'x']}\n", "")


def test_run_result_flag_prints_nothing_for_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "null.hog", "print('only output')")
    assert run_cli(["run", path, "--result"], capsys) == (0, "only output\n", "")


def test_run_with_globals(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", str(EXAMPLES / "globals.hog"), "--globals",
                              str(EXAMPLES / "event.globals.json"), "--result"], capsys)
    assert code == 0, err
    assert out == ("ada@example.com viewed https://example.com/pricing\n"
                   "browser: Firefox\n"
                   "{'event': '$pageview', 'browser': 'Firefox'}\n")


def test_run_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(["run", "-"], capsys, stdin="print(1 + 2)", monkeypatch=monkeypatch) == (0, "3\n", "")


def test_run_runtime_error_renders_caret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "boom.hog", "print('before')\nlet i := 0\nprint([1, 2][i])\n")
    code, out, err = run_cli(["run", path], capsys)
    assert code == 1
    assert out == "before\n"  # output printed before the error is kept
    assert "Hog arrays start from index 1" in err
    assert f"{path}:3:" in err and "print([1, 2][i])" in err and "^" in err
    assert "Traceback" not in err


def test_run_uncaught_hog_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "throw.hog", "throw Error('nope')\n")
    code, out, err = run_cli(["run", path], capsys)
    assert code == 1 and out == ""
    assert "Error('nope')" in err and f"{path}:1:" in err
    assert "Traceback" not in err


def test_run_syntax_error_renders_caret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.hog", "let x := [1, 2]\nprint(x[0])\n")
    code, out, err = run_cli(["run", path], capsys)
    assert code == 1 and out == ""
    assert err.startswith("syntax error: Array access starts from 1\n")
    assert f"{path}:2:9" in err
    assert "2 | print(x[0])" in err
    assert "Traceback" not in err


def test_run_compile_error_from_stdin_names_stdin(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run_cli(["run", "-"], capsys, stdin="let a := 1\nlet a := 2\n", monkeypatch=monkeypatch)
    assert code == 1
    assert "Variable `a` already declared in this scope" in err
    assert "<stdin>:2:" in err


def test_run_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", "does/not/exist.hog"], capsys)
    assert code == 2 and out == ""
    assert err == "hoglite: error: file not found: does/not/exist.hog\n"


def test_run_missing_globals_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", str(EXAMPLES / "hello.hog"), "--globals", "nope.json"], capsys)
    assert code == 2 and "file not found: nope.json" in err


def test_run_globals_must_be_an_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    globals_path = write(tmp_path, "g.json", "[1, 2]")
    code, _, err = run_cli(["run", str(EXAMPLES / "hello.hog"), "--globals", globals_path], capsys)
    assert code == 1 and "globals must be a JSON object" in err


def test_run_bare_posthog_bytecode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # print(1 + 2) compiled by PostHog: ["_H", 1, 33, 2, 33, 1, 6, 2, "print", 1, 35]
    path = write(tmp_path, "prog.hoge", json.dumps(["_H", 1, 33, 2, 33, 1, 6, 2, "print", 1, 35]))
    assert run_cli(["run", path], capsys) == (0, "3\n", "")


def test_run_invalid_bytecode_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.json", '["nope"]')
    code, out, err = run_cli(["run", path], capsys)
    assert code == 1 and out == ""
    assert "must be a JSON array starting with \"_H\"" in err
    path = write(tmp_path, "broken.hoge", "[1, 2")
    code, _, err = run_cli(["run", path], capsys)
    assert code == 1 and "not valid JSON" in err


def test_compile_then_run_keeps_source_positions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, "prog.hog", "print('hi')\nlet i := 0\nprint([1][i])\n")
    compiled = str(tmp_path / "prog.hoge")
    assert run_cli(["compile", source, "--with-source-map", "-o", compiled], capsys) == (0, "", "")
    data = json.loads(Path(compiled).read_text())
    assert data["bytecode"][:2] == ["_H", 1] and data["source_map"]
    code, out, err = run_cli(["run", compiled], capsys)
    assert code == 1 and out == "hi\n"
    assert "Hog arrays start from index 1" in err and "print([1][i])" in err and "^" in err


def test_compile_prints_bare_bytecode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "add.hog", "print(1 + 2)")
    code, out, err = run_cli(["compile", path], capsys)
    assert code == 0 and err == ""
    assert json.loads(out) == ["_H", 1, 33, 2, 33, 1, 6, 2, "print", 1, 35]


def test_compile_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.hog", "try { print(1) }")
    code, out, err = run_cli(["compile", path], capsys)
    assert code == 1 and out == ""
    assert "try statement must have at least one catch block" in err and f"{path}:1:" in err


def test_disasm_from_source_and_bytecode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "add.hog", "print(1 + 2)")
    code, out, err = run_cli(["disasm", path], capsys)
    assert code == 0 and err == ""
    assert "PLUS" in out and "CALL_GLOBAL" in out and "print" in out
    bare = write(tmp_path, "add.json", json.dumps(["_H", 1, 33, 2, 33, 1, 6, 2, "print", 1, 35]))
    code, out2, _ = run_cli(["disasm", bare], capsys)
    assert code == 0 and "PLUS" in out2 and "INTEGER" in out2


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli([], capsys)
    assert code == 2 and "usage: hoglite" in err
    code, _, err = run_cli(["frobnicate"], capsys)
    assert code == 2 and "invalid choice" in err
    code, _, err = run_cli(["run"], capsys)
    assert code == 2 and "the following arguments are required: file" in err


def test_commands_registry_has_the_core_subcommands() -> None:
    assert {"run", "compile", "disasm"} <= set(COMMANDS)
    for entry in COMMANDS.values():
        assert entry.help and callable(entry.run) and callable(entry.configure)


def test_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    for example in sorted(EXAMPLES.glob("*.hog")):
        argv = ["run", str(example)]
        globals_file = EXAMPLES / "event.globals.json"
        if example.name == "globals.hog":
            argv += ["--globals", str(globals_file)]
        code, out, err = run_cli(argv, capsys)
        assert code == 0, f"{example.name}: {err}"
        assert out and err == ""


# --- as a subprocess -------------------------------------------------------------------------------


def _subprocess(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "hoglite.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120, check=False)


def test_subprocess_run_and_errors() -> None:
    done = _subprocess(["run", "examples/hello.hog"])
    assert (done.returncode, done.stdout, done.stderr) == (0, "Hello, Hog!\n1 + 2 = 3\n", "")
    done = _subprocess(["run", "-"], stdin="print('a')\nprint(nope)\n")
    assert done.returncode == 1 and done.stdout == "a\n"
    assert "Global variable not found: nope" in done.stderr and "<stdin>:2:" in done.stderr
    assert "Traceback" not in done.stderr
    done = _subprocess(["run", "missing.hog"])
    assert done.returncode == 2 and "file not found: missing.hog" in done.stderr


def test_run_and_compile_print_compiler_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "warn.hog", "let a := 1\na = 2\nprint(a)\n")
    code, out, err = run_cli(["run", path], capsys)
    assert (code, out) == (0, "1\n")
    assert err == f"{path}: warning: You must use ':=' for assignment instead of '='. (line 2, column 1)\n"
    code, out, err = run_cli(["compile", path], capsys)
    assert code == 0 and json.loads(out)[:2] == ["_H", 1]
    assert "You must use ':=' for assignment" in err


def test_run_legacy_bytecode_and_bytecode_on_stdin(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # version 0 pushes call arguments last-first: concat('a', 'b')
    path = write(tmp_path, "legacy.hoge", json.dumps(["_h", 32, "b", 32, "a", 2, "concat", 2, 2, "print", 1, 35]))
    assert run_cli(["run", path], capsys) == (0, "ab\n", "")
    code, out, err = run_cli(["run", "-", "--bytecode", "--result"], capsys,
                             stdin='["_H", 1, 33, 4, 33, 10, 7, 38]', monkeypatch=monkeypatch)
    assert (code, out, err) == (0, "6\n", "")


def test_run_rejects_json_that_is_not_a_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "x.json", '{"x": 1}')
    code, out, err = run_cli(["run", path], capsys)
    assert code == 1 and out == ""
    assert err == f'hoglite: error: {path}: expected a bytecode array or a compiled program object with "bytecode"\n'


def test_subprocess_reader_closing_the_pipe_is_not_an_error() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    program = "for (let i := 0; i < 200000; i := i + 1) { print('line', i) }"
    with subprocess.Popen([sys.executable, "-m", "hoglite.cli", "run", "-"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(program)
        proc.stdin.close()
        assert proc.stdout.readline() == "line 0\n"
        proc.stdout.close()  # like `| head -1`
        stderr = proc.stderr.read()
        assert proc.wait(timeout=120) == 0
    assert stderr == ""


def test_run_answers_fetch_from_a_mock_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "fetch.hog"
    program.write_text(
        "print('before')\n"
        "sleep(0)\n"
        "let r := fetch('https://api.example.com/x', {'method': 'GET'})\n"
        "print(r.status, r.body)\n"
        "print(fetch('https://api.example.com/other'))\n"
    )
    mock = tmp_path / "mock.json"
    mock.write_text(json.dumps({"https://api.example.com/x": {"status": 201, "body": {"ok": True}}}))
    assert main(["run", str(program), "--mock", str(mock)]) == 0
    assert capsys.readouterr().out == "before\n201 {'ok': true}\n{'status': 200, 'body': {}}\n"


def test_run_refuses_private_addresses_without_allow_host(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "fetch.hog"
    program.write_text("print(fetch('http://127.0.0.1:9/x').status)\n")
    assert main(["run", str(program)]) == 1
    err = capsys.readouterr().err
    assert "fetch" in err and "127.0.0.1" in err
    assert "Traceback" not in err
