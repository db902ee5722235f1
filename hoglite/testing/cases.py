"""Template test cases: data files under `templates/<name>/tests/*.json`, one case per file.

```json
{
  "description": "One contact found: it is updated",
  "sample": "identify",                      // samples/identify.json; or "event": {...}; or "globals": {...}
  "overrides": {"person": {"properties": {"plan": "pro"}}},   // merged into the globals, per object
  "inputs": {"email": "max@posthog.com"},   // merged over the inputs_schema defaults
  "responses": [{"status": 200, "body": {"total_count": 1}}],  // answers to the fetches, in order
  "expect": {
    "outcome": "ok",                          // ok | skipped | error
    "error": null,                            // the error message
    "fetches": [{"method": "PUT", "url": "...", "headers": {...}, "body": {...}}],
    "logs": [{"level": "info", "message": "..."}]
  }
}
```

Optional keys: `templating` (false = input values are final, no templates), `check_required`
(false = allow empty required inputs, as PostHog's test harnesses do), `mocks` (a mock file's
content: routes by URL or pattern, see hoglite.net.mock), `test_account_filters`, `actions`,
`project` (`{id, name, site_url}`), `mapping`, `now` (ISO time of the injected clock),
`fail_on_fetch_error`, `limits` (`{timeout_seconds, max_ops, ...}`).

In `expect`, every key is optional except `outcome` (default `ok`). A fetch's `body` is compared
after JSON-parsing the body sent; `body_text` compares the exact text. Leaving `headers` out of an
expected fetch skips comparing them. `logs` lists the info/warn/error logs (debug lines, such as
"Function completed in ...", are not compared). `value` is the code's return value; `skip_reason`
the reason a filtered-out event was skipped; `inputs` the evaluated inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hoglite.cdp.template import TESTS_DIR, Template
from hoglite.errors import TemplateError

CASE_KEYS = frozenset({"description", "sample", "event", "globals", "overrides", "inputs", "responses", "mocks",
                       "templating", "check_required", "test_account_filters", "actions", "project", "mapping",
                       "now", "fail_on_fetch_error", "limits", "integrations", "expect"})
EXPECT_KEYS = frozenset({"outcome", "error", "skip_reason", "fetches", "logs", "value", "inputs", "stage"})
FETCH_KEYS = frozenset({"method", "url", "headers", "body", "body_text"})
DEFAULT_NOW = "2024-07-01T12:35:00Z"


@dataclass
class TestCase:
    __test__ = False  # not a pytest class

    name: str
    file: str
    description: str = ""
    event: dict[str, Any] | None = None  # an event JSON, or globals given directly
    overrides: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    responses: list[dict[str, Any]] | None = None
    mocks: dict[str, Any] | None = None
    templating: bool = True
    check_required: bool = True
    test_account_filters: list[dict[str, Any]] | None = None
    actions: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    project: dict[str, Any] | None = None
    mapping: str | None = None
    now: float = 0.0
    fail_on_fetch_error: bool = True
    limits: dict[str, Any] | None = None
    expect: dict[str, Any] = field(default_factory=dict)


def _parse_now(text: Any, file: str) -> float:
    if not isinstance(text, str):
        raise TemplateError("'now' must be an ISO 8601 time string.", file=file, field="now")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise TemplateError(f"'now' is not an ISO 8601 time: {text!r}.", file=file, field="now") from None


def parse_case(name: str, data: Any, template: Template, *, file: str) -> TestCase:
    """Check one test case's data and resolve its sample. Errors name the file and the field."""
    if not isinstance(data, dict):
        raise TemplateError("A test case must be a JSON object.", file=file)
    unknown = sorted(set(data) - CASE_KEYS)
    if unknown:
        raise TemplateError(f"Unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(CASE_KEYS))}.",
                            file=file, field=unknown[0])
    sources = [key for key in ("sample", "event", "globals") if key in data]
    if len(sources) != 1:
        raise TemplateError("A test case needs exactly one of 'sample', 'event' and 'globals'.", file=file)
    if "sample" in data:
        sample = data["sample"]
        if sample not in template.samples:
            known = ", ".join(sorted(template.samples)) or "none"
            raise TemplateError(f"No sample named {sample!r} (samples: {known}).", file=file, field="sample")
        event = template.samples[sample]
    else:
        event = data[sources[0]]
    if not isinstance(event, dict):
        raise TemplateError("The event or globals must be an object.", file=file, field=sources[0])
    for key, kind in (("overrides", dict), ("inputs", dict), ("responses", list), ("mocks", dict),
                      ("test_account_filters", list), ("actions", dict), ("integrations", dict), ("project", dict),
                      ("limits", dict), ("expect", dict)):
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            raise TemplateError(f"'{key}' must be {'an object' if kind is dict else 'a list'}.", file=file, field=key)
    for key in ("templating", "check_required", "fail_on_fetch_error"):
        if key in data and not isinstance(data[key], bool):
            raise TemplateError(f"'{key}' must be true or false.", file=file, field=key)
    expect = data.get("expect") or {}
    unknown = sorted(set(expect) - EXPECT_KEYS)
    if unknown:
        raise TemplateError(f"Unknown expect key(s) {', '.join(map(repr, unknown))}; allowed: "
                            f"{', '.join(sorted(EXPECT_KEYS))}.", file=file, field=f"expect.{unknown[0]}")
    if expect.get("outcome", "ok") not in ("ok", "skipped", "error"):
        raise TemplateError("'expect.outcome' must be ok, skipped or error.", file=file, field="expect.outcome")
    for index, call in enumerate(expect.get("fetches") or []):
        where = f"expect.fetches[{index}]"
        if not isinstance(call, dict):
            raise TemplateError("An expected fetch must be an object.", file=file, field=where)
        unknown = sorted(set(call) - FETCH_KEYS)
        if unknown:
            raise TemplateError(f"Unknown key(s) {', '.join(map(repr, unknown))} in an expected fetch; allowed: "
                                f"{', '.join(sorted(FETCH_KEYS))}.", file=file, field=f"{where}.{unknown[0]}")
        if "body" in call and "body_text" in call:
            raise TemplateError("Give 'body' or 'body_text', not both.", file=file, field=where)
    for index, entry in enumerate(expect.get("logs") or []):
        if not isinstance(entry, dict) or set(entry) - {"level", "message"} or "message" not in entry:
            raise TemplateError("An expected log is {\"level\": ..., \"message\": ...}.", file=file,
                                field=f"expect.logs[{index}]")
    return TestCase(
        name=name,
        file=file,
        description=str(data.get("description") or ""),
        event=event,
        overrides=data.get("overrides") or {},
        inputs=data.get("inputs") or {},
        responses=data.get("responses"),
        mocks=data.get("mocks"),
        templating=data.get("templating", True),
        check_required=data.get("check_required", True),
        test_account_filters=data.get("test_account_filters"),
        actions=data.get("actions"),
        integrations=data.get("integrations"),
        project=data.get("project"),
        mapping=data.get("mapping"),
        now=_parse_now(data.get("now", DEFAULT_NOW), file),
        fail_on_fetch_error=data.get("fail_on_fetch_error", True),
        limits=data.get("limits"),
        expect=expect,
    )


def load_cases(template: Template) -> list[TestCase]:
    """The template's test cases, sorted by name."""
    folder = template.folder or Path(".")
    return [parse_case(name, data, template, file=str(folder / TESTS_DIR / f"{name}.json"))
            for name, data in sorted(template.tests.items())]
