"""One benchmark result row, shared by every workload group and by the table/JSON output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.timing import Stats


@dataclass
class Row:
    """A workload's measurement: seconds per operation (`stats`), what one operation is (`unit`)."""

    group: str
    name: str
    unit: str  # "run", "compile", "invocation", ...
    stats: Stats  # wall-clock seconds per operation
    cpu: Stats | None = None  # CPU seconds per operation
    value: Any = None  # the operation's answer (checked against `expected` when that is known)
    expected: Any = None
    ops: int | None = None  # VM ops of one run (compute workloads)
    oracle: Stats | None = None
    oracle_cpu: Stats | None = None
    oracle_value: Any = None
    oracle_ops: int | None = None
    oracle_error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """hoglite median / oracle median (below 1: hoglite is faster)."""
        if self.oracle is None or self.oracle.median <= 0:
            return None
        return self.stats.median / self.oracle.median

    @property
    def cpu_ratio(self) -> float | None:
        """hoglite CPU median / oracle CPU median."""
        if self.cpu is None or self.oracle_cpu is None or self.oracle_cpu.median <= 0:
            return None
        return self.cpu.median / self.oracle_cpu.median

    @property
    def rate(self) -> float:
        median = self.stats.median
        return 1.0 / median if median > 0 else float("inf")

    @property
    def cpu_rate(self) -> float:
        """Operations per CPU-second: the throughput of one core, whatever else runs on the machine."""
        median = self.cpu.median if self.cpu is not None else self.stats.median
        return 1.0 / median if median > 0 else float("inf")

    @property
    def ok(self) -> bool:
        """The answer is right, and the oracle (if it ran) computed the same with the same op count."""
        if self.expected is not None and self.value != self.expected:
            return False
        if self.oracle_error is not None:
            return False
        if self.oracle is not None:
            if self.oracle_value != self.value:
                return False
            if self.oracle_ops is not None and self.ops is not None and self.oracle_ops != self.ops:
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "group": self.group,
            "name": self.name,
            "unit": self.unit,
            "hoglite": self.stats.to_json(),
            "hoglite_cpu": self.cpu.to_json() if self.cpu is not None else None,
            "per_second": self.rate,
            "per_cpu_second": self.cpu_rate,
            "value": self.value,
            "ok": self.ok,
        }
        if self.ops is not None:
            data["ops"] = self.ops
        if self.oracle is not None or self.oracle_error is not None:
            data["oracle"] = self.oracle.to_json() if self.oracle is not None else None
            data["oracle_value"] = self.oracle_value
            data["oracle_ops"] = self.oracle_ops
            data["oracle_error"] = self.oracle_error
            data["oracle_cpu"] = self.oracle_cpu.to_json() if self.oracle_cpu is not None else None
            data["ratio"] = self.ratio
            data["cpu_ratio"] = self.cpu_ratio
        if self.notes:
            data["notes"] = self.notes
        return data


def row_from_json(data: dict[str, Any]) -> Row:
    """A Row back from `Row.to_json()` output (for `python -m bench --render FILE`)."""

    def stats(key: str) -> Stats | None:
        found = data.get(key)
        return Stats(list(found["samples"])) if found else None

    wall = stats("hoglite")
    assert wall is not None, "a result without hoglite samples"
    return Row(
        group=data["group"], name=data["name"], unit=data["unit"], stats=wall, cpu=stats("hoglite_cpu"),
        value=data.get("value"), ops=data.get("ops"), oracle=stats("oracle"), oracle_cpu=stats("oracle_cpu"),
        oracle_value=data.get("oracle_value"), oracle_ops=data.get("oracle_ops"),
        oracle_error=data.get("oracle_error"), notes=list(data.get("notes") or []),
    )
