"""isIPAddressInRange (hoglite/stl/ip.py)."""

from __future__ import annotations

from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
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


@pytest.mark.parametrize(("address", "cidr", "expected"), [
    ("192.168.1.5", "192.168.1.0/24", True), ("192.168.1.5", "192.168.2.0/24", False),
    ("8.8.8.8", "0.0.0.0/0", True), ("2001:db8::1:5", "2001:db8::1:0/112", True),
    ("2001:db8:1::5", "2001:db8:2::/48", False), ("192.168.1.1", "192.168.1.0/33", False),
    ("192.168.1.256", "192.168.1.0/24", False), ("fe80::1", "fe80::/10", True),
    (None, "192.168.1.0/24", False), (123, "1.2.3.0/24", False), ("10.1.2.3", "10.0.0.0", False),
    ("10.1.2.3", "10.1.2.3/32", True), ("10.1.2.3", "10.1.2.0/-1", False),
    ("192.168.1.5", "192.168.1.7/30", True), ("192.168.1.9", "192.168.1.7/30", False),
    ("::1", "::1/128", True), ("1.2.3.4", "::/0", False), ("01.2.3.4", "1.2.3.0/24", False),
    ("1:2:3:4:5:6:7:8:9", "::/0", False), ("1.2.3.4", "1.2.3.4/ 32", True), ("1::2::3", "::/0", False),
    ("192.168.1.1", 24, False),
])
def test_is_ip_address_in_range(address: Any, cidr: Any, expected: bool) -> None:
    assert call("isIPAddressInRange", address, cidr) is expected
