"""sleep and run (hoglite/stl/control.py)."""

from __future__ import annotations

from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogRuntimeError
from hoglite.stl.control import ASYNC_NATIVES, sleep_seconds
from hoglite.stl.registry import NATIVE_FUNCTIONS


class Ctx:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "9b2f0e2c-6f3c-4b8e-9a51-3c1d2e4f5a6b"


class SleepingCtx(Ctx):
    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def call(name: str, *args: Any, ctx: Any = None) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), ctx or Ctx())


def test_sleep_is_async_and_needs_a_waiting_host() -> None:
    assert "sleep" in ASYNC_NATIVES
    assert sleep_seconds([0.5]) == 0.5
    assert sleep_seconds(["2"]) == 2.0
    assert sleep_seconds([-1]) == 0.0 and sleep_seconds([None]) == 0.0
    with pytest.raises(HogRuntimeError, match="^Unexpected async function call: sleep$"):
        call("sleep", 1)
    ctx = SleepingCtx()
    assert call("sleep", 0.25, ctx=ctx) is None
    assert ctx.slept == [0.25]


def test_run_without_a_team_is_empty() -> None:
    assert call("run", "select 1") == []
