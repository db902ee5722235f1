"""Step-wise execution: Engine.start / Engine.resume, JSON paused states, resuming in a new process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hoglite import Engine, FetchResponse, MockFetcher, Step, Template
from hoglite.errors import HogRuntimeError
from hoglite.net.errors import FetchTransportError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
NOW = 1719837296.789
INPUTS = {"oauth": {"access_token": "TOKEN", "app.region": "US"}}
SEARCH = "https://api.intercom.io/contacts/search"
EVENTS = "https://api.intercom.io/events"
SEARCH_OK = {"status": 200, "body": {"total_count": 1, "data": [{"id": "c1"}]}}

PROGRAM = """
let a := fetch('https://api.example.com/a', {'method': 'GET'})
print('first', a.status)
let b := fetch('https://api.example.com/b', {'body': {'n': a.body.n + 1}})
print('second', b.status)
return {'n': b.body.n, 'statuses': [a.status, b.status]}
"""
RESPONSES = [{"status": 200, "body": {"n": 1}}, {"status": 201, "body": {"n": 2}}]


def sample_event() -> dict:
    return json.loads((TEMPLATES / "intercom-event" / "samples" / "pageview.json").read_text())


def comparable(result) -> dict:
    data = result.to_json() if hasattr(result, "to_json") else result
    data = json.loads(json.dumps(data, default=str))
    data["logs"] = [{"level": e["level"], "message": e["message"]} for e in data["logs"]
                    if not e["message"].startswith("Function completed in")]
    data.pop("error_detail", None)
    return data


def through_json(state: dict) -> dict:
    return json.loads(json.dumps(state))


def test_program_start_pauses_with_the_normalised_request() -> None:
    step = Engine().start(PROGRAM, {}, name="p.hog")
    assert isinstance(step, Step)
    assert not step.done
    assert step.name == "fetch"
    assert step.request.to_json() == {"url": "https://api.example.com/a", "method": "GET",
                                      "headers": {"Content-Type": "application/json"}, "body": None}
    assert json.loads(json.dumps(step.state)) == step.state  # plain JSON


def test_program_step_by_step_equals_a_straight_run() -> None:
    engine = Engine(clock=lambda: NOW)
    straight = engine.run(PROGRAM, {}, fetcher=MockFetcher({
        "https://api.example.com/a": RESPONSES[0], "https://api.example.com/b": RESPONSES[1]}))
    step = engine.start(PROGRAM, {})
    requests = []
    for response in RESPONSES:
        requests.append(step.request.url)
        step = engine.resume(through_json(step.state), response)
    assert step.done
    assert requests == ["https://api.example.com/a", "https://api.example.com/b"]
    assert step.result.value == straight.value == {"n": 2, "statuses": [200, 201]}
    assert comparable(step.result) == comparable(straight)
    assert json.loads(step.result.fetches[1].body) == {"n": 2}


def test_resume_accepts_fetch_responses_and_transport_errors() -> None:
    engine = Engine()
    step = engine.start("let r := fetch('https://x.example/')\nreturn [r.status, r.body]")
    done = engine.resume(step.state, FetchResponse(404, "missing"))
    assert done.result.value == [404, "missing"]
    error = FetchTransportError("fetch failed after 1 attempt: ConnectError: refused")
    failed = engine.resume(step.state, error)
    assert failed.result.value == [500, "FetchTransportError: fetch failed after 1 attempt: ConnectError: refused"]
    assert failed.result.fetches[0].error == "fetch failed after 1 attempt: ConnectError: refused"


def test_async_host_function_pauses_are_handed_to_the_caller() -> None:
    async def lookup(key):
        return key

    engine = Engine(functions={"lookup": lookup})
    step = engine.start("return lookup('k', 2) + 1")
    assert (step.name, step.args, step.request) == ("lookup", ["k", 2], None)
    assert engine.resume(step.state, 41).result.value == 42


def test_errors_after_resume_keep_their_position() -> None:
    engine = Engine()
    step = engine.start("let r := fetch('https://x.example/')\nif (r.status >= 400) {\n  throw Error('failed')\n}",
                        name="e.hog")
    result = engine.resume(through_json(step.state), {"status": 500, "body": ""}).result
    assert (result.outcome, result.error, result.error_detail.span.line) == ("error", "failed", 3)


def test_invalid_states_are_refused() -> None:
    engine = Engine()
    with pytest.raises(HogRuntimeError, match="Not a paused hoglite invocation"):
        engine.resume({"stack": []}, None)
    step = engine.start("return fetch('https://x.example/')")
    result = engine.resume(step.state, "not a response").result
    assert (result.outcome, result.error) == ("error", "A fetch response must be a FetchResponse or a {status, body} object")
    done = engine.resume(step.state, {"status": 200, "body": {}})
    with pytest.raises(HogRuntimeError, match="Not a paused hoglite invocation"):
        engine.resume({"format": "hoglite-paused/1"}, None)
    assert done.state is None


# -- templates ---------------------------------------------------------------------------------------


def test_template_start_and_resume_match_invoke() -> None:
    engine = Engine(templates_dirs=[TEMPLATES], clock=lambda: NOW,
                    fetcher=MockFetcher({SEARCH: SEARCH_OK, EVENTS: {"status": 202, "body": ""}}))
    straight = engine.invoke("intercom-event", sample_event(), INPUTS)
    step = engine.start(engine.template("intercom-event"), sample_event(), INPUTS)
    assert step.request.url == SEARCH
    step = engine.resume(through_json(step.state), SEARCH_OK)
    assert step.request.url == EVENTS
    assert json.loads(step.request.body)["email"] == "max@hedgebox.net"
    step = engine.resume(through_json(step.state), {"status": 202, "body": ""})
    assert step.done
    assert comparable(step.result) == comparable(straight)


def test_template_filtered_or_invalid_finishes_at_start() -> None:
    engine = Engine(templates_dirs=[TEMPLATES])
    template = engine.template("intercom-event")
    skipped = engine.start(template, {**sample_event(), "event": "other"}, INPUTS)
    assert skipped.done and skipped.result.outcome == "skipped"
    with pytest.raises(TypeError, match="unsupported option"):
        engine.start(template, sample_event(), INPUTS, fetcher=MockFetcher())


def test_template_resume_runs_the_code_once_and_refuses_changed_code() -> None:
    calls = []
    template = Template(id="template-once", name="Once", code=(
        "note('before')\nlet r := fetch('https://x.example/a')\nnote('after')\nreturn r.status"))
    engine = Engine(functions={"note": calls.append})
    step = engine.start(template, {"event": "e", "uuid": "u-1"}, {})
    assert calls == ["before"]
    assert "tape" not in step.state and "event" not in step.state  # the VM's own pause, no replay record
    done = engine.resume(through_json(step.state), {"status": 204, "body": ""})
    assert calls == ["before", "after"]  # the code before the fetch did not run again
    assert (done.result.outcome, done.result.value) == ("ok", 204)
    changed = through_json(step.state)
    changed["template"]["code_sha256"] = "0" * 64
    with pytest.raises(Exception, match="changed since the invocation paused"):
        engine.resume(changed, {"status": 202, "body": ""})


def test_template_state_holds_the_vm_state_and_what_the_host_needs() -> None:
    engine = Engine(templates_dirs=[TEMPLATES], clock=lambda: NOW)
    step = engine.start(engine.template("intercom-event"), sample_event(), INPUTS)
    step = engine.resume(through_json(step.state), SEARCH_OK)
    state = step.state
    assert json.loads(json.dumps(state)) == state
    assert state["kind"] == "template" and state["vm"]["stack"]
    assert state["pending"]["name"] == "fetch"
    assert state["pending"]["request"]["url"] == EVENTS
    assert [call["url"] for call in state["fetches"]] == [SEARCH, EVENTS]
    assert state["fetches"][0]["response"]["status"] == 200
    assert state["globals"]["inputs"]["email"] == "max@hedgebox.net"
    assert state["ops"] > 0 and state["max_mem_used"] > 0
    assert set(state) >= {"logs", "prints", "failed_fetch", "limits", "mapping", "hog_ms", "fetch_ms"}


def test_template_async_host_functions_are_handed_to_the_caller() -> None:
    async def lookup(key):
        return {"plan": "pro", "key": key}

    template = Template(id="template-lookup", name="Lookup", code="return lookup(event.distinct_id).plan")
    engine = Engine(functions={"lookup": lookup})
    step = engine.start(template, {"event": "e", "distinct_id": "d-7"}, {})
    assert (step.name, step.args, step.request) == ("lookup", ["d-7"], None)
    done = engine.resume(through_json(step.state), {"plan": "team"})
    assert done.result.value == "team"
    assert engine.invoke(template, {"event": "e", "distinct_id": "d-7"}).value == "pro"


def test_template_fetch_errors_and_bad_responses_on_resume() -> None:
    engine = Engine(templates_dirs=[TEMPLATES])
    step = engine.start(engine.template("intercom-event"), sample_event(), INPUTS)
    refused = engine.resume(step.state, FetchTransportError("fetch failed after 3 attempts: refused", attempts=3))
    assert refused.result.outcome == "error"
    assert refused.result.fetches[0].error == "fetch failed after 3 attempts: refused"
    assert refused.result.error == "Error from intercom api (status 500): FetchTransportError: " \
                                   "fetch failed after 3 attempts: refused"
    bad = engine.resume(step.state, "not a response").result
    assert (bad.outcome, bad.stage, bad.error) == (
        "error", "fetch", "A fetch response must be a FetchResponse or a {status, body} object")


# -- a new process -------------------------------------------------------------------------------------

RESUMER = textwrap.dedent(f"""
    import json, sys
    from hoglite import Engine
    state, responses, templates = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
    engine = Engine(templates_dirs=[templates], clock=lambda: {NOW!r})
    step = engine.resume(state, responses.pop(0))
    while not step.done:
        step = engine.resume(step.state, responses.pop(0))
    print(json.dumps(step.result.to_json(), default=str))
