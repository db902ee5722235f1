"""isIPAddressInRange: IPv4/IPv6 CIDR membership, string-parsed exactly as PostHog's TypeScript VM does.

Host bits in the network part are allowed. Mixed families, malformed input or non-strings give
false; the function never raises.
"""

from __future__ import annotations

import math
from typing import Any

from hoglite.stl._common import js_parse_int, js_to_number
from hoglite.stl.registry import HostContext, native


def _ipv4_bytes(text: str) -> bytes | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    out = bytearray()
    for part in parts:
        # Only canonical decimal numbers 0-255: no sign, no leading zeros, no spaces.
        if not part.isascii() or not part.isdigit() or str(int(part)) != part or int(part) > 255:
            return None
        out.append(int(part))
    return bytes(out)


def _ipv6_bytes(text: str) -> bytes | None:
    if "::" in text:
        if text.count("::") > 1:
            return None
        head, tail = text.split("::")[:2]
        head_parts = head.split(":") if head else []
        tail_parts = tail.split(":") if tail else []
        if len(head_parts) + len(tail_parts) > 7:
            return None
        parts = head_parts + ["0"] * (8 - len(head_parts) - len(tail_parts)) + tail_parts
    else:
        parts = text.split(":")
        if len(parts) != 8:
            return None
    out = bytearray()
    for part in parts:
        if part == "":
            return None
        value = js_parse_int(part, 16)  # a hex prefix is enough, as parseInt(part, 16) reads it
        if value != value or value < 0 or value > 0xFFFF:
            return None
        out.extend(int(value).to_bytes(2, "big"))
    return bytes(out)


def ip_in_range(address: Any, cidr: Any) -> bool:
    if not isinstance(address, str) or not isinstance(cidr, str) or not address or not cidr:
        return False
    parts = cidr.split("/")
    network = parts[0]
    mask = parts[1] if len(parts) > 1 else ""
    if not network or not mask:
        return False
    prefix = js_to_number(mask)
    if prefix != prefix or prefix < 0:
        return False
    is_v4 = "." in address and "." in network
    is_v6 = not is_v4 and ":" in address and ":" in network
    if not is_v4 and not is_v6:
        return False
    if (is_v4 and prefix > 32) or (is_v6 and prefix > 128):
        return False
    parse = _ipv4_bytes if is_v4 else _ipv6_bytes
    address_bytes, network_bytes = parse(address), parse(network)
    if address_bytes is None or network_bytes is None:
        return False
    bits = int(math.trunc(prefix))
    full_bytes, rest = bits >> 3, bits & 7
    if address_bytes[:full_bytes] != network_bytes[:full_bytes]:
        return False
    if rest and full_bytes < len(address_bytes):
        mask_bits = (0xFF << (8 - rest)) & 0xFF
        if (address_bytes[full_bytes] & mask_bits) != (network_bytes[full_bytes] & mask_bits):
            return False
    return True


@native("isIPAddressInRange", 2, 2)
def is_ip_address_in_range(args: list[Any], ctx: HostContext) -> Any:
    return ip_in_range(args[0], args[1])
