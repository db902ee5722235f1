"""The Node side: run precompiled bytecode on PostHog's `@posthog/hogvm`, timed inside one process."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "oracle_bench.js"
# The project's pinned copy first (tests/oracle, installed by `npm ci --prefix tests/oracle`), then the
# scratch install that existed before it.
CANDIDATES = (REPO / "tests" / "oracle", Path("/tmp/oracle"))


@dataclass
class Oracle:
    node: str
    root: Path  # the folder holding node_modules/@posthog/hogvm

    def version(self) -> str:
        package = self.root / "node_modules" / "@posthog" / "hogvm" / "package.json"
        try:
            return json.loads(package.read_text())["version"]
        except (OSError, ValueError, KeyError):
            return "unknown"

    def node_version(self) -> str:
        done = subprocess.run([self.node, "--version"], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    def run(self, jobs: list[dict[str, Any]], *, timeout: float = 3600.0) -> dict[str, dict[str, Any]]:
        """Run the jobs (`{name, bytecode, warmup, repeats}`) in one node process."""
        done = subprocess.run(
            [self.node, str(SCRIPT), str(self.root)],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"oracle benchmark failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        return json.loads(done.stdout)


def find_oracle() -> Oracle | None:
    """The oracle to compare against, or None when node or @posthog/hogvm is not installed."""
    node = shutil.which("node")
    if node is None:
        return None
    for root in CANDIDATES:
        if (root / "node_modules" / "@posthog" / "hogvm" / "package.json").is_file():
            return Oracle(node, root)
    return None
