"""Base64 and URL percent-encoding, as node does them (UTF-8 text; lenient base64 decoding)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from hoglite.errors import HogRuntimeError
from hoglite.stl._common import clean_surrogates, expect_string, js_string, utf8_bytes
from hoglite.stl.registry import HostContext, native

_BASE64_VALUES = {ch: index for index, ch in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_BASE64_VALUES.update({"-": 62, "_": 63})  # node also reads the URL-safe alphabet


def lenient_base64_decode(text: str) -> bytes:
    """node's Buffer.from(text, 'base64'): both alphabets, other characters skipped, stop at '='."""
    sextets = []
    for ch in text:
        if ch == "=":
            break
        value = _BASE64_VALUES.get(ch)
        if value is not None:
            sextets.append(value)
    out = bytearray()
    for start in range(0, len(sextets), 4):
        group = sextets[start : start + 4]
        if len(group) < 2:
            break
        bits = 0
        for value in group:
            bits = (bits << 6) | value
        bits <<= 6 * (4 - len(group))
        out.extend(bits.to_bytes(3, "big")[: len(group) - 1])
    return bytes(out)


@native("base64Encode", 1, 1)
def base64_encode(args: list[Any], ctx: HostContext) -> Any:
    if args[0] is None:
        return None
    return base64.b64encode(utf8_bytes(expect_string("base64Encode", args[0]))).decode("ascii")


@native("base64Decode", 1, 1)
def base64_decode(args: list[Any], ctx: HostContext) -> Any:
    """Invalid characters are skipped and invalid UTF-8 becomes U+FFFD, as in node (never an error)."""
    if args[0] is None:
        return None
    return lenient_base64_decode(expect_string("base64Decode", args[0])).decode("utf-8", "replace")


@native("tryBase64Decode", 1, 1)
def try_base64_decode(args: list[Any], ctx: HostContext) -> Any:
    if not isinstance(args[0], str):
        return ""
    return lenient_base64_decode(args[0]).decode("utf-8", "replace")


@native("encodeURLComponent", 1, 1)
def encode_url_component(args: list[Any], ctx: HostContext) -> Any:
    """Percent-encode everything except A-Z a-z 0-9 - _ . ! ~ * ' ( ) (JavaScript's encodeURIComponent)."""
    if args[0] is None:
        return None
    text = js_string(args[0])
    if clean_surrogates(text) != text:
        raise HogRuntimeError("URI malformed")
    return quote(text, safe="!*'()~")


def decode_uri_component(text: str) -> str:
    """JavaScript's decodeURIComponent: %XX runs must be valid UTF-8, else 'URI malformed'."""
    out: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        percent = text.find("%", index)
        if percent == -1:
            out.append(text[index:])
            break
        out.append(text[index:percent])
        index = percent
        run = bytearray()
        while index < length and text[index] == "%":
            pair = text[index + 1 : index + 3]
            if len(pair) != 2 or not all(ch in "0123456789abcdefABCDEF" for ch in pair):
                raise HogRuntimeError("URI malformed")
            run.append(int(pair, 16))
            index += 3
        try:
            out.append(run.decode("utf-8"))
        except UnicodeDecodeError:
            raise HogRuntimeError("URI malformed") from None
    return "".join(out)


@native("decodeURLComponent", 1, 1)
def decode_url_component(args: list[Any], ctx: HostContext) -> Any:
    if args[0] is None:
        return None
    return decode_uri_component(js_string(args[0]))


@native("tryDecodeURLComponent", 1, 1)
def try_decode_url_component(args: list[Any], ctx: HostContext) -> Any:
    """Like decodeURLComponent, but malformed input gives null."""
    if args[0] is None:
        return None
    try:
        return decode_uri_component(js_string(args[0]))
    except HogRuntimeError:
        return None

