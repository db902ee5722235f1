"""The template model: folders, validation (errors name the file and field) and PostHog JSON interop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hoglite.cdp.template import (
    Template,
    TemplateValidationError,
    export_posthog,
    find_template_folders,
    import_posthog,
    load_template,
    save_template,
    validate_template,
)
from hoglite.errors import TemplateError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

POSTHOG_RECORD = {
    "free": False,
    "status": "beta",
    "type": "destination",
    "id": "template-example",
    "name": "Example",
    "description": "Send events to example.com",
    "icon_url": "/static/services/example.png",
    "category": ["Custom"],
    "code_language": "hog",
    "code": "let res := fetch(inputs.url, {'method': 'POST', 'body': inputs.body})\nif (res.status >= 400) {\n"
            "    throw Error(f'Failed: {res.status}')\n}\n",
    "inputs_schema": [
        {"key": "url", "type": "string", "label": "URL", "required": True, "secret": False,
         "default": "https://example.com/hook"},
        {"key": "body", "type": "json", "label": "Body", "default": {"event": "{event}"}, "required": False,
         "secret": False, "some_future_field": [1, 2]},
        {"key": "method", "type": "choice", "label": "Method", "default": "POST",
         "choices": [{"label": "POST", "value": "POST"}, {"label": "PUT", "value": "PUT"}]},
    ],
    "filters": {"events": [{"id": "$pageview", "name": "$pageview", "type": "events", "order": 0}],
                "actions": [], "filter_test_accounts": True},
    "mapping_templates": None,
    "masking": None,
    "an_unknown_posthog_field": {"kept": True},
}


def test_posthog_record_round_trips_in_memory() -> None:
    template = Template.from_posthog(POSTHOG_RECORD)
    exported = template.to_posthog()
    assert exported == POSTHOG_RECORD
    assert list(exported) == list(POSTHOG_RECORD)


def test_posthog_record_round_trips_through_a_folder(tmp_path: Path) -> None:
    source = tmp_path / "example.json"
    source.write_text(json.dumps(POSTHOG_RECORD), encoding="utf-8")
    folder = tmp_path / "example"
    import_posthog(source, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["template.hog", "template.json"]
    metadata = json.loads((folder / "template.json").read_text())
    assert "code" not in metadata
    assert (folder / "template.hog").read_text() == POSTHOG_RECORD["code"]
    exported = export_posthog(folder)
    assert exported == POSTHOG_RECORD
    assert list(exported) == list(POSTHOG_RECORD)


def test_legacy_hog_field_is_an_alias_of_code() -> None:
    record = {key: value for key, value in POSTHOG_RECORD.items() if key != "code"}
    record["hog"] = "print('hi')"
    template = Template.from_posthog(record)
    assert template.code == "print('hi')"
    assert template.to_posthog() == record


def test_minimal_record_exports_without_invented_fields() -> None:
    record = {"id": "template-x", "name": "X", "code": "return 1"}
    assert Template.from_posthog(record).to_posthog() == record


def test_a_template_built_in_python_exports_its_fields() -> None:
    template = Template(id="template-y", name="Y", code="return 1", category=["Custom"])
    assert template.to_posthog() == {
        "id": "template-y", "name": "Y", "description": "", "type": "destination", "status": "alpha",
        "category": ["Custom"], "code_language": "hog", "code": "return 1", "inputs_schema": [],
    }


def test_save_and_load_keep_samples_and_tests(tmp_path: Path) -> None:
    template = Template.from_posthog(POSTHOG_RECORD)
    template.samples = {"pageview": {"event": "$pageview", "properties": {}}}
    template.tests = {"first": {"sample": "pageview", "expect": {"outcome": "ok"}}}
    save_template(template, tmp_path / "t")
    loaded = load_template(tmp_path / "t", validate=False)
    assert loaded.samples == template.samples
    assert loaded.tests == template.tests
    assert loaded.to_posthog() == POSTHOG_RECORD


def _errors(record: dict) -> list[tuple[str | None, str]]:
    return [(error.field, error.message) for error in
            validate_template(Template.from_posthog(record), file="t.json", compile_code=False)]


def test_validation_names_the_field() -> None:
    record = dict(POSTHOG_RECORD, type="site_app", status="shiny", category="CRM", code_language="javascript")
    assert _errors(record) == [
        ("type", "Template type 'site_app' is not supported by hoglite (only 'destination')."),
        ("status", "Unknown status 'shiny'; expected one of: alpha, beta, stable, deprecated, coming_soon, hidden."),
        ("category", "'category' must be a list of strings."),
        ("code_language", "code_language 'javascript' is not supported (only 'hog')."),
    ]


def test_validation_of_inputs_schema() -> None:
    schema = [
        {"key": "a", "type": "string"},
        {"key": "a", "type": "string"},
        {"key": "bad key", "type": "string"},
        {"key": "c", "type": "colour"},
        {"key": "d", "type": "choice"},
        {"key": "e", "type": "number", "default": "five"},
        {"key": "f", "type": "string", "templating": "liquid"},
        {"key": "g", "type": "integration"},
        {"key": "h", "type": "boolean", "required": "yes"},
    ]
    record = dict(POSTHOG_RECORD, inputs_schema=schema)
    assert _errors(record) == [
        ("inputs_schema[1].key", "Input key 'a' is used twice."),
        ("inputs_schema[2].key", "Input key 'bad key' must be an identifier (letters, digits, _ and $)."),
        ("inputs_schema[3] (c).type", "Unknown input type 'colour'; expected one of: string, number, boolean, "
                                      "choice, dictionary, json, integration, integration_field, email."),
        ("inputs_schema[4] (d).choices", "A choice input needs a non-empty 'choices' list."),
        ("inputs_schema[5] (e).default", "Invalid default: Value must be a number."),
        ("inputs_schema[6] (f).templating",
         "Liquid templating is not supported by hoglite; use Hog templates ({expr})."),
        ("inputs_schema[7] (g).integration",
         "An integration input needs 'integration' (the integration kind, e.g. 'intercom')."),
        ("inputs_schema[8] (h).required", "'required' must be a boolean."),
    ]


def test_validation_of_filters_and_missing_fields() -> None:
    record = {"id": "", "code": "  ", "filters": {"events": "x", "properties": [{"key": "a", "operator": "near"},
                                                                            {"type": "cohort", "key": "id"}]}}
    assert _errors(record) == [
        ("id", "'id' must be a non-empty string."),
        ("name", "'name' must be a non-empty string."),
        ("code", "The template has no code."),
        ("filters.events", "'events' must be a list."),
        ("filters.properties[0].operator", "Unknown operator 'near'."),
        ("filters.properties[1].type", "Can't use cohorts in real-time filters"),
    ]


def test_load_reports_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "template.json").write_text('{"id": "x", "name": "X", "status": "nope"}')
    (folder / "template.hog").write_text("return 1\n")
    with pytest.raises(TemplateValidationError) as info:
        load_template(folder)
    assert str(info.value) == (f"{folder / 'template.json'}:status: Unknown status 'nope'; expected one of: "
                               "alpha, beta, stable, deprecated, coming_soon, hidden.")


def test_load_rejects_bad_json_with_position(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "template.json").write_text('{"id": "x",\n "name": }')
    (folder / "template.hog").write_text("return 1\n")
    with pytest.raises(TemplateError) as info:
        load_template(folder)
    assert str(info.value) == f"{folder / 'template.json'}: Invalid JSON: Expecting value (line 2, column 10)"


def test_load_rejects_inline_code_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "inline"
    folder.mkdir()
    (folder / "template.json").write_text('{"id": "x", "name": "X", "code": "return 1"}')
    (folder / "template.hog").write_text("return 1\n")
    with pytest.raises(TemplateError) as info:
        load_template(folder)
    assert info.value.field == "code"


def test_every_shipped_template_is_valid_metadata() -> None:
    folders = find_template_folders([TEMPLATES])
    assert [folder.name for folder in folders] == [
        "customerio", "intercom", "intercom-event", "klaviyo-user", "slack", "webhook",
    ]
    for folder in folders:
        template = load_template(folder, validate=False)
        assert validate_template(template, compile_code=False) == [], folder
        assert template.tests, f"{folder} has no test cases"
        assert Template.from_posthog(template.to_posthog()).to_posthog() == template.to_posthog()
