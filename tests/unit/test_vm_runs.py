"""Runs of ops done in one dispatch (GET_LOCAL and STRING runs, a comparison with its JUMP_IF_FALSE)
count every op: op totals, op budgets, memory peaks and paused states are those of one op per
dispatch, and match PostHog's VM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_vm_oracle import run_oracle

from hoglite.compiler import compile_source
from hoglite.errors import HogLimitError
from hoglite.vm import Limits, execute, resume

ROOT = Path(__file__).resolve().parents[2]

# Every kind of run, at the start, middle and end of a chunk, inside functions and loops.
PROGRAMS = {
    "locals": "let a := 1\nlet b := 2.5\nlet c := 'x'\nlet d := [a, b, c, a, b]\nreturn [d, a, b, c]",
    "strings": "let d := {'a': 'b', 'c': 'd', 'e': ['f', 'g', 'h']}\nprint(d)\nreturn 'end'",
    "loop": "let s := 0\nfor (let i := 0; i < 40; i := i + 1) { if (i % 3 == 0 and i > 5) { s := s + i } }\nreturn s",
    "compare_values": "let r := []\nfor (let x in [1, 'a', null, [1], {}, 2.5, true]) {\n"
                      "  if (x == 1) { r := arrayPushBack(r, 'one') }\n  if (x != null) { r := arrayPushBack(r, x) }\n"
                      "  if (x < 2) { r := arrayPushBack(r, 'small') }\n}\nreturn r",
    "functions": "fun f(a, b, c) { if (a < b) { return [a, b, c, a] } return f(b, a, c) }\nreturn f(3, 1, 'z')",
    "properties": "let r := {'status': 200, 'body': {'n': [1, 2], 'k': 'v'}}\nlet s := null\n"
                  "if (r.status >= 400) { s := 'bad' } else { s := r.body }\nr.extra := r.body.k\n"
                  "print(r?.status, r.missing, r.body.n, s.k)\nreturn [r.extra, r.body]",
}
GLOBALS = {"inputs": {"email": "a@b.c", "oauth": {"token": "T", "app.region": None}, "list": [1, {"x": 2}]},
           "event": {"properties": {"price": 9.5, "$lib": "web", "tags": ["a"]}, "uuid": "u-1"}}
GLOBAL_PROGRAMS = {
    "chains": "let d := {'email': inputs.email, 'token': inputs.oauth.token, 'region': inputs.oauth['app.region']}\n"
              "print(d, event.properties, event.uuid, inputs.list, inputs.missing.deeper)\n"
              "return [inputs.email, event.properties.price, event.properties.tags, inputs.oauth]",
    "functions as values": "let f := toString\nprint(f(1), empty(inputs.list))\nreturn event.nope",
}
PROGRAMS["mandelbrot"] = (ROOT / "bench" / "programs" / "mandelbrot.hog").read_text().replace("@N@", "12")


@pytest.fixture(scope="module")
def oracle_results() -> dict[str, dict]:
    names = list(PROGRAMS)
    jobs = [{"bytecode": compile_source(PROGRAMS[name]).bytecode} for name in names]
    return dict(zip(names, run_oracle(jobs)))


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_ops_memory_and_output_match_the_oracle(name: str, oracle_results: dict[str, dict]) -> None:
    result = execute(compile_source(PROGRAMS[name]).bytecode)
    oracle = oracle_results[name]
    assert result.output == oracle["stdout"]
    assert result.ops == oracle["ops"]
    assert result.max_mem_used == oracle["maxMemUsed"]


@pytest.mark.parametrize("name", ["locals", "strings", "loop", "functions", "properties"])
def test_every_op_budget_stops_at_exactly_that_op(name: str) -> None:
    bytecode = compile_source(PROGRAMS[name]).bytecode
    total = execute(bytecode).ops
    assert execute(bytecode, limits=Limits(max_ops=total)).ops == total
    for budget in range(1, total):
        with pytest.raises(HogLimitError) as caught:
            execute(bytecode, limits=Limits(max_ops=budget))
        assert caught.value.message == f"Operation budget of {budget} ops exceeded"


def test_a_pause_after_runs_keeps_exact_counts() -> None:
    # (No container is shared across the pause: PostHog's VM loses sharing in a JSON state, hoglite
    # keeps it — docs/compat.md — so their memory figures differ there by design.)
    source = ("let a := 'x'\nlet b := 'y'\nlet d := {'k': a, 'l': b}\n"
              "if (a < b) { let m := pause(a)\n d.m := m }\nlet e := [a, b, d]\nreturn [e, d]")
    bytecode = compile_source(source).bytecode
    paused = execute(bytecode, async_functions={"pause"})
    state = paused.paused.state
    oracle = run_oracle([{"bytecode": bytecode, "asyncFunctions": ["pause"], "wantState": True}])[0]
    assert state["ops"] == oracle["state"]["ops"]
    assert state["maxMemUsed"] == oracle["state"]["maxMemUsed"]
    assert [frame["ip"] for frame in state["callStack"]] == [frame["ip"] for frame in oracle["state"]["callStack"]]
    # Both resume hoglite's state (the runner's JSON copy of PostHog's own state loses its dicts).
    done = resume(state, "x", async_functions={"pause"})
    resumed = run_oracle([{"bytecode": bytecode, "asyncFunctions": ["pause"], "state": json.loads(json.dumps(state)),
                           "push": "x"}])[0]
    assert done.ops == resumed["ops"]
    assert done.max_mem_used == resumed["maxMemUsed"]


@pytest.mark.parametrize("op", [136, 137, 138])
def test_internal_op_codes_in_bytecode_are_unknown_ops(op: int) -> None:
    """fusion.py marks its superinstructions with a private type: the same numbers read from JSON
    bytecode stay unknown ops, as in PostHog's VM."""
    from hoglite.errors import HogRuntimeError

    with pytest.raises(HogRuntimeError) as caught:
        execute(["_H", 1, 33, 1, op, 0, 36, 0, 6])
    assert caught.value.message == f'Unexpected node while running bytecode in chunk "root": {op}'


