"""Output: the machine description, the results table (plain text / Markdown) and JSON."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import Any

from bench.results import Row


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def node_version(node: str | None) -> str | None:
    if node is None:
        return None
    try:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, check=False, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() or None


def machine_info(oracle: Any) -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "node": node_version(oracle.node) if oracle is not None else None,
        "oracle": f"@posthog/hogvm {oracle.version()} ({oracle.root})" if oracle is not None else None,
        "platform": platform.platform(),
    }


def format_seconds(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def format_rate(rate: float) -> str:
    if rate >= 100:
        return f"{rate:,.0f}/s"
    return f"{rate:.2f}/s"


HEADERS = ["workload", "wall median", "±", "cpu median", "per cpu-second", "oracle wall", "±", "oracle cpu",
           "ratio", "cpu ratio", "check"]


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def table_rows(rows: list[Row]) -> list[list[str]]:
    """Medians (wall-clock and CPU), the spread (± half the min-max range, relative), the rate on one
    core (1 / CPU median) and the ratios hoglite / oracle."""
    out = []
    for row in rows:
        stats = row.stats
        if row.oracle is not None:
            oracle_cells = [format_seconds(row.oracle.median), f"{row.oracle.spread * 100:.0f}%",
                            format_seconds(row.oracle_cpu.median) if row.oracle_cpu is not None else ""]
        elif row.oracle_error is not None:
            oracle_cells = ["error", "", ""]
        else:
            oracle_cells = ["", "", ""]
        out.append([
            f"{row.group}/{row.name}",
            format_seconds(stats.median),
            f"{stats.spread * 100:.0f}%",
            format_seconds(row.cpu.median) if row.cpu is not None else "",
            format_rate(row.cpu_rate if row.cpu is not None else row.rate),
            *oracle_cells,
            _ratio(row.ratio),
            _ratio(row.cpu_ratio),
            "ok" if row.ok else "MISMATCH",
        ])
    return out


def text_table(rows: list[Row]) -> str:
    body = table_rows(rows)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(HEADERS)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADERS, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for r in body:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    body = table_rows(rows)
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + "|"]
    lines.extend("| " + " | ".join(r) + " |" for r in body)
    return "\n".join(lines)


def problems(rows: list[Row]) -> list[str]:
    """One line per row whose answer is wrong or differs from the oracle's."""
    found = []
    for row in rows:
        if row.ok:
            continue
        detail = []
        if row.expected is not None and row.value != row.expected:
            detail.append(f"value {row.value!r}, expected {row.expected!r}")
        if row.oracle_error is not None:
            detail.append(f"oracle error: {row.oracle_error}")
        elif row.oracle is not None:
            if row.oracle_value != row.value:
                detail.append(f"hoglite returned {row.value!r}, the oracle {row.oracle_value!r}")
            if row.oracle_ops != row.ops:
                detail.append(f"hoglite ran {row.ops} ops, the oracle {row.oracle_ops}")
        found.append(f"{row.group}/{row.name}: " + "; ".join(detail + row.notes[-1:]))
    return found
