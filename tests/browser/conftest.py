"""Fixtures for driving the playground in headless Chromium (Debian's /usr/bin/chromium, via Playwright).

One server per module (`python -m playground --port 0`, the same code as `hoglite playground`) on
127.0.0.1, serving a temp copy of the repo's templates; one browser per module with a fresh profile;
a new page per test. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():  # pragma: no cover - a set-up problem, reported loudly rather than skipped
    raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")


class Server:
    repo = REPO

    def __init__(self, url: str, templates: Path, workdir: Path, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.templates = templates
        self.workdir = workdir
        self.process = process


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("playground-browser")
    templates = root / "templates"
    shutil.copytree(REPO / "templates", templates)
    workdir = root / "work"
    workdir.mkdir()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "playground", "--host", "127.0.0.1", "--port", "0",
         "--templates-dir", str(templates), "--workdir", str(workdir)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("hoglite playground: http://127.0.0.1:"):
            raise RuntimeError(f"the playground did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
        url = line.split()[2]
        yield Server(url, templates, workdir, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": 950})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: Any, server: Server) -> Iterator[Any]:
    """A fresh page with the playground loaded. Fails the test on any JS error or any off-site request."""
    page = browser_context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A 4xx answer the page handles is logged by Chromium as "Failed to load resource"; that is not a bug.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("request", lambda request: None if request.url.startswith((server.url, "blob:", "data:"))
            else foreign.append(request.url))
    page.set_default_timeout(15_000)
    page.goto(server.url)
    page.wait_for_selector("body[data-ready='1']")
    yield page
    page.close()
    assert foreign == [], f"the page requested something off the local server: {foreign}"
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def screenshot() -> Any:
    """`screenshot(page, name)` saves tests/artifacts/<name>.png and returns its path."""

    def take(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take
