"""The JavaScript runtime that transpiled programs carry, cut to what each program uses.

prelude.js (language helpers) and stl.js (standard library) are split into sections headed
`//# NAME: DEPENDENCIES`; `collect_runtime` returns the sections a program needs, in file order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_HEADER = re.compile(r"^//# (?P<name>(?:stl:)?[^\s:]+)(?P<arity> \d+ (?:\d+|\*)(?: callback)?)?:(?P<deps>.*)$")


@dataclass(frozen=True)
class Section:
    name: str
    code: str
    deps: tuple[str, ...]


@dataclass(frozen=True)
class StlSpec:
    min_args: int
    max_args: int | None
    calls_back: bool


def _parse(text: str) -> tuple[dict[str, Section], dict[str, StlSpec]]:
    sections: dict[str, Section] = {}
    specs: dict[str, StlSpec] = {}
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
            if match.group("arity"):
                parts = match.group("arity").split()
                specs[name.removeprefix("stl:")] = StlSpec(
                    int(parts[0]), None if parts[1] == "*" else int(parts[1]), len(parts) > 2
                )
        elif name is not None:
            lines.append(line)
    flush()
    return sections, specs


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Section], dict[str, StlSpec]]:
    sections: dict[str, Section] = {}
    specs: dict[str, StlSpec] = {}
    for filename in ("prelude.js", "stl.js"):
        text = resources.files("hoglite.transpile").joinpath(filename).read_text(encoding="utf-8")
        file_sections, file_specs = _parse(text)
        sections.update(file_sections)
        specs.update(file_specs)
    return sections, specs


STL_FUNCTIONS: dict[str, StlSpec] = _load()[1]


def collect_runtime(used: list[str], *, is_async: bool) -> str:
    """The runtime text for the helpers and `stl:NAME` functions in `used`, with their dependencies."""
    sections, specs = _load()
    order = list(sections)
    wanted: set[str] = set()
    pending = list(used)
    while pending:
        name = pending.pop()
        if name in wanted or name in ("__STL_ARITY", "__STL_TABLE"):
            continue
        if name not in sections:
            raise KeyError(f"runtime section {name!r} is missing")
        wanted.add(name)
        pending.extend(sections[name].deps)
    chunks = [sections[name].code for name in order if name in wanted]
    text = "\n".join(chunks)
    text = text.replace("ASYNC function", "async function" if is_async else "function")
    text = text.replace("AWAIT ", "await " if is_async else "")
    stl_names = sorted(name.removeprefix("stl:") for name in wanted if name.startswith("stl:"))
    arity = {name: [specs[name].min_args, specs[name].max_args] for name in stl_names}
    table = ", ".join(f"{json.dumps(name)}: __stl_{name}" for name in stl_names)
    text += f"\nconst __STL_ARITY = {json.dumps(arity)};\nconst __STL_TABLE = {{{table}}};\n"
    return text
