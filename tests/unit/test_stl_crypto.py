"""Hashes and HMAC chains (hoglite/stl/crypto.py)."""

from __future__ import annotations

from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogRuntimeError
from hoglite.stl.registry import NATIVE_FUNCTIONS


class Ctx:
    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "00000000-0000-4000-8000-000000000000"


def call(name: str, *args: Any) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), Ctx())


SECRET = "this is a secure string"


def test_hashes_spec_examples() -> None:
    assert call("md5Hex", SECRET) == "e7b466647ea215dbe59b00c756560911"
    assert call("md5", SECRET, "base64") == "57RmZH6iFdvlmwDHVlYJEQ=="
    assert call("md5", SECRET, "base64url") == "57RmZH6iFdvlmwDHVlYJEQ"
    assert call("sha256Hex", SECRET) == "5216c0931310b31737ef30353830c234901283544e934f54eb75f622cfb86c9d"
    assert call("sha256", SECRET, "base64") == "UhbAkxMQsxc37zA1ODDCNJASg1ROk09U63X2Is+4bJ0="
    assert call("sha256", SECRET, "base64url") == "UhbAkxMQsxc37zA1ODDCNJASg1ROk09U63X2Is-4bJ0"
    assert call("sha1Hex", SECRET) == "2de98f7d07c2b25e6a364dce2e693a1faed9f4bd"
    assert call("sha1", SECRET) == "2de98f7d07c2b25e6a364dce2e693a1faed9f4bd"
    assert len(call("md5", SECRET, "binary")) == 16
    assert call("md5Hex", None) is None and call("sha256", None, "base64") is None


def test_unknown_encoding_is_an_error() -> None:
    with pytest.raises(HogRuntimeError, match="^Unknown encoding: foo"):
        call("md5", "x", "foo")


def test_hmac_chains() -> None:
    assert call("sha256HmacChainHex", ["secret", "message"]) == (
        "8b5f48702995c1598c573db1e21866a9b825d4a794d169d7060a03605796360b")
    assert call("sha256HmacChainHex", ["1", "string", "more", "keys"]) == (
        "826820d7eeca97f26ca18096be85fed346f6fd9cc18d64e72c935bea3450dbd9")
    assert call("sha256HmacChain", ["1", "string", "more", "keys"], "base64") == (
        "gmgg1+7Kl/JsoYCWvoX+00b2/ZzBjWTnLJNb6jRQ29k=")
    assert call("sha1HmacChainHex", ["secret", "message"]) == "0caf649feee4953d87bf903ac1176c45e028df16"
    assert call("sha1HmacChain", ["1", "string", "more"], "base64") == "r7QUK6o6nPmq/GdZLLbaj8TsKCU="


@pytest.mark.parametrize(("data", "message"), [
    (["only one"], "^Data array must contain at least two elements.$"),
    ("a", "^Data array must contain at least two elements.$"),
    (5, r"expects an array of strings"),
    (["a", 1], r"expects an array of strings, got integer"),
])
def test_hmac_chain_errors(data: Any, message: str) -> None:
    with pytest.raises(HogRuntimeError, match=message):
        call("sha256HmacChainHex", data)


def test_hmac_chain_of_a_string_uses_its_characters() -> None:
    # The oracle indexes its argument: 'ab' is the chain ['a', 'b'].
    assert call("sha256HmacChainHex", "ab") == call("sha256HmacChainHex", ["a", "b"])
