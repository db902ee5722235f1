"""Every sandbox limit of a VM run, in one place, with PostHog's exact messages.

The first five limits are PostHog's (`@posthog/hogvm` defaults and messages, spec hog-bytecode.md §9);
the last three are hoglite's own and exist so that nothing a Hog program does can exhaust the host
(a Python MemoryError, a hang in a built-in, a list of a billion nulls). A breach raises `HogLimitError`,
which Hog `try`/`catch` cannot catch.

Built-ins that build strings or containers whose size depends on their input call
`ensure_string_length(ctx, n)` / `ensure_container_size(ctx, n)` BEFORE allocating: `ctx` is the
context the VM passes to every built-in (it carries the run's `limits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoglite.errors import HogLimitError

DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits of one VM run (cumulative across pause/resume where that makes sense).

    - timeout_seconds: synchronous execution time; time spent waiting for async calls is excluded.
      Checked every 32 ops and at every call, against the total over all resumes (as PostHog does).
    - memory_bytes: PostHog's stack estimate (hog-bytecode.md §3.3); 0 or less disables it.
    - max_call_depth: frames on the call stack.
    - max_args: arguments of one call.
    - max_async_steps: async calls (pauses) per run, cumulative across resumes.
    - max_ops: an op budget (None = unlimited): a deterministic alternative to the timeout.
    - max_string_length: longest string a built-in may build (characters).
    - max_container_size: most elements an array/dict may get from a built-in or an index assignment.
    """

    timeout_seconds: float = 5.0
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    max_call_depth: int = 1000
    max_args: int = 300
    max_async_steps: int = 100
    max_ops: int | None = None
    max_string_length: int = DEFAULT_MEMORY_BYTES
    max_container_size: int = DEFAULT_MEMORY_BYTES // 8


DEFAULT_LIMITS = Limits()


def format_seconds(seconds: float) -> str:
    """Seconds the way JavaScript prints `ms / 1000` (5 -> '5', 0.55 -> '0.55')."""
    from hoglite.vm.values import format_number

    return format_number(float(seconds))


def timeout_message(limits: Limits, ops: int) -> str:
    return f"Execution timed out after {format_seconds(limits.timeout_seconds)} seconds. Performed {ops} ops."


def memory_message(limit: int, used: int) -> str:
    return f"Memory limit of {limit} bytes exceeded. Tried to allocate {used} bytes."


def call_depth_message(limits: Limits) -> str:
    return f"Call stack exceeded maximum length of {limits.max_call_depth}"


def async_steps_message(limits: Limits) -> str:
    return f"Exceeded maximum number of async steps: {limits.max_async_steps}"


def op_budget_message(limits: Limits) -> str:
    return f"Operation budget of {limits.max_ops} ops exceeded"


TOO_MANY_ARGUMENTS = "Too many arguments"


def limits_of(ctx: Any) -> Limits:
    """The limits of the run `ctx` belongs to (the defaults for a context without any)."""
    limits = getattr(ctx, "limits", None)
    return limits if isinstance(limits, Limits) else DEFAULT_LIMITS


def ensure_string_length(ctx: Any, length: int) -> None:
    """Raise HogLimitError if a string of `length` characters may not be built in this run."""
    limit = limits_of(ctx).max_string_length
    if length > limit:
        raise HogLimitError(f"String length limit of {limit} characters exceeded. Tried to build {length}.")


def ensure_container_size(ctx: Any, size: int) -> None:
    """Raise HogLimitError if a container with `size` elements may not be built in this run."""
    limit = limits_of(ctx).max_container_size
    if size > limit:
        raise HogLimitError(f"Container size limit of {limit} elements exceeded. Tried to build {size}.")
