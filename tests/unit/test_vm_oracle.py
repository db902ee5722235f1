"""The same bytecode on hoglite's VM and on PostHog's VM (`@posthog/hogvm` 1.0.71 under node).

All oracle runs happen in one node process per test module (node start-up dominates), through a small
runner that can also hand PostHog's paused states back to us and resume ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from test_vm_cases import CASES, Case, run_case

from hoglite.vm import execute, resume

ROOT = Path(__file__).resolve().parents[2]

RUNNER = r"""
const util = require('util');
const hogvm = require(process.env.HOGVM_PATH);
function toRegExp(p) { let s = String(p), f = ''; if (s.startsWith('(?i)')) { s = s.slice(4); f = 'i' } return new RegExp(s, f) }
const external = { regex: { match: (p, v) => toRegExp(p).test(v) }, crypto: require('crypto') };
const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const results = [];
for (const job of jobs) {
  const lines = [];
  const original = console.log;
  console.log = (...args) => lines.push(util.format(...args));
  let out;
  try {
    const options = { external, globals: job.globals || {} };
    if (job.memoryLimit) options.memoryLimit = job.memoryLimit;
    if (job.asyncFunctions) { options.asyncFunctions = {}; for (const name of job.asyncFunctions) options.asyncFunctions[name] = () => null }
    let input = job.bytecode;
    if (job.state) { input = job.state; if ('push' in job) input.stack.push(job.push) }
    const res = hogvm.exec(input, options);
    out = {
      finished: res.finished,
      result: res.result === undefined || res.result === null ? null : hogvm.printHogValue(res.result),
      error: res.error ? (res.error.name === 'UncaughtHogVMException' ? res.error.toString() : String(res.error.message)) : null,
      asyncFunctionName: res.asyncFunctionName || null,
      asyncFunctionArgs: res.asyncFunctionArgs || null,
      state: job.wantState ? JSON.parse(JSON.stringify(res.state)) : null,
      ops: res.state ? res.state.ops : null,
      maxMemUsed: res.state ? res.state.maxMemUsed : null,
    };
  } catch (e) {
    out = { thrown: String(e && e.message) };
  }
  console.log = original;
  out.stdout = lines;
  results.push(out);
}
process.stdout.write(JSON.stringify(results));
"""


def _hogvm_path() -> str:
    for base in (ROOT / "tests" / "oracle" / "node_modules", Path("/tmp/oracle/node_modules")):
        candidate = base / "@posthog" / "hogvm"
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("@posthog/hogvm is not installed (tests/oracle/node_modules or /tmp/oracle/node_modules)")


def run_oracle(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as handle:
        handle.write(RUNNER)
        script = handle.name
    try:
        completed = subprocess.run(
            ["node", script], input=json.dumps(jobs), capture_output=True, text=True, timeout=120,
            env={**os.environ, "HOGVM_PATH": _hogvm_path()},
        )
    finally:
        os.unlink(script)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


# ---------------------------------------------------------------------------------------------------
# Every op case, side by side

COMPARED = [case for case in CASES if case.oracle is None]
DIFFERENT = [case for case in CASES if case.oracle is not None]


@pytest.fixture(scope="module")
def oracle_cases() -> dict[str, dict[str, Any]]:
    jobs = [{"bytecode": case.bytecode, "globals": case.globals or {}} for case in CASES]
    return {case.id: result for case, result in zip(CASES, run_oracle(jobs))}


@pytest.mark.parametrize("case", COMPARED, ids=[case.id for case in COMPARED])
def test_same_as_oracle(case: Case, oracle_cases: dict[str, dict[str, Any]]) -> None:
    oracle = oracle_cases[case.id]
    output, error = run_case(case)
    assert output == oracle["stdout"]
    assert error == oracle["error"]


@pytest.mark.parametrize("case", DIFFERENT, ids=[case.id for case in DIFFERENT])
def test_documented_difference(case: Case, oracle_cases: dict[str, dict[str, Any]]) -> None:
    """The oracle really does what the case's `oracle` note says (so the compat note stays true)."""
    oracle = oracle_cases[case.id]
    output, error = run_case(case)
    assert (output, error) != (oracle["stdout"], oracle["error"])
    if case.oracle_output is not None:
        assert oracle["stdout"] == case.oracle_output


