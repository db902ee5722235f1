"""The bytecode STL compiled by hoglite is identical to PostHog's generated table.

The reference table is read at test time out of the oracle's bundle (`@posthog/hogvm` dist/index.js);
it is never copied into the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hoglite.compiler.disasm import disassemble
from hoglite.stl.bytecode import (
    BYTECODE_STL,
    bytecode_stl_names,
    get_bytecode_function,
    get_bytecode_stl,
    load_bytecode_stl,
)

_BUNDLE_CANDIDATES = [
    Path(__file__).resolve().parents[1] / "oracle" / "node_modules" / "@posthog" / "hogvm" / "dist" / "index.js",
    Path("/tmp/oracle/node_modules/@posthog/hogvm/dist/index.js"),
]


def _oracle_table() -> dict[str, list]:
    bundle = next((path for path in _BUNDLE_CANDIDATES if path.exists()), None)
    assert bundle is not None, "the oracle package is missing: run `npm ci --prefix tests/oracle`"
    text = bundle.read_text(encoding="utf-8")
    # The generated table is a JSON-compatible object literal whose first key is "arrayCount".
    anchor = text.index('"arrayCount": [')
    start = text.rindex("{", 0, anchor)
    end = text.index("\n};", anchor) + 2
    return json.loads(text[start:end])


ORACLE_TABLE = _oracle_table()


def test_same_function_names_as_the_oracle():
    assert set(ORACLE_TABLE) == {
        "arrayCount", "arrayExists", "arrayFilter", "arrayMap", "arrayReduce", "inCohort", "notInCohort",
        "sortableSemver",
    }  # fmt: skip
    assert bytecode_stl_names() == frozenset(ORACLE_TABLE)


@pytest.mark.parametrize("name", sorted(ORACLE_TABLE))
def test_compiled_arrays_are_identical(name):
    params, bytecode = ORACLE_TABLE[name]
    ours = get_bytecode_stl(name)
    assert ours is not None
    assert ours[0] == params
    assert ours[1] == bytecode, disassemble(ours[1])
    # same JSON (floats vs ints, booleans) — the arrays must serialise identically
    assert json.dumps(ours[1]) == json.dumps(bytecode)


def test_table_shape_and_lookups():
    assert get_bytecode_stl("nope") is None
    assert "arrayMap" in BYTECODE_STL and "print" not in BYTECODE_STL
    assert len(BYTECODE_STL) == len(ORACLE_TABLE)
    assert list(BYTECODE_STL) == sorted(ORACLE_TABLE)
    assert BYTECODE_STL["arrayReduce"][0] == ["func", "arr", "initial"]
    with pytest.raises(KeyError):
        BYTECODE_STL["nope"]
    function = get_bytecode_function("arrayMap")
    assert function is not None and function.chunk == "stl/arrayMap"
    # the calls inside have spans (for runtime errors inside stl chunks)
    call_index = function.bytecode.index("arrayPushBack") - 1
    assert function.source_map[call_index].line == 5
    # compiled once per process
    assert load_bytecode_stl() is load_bytecode_stl()
