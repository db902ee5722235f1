"""resume_call (the paused VM goes on in place) equals resume(state) after a JSON round trip, on random
programs: the same output, result, op counts and memory peaks at every step.

The programs come from test_pause_resume's writer, plus statements that change containers in place
around the pauses (new keys, index-like keys, nested containers, shared references), which is what
the in-place path has to get right without re-reading a state.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_pause_resume import LIMITS, ProgramWriter

from hoglite.compiler import compile_source
from hoglite.errors import HogRuntimeError, HogSyntaxError
from hoglite.vm import DefaultHost, RunOptions, execute, resume, resume_call
from hoglite.vm.values import print_value

MUTATIONS = [
    "d.b.c := pause(d)",
    "d.a[1] := [d.b, 'yy']",
    "e.z := pause([e, 1])",
    "d['10'] := pause('x')",
    "d['2'] := {'7': 1, 'k': [e]}",
    "e['0'] := 'zero'",
    "d.n := {'k': pause(e)}",
    "print(d, e)",
    "print(keys(d))",
    "d := {'x': d, '1': e}",
]


def _program(seed: int) -> str:
    rng = random.Random(seed)
    writer = ProgramWriter(rng)
    body = [writer.statement() for _ in range(rng.randrange(1, 5))]
    for _ in range(rng.randrange(1, 5)):
        body.insert(rng.randrange(len(body) + 1), rng.choice(MUTATIONS))
    head = ["let a := 1", "let b := [1, 'x']", "let c := {'k': 2}",
            "let d := {'a': [1, 2], 'b': {'c': 'x'}}", "let e := d.b"]
    return "\n".join([*head, *body, "return [a, b, c, d, e]"])


def _steps(bytecode: list[Any], in_place: bool) -> list[Any]:
    host = DefaultHost()
    options = RunOptions(async_functions={"pause"}, host=host, limits=LIMITS)
    steps: list[Any] = []
    try:
        result = execute(bytecode, options)
        steps.append((result.ops, result.max_mem_used))
        count = 0
        while result.paused is not None and count < 12:
            answer = result.paused.args[0] if result.paused.args else None
            if in_place:
                result = resume_call(result.paused, answer, options)
            else:
                result = resume(json.loads(json.dumps(result.paused.state)), answer, options)
            steps.append((result.ops, result.max_mem_used))
            count += 1
        steps.append(print_value(result.value))
    except HogRuntimeError as error:  # limits included
        steps.append(f"error: {error.message}")
    return [steps, host.output]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32))
def test_in_place_resume_equals_resume_from_json(seed: int) -> None:
    try:
        program = compile_source(_program(seed))
    except HogSyntaxError:
        return
    assert _steps(program.bytecode, True) == _steps(program.bytecode, False)
