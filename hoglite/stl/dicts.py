"""keys() and values(): of a dict, its keys/values in insertion order; of an array or tuple, its 0-based
indices / a copy of its items; of anything else (null included), an empty array.

A function value is a closure record in PostHog's VM (`{__hogClosure__, callable, upvalues}`), and
keys()/values() show those three fields there. The higher-order built-ins walk `values(arr)`, so this is
what makes `arrayMap([1, 2], x -> x)` (arguments swapped) fail with `Invalid closure: [1,2]` as in the
oracle instead of quietly returning [].
"""

from __future__ import annotations

from typing import Any

from hoglite.stl._common import is_array
from hoglite.stl.registry import HostContext, native
from hoglite.vm.values import Closure

_CLOSURE_FIELDS = ["__hogClosure__", "callable", "upvalues"]


@native("keys", 1, 1)
def keys(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    if is_array(value):
        return list(range(len(value)))
    if isinstance(value, dict):
        # Errors and dates are records with visible marker fields, so their keys include the marker.
        return list(value.keys())
    if isinstance(value, Closure):
        return list(_CLOSURE_FIELDS)
    return []


@native("values", 1, 1)
def values(args: list[Any], ctx: HostContext) -> Any:
    value = args[0]
    if is_array(value):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, Closure):
        return [True, value.callable, list(value.upvalues)]
    return []
