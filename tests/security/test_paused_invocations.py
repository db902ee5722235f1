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
