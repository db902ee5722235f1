"""`sleep` and `run`: the two built-ins that touch the world outside the VM.

`sleep(seconds)` is asynchronous in PostHog's TypeScript VM: the call pauses the VM (one async step)
and the host resumes it with `null` once the time has passed. `ASYNC_NATIVES` names such built-ins so
the VM can pause on them exactly as it pauses on a host async function; `sleep_seconds` gives the
validated wait. If the native is nevertheless called synchronously, it asks the context for a
`sleep(seconds)` method (a host that can wait) and otherwise fails the way the oracle's synchronous
`exec` does.

`run(query)` is PostHog-Python-only: it runs a HogQL query for the current team. hoglite has no team
and no database, which is the case in which PostHog's own VM returns an empty list.
"""

from __future__ import annotations

import math
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.stl._common import js_to_number
from hoglite.stl.registry import HostContext, native

ASYNC_NATIVES: frozenset[str] = frozenset({"sleep"})


def sleep_seconds(args: list[Any]) -> float:
    """The wait asked for, as JavaScript's setTimeout reads it: not a positive number -> 0."""
    seconds = js_to_number(args[0] if args else None)
    if seconds != seconds or seconds <= 0:
        return 0.0
    return float(seconds) if math.isfinite(seconds) else math.inf


@native("sleep", 1, 1)
def sleep(args: list[Any], ctx: HostContext) -> Any:
    seconds = sleep_seconds(args)
    waiter = getattr(ctx, "sleep", None)
    if not callable(waiter):
        raise HogRuntimeError("Unexpected async function call: sleep")
    waiter(seconds)
    return None


@native("run", 1, 1)
def run(args: list[Any], ctx: HostContext) -> Any:
    return []
