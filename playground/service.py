"""What the playground's JSON API does, without HTTP: compile, run, test, save, export.

Everything runs through hoglite's own APIs: the compiler for diagnostics and the disassembly, the
embedding API (`hoglite.host.engine.Engine.invoke`) for runs, `hoglite.testing` for test cases, and
`hoglite.cdp.template` for folders and PostHog JSON. Hog code only ever runs inside the VM; fetches
go to a `MockFetcher` unless the author switches real fetches on, and then through hoglite's hardened
fetcher with the private-address guard.

Problems with a request raise `ApiError(status, message, field=)`; app.py turns them into 4xx JSON.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from hoglite.cdp.template import CODE_FILE, METADATA_FILE, Template, load_template, validate_template
from hoglite.errors import HogliteError, TemplateError
from playground import seeds
from playground.catalog import BLANK_REF, FOLDER_NAME, Catalog, TemplateEntry, blank_template

MAX_SOURCE_CHARS = 200_000
FETCH_MODES = ("mock", "real")


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message}
        if self.field:
            data["field"] = self.field
        return data


# ---------------------------------------------------------------------------------------------------
# Diagnostics


def span_json(error: HogliteError) -> dict[str, Any]:
    """An error as the page shows it: message, hint and (when known) the exact span."""
    data: dict[str, Any] = {"message": error.message, "kind": error.kind}
    if error.hint:
        data["hint"] = error.hint
    span = error.span
    if span is not None:
        data.update(line=span.line, column=span.column, end_line=span.end_line, end_column=span.end_column,
                    start=span.start, end=span.end)
    field = getattr(error, "field", None)
    if field:
        data["field"] = field
    return data


def check_source(source: Any, field: str = "source") -> str:
    if not isinstance(source, str):
        raise ApiError(400, f"'{field}' must be a string of Hog code.", field=field)
    if len(source) > MAX_SOURCE_CHARS:
        raise ApiError(413, f"The source is too large: {len(source)} characters (at most {MAX_SOURCE_CHARS}).",
                       field=field)
    return source


def compile_code(source: str) -> dict[str, Any]:
    """Diagnostics for the editor, plus the bytecode and its disassembly when it compiles."""
    from hoglite.compiler import compile_source
    from hoglite.compiler.disasm import disassemble

    started = time.perf_counter()
    try:
        program = compile_source(source, name=CODE_FILE)
    except HogliteError as error:
        return {"ok": False, "errors": [span_json(error)], "warnings": [],
                "compile_ms": round((time.perf_counter() - started) * 1000, 2)}
    except RecursionError:
        return {"ok": False, "errors": [{"message": "The code is nested too deeply to compile.", "kind": "syntax error",
                                         "line": 1, "column": 1}], "warnings": []}
    warnings = []
    for warning in program.warnings:
        item: dict[str, Any] = {"message": warning.message}
        if warning.span is not None:
            item.update(line=warning.span.line, column=warning.span.column, end_line=warning.span.end_line,
                        end_column=warning.span.end_column)
        warnings.append(item)
    return {
        "ok": True,
        "errors": [],
        "warnings": warnings,
        "bytecode": program.bytecode,
        "disassembly": disassemble(program.bytecode, source_map=program.source_map, source=source),
        "compile_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def transpile_code(source: str) -> dict[str, Any]:
    from hoglite.transpile.javascript import transpile_source

    try:
        result = transpile_source(source, name=CODE_FILE, format="module")
    except HogliteError as error:
        return {"ok": False, "errors": [span_json(error)]}
    except RecursionError:
        return {"ok": False, "errors": [{"message": "The code is nested too deeply to transpile."}]}
    # transpile_source returns a TranspileResult (`.code`); early versions returned the text itself.
    code = result if isinstance(result, str) else result.code
    return {"ok": True, "javascript": code}


# ---------------------------------------------------------------------------------------------------
# Templates


def load_entry(entry: TemplateEntry) -> tuple[Template, list[dict[str, Any]]]:
    """The template of a catalog entry, and its validation problems (shown, not fatal: the author fixes them)."""
    if entry.ref == BLANK_REF or entry.folder is None:
        return blank_template(), []
    try:
        template = load_template(entry.folder, validate=False)
    except TemplateError as error:
        raise ApiError(422, f"The template in {entry.folder.name}/ does not load: {error}", field=error.field) from None
    problems = [_problem(error) for error in validate_template(template, compile_code=False)]
    return template, problems


def _problem(error: TemplateError) -> dict[str, Any]:
    data = span_json(error)
    if error.file:
        data["file"] = Path(error.file).name
    return data


def template_detail(entry: TemplateEntry) -> dict[str, Any]:
    template, problems = load_entry(entry)
    samples = [{"name": f"template:{name}", "label": f"{name}.json (template sample)", "event": event}
               for name, event in template.samples.items()]
    samples.extend({"name": f"playground:{s['name']}", "label": s["label"], "event": s["event"]}
                   for s in seeds.sample_events())
    inputs = {item["key"]: seeds.default_input_value(item) for item in template.inputs_schema
              if isinstance(item, dict) and isinstance(item.get("key"), str)}
    scenarios = seeds.mock_scenarios(template.id)
    return {
        **entry.summary(),
        "id": template.id,
        "name": template.name,
        "code": template.code or "",
        "metadata": template.metadata(),
        "inputs_schema": template.inputs_schema,
        "inputs": inputs,
        "samples": samples,
        "default_sample": _default_sample(template, samples),
        "mock_scenarios": [{"name": name, "mocks": mocks} for name, mocks in scenarios.items()],
        "tests": sorted(template.tests),
        "problems": problems,
        "writable": entry.folder is not None,
    }


def _default_sample(template: Template, samples: list[dict[str, Any]]) -> str | None:
    """A sample the template's filters accept, so the first Run does something (else the first sample)."""
    wanted = [e.get("id") for e in (template.filters or {}).get("events") or [] if isinstance(e, dict)]
    for sample in samples:
        if sample["event"].get("event") in wanted:
            return sample["name"]
    return samples[0]["name"] if samples else None


