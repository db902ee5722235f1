"""Pausing anywhere and resuming from JSON gives exactly the straight run's output and result.

Random Hog programs call `pause(x)` at random places (in expressions, loops, functions, closures,
try blocks and arrayMap callbacks). The straight run treats `pause` as a synchronous host function that
returns its argument (through JSON, like any host result); the paused run registers it as async, and at
every pause the state goes through `json.dumps` / `json.loads` before `resume` pushes the argument back.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hoglite.compiler import compile_source
from hoglite.errors import HogLimitError, HogRuntimeError, HogSyntaxError
from hoglite.vm import DefaultHost, Limits, execute, resume
from hoglite.vm.values import print_value, to_json_value

VARS = ["a", "b", "c"]
# Deterministic limits only: both runs count the same ops and frames (a pause is one CALL_GLOBAL in
# both), so they hit a limit at the same place; async steps are not counted by the straight run.
# The memory estimate of a resumed run is recomputed from the restored values, so a run that ends on the
# memory limit may end one op earlier or later; such runs are not compared (the limit is small so that
# the exponential structures the writer can build end quickly).
LIMITS = Limits(max_ops=20_000, max_async_steps=1_000_000, max_call_depth=200, memory_bytes=1_000_000,
                timeout_seconds=60)


class ProgramWriter:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.functions: list[str] = []
        self.loop = 0

    def literal(self) -> str:
        return self.rng.choice(["1", "2", "-3", "2.5", "'x'", "'hog'", "true", "false", "null", "0"])

    def expr(self, depth: int = 0, scope: tuple[str, ...] = ()) -> str:
        rng = self.rng
        names = [*VARS, *scope]
        if depth > 2:
            return rng.choice([self.literal(), rng.choice(names)])
        choice = rng.randrange(14)
        sub = lambda: self.expr(depth + 1, scope)  # noqa: E731
        if choice == 0:
            return self.literal()
        if choice == 1:
            return rng.choice(names)
        if choice == 2:
            return f"[{sub()}, {sub()}]"
        if choice == 3:
            return f"{{'k': {sub()}, 2: {sub()}}}"
        if choice == 4:
            return f"({sub()}, {sub()})"
        if choice == 5:
            return f"({sub()} + {sub()})"
        if choice == 6:
            return f"concat({sub()}, {sub()})"
        if choice == 7:
            return f"pause({sub()})"
        if choice == 8:
            return f"({sub()} == {sub()})"
        if choice == 9 and self.functions:
            return f"{rng.choice(self.functions)}({sub()})"
        if choice == 10:
            return f"arrayMap(x -> [x, pause(x)], [{sub()}, {sub()}])"
        if choice == 11:
            return f"Error({sub()})"
        if choice == 12:
            return f"({sub()} ?? {sub()})"
        return f"[{sub()}][1]"

    def block(self, depth: int, scope: tuple[str, ...] = ()) -> list[str]:
        return [self.statement(depth + 1, scope) for _ in range(self.rng.randrange(1, 4))]

    def statement(self, depth: int = 0, scope: tuple[str, ...] = ()) -> str:
        rng = self.rng
        choice = rng.randrange(10) if depth < 3 else rng.randrange(4)
        if choice == 0:
            return f"{rng.choice(VARS)} := {self.expr(0, scope)}"
        if choice in (1, 2):
            return f"print({self.expr(0, scope)})"
        if choice == 3:
            return f"{rng.choice(VARS)} := pause({self.expr(1, scope)})"
        if choice == 4:
            body = "\n".join(self.block(depth, scope))
            other = "\n".join(self.block(depth, scope))
            return f"if ({self.expr(1, scope)}) {{\n{body}\n}} else {{\n{other}\n}}"
        if choice == 5:
            self.loop += 1
            name = f"i{self.loop}"
            body = "\n".join(self.block(depth, (*scope, name)))
            return f"for (let {name} := 0; {name} < {rng.randrange(1, 4)}; {name} := {name} + 1) {{\n{body}\n}}"
        if choice == 6:
            name = f"f{len(self.functions)}"
            body = "\n".join(self.block(depth, (*scope, "p")))
            self.functions.append(name)
            return f"fun {name}(p) {{\n{body}\nreturn [p, {self.expr(1, (*scope, 'p'))}]\n}}"
        if choice == 7:
            body = "\n".join(self.block(depth, scope))
            return f"try {{\n{body}\nthrow Error({self.expr(2, scope)})\n}} catch (e) {{\nprint(e.message)\n}}"
        if choice == 8:
            name = f"g{len(self.functions)}"
            captured = rng.choice(VARS)
            self.functions.append(name)
            return f"let {name} := (q) -> [q, {captured}, pause({captured})]"
        return f"{rng.choice(VARS)} := [{self.expr(1, scope)}, {rng.choice(VARS)}]"

    def program(self) -> str:
        lines = [f"let {name} := {self.literal()}" for name in VARS]
        lines += [self.statement() for _ in range(self.rng.randrange(2, 8))]
        lines.append(f"return [{', '.join(VARS)}]")
        return "\n".join(lines)


def outcome(run: Any) -> tuple[list[str], Any]:
    host = DefaultHost()  # shared by every segment, so lines printed before an error are kept
    try:
        result = run(host)
    except HogLimitError as error:
        return host.output, f"limit: {error.message}"
    except HogRuntimeError as error:
        return host.output, f"error: {error.message}"
    return host.output, print_value(result)


def straight(program: Any) -> tuple[list[str], Any]:
    def run(host: DefaultHost) -> Any:
        pause = {"pause": lambda args, ctx: to_json_value(args[0])}
        return execute(program, limits=LIMITS, functions=pause, host=host).value

    return outcome(run)


def paused(program: Any) -> tuple[list[str], Any, int]:
    pauses = 0

    def run(host: DefaultHost) -> Any:
        nonlocal pauses
        options = {"limits": LIMITS, "async_functions": {"pause"}, "host": host}
        result = execute(program, **options)
        while result.paused is not None:
            pauses += 1
            state = json.loads(json.dumps(result.paused.state))
            result = resume(state, result.paused.args[0], **options)
        return result.value

    output, value = outcome(run)
    return output, value, pauses


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_pause_json_resume_equals_straight_run(rng: random.Random) -> None:
    source = ProgramWriter(rng).program()
    try:
        program = compile_source(source)
    except HogSyntaxError:
        return  # the writer can produce e.g. a read of a name before its declaration; not our concern
    expected = straight(program)
    output, value, _ = paused(program)
    if "Memory limit" in str(expected[1]) or "Memory limit" in str(value):
        return
    assert (output, value) == expected, source


def test_writer_produces_programs_that_pause() -> None:
    rng = random.Random(7)
    pausing = 0
    for _ in range(30):
        try:
            program = compile_source(ProgramWriter(rng).program())
        except HogSyntaxError:
            continue
        if paused(program)[2] > 0:
            pausing += 1
    assert pausing >= 10
