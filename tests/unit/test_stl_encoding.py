"""Base64 and URL encoding (hoglite/stl/encoding.py)."""

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


def test_base64() -> None:
    assert call("base64Encode", "http://www.google.com") == "aHR0cDovL3d3dy5nb29nbGUuY29t"
    assert call("base64Encode", "tom & jerry") == "dG9tICYgamVycnk="
    assert call("base64Encode", "é😀") == "w6nwn5iA"
    assert call("base64Decode", "dG9tICYgamVycnk=") == "tom & jerry"
    assert call("base64Encode", None) is None and call("base64Decode", None) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("aGVsbG8", "hello"), ("aGV sbG8=", "hello"), ("a*GVs!bG8", "hello"), ("aGVsbG8=aGVsbG8=", "hello"),
    ("_-8", "\ufffd\ufffd"), ("gA==", "\ufffd"), ("4oI=", "\ufffd"), ("Q", ""),
])
def test_base64_decode_is_lenient_like_node(text: str, expected: str) -> None:
    assert call("base64Decode", text) == expected
    assert call("tryBase64Decode", text) == expected


def test_try_base64_decode_of_non_string() -> None:
    assert call("tryBase64Decode", None) == ""


def test_url_encoding() -> None:
    assert call("encodeURLComponent", "http://www.google.com") == "http%3A%2F%2Fwww.google.com"
    assert call("encodeURLComponent", "tom & jerry") == "tom%20%26%20jerry"
    assert call("encodeURLComponent", "!*'()~-_.") == "!*'()~-_."
    assert call("encodeURLComponent", "é 😀") == "%C3%A9%20%F0%9F%98%80"
    assert call("encodeURLComponent", 12) == "12"
    assert call("decodeURLComponent", "tom%20%26%20jerry") == "tom & jerry"
    assert call("decodeURLComponent", "a+b%2B") == "a+b+"
    assert call("decodeURLComponent", "%C3%A9%F0%9F%98%80") == "é😀"


@pytest.mark.parametrize("text", ["%", "%2", "%zz", "%E0%A4%A", "%C0%AF", "%ED%A0%80", "%FF"])
def test_malformed_uri(text: str) -> None:
    with pytest.raises(HogRuntimeError, match="^URI malformed$"):
        call("decodeURLComponent", text)
    assert call("tryDecodeURLComponent", text) is None


def test_try_decode_url_component() -> None:
    assert call("tryDecodeURLComponent", "hello%20world") == "hello world"
    assert call("tryDecodeURLComponent", "") == ""
    assert call("tryDecodeURLComponent", None) is None
