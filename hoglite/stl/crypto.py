"""Hashes and HMAC chains over the UTF-8 bytes of strings.

`encoding` selects the output text: 'hex' (the default), 'base64', 'base64url' (no padding), or
'binary' / 'latin1' (one character per byte), as node's `digest(encoding)` gives them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.stl._common import expect_string, is_array, js_string, utf8_bytes, utf16_units
from hoglite.stl.registry import HostContext, native


def encode_digest(digest: bytes, encoding: Any) -> str:
    if encoding is None or encoding == "hex":
        return digest.hex()
    if encoding == "base64":
        return base64.b64encode(digest).decode("ascii")
    if encoding == "base64url":
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    if encoding in ("binary", "latin1"):
        return digest.decode("latin-1")
    raise HogRuntimeError(
        f"Unknown encoding: {js_string(encoding)}. Use 'hex', 'base64', 'base64url' or 'binary'"
    )


def _hash(function: str, algorithm: str, args: list[Any]) -> Any:
    data = args[0]
    encoding = args[1] if len(args) > 1 else None
    if data is None:
        return None
    digest = hashlib.new(algorithm, utf8_bytes(expect_string(function, data))).digest()
    return encode_digest(digest, encoding)


def hmac_chain(function: str, algorithm: str, data: Any, encoding: Any) -> str:
    """HMAC(key=data[1], msg=data[2]), then each further item is HMAC'd with the previous raw digest as key."""
    if isinstance(data, str):
        # The oracle indexes its argument, so a string is a list of its UTF-16 code units.
        data = utf16_units(data)
    if not is_array(data):
        raise HogRuntimeError(f"{function}() expects an array of strings")
    if len(data) < 2:
        raise HogRuntimeError("Data array must contain at least two elements.")
    items = [utf8_bytes(expect_string(function, item, "an array of strings")) for item in data]
    digest = hmac.new(items[0], items[1], algorithm).digest()
    for item in items[2:]:
        digest = hmac.new(digest, item, algorithm).digest()
    return encode_digest(digest, encoding)


@native("md5", 1, 2)
def md5(args: list[Any], ctx: HostContext) -> Any:
    return _hash("md5", "md5", args)


@native("md5Hex", 1, 1)
def md5_hex(args: list[Any], ctx: HostContext) -> Any:
    return _hash("md5Hex", "md5", args[:1])


@native("sha1", 1, 2)
def sha1(args: list[Any], ctx: HostContext) -> Any:
    return _hash("sha1", "sha1", args)


@native("sha1Hex", 1, 1)
def sha1_hex(args: list[Any], ctx: HostContext) -> Any:
    return _hash("sha1Hex", "sha1", args[:1])


@native("sha256", 1, 2)
def sha256(args: list[Any], ctx: HostContext) -> Any:
    return _hash("sha256", "sha256", args)


@native("sha256Hex", 1, 1)
def sha256_hex(args: list[Any], ctx: HostContext) -> Any:
    return _hash("sha256Hex", "sha256", args[:1])


@native("sha1HmacChain", 1, 2)
def sha1_hmac_chain(args: list[Any], ctx: HostContext) -> Any:
    return hmac_chain("sha1HmacChain", "sha1", args[0], args[1] if len(args) > 1 else None)


@native("sha1HmacChainHex", 1, 1)
def sha1_hmac_chain_hex(args: list[Any], ctx: HostContext) -> Any:
    return hmac_chain("sha1HmacChainHex", "sha1", args[0], "hex")


@native("sha256HmacChain", 1, 2)
def sha256_hmac_chain(args: list[Any], ctx: HostContext) -> Any:
    return hmac_chain("sha256HmacChain", "sha256", args[0], args[1] if len(args) > 1 else None)


@native("sha256HmacChainHex", 1, 1)
def sha256_hmac_chain_hex(args: list[Any], ctx: HostContext) -> Any:
    return hmac_chain("sha256HmacChainHex", "sha256", args[0], "hex")
