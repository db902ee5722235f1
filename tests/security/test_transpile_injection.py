"""A Hog program can never inject JavaScript through the transpiler.

Every Hog name goes through `js_identifier` (or a `__v<n>_` renaming) and every string through
`js_string`; these tests feed hostile names, strings, keys and globals and check that (1) the program
still prints exactly what hoglite's VM prints, and (2) the hostile text never appears in the output
outside a string literal (no statement of ours is ended early, no host object is reached).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hoglite.transpile.javascript import js_string, transpile_source
from hoglite.transpile.node import NodeJob, run_node_batch

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is required")

HOSTILE_STRINGS = [
    '"; process.exit(7); "',
    "'; process.exit(7); '",
    "`${process.exit(7)}`",
    "\\\"); require('child_process').execSync('touch /tmp/pwned'); //",
    "line\u2028separator\u2029paragraph",
    "</script><script>alert(1)</script>",
    "<!-- -->",
    "\x00nul\x01\x1f",
    "*/ process.exit(7); /*",
    "\U0001f600 \u00e9 \\u0041",
]

HOSTILE_NAMES = [
    'a"; process.exit(7); //',
    "constructor",
    "__proto__",
    "__rt",
    "__program",
    "__stl_print",
    "eval",
    "arguments",
    "Map",
    "Object",
    "Boolean",
    "globalThis",
    "undefined",
    "process",
    "require",
    "this",
    "x y",
    "a`b",
    "${x}",
    "e",
    "type",
]


def vm_lines(source: str, globals_: dict | None = None) -> list[str]:
    from hoglite.compiler import compile_source
    from hoglite.vm import DefaultHost, RunOptions, execute

    host = DefaultHost()
    execute(compile_source(source), RunOptions(globals=globals_ or {}, host=host))
    return host.output


def quoted(name: str) -> str:
    """A Hog identifier in backquotes (a backquote inside is doubled)."""
    return "`" + name.replace("`", "``") + "`"


def hog_string(text: str) -> str:
    """A Hog single-quoted string literal for `text`."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\x00":
            out.append("\\0")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def strip_string_literals(code: str) -> str:
    """The generated code without its string literals (all of them are JSON-style double-quoted)."""
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', code)


def run(sources: dict[str, str], globals_: dict | None = None) -> dict[str, list[str]]:
    jobs = [NodeJob(name, transpile_source(text, format="runner").code, globals_) for name, text in sources.items()]
    results = run_node_batch(jobs)
    for name, result in results.items():
        assert result.error is None, (name, result.error)
    return {name: result.lines for name, result in results.items()}


def test_hostile_strings_are_data() -> None:
    sources = {f"s{index}": f"let s := {hog_string(text)}\nprint(s)\nprint([s], {{s: s}})"
               for index, text in enumerate(HOSTILE_STRINGS)}
    results = run(sources)
    for index in range(len(HOSTILE_STRINGS)):
        source = sources[f"s{index}"]
        assert results[f"s{index}"] == vm_lines(source)
        code = transpile_source(source, format="module").code
        assert "process.exit(7)" not in strip_string_literals(code)
        assert "</script>" not in code
        assert "\u2028" not in code and "\u2029" not in code


def test_hostile_names_are_renamed_and_still_work() -> None:
    sources = {}
    for index, name in enumerate(HOSTILE_NAMES):
        ident = quoted(name)
        sources[f"n{index}"] = (
            f"let {ident} := 'value'\nfun f({ident}) {{ return {ident} || '!' }}\n"
            f"print({ident}, f('arg'), (({ident}) -> {ident})('lambda'), {ident} and f('x'), or({ident}, f('y')))\n"
            f"let d := {{{hog_string(name)}: 1}}\nprint(d.{ident}, d[{hog_string(name)}])\n"
        )
    results = run(sources)
    for index, name in enumerate(HOSTILE_NAMES):
        source = sources[f"n{index}"]
        assert results[f"n{index}"] == vm_lines(source), name
        code = strip_string_literals(transpile_source(source, format="module").code)
        assert "process.exit(7)" not in code
        program = code[code.index("function __program(__rt) {"):]
        # Only plain, safe identifiers reach the program text.
        for declared in re.findall(r"\blet ([^ =]+) =", program):
            assert re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", declared), declared
            assert declared not in ("eval", "arguments", "undefined", "this", "let", "class")


def test_hostile_global_names_and_keys_reach_no_host_object() -> None:
    source = (
        "print(`__proto__`, `constructor`, `toString`, `hasOwnProperty`)\n"
        "print(event.`__proto__`, event.constructor, event.`prototype`)\n"
        "let d := {'__proto__': 1, 'constructor': 2}\nd.toString := 3\nprint(d, d.__proto__, keys(d))\n"
        "print(jsonParse('{\"__proto__\": {\"polluted\": true}}'), {}.polluted)\n"
    )
    globals_ = {"__proto__": "p", "constructor": "c", "toString": "t", "hasOwnProperty": "h", "event": {}}
    out = run({"g": source}, globals_)["g"]
    assert out == vm_lines(source, globals_)
    assert out[0] == "p c t h"


def test_unknown_names_do_not_reach_javascript_globals() -> None:
    # Names that exist in JavaScript (process, require, globalThis, Function) are Hog globals or calls
    # of unknown functions, never the host's objects.
    sources = {
        "g1": "print(process)",
        "g2": "print(require('fs'))",
        "g3": "print(globalThis)",
        "g4": "print(Function('return process')())",
        "g5": "print(constructor('x'))",
        "g6": "print(__proto__)",
    }
    jobs = [NodeJob(name, transpile_source(text, format="runner").code) for name, text in sources.items()]
    results = run_node_batch(jobs)
    assert results["g1"].error == "Global variable not found: process"
    assert results["g2"].error == "Unsupported function call: require"
    assert results["g3"].error == "Global variable not found: globalThis"
    assert results["g4"].error == "Unsupported function call: Function"
    assert results["g5"].error == "Unsupported function call: constructor"
    assert results["g6"].error == "Global variable not found: __proto__"


def test_host_functions_table_only_exposes_own_properties(tmp_path: Path) -> None:
    module = tmp_path / "p.mjs"
    module.write_text(transpile_source("print(constructor('return 1'))", format="module").code, encoding="utf-8")
    driver = tmp_path / "d.mjs"
    driver.write_text(
        "import { run } from './p.mjs';\n"
        "try { await run({}, { functions: {}, print: console.log }); } catch (e) { console.log(e.message); }\n",
        encoding="utf-8",
    )
    out = subprocess.run(["node", str(driver)], capture_output=True, text=True, check=True).stdout
    assert out == "Unsupported function call: constructor\n"


def test_js_string_round_trips_every_hostile_text() -> None:
    for text in HOSTILE_STRINGS + HOSTILE_NAMES + ["\ud800", "\udfff", "'\"`\\"]:
        literal = js_string(text)
        assert literal.isascii()
        assert "\n" not in literal and "\u2028" not in literal
        assert literal.startswith('"') and literal.endswith('"')
        # A JSON string literal: JSON.parse (node) gives the text back unchanged.
        assert json.loads(literal) == text
