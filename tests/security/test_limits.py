"""Resource exhaustion: every attack ends in a HogLimitError with a stable message, and never in a Python
MemoryError, RecursionError or a hang. Hog `try`/`catch` cannot catch a limit error.

No test reads a clock (performance is measured in bench/): an op budget shows an attack ends within a
few ops, traced peak memory (tracemalloc) shows a refusal came before the allocation, and executed
hoglite lines (sys.settrace) show work stays small. pytest-timeout is the hang guard."""

from __future__ import annotations

import contextlib
import tracemalloc
from typing import Any

import pytest
from security_support import hoglite_lines

from hoglite.compiler import compile_source
from hoglite.errors import HogLimitError, HogRuntimeError
from hoglite.vm import Limits, RunContext, execute, resume
from hoglite.vm.host import DefaultHost
from hoglite.vm.limits import ensure_container_size, ensure_string_length


def run(source: str, **kwargs: Any) -> Any:
    return execute(compile_source(source), **kwargs)


def limit_error(source: str, **kwargs: Any) -> HogLimitError:
    with pytest.raises(HogLimitError) as caught:
        run(source, **kwargs)
    return caught.value


def limit_error_and_peak(source: str, **kwargs: Any) -> tuple[HogLimitError, int]:
    """The run's limit error and the peak bytes Python allocated during it (tracemalloc)."""
    tracemalloc.start()
    try:
        error = limit_error(source, **kwargs)
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_infinite_loop_hits_the_op_budget_exactly() -> None:
    error = limit_error("while (true) { }", limits=Limits(max_ops=1000))
    assert error.message == "Operation budget of 1000 ops exceeded"
    result = run("let i := 0\nwhile (i < 10) { i := i + 1 }", limits=Limits(max_ops=1000))
    budget = result.ops
    assert run("let i := 0\nwhile (i < 10) { i := i + 1 }", limits=Limits(max_ops=budget)).finished
    with pytest.raises(HogLimitError):
        run("let i := 0\nwhile (i < 10) { i := i + 1 }", limits=Limits(max_ops=budget - 1))


@pytest.mark.timeout(30)  # the hang guard, should the timeout ever stop firing
def test_infinite_loop_times_out() -> None:
    error = limit_error("let i := 0\nwhile (true) { i := i + 1 }", limits=Limits(timeout_seconds=0.2))
    assert error.message.startswith("Execution timed out after 0.2 seconds. Performed ")
    assert error.message.endswith(" ops.")
    assert error.span is not None and error.span.line == 2


@pytest.mark.timeout(30)  # the hang guard: without the cumulative total this loop runs for minutes
def test_timeout_counts_time_across_resumes() -> None:
    program = compile_source("let i := 0\nwhile (i < 100000000) { i := i + 1; if (i % 1000 == 0) { sleep(0) } }")
    limits = Limits(timeout_seconds=0.3)
    result = execute(program, limits=limits)
    resumes = 0
    with pytest.raises(HogLimitError, match="Execution timed out after 0.3 seconds"):
        while result.paused is not None:
            resumes += 1
            result = resume(result.paused.state, None, limits=limits)
    assert resumes > 1  # no single segment reached the limit: the total did


def test_deep_recursion_hits_the_call_depth() -> None:
    error = limit_error("fun f(n) { return f(n + 1) }\nf(0)")
    assert error.message == "Call stack exceeded maximum length of 1000"
    error = limit_error("fun f(n) { return f(n + 1) }\nf(0)", limits=Limits(max_call_depth=50))
    assert error.message == "Call stack exceeded maximum length of 50"


def test_very_deep_recursion_never_uses_python_recursion() -> None:
    source = "fun f(n) { if (n == 0) { return 0 } return f(n - 1) + 1 }\nreturn f(30000)"
    assert run(source, limits=Limits(max_call_depth=40000)).value == 30000


def test_bytecode_stl_recursion_hits_the_call_depth() -> None:
    error = limit_error("fun f(x) { return arrayMap(f, [x]) }\nf(1)")
    assert error.message == "Call stack exceeded maximum length of 1000"


def test_string_doubling_hits_the_memory_limit() -> None:
    # Within an op budget of 1000 (about 25 doublings), and refused before building: the host never
    # held as many bytes as the refused string needed.
    error, peak = limit_error_and_peak("let s := 'x'\nwhile (true) { s := concat(s, s) }", limits=Limits(max_ops=1000))
    assert error.message == "Memory limit of 67108864 bytes exceeded. Tried to allocate 67108880 bytes."
    assert peak < 67108880, f"peak {peak} bytes"


def test_string_concatenation_operator_blowup() -> None:
    error = limit_error("let s := 'xy'\nwhile (true) { s := s || s || s }", limits=Limits(memory_bytes=1_000_000))
    assert error.message.startswith("Memory limit of 1000000 bytes exceeded. Tried to allocate ")


