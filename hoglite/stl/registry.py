"""The table of native built-ins and the context a built-in runs in.

Each family module (strings.py, arrays.py, ...) registers its functions with `@native(name, min, max)`.
`min_args`/`max_args` follow spec/data/stl.json (max None = unbounded); the VM checks them at the call
site before the function runs, and pads missing optional arguments with null only for `CALL_LOCAL`
calls of a built-in held in a variable (as PostHog does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class HostContext(Protocol):
    """What a built-in may ask of the run it belongs to. The VM provides it; hosts inject the parts."""

    def print(self, text: str) -> None:
        """Append one line to the run's output."""

    def now(self) -> float:
        """The current time as epoch seconds (injected, so tests pin it)."""

    def random(self) -> float:
        """A float in [0, 1) (injected)."""

    def uuid4(self) -> str:
        """A random UUID string (injected)."""


NativeImpl = Callable[[list[Any], HostContext], Any]


@dataclass(frozen=True, slots=True)
class NativeFunction:
    name: str
    impl: NativeImpl
    min_args: int
    max_args: int | None


NATIVE_FUNCTIONS: dict[str, NativeFunction] = {}


def native(name: str, min_args: int, max_args: int | None) -> Callable[[NativeImpl], NativeImpl]:
    """Register `impl` as the built-in `name`."""

    def register(impl: NativeImpl) -> NativeImpl:
        if name in NATIVE_FUNCTIONS:
            raise ValueError(f"built-in {name} registered twice")
        NATIVE_FUNCTIONS[name] = NativeFunction(name, impl, min_args, max_args)
        return impl

    return register
