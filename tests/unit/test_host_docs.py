"""Every Python example in docs/embedding.md runs as written and prints what its comments say.

A `print(...)  # text` line promises that `text` is the next line of output; comment lines right
after a print (`# more`) promise the lines that follow.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "embedding.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def promised_output(code: str) -> list[str]:
    expected: list[str] = []
    following = False
    for line in code.splitlines():
        stripped = line.strip()
        if following and stripped.startswith("#"):
            expected.append(stripped[2:] if stripped.startswith("# ") else stripped[1:])
            continue
        following = stripped.startswith("print(")
        if following and "  # " in line:
            expected.append(line.split("  # ", 1)[1])
    return expected


def test_the_page_starts_with_a_ten_line_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.startswith("# Embedding hoglite\n\n```python\n")
    assert len(blocks()[0].strip().splitlines()) == 10


@pytest.mark.parametrize("index", range(len(blocks())))
def test_example_runs_as_written(index: int) -> None:
    code = blocks()[index]
    output = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)  # the examples name templates/ relative to the repository
    try:
        with contextlib.redirect_stdout(output):
            exec(compile(code, f"{DOC.name}[{index}]", "exec"), {"__name__": "__doc_example__"})  # noqa: S102
    finally:
        os.chdir(cwd)
    printed = [line.rstrip() for line in output.getvalue().splitlines()]
    expected = [line.rstrip() for line in promised_output(code)]
    position = 0
    for line in expected:
        assert line in printed[position:], f"expected {line!r} in the output:\n" + "\n".join(printed)
        position = printed.index(line, position) + 1