# ---------------------------------------------------------------------------------------------------
# Pause / resume across the two VMs

LAMBDA_SLEEP = ["_H", 1, 33, 2, 52, "lambda", 2, 1, 9, 55, 0, 36, 1, 36, 0, 6, 6, 38, 53, 1, True, 0, 33, 2, 2,
                "sleep", 1, 35, 33, 10, 37, 0, 33, 4, 33, 3, 36, 1, 54, 2, 38, 35, 57]
FETCH = ["_H", 1, 32, "url", 32, "inputs", 1, 2, 32, "method", 32, "POST", 42, 1, 2, "fetch", 2, 36, 0, 32, "status",
         45, 38, 35]
FETCH_GLOBALS = {"inputs": {"url": "https://example.com"}}
# fun f(x) { let r := fetch(x); return [x, r] }  print(arrayMap(f, ['a', 'b']))  -- pauses inside stl/arrayMap
MAP_FETCH = ["_H", 1, 52, "f", 1, 0, 12, 36, 0, 2, "fetch", 1, 36, 0, 36, 1, 43, 2, 38, 53, 0,
             36, 0, 32, "a", 32, "b", 43, 2, 2, "arrayMap", 2, 2, "print", 1, 35, 35]
# closures, a tuple, an error and a dict in the state
RICH = ["_H", 1, 33, 1, 33, 2, 44, 2, 32, "boom", 2, "Error", 1, 32, "k", 31, 42, 1,
        52, "get", 0, 1, 3, 55, 0, 38, 53, 1, True, 0,
        2, "sleep", 0, 35, 36, 3, 54, 0, 2, "print", 1, 35, 36, 1, 2, "print", 1, 35, 36, 2, 2, "print", 1, 35]


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_sleep_state_matches_posthog_exactly() -> None:
    oracle = run_oracle([{"bytecode": LAMBDA_SLEEP, "wantState": True}])[0]
    ours = execute(LAMBDA_SLEEP)
    assert oracle["asyncFunctionName"] == ours.paused.name == "sleep"
    assert oracle["asyncFunctionArgs"] == ours.paused.args == [2]
    theirs, mine = dict(oracle["state"]), _json(ours.paused.state)
    theirs.pop("syncDuration")
    mine.pop("syncDuration")
    assert mine == theirs


def test_fetch_state_matches_posthog() -> None:
    oracle = run_oracle([{"bytecode": FETCH, "globals": FETCH_GLOBALS, "asyncFunctions": ["fetch"],
                          "wantState": True}])[0]
    ours = execute(FETCH, globals=FETCH_GLOBALS, async_functions={"fetch"})
    assert oracle["asyncFunctionArgs"] == ours.paused.args == ["https://example.com", {"method": "POST"}]
    theirs, mine = dict(oracle["state"]), _json(ours.paused.state)
    theirs.pop("syncDuration")
    mine.pop("syncDuration")
    assert mine == theirs
    assert mine["maxMemUsed"] == 61 and mine["ops"] == 7 and mine["callStack"][0]["ip"] == 17


@pytest.mark.parametrize("program,globals_,asyncs,value", [
    (LAMBDA_SLEEP, {}, [], None),
    (FETCH, FETCH_GLOBALS, ["fetch"], {"status": 200, "body": {"ok": True}}),
    (MAP_FETCH, {}, ["fetch"], "R"),
])
def test_resume_posthog_state_on_hoglite_and_back(program: list[Any], globals_: dict, asyncs: list[str],
                                                  value: Any) -> None:
    """PostHog pauses -> hoglite resumes; hoglite pauses -> PostHog resumes: same results as PostHog alone."""
    # PostHog alone, resuming its own states until done.
    job = {"bytecode": program, "globals": globals_, "asyncFunctions": asyncs, "wantState": True}
    posthog_steps = []
    state = None
    for _ in range(10):
        result = run_oracle([job if state is None else {**job, "state": state, "push": value}])[0]
        posthog_steps.append(result)
        if result["finished"] or result["error"]:
            break
        state = result["state"]
    final = posthog_steps[-1]
    # PostHog's first pause, resumed by hoglite until done.
    first_state = posthog_steps[0]["state"]
    ours = resume(_json(first_state), value, globals=globals_, async_functions=set(asyncs))
    output = list(ours.output)
    while ours.paused is not None:
        ours = resume(_json(ours.paused.state), value, globals=globals_, async_functions=set(asyncs))
        output.extend(ours.output)
    all_posthog_output = [line for step in posthog_steps[1:] for line in step["stdout"]]
    assert output == all_posthog_output
    assert ours.finished and final["finished"]
    assert ours.ops == final["ops"]
    # hoglite's first pause, resumed by PostHog until done.
    mine = execute(program, globals=globals_, async_functions=set(asyncs))
    state = _json(mine.paused.state)
    steps = []
    for _ in range(10):
        result = run_oracle([{**job, "state": state, "push": value}])[0]
        steps.append(result)
        if result["finished"] or result["error"]:
            break
        state = result["state"]
    assert [line for step in steps for line in step["stdout"]] == all_posthog_output
    assert steps[-1]["finished"] and steps[-1]["result"] == final["result"]


