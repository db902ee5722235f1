"""Every program in tests/conformance/programs/, on every backend, against its expected transcript.

The expected `<name>.stdout` is the same for every backend. A program listed in
`oracle_exclusions.txt` (one of the upstream bugs of hog-language.md §11b, where hoglite does the
correct thing) is not compared on the oracle; instead a test pins that the oracle still differs, so the
exclusion is dropped when it stops being needed. Every exclusion is documented in docs/compat.md.
"""

from __future__ import annotations

import difflib
import re

import pytest
from harness import (
    BACKENDS,
    EXCLUSION_FILES,
    PROGRAMS_DIR,
    REPO_ROOT,
    Program,
    discover_programs,
    load_exclusions,
    missing_expectations,
)

PROGRAMS = discover_programs()
PROGRAMS_BY_NAME = {program.name: program for program in PROGRAMS}


class BackendOutputs:
    """Runs each backend once per session, over every program, the first time a test needs it."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, str]] = {}

    def get(self, backend: str, program: Program) -> str:
        if backend not in self._cache:
            self._cache[backend] = BACKENDS[backend](PROGRAMS)
        return self._cache[backend][program.name]


@pytest.fixture(scope="session")
def backend_outputs() -> BackendOutputs:
    return BackendOutputs()


def _cases() -> list:
    cases = []
    for backend in BACKENDS:
        excluded = load_exclusions(backend)
        for program in PROGRAMS:
            if program.name not in excluded:
                cases.append(pytest.param(backend, program, id=f"{backend}-{program.name}"))
    return cases


def _diff(expected: str, actual: str) -> str:
    return "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        "expected", "actual"))


@pytest.mark.parametrize(("backend", "program"), _cases())
def test_program(backend: str, program: Program, backend_outputs: BackendOutputs) -> None:
    actual = backend_outputs.get(backend, program)
    assert actual == program.expected, f"{program.name} on {backend}:\n{_diff(program.expected, actual)}"


def _excluded_cases() -> list:
    return [
        pytest.param(backend, PROGRAMS_BY_NAME[name], id=f"{backend}-{name}")
        for backend in BACKENDS
        for name in load_exclusions(backend)
        if name in PROGRAMS_BY_NAME
    ]


@pytest.mark.parametrize(("backend", "program"), _excluded_cases())
def test_excluded_program_still_differs(backend: str, program: Program, backend_outputs: BackendOutputs) -> None:
    """An exclusion is only justified while the backend really gets the program wrong."""
    actual = backend_outputs.get(backend, program)
    assert actual != program.expected, f"{program.name} now matches on {backend}: drop its exclusion"
    assert "INTERNAL ERROR" not in actual


def test_suite_is_complete() -> None:
    assert len(PROGRAMS) >= 60
    assert missing_expectations() == [], "every program needs a .stdout next to it"
    for program in PROGRAMS:
        assert program.expected == "" or program.expected.endswith("\n"), program.name
    strays = {p.name.split(".")[0] for p in PROGRAMS_DIR.iterdir()} - set(PROGRAMS_BY_NAME)
    assert strays == set(), f"files without a .hog program: {sorted(strays)}"


def test_exclusions_are_documented() -> None:
    compat = (REPO_ROOT / "docs" / "compat.md").read_text(encoding="utf-8")
    for backend in EXCLUSION_FILES:
        for name, reason in load_exclusions(backend).items():
            assert name in PROGRAMS_BY_NAME, f"{backend} exclusion names no program: {name}"
            assert reason, f"{backend} exclusion of {name} gives no reason"
            assert re.search(rf"\b{re.escape(name)}\b", compat), f"{name} is not in docs/compat.md"
