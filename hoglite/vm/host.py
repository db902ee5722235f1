"""The host side of a run: the default host (collects printed lines) and the context built-ins get."""

from __future__ import annotations

import random as _random
import time
import uuid
from collections.abc import Callable
from typing import Any

from hoglite.vm.limits import DEFAULT_LIMITS, Limits


class DefaultHost:
    """Collects printed lines in `.output`; clock, randomness and UUIDs are injectable for tests."""

    def __init__(
        self,
        now: Callable[[], float] | None = None,
        random: Callable[[], float] | None = None,
        uuid4: Callable[[], str] | None = None,
    ) -> None:
        self.output: list[str] = []
        self._now = now or time.time
        self._random = random or _random.random
        self._uuid4 = uuid4 or (lambda: str(uuid.uuid4()))

    def print(self, text: str) -> None:
        self.output.append(text)

    def now(self) -> float:
        return self._now()

    def random(self) -> float:
        return self._random()

    def uuid4(self) -> str:
        return self._uuid4()


class RunContext:
    """What the VM passes to every built-in as `ctx`: the host's services plus the run's limits.

    Built-ins call `ctx.print(...)`, `ctx.now()`, `ctx.random()`, `ctx.uuid4()`; size-dependent ones call
    `hoglite.vm.limits.ensure_string_length(ctx, n)` / `ensure_container_size(ctx, n)` before allocating.
    """

    __slots__ = ("host", "limits", "print", "now", "random", "uuid4")

    def __init__(self, host: Any, limits: Limits = DEFAULT_LIMITS) -> None:
        self.host = host
        self.limits = limits
        self.print = host.print
        self.now = getattr(host, "now", time.time)
        self.random = getattr(host, "random", _random.random)
        self.uuid4 = getattr(host, "uuid4", lambda: str(uuid.uuid4()))