""")


def resume_elsewhere(tmp_path: Path, state: dict, responses: list) -> dict:
    (tmp_path / "state.json").write_text(json.dumps(state))
    (tmp_path / "responses.json").write_text(json.dumps(responses))
    completed = subprocess.run(
        [sys.executable, "-c", RESUMER, str(tmp_path / "state.json"), str(tmp_path / "responses.json"),
         str(TEMPLATES)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_a_paused_program_resumed_in_a_new_process_gives_the_same_result(tmp_path: Path) -> None:
    engine = Engine(clock=lambda: NOW)
    straight = engine.run(PROGRAM, {}, fetcher=MockFetcher({
        "https://api.example.com/a": RESPONSES[0], "https://api.example.com/b": RESPONSES[1]}))
    step = engine.start(PROGRAM, {})
    elsewhere = resume_elsewhere(tmp_path, step.state, list(RESPONSES))
    assert comparable(elsewhere) == comparable(straight)
    assert elsewhere["value"] == {"n": 2, "statuses": [200, 201]}


def test_a_paused_template_resumed_in_a_new_process_gives_the_same_result(tmp_path: Path) -> None:
    responses = [SEARCH_OK, {"status": 400, "body": {"error": "error"}}]
    engine = Engine(templates_dirs=[TEMPLATES], clock=lambda: NOW,
                    fetcher=MockFetcher({SEARCH: responses[0], EVENTS: responses[1]}))
    straight = engine.invoke("intercom-event", sample_event(), INPUTS)
    assert straight.error == "Error from intercom api (status 400): {'error': 'error'}"
    step = engine.start(engine.template("intercom-event"), sample_event(), INPUTS)
    elsewhere = resume_elsewhere(tmp_path, step.state, responses)
    assert comparable(elsewhere) == comparable(straight)
