"""The playground's JSON API (Starlette TestClient): good requests, and every kind of bad one."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from starlette.testclient import TestClient  # noqa: E402

from playground import service  # noqa: E402
from playground.app import MAX_BODY_BYTES, create_app  # noqa: E402

REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A temp copy of the repo's templates (never the repo's own) and an empty working folder."""
    root = tmp_path_factory.mktemp("playground")
    shutil.copytree(REPO_TEMPLATES, root / "templates")
    (root / "work").mkdir()
    return root / "templates", root / "work"


@pytest.fixture(scope="module")
def client(folders: tuple[Path, Path]) -> TestClient:
    templates, work = folders
    app = create_app(templates_dirs=[templates], workdir=work, host="testserver")
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def intercom(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/templates/bundled/intercom")
    assert response.status_code == 200
    return response.json()


def line_of(code: str, text: str) -> int:
    """The 1-based line of the first line containing `text` (the templates change; never hard-code lines)."""
    for number, line in enumerate(code.splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in the code")


def run(client: TestClient, detail: dict[str, Any], **overrides: Any) -> Any:
    body = {"template": detail["ref"], "source": detail["code"], "event": detail["samples"][0]["event"],
            "inputs": detail["inputs"], "mocks": detail["mock_scenarios"][0]["mocks"]}
    body.update(overrides)
    return client.post("/api/run", json=body)


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


# --- listing ---------------------------------------------------------------------------------------


def test_lists_bundled_templates_and_blank(client: TestClient) -> None:
    templates = client.get("/api/templates").json()["templates"]
    refs = [t["ref"] for t in templates]
    assert "bundled/intercom" in refs and "bundled/intercom-event" in refs
    assert refs[-1] == "blank"
    intercom = next(t for t in templates if t["ref"] == "bundled/intercom")
    assert intercom == {"ref": "bundled/intercom", "origin": "bundled", "folder": "intercom",
                        "id": "template-intercom", "name": "Intercom", "description": "Update contacts in Intercom"}


def test_working_folder_templates_are_listed(folders: tuple[Path, Path], client: TestClient) -> None:
    templates, work = folders
    shutil.copytree(templates / "webhook", work / "my-hook")
    try:
        listed = {t["ref"]: t for t in client.get("/api/templates").json()["templates"]}
        assert listed["workdir/my-hook"]["origin"] == "workdir"
        assert listed["workdir/my-hook"]["id"] == "template-webhook"
    finally:
        shutil.rmtree(work / "my-hook")


def test_template_detail(intercom: dict[str, Any]) -> None:
    assert intercom["id"] == "template-intercom"
    assert intercom["code"] == (REPO_TEMPLATES / "intercom" / "template.hog").read_text(encoding="utf-8")
    assert intercom["inputs"]["oauth"] == {"access_token": "demo-intercom-access-token", "app.region": "US"}
    assert intercom["inputs"]["email"] == "{person.properties.email}"
    sample_names = [s["name"] for s in intercom["samples"]]
    assert {"playground:identify", "playground:pageview", "playground:purchase"} <= set(sample_names)
    assert intercom["default_sample"] == sample_names[0]
    assert intercom["samples"][0]["event"]["event"] == "$identify"
    assert [s["name"] for s in intercom["mock_scenarios"]] == [
        "Contact not found: create it", "Contact found: update it", "API error (invalid token)"]
    assert intercom["writable"] is True
    assert intercom["problems"] == []
    assert "metadata" in intercom and "code" not in intercom["metadata"]


def test_samples_endpoint() -> None:
    client = TestClient(create_app(templates_dirs=[], workdir=Path("."), host="testserver"))
    samples = client.get("/api/samples").json()["samples"]
    assert [s["event"]["event"] for s in samples] == ["$identify", "$pageview", "Purchase completed"]
    assert samples[2]["event"]["properties"]["price"] == 49.5


def test_blank_template_detail(client: TestClient) -> None:
    blank = client.get("/api/templates/blank").json()
    assert blank["origin"] == "blank" and blank["writable"] is False
    assert blank["inputs"] == {"url": "https://example.com/hooks/posthog"}


# --- compile / transpile -----------------------------------------------------------------------------


def test_compile_reports_exact_position(client: TestClient) -> None:
    response = client.post("/api/compile", json={"source": "let x := 1\nprint(x"})
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is False
    (error,) = data["errors"]
    assert (error["line"], error["column"]) == (2, 8)
    assert error["kind"] == "syntax error"
    assert "close the call" in error["message"]


def test_compile_ok_gives_bytecode_and_disassembly(client: TestClient) -> None:
    data = client.post("/api/compile", json={"source": "print('hi')"}).json()
    assert data["ok"] is True and data["errors"] == []
    assert data["bytecode"][:2] == ["_H", 1]
    assert data["disassembly"].startswith("; _H bytecode, version 1")
    assert "print" in data["disassembly"]


def test_compile_with_javascript_and_transpile(client: TestClient) -> None:
    source = "let greeting := 'hi'\nreturn greeting"
    data = client.post("/api/compile", json={"source": source, "javascript": True}).json()
    assert data["javascript"]["ok"] is True
    js = client.post("/api/transpile", json={"source": source}).json()
    assert js["ok"] is True and "function __program" in js["javascript"] and '"hi"' in js["javascript"]
    bad = client.post("/api/transpile", json={"source": "let := 1"}).json()
    assert bad["ok"] is False and bad["errors"][0]["line"] == 1


# --- running -----------------------------------------------------------------------------------------


def test_run_contact_not_found_creates(client: TestClient, intercom: dict[str, Any]) -> None:
    data = run(client, intercom).json()
    assert data["outcome"] == "ok" and data["error"] is None
    assert [(f["method"], f["url"]) for f in data["fetches"]] == [
        ("POST", "https://api.intercom.io/contacts/search"), ("POST", "https://api.intercom.io/contacts")]
    search = data["fetches"][0]
    assert search["headers"]["Authorization"] == "Bearer ***REDACTED***"
    assert json.loads(search["body"]) == {"query": {"field": "email", "operator": "=", "value": "max@hedgebox.net"}}
    assert search["response"] == {"status": 200, "body": {"type": "list", "total_count": 0, "data": []}}
    assert data["inputs"]["oauth"]["access_token"] == "***REDACTED***"
    assert "demo-intercom-access-token" not in json.dumps(data)
    assert data["ops"] > 0 and data["memory_bytes"] > 0 and data["wall_ms"] > 0
    assert data["fetch_mode"] == "mock"


def test_run_contact_found_updates(client: TestClient, intercom: dict[str, Any]) -> None:
    data = run(client, intercom, mocks=intercom["mock_scenarios"][1]["mocks"]).json()
    assert data["outcome"] == "ok"
    assert [(f["method"], f["url"]) for f in data["fetches"]] == [
        ("POST", "https://api.intercom.io/contacts/search"),
        ("PUT", "https://api.intercom.io/contacts/6762f0d51bb69f9f2193bb7f")]


def test_run_api_error_points_at_the_throw(client: TestClient, intercom: dict[str, Any]) -> None:
    data = run(client, intercom, mocks=intercom["mock_scenarios"][2]["mocks"]).json()
    assert data["outcome"] == "error"
    error = data["error"]
    assert error["stage"] == "code"
    assert error["message"].startswith("Error from intercom api (status 401): ")
    assert error["line"] == line_of(intercom["code"], "throw Error(f'Error from intercom api (status {search.status})")
    assert len(data["fetches"]) == 1


def test_run_skipped_by_filters(client: TestClient, intercom: dict[str, Any]) -> None:
    pageview = next(s for s in intercom["samples"] if s["name"] == "playground:pageview")["event"]
    data = run(client, intercom, event=pageview).json()
    assert data["outcome"] == "skipped"
    assert data["skip_reason"] == "event '$pageview' is not one of: $identify, $set"
    assert data["fetches"] == []


def test_run_uses_the_edited_code(client: TestClient, intercom: dict[str, Any]) -> None:
    data = run(client, intercom, source="print(f'hello {event.event}')").json()
    assert data["outcome"] == "ok"
    assert [entry["message"] for entry in data["logs"] if entry["level"] == "info"] == ["hello $identify"]


def test_run_with_a_syntax_error(client: TestClient, intercom: dict[str, Any]) -> None:
    data = run(client, intercom, source="let x := \n").json()
    assert data["outcome"] == "error"
    assert data["error"]["stage"] == "code" and data["error"]["line"] == 2


def test_runaway_code_stops_at_the_limit(client: TestClient, intercom: dict[str, Any]) -> None:
    data = run(client, intercom, source="let i := 0\nwhile (true) {\n  i := i + 1\n}").json()
    assert data["outcome"] == "error"
    assert data["error"]["stage"] == "code"


def test_unmatched_mock_with_no_default_reports_clearly(client: TestClient, intercom: dict[str, Any]) -> None:
    data = run(client, intercom, mocks={"default": None, "routes": []}).json()
    assert data["outcome"] == "error"
    assert "no mock response for POST https://api.intercom.io/contacts/search" in data["error"]["message"]


def test_run_tests_of_the_template(client: TestClient, intercom: dict[str, Any]) -> None:
    report = client.post("/api/test", json={"template": "bundled/intercom", "source": intercom["code"]}).json()
    assert report["failed"] == 0
    assert report["passed"] == len(intercom["tests"]) > 0
    broken = intercom["code"].replace("'Intercom-Version': '2.11'", "'Intercom-Version': '2.12'")
    report = client.post("/api/test", json={"template": "bundled/intercom", "source": broken}).json()
    assert report["failed"] > 0
    failing = next(case for case in report["cases"] if not case["passed"])
    assert any("2.12" in line for line in failing["differences"])


def test_export_posthog_json(client: TestClient, intercom: dict[str, Any]) -> None:
    record = client.post("/api/export", json={"template": "bundled/intercom", "source": "print(1)"}).json()
    assert record["id"] == "template-intercom"
    assert record["code"] == "print(1)"
    assert record["inputs_schema"] == intercom["inputs_schema"]


def test_metadata_edits_apply(client: TestClient, intercom: dict[str, Any]) -> None:
    metadata = dict(intercom["metadata"])
    metadata["filters"] = {"events": [{"id": "$pageview", "name": "$pageview", "type": "events"}]}
    pageview = next(s for s in intercom["samples"] if s["name"] == "playground:pageview")["event"]
    data = run(client, intercom, event=pageview, metadata=metadata, source="print('ran')").json()
    assert data["outcome"] == "ok"


# --- saving ------------------------------------------------------------------------------------------


def test_save_writes_code_and_leaves_metadata_alone(folders: tuple[Path, Path], client: TestClient,
                                                    intercom: dict[str, Any]) -> None:
    templates, _ = folders
    folder = templates / "webhook"
    before_meta = (folder / "template.json").read_bytes()
    original = (folder / "template.hog").read_text(encoding="utf-8")
    detail = client.get("/api/templates/bundled/webhook").json()
    new_code = original + "// saved from the playground\n"
    response = client.post("/api/save", json={"template": "bundled/webhook", "source": new_code,
                                              "metadata": detail["metadata"]})
    assert response.status_code == 200
    assert response.json() == {"saved": True, "ref": "bundled/webhook", "folder": "webhook", "files": ["template.hog"]}
    assert (folder / "template.hog").read_text(encoding="utf-8") == new_code
    assert (folder / "template.json").read_bytes() == before_meta
    # The repository's own copy is untouched.
    assert (REPO_TEMPLATES / "webhook" / "template.hog").read_text(encoding="utf-8") == original


def test_save_metadata_change(folders: tuple[Path, Path], client: TestClient) -> None:
    templates, _ = folders
    detail = client.get("/api/templates/bundled/slack").json()
    metadata = dict(detail["metadata"], description="Posts to Slack")
    response = client.post("/api/save", json={"template": "bundled/slack", "source": detail["code"], "metadata": metadata})
    assert response.json()["files"] == ["template.json", "template.hog"]
    assert json.loads((templates / "slack" / "template.json").read_text())["description"] == "Posts to Slack"


def test_save_blank_into_working_folder(folders: tuple[Path, Path], client: TestClient) -> None:
    _, work = folders
    blank = client.get("/api/templates/blank").json()
    body = {"template": "blank", "source": blank["code"], "metadata": blank["metadata"], "folder": "my-dest"}
    response = client.post("/api/save", json=body)
    assert response.status_code == 200
    assert response.json()["ref"] == "workdir/my-dest"
    assert (work / "my-dest" / "template.hog").read_text(encoding="utf-8") == blank["code"]
    listed = [t["ref"] for t in client.get("/api/templates").json()["templates"]]
    assert "workdir/my-dest" in listed
    again = client.post("/api/save", json=body)
    assert again.status_code == 409
    assert "already exists" in error_of(again)["message"]


@pytest.mark.parametrize("name", [None, "", "../escape", "Upper", "a/b", ".hidden", "x" * 65])
def test_save_blank_needs_a_safe_folder_name(client: TestClient, name: Any) -> None:
    blank = client.get("/api/templates/blank").json()
    body = {"template": "blank", "source": blank["code"], "metadata": blank["metadata"]}
    if name is not None:
        body["folder"] = name
    response = client.post("/api/save", json=body)
    assert response.status_code == 400
    assert error_of(response)["field"] == "folder"


def test_save_refuses_code_with_errors(folders: tuple[Path, Path], client: TestClient) -> None:
    templates, _ = folders
    before = (templates / "intercom" / "template.hog").read_bytes()
    response = client.post("/api/save", json={"template": "bundled/intercom", "source": "let x := "})
    assert response.status_code == 422
    assert error_of(response)["message"].startswith("Not saved: the code has errors:")
    assert (templates / "intercom" / "template.hog").read_bytes() == before


# --- bad requests --------------------------------------------------------------------------------------


def test_malformed_json(client: TestClient) -> None:
    response = client.post("/api/run", content=b'{"template": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("The request body is not valid JSON: Expecting value (line 1")


def test_body_must_be_an_object(client: TestClient) -> None:
    response = client.post("/api/compile", json=[1, 2])
    assert response.status_code == 400
    assert error_of(response)["message"] == "The request body must be a JSON object."


def test_not_utf8(client: TestClient) -> None:
    response = client.post("/api/compile", content=b'{"source": "\xff"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "The request body is not UTF-8 text."


def test_wrong_content_type(client: TestClient) -> None:
    response = client.post("/api/compile", content=b'{"source": "1"}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_oversized_body(client: TestClient) -> None:
    response = client.post("/api/compile", content=b" " * (MAX_BODY_BYTES + 1),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "too large" in error_of(response)["message"]


def test_oversized_source(client: TestClient) -> None:
    response = client.post("/api/compile", json={"source": "1" * (service.MAX_SOURCE_CHARS + 1)})
    assert response.status_code == 413
    assert error_of(response) == {
        "message": f"The source is too large: {service.MAX_SOURCE_CHARS + 1} characters "
                   f"(at most {service.MAX_SOURCE_CHARS}).", "field": "source"}


def test_source_must_be_a_string(client: TestClient) -> None:
    response = client.post("/api/compile", json={"source": 42})
    assert response.status_code == 400
    assert error_of(response)["field"] == "source"


def test_unknown_template(client: TestClient) -> None:
    response = client.get("/api/templates/bundled/nope")
    assert response.status_code == 404
    assert error_of(response)["message"].startswith("Unknown template 'bundled/nope'")
    response = client.post("/api/run", json={"template": "../../etc", "source": "1", "event": {}})
    assert response.status_code == 404
    response = client.post("/api/run", json={"source": "1", "event": {}})
    assert response.status_code == 400 and error_of(response)["field"] == "template"


def test_event_must_be_an_object(client: TestClient, intercom: dict[str, Any]) -> None:
    response = run(client, intercom, event=[1])
    assert response.status_code == 422
    assert error_of(response)["field"] == "event"


def test_inputs_must_be_an_object(client: TestClient, intercom: dict[str, Any]) -> None:
    response = run(client, intercom, inputs="x")
    assert response.status_code == 422 and error_of(response)["field"] == "inputs"


def test_bad_mocks(client: TestClient, intercom: dict[str, Any]) -> None:
    response = run(client, intercom, mocks={"routes": [{"url": "https://x", "response": {"status": 9000}}]})
    assert response.status_code == 422
    assert error_of(response)["field"] == "mocks.routes[0].response.status"
    response = run(client, intercom, mocks={"routes": [{"pattern": "(", "response": {"status": 200}}]})
    assert response.status_code == 422
    assert "invalid URL pattern" in error_of(response)["message"]


def test_bad_fetch_mode(client: TestClient, intercom: dict[str, Any]) -> None:
    response = run(client, intercom, fetch_mode="sometimes")
    assert response.status_code == 400 and error_of(response)["field"] == "fetch_mode"


def test_real_fetch_can_be_switched_off(folders: tuple[Path, Path], intercom: dict[str, Any]) -> None:
    templates, work = folders
    app = create_app(templates_dirs=[templates], workdir=work, host="testserver", allow_real_fetch=False)
    response = run(TestClient(app), intercom, fetch_mode="real")
    assert response.status_code == 403
    assert "--no-real-fetch" in error_of(response)["message"]


def test_real_fetch_goes_through_the_address_guard(client: TestClient, intercom: dict[str, Any]) -> None:
    source = "let r := fetch('http://127.0.0.1:9/x', {'method': 'GET'})\nprint(r.status)"
    data = run(client, intercom, source=source, fetch_mode="real").json()
    assert data["fetch_mode"] == "real"
    assert len(data["fetches"]) == 1
    call = data["fetches"][0]
    assert call["url"] == "http://127.0.0.1:9/x"
    assert "error" in call  # refused by the guard: no request was sent
    assert data["outcome"] == "error"


def test_invalid_metadata(client: TestClient, intercom: dict[str, Any]) -> None:
    response = run(client, intercom, metadata={"id": "x", "name": "x", "inputs_schema": [{"type": "string"}]})
    assert response.status_code == 422
    assert error_of(response)["message"].startswith("template.json is not valid")
    response = run(client, intercom, metadata=[1])
    assert response.status_code == 400


def test_foreign_origin_is_refused(client: TestClient) -> None:
    response = client.post("/api/compile", json={"source": "1"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    ok = client.post("/api/compile", json={"source": "1"}, headers={"Origin": "http://testserver"})
    assert ok.status_code == 200


def test_foreign_host_is_refused(client: TestClient) -> None:
    response = client.get("/api/templates", headers={"Host": "attacker.example"})
    assert response.status_code == 400


def test_unknown_route_and_method(client: TestClient) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404 and error_of(response)["message"] == "No such API route."
    response = client.get("/api/run")
    assert response.status_code == 405


def test_internal_errors_are_json(folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    templates, work = folders
    client = TestClient(create_app(templates_dirs=[templates], workdir=work, host="testserver"),
                        raise_server_exceptions=False)

    def broken(source: str) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(service, "compile_code", broken)
    response = client.post("/api/compile", json={"source": "1"})
    assert response.status_code == 500
    assert error_of(response)["message"] == "Internal error in the playground: ValueError: boom"
    assert client.post("/api/transpile", json={"source": "1"}).status_code == 200  # still serving


# --- page and assets ---------------------------------------------------------------------------------


def test_page_is_self_contained(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    html = response.text
    assert 'src="http://testserver/static/app.js"' in html
    static = Path(__file__).resolve().parents[2] / "playground" / "static"
    for path in [*static.iterdir(), static.parent / "templates" / "index.html"]:
        text = path.read_text(encoding="utf-8")
        for marker in ("@import", "//cdn", "fonts.googleapis", "<script src=\"http", "url(http"):
            assert marker not in text, f"{path.name} loads something remote: {marker}"
    for name in ("app.js", "editor.js", "highlight.js", "inputs.js", "mocks.js", "results.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200


# --- CLI -------------------------------------------------------------------------------------------------


def test_cli_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    from hoglite.playground_cli import bind, main

    sock = bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert main(["--port", str(port)]) == 2
        assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    finally:
        sock.close()


def test_cli_checks_folders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from hoglite.playground_cli import main

    assert main(["--workdir", str(tmp_path / "missing")]) == 2
    assert main(["--templates-dir", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_cli_url() -> None:
    from hoglite.playground_cli import url_for

    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert url_for("::1", 8000) == "http://[::1]:8000/"
    assert url_for("0.0.0.0", 80) == "http://127.0.0.1:80/"


def test_add_playground_command() -> None:
    import argparse

    from hoglite.playground_cli import add_playground_command, playground_command

    parser = argparse.ArgumentParser()
    add_playground_command(parser.add_subparsers())
    args = parser.parse_args(["playground", "--port", "0", "--no-real-fetch"])
    assert args.func is playground_command and args.port == 0 and args.no_real_fetch and args.host == "127.0.0.1"


def test_register_commands_with_the_cli_registry() -> None:
    from hoglite.playground_cli import HELP, configure, playground_command, register_commands

    registered: list[tuple[str, str, Any, Any]] = []

    def command(name: str, help: str, configure_fn: Any) -> Any:
        return lambda run: registered.append((name, help, configure_fn, run)) or run

    register_commands(command)
    assert registered == [("playground", HELP, configure, playground_command)]
