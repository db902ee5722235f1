"""Crafted states given to `Engine.resume`: the embedding API's paused invocations are plain JSON, so a
host may store them anywhere; a damaged or hostile state must end in a clean HogliteError, and must
not be able to raise the limits the engine was set up with.

The limits rule: a resumed run gets the resuming engine's limits; the limits stored in the state
may only make them stricter (hoglite.cdp.paused_state).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hoglite import Engine, Limits
from hoglite.errors import HogliteError, HogRuntimeError

LOOP = "sleep(0)\nlet i := 0\nwhile (true) { i := i + 1 }"


@pytest.fixture()
def engine() -> Engine:
    return Engine(limits=Limits(timeout_seconds=0.05, max_ops=1_000_000), sleep=lambda _: None)


def paused(engine: Engine, source: str = LOOP) -> dict[str, Any]:
    step = engine.start(source, {})
    assert step.state is not None
    return copy.deepcopy(step.state)


def test_untouched_state_resumes_within_the_engine_limits(engine: Engine) -> None:
    result = engine.resume(paused(engine), None).result
    assert result is not None and result.outcome == "error"
    assert result.error is not None and result.error.startswith("Execution timed out after 0.05 seconds.")


@pytest.mark.parametrize("state", [None, [1], "x", {}, {"format": "hoglite-paused/0", "pending": {}}])
def test_things_that_are_not_states(engine: Engine, state: Any) -> None:
    with pytest.raises(HogRuntimeError) as caught:
        engine.resume(state, None)
    assert caught.value.message == "Not a paused hoglite invocation (expected format 'hoglite-paused/1')"


def test_unknown_kind(engine: Engine) -> None:
    state = paused(engine)
    state["kind"] = None
    with pytest.raises(HogRuntimeError) as caught:
        engine.resume(state, None)
    assert caught.value.message == "Unknown paused invocation kind: None"


def test_state_limits_cannot_loosen_the_engine_limits(engine: Engine) -> None:
    state = paused(engine)
    state["limits"]["timeout_seconds"] = 1e9  # the state asks for 30 years of CPU time
    result = engine.resume(state, None).result
    assert result is not None
    # The engine's 0.05 s applies (the op budget is only a backstop in case it does not).
    assert result.error is not None and result.error.startswith("Execution timed out after 0.05 seconds."), result.error


@pytest.mark.parametrize(("key", "value"), [
    ("limits", "x"),
    ("limits", {"bogus": 1}),
    ("logs", [{"a": 1}]),
    ("program", 5),
    ("pending", 5),
    ("fetches", [5]),
    ("globals", 5),
    ("vm", 5),
])
def test_malformed_engine_states_fail_with_a_clean_error(engine: Engine, key: str, value: Any) -> None:
    state = paused(engine)
    state[key] = value
    with pytest.raises(HogliteError) as caught:
        engine.resume(state, None)
    assert caught.value.message.startswith(f"Invalid paused state: {key}"), caught.value.message


def test_a_pending_fetch_needs_a_recorded_fetch(engine: Engine) -> None:
    state = paused(engine)
    state["pending"]["name"] = "fetch"
    with pytest.raises(HogliteError) as caught:
        engine.resume(state, {"status": 200, "body": {}})
    assert caught.value.message == "Invalid paused state: a fetch is pending but no fetch call is recorded"


def test_stricter_limits_given_to_start_survive_a_resume(engine: Engine) -> None:
    step = engine.start(LOOP, {}, limits=Limits(timeout_seconds=0.02, max_ops=1_000_000))
    assert step.state is not None
    result = engine.resume(copy.deepcopy(step.state), None).result
    assert result is not None and result.error is not None
    assert result.error.startswith("Execution timed out after 0.02 seconds."), result.error


def test_looser_limits_given_to_start_are_capped_on_resume(engine: Engine) -> None:
    step = engine.start(LOOP, {}, limits=Limits(timeout_seconds=1e9, max_ops=1_000_000))
    assert step.state is not None
    result = engine.resume(copy.deepcopy(step.state), None).result
    assert result is not None and result.error is not None
    assert result.error.startswith("Execution timed out after 0.05 seconds."), result.error


@pytest.mark.parametrize(("name", "value"), [
    ("timeout_seconds", float("nan")),
    ("timeout_seconds", float("inf")),
    ("timeout_seconds", -1),
    ("timeout_seconds", "1"),
    ("max_ops", True),
    ("max_async_steps", -5),
])
def test_state_limits_with_bad_values_are_refused(engine: Engine, name: str, value: Any) -> None:
    state = paused(engine)
    state["limits"][name] = value
    with pytest.raises(HogRuntimeError) as caught:
        engine.resume(state, None)
    assert caught.value.message == f"Invalid paused state: limits.{name} must be a finite number >= 0, not {value!r}"


def test_a_state_cannot_switch_the_op_budget_or_memory_limit_off(engine: Engine) -> None:
    state = paused(engine)
    state["limits"].update({"max_ops": None, "memory_bytes": 0, "timeout_seconds": 1e9})
    result = engine.resume(state, None).result
    assert result is not None and result.error is not None
    assert result.error.startswith("Execution timed out after 0.05 seconds."), result.error


@pytest.mark.parametrize(("key", "value", "message"), [
    ("ops", -1, "ops must be a whole number >= 0, not -1"),
    ("ops", 1.5, "ops must be a whole number >= 0, not 1.5"),
    ("active_ms", float("nan"), "active_ms must be a number of milliseconds >= 0, not nan"),
    ("logs", [{"timestamp": "t", "level": "loud", "message": "m"}],
     "logs[0].level must be one of debug, error, info, warn, not 'loud'"),
    ("fetches", [{"method": "GET", "url": "https://x.io/", "headers": {"a": 1}}],
     "fetches[0].headers must map header names to strings"),
    ("pending", {"name": 5}, "pending.name must be a string, not a number"),
])
def test_malformed_engine_state_errors_name_the_field(engine: Engine, key: str, value: Any, message: str) -> None:
    state = paused(engine)
    state[key] = value
    with pytest.raises(HogRuntimeError) as caught:
        engine.resume(state, None)
    assert caught.value.message == "Invalid paused state: " + message


# --- template invocations ---------------------------------------------------------------------------

TEMPLATE_CODE = "let r := fetch('https://api.example.com/a')\nlet i := 0\nwhile (true) { i := i + 1 }"


@pytest.fixture()
def template_engine() -> Engine:
    from hoglite.cdp.template import Template

    engine = Engine(template_limits=Limits(timeout_seconds=0.05, max_ops=1_000_000, max_async_steps=5))
    engine.register_template(Template(id="template-paused-probe", name="Paused probe", code=TEMPLATE_CODE))
    return engine


def paused_template(engine: Engine) -> dict[str, Any]:
    step = engine.start(engine.template("template-paused-probe"), {"event": "e", "properties": {}})
    assert step.state is not None and step.name == "fetch"
    return copy.deepcopy(step.state)


def test_template_state_limits_cannot_loosen_the_engine_limits(template_engine: Engine) -> None:
    state = paused_template(template_engine)
    state["limits"].update({"timeout_seconds": 1e9, "max_ops": None})
    result = template_engine.resume(state, {"status": 200, "body": {}}).result
    assert result is not None and result.error is not None
    assert result.error.startswith("Execution timed out after 0.05 seconds."), result.error


@pytest.mark.parametrize(("key", "value", "message"), [
    ("template", 5, "template must be an object, not a number"),
    ("globals", 5, "globals must be an object, not a number"),
    ("limits", "x", "limits must be an object, not a string"),
    ("logs", [5], "logs[0] must be an object, not a number"),
    ("fetches", [], "a fetch is pending but no fetch call is recorded"),
    ("vm", [], "vm must be an object, not a list"),
    ("prints", -3, "prints must be a whole number >= 0, not -3"),
    ("failed_fetch", 5, "failed_fetch must be a string, not a number"),
    ("fail_on_fetch_error", "no", "fail_on_fetch_error must be true or false, not a string"),
    ("mapping", [], "mapping must be a string, not a list"),
])
def test_malformed_template_states_fail_with_a_clean_error(template_engine: Engine, key: str, value: Any,
                                                           message: str) -> None:
    state = paused_template(template_engine)
    state[key] = value
    with pytest.raises(HogRuntimeError) as caught:
        template_engine.resume(state, {"status": 200, "body": {}})
    assert caught.value.message == "Invalid paused state: " + message


def test_a_pending_request_timeout_must_be_a_finite_number(template_engine: Engine) -> None:
    state = paused_template(template_engine)
    state["pending"]["request"]["timeoutMs"] = float("inf")
    with pytest.raises(HogRuntimeError) as caught:
        template_engine.resume(state, {"status": 200, "body": {}})
    assert caught.value.message == "Invalid paused state: pending.request.timeoutMs must be a number >= 0, not inf"
