"""Every template test case's code, run through the transpiled JavaScript, behaves as on the VM.

Each case first runs the normal way (hoglite.testing: filters, inputs, the code on the VM, mocked
fetches). Where the case reaches the template code, the same code is transpiled and run under node with
the same globals (inputs included) and the same clock, and its `fetch` answers with the responses the
VM's run received, in order. The JavaScript run must make the same fetches (URL and method), log the
same prints, return the same value and fail with the same error.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from hoglite.cdp.invocation import _print_message
from hoglite.cdp.template import load_template
from hoglite.testing.cases import load_cases
from hoglite.testing.runner import run_case
from hoglite.transpile.javascript import transpile_source
from hoglite.transpile.node import NodeJob, run_node_batch
from hoglite.vm.values import from_json_value

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is required")

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _cases() -> list[tuple[Any, Any]]:
    out = []
    for folder in sorted(p for p in TEMPLATES.iterdir() if p.is_dir()):
        template = load_template(folder)
        for case in load_cases(template):
            out.append((template, case))
    return out


CASES = _cases()


def _reached_code(result: Any) -> bool:
    return result is not None and result.outcome != "skipped" and result.stage not in ("globals", "filters", "inputs")


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[Any, Any]]:
    """{case id: (VM invocation result, node result)} for every case that reaches the code."""
    vm_results = {}
    jobs = []
    for template, case in CASES:
        key = f"{template.id}/{case.name}"
        result = run_case(template, case).result
        if not _reached_code(result):
            continue
        vm_results[key] = result
        code = transpile_source(template.code, name=template.code_path or "template.hog", format="runner").code
        responses = [call.response for call in result.fetches]
        jobs.append(NodeJob(key, code, dict(result.globals or {}), fetch=responses, now=case.now,
                            host_print=True))
    node = run_node_batch(jobs)
    return {key: (vm_results[key], node[key]) for key in vm_results}


def test_the_templates_have_cases_that_reach_their_code(runs: dict[str, tuple[Any, Any]]) -> None:
    assert len(CASES) >= 10
    assert len(runs) >= 10


@pytest.mark.parametrize("key", [f"{t.id}/{c.name}" for t, c in CASES])
def test_template_case_on_the_javascript_back_end(key: str, runs: dict[str, tuple[Any, Any]]) -> None:
    if key not in runs:
        # Stopped before the code (filters, inputs): nothing of the code runs on either back end.
        template_id, _, case_name = key.partition("/")
        vm = next(run_case(t, c).result for t, c in CASES if t.id == template_id and c.name == case_name)
        assert not _reached_code(vm)
        return
    vm, js = runs[key]
    assert js.error_kind not in ("load", "internal"), js.error
    # Prints become info logs (redacted the same way).
    js_logs = [vm.redact(_print_message([from_json_value(arg) for arg in args])) for args in js.prints]
    vm_logs = [entry.message for entry in vm.logs if entry.level == "info"]
    assert js_logs == vm_logs
    # The same requests, in order (the JavaScript run got the VM run's responses).
    assert [call[0] for call in js.fetches] == [call.url for call in vm.fetches]
    js_methods = [str((call[1] or {}).get("method") or "POST").upper() for call in js.fetches]
    assert js_methods == [call.method for call in vm.fetches]
    if vm.stage == "code" and vm.outcome == "error":
        js_error = js.error_message if js.error_kind == "uncaught" else js.error
        assert vm.redact(str(js_error)) == vm.error
    else:
        assert js.error is None
        assert js.result_json == vm.value
