"""Timing: warm-up runs, then repeated samples; median and spread of the per-operation time.

Each sample records wall-clock time (what the brief asks for, and what a user waits) and the CPU time
of the process. On a shared machine (2 cores, several test runs at once) wall time includes the time
the process waited for a core; CPU time does not, so CPU-time ratios stay meaningful under load.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Seconds per operation over the samples (one sample = `inner` operations timed together)."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def minimum(self) -> float:
        return min(self.samples)

    @property
    def maximum(self) -> float:
        return max(self.samples)

    @property
    def spread(self) -> float:
        """Half the min-max range relative to the median (0.05 = the samples lie within about ±5%)."""
        median = self.median
        return (self.maximum - self.minimum) / 2 / median if median > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "min": self.minimum,
            "max": self.maximum,
            "spread": round(self.spread, 4),
            "samples": self.samples,
        }


@dataclass
class Measured:
    stats: Stats  # wall-clock seconds per operation
    cpu: Stats  # CPU seconds of this process per operation (robust against a busy machine)
    last: Any = None  # what the last operation returned (checked against the expected answer)
    extra: dict[str, Any] = field(default_factory=dict)


def measure(operation: Callable[[], Any], *, warmup: int, repeats: int, inner: int = 1) -> Measured:
    """Run `operation` `warmup * inner` times untimed, then `repeats` samples of `inner` calls each.

    perf_counter around a batch of `inner` calls: for operations of a few microseconds the batch keeps
    the timer's own cost and resolution out of the result.
    """
    last: Any = None
    for _ in range(warmup * inner):
        last = operation()
    samples: list[float] = []
    cpu_samples: list[float] = []
    wall_clock, cpu_clock = time.perf_counter, time.process_time
    for _ in range(max(1, repeats)):
        started, cpu_started = wall_clock(), cpu_clock()
        for _ in range(inner):
            last = operation()
        samples.append((wall_clock() - started) / inner)
        cpu_samples.append((cpu_clock() - cpu_started) / inner)
    return Measured(Stats(samples), Stats(cpu_samples), last)


def calibrate_inner(operation: Callable[[], Any], *, target_seconds: float, limit: int = 100_000) -> int:
    """How many calls make a sample of about `target_seconds` (one untimed probe call first)."""
    operation()
    started = time.perf_counter()
    operation()
    once = max(time.perf_counter() - started, 1e-7)
    return max(1, min(limit, int(target_seconds / once)))
