"""The playground page in headless Chromium: pick, edit, run, test, save, export.

Line numbers are computed from the template code (the bundled templates keep evolving), never hard-coded.
Screenshots are kept in tests/artifacts/.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

INTERCOM = "bundled/intercom"
CODE = "#code-editor textarea"


def open_template(page: Any, ref: str) -> None:
    page.select_option("#template-picker", ref)
    page.wait_for_selector(f"body[data-template='{ref}']")


def code(page: Any) -> str:
    return page.input_value(CODE)


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def run(page: Any) -> str:
    page.evaluate("document.getElementById('run-output').innerHTML = ''")
    page.click("#run-button")
    page.wait_for_selector("#run-outcome")
    return page.get_attribute("#run-outcome", "data-outcome")


def type_at_end_of_line(page: Any, line: int, text: str) -> None:
    """Put the caret at the end of `line` (1-based) and type, as an author would."""
    page.eval_on_selector(CODE, """(ta, line) => {
        const lines = ta.value.split('\\n');
        let offset = 0;
        for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
        offset += lines[line - 1].length;
        ta.focus();
        ta.setSelectionRange(offset, offset);
    }""", line)
    page.keyboard.type(text)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_intercom_identify_shows_both_fetch_calls(page: Any, screenshot: Any) -> None:
    open_template(page, INTERCOM)
    page.select_option("#sample-picker", "playground:identify")
    assert json.loads(page.input_value("#event-editor textarea"))["event"] == "$identify"
    # The connection's access token is a credential: masked in the form.
    assert page.get_attribute("#input-oauth .dict-row:first-child .dict-value", "type") == "password"
    assert run(page) == "ok"
    calls = page.locator("#run-fetches .fetch-call")
    assert calls.count() == 2
    assert [calls.nth(i).locator(".fetch-method").inner_text() for i in range(2)] == ["POST", "POST"]
    assert [calls.nth(i).locator(".fetch-url").inner_text() for i in range(2)] == [
        "https://api.intercom.io/contacts/search", "https://api.intercom.io/contacts"]
    first = calls.nth(0)
    headers = {row.locator("th").inner_text(): row.locator("td").inner_text()
               for row in first.locator(".headers tr").all()}
    assert headers == {"Content-Type": "application/json", "Intercom-Version": "2.11",
                       "Accept": "application/json", "Authorization": "Bearer ***REDACTED***"}
    assert json.loads(first.locator(".fetch-body").inner_text()) == {
        "query": {"field": "email", "operator": "=", "value": "max@hedgebox.net"}}
    assert first.locator(".fetch-body").inner_text().startswith('{\n  "query": {')  # pretty-printed
    assert json.loads(first.locator(".fetch-response").inner_text())["total_count"] == 0
    assert page.locator("[data-stat='ops'] .stat-value").inner_text() != "0"
    assert page.locator("[data-stat='fetches'] .stat-value").inner_text() == "2"
    assert "demo-intercom-access-token" not in page.inner_text("#run-output")
    screenshot(page, "playground-intercom-identify")


def test_contact_found_scenario_updates(page: Any) -> None:
    open_template(page, INTERCOM)
    page.select_option("#scenario-picker", label="Contact found: update it")
    page.fill("#input-email", "ada@example.com")
    assert run(page) == "ok"
    urls = page.locator("#run-fetches .fetch-url").all_inner_texts()
    methods = page.locator("#run-fetches .fetch-method").all_inner_texts()
    assert list(zip(methods, urls)) == [("POST", "https://api.intercom.io/contacts/search"),
                                        ("PUT", "https://api.intercom.io/contacts/6762f0d51bb69f9f2193bb7f")]
    body = json.loads(page.locator("#run-fetches .fetch-body").first.inner_text())
    assert body["query"]["value"] == "ada@example.com"


def test_syntax_error_marker_at_the_line(page: Any, screenshot: Any) -> None:
    open_template(page, INTERCOM)
    line = line_of(code(page), "let host := regions[region]")
    column = len("let host := regions[region]") + 2
    type_at_end_of_line(page, line, " )")
    page.wait_for_selector(".editor-gutter .has-error")
    assert page.get_attribute(".editor-gutter .has-error", "data-line") == str(line)
    problem = page.locator("#problems .problem-error").first
    assert problem.get_attribute("data-line") == str(line)
    assert problem.get_attribute("data-column") == str(column)
    assert problem.locator(".problem-where").inner_text() == f"{line}:{column}"
    assert "Unexpected ')'" in problem.locator(".problem-message").inner_text()
    assert page.locator("#code-editor .editor-highlight .mark-error").inner_text() == ")"
    page.hover(f".editor-gutter [data-line='{line}']")
    tooltip = page.locator("#code-editor .editor-tooltip")
    assert tooltip.is_visible()
    assert f"line {line}, column {column}" in tooltip.inner_text()
    assert page.get_attribute("#compile-state", "data-ok") == "0"
    screenshot(page, "playground-syntax-error")
    # Fixing it clears the marker.
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.wait_for_selector("#compile-state[data-ok='1']")
    assert page.locator(".editor-gutter .has-error").count() == 0


def test_filtered_sample_shows_the_reason(page: Any, screenshot: Any) -> None:
    open_template(page, INTERCOM)
    page.select_option("#sample-picker", "playground:pageview")
    assert run(page) == "skipped"
    assert page.inner_text("#run-outcome .skip-reason") == "event '$pageview' is not one of: $identify, $set"
    assert page.locator("#run-fetches .fetch-call").count() == 0
    screenshot(page, "playground-skipped")


def test_api_error_highlights_the_hog_line(page: Any, screenshot: Any) -> None:
    open_template(page, INTERCOM)
    page.select_option("#scenario-picker", label="API error (invalid token)")
    assert run(page) == "error"
    line = line_of(code(page), "throw Error(f'Error from intercom api (status {search.status})")
    assert page.get_attribute("#run-outcome .error-position", "data-line") == str(line)
    assert page.inner_text("#run-outcome .error-message").startswith("Error from intercom api (status 401): ")
    assert page.get_attribute("#code-editor .line-mark-run-error", "data-line") == str(line)
    assert page.locator("#run-fetches .fetch-status").all_inner_texts() == ["401"]
    levels = page.locator("#run-logs .log-level").all_text_contents()
    assert levels[-1] == "error"
    screenshot(page, "playground-api-error")


def test_invalid_event_json_is_reported(page: Any) -> None:
    open_template(page, INTERCOM)
    page.fill("#event-editor textarea", '{"event": "$identify",}')
    error = page.locator("#event-error")
    assert error.is_visible()
    assert error.inner_text().startswith("Invalid JSON in the event: ")
    assert page.locator("#event-editor .editor-gutter .has-error").get_attribute("data-line") == "1"
    assert run(page) == "invalid"
    assert "Invalid JSON in the event" in page.inner_text("#run-outcome")


def test_bytecode_and_javascript_tabs(page: Any, screenshot: Any) -> None:
    from playground.service import transpile_code

    open_template(page, INTERCOM)
    page.wait_for_selector("#compile-state[data-ok='1']")
    page.click("[role=tab][data-tab=bytecode]")
    listing = page.inner_text("#disassembly")
    assert listing.startswith("; _H bytecode, version 1")
    assert '"fetch"' in listing
    page.click("[role=tab][data-tab=javascript]")
    expected = transpile_code(code(page))
    assert expected["ok"] is True
    page.wait_for_selector("#javascript[data-state='done']")
    assert page.text_content("#javascript") == expected["javascript"]
    screenshot(page, "playground-javascript")


def test_run_test_cases_pass_then_fail_with_diffs(page: Any, server: Any, screenshot: Any) -> None:
    open_template(page, INTERCOM)
    cases = len(list((server.templates / "intercom" / "tests").glob("*.json")))
    page.click("#test-button")
    page.wait_for_selector("#tests-summary")
    assert page.inner_text("#tests-summary strong") == f"{cases} passed, 0 failed"
    page.fill(CODE, code(page).replace("'Intercom-Version': '2.11'", "'Intercom-Version': '2.12'"))
    page.click("#test-button")
    page.wait_for_selector("#tests-summary.outcome-error")
    failed = page.locator(".test-case.failed")
    assert failed.count() > 0
    assert "2.12" in failed.first.locator(".test-diff").inner_text()
    screenshot(page, "playground-tests")


def test_save_and_reload(page: Any, server: Any) -> None:
    repo_file = server.repo / "templates" / "intercom" / "template.hog"
    repo_digest = digest(repo_file)
    saved_file = server.templates / "intercom" / "template.hog"
    open_template(page, INTERCOM)
    original = code(page)
    last = len(original.split("\n"))
    type_at_end_of_line(page, last, "// saved by the browser test")
    assert page.locator("#dirty").is_visible()
    page.click("#save-button")
    page.wait_for_selector("#status[data-kind='ok']")
    assert page.inner_text("#status") == "Saved template.hog in intercom/."
    assert page.locator("#dirty").is_hidden()
    assert saved_file.read_text(encoding="utf-8") == original + "// saved by the browser test\n"
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    open_template(page, INTERCOM)
    assert code(page).endswith("// saved by the browser test\n")
    assert digest(repo_file) == repo_digest  # the repository's template is never touched


def test_new_template_saved_into_the_working_folder(page: Any, server: Any) -> None:
    open_template(page, "blank")
    assert page.locator("#new-folder").is_visible()
    page.fill("#new-folder", "my-first-destination")
    assert run(page) == "ok"
    assert page.locator("#run-fetches .fetch-url").all_inner_texts() == ["https://example.com/hooks/posthog"]
    page.click("#save-button")
    page.wait_for_selector("body[data-template='workdir/my-first-destination']")
    folder = server.workdir / "my-first-destination"
    assert (folder / "template.hog").read_text(encoding="utf-8") == code(page)
    assert json.loads((folder / "template.json").read_text(encoding="utf-8"))["id"] == "template-my-destination"
    assert page.input_value("#template-picker") == "workdir/my-first-destination"


def test_export_posthog_json(page: Any) -> None:
    open_template(page, INTERCOM)
    page.click("#export-button")
    page.wait_for_selector("#export-download:not([hidden])")
    record = json.loads(page.text_content("#export-output"))
    assert record["id"] == "template-intercom"
    assert record["code"] == code(page)
    assert page.get_attribute("#export-download", "download") == "template-intercom.json"
