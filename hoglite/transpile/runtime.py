"""Assembling a transpiled program: the runtime it needs, cut to what it uses, around its code.

prelude.js (language helpers) and the stl*.js files (standard library) are split into sections headed
`//# NAME: DEPENDENCIES`. A standard-library function `f` lives in the section `stl:f` and is the
JavaScript function `__stl_f(rt, ...args)`; its arity comes from hoglite's own built-in table
(hoglite.stl.registry), so both back ends check calls the same way. The built-ins written in Hog
(hoglite/stl/hog/*.hog) are transpiled like any program, once per sync/async flavour.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from hoglite.source import Span

_HEADER = re.compile(r"^//# (?P<name>[^\s:]+(?::[^\s:]+)?):(?P<deps>.*)$")
RUNTIME_FILES = ("prelude.js", "operators.js", "stl.js", "stl_json.js", "stl_crypto.js", "stl_dates.js")
ALWAYS = ("core",)


@dataclass(frozen=True)
class Section:
    name: str
    code: str
    deps: tuple[str, ...]


def _parse(text: str, sections: dict[str, Section]) -> None:
    name: str | None = None
    deps: tuple[str, ...] = ()
    lines: list[str] = []

    def flush() -> None:
        if name is not None:
            sections[name] = Section(name, "\n".join(lines).strip() + "\n", deps)

    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            flush()
            name = match.group("name")
            deps = tuple(match.group("deps").split())
            lines = []
        elif name is not None:
            lines.append(line)
    flush()


@lru_cache(maxsize=1)
def sections() -> dict[str, Section]:
    found: dict[str, Section] = {}
    for filename in RUNTIME_FILES:
        resource = resources.files("hoglite.transpile").joinpath(filename)
        if resource.is_file():
            _parse(resource.read_text(encoding="utf-8"), found)
    return found


@lru_cache(maxsize=1)
def native_arities() -> dict[str, tuple[int, int | None]]:
    """Arity of every native built-in that has a JavaScript implementation."""
    import hoglite.stl  # noqa: F401  (registers the built-ins)
    from hoglite.stl.registry import NATIVE_FUNCTIONS

    available = sections()
    return {
        name: (native.min_args, native.max_args)
        for name, native in NATIVE_FUNCTIONS.items()
        if f"stl:{name}" in available
    }


@lru_cache(maxsize=1)
def unsupported_natives() -> frozenset[str]:
    """Native built-ins the JavaScript back end does not provide (calling one fails at transpile time)."""
    import hoglite.stl  # noqa: F401
    from hoglite.stl.registry import NATIVE_FUNCTIONS

    return frozenset(NATIVE_FUNCTIONS) - set(native_arities())


@lru_cache(maxsize=1)
def hog_stl_arities() -> dict[str, int]:
    """The built-ins written in Hog, with their parameter counts."""
    from hoglite.stl.bytecode import bytecode_stl_names

    return {name: len(_hog_stl_function(name).params) for name in sorted(bytecode_stl_names())}


def _hog_stl_function(name: str):  # -> ast.Function
    from hoglite.syntax import ast, parse_program

    text = resources.files("hoglite.stl").joinpath("hog", f"{name}.hog").read_text(encoding="utf-8")
    program = parse_program(text)
    for statement in program.statements:
        if isinstance(statement, ast.Function) and statement.name == name:
            return statement
    raise LookupError(f"hoglite/stl/hog/{name}.hog defines no function {name}")


@lru_cache(maxsize=64)
def hog_stl_code(name: str, is_async: bool) -> tuple[str, frozenset[str], frozenset[str], frozenset[str]]:
    """(code, helper sections, stl functions, hog built-ins) of one Hog-written built-in."""
    from hoglite.transpile.javascript import ASYNC_BUILTINS, Transpiler

    transpiler = Transpiler(
        async_names=ASYNC_BUILTINS, natives=native_arities(), hog_stl=hog_stl_arities(),
        is_async=is_async, record_sites=False, unsupported=unsupported_natives(),
    )
    code = transpiler.hog_builtin(_hog_stl_function(name))
    return code, frozenset(transpiler.helpers), frozenset(transpiler.stl), frozenset(transpiler.hog_stl)


@lru_cache(maxsize=1)
def symbol_sections() -> dict[str, str]:
    """Which section defines each top-level function, class or constant of the runtime."""
    found: dict[str, str] = {}
    pattern = re.compile(r"^(?:async )?(?:function|class|const|let) ([A-Za-z_$][A-Za-z0-9_$]*)", re.MULTILINE)
    for name, section in sections().items():
        for match in pattern.finditer(section.code):
            found.setdefault(match.group(1), name)
    return found


def collect(helpers: set[str], stl: set[str], hog_stl: set[str], is_async: bool) -> str:
    """The runtime text: wanted sections (with their dependencies) in file order, the transpiled
    Hog-written built-ins, and the tables built-ins-as-values are looked up in."""
    available = sections()
    helpers = set(helpers)
    stl = set(stl)
    hog_pending = list(hog_stl)
    hog_done: dict[str, str] = {}
    while hog_pending:
        name = hog_pending.pop()
        if name in hog_done:
            continue
        code, more_helpers, more_stl, more_hog = hog_stl_code(name, is_async)
        hog_done[name] = code
        helpers |= more_helpers
        stl |= more_stl
        hog_pending.extend(more_hog)
    wanted: set[str] = set()
    symbols = symbol_sections()
    resolved = {h if h in available else symbols.get(h, "") for h in helpers} - {""}
    pending = [*ALWAYS, *resolved, *(f"stl:{n}" for n in stl)]
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        if name not in available:
            raise KeyError(f"runtime section {name!r} is missing")
        wanted.add(name)
        pending.extend(available[name].deps)
    chunks = [section.code for name, section in available.items() if name in wanted]
    chunks.extend(hog_done[name] for name in sorted(hog_done))
    arities = native_arities()
    stl_names = sorted(name.removeprefix("stl:") for name in wanted if name.startswith("stl:"))
    table = ", ".join(f"{json.dumps(n)}: __stl_{n}" for n in stl_names)
    arity = json.dumps({n: list(arities[n]) for n in stl_names if n in arities}, separators=(",", ":"))
    hog_counts = hog_stl_arities()
    # Hog-written built-ins as values: name -> parameter count (they are never called through a value).
    hog_table = ", ".join(f"{json.dumps(n)}: {hog_counts[n]}" for n in sorted(hog_done))
    chunks.append(
        f"const __STL_TABLE = {{{table}}};\nconst __STL_ARITY = {arity};\nconst __HOG_STL_TABLE = {{{hog_table}}};\n"
    )
    return "\n".join(chunks)


def site_table(text: str, spans: list[Span]) -> tuple[str, dict[str, int]]:
    """Strip the site markers from `text`; return it and the map "line:column" -> site index, where
    line and column (1-based) are where V8 reports a call made at that site."""
    from hoglite.transpile.javascript import SITE_END, SITE_START

    out: list[str] = []
    positions: dict[str, int] = {}
    line = 1
    column = 1
    index = 0
    length = len(text)
    while index < length:
        start = text.find(SITE_START, index)
        chunk = text[index:] if start < 0 else text[index:start]
        out.append(chunk)
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            column = len(chunk) - chunk.rfind("\n")
        else:
            column += len(chunk)
        if start < 0:
            break
        end = text.index(SITE_END, start)
        site = int(text[start + 1 : end])
        positions.setdefault(f"{line}:{column}", site)
        index = end + 1
    return "".join(out), positions
