"""The built-ins the VM itself relies on: `print`.

`print(a, b, ...)` writes one line: each argument in print format (strings raw, everything else in the
repr format of hog-language.md §7.2), joined by single spaces, through the run's host (`ctx.print`).
(`typeof` lives with the other type built-ins in types.py.)
"""

from __future__ import annotations

from typing import Any

from hoglite.stl.registry import HostContext, native
from hoglite.vm.values import print_string


@native("print", 0, None)
def print_(args: list[Any], ctx: HostContext) -> None:
    ctx.print(" ".join(print_string(arg) for arg in args))
    return None
