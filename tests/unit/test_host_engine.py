"""The embedding API: compile_program, Engine.compile (LRU cache), run, run_async, invoke, invoke_async,
host functions, disallowed built-ins and the injectable clock, randomness, logger and fetcher."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

import hoglite
from hoglite import Engine, FetchResponse, HogSyntaxError, MockFetcher, compile_program
from hoglite.host.engine import compiler_version, program_key
from hoglite.net.errors import FetchTransportError
from hoglite.net.mock import AsyncMockFetcher
from hoglite.vm.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
NOW = 1719837296.789  # 2024-07-01T12:34:56.789Z


def sample_event() -> dict:
    return json.loads((TEMPLATES / "intercom-event" / "samples" / "pageview.json").read_text())


def test_public_api_names_resolve() -> None:
    for name in hoglite.__all__:
        assert getattr(hoglite, name) is not None, name
    with pytest.raises(AttributeError):
        hoglite.NoSuchThing  # noqa: B018


# -- compiling ---------------------------------------------------------------------------------------


def test_compile_program_returns_bytecode_and_source_map() -> None:
    program = compile_program("return 1 + 2", name="add.hog")
    assert program.bytecode[:2] == ["_H", 1]
    assert program.name == "add.hog"
    assert program.source == "return 1 + 2"


def test_engine_caches_by_source_name_and_compiler_version() -> None:
    engine = Engine()
    first = engine.compile("return 1")
    assert engine.compile("return 1") is first
    assert engine.compile("return 1", name="other.hog") is not first
    info = engine.cache.info()
    assert (info.hits, info.misses, info.size) == (1, 2, 2)
    assert program_key("return 1").endswith(":<source>:" + compiler_version())


def test_cache_is_a_bounded_lru() -> None:
    engine = Engine(cache_size=2)
    a = engine.compile("return 'a'")
    engine.compile("return 'b'")
    assert engine.compile("return 'a'") is a  # a is now the most recent
    engine.compile("return 'c'")  # evicts b
    assert engine.cache.info().size == 2
    assert engine.compile("return 'a'") is a
    misses = engine.cache.info().misses
    engine.compile("return 'b'")
    assert engine.cache.info().misses == misses + 1


def test_syntax_errors_carry_a_position_and_are_not_cached() -> None:
    engine = Engine()
    with pytest.raises(HogSyntaxError) as caught:
        engine.compile("let x := \nreturn (", name="bad.hog")
    assert caught.value.span is not None
    assert engine.cache.info().size == 0


# -- running programs --------------------------------------------------------------------------------


def test_run_returns_value_logs_and_stats() -> None:
    engine = Engine(clock=lambda: NOW)
    result = engine.run("print('hello', 42)\nreturn {'sum': 1 + 2}", name="x.hog")
    assert result.outcome == "ok"
    assert result.value == {"sum": 3}
    assert [entry.to_json() for entry in result.logs] == [
        {"timestamp": "2024-07-01T12:34:56.789Z", "level": "info", "message": "hello 42"}]
    assert result.ops > 0
    assert result.max_mem_used > 0
    assert result.duration_ms >= 0
    assert result.fetches == []


def test_run_accepts_globals_and_compiled_programs_and_bytecode() -> None:
    engine = Engine()
    program = engine.compile("return concat('Hello, ', name)")
    assert engine.run(program, {"name": "Hog"}).value == "Hello, Hog"
    assert engine.run(program.bytecode, {"name": "VM"}).value == "Hello, VM"
    assert engine.run(program.to_json(), {"name": "JSON"}).value == "Hello, JSON"


def test_uncaught_error_has_message_and_position() -> None:
    result = Engine().run("let a := 1\n\nthrow Error('bad thing')", name="e.hog")
    assert result.outcome == "error"
    assert result.error == "bad thing"
    assert result.stage == "code"
    assert (result.error_detail.span.line, result.error_detail.span.column) == (3, 1)
    assert result.render_error().splitlines() == [
        "uncaught error: Error('bad thing')", " --> e.hog:3:1", "  |", "3 | throw Error('bad thing')",
        "  | " + "^" * len("throw Error('bad thing')")]


def test_limits_apply() -> None:
    result = Engine(limits=Limits(max_ops=50)).run("let i := 0\nwhile (true) { i := i + 1 }")
    assert result.outcome == "error"
    assert result.error == "Operation budget of 50 ops exceeded"


def test_fetch_uses_the_injected_fetcher_and_records_calls() -> None:
    mock = MockFetcher({"https://api.example.com/x": {"status": 201, "body": {"id": 7}}})
    engine = Engine(fetcher=mock)
    result = engine.run("let r := fetch('https://api.example.com/x', {'body': {'a': 1}})\n"
                        "return [r.status, r.body.id]")
    assert result.value == [201, 7]
    assert [call.to_json() for call in result.fetches] == [{
        "method": "POST", "url": "https://api.example.com/x", "headers": {"Content-Type": "application/json"},
        "body": '{"a":1}', "response": {"status": 201, "body": {"id": 7}}}]


def test_failed_attempts_are_logged_and_no_response_is_status_500() -> None:
    class Flaky:
        def fetch(self, request, *, deadline=None):
            if request.url.endswith("/down"):
                error = FetchTransportError("fetch failed after 3 attempts: ConnectError: refused", attempts=3)
                error.attempt_log = ["HTTP fetch failed on attempt 1 with status code (none). Retrying in 10ms."]
                raise error
            return FetchResponse(503, "busy", attempts=3,
                                 attempt_log=["HTTP fetch failed on attempt 3 with status code 503."])

    result = Engine(fetcher=Flaky()).run(
        "let a := fetch('https://x.example/up')\nlet b := fetch('https://x.example/down')\n"
        "return [a.status, a.body, b.status, b.body]")
    assert result.value == [503, "busy", 500,
                            "FetchTransportError: fetch failed after 3 attempts: ConnectError: refused"]
    assert [(e.level, e.message) for e in result.logs] == [
        ("error", "HTTP fetch failed on attempt 3 with status code 503."),
        ("error", "HTTP fetch failed on attempt 1 with status code (none). Retrying in 10ms.")]
    assert [call.attempts for call in result.fetches] == [3, 3]
    assert result.fetches[1].error == "fetch failed after 3 attempts: ConnectError: refused"


def test_bad_fetch_arguments_end_the_run_with_the_field() -> None:
    result = Engine(fetcher=MockFetcher()).run("fetch('https://x.example', {'method': 'CONNECT'})")
    assert result.outcome == "error"
    assert result.stage == "fetch"
    assert result.error == "fetch method: CONNECT requests are not allowed"


def test_sync_host_functions_and_their_failures() -> None:
    def boom(text):
        raise ValueError(f"no {text}")

    engine = Engine(functions={"double": lambda x: x * 2})
    engine.register_function("boom", boom)
    assert engine.run("return double(21)").value == 42
    result = engine.run("return boom('luck')")
    assert result.outcome == "error"
    assert result.error == "Host function boom failed: ValueError: no luck"


def test_async_host_functions_pause_and_resume() -> None:
    calls = []

    async def lookup(key):
        calls.append(key)
        await asyncio.sleep(0)
        return {"key": key, "found": True}

    engine = Engine(functions={"lookup": lookup})
    assert engine.functions["lookup"].is_async
    assert engine.run("return lookup('a').found").value is True  # driven to completion by run()
    assert asyncio.run(engine.run_async("return lookup('b').key")).value == "b"
    assert calls == ["a", "b"]


def test_host_functions_shadow_builtins_and_builtins_can_be_disallowed() -> None:
    engine = Engine(functions={"lower": lambda text: "shadowed"}, disallow=["sha256Hex"])
    assert engine.run("return lower('X')").value == "shadowed"
    result = engine.run("return sha256Hex('a')")
    assert (result.outcome, result.error) == ("error", "Unsupported function call: sha256Hex")
    engine.disallow("fetch")
    assert engine.run("return fetch('https://x.example')").error == "Unsupported function call: fetch"
    with pytest.raises(ValueError):
        engine.register_function("fetch", lambda *a: None)
    with pytest.raises(ValueError):
        engine.register_function("not a name", lambda *a: None)


def test_clock_randomness_and_uuids_are_injectable() -> None:
    engine = Engine(clock=lambda: NOW, random=lambda: 0.25, uuid4=lambda: "uuid-1")
    result = engine.run("return [randomFloat(), generateUUIDv4(), toString(now())]")
    assert result.value == [0.25, "uuid-1", "2024-07-01T12:34:56.789Z"]


def test_sleep_is_injectable_and_bounded_by_the_wall_clock() -> None:
    slept = []
    engine = Engine(sleep=slept.append, wall_timeout=5)
    assert engine.run("sleep(0.5)\nreturn 1").value == 1
    assert slept == [0.5]
    result = engine.run("sleep(10)")
    assert (result.outcome, result.error) == ("error", "Invocation exceeded the wall-clock limit of 5 seconds")


def test_logger_receives_every_entry(caplog: pytest.LogCaptureFixture) -> None:
    received = []
    Engine(logger=received.append, clock=lambda: NOW).run("print('one')\nprint('two')")
    assert [(e.level, e.message, e.timestamp) for e in received] == [
        ("info", "one", "2024-07-01T12:34:56.789Z"), ("info", "two", "2024-07-01T12:34:56.789Z")]
    logger = logging.getLogger("hoglite.test")
    with caplog.at_level(logging.INFO, logger="hoglite.test"):
        Engine(logger=logger).run("print('to logging')")
    assert [record.getMessage() for record in caplog.records] == ["to logging"]


def test_run_async_with_an_async_fetcher() -> None:
    seen = []

    class Slow:
        async def fetch(self, request, *, deadline=None):
            seen.append(request.url)
            await asyncio.sleep(0)
            return FetchResponse(200, {"ok": True})

    result = asyncio.run(Engine(async_fetcher=Slow()).run_async("return fetch('https://x.example/').body.ok"))
    assert result.value is True
    assert seen == ["https://x.example/"]
    mock = AsyncMockFetcher(default={"status": 200, "body": {"ok": 1}})
    assert asyncio.run(Engine(async_fetcher=mock).run_async("return fetch('https://x.example/').body")).value == {"ok": 1}


# -- templates ---------------------------------------------------------------------------------------

INPUTS = {"oauth": {"access_token": "TOKEN", "app.region": "US"}}
SEARCH = "https://api.intercom.io/contacts/search"
EVENTS = "https://api.intercom.io/events"


def intercom_mock() -> MockFetcher:
    return MockFetcher({SEARCH: {"status": 200, "body": {"total_count": 1, "data": [{"id": "c1"}]}},
                        EVENTS: {"status": 202, "body": ""}})


def test_invoke_runs_the_whole_template_path() -> None:
    engine = Engine(fetcher=intercom_mock(), templates_dirs=[TEMPLATES], clock=lambda: NOW)
    result = engine.invoke("intercom-event", sample_event(), INPUTS)
    assert result.outcome == "ok", result.error
    assert [(call.method, call.url, call.response["status"]) for call in result.fetches] == [
        ("POST", SEARCH, 200), ("POST", EVENTS, 202)]
    assert json.loads(result.fetches[1].body) == {
        "event_name": "$pageview", "created_at": 1719837296, "email": "max@hedgebox.net",
        "metadata": {"revenue": 49.5, "currency": "USD"}}
    assert engine.template("template-intercom-event") is engine.template("intercom-event")


def test_invoke_skips_filtered_events_and_reports_input_errors() -> None:
    engine = Engine(fetcher=intercom_mock(), templates_dirs=[TEMPLATES])
    other = {**sample_event(), "event": "$identify"}
    skipped = engine.invoke("intercom-event", other, INPUTS)
    assert (skipped.outcome, skipped.stage, skipped.fetches) == ("skipped", "filters", [])
    bad = engine.invoke("intercom-event", sample_event(), {"oauth": "nope"})
    assert (bad.outcome, bad.stage, bad.error) == ("error", "inputs", "Input 'oauth': Value must be an Integration ID.")


def test_unknown_template_is_a_clear_error() -> None:
    with pytest.raises(hoglite.TemplateError) as caught:
        Engine(templates_dirs=[TEMPLATES]).template("no-such-template")
    assert "Unknown template 'no-such-template'" in str(caught.value)


def test_invoke_async_matches_invoke() -> None:
    engine = Engine(fetcher=intercom_mock(), templates_dirs=[TEMPLATES], clock=lambda: NOW)
    sync = engine.invoke("intercom-event", sample_event(), INPUTS)
    asynchronous = asyncio.run(engine.invoke_async("intercom-event", sample_event(), INPUTS))
    assert asynchronous.outcome == sync.outcome == "ok"
    assert [c.to_json() for c in asynchronous.fetches] == [c.to_json() for c in sync.fetches]
    assert [(e.level, e.message) for e in asynchronous.logs if e.level != "debug"] == \
        [(e.level, e.message) for e in sync.logs if e.level != "debug"]


def test_template_errors_keep_their_hog_position() -> None:
    mock = MockFetcher({SEARCH: {"status": 200, "body": {"total_count": 0}}})
    result = Engine(fetcher=mock, templates_dirs=[TEMPLATES]).invoke("intercom-event", sample_event(), INPUTS)
    assert (result.outcome, result.error) == ("error", "No unique contact found. Skipping...")
    assert result.error_detail.span.line > 1
    assert "throw Error('No unique contact found. Skipping...')" in result.render_error()


def test_templates_get_the_engines_host_functions_disallowed_builtins_and_services() -> None:
    template = hoglite.Template(id="template-services", name="Services", code=(
        "return [geo(event.properties.ip), randomFloat(), generateUUIDv4(), toString(now())]"))
    engine = Engine(functions={"geo": lambda ip: {"country": "NL"} if ip.startswith("192.0.2.") else None},
                    disallow=["sha256Hex"], clock=lambda: NOW, random=lambda: 0.25, uuid4=lambda: "uuid-1")
    event = {"event": "e", "properties": {"ip": "192.0.2.7"}}
    assert engine.invoke(template, event).value == [{"country": "NL"}, 0.25, "uuid-1", "2024-07-01T12:34:56.789Z"]
    blocked = hoglite.Template(id="template-blocked", name="Blocked", code="return sha256Hex('a')")
    result = engine.invoke(blocked, event)
    assert (result.outcome, result.error) == ("error", "Unsupported function call: sha256Hex")
    engine.disallow("fetch")
    fetching = hoglite.Template(id="template-fetching", name="Fetching", code="return fetch('https://x.example')")
    assert engine.invoke(fetching, event).error == "Unsupported function call: fetch"


def test_template_host_function_failures_end_the_run_with_the_name() -> None:
    def boom(value):
        raise ValueError(f"no {value}")

    template = hoglite.Template(id="template-boom", name="Boom", code="return boom(event.event)")
    result = Engine(functions={"boom": boom}).invoke(template, {"event": "luck"})
    assert (result.outcome, result.stage, result.error) == ("error", "code", "Host function boom failed: ValueError: no luck")


def test_invoke_mappings_runs_every_default_mapping() -> None:
    template = hoglite.Template(id="template-maps", name="Maps", code="return inputs.kind ?? 'none'", mapping_templates=[
        {"name": "Page", "include_by_default": True, "filters": {"events": [{"id": "$pageview"}]}},
        {"name": "Signup", "include_by_default": True, "filters": {"events": [{"id": "signed_up"}]},
         "inputs": {"kind": "signup"}, "inputs_schema": [{"key": "kind", "type": "string"}]},
        {"name": "Optional", "filters": {}},
    ])
    received = []
    engine = Engine(logger=received.append)
    results = engine.invoke_mappings(template, {"event": "signed_up", "uuid": "u-1"})
    assert [(r.mapping, r.outcome, r.value) for r in results] == [("Page", "skipped", None), ("Signup", "ok", "signup")]
    assert [entry.level for entry in received] == ["debug"]
    single = engine.invoke_mappings(hoglite.Template(id="template-plain", name="Plain", code="return 2"), {"event": "x"})
    assert [(r.mapping, r.value) for r in single] == [(None, 2)]
    with pytest.raises(TypeError, match="invoke_mappings runs every default mapping"):
        engine.invoke_mappings(template, {"event": "x"}, mapping="Page")


def test_invoke_async_runs_the_code_once_with_async_host_functions() -> None:
    calls = []

    async def lookup(key):
        calls.append(key)
        await asyncio.sleep(0)
        return {"plan": "pro"}

    template = hoglite.Template(id="template-async", name="Async", code=(
        "let user := lookup(event.distinct_id)\nlet r := fetch('https://x.example/u')\nreturn [user.plan, r.status]"))
    engine = Engine(functions={"lookup": lookup}, async_fetcher=AsyncMockFetcher(default={"status": 201, "body": {}}))
    result = asyncio.run(engine.invoke_async(template, {"event": "e", "distinct_id": "d-1"}))
    assert (result.outcome, result.value, calls) == ("ok", ["pro", 201], ["d-1"])
    assert engine.invoke(template, {"event": "e", "distinct_id": "d-2"}, fetcher=MockFetcher()).value == ["pro", 200]
    assert calls == ["d-1", "d-2"]
