"""resume_call: continuing the live paused VM must give exactly what resume(state) gives."""

from __future__ import annotations

import json

import pytest

from hoglite.compiler import compile_source
from hoglite.errors import HogRuntimeError
from hoglite.vm import DefaultHost, RunOptions, execute, resume, resume_call

PROGRAMS = {
    "dict order and cycles": """
        let d := {'b': 1, 'a': 2}
        d['10'] := 3
        d['2'] := 4
        let c := [d]
        d['self'] := c
        let r := fetch('x', d)
        d['after'] := r
        print(keys(d))
        return [keys(d), length(c), r]
    """,
    "closures and frames": """
        let counter := 0
        let bump := (n) -> {
            counter := counter + n
            let got := fetch('u', {'n': n})
            counter := counter + got.v
            return counter
        }
        let total := 0
        for (let i := 0; i < 3; i := i + 1) {
            total := total + bump(i)
        }
        return [total, counter]
    """,
    "try catch across pauses": """
        let out := []
        try {
            let v := fetch('a', 1)
            out := arrayPushBack(out, v)
            throw Error('boom')
        } catch (e) {
            let w := fetch('b', 2)
            out := arrayPushBack(out, e.message)
            out := arrayPushBack(out, w)
        }
        print(out)
        return out
    """,
    "mutation heavy": """
        let event := {'properties': {}}
        for (let i := 0; i < 40; i := i + 1) {
            event.properties[f'p{i}'] := [i, f'v{i}', {'n': i}]
        }
        let res := fetch('one', event)
        event.properties.res := res
        let res2 := fetch('two', event)
        event.properties.p1[3].n := res2
        return length(keys(event.properties))
    """,
}

ANSWERS = [{"v": 1, "k": {"2": "x", "z": [1, 2.5]}}, {"v": 2}, {"v": 3}, "s", None]


def _run(source: str, in_place: bool) -> list:
    program = compile_source(source)
    host = DefaultHost()
    options = RunOptions(async_functions={"fetch"}, host=host)
    result = execute(program.bytecode, options)
    steps = [(result.ops, result.max_mem_used)]
    answers = iter(ANSWERS * 3)
    while result.paused is not None:
        answer = next(answers)
        if in_place:
            result = resume_call(result.paused, answer, options)
        else:
            result = resume(json.loads(json.dumps(result.paused.state)), answer, options)
        steps.append((result.ops, result.max_mem_used))
    return [result.value, steps, host.output]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_resume_call_matches_resume_from_state(name: str) -> None:
    source = PROGRAMS[name]
    assert _run(source, True) == _run(source, False)


def test_dict_key_order_after_resume_is_the_state_order() -> None:
    value, _, output = _run(PROGRAMS["dict order and cycles"], True)
    assert value[0] == ["2", "10", "b", "a", "self", "after"]
    assert output == ["['2', '10', 'b', 'a', 'self', 'after']"]


def test_state_read_after_pause_resumes_from_the_state() -> None:
    program = compile_source("let a := fetch(1)\nlet b := fetch(2)\nreturn [a, b]")
    options = RunOptions(async_functions={"fetch"})
    first = execute(program.bytecode, options)
    state = first.paused.state  # taken: the live VM is dropped
    second = resume_call(first.paused, "A", options)
    assert first.paused.state is state
    again = resume(json.loads(json.dumps(state)), "A", options)  # another process would do this
    timeless = [{k: v for k, v in call.paused.state.items() if k != "syncDuration"} for call in (second, again)]
    assert timeless[0] == timeless[1]
    done = resume_call(second.paused, "B", options)
    assert done.finished and done.value == ["A", "B"]


def test_a_call_resumed_in_place_is_used_up() -> None:
    program = compile_source("return fetch(1)")
    options = RunOptions(async_functions={"fetch"})
    paused = execute(program.bytecode, options).paused
    assert resume_call(paused, 5, options).value == 5
    with pytest.raises(HogRuntimeError, match="already resumed"):
        paused.state  # noqa: B018
    with pytest.raises(HogRuntimeError, match="already resumed"):
        resume_call(paused, 5, options)
