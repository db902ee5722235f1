"""The shared STL contract: every built-in in PostHog's spec/stl.json exists in hoglite with that arity.

The contract file is read from the shared spec folder next to the repository
(`<repo>/../shared/spec/data/stl.json`). It is never copied into the repo; if it is missing this test
fails rather than silently passing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hoglite.stl  # noqa: F401  (registers every native built-in)
from hoglite.stl.bytecode import bytecode_stl_names
from hoglite.stl.registry import NATIVE_FUNCTIONS

CONTRACT = Path(__file__).resolve().parents[2].parent / "shared/spec/data/stl.json"


def load_contract() -> dict[str, dict]:
    if not CONTRACT.is_file():
        pytest.fail(f"the STL contract {CONTRACT} is missing: it should sit in the shared spec folder")
    return json.loads(CONTRACT.read_text(encoding="utf-8"))["functions"]


def test_contract_lists_the_documented_functions() -> None:
    functions = load_contract()
    assert len(functions) == 129
    assert functions["concat"] == {"minArgs": 1, "maxArgs": None}


def test_every_contract_function_is_implemented_with_its_arity() -> None:
    functions = load_contract()
    bytecode_names = bytecode_stl_names()
    missing = sorted(name for name in functions if name not in NATIVE_FUNCTIONS and name not in bytecode_names)
    assert not missing, f"built-ins of stl.json that hoglite lacks: {missing}"
    wrong = {
        name: {"contract": (spec["minArgs"], spec["maxArgs"]),
               "hoglite": (NATIVE_FUNCTIONS[name].min_args, NATIVE_FUNCTIONS[name].max_args)}
        for name, spec in functions.items()
        if name in NATIVE_FUNCTIONS
        and (NATIVE_FUNCTIONS[name].min_args, NATIVE_FUNCTIONS[name].max_args) != (spec["minArgs"], spec["maxArgs"])
    }
    assert not wrong, f"arity differs from stl.json: {wrong}"


def test_every_native_is_callable() -> None:
    for name, function in NATIVE_FUNCTIONS.items():
        assert callable(function.impl), name
        assert function.min_args >= 0, name
        assert function.max_args is None or function.max_args >= function.min_args, name