def test_rich_state_round_trips_on_hoglite_and_is_readable_by_posthog() -> None:
    straight = execute(RICH)  # pauses at sleep
    state = _json(straight.paused.state)
    assert state["hoglite"]["annotations"]  # the tuple and the error are annotated
    ours = resume(state, None)
    assert ours.output == ["(1, 2)", "Error('boom')", "{'k': null}"]
    posthog = run_oracle([{"bytecode": RICH, "state": state, "push": None}])[0]
    # PostHog reads the same state; it loses the tuple-ness and the error type, as its own states do.
    assert posthog["finished"], posthog
    assert posthog["stdout"] == ["[1, 2]", "{'__hogError__': true, 'type': 'Error', 'message': 'boom', 'payload': null}",
                                 "{'k': null}"]


MEMORY_PROGRAMS = [
    ["_H", 1, 32, "key", 32, "value", 42, 1, 36, 0, 2, "print", 1, 35, 35],
    ["_H", 1, 33, 1, 33, 2, 33, 3, 43, 3, 36, 0, 36, 0, 43, 2, 2, "print", 1, 35, 35],
    LAMBDA_SLEEP[:24] + [2, "print", 1, 35, 33, 4, 33, 3, 36, 1, 54, 2, 38],
    ["_H", 1, 32, "k", 32, "v", 42, 1, 36, 0, 36, 0, 43, 2, 2, "print", 1, 35, 33, 1, 33, 2, 43, 2, 36, 0, 36, 1, 43, 2],
    # a dict mutated in place, then read again: PostHog re-costs it on every push
    ["_H", 1, 42, 0, 36, 0, 32, "a", 32, "long string value", 46, 36, 0, 32, "b", 33, 1, 43, 1, 46, 36, 0, 36, 0,
     43, 2, 2, "print", 1, 35],
]


@pytest.mark.parametrize("program", MEMORY_PROGRAMS)
def test_memory_estimate_and_ops_match(program: list[Any]) -> None:
    oracle = run_oracle([{"bytecode": program}])[0]
    ours = execute(program)
    assert ours.output == oracle["stdout"]
    assert ours.max_mem_used == oracle["maxMemUsed"]
    assert ours.ops == oracle["ops"]


@pytest.mark.parametrize("program,limit", [
    (["_H", 1, 32, "xxxxxxxxxx", 36, 0, 36, 0, 2, "concat", 2, 37, 0, 39, -11], 5000),
    (["_H", 1, 33, 1, 43, 1, 36, 0, 36, 0, 43, 2, 37, 0, 39, -10], 100_000),
    (["_H", 1, 32, "k", 32, "v", 42, 1, 36, 0, 36, 0, 43, 2, 2, "print", 1, 35, 33, 1, 33, 2, 43, 2, 36, 0, 36, 1, 43, 2],
     100),
])
def test_memory_limit_message_matches_oracle(program: list[Any], limit: int) -> None:
    """The exact "Tried to allocate N bytes" of the first push over the limit."""
    from hoglite.errors import HogLimitError
    from hoglite.vm import Limits

    oracle = run_oracle([{"bytecode": program, "memoryLimit": limit}])[0]
    with pytest.raises(HogLimitError) as caught:
        execute(program, limits=Limits(memory_bytes=limit))
    assert caught.value.message == oracle["error"]
    assert caught.value.message.startswith(f"Memory limit of {limit} bytes exceeded. Tried to allocate ")
