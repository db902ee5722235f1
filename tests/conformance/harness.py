"""The conformance harness: discover programs, run them on a backend, render one comparable transcript.

A *transcript* is the text a backend produced for one program, in a format shared by every backend
(described in tests/conformance/README.md):

    <every printed line>
    RETURN: <repr of the returned value>     only when the program returned a non-null value
    ERROR: <message>                          a runtime error, or an uncaught throw as Type('message')
    COMPILE ERROR: <message>                  hoglite's compiler rejected the program (nothing ran)

A *backend* is one function `(programs) -> {name: transcript}` registered in `BACKENDS`. Backends take
the whole list at once so that a slow runner (node) starts once per session. Adding the JavaScript
transpiler backend is one more function and one more `BACKENDS` entry.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFORMANCE_DIR = Path(__file__).resolve().parent
PROGRAMS_DIR = CONFORMANCE_DIR / "programs"
TESTS_DIR = CONFORMANCE_DIR.parent
REPO_ROOT = TESTS_DIR.parent

if str(TESTS_DIR) not in sys.path:  # so `oracle_runner` imports however pytest was started
    sys.path.insert(0, str(TESTS_DIR))


@dataclass(frozen=True)
class Program:
    name: str
    path: Path
    source: str
    expected: str
    globals: dict[str, Any] | None


def discover_programs(directory: Path = PROGRAMS_DIR) -> list[Program]:
    """Every `<name>.hog` with its `<name>.stdout` (and optional `<name>.globals.json`), sorted by name."""
    programs = []
    for path in sorted(directory.glob("*.hog")):
        name = path.stem
        expected_path = path.with_suffix(".stdout")
        # newline="": a '\r' printed inside a line must reach the comparison as it is
        expected = _read_exact(expected_path) if expected_path.exists() else ""
        globals_path = directory / f"{name}.globals.json"
        globals_data = json.loads(globals_path.read_text(encoding="utf-8")) if globals_path.exists() else None
        programs.append(Program(name, path, path.read_text(encoding="utf-8"), expected, globals_data))
    return programs


def _read_exact(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as file:
        return file.read()


def missing_expectations(directory: Path = PROGRAMS_DIR) -> list[str]:
    return [path.stem for path in sorted(directory.glob("*.hog")) if not path.with_suffix(".stdout").exists()]


# --- transcripts ---------------------------------------------------------------------------------


def uncaught_text(error_type: Any, message: Any) -> str:
    """The canonical text of an uncaught Hog error, as the oracle writes it: `Type('message')`, both
    with JavaScript's String() (`HogError(true, 'm')` is `true('m')`, never Python's `True('m')`)."""
    from hoglite.vm.operators import to_js_string

    escaped = to_js_string(message).replace("'", "\\'")
    return f"{to_js_string(error_type)}('{escaped}')"


def transcript(lines: Sequence[str], result: str | None = None, error: str | None = None,
               compile_error: str | None = None) -> str:
    out = [f"{line}\n" for line in lines]
    if compile_error is not None:
        out.append(f"COMPILE ERROR: {compile_error}\n")
    if result is not None:
        out.append(f"RETURN: {result}\n")
    if error is not None:
        out.append(f"ERROR: {error}\n")
    return "".join(out)


def _internal_failure(exc: BaseException) -> str:
    """A Python exception that escaped hoglite is a bug; make it visible in the diff, not a crash."""
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3)
    return "INTERNAL ERROR: " + "".join(frames).strip().replace("\n", "\n  ")


# --- compiling (shared by every backend that runs our bytecode) ------------------------------------


@dataclass
class Compiled:
    program: Any = None
    compile_error: str | None = None
    internal_error: str | None = None


def compile_program(program: Program) -> Compiled:
    from hoglite.compiler import compile_source
    from hoglite.errors import HogSyntaxError

    try:
        return Compiled(program=compile_source(program.source, name=program.path.name))
    except HogSyntaxError as exc:
        return Compiled(compile_error=exc.message)
    except Exception as exc:  # noqa: BLE001 - reported in the transcript
        return Compiled(internal_error=_internal_failure(exc))


# --- backends --------------------------------------------------------------------------------------

Backend = Callable[[Sequence[Program]], dict[str, str]]


def run_on_hoglite(programs: Sequence[Program]) -> dict[str, str]:
    """Compile with hoglite's compiler and run on hoglite's VM, in process."""
    return {program.name: _run_one_on_hoglite(program) for program in programs}


def _run_one_on_hoglite(program: Program) -> str:
    from hoglite.errors import HogRuntimeError, UncaughtHogError
    from hoglite.vm import DefaultHost, RunOptions
    from hoglite.vm.api import run_with_handlers
    from hoglite.vm.values import print_value

    compiled = compile_program(program)
    if compiled.internal_error is not None:
        return compiled.internal_error
    if compiled.compile_error is not None:
        return transcript([], compile_error=compiled.compile_error)
    host = DefaultHost()
    options = RunOptions(globals=program.globals or {}, host=host,
                         source_map=compiled.program.source_map, source=program.source)
    try:
        # `sleep` pauses the VM as in PostHog; the harness answers it at once, as the oracle runner does.
        run = run_with_handlers(compiled.program, {"sleep": lambda *args: None}, options)
    except UncaughtHogError as exc:
        return transcript(host_lines(host), error=uncaught_text(exc.error_type, exc.error_message))
    except HogRuntimeError as exc:
        return transcript(host_lines(host), error=exc.message)
    except Exception as exc:  # noqa: BLE001
        return transcript(host_lines(host)) + _internal_failure(exc)
    result = None if run.value is None else print_value(run.value)
    return transcript(host_lines(host), result=result)


def host_lines(host: Any) -> list[str]:
    """The lines a DefaultHost collected (whatever the attribute is called)."""
    for attribute in ("lines", "output", "printed"):
        value = getattr(host, attribute, None)
        if isinstance(value, list):
            return [str(line) for line in value]
    raise AttributeError("DefaultHost exposes no list of printed lines")


def run_on_oracle(programs: Sequence[Program]) -> dict[str, str]:
    """Compile with hoglite's compiler, run OUR bytecode on @posthog/hogvm (one node process)."""
    from oracle_runner import OracleJob, run_oracle_batch

    transcripts: dict[str, str] = {}
    jobs = []
    for program in programs:
        compiled = compile_program(program)
        if compiled.internal_error is not None:
            transcripts[program.name] = compiled.internal_error
        elif compiled.compile_error is not None:
            transcripts[program.name] = transcript([], compile_error=compiled.compile_error)
        else:
            jobs.append(OracleJob(program.name, list(compiled.program.bytecode), program.globals))
    for name, result in run_oracle_batch(jobs).items():
        if result.error_type is not None:
            error = uncaught_text(result.error_type, result.error_message or "")
        else:
            error = result.error
        transcripts[name] = transcript(result.lines, result=result.result, error=error)
    return transcripts


