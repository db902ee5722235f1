"""keys() and values(): of a dict, its keys/values in insertion order; of an array or tuple, its 0-based
indices / a copy of its items; of anything else (null included), an empty array."""

from __future__ import annotations

from typing import Any

from hoglite.stl._common import is_array
from hoglite.stl.registry import HostContext, native


@native("keys", 1, 1)
def keys(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    if is_array(value):
        return list(range(len(value)))
    if isinstance(value, dict):
        # Errors and dates are records with visible marker fields, so their keys include the marker.
        return list(value.keys())
    return []


@native("values", 1, 1)
def values(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    if is_array(value):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return []
