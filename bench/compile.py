"""Compile workloads: parse + compile (hoglite.compiler.compile_source) of each bundled template and of
a generated 500-line program, timed after warm-up (so the parser tables are built and cached)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.results import Row
from bench.timing import calibrate_inner, measure

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"

# One generated block: a function using most statement and expression forms (~25 lines).
_BLOCK = """\
fun handler{i}(event, limit) {{
  let total := 0
  let props := event.properties ?? {{}}
  for (let key, value in props) {{
    if (not startsWith(key, '$') and not empty(value)) {{
      total := total + length(toString(value))
    }}
  }}
  let tags := arrayMap(x -> f'{{x}}-{i}', ['a', 'b', 'c'])
  let counts := {{'seen': {i}, 'tags': length(tags), 'nested': {{'deep': [1, 2.5, 'three', true, null]}}}}
  if (total > limit) {{
    return {{'id': {i}, 'tags': tags, 'total': total, 'counts': counts}}
  }} else if (total == 0 or props.$lib == 'web') {{
    return null
  }}
  try {{
    throw Error(f'too small: {{total}} < {{limit}}')
  }} catch (e) {{
    print(f'handler {i}: {{e.message}}')
  }}
  let i := 0
  while (i < 3) {{
    i := i + 1
    counts.seen := counts.seen + i * {i} % 7
  }}
  return counts.nested.deep.1 + (total ?? 0) * {i}
}}
"""


def generated_program(lines: int = 500) -> str:
    """A deterministic Hog program of exactly `lines` lines (function blocks, then calls)."""
    out: list[str] = []
    block = 0
    block_lines = _BLOCK.count("\n")
    while len(out) + block_lines + 2 <= lines:
        out.extend(_BLOCK.format(i=block).splitlines())
        block += 1
    out.append("let results := []")
    call = 0
    while len(out) < lines - 1:
        out.append(f"results := arrayPushBack(results, handler{call % block}(event, {call}))")
        call += 1
    out.append("return results")
    return "\n".join(out) + "\n"


def template_sources() -> list[tuple[str, str]]:
    """(name, source) of every templates/<name>/*.hog, sorted by path."""
    found = []
    for path in sorted(TEMPLATES.glob("*/*.hog")):
        name = path.parent.name if path.stem == "template" else f"{path.parent.name}/{path.stem}"
        found.append((name, path.read_text(encoding="utf-8")))
    return found


def run_compile(*, quick: bool, warmup: int, repeats: int, only: str | None = None) -> list[Row]:
    from hoglite.compiler import compile_source

    sources = template_sources()
    lines = 50 if quick else 500
    sources.append((f"generated-{lines}-lines", generated_program(lines)))
    rows: list[Row] = []
    target = 0.01 if quick else 0.2
    for name, source in sources:
        if only is not None and only not in (name, f"compile/{name}"):
            continue

        def operation(source: str = source, name: str = name) -> Any:
            return compile_source(source, name=name)

        inner = calibrate_inner(operation, target_seconds=target, limit=1000)
        measured = measure(operation, warmup=warmup, repeats=repeats, inner=inner)
        program = measured.last
        row = Row("compile", name, "compile", measured.stats, cpu=measured.cpu, value=len(program.bytecode),
                  notes=[f"{source.count(chr(10))} lines -> {len(program.bytecode)} bytecode elements"])
        rows.append(row)
    return rows
