"""keys() and values() (hoglite/stl/dicts.py)."""

from __future__ import annotations

from typing import Any

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm.limits import Limits
from hoglite.vm.values import HogDate, HogErrorValue


class Ctx:
    limits = Limits()

    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "00000000-0000-4000-8000-000000000000"


class SmallCtx(Ctx):
    limits = Limits(max_string_length=100, max_container_size=10)


def call(name: str, *args: Any, ctx: Any = None) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), ctx or Ctx())


def test_keys_and_values() -> None:
    assert call("keys", [3, 4, 5]) == [0, 1, 2]
    assert call("values", [3, 4, 5]) == [3, 4, 5]
    assert call("keys", {"key": "value", "other": "val"}) == ["key", "other"]
    assert call("values", {"key": "value", "other": "val"}) == ["value", "val"]
    assert call("keys", None) == [] and call("values", None) == []  # nulls snapshot; the TS VM throws
    assert call("keys", "abc") == [] and call("values", 1) == []
    assert call("keys", ("a", "b")) == [0, 1]
    assert call("keys", HogErrorValue("Error", "x")) == ["__hogError__", "type", "message", "payload"]
    assert call("values", HogDate(2024, 5, 3)) == [True, 2024, 5, 3]
    items = [1]
    assert call("values", items) is not items
