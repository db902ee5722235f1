"""Error value constructors (hoglite/stl/errors.py)."""

from __future__ import annotations

from typing import Any

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm.values import HogErrorValue, print_value


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


def test_error_constructors() -> None:
    assert print_value(call("Error", "boom")) == "Error('boom')"
    assert print_value(call("Error", "x", {"a": 1})) == "Error('x', {'a': 1})"
    assert print_value(call("Error")) == "Error('An error occurred')"
    assert print_value(call("Error", "BigError", "message")) == "Error('BigError', 'message')"
    assert print_value(call("RetryError", "later")) == "RetryError('later')"
    assert print_value(call("NotImplementedError", "todo")) == "NotImplementedError('todo')"
    assert print_value(call("HogError", "CustomError", "bad input")) == "CustomError('bad input')"
    assert print_value(call("HogError", None)) == "Error('An error occurred')"
    error = call("HogError", "T", [], 1)
    assert isinstance(error, HogErrorValue)
    assert error["message"] == [] and error["payload"] == 1  # JavaScript truthiness: [] is kept
