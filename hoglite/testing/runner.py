"""Running template test cases and explaining failures with a readable diff."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoglite.cdp.globals import Project, globals_from, source_global
from hoglite.cdp.invocation import InvocationResult, invoke_template
from hoglite.cdp.template import Template, find_template_folders, load_template
from hoglite.errors import HogliteError, TemplateError
from hoglite.testing.cases import TestCase, load_cases

DEFAULT_RESPONSE = {"status": 200, "body": {}}


@dataclass
class CaseResult:
    template: str
    case: str
    file: str
    passed: bool
    differences: list[str] = field(default_factory=list)
    result: InvocationResult | None = None

    @property
    def name(self) -> str:
        return f"{self.template}/{self.case}"

    def report(self) -> str:
        """The failure explanation: every difference, then the run's logs and error."""
        lines = [f"{self.name} ({self.file})"]
        lines.extend(self.differences)
        if self.result is not None and not self.passed:
            lines.append("  logs of the run:")
            lines.extend(f"    [{entry.level}] {entry.message}" for entry in self.result.logs)
            if not self.result.logs:
                lines.append("    (none)")
            rendered = self.result.render_error()
            if rendered and self.result.outcome == "error":
                lines.append("  error:")
                lines.extend("    " + line for line in rendered.splitlines())
        return "\n".join(lines)


@dataclass
class TemplateRun:
    """All case results of one template, or the error that stopped it from loading."""

    folder: Path
    template: Template | None = None
    results: list[CaseResult] = field(default_factory=list)
    load_error: HogliteError | None = None

    @property
    def passed(self) -> bool:
        return self.load_error is None and all(result.passed for result in self.results)


def make_fetcher(case: TestCase) -> Any:
    """A MockFetcher answering with the case's `mocks` routes and its ordered `responses`."""
    from hoglite.net.mock import MockFetcher

    mock = MockFetcher.from_json(case.mocks, file=case.file) if case.mocks else MockFetcher(default=DEFAULT_RESPONSE)
    if case.responses is not None:
        queue = [dict(response) for response in case.responses]
        # Checked after any exact-URL routes; once the list is used up, the default answers.
        mock.add(lambda _request: bool(queue), lambda _request: queue.pop(0))
    return mock


def _limits(case: TestCase) -> Any:
    from hoglite.vm.limits import Limits

    # Test runs get a generous CPU budget so a loaded machine never fails a case by timing; use
    # `limits.max_ops` in a case for a deterministic budget.
    options: dict[str, Any] = {"timeout_seconds": 5.0, "max_async_steps": 5}
    options.update(case.limits or {})
    try:
        return Limits(**options)
    except TypeError as error:
        raise TemplateError(f"Invalid limits: {error}", file=case.file, field="limits") from None


def _project(case: TestCase) -> Project:
    data = dict(case.project or {})
    try:
        return Project(**{key: value for key, value in data.items()})
    except TypeError as error:
        raise TemplateError(f"Invalid project: {error}", file=case.file, field="project") from None


def case_globals(template: Template, case: TestCase) -> dict[str, Any]:
    """The globals of a case: its event (or globals) with `overrides` merged in per object."""
    project = _project(case)
    globals_ = globals_from(case.event or {}, project=project,
                            source=source_global(project, template.id, template.name))
    for key, value in case.overrides.items():
        current = globals_.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            globals_[key] = {**current, **value}  # shallow, as PostHog's TemplateTester does
        else:
            globals_[key] = value
    return globals_


def run_case(template: Template, case: TestCase) -> CaseResult:
    try:
        globals_ = case_globals(template, case)
        result = invoke_template(
            template, globals_, case.inputs, fetcher=make_fetcher(case), limits=_limits(case),
            clock=lambda: case.now, project=_project(case), test_account_filters=case.test_account_filters,
            actions=case.actions, integrations=case.integrations, check_required=case.check_required,
            templating=case.templating, fail_on_fetch_error=case.fail_on_fetch_error, mapping=case.mapping,
        )
    except HogliteError as error:
        return CaseResult(template.id, case.name, case.file, False, [f"  could not run the case: {error}"])
    differences = compare(case.expect, result)
    return CaseResult(template.id, case.name, case.file, not differences, differences, result)


