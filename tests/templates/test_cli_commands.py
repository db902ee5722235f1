"""`hoglite test` and `hoglite invoke` (the functions the CLI wires in)."""

from __future__ import annotations

import argparse
import io
import json
import shutil
from pathlib import Path

import pytest

from hoglite.testing.cli_commands import add_invoke_command, add_test_command

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="hoglite")
    sub = parser.add_subparsers()
    add_test_command(sub)
    add_invoke_command(sub)
    args = parser.parse_args(argv)
    out = io.StringIO()
    return args.func(args, out), out.getvalue()


def test_all_shipped_templates_pass() -> None:
    code, out = run(["test", str(ROOT / "templates")])
    assert code == 0
    assert out.splitlines()[-1] == "78 passed, 0 failed (6 templates)"


def test_failure_shows_a_diff(tmp_path: Path) -> None:
    folder = tmp_path / "webhook"
    shutil.copytree(ROOT / "templates" / "webhook", folder)
    case = folder / "tests" / "03-put-with-headers.json"
    data = json.loads(case.read_text())
    data["expect"]["fetches"][0]["body"] = {"plan": "basic"}
    case.write_text(json.dumps(data))
    code, out = run(["test", str(folder), "-k", "03-"])
    assert code == 1
    assert out.splitlines()[:4] == [
        f"FAIL template-webhook/03-put-with-headers ({case})",
        "  fetches[0] (PUT https://example.com/hook).body:",
        '    expected: {"plan": "basic"}',
        '    actual:   {"plan": "pro"}',
    ]
    assert out.splitlines()[-1] == "0 passed, 1 failed (1 template)"


def test_broken_template_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "template.json").write_text('{"id": "x", "name": "X", "inputs_schema": [{"key": "a", "type": "nope"}]}')
    (folder / "template.hog").write_text("return 1\n")
    code, out = run(["test", str(tmp_path)])
    assert code == 1
    assert f"{folder / 'template.json'}:inputs_schema[0] (a).type: Unknown input type 'nope'" in out


def test_invoke_prints_logs_fetches_and_outcome(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"oauth": {"access_token": "tok-1", "app.region": "US"}}))
    mocks = tmp_path / "mocks.json"
    mocks.write_text(json.dumps({"routes": [
        {"url": "https://api.intercom.io/contacts/search", "response": {"status": 200, "body": {"total_count": 0}}},
        {"url": "https://api.intercom.io/contacts", "response": {"status": 200, "body": {"id": "c1"}}}]}))
    template = ROOT / "templates" / "intercom"
    code, out = run(["invoke", str(template), "--event", str(template / "samples" / "identify.json"),
                     "--inputs", str(inputs), "--mock", str(mocks)])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Logs:"
    assert "  1. POST https://api.intercom.io/contacts/search" in lines
    assert "       Authorization: Bearer ***REDACTED***" in lines
    assert "  2. POST https://api.intercom.io/contacts" in lines
    assert '       -> 200 {"id": "c1"}' in lines
    assert lines[-1] == "Outcome: ok"
    assert "tok-1" not in out


def test_invoke_json_and_error_exit(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"event": "$pageview", "properties": {}}))
    code, out = run(["invoke", str(ROOT / "templates" / "intercom-event"), "--event", str(event), "--json"])
    data = json.loads(out)
    assert code == 1
    assert data["outcome"] == "error" and data["stage"] == "inputs"
    assert data["error"] == "Input 'oauth': This field is required."


def test_invoke_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["invoke", "no-such-template", "--event", "x.json"])
    assert code == 2
    assert "no template 'no-such-template'" in capsys.readouterr().err
    code, _ = run(["test", "/no/such/dir"])
    assert code == 2