def test_nested_array_blowup_is_caught_without_walking_it() -> None:
    source = "let a := [1]\nwhile (true) { a := [a, a] }"
    error = limit_error(source, limits=Limits(max_ops=1000))
    assert error.message == "Memory limit of 67108864 bytes exceeded. Tried to allocate 75497448 bytes."
    # 64x the memory limit is 6 more doublings: the work grows with the doublings, where walking the
    # (shared, exponentially large) tree to measure it would grow 64-fold.
    small = hoglite_lines(lambda: limit_error(source, limits=Limits(max_ops=1000, memory_bytes=1_000_000)))
    large = hoglite_lines(lambda: limit_error(source, limits=Limits(max_ops=1000)))
    assert large < small * 2, f"64x the memory limit executed {large / small:.1f}x the lines ({small} -> {large})"


def test_array_growth_through_builtins() -> None:
    error = limit_error("let a := [1]\nwhile (true) { a := arrayPushBack(a, a) }", limits=Limits(memory_bytes=1_000_000))
    assert error.message.startswith("Memory limit of 1000000 bytes exceeded.")
    # range(1e7) is refused before building its 10 million slots (80 MB of pointers alone).
    # (A generous timeout: building and freeing the million-element arrays before that point must not
    # turn into a timeout on a loaded machine; this test is about the size limit.)
    error, peak = limit_error_and_peak("let n := 1\nwhile (true) { n := n * 10\n let a := range(n) }",
                                       limits=Limits(max_ops=1000, timeout_seconds=120))
    assert error.message == "Container size limit of 8388608 elements exceeded. Tried to build 10000000."
    assert peak < 80_000_000, f"peak {peak} bytes"


def test_dict_growth_through_index_assignment() -> None:
    source = "let d := {}\nlet i := 0\nwhile (true) { d[i] := 'some value'; i := i + 1 }"
    error = limit_error(source, limits=Limits(memory_bytes=200_000))
    assert error.message.startswith("Memory limit of 200000 bytes exceeded.")


def test_nested_dict_growth_is_still_counted() -> None:
    source = "let p := {'inner': {}}\nlet i := 0\nwhile (true) { p.inner[i] := 'some value'; i := i + 1 }"
    error = limit_error(source, limits=Limits(memory_bytes=200_000))
    assert error.message.startswith("Memory limit of 200000 bytes exceeded.")


def test_array_index_assignment_far_past_the_end() -> None:
    error = limit_error("let a := []\na[1000000000] := 1")
    assert error.message == "Container size limit of 8388608 elements exceeded. Tried to build 1000000000."


def test_too_many_arguments() -> None:
    args = ", ".join(["1"] * 301)
    assert limit_error(f"concat({args})").message == "Too many arguments"
    assert limit_error(f"let f := (x) -> x\nf({args})").message == "Too many arguments"
    assert run(f"return length(concat({', '.join(['1'] * 300)}))").value == 300


def test_async_steps_limit() -> None:
    program = compile_source("while (true) { sleep(0) }")
    limits = Limits(max_async_steps=3)
    result = execute(program, limits=limits)
    steps = 0
    with pytest.raises(HogLimitError) as caught:
        while result.paused is not None:
            steps += 1
            result = resume(result.paused.state, None, limits=limits)
    assert steps == 3
    assert caught.value.message == "Exceeded maximum number of async steps: 3"


@pytest.mark.parametrize("attack", [
    "fun f() { return f() }\ntry { f() } catch (e) { print('caught') }",
    "try { while (true) { } } catch (e) { print('caught') }",
    "try { let s := 'x'\n while (true) { s := concat(s, s) } } catch (e) { print('caught') }",
    "fun f() { try { return f() } catch (e) { print('caught'); return 1 } }\nf()",
])
def test_limit_errors_cannot_be_caught_in_hog(attack: str) -> None:
    host = DefaultHost()
    with pytest.raises(HogLimitError):
        run(attack, host=host, limits=Limits(max_ops=2_000_000, memory_bytes=10_000_000))
    assert host.output == []


@pytest.mark.parametrize("use", ["print(a)", "print(jsonStringify(a))", "print(a == a)", "print(length(toString(a)))",
                                 "print(a < a)", "print(a in [a])"])
def test_deeply_nested_values_do_not_raise_python_errors(use: str) -> None:
    source = f"let a := []\nfor (let i := 0; i < 5000; i := i + 1) {{ a := [a] }}\n{use}"
    with contextlib.suppress(HogRuntimeError):  # a Hog error is fine; a RecursionError escaping is not
        run(source)


def test_size_helpers_for_builtins() -> None:
    ctx = RunContext(DefaultHost(), Limits(max_string_length=10, max_container_size=5))
    ensure_string_length(ctx, 10)
    ensure_container_size(ctx, 5)
    with pytest.raises(HogLimitError, match="String length limit of 10 characters exceeded. Tried to build 11."):
        ensure_string_length(ctx, 11)
    with pytest.raises(HogLimitError, match="Container size limit of 5 elements exceeded. Tried to build 6."):
        ensure_container_size(ctx, 6)
    ensure_string_length(object(), 1000)  # no limits on the context: the defaults apply
