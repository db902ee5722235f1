"""Template workloads: end-to-end invocations per second on one core, with mocked fetch.

Each invocation goes through the embedding API's front door, `hoglite.host.engine.Engine.invoke`:
globals from the event, filters, input templating, the template's code, and the fetch loop answered
by a `MockFetcher` (the answers of one of the template's own test cases). Before timing, the result
is compared with that test case's expectations, so the benchmark measures a correct run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.results import Row
from bench.timing import calibrate_inner, measure

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"

# The case each template is measured with: a full successful run (search + update for Intercom
# contacts, search + event for Intercom events). Other templates use their first case that succeeds
# with at least one fetch.
CHOSEN_CASES = {
    "intercom": "02-update-existing-contact",
    "intercom-event": "01-send-event",
}
PRIMARY = ("intercom", "intercom-event")


def _choose_case(folder_name: str, cases: list[Any]) -> Any:
    wanted = CHOSEN_CASES.get(folder_name)
    for case in cases:
        if case.name == wanted:
            return case
    for case in cases:
        if case.expect.get("outcome", "ok") == "ok" and case.expect.get("fetches"):
            return case
    return cases[0] if cases else None


def template_invoker(folder: Path) -> tuple[Any, Any, Any]:
    """(invoke, case, check): `invoke()` runs one invocation; `check(result)` lists differences."""
    from hoglite.cdp.template import load_template
    from hoglite.host.engine import Engine
    from hoglite.testing.cases import load_cases
    from hoglite.testing.runner import _limits, _project, case_globals, compare, make_fetcher

    template = load_template(folder)
    case = _choose_case(folder.name, load_cases(template))
    if case is None:
        raise ValueError(f"{folder.name}: no test case to benchmark with")
    engine = Engine(clock=lambda: case.now, template_limits=_limits(case))
    globals_ = case_globals(template, case)
    options = {
        "project": _project(case),
        "test_account_filters": case.test_account_filters,
        "actions": case.actions,
        "integrations": case.integrations,
        "check_required": case.check_required,
        "templating": case.templating,
        "fail_on_fetch_error": case.fail_on_fetch_error,
        "mapping": case.mapping,
    }

    def invoke() -> Any:
        # A fresh mock per invocation: its answer queue is used up by one run.
        return engine.invoke(template, globals_, case.inputs, fetcher=make_fetcher(case), **options)

    def check(result: Any) -> list[str]:
        return compare(case.expect, result)

    return invoke, case, check


def template_folders(only: str | None = None) -> list[Path]:
    folders = sorted(p for p in TEMPLATES.iterdir() if (p / "template.json").is_file() and (p / "tests").is_dir())
    # The Intercom templates (the performance target) first.
    folders.sort(key=lambda p: (p.name not in PRIMARY, p.name))
    if only is not None:
        folders = [p for p in folders if only in (p.name, f"template/{p.name}")]
    return folders


def run_templates(*, quick: bool, warmup: int, repeats: int, only: str | None = None,
                  primary_only: bool = False) -> list[Row]:
    rows: list[Row] = []
    for folder in template_folders(only):
        if primary_only and folder.name not in PRIMARY:
            continue
        invoke, case, check = template_invoker(folder)
        differences = check(invoke())
        inner = calibrate_inner(invoke, target_seconds=0.01 if quick else 0.25, limit=5000)
        measured = measure(invoke, warmup=warmup, repeats=repeats, inner=inner)
        result = measured.last
        row = Row("template", folder.name, "invocation", measured.stats, cpu=measured.cpu, value=result.outcome,
                  expected=case.expect.get("outcome", "ok"),
                  notes=[f"case {case.name}: {len(result.fetches)} mocked fetches"])
        if differences:
            row.notes.append("DIFFERS FROM THE TEST CASE: " + "; ".join(differences)[:300])
            row.expected = "matches test case"
        rows.append(row)
    return rows
