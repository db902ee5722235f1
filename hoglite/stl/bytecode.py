"""The "bytecode STL": built-ins written in Hog (hoglite/stl/hog/<name>.hog), compiled by our compiler.

PostHog ships the same functions as a generated table `name -> (param names, header-less bytecode)`
and runs each as a chunk named `stl/<name>`. A paused VM state can hold frames whose `ip` points into
such a chunk, so our arrays must be identical to PostHog's (tests/unit/test_bytecode_stl.py checks
this against the oracle's table). The VM looks up the native table first: a native built-in of the
same name wins over a bytecode-STL one.

Each source file holds exactly one `fun <name>(...) { ... }` named like the file. Only the function's
body is compiled, with its parameters as the initial locals and no `_H` header.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources

from hoglite.errors import HogSyntaxError
from hoglite.source import Span

_PACKAGE = "hoglite.stl"
_FOLDER = "hog"


@dataclass(frozen=True)
class BytecodeFunction:
    name: str
    params: list[str]
    bytecode: list
    source_map: dict[int, Span]
    source: str

    @property
    def chunk(self) -> str:
        return f"stl/{self.name}"


_lock = threading.Lock()
_table: dict[str, BytecodeFunction] | None = None


@functools.cache
def bytecode_stl_names() -> frozenset[str]:
    """The names of the bytecode-STL functions (from the source files; nothing is compiled)."""
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return frozenset(entry.name[: -len(".hog")] for entry in folder.iterdir() if entry.name.endswith(".hog"))


def _compile_one(name: str) -> BytecodeFunction:
    from hoglite.compiler.emit import compile_function_body_with_map
    from hoglite.syntax import ast, parse_program

    filename = f"{name}.hog"
    source = resources.files(_PACKAGE).joinpath(_FOLDER, filename).read_text(encoding="utf-8")
    program = parse_program(source)
    functions = [statement for statement in program.statements if isinstance(statement, ast.Function)]
    if len(program.statements) != 1 or len(functions) != 1 or functions[0].name != name:
        raise HogSyntaxError(
            f"stl/hog/{filename} must hold exactly one function named {name}",
            source=source,
            source_name=filename,
        )
    params, bytecode, source_map = compile_function_body_with_map(functions[0], source=source, name=filename)
    return BytecodeFunction(name, params, bytecode, source_map, source)


def load_bytecode_stl() -> dict[str, BytecodeFunction]:
    """Compile every bytecode-STL function (once per process) and return the table."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = {name: _compile_one(name) for name in sorted(bytecode_stl_names())}
    return _table


def get_bytecode_stl(name: str) -> tuple[list[str], list] | None:
    """`(param names, header-less bytecode)` of a bytecode-STL function, or None if there is none."""
    function = load_bytecode_stl().get(name)
    if function is None:
        return None
    return function.params, function.bytecode


def get_bytecode_function(name: str) -> BytecodeFunction | None:
    """Like `get_bytecode_stl`, with the source map and source (for error positions in `stl/<name>`)."""
    return load_bytecode_stl().get(name)


class _LazyTable(Mapping[str, tuple[list[str], list]]):
    """`BYTECODE_STL[name] -> (params, bytecode)`, PostHog's table shape, compiled on first access."""

    def __getitem__(self, name: str) -> tuple[list[str], list]:
        found = get_bytecode_stl(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(bytecode_stl_names()))

    def __len__(self) -> int:
        return len(bytecode_stl_names())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in bytecode_stl_names()


BYTECODE_STL: Mapping[str, tuple[list[str], list]] = _LazyTable()
