"""Run transpiled programs under node, many per process (node_runner.js), from Python.

    from hoglite.transpile.node import NodeJob, run_node_batch
    results = run_node_batch([NodeJob("hello", transpile_source("print('hi')", format="runner").code)])
    results["hello"].lines  # ['hi']

Each program runs in its own V8 context, so programs cannot see each other. Used by the conformance
suite (the `javascript` backend) and by hoglite's own tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from hoglite.errors import HogliteError


class NodeUnavailable(HogliteError):
    """node is not installed (the JavaScript back end's programs need Node.js 20 or later to run)."""


@dataclass(frozen=True)
class NodeJob:
    id: str
    code: str  # transpiled with format="runner"
    globals: dict[str, Any] | None = None
    fetch: list[Any] | None = None  # canned fetch responses, in order (None: no fetch at all)
    now: float | None = None  # a fixed clock (epoch seconds) for now()/today()
    timeout_seconds: float | None = 5.0
    host_print: bool = False  # `print` is a host function receiving JSON arguments (templates)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "code": self.code, "timeoutSeconds": self.timeout_seconds,
                                "hostPrint": self.host_print}
        if self.globals is not None:
            data["globals"] = self.globals
        if self.fetch is not None:
            data["fetch"] = self.fetch
        if self.now is not None:
            data["now"] = self.now
        return data


@dataclass
class NodeResult:
    """What one program did: printed lines, the returned value (Hog repr) and how it failed, if it did.

    `error_kind` is 'runtime error', 'limit exceeded', 'uncaught' (a Hog throw: `error_type` and
    `error_message` are set), 'load' (the JavaScript did not load: a transpiler bug) or 'internal'.
    `rendered` is the error as `hoglite run` prints it (with the caret snippet).
    """

    lines: list[str]
    result: str | None = None
    error: str | None = None
    error_kind: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    rendered: str | None = None
    fetches: list[Any] = field(default_factory=list)
    prints: list[list[Any]] = field(default_factory=list)  # arguments of each host `print` call
    result_json: Any = None  # the returned value as plain JSON


def node_executable() -> str:
    path = shutil.which("node")
    if path is None:
        raise NodeUnavailable("node is not installed: the JavaScript back end needs Node.js 20 or later")
    return path


def run_node_batch(jobs: Sequence[NodeJob], *, timeout: float = 600.0) -> dict[str, NodeResult]:
    """Run every job in one node process; results by job id."""
    if not jobs:
        return {}
    runner = resources.files("hoglite.transpile").joinpath("node_runner.js")
    with resources.as_file(runner) as runner_path:
        completed = subprocess.run(
            [node_executable(), str(runner_path)],
            input=json.dumps([job.to_json() for job in jobs]),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )
    if completed.returncode != 0 or not completed.stdout:
        raise RuntimeError(f"node runner failed ({completed.returncode}): {completed.stderr[-2000:]}")
    data = json.loads(completed.stdout)
    return {job_id: _result(entry) for job_id, entry in data.items()}


def _result(entry: dict[str, Any]) -> NodeResult:
    return NodeResult(
        lines=list(entry.get("lines") or []),
        result=entry.get("result"),
        error=entry.get("error"),
        error_kind=entry.get("errorKind"),
        error_type=entry.get("errorType"),
        error_message=entry.get("errorMessage"),
        rendered=entry.get("rendered"),
        fetches=list(entry.get("fetches") or []),
        prints=list(entry.get("prints") or []),
        result_json=entry.get("resultJson"),
    )


class NodeSession:
    """One long-lived node process that runs jobs one at a time (for callers that need a result before
    they know the next job: property tests, replaying fetches). Use as a context manager."""

    def __init__(self) -> None:
        runner = resources.files("hoglite.transpile").joinpath("node_runner.js")
        self._runner = resources.as_file(runner)
        path = self._runner.__enter__()
        self._process = subprocess.Popen(
            [node_executable(), str(path), "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1,
        )

    def run(self, job: NodeJob) -> NodeResult:
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(job.to_json()) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the node runner stopped")
        return _result(json.loads(line))

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
        self._runner.__exit__(None, None, None)

    def __enter__(self) -> NodeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
