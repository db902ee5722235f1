"""The VM's bookkeeping records: call frames, upvalues, throw frames, and their PostHog JSON shapes."""

from __future__ import annotations

from typing import Any

from hoglite.vm.values import Callable, Closure


class Frame:
    """One call frame. `ip` is the next element to run (for a caller: its return address)."""

    __slots__ = ("ip", "chunk", "stack_start", "arg_count", "closure")

    def __init__(self, ip: int, chunk: str, stack_start: int, arg_count: int, closure: Closure) -> None:
        self.ip = ip
        self.chunk = chunk
        self.stack_start = stack_start
        self.arg_count = arg_count
        self.closure = closure

    def __repr__(self) -> str:
        return f"Frame(ip={self.ip}, chunk={self.chunk!r}, stack_start={self.stack_start})"


class UpValue:
    """A captured variable: open while its stack slot (`location`) is live, then closed over `value`."""

    __slots__ = ("id", "location", "closed", "value")

    def __init__(self, id: int, location: int, closed: bool = False, value: Any = None) -> None:
        self.id = id
        self.location = location
        self.closed = closed
        self.value = value

    def __repr__(self) -> str:
        state = f"closed={self.value!r}" if self.closed else "open"
        return f"UpValue(id={self.id}, location={self.location}, {state})"


def root_closure() -> Closure:
    """The synthetic closure of the root frame (PostHog's TypeScript VM uses callable ip 1)."""
    return Closure(Callable("local", "", 0, 0, 1, "root"), [])


def frame_closure(name: str, arg_count: int, ip: int, chunk: str, kind: str = "local") -> Closure:
    return Closure(Callable(kind, name, arg_count, 0, ip, chunk), [])
