"""invoke_template: logs, print rules, redaction, fetch handling, errors with positions, mappings."""

from __future__ import annotations

from typing import Any

from hoglite.cdp.invocation import invoke_template
from hoglite.cdp.template import Template
from hoglite.net.fetch import FetchResponse
from hoglite.net.mock import MockFetcher
from hoglite.vm.limits import Limits

EVENT = {"uuid": "ev-1", "event": "signed_up", "distinct_id": "d-1", "timestamp": "2024-07-01T12:34:56.789Z",
         "properties": {"plan": "pro"}, "person": {"id": "p-1", "properties": {"email": "a@b.c"}}}
NOW = 1719837300.25  # 2024-07-01T12:35:00.250Z


def template(code: str, schema: list[dict[str, Any]] | None = None, **extra: Any) -> Template:
    return Template(id="template-test", name="Test", code=code, inputs_schema=schema or [], **extra)


def invoke(code: str, inputs: dict[str, Any] | None = None, *, schema: list[dict[str, Any]] | None = None,
           fetcher: Any = None, event: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("limits", Limits(timeout_seconds=5, max_async_steps=5))
    return invoke_template(template(code, schema, **kwargs.pop("template_fields", {})), event or EVENT, inputs or {},
                           fetcher=fetcher or MockFetcher(), clock=lambda: NOW, **kwargs)


def messages(result: Any) -> list[tuple[str, str]]:
    return [(entry.level, entry.message) for entry in result.logs if entry.level != "debug"]


def test_print_joins_with_commas_and_json() -> None:
    result = invoke("print('Response', 200, {'ok': true, 'n': 1.0}, [1, null], null)\nprint()")
    assert result.outcome == "ok"
    assert messages(result) == [("info", 'Response, 200, {"ok":true,"n":1}, [1,null], null'), ("info", "")]
    assert result.logs[0].timestamp == "2024-07-01T12:35:00.250Z"


def test_success_debug_line() -> None:
    result = invoke("return 1")
    assert result.logs[-1].level == "debug"
    assert result.logs[-1].message.startswith("Function completed in ")
    assert result.logs[-1].message.endswith(
        "Event: 'https://us.posthog.com/project/1/events/ev-1/2024-07-01T12%3A34%3A56.789Z'")


def test_print_limit() -> None:
    result = invoke("for (let i := 1; i <= 30; i := i + 1) { print(i) }")
    logs = messages(result)
    assert len(logs) == 25
    assert logs[23] == ("info", "24")
    assert logs[24] == ("warn", "Function exceeded maximum log entries. No more logs will be collected. Event: ev-1")


def test_long_messages_are_truncated() -> None:
    result = invoke("let s := ''\nfor (let i := 0; i < 1100; i := i + 1) { s := s || '0123456789' }\nprint(s)")
    message = messages(result)[0][1]
    assert len(message) == 10_000 + len("... (truncated)") and message.endswith("0123456789... (truncated)")


def test_return_value_and_globals() -> None:
    result = invoke("return {'event': event.event, 'person': person.properties.email, 'project': project.id, "
                    "'source': source.name, 'plan': inputs.plan}",
                    {"plan": "{event.properties.plan}"}, schema=[{"key": "plan", "type": "string"}])
    assert result.value == {"event": "signed_up", "person": "a@b.c", "project": 1, "source": "Test", "plan": "pro"}
    assert result.inputs == {"plan": "pro"}


def test_globals_given_directly() -> None:
    globals_ = {"event": {"event": "x", "properties": {"a": 1}}, "person": None}
    result = invoke("return [event.properties.a, person]", event=globals_)
    assert result.value == [1, None]


def test_uncaught_error_carries_message_and_position() -> None:
    result = invoke("let a := 1\nthrow Error('Nope: ' || 'x')")
    assert (result.outcome, result.error, result.stage) == ("error", "Nope: x", "code")
    assert messages(result) == [("error", "Error executing function on event ev-1: Error('Nope: x')")]
    assert result.error_detail.span.line == 2
    assert result.render_error().splitlines()[1:] == [
        " --> template-test.hog:2:1", "  |", "2 | throw Error('Nope: ' || 'x')",
        "  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    ]


def test_runtime_error_has_position() -> None:
    result = invoke("let x := 1\nlet y := unknownFn(x)")
    assert result.outcome == "error"
    assert result.error == "Unsupported function call: unknownFn"
    assert result.error_detail.span.line == 2


def test_compile_error() -> None:
    result = invoke("let x := \n")
    assert result.outcome == "error" and result.stage == "code"
    assert result.error.startswith("Hog code has errors: ")


def test_time_limit() -> None:
    result = invoke("while (true) { let a := 1 }", limits=Limits(timeout_seconds=0.05))
    assert result.outcome == "error"
    assert result.error.startswith("Execution timed out after 0.05 seconds. Performed ")


def test_secrets_are_redacted_in_logs_and_errors() -> None:
    schema = [{"key": "apiKey", "type": "string", "secret": True}, {"key": "headers", "type": "dictionary"}]
    code = "print('key', inputs.apiKey, inputs.headers)\nthrow Error(f'bad key {inputs.apiKey}')"
    result = invoke(code, {"apiKey": "sk_live_123", "headers": {"Authorization": "Bearer hdr-9"}}, schema=schema)
    assert messages(result) == [
        ("info", 'key, ***REDACTED***, {"Authorization":"***REDACTED***"}'),
        ("error", "Error executing function on event ev-1: Error('bad key ***REDACTED***')"),
    ]
    assert result.error == "bad key ***REDACTED***"
    assert result.to_json()["inputs"] == {"apiKey": "***REDACTED***", "headers": {"Authorization": "***REDACTED***"}}


def test_fetch_defaults_and_response() -> None:
    mock = MockFetcher().add("https://example.com/a", {"status": 201, "body": {"id": 5}})
    result = invoke("let r := fetch('https://example.com/a')\nreturn r", fetcher=mock)
    assert result.value == {"status": 201, "body": {"id": 5}}
    call = result.fetches[0]
    assert (call.method, call.url, call.headers, call.body) == (
        "POST", "https://example.com/a", {"Content-Type": "application/json"}, None)


def test_handled_error_status_still_fails_the_run_by_default() -> None:
    mock = MockFetcher().add("https://example.com/a", {"status": 404, "body": "missing"})
    code = "let r := fetch('https://example.com/a', {'method': 'GET'})\nif (r.status == 404) { print('not found') }"
    result = invoke(code, fetcher=mock)
    assert (result.outcome, result.error) == ("error", "HTTP fetch failed on attempt 1 with status code 404.")
    assert messages(result) == [("error", "HTTP fetch failed on attempt 1 with status code 404."),
                                ("info", "not found")]
    assert invoke(code, fetcher=mock, fail_on_fetch_error=False).outcome == "ok"


def test_a_later_successful_fetch_clears_the_failure() -> None:
    mock = MockFetcher().add("https://example.com/a", [{"status": 409, "body": {}}, {"status": 200, "body": {}}])
    result = invoke("fetch('https://example.com/a')\nfetch('https://example.com/a')", fetcher=mock)
    assert result.outcome == "ok" and result.error is None


def test_no_response_gives_status_500() -> None:
    mock = MockFetcher().add("https://down.example.com/", {"error": "connection refused"})
    result = invoke("let r := fetch('https://down.example.com/')\nreturn r", fetcher=mock, fail_on_fetch_error=False)
    assert result.value == {"status": 500, "body": "FetchTransportError: fetch failed (mocked): connection refused"}
    assert result.fetches[0].error == "fetch failed (mocked): connection refused"
    assert messages(result) == [("error", "HTTP fetch failed on attempt 1 with status code (none). "
                                          "Error: fetch failed (mocked): connection refused.")]


def test_url_without_host_gives_status_500_like_posthog() -> None:
    result = invoke("let r := fetch(f'https://{null}/contacts')\nif (r.status >= 400) { throw Error('failed') }")
    assert (result.outcome, result.error) == ("error", "failed")
    assert result.fetches[0].url == "https:///contacts"


def test_bad_fetch_arguments_end_the_run() -> None:
    result = invoke("fetch(42)")
    assert result.outcome == "error" and result.stage == "fetch"
    assert result.error == "fetch url: must be a string, got integer"
    result = invoke("fetch('https://example.com', {'headers': {'Host': 'evil'}})")
    assert result.error == "fetch headers.Host: cannot be set by a template; the HTTP client sets it"


def test_at_most_five_fetches() -> None:
    result = invoke("for (let i := 0; i < 6; i := i + 1) { fetch('https://example.com/') }")
    assert result.outcome == "error"
    assert result.error == "Exceeded maximum number of async steps: 5"
    assert len(result.fetches) == 5


def test_real_fetcher_attempt_logs_are_used() -> None:
    class Fetcher:
        def fetch(self, request: Any, **_: Any) -> FetchResponse:
            return FetchResponse(503, "busy", attempts=3, attempt_log=[
                "HTTP fetch failed on attempt 1 with status code 503. Retrying in 1000ms.",
                "HTTP fetch failed on attempt 2 with status code 503. Retrying in 2000ms.",
                "HTTP fetch failed on attempt 3 with status code 503."])

    result = invoke("return fetch('https://example.com/').status", fetcher=Fetcher())
    assert [m for _, m in messages(result)][-1] == "HTTP fetch failed on attempt 3 with status code 503."
    assert result.error == "HTTP fetch failed on attempt 3 with status code 503."
    assert result.fetches[0].attempts == 3


def test_filters_skip_with_reason() -> None:
    result = invoke("print('ran')", template_fields={"filters": {"events": [{"id": "$pageview"}]}})
    assert (result.outcome, result.skip_reason, result.logs) == (
        "skipped", "event 'signed_up' is not one of: $pageview", [])


def test_filter_error_is_logged_and_skips() -> None:
    filters = {"properties": [{"type": "hogql", "key": "jsonParse('{') = 1"}]}
    result = invoke("print('ran')", template_fields={"filters": filters})
    assert result.outcome == "skipped"
    assert messages(result)[0][1].startswith("Error filtering event ev-1: ")


def test_input_errors() -> None:
    schema = [{"key": "n", "type": "number", "required": True}]
    result = invoke("return inputs.n", {"n": "x"}, schema=schema)
    assert (result.outcome, result.stage, result.error) == ("error", "inputs", "Input 'n': Value must be a number.")
    assert messages(result) == [("error", "Error building inputs for event ev-1: Input 'n': Value must be a number.")]
    result = invoke("return 1", {"s": "{jsonParse('{')}"}, schema=[{"key": "s", "type": "string"}])
    assert result.error == "Could not execute bytecode for input field: s"
    assert "inputs.s:1:" in result.render_error()


def test_templating_off_uses_values_as_given() -> None:
    result = invoke("return inputs.s", {"s": "{event.event}"}, schema=[{"key": "s", "type": "string"}],
                    templating=False)
    assert result.value == "{event.event}"


def test_mappings() -> None:
    fields = {"mapping_templates": [
        {"name": "Purchase", "filters": {"events": [{"id": "purchase"}]}, "inputs": {"eventName": "Purchase"},
         "inputs_schema": [{"key": "eventName", "type": "string"}]},
        {"name": "Signup", "filters": {"events": [{"id": "signed_up"}]},
         "inputs": {"eventName": "CompleteRegistration {event.properties.plan}"},
         "inputs_schema": [{"key": "eventName", "type": "string"}]},
    ]}
    result = invoke("return inputs.eventName", template_fields=fields, mapping="Signup")
    assert (result.outcome, result.value, result.mapping) == ("ok", "CompleteRegistration pro", "Signup")
    result = invoke("return inputs.eventName", template_fields=fields, mapping="Purchase")
    assert (result.outcome, result.skip_reason) == ("skipped", "event 'signed_up' is not one of: purchase")
    result = invoke("return 1", template_fields=fields, mapping="Nope")
    assert result.error == "mapping_templates: No mapping template named 'Nope'."


def test_now_uses_the_injected_clock() -> None:
    result = invoke("return toUnixTimestamp(now())")
    assert result.value == NOW


def test_invoke_all_mappings() -> None:
    from hoglite.cdp.invocation import invoke_all_mappings

    fields = {"mapping_templates": [
        {"name": "Page", "include_by_default": True, "filters": {"events": [{"id": "$pageview"}]}},
        {"name": "Signup", "include_by_default": True, "filters": {"events": [{"id": "signed_up"}]},
         "inputs": {"kind": "signup"}, "inputs_schema": [{"key": "kind", "type": "string"}]},
        {"name": "Optional", "filters": {}},
    ]}
    results = invoke_all_mappings(template("return inputs.kind ?? 'none'", **fields), EVENT, {},
                                  fetcher=MockFetcher(), clock=lambda: NOW)
    assert [(r.mapping, r.outcome, r.value) for r in results] == [("Page", "skipped", None),
                                                                  ("Signup", "ok", "signup")]
    single = invoke_all_mappings(template("return 2"), EVENT, {}, fetcher=MockFetcher())
    assert [(r.outcome, r.value) for r in single] == [("ok", 2)]


# -- host services, step-wise runs, caches and the fast path -----------------------------------------


def test_host_functions_disallowed_and_injected_randomness() -> None:
    result = invoke("return [double(21), randomFloat(), generateUUIDv4()]",
                    functions={"double": lambda x: x * 2}, random=lambda: 0.5, uuid4=lambda: "uuid-9")
    assert result.value == [42, 0.5, "uuid-9"]
    assert invoke("return lower('A')", disallowed={"lower"}).error == "Unsupported function call: lower"
    assert invoke("fetch('https://example.com/')", disallowed={"fetch"}).error == "Unsupported function call: fetch"
    # print keeps the invocation's log rules even if the host registers one
    result = invoke("print('x')", functions={"print": lambda *args: None})
    assert messages(result) == [("info", "x")]


def test_async_host_functions_pause_like_fetch() -> None:
    async def lookup(key: str) -> dict[str, Any]:
        return {"key": key}

    result = invoke("return lookup(event.distinct_id).key", async_functions={"lookup": lookup})
    assert (result.outcome, result.value) == ("ok", "d-1")
    result = invoke("return lookup(1)")
    assert result.error == "Unsupported function call: lookup"


def test_prepare_then_step_through_the_code_and_carry_the_state() -> None:
    import json

    from hoglite.cdp.codestep import PendingCall, TemplateRun
    from hoglite.cdp.invocation import prepare_invocation

    code = ("print('start', inputs.key)\nlet r := fetch('https://example.com/a', {'headers': {'X-Key': inputs.key}})\n"
            "print('got', r.status)\nreturn r.body")
    schema = [{"key": "key", "type": "string", "secret": True}]
    subject = template(code, schema)
    mock = MockFetcher().add("https://example.com/a", {"status": 200, "body": {"n": 1}})
    straight = invoke_template(subject, EVENT, {"key": "sk_9"}, fetcher=mock, clock=lambda: NOW)
    run = prepare_invocation(subject, EVENT, {"key": "sk_9"}, clock=lambda: NOW)
    assert isinstance(run, TemplateRun)
    pending = run.start()
    assert isinstance(pending, PendingCall) and pending.request.headers == {"X-Key": "sk_9"}
    state = json.loads(json.dumps(run.to_state()))
    assert "sk_9" not in json.dumps(state["logs"])  # logs in a state are redacted
    again = TemplateRun.from_state(subject, state, clock=lambda: NOW)
    done = again.resume({"status": 200, "body": {"n": 1}})
    assert (done.outcome, done.value) == ("ok", {"n": 1}) == (straight.outcome, straight.value)
    assert messages(done) == messages(straight) == [("info", "start, ***REDACTED***"), ("info", "got, 200")]
    assert [c.to_json() for c in done.fetches] == [c.to_json() for c in straight.fetches]
    assert done.ops == straight.ops


def test_log_lines_are_formatted_and_redacted_when_read() -> None:
    from hoglite.cdp.results import LogEntry

    calls = []

    def redact(text: str) -> str:
        calls.append(text)
        return text.replace("secret", "***")

    entry = LogEntry.pending(NOW, "info", lambda: "a secret " + "x" * 10_000, redact)
    assert calls == []
    assert entry.message == "a *** " + "x" * (10_000 - 6) + "... (truncated)"
    assert entry.timestamp == "2024-07-01T12:35:00.250Z"
    assert entry.message and calls == ["a secret " + "x" * 10_000]  # once
    assert entry == LogEntry("2024-07-01T12:35:00.250Z", "info", entry.message)
    assert "secret" not in repr(entry) and "secret" not in str(entry.to_json())


def test_error_details_are_redacted_when_shown() -> None:
    schema = [{"key": "apiKey", "type": "string", "secret": True}]
    result = invoke("throw Error(f'bad key {inputs.apiKey}')", {"apiKey": "sk_live_123"}, schema=schema)
    assert "sk_live_123" not in result.render_error()
    assert "sk_live_123" not in str(result.to_json())


def test_cached_inputs_and_filters_follow_in_place_edits() -> None:
    subject = template("return inputs.s", [{"key": "s", "type": "string"}],
                       filters={"events": [{"id": "signed_up"}]})
    given = {"s": "one {event.event}"}
    assert invoke_template(subject, EVENT, given, fetcher=MockFetcher()).value == "one signed_up"
    given["s"] = "two {event.event}"
    assert invoke_template(subject, EVENT, given, fetcher=MockFetcher()).value == "two signed_up"
    subject.filters["events"][0]["id"] = "other"
    result = invoke_template(subject, EVENT, given, fetcher=MockFetcher())
    assert (result.outcome, result.skip_reason) == ("skipped", "event 'signed_up' is not one of: other")
    result.inputs = None
    first = invoke_template(subject, {**EVENT, "event": "other"}, {"s": "x"}, fetcher=MockFetcher())
    first.inputs["s"] = "mutated"  # results do not share the cached values
    assert invoke_template(subject, {**EVENT, "event": "other"}, {"s": "x"}, fetcher=MockFetcher()).value == "x"


def test_event_filters_with_properties_still_run_their_properties() -> None:
    filters = {"events": [{"id": "signed_up", "properties": [{"key": "plan", "value": "free"}]}]}
    result = invoke("return 1", template_fields={"filters": filters})
    assert result.outcome == "skipped"
    filters["events"][0]["properties"][0]["value"] = "pro"
    assert invoke("return 1", template_fields={"filters": filters}).value == 1


def test_caches_are_safe_across_threads() -> None:
    import threading

    subject = template("return inputs.s", [{"key": "s", "type": "string"}])
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for number in range(150):
                value = f"v{offset}-{number} {{event.event}}"
                result = invoke_template(subject, EVENT, {"s": value}, fetcher=MockFetcher())
                assert result.value == f"v{offset}-{number} signed_up", result.error
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_vm_resume_call_is_used_when_the_state_was_never_taken(monkeypatch: Any) -> None:
    import hoglite.vm as vm

    used = []

    def resume_call(call: Any, value: Any, options: Any) -> Any:  # stands in for the proposed VM API
        used.append(call.name)
        return vm.resume(call.state, value, options)

    monkeypatch.setattr(vm, "resume_call", resume_call, raising=False)
    mock = MockFetcher().add("https://example.com/a", {"status": 201, "body": {}})
    result = invoke("let r := fetch('https://example.com/a')\nreturn fetch('https://example.com/a').status",
                    fetcher=mock)
    assert (result.outcome, result.value, used) == ("ok", 201, ["fetch", "fetch"])
