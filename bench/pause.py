"""Pause/resume workloads: what it costs to stop at an async call, store the state, and go on.

The program holds typical template state when it pauses (an event with 40 properties in a local, a
dict being built, a closure with an upvalue, two frames deep) and makes three async `fetch` calls.
Rows:
- pause/execute-to-pause: run from the start to the first pause (includes encoding the state);
- pause/state-json: `json.dumps` + `json.loads` of that state (what a host storing it pays);
- pause/resume-to-pause: resume the stored state with a response until the next pause;
- pause/full-cycle: execute, then three times (JSON round trip + resume) until finished.
"""

from __future__ import annotations

import json
from typing import Any

from bench.results import Row
from bench.timing import calibrate_inner, measure

PROGRAM = """
fun collect(event, send) {
  let payload := {'event': event.event, 'properties': {}}
  let count := 0
  let bump := () -> {
    count := count + 1
    return count
  }
  for (let key, value in event.properties) {
    if (not startsWith(key, '$')) {
      payload.properties[key] := value
      bump()
    }
  }
  let answers := []
  for (let i := 0; i < 3; i := i + 1) {
    let res := send(f'https://example.com/hook/{i}', {'method': 'POST', 'body': payload})
    answers := arrayPushBack(answers, res.status)
  }
  return {'count': count, 'answers': answers}
}
return collect(event, fetch)
"""


def _globals(properties: int) -> dict[str, Any]:
    props: dict[str, Any] = {f"prop_{i}": f"value number {i}" for i in range(properties)}
    props.update({"$browser": "Chrome", "$os": "Mac OS X", "nested": {"a": [1, 2, 3], "b": {"c": True}}})
    return {"event": {"event": "$pageview", "uuid": "0190", "distinct_id": "user-1", "properties": props}}


def run_pause(*, quick: bool, warmup: int, repeats: int, only: str | None = None) -> list[Row]:
    from hoglite.compiler import compile_source
    from hoglite.vm import RunOptions, execute, resume

    program = compile_source(PROGRAM, name="bench/pause")
    properties = 5 if quick else 40
    options = RunOptions(globals=_globals(properties), async_functions={"fetch"})
    response = {"status": 200, "body": {"ok": True}}

    def execute_to_pause() -> Any:
        return execute(program.bytecode, options)

    first = execute_to_pause()
    assert first.paused is not None, "the pause benchmark program did not pause"
    stored = json.dumps(first.paused.state)

    def state_json() -> Any:
        return json.loads(json.dumps(first.paused.state))

    def resume_to_pause() -> Any:
        # resume() does not modify the state it is given, so one loaded state serves every call.
        return resume(loaded, response, options)

    loaded = json.loads(stored)

    def full_cycle() -> Any:
        result = execute(program.bytecode, options)
        while result.paused is not None:
            state = json.loads(json.dumps(result.paused.state))
            result = resume(state, response, options)
        return result.value

    operations = [
        ("execute-to-pause", execute_to_pause, lambda r: r.paused.name if r.paused else None, "fetch"),
        ("state-json", state_json, lambda r: len(json.dumps(r)), len(stored)),
        ("resume-to-pause", resume_to_pause, lambda r: r.paused.name if r.paused else None, "fetch"),
        ("full-cycle", full_cycle, lambda r: r, {"count": properties + 1, "answers": [200, 200, 200]}),
    ]
    rows: list[Row] = []
    for name, operation, answer, expected in operations:
        if only is not None and only not in (name, f"pause/{name}"):
            continue
        inner = calibrate_inner(operation, target_seconds=0.01 if quick else 0.2, limit=10000)
        measured = measure(operation, warmup=warmup, repeats=repeats, inner=inner)
        row = Row("pause", name, "operation", measured.stats, cpu=measured.cpu, value=answer(measured.last), expected=expected)
        if name == "state-json":
            row.notes.append(f"state is {len(stored)} bytes of JSON")
        rows.append(row)
    return rows
