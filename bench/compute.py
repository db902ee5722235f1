"""Compute workloads: the Hog programs in bench/programs, on hoglite and on the oracle.

Each program has a size placeholder `@N@`. Both VMs run the very same bytecode (compiled once by
hoglite), timed the same way: repeated in-process runs of the precompiled program after warm-up
(`hoglite.vm.execute` here, `exec` of @posthog/hogvm in one node process).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.oracle import Oracle
from bench.results import Row
from bench.timing import Stats, measure

PROGRAMS = Path(__file__).resolve().parent / "programs"


@dataclass(frozen=True)
class ComputeWorkload:
    name: str
    file: str
    full: int  # size of a normal run
    quick: int  # size of a --quick run (smoke test)
    description: str
    answers: tuple[Any, Any]  # the program's return value at (full, quick) size

    def expected(self, quick: bool) -> Any:
        return self.answers[1] if quick else self.answers[0]

    def source(self, size: int) -> str:
        return (PROGRAMS / self.file).read_text(encoding="utf-8").replace("@N@", str(size))


COMPUTE: tuple[ComputeWorkload, ...] = (
    ComputeWorkload("fib", "fib.hog", 22, 10, "recursive fib(N): calls and returns", (17711, 55)),
    ComputeWorkload("loop", "loop.hog", 1_000_000, 1_000, "for loop summing N integers", (499999500000, 499500)),
    ComputeWorkload("strings", "strings.hog", 5_000, 50, "f-strings, string built-ins, || of a growing string",
                    (89931, 853)),
    ComputeWorkload("containers", "containers.hog", 10_000, 100, "dict counters, literals, arrayPushBack, for-in",
                    (9388750, 1075)),
    ComputeWorkload("lambdas", "lambdas.hog", 1_000, 20, "arrayFilter/arrayMap/arrayReduce with lambdas",
                    (1661692500, 11850)),
    ComputeWorkload("mandelbrot", "mandelbrot.hog", 80, 10, "ASCII mandelbrot, N columns x 0.3N rows (inside points)",
                    (543, 8)),
)


def _limits() -> Any:
    from hoglite.vm import Limits

    # No timeout: the benchmark measures; limits are tested in tests/security. Memory limit as default.
    return Limits(timeout_seconds=3600.0)


def compile_workload(workload: ComputeWorkload, size: int) -> Any:
    from hoglite.compiler import compile_source

    return compile_source(workload.source(size), name=f"bench/programs/{workload.file}")


def run_hoglite(program: Any) -> Any:
    from hoglite.vm import RunOptions, execute

    return execute(program.bytecode, RunOptions(limits=_limits()))


def run_compute(workloads: list[ComputeWorkload], *, quick: bool, warmup: int, repeats: int,
                oracle: Oracle | None) -> list[Row]:
    compiled = {w.name: compile_workload(w, w.quick if quick else w.full) for w in workloads}
    rows: list[Row] = []
    for workload in workloads:
        program = compiled[workload.name]
        measured = measure(lambda program=program: run_hoglite(program), warmup=warmup, repeats=repeats)
        result = measured.last
        size = workload.quick if quick else workload.full
        row = Row("compute", workload.name, "run", measured.stats, cpu=measured.cpu, value=result.value, ops=result.ops,
                  expected=workload.expected(quick),
                  notes=[f"N={size}: {workload.description}"])
        rows.append(row)
    if oracle is not None and rows:
        jobs = [{"name": w.name, "bytecode": compiled[w.name].bytecode, "warmup": warmup, "repeats": repeats}
                for w in workloads]
        try:
            answers = oracle.run(jobs)
        except (RuntimeError, OSError, ValueError) as error:
            for row in rows:
                row.oracle_error = str(error)
            return rows
        for row in rows:
            answer = answers.get(row.name) or {}
            if answer.get("error"):
                row.oracle_error = answer["error"]
                continue
            row.oracle = Stats(answer["samples"])
            row.oracle_cpu = Stats(answer["cpu_samples"])
            row.oracle_value = answer.get("result")
            row.oracle_ops = answer.get("ops")
    return rows
