"""Smoke test of the benchmark runner (`python -m bench`), so it does not rot.

It runs every workload once at the --quick size and checks the answers and the output format.
No timing is asserted anywhere: performance is measured by bench/, never tested (DESIGN.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# bench/ is a top-level package of the repository, not of the installed distribution: make it
# importable however pytest was started (`python -m pytest` adds the cwd, plain `pytest` does not).
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.cli import GROUPS  # noqa: E402
from bench.compile import generated_program, template_sources  # noqa: E402
from bench.compute import COMPUTE  # noqa: E402
from bench.oracle import find_oracle  # noqa: E402


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, check=False)


def test_quick_json_run_covers_every_workload_with_right_answers(tmp_path: Path) -> None:
    done = run_bench("--quick", "--json", "--repeats", "1", "--warmup", "0")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["problems"] == []
    assert report["settings"] == {"quick": True, "warmup": 0, "repeats": 1, "only": None,
                                  "oracle": find_oracle() is not None}
    assert report["machine"]["nproc"] >= 1
    rows = {(row["group"], row["name"]): row for row in report["results"]}
    assert {group for group, _ in rows} == set(GROUPS)

    for workload in COMPUTE:
        row = rows[("compute", workload.name)]
        assert row["value"] == workload.expected(quick=True)
        assert row["ok"] is True
        assert len(row["hoglite"]["samples"]) == 1
        assert row["ops"] > 0
        if report["settings"]["oracle"]:
            # Same bytecode on @posthog/hogvm: same answer, same number of ops, and a ratio.
            assert row["oracle_value"] == row["value"]
            assert row["oracle_ops"] == row["ops"]
            assert row["ratio"] > 0

    template_names = {name for name, _ in template_sources()}
    compiled = {name for group, name in rows if group == "compile"}
    assert compiled == template_names | {"generated-50-lines"}
    assert rows[("template", "intercom")]["value"] == "ok"
    assert rows[("template", "intercom-event")]["value"] == "ok"
    assert all(row["ok"] for row in report["results"])
    assert rows[("pause", "full-cycle")]["value"] == {"count": 6, "answers": [200, 200, 200]}

    # A saved run renders back as a table (how docs/performance.md is made): one line per result.
    saved = tmp_path / "run.json"
    saved.write_text(done.stdout, encoding="utf-8")
    rendered = run_bench("--render", str(saved), "--markdown")
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    table = [line for line in rendered.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| workload | wall median |")
    assert len(table) == 1 + len(report["results"])
    assert "| compute/loop |" in rendered.stdout


def test_table_output_and_only_filter() -> None:
    done = run_bench("--quick", "--only", "loop", "--repeats", "1", "--warmup", "0", "--no-oracle")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("# ")
    assert lines[2].split()[:3] == ["workload", "wall", "median"]
    body = [line for line in lines[4:] if line.strip()]
    assert len(body) == 1
    assert body[0].split()[0] == "compute/loop"
    assert body[0].split()[-1] == "ok"


def test_unknown_workload_is_an_error() -> None:
    done = run_bench("--quick", "--only", "no-such-workload", "--no-oracle")
    assert done.returncode == 2
    assert "no workload named 'no-such-workload'" in done.stderr


def test_generated_program_has_exactly_the_requested_lines() -> None:
    from hoglite.compiler import compile_source

    for lines in (50, 500):
        source = generated_program(lines)
        assert source.count("\n") == lines
        assert compile_source(source, name="generated").bytecode[:2] == ["_H", 1]
