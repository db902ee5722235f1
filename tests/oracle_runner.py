"""Run bytecode on the behavioural oracle, PostHog's TypeScript VM `@posthog/hogvm`, from Python tests.

All jobs of a batch go to ONE `node tests/oracle/runner.js` process (node start-up costs far more than a
small program), and nothing is cached on disk: every test session asks the oracle afresh.

    from oracle_runner import OracleJob, run_oracle_batch
    results = run_oracle_batch([OracleJob("hello", ["_H", 1, 32, "hi", 2, "print", 1, 35])])
    results["hello"].stdout  # 'hi\\n'

The oracle package is installed by `npm ci --prefix tests/oracle` (`.ci/run` does it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ORACLE_DIR = Path(__file__).resolve().parent / "oracle"
RUNNER = ORACLE_DIR / "runner.js"
ORACLE_PACKAGE = ORACLE_DIR / "node_modules" / "@posthog" / "hogvm" / "package.json"


class OracleUnavailable(RuntimeError):
    """node or the oracle package is missing; the message says how to install it."""


@dataclass(frozen=True)
class OracleJob:
    id: str
    bytecode: list[Any]
    globals: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "bytecode": self.bytecode}
        if self.globals is not None:
            data["globals"] = self.globals
        return data


@dataclass(frozen=True)
class OracleResult:
    """What the oracle did with one job. `result` is the returned value in Hog repr format (or None)."""

    id: str
    stdout: str
    result: str | None
    error: str | None
    error_type: str | None = None
    error_message: str | None = None
    finished: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        r"""The printed lines. console.log ends every line with '\n' and nothing else, so this splits on
        '\n' only (str.splitlines would also split a printed '\r', '\x0b', '\x85', '\u2028', ...)."""
        return split_lines(self.stdout)


def split_lines(text: str) -> list[str]:
    r"""`text` cut at every '\n' (a final '\n' ends the last line, it does not start an empty one)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def oracle_problem() -> str | None:
    """Why the oracle cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed (the oracle is PostHog's TypeScript VM and needs Node.js)"
    if not ORACLE_PACKAGE.exists():
        return "the oracle package is missing: run `npm ci --prefix tests/oracle`"
    return None


def run_oracle_batch(jobs: Sequence[OracleJob | dict[str, Any]], *, timeout: float = 900.0) -> dict[str, OracleResult]:
    """Run every job in one node process and return the results by job id."""
    problem = oracle_problem()
    if problem is not None:
        raise OracleUnavailable(problem)
    payload = [job.to_json() if isinstance(job, OracleJob) else dict(job) for job in jobs]
    ids = [str(job["id"]) for job in payload]
    if len(set(ids)) != len(ids):
        raise ValueError("oracle job ids must be unique")
    if not payload:
        return {}
    env = dict(os.environ)
    # Date built-ins format in the process's zone; the conformance suite is written for UTC.
    env["TZ"] = "UTC"
    completed = subprocess.run(
        ["node", str(RUNNER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ORACLE_DIR,
        env=env,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"oracle runner exited with {completed.returncode}: {completed.stderr.strip()}")
    results: dict[str, OracleResult] = {}
    known = {"id", "stdout", "result", "error", "error_type", "error_message", "finished"}
    # One JSON document per '\n': JSON.stringify escapes '\n' and '\r' but writes U+2028, U+0085, ...
    # as they are, so str.splitlines() would cut a document in two.
    for line in completed.stdout.split("\n"):
        if not line.strip():
            continue
        data = json.loads(line)
        results[str(data["id"])] = OracleResult(
            id=str(data["id"]),
            stdout=data.get("stdout") or "",
            result=data.get("result"),
            error=data.get("error"),
            error_type=data.get("error_type"),
            error_message=data.get("error_message"),
            finished=bool(data.get("finished")),
            extra={key: value for key, value in data.items() if key not in known},
        )
    missing = [job_id for job_id in ids if job_id not in results]
    if missing:
        raise RuntimeError(f"oracle runner returned no result for {missing[:5]}: {completed.stderr.strip()}")
    return results


def run_oracle(bytecode: list[Any], globals: dict[str, Any] | None = None) -> OracleResult:
    """Run a single program on the oracle (prefer `run_oracle_batch` for many)."""
    return run_oracle_batch([OracleJob("job", bytecode, globals)])["job"]