# ---------------------------------------------------------------------------------------------------
# Comparison


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _difference(label: str, expected: Any, actual: Any) -> str:
    """`label` with expected and actual values; a unified diff when they span several lines."""
    short_left = json.dumps(expected, ensure_ascii=False)
    short_right = json.dumps(actual, ensure_ascii=False)
    if len(short_left) <= 100 and len(short_right) <= 100:
        return f"  {label}:\n    expected: {short_left}\n    actual:   {short_right}"
    left, right = _pretty(expected), _pretty(actual)
    diff = difflib.unified_diff(left.splitlines(), right.splitlines(), "expected", "actual", lineterm="", n=2)
    return f"  {label}:\n" + "\n".join("    " + line for line in diff)


def _body_value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def compare(expect: dict[str, Any], result: InvocationResult) -> list[str]:
    """Every way the result differs from the expectation, as readable lines."""
    out: list[str] = []
    outcome = expect.get("outcome", "ok")
    if result.outcome != outcome:
        out.append(_difference("outcome", outcome, result.outcome))
    if "error" in expect and result.error != expect["error"]:
        out.append(_difference("error", expect["error"], result.error))
    elif "error" not in expect and outcome != "error" and result.error is not None and result.outcome == outcome:
        out.append(_difference("error", None, result.error))
    if "skip_reason" in expect and result.skip_reason != expect["skip_reason"]:
        out.append(_difference("skip_reason", expect["skip_reason"], result.skip_reason))
    if "stage" in expect and result.stage != expect["stage"]:
        out.append(_difference("stage", expect["stage"], result.stage))
    if "fetches" in expect:
        out.extend(_compare_fetches(expect["fetches"], result))
    if "logs" in expect:
        actual_logs = [{"level": e.level, "message": e.message} for e in result.logs if e.level != "debug"]
        wanted = [{"level": e.get("level", "info"), "message": e["message"]} for e in expect["logs"]]
        if actual_logs != wanted:
            out.append(_difference("logs", wanted, actual_logs))
    if "value" in expect and result.value != expect["value"]:
        out.append(_difference("value (returned)", expect["value"], result.value))
    if "inputs" in expect and result.inputs != expect["inputs"]:
        out.append(_difference("inputs (evaluated)", expect["inputs"], result.inputs))
    return out


def _compare_fetches(expected: list[dict[str, Any]], result: InvocationResult) -> list[str]:
    out: list[str] = []
    actual = result.fetches
    if len(actual) != len(expected):
        out.append(_difference("number of fetches", len(expected), len(actual)))
        out.append("  fetches made:" + ("" if actual else " none"))
        out.extend(f"    {index + 1}. {call.method} {call.url}" for index, call in enumerate(actual))
    for index, (want, call) in enumerate(zip(expected, actual)):
        label = f"fetches[{index}] ({call.method} {call.url})"
        for key in ("method", "url"):
            if key in want and want[key] != getattr(call, key):
                out.append(_difference(f"{label}.{key}", want[key], getattr(call, key)))
        if "headers" in want and want["headers"] != call.headers:
            out.append(_difference(f"{label}.headers", want["headers"], call.headers))
        if "body" in want:
            body = _body_value(call.body)
            if body != want["body"] or (isinstance(want["body"], str) and call.body != want["body"]):
                out.append(_difference(f"{label}.body", want["body"], body))
        if "body_text" in want and want["body_text"] != call.body:
            out.append(_difference(f"{label}.body_text", want["body_text"], call.body))
    return out


# ---------------------------------------------------------------------------------------------------
# Whole folders


def run_template(folder: Path, *, only: str | None = None) -> TemplateRun:
    """Load one template folder and run its cases (those whose name contains `only`, if given)."""
    run = TemplateRun(folder)
    try:
        run.template = load_template(folder)
        cases = load_cases(run.template)
    except HogliteError as error:
        run.load_error = error
        return run
    for case in cases:
        if only and only not in f"{run.template.id}/{case.name}" and only not in f"{folder.name}/{case.name}":
            continue
        run.results.append(run_case(run.template, case))
    return run


def run_paths(paths: Iterable[str | Path], *, only: str | None = None) -> list[TemplateRun]:
    folders = find_template_folders(list(paths))
    return [run_template(folder, only=only) for folder in folders]