def build_template(entry: TemplateEntry, source: str, metadata: Any) -> Template:
    """The template as the editor holds it: the folder's template with the edited code and metadata."""
    base, _ = load_entry(entry)
    if metadata is None:
        template = dataclasses.replace(base, code=source)
    else:
        if not isinstance(metadata, dict):
            raise ApiError(400, "'metadata' must be a JSON object (the content of template.json).", field="metadata")
        if "code" in metadata or "hog" in metadata:
            raise ApiError(422, "The code belongs in the editor, not in template.json.", field="metadata.code")
        template = Template.from_posthog({**metadata, "code": source})
        template.key_order = list(metadata)
        template.folder, template.samples, template.tests = base.folder, base.samples, base.tests
    errors = [e for e in validate_template(template, compile_code=False)]
    if errors:
        first = errors[0]
        where = f" ({first.field})" if first.field else ""
        raise ApiError(422, f"template.json is not valid{where}: {first.message}", field=first.field or "metadata")
    return template


# ---------------------------------------------------------------------------------------------------
# Running


def _mock_fetcher(mocks: Any) -> Any:
    from hoglite.net.mock import MockFetcher, MockFileError

    if mocks is None:
        return MockFetcher()
    try:
        return MockFetcher.from_json(mocks)
    except MockFileError as error:
        field = f"mocks.{error.field}" if error.field else "mocks"
        raise ApiError(422, f"Mocked responses: {error.detail}", field=field) from None


def run_template(engine: Any, real_engine: Any, template: Template, *, event: Any, inputs: Any, mocks: Any,
                 fetch_mode: str) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise ApiError(422, "The event must be a JSON object (a PostHog event, or globals).", field="event")
    if inputs is not None and not isinstance(inputs, dict):
        raise ApiError(422, "'inputs' must be a JSON object of input values.", field="inputs")
    if fetch_mode not in FETCH_MODES:
        raise ApiError(400, f"'fetch_mode' must be one of: {', '.join(FETCH_MODES)}.", field="fetch_mode")
    if fetch_mode == "real":
        if real_engine is None:
            raise ApiError(403, "Real fetches are switched off for this playground (started with --no-real-fetch).",
                           field="fetch_mode")
        chosen, fetcher = real_engine, None
    else:
        chosen, fetcher = engine, _mock_fetcher(mocks)
    started = time.perf_counter()
    try:
        result = chosen.invoke(template, event, inputs or {}, fetcher=fetcher)
    except HogliteError as error:
        raise ApiError(422, str(error), field=getattr(error, "field", None)) from None
    wall_ms = (time.perf_counter() - started) * 1000
    return result_json(result, wall_ms=wall_ms, fetch_mode=fetch_mode)


