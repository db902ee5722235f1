"""Every test case of every template under templates/ (the same cases `hoglite test templates/` runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoglite.cdp.template import find_template_folders, load_template
from hoglite.testing.cases import load_cases
from hoglite.testing.runner import run_case

ROOT = Path(__file__).resolve().parents[2]


def _collect() -> list:
    params = []
    for folder in find_template_folders([ROOT / "templates"]):
        template = load_template(folder)
        for case in load_cases(template):
            params.append(pytest.param(template, case, id=f"{folder.name}/{case.name}"))
    return params


@pytest.mark.parametrize(("template", "case"), _collect())
def test_template_case(template, case) -> None:
    result = run_case(template, case)
    if not result.passed:
        pytest.fail(result.report(), pytrace=False)