@pytest.mark.parametrize("limit", [40, 64, 100, 150, 200])
def test_memory_limit_inside_a_run_of_strings_matches_the_oracle(limit: int) -> None:
    source = "let d := {'key one': 'value one', 'key two': 'value two', 'key three': 'value three'}\nreturn d"
    bytecode = compile_source(source).bytecode
    oracle = run_oracle([{"bytecode": bytecode, "memoryLimit": limit}])[0]
    with pytest.raises(HogLimitError) as caught:
        execute(bytecode, limits=Limits(memory_bytes=limit))
    assert caught.value.message == oracle["error"]



@pytest.mark.parametrize("name", list(GLOBAL_PROGRAMS))
def test_global_chains_match_the_oracle(name: str) -> None:
    bytecode = compile_source(GLOBAL_PROGRAMS[name]).bytecode
    oracle = run_oracle([{"bytecode": bytecode, "globals": GLOBALS}])[0]
    result = execute(bytecode, globals=GLOBALS)
    assert result.output == oracle["stdout"]
    assert (result.ops, result.max_mem_used) == (oracle["ops"], oracle["maxMemUsed"])
    total = result.ops
    for budget in range(1, total):
        with pytest.raises(HogLimitError) as caught:
            execute(bytecode, globals=GLOBALS, limits=Limits(max_ops=budget))
        assert caught.value.message == f"Operation budget of {budget} ops exceeded"


@pytest.mark.parametrize("limit", [30, 60, 90, 120, 180, 260])
def test_memory_limit_inside_global_and_property_reads_matches_the_oracle(limit: int) -> None:
    source = "let a := inputs.oauth.token\nlet b := event.properties\nlet c := b.tags\nreturn [a, b, c]"
    bytecode = compile_source(source).bytecode
    oracle = run_oracle([{"bytecode": bytecode, "globals": GLOBALS, "memoryLimit": limit}])[0]
    try:
        result = execute(bytecode, globals=GLOBALS, limits=Limits(memory_bytes=limit))
    except HogLimitError as error:
        assert error.message == oracle["error"]
    else:
        assert oracle["error"] is None and result.max_mem_used == oracle["maxMemUsed"]


def test_reads_after_a_cycle_is_made_cost_each_value_afresh() -> None:
    """Inside a cycle a container's cost depends on where the walk enters it (PostHog counts a
    container met again on the current path as 8), so once a cycle exists a cached cost from another
    entry point must not be reused."""
    source = ("let a := 1\nlet b := [1, 'x']\nlet c := {'k': 2}\nlet d := {'a': [1, 2], 'b': {'c': 'x'}}\n"
              "c := ([['x'][1]][1], c)\nb := [c, b]\nd.b.c := d.a\nd.a[1] := [d.b, 'yy']\n"
              "a := [a, b]\nd.b.c := d.a\nd['10'] := 'x'\nreturn [a, b, c]")
    bytecode = compile_source(source).bytecode
    oracle = run_oracle([{"bytecode": bytecode}])[0]
    result = execute(bytecode)
    assert (result.ops, result.max_mem_used) == (oracle["ops"], oracle["maxMemUsed"])


def test_a_local_written_through_a_closure_is_costed_afresh_when_read() -> None:
    """`c := p` inside a function writes the captured slot and leaves its cost (the dict's) as it was,
    in both VMs; reading `c` (now `false`) must push 8, as PostHog costs every push."""
    source = ("let b := [1, 'x']\nlet c := {'k': 2}\nfun f0(p) {\nc := p\n}\n"
              "for (let i1 := 0; i1 < 1; i1 := i1 + 1) {\nb := ((f0(c) + Error(true)) + f0((0 == b)))\n}\n"
              "if ([2.5][1]) {\nfor (let i2 := 0; i2 < 2; i2 := i2 + 1) {\n}\n}")
    bytecode = compile_source(source).bytecode
    oracle = run_oracle([{"bytecode": bytecode}])[0]
    result = execute(bytecode)
    assert (result.ops, result.max_mem_used) == (oracle["ops"], oracle["maxMemUsed"])
