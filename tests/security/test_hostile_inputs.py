"""Hostile files and requests at the CLI and the playground: malformed JSON, binary data, invalid
UTF-8, huge and deeply nested documents, template folders with bad fields. Each gets a clear error
(exit code 1 or 2 with a `hoglite: error:` / `template error:` line, or a 4xx JSON error), never a
traceback, an "internal error" (exit 3) or a 500.

Most cases call `hoglite.cli.main` in-process (the same code the console script runs); a few run the
real `hoglite` command in a subprocess. The weaknesses filed in notes/reports/security.md (internal
errors for odd JSON, a lone surrogate on stdout, undecodable or deep template files, a 500 for a huge
number) are fixed; their tests below pin the guarantees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from hoglite.cli import main

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from starlette.testclient import TestClient  # noqa: E402

from playground.app import MAX_BODY_BYTES, create_app  # noqa: E402

EVENT = {"uuid": "u1", "event": "signed_up", "distinct_id": "user-7", "properties": {}}
GOOD_METADATA = {"id": "template-probe", "name": "Probe", "type": "destination", "inputs_schema": []}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------
# hoglite run


@pytest.mark.parametrize(("name", "data", "message"), [
    ("bad.json", b'{"a": ', "hoglite: error: {path}: not valid JSON (Expecting value at line 1, column 7)"),
    ("binary.hog", b"\x00\xff\xfe\x01 binary",
     "hoglite: error: {path} is not UTF-8 text: 'utf-8' codec can't decode byte 0xff in position 1: invalid start byte"),
    ("binary.json", b"\x00\xff\xfe\x01",
     "hoglite: error: {path} is not UTF-8 text: 'utf-8' codec can't decode byte 0xff in position 1: invalid start byte"),
    ("latin1.hog", b'print("\xe9")',
     "hoglite: error: {path} is not UTF-8 text: 'utf-8' codec can't decode byte 0xe9 in position 7: invalid "
     "continuation byte"),
    ("list.json", b"[1, 2]", 'hoglite: error: {path}: bytecode must be a JSON array starting with "_H" (or legacy "_h")'),
    ("string.json", b'"_H"', 'hoglite: error: {path}: expected a bytecode array or a compiled program object with "bytecode"'),
])
def test_run_refuses_files_that_are_not_programs(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                  data: bytes, message: str) -> None:
    path = write(tmp_path / name, data)
    code, out, err = cli(capsys, "run", str(path))
    assert code == 1
    assert out == ""
    assert err.strip() == message.format(path=path)


@pytest.mark.parametrize(("source", "message"), [
    ("return 1\x00", "syntax error: Unexpected character U+0000"),
    ("return " + "[" * 100_000 + "]" * 100_000, "syntax error: Program is nested too deeply (more than 200 levels of brackets)"),
    ("return '" + "a" * 5_000_001 + "'", "syntax error: Source is too long (5000010 characters, limit 5000000)"),
], ids=["nul", "nesting", "huge"])
def test_run_reports_hostile_source_as_a_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      source: str, message: str) -> None:
    path = write(tmp_path / "attack.hog", source)
    code, _, err = cli(capsys, "run", str(path))
    assert code == 1
    assert err.splitlines()[0] == message


def test_run_bytecode_errors_are_runtime_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "loop.json", json.dumps(["_H", 1, 33, 1, 43, 10**9]))
    code, _, err = cli(capsys, "run", str(path))
    assert code == 1
    assert err.strip() == "runtime error: Invalid HogQL bytecode, stack is empty, can not pop"


@pytest.mark.parametrize(("data", "message"), [
    (b"[1]", "hoglite: error: {path}: globals must be a JSON object"),
    (b'{"a": ', "hoglite: error: {path}: not valid JSON (Expecting value at line 1, column 7)"),
    (b"\xff\xfe", "hoglite: error: {path} is not UTF-8 text: 'utf-8' codec can't decode byte 0xff in position 0: "
                  "invalid start byte"),
])
def test_run_refuses_bad_globals(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str) -> None:
    program = write(tmp_path / "ok.hog", "return 1")
    globals_ = write(tmp_path / "globals.json", data)
    code, _, err = cli(capsys, "run", str(program), "--globals", str(globals_))
    assert code == 1
    assert err.strip() == message.format(path=globals_)


def test_run_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "run", str(tmp_path / "nope.hog"))
    assert code == 2
    assert err.strip() == f"hoglite: error: file not found: {tmp_path / 'nope.hog'}"


def test_run_binary_file_in_a_subprocess(tmp_path: Path) -> None:
    path = write(tmp_path / "binary.hog", b"\x7fELF\x02\x01\x01\x00\xff")
    done = subprocess.run([sys.executable, "-m", "hoglite.cli", "run", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"hoglite: error: {path} is not UTF-8 text")


SPAN_SHAPE = "must be a span: 6 non-negative integers [start, end, line, column, end_line, end_column]"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("deep.json", "[" * 100_000 + "]" * 100_000, "not valid JSON (nested too deeply)"),
    ("deep-operand.json", '["_H", 1, 33, ' + "[" * 100_000 + "]" * 100_000 + ", 38]",
     "not valid JSON (nested too deeply)"),
    ("bigint.json", '["_H", 1, 33, ' + "9" * 5000 + ", 38]",
     "not valid JSON (a number with 5000 digits is too long; at most 4300 digits)"),
    ("map-int.json", '{"bytecode": ["_H", 1, 33, 1, 38], "source_map": 5}',
     "Invalid compiled program: 'source_map' must be an object of bytecode index -> span"),
    ("map-key.json", '{"bytecode": ["_H", 1, 33, 1, 38], "source_map": {"x": [1]}}',
     """Invalid compiled program: 'source_map["x"]': the key must be a bytecode index (a non-negative integer)"""),
    ("map-span.json", '{"bytecode": ["_H", 1, 2, "nope", 0], "source_map": {"2": [1, 2]}}',
     f"""Invalid compiled program: 'source_map["2"]' {SPAN_SHAPE}"""),
    ("warnings-int.json", '{"bytecode": ["_H", 1, 33, 1, 38], "warnings": 5}',
     """Invalid compiled program: 'warnings' must be a list of {"message", "span"} objects"""),
    ("warnings-item.json", '{"bytecode": ["_H", 1, 33, 1, 38], "warnings": [{"a": 1}]}',
     "Invalid compiled program: 'warnings[0].message' must be a string"),
], ids=["deep", "deep-operand", "bigint", "map-int", "map-key", "map-span", "warnings-int", "warnings-item"])
def test_run_refuses_odd_json_with_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                 data: str, message: str) -> None:
    path = write(tmp_path / name, data)
    code, _, err = cli(capsys, "run", str(path))
    assert code in (1, 2), err
    assert "internal error" not in err
    assert code == 1
    assert err.strip() == f"hoglite: error: {path}: {message}"


def test_run_prints_a_lone_surrogate_as_a_backslash_escape(tmp_path: Path) -> None:
    path = write(tmp_path / "surrogate.json", '["_H", 1, 32, "\\ud800", 2, "print", 1]')
    done = subprocess.run([sys.executable, "-m", "hoglite.cli", "run", str(path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert "UnicodeEncodeError" not in done.stderr, done.stderr
    assert done.returncode == 0
    assert done.stdout == "\\ud800\n"
    assert done.stderr == ""


# ---------------------------------------------------------------------------------------------------
# hoglite invoke / hoglite test on bad template folders


def template_folder(root: Path, name: str, *, metadata: Any = GOOD_METADATA, raw_metadata: bytes | None = None,
                    code: str | bytes | None = "return 1\n", tests: dict[str, bytes] | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    if raw_metadata is not None:
        write(folder / "template.json", raw_metadata)
    else:
        write(folder / "template.json", json.dumps(metadata))
    if code is not None:
        write(folder / "template.hog", code)
    for case, data in (tests or {}).items():
        write(folder / "tests" / f"{case}.json", data)
    return folder


@pytest.fixture()
def event_file(tmp_path: Path) -> Path:
    return write(tmp_path / "event.json", json.dumps(EVENT))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"raw_metadata": b'{"id": '}, "template error: Invalid JSON: Expecting value (line 1, column 8)"),
    ({"raw_metadata": b"[1, 2]"}, "template error: A template must be a JSON object."),
    ({"code": None}, "template error: Missing template.hog in the template folder."),
    ({"code": "return ("}, "template error: Hog code has errors: Unexpected end of input: expected an expression "
                           "(line 1, column 9)"),
    ({"code": b"\x00\x01\x02"}, "template error: Hog code has errors: Unexpected character U+0000 (line 1, column 1)"),
    ({"metadata": {"id": 5, "name": None, "inputs_schema": {"a": 1}}}, "template error: 'id' must be a non-empty string."),
    ({"metadata": {"id": "t", "name": "n", "inputs_schema": [{"key": None, "type": 5}]}},
     "template error: Input key None must be an identifier (letters, digits, _ and $)."),
    ({"metadata": {"id": "t", "name": "n", "filters": {"events": [{"id": 5, "properties": "x"}], "actions": 5}}},
     "template error: 'actions' must be a list."),
], ids=["malformed", "list", "no-code", "syntax", "binary-code", "fields", "schema", "filters"])
def test_invoke_bad_template_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str], event_file: Path,
                                     kwargs: dict[str, Any], message: str) -> None:
    folder = template_folder(tmp_path, "bad", **kwargs)
    code, out, err = cli(capsys, "invoke", str(folder), "--event", str(event_file))
    assert code == 1
    assert out == ""
    assert err.splitlines()[0] == message


def test_test_command_reports_a_broken_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = template_folder(tmp_path, "bad", raw_metadata=b'{"id": ')
    code, out, _ = cli(capsys, "test", str(folder))
    assert code == 1
    assert out.splitlines() == [
        f"FAIL {folder}: the template does not load",
        f"  {folder / 'template.json'}: Invalid JSON: Expecting value (line 1, column 8)",
        "0 passed, 0 failed, 1 template broken (1 template)",
    ]


NOT_UTF8 = "Not UTF-8 text: 'utf-8' codec can't decode byte 0xff in position {}: invalid start byte"


@pytest.mark.parametrize(("kwargs", "command", "file", "message"), [
    ({"raw_metadata": b"\x00\xff\xfe\x01"}, "invoke", "template.json", NOT_UTF8.format(1)),
    ({"raw_metadata": b"\x00\xff\xfe\x01"}, "test", "template.json", NOT_UTF8.format(1)),
    ({"raw_metadata": b"[" * 100_000}, "invoke", "template.json", "Invalid JSON: nested too deeply."),
    ({"raw_metadata": b'{"id": ' + b"9" * 5000 + b"}"}, "invoke", "template.json",
     "Invalid JSON: a number with 5000 digits is too long (at most 4300 digits)."),
    ({"code": b'return "\xff"'}, "invoke", "template.hog:code", NOT_UTF8.format(8)),
    ({"code": b'return "\xff"'}, "test", "template.hog:code", NOT_UTF8.format(8)),
    ({"tests": {"bin": b"\xff\xfe"}}, "test", "tests/bin.json", NOT_UTF8.format(0)),
    ({"tests": {"deep": b"[" * 100_000}}, "test", "tests/deep.json", "Invalid JSON: nested too deeply."),
], ids=["binary-json-invoke", "binary-json-test", "deep-json", "bigint", "latin1-code-invoke", "latin1-code-test",
        "binary-case", "deep-case"])
def test_bad_template_files_are_template_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                event_file: Path, kwargs: dict[str, Any], command: str, file: str,
                                                message: str) -> None:
    folder = template_folder(tmp_path, "bad", **kwargs)
    args = ["invoke", str(folder), "--event", str(event_file)] if command == "invoke" else ["test", str(folder)]
    code, out, err = cli(capsys, *args)
    assert code == 1
    assert "internal error" not in err, err
    if command == "invoke":
        assert out == ""
        assert err.splitlines()[0] == f"template error: {message}"
    else:
        assert out.splitlines() == [
            f"FAIL {folder}: the template does not load",
            f"  {folder / file}: {message}",
            "0 passed, 0 failed, 1 template broken (1 template)",
        ]


# ---------------------------------------------------------------------------------------------------
# The playground API


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    work = tmp_path_factory.mktemp("hostile-playground")
    return TestClient(create_app(templates_dirs=[], workdir=work, host="testserver"), raise_server_exceptions=False)


def raw_post(client: TestClient, body: bytes, content_type: str = "application/json") -> Any:
    return client.post("/api/run", content=body, headers={"content-type": content_type})


@pytest.mark.parametrize(("body", "content_type", "status", "message"), [
    (b"\xff\xfe", "application/json", 400, "The request body is not UTF-8 text."),
    (b"[" * 100_000, "application/json", 400, "The request body is nested too deeply."),
    (b'{"a": ', "application/json", 400, "The request body is not valid JSON: Expecting value (line 1, column 7)."),
    (b"[1, 2]", "application/json", 400, "The request body must be a JSON object."),
    (b"{}", "text/plain", 415, "Send the request body as JSON (Content-Type: application/json)."),
    (b"{}", "application/json", 400, "'template' must name a template (a ref from GET /api/templates)."),
    (b'{"template": "../../etc"}', "application/json", 404,
     "Unknown template '../../etc'; GET /api/templates lists the known ones."),
    (b" " * (MAX_BODY_BYTES + 1), "application/json", 413, f"The request body is too large (at most {MAX_BODY_BYTES} bytes)."),
], ids=["not-utf8", "deep", "malformed", "array", "content-type", "no-template", "path", "too-large"])
def test_playground_refuses_bad_bodies(client: TestClient, body: bytes, content_type: str, status: int,
                                       message: str) -> None:
    response = raw_post(client, body, content_type)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message


def run_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"template": "blank", "source": "return 1", "metadata": GOOD_METADATA, "event": EVENT}
    body.update(overrides)
    return body


@pytest.mark.parametrize(("overrides", "status", "message"), [
    ({"source": 5}, 400, "'source' must be a string of Hog code."),
    ({"source": "x" * 200_001}, 413, "The source is too large: 200001 characters (at most 200000)."),
    ({"event": [1]}, 422, "The event must be a JSON object (a PostHog event, or globals)."),
    ({"inputs": [1]}, 422, "'inputs' must be a JSON object of input values."),
    ({"fetch_mode": ["mock"]}, 400, "'fetch_mode' must be one of: mock, real."),
    ({"mocks": "bad"}, 422, "Mocked responses: the mock file must hold a JSON object"),
    ({"metadata": [1]}, 400, "'metadata' must be a JSON object (the content of template.json)."),
    ({"metadata": {"id": 5}}, 422, "template.json is not valid (id): 'id' must be a non-empty string."),
    ({"metadata": {**GOOD_METADATA, "inputs_schema": "bad"}}, 422,
     "template.json is not valid (inputs_schema): 'inputs_schema' must be a list."),
    ({"metadata": {**GOOD_METADATA, "filters": {"events": "bad"}}}, 422,
     "template.json is not valid (filters.events): 'events' must be a list."),
    ({"metadata": {**GOOD_METADATA, "masking": {"ttl": "x"}}}, 422,
     "template.json is not valid (masking.hash): 'masking.hash' must be a non-empty template string."),
], ids=["source-type", "source-size", "event", "inputs", "fetch-mode", "mocks", "metadata-type", "id", "schema",
        "filters", "masking"])
def test_playground_refuses_bad_fields(client: TestClient, overrides: dict[str, Any], status: int, message: str) -> None:
    response = client.post("/api/run", json=run_body(**overrides))
    assert response.status_code == status
    assert response.json()["error"]["message"] == message


def test_playground_reports_hostile_event_shapes(client: TestClient) -> None:
    response = client.post("/api/run", json=run_body(event={"event": 5, "properties": [1, 2], "distinct_id": {}}))
    assert response.status_code == 200
    assert response.json()["error"]["message"] == "event.properties: 'properties' must be an object."


def test_playground_runs_hostile_code_inside_the_sandbox(client: TestClient) -> None:
    response = client.post("/api/run", json=run_body(source="let i := 0\nwhile (true) { i := i + 1 }"))
    assert response.status_code == 200
    data = response.json()
    assert data["outcome"] == "error"
    assert data["error"]["message"].startswith("Execution timed out after 0.5 seconds. Performed ")


def test_playground_refuses_a_5000_digit_number_with_a_400(client: TestClient) -> None:
    response = raw_post(client, b'{"template": "blank", "n": ' + b"9" * 5000 + b"}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == (
        "The request body holds a number with 5000 digits; at most 4300 digits are accepted.")


def test_playground_refuses_a_content_length_too_long_for_int(client: TestClient) -> None:
    response = client.post("/api/run", content=b"{}",
                           headers={"content-type": "application/json", "content-length": "9" * 5000})
    assert response.status_code == 413
    assert response.json()["error"]["message"] == f"The request body is too large (at most {MAX_BODY_BYTES} bytes)."