def result_json(result: Any, *, wall_ms: float, fetch_mode: str) -> dict[str, Any]:
    data = result.to_json(redacted=True)
    error = None
    if result.outcome == "error":
        error = {"message": data["error"] or "", "stage": result.stage}  # redacted by to_json
        detail = result.error_detail
        if detail is not None:
            error.update({k: v for k, v in span_json(detail).items() if k != "message"})
            if result.stage != "code":  # a span in an input template, not in the editor's code
                for key in ("line", "column", "end_line", "end_column", "start", "end"):
                    error.pop(key, None)
            error["rendered"] = result.redact(result.render_error() or "")
    return {
        "outcome": result.outcome,
        "error": error,
        "skip_reason": result.skip_reason,
        "stage": result.stage,
        "logs": data["logs"],
        "fetches": data["fetches"],
        "value": data.get("value"),
        "inputs": data.get("inputs"),
        "ops": result.ops,
        "duration_ms": round(result.duration_ms, 3),
        "wall_ms": round(wall_ms, 3),
        "memory_bytes": result.max_mem_used,
        "fetch_mode": fetch_mode,
    }


def run_tests(template: Template) -> dict[str, Any]:
    """Every test case of the template, run against the editor's code: pass/fail with the differences."""
    from hoglite.testing.cases import parse_case
    from hoglite.testing.runner import run_case

    cases = []
    for name, data in sorted(template.tests.items()):
        file = f"tests/{name}.json"
        try:
            case = parse_case(name, data, template, file=file)
        except TemplateError as error:
            cases.append({"name": name, "description": "", "passed": False,
                          "differences": [f"the case does not load: {error}"], "outcome": None})
            continue
        outcome = run_case(template, case)
        result = outcome.result
        cases.append({
            "name": name,
            "description": case.description,
            "passed": outcome.passed,
            "differences": [line for block in outcome.differences for line in block.splitlines()],
            "outcome": result.outcome if result is not None else None,
            "error": result.redact(result.error) if result is not None and result.error else None,
        })
    passed = sum(1 for case in cases if case["passed"])
    return {"cases": cases, "passed": passed, "failed": len(cases) - passed}


# ---------------------------------------------------------------------------------------------------
# Saving and exporting


def _json_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def save(catalog: Catalog, entry: TemplateEntry, template: Template, *, folder_name: Any) -> dict[str, Any]:
    """Write the code (and template.json when its content changed) back to the template's folder.

    A blank template is written to a new folder in the working folder. Samples and tests are never
    rewritten, and template.json is left byte-for-byte alone when the metadata did not change.
    """
    from hoglite.compiler import compile_source

    try:
        compile_source(template.code, name=CODE_FILE)
    except HogliteError as error:
        raise ApiError(422, f"Not saved: the code has errors: {error}", field="source") from None
    written: list[str] = []
    if entry.folder is None:
        if not isinstance(folder_name, str) or not FOLDER_NAME.match(folder_name):
            raise ApiError(400, "Give the new template a folder name: lower-case letters, digits, '-' and '_' "
                           "(at most 64 characters).", field="folder")
        folder = catalog.new_folder(folder_name)
        if folder.exists():
            raise ApiError(409, f"{folder_name}/ already exists in the working folder; pick another name.",
                           field="folder")
        folder.mkdir(parents=True)
        (folder / METADATA_FILE).write_text(_json_text(template.metadata()), encoding="utf-8")
        written.append(METADATA_FILE)
        ref = f"workdir/{folder_name}"
    else:
        folder = entry.folder
        ref = entry.ref
        current = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
        if current != template.metadata():
            (folder / METADATA_FILE).write_text(_json_text(template.metadata()), encoding="utf-8")
            written.append(METADATA_FILE)
    code = template.code if template.code.endswith("\n") or not template.code else template.code + "\n"
    (folder / CODE_FILE).write_text(code, encoding="utf-8")
    written.append(CODE_FILE)
    return {"saved": True, "ref": ref, "folder": folder.name, "files": written}


def export(template: Template) -> dict[str, Any]:
    return template.to_posthog()