def run_on_javascript(programs: Sequence[Program]) -> dict[str, str]:
    """Transpile with hoglite's JavaScript back end; run every program in one node process."""
    from hoglite.errors import HogSyntaxError
    from hoglite.transpile.javascript import transpile_source
    from hoglite.transpile.node import NodeJob, run_node_batch

    transcripts: dict[str, str] = {}
    jobs = []
    for program in programs:
        try:
            code = transpile_source(program.source, name=program.path.name, format="runner").code
        except HogSyntaxError as exc:
            transcripts[program.name] = transcript([], compile_error=exc.message)
            continue
        except Exception as exc:  # noqa: BLE001 - reported in the transcript
            transcripts[program.name] = _internal_failure(exc)
            continue
        jobs.append(NodeJob(program.name, code, program.globals))
    for name, result in run_node_batch(jobs).items():
        error = result.error
        if result.error_kind == "uncaught":
            error = uncaught_text(result.error_type or "", result.error_message or "")
        transcripts[name] = transcript(result.lines, result=result.result, error=error)
    return transcripts


BACKENDS: dict[str, Backend] = {
    "hoglite": run_on_hoglite,
    "oracle": run_on_oracle,
    "javascript": run_on_javascript,
}


# --- exclusions ------------------------------------------------------------------------------------

EXCLUSION_FILES = {"oracle": CONFORMANCE_DIR / "oracle_exclusions.txt"}


def load_exclusions(backend: str) -> dict[str, str]:
    """`name  reason` lines (blank lines and `#` comments ignored) -> {name: reason}."""
    path = EXCLUSION_FILES.get(backend)
    if path is None or not path.exists():
        return {}
    entries: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        entries[name] = reason.strip()
    return entries
