"""Input validation (errors name the input), dependency order, secrets, and templated evaluation."""

from __future__ import annotations

import pytest

from hoglite.cdp.inputs import (
    CompiledInput,
    InputEvaluationError,
    InputValidationError,
    check_value,
    collect_secrets,
    compile_inputs,
    dependency_order,
    evaluate_inputs,
    validate_inputs,
)
from hoglite.errors import TemplateError

SCHEMA = [
    {"key": "url", "type": "string", "required": True},
    {"key": "count", "type": "number", "default": 3},
    {"key": "debug", "type": "boolean", "default": False},
    {"key": "method", "type": "choice", "default": "POST",
     "choices": [{"label": "POST", "value": "POST"}, {"label": "GET", "value": "GET"}]},
    {"key": "headers", "type": "dictionary", "default": {"Content-Type": "application/json"}},
    {"key": "body", "type": "json", "default": {"event": "{event}"}},
    {"key": "oauth", "type": "integration", "integration": "intercom"},
    {"key": "channel", "type": "integration_field", "integration_key": "oauth", "integration_field": "x"},
    {"key": "mail", "type": "email"},
]


def test_defaults_fill_missing_inputs() -> None:
    values = validate_inputs(SCHEMA, {"url": "https://x"})
    assert values == {"url": "https://x", "count": 3, "debug": False, "method": "POST",
                      "headers": {"Content-Type": "application/json"}, "body": {"event": "{event}"},
                      "oauth": None, "channel": None, "mail": None}


def test_every_bad_input_is_named() -> None:
    with pytest.raises(InputValidationError) as info:
        validate_inputs(SCHEMA, {"url": "", "count": "3", "debug": 1, "method": "PUT", "headers": [],
                                 "oauth": "abc", "channel": 5, "mail": {"from": "a"}, "extra": 1})
    errors = [(error.field, error.message) for error in info.value.errors]
    assert errors == [
        ("extra", "Unknown input 'extra' (the inputs_schema has: url, count, debug, method, headers, body, oauth, "
                  "channel, mail)."),
        ("url", "This field is required."),
        ("count", "Value must be a number."),
        ("debug", "Value must be a boolean."),
        ("method", "Value must be one of: 'POST', 'GET'."),
        ("headers", "Value must be a dictionary."),
        ("oauth", "Value must be an Integration ID."),
        ("channel", "Value must be a string."),
        ("mail", "Missing value for 'to'."),
    ]
    assert info.value.message.startswith("Input 'extra': Unknown input 'extra'")


def test_required_check_can_be_skipped() -> None:
    assert validate_inputs(SCHEMA, {"url": ""}, check_required=False)["url"] == ""


def test_integration_ids_resolve_through_the_host() -> None:
    values = validate_inputs(SCHEMA, {"url": "u", "oauth": 12}, integrations={12: {"access_token": "t"}})
    assert values["oauth"] == {"access_token": "t"}
    assert validate_inputs(SCHEMA, {"url": "u", "oauth": 13}, integrations={})["oauth"] is None


def test_email_checks() -> None:
    item = {"type": "email"}
    assert check_value(item, "x") == "Value must be an email object."
    assert check_value(item, {"from": "a", "to": "b", "subject": "c"}) == "Either 'text' or 'html' is required."
    assert check_value(item, {"from": "a", "to": "b", "subject": "c", "html": "<p>"}) is None
    assert check_value({"type": "number"}, True) == "Value must be a number."


def _compiled(refs: dict[str, set[str]]) -> dict[str, CompiledInput]:
    return {key: CompiledInput(key, None, True, frozenset(value)) for key, value in refs.items()}


def test_dependency_order_is_stable_and_respects_references() -> None:
    order = dependency_order(_compiled({"a": {"c"}, "b": set(), "c": {"b"}, "d": {"missing"}}), ["a", "b", "c", "d"])
    assert order == ["b", "c", "a", "d"]


def test_cycles_are_reported() -> None:
    with pytest.raises(TemplateError) as info:
        dependency_order(_compiled({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}), ["a", "b", "c", "d"])
    assert info.value.message == "Circular dependency detected in input_deps: a -> b -> c -> a."
    with pytest.raises(TemplateError) as info:
        dependency_order(_compiled({"a": {"a"}}), ["a"])
    assert info.value.message == "Circular dependency detected in input_deps: a -> a."


def test_compile_finds_references_and_keeps_literals() -> None:
    schema = [{"key": "hook", "type": "string"}, {"key": "body", "type": "json"},
              {"key": "raw", "type": "string", "templating": False}]
    compiled = compile_inputs(schema, {"hook": "https://{event.properties.host}", "raw": "{not templated}",
                                       "body": {"to": "{inputs.hook}", "also": ["{inputs['raw']}"], "n": 1}})
    assert compiled.order == ["hook", "raw", "body"]
    assert compiled.inputs["body"].references == {"hook", "raw"}
    assert compiled.inputs["raw"].templated is False and compiled.inputs["raw"].tree == "{not templated}"


def test_invalid_template_names_the_input() -> None:
    with pytest.raises(TemplateError) as info:
        compile_inputs([{"key": "body", "type": "json"}], {"body": {"a": {"b": "{1 +}"}}})
    assert info.value.field == "body.a.b"
    assert info.value.message.startswith("Invalid template: ")


def test_secrets_are_collected() -> None:
    schema = [
        {"key": "token", "type": "string"},
        {"key": "key", "type": "string", "secret": True},
        {"key": "oauth", "type": "integration", "integration": "slack"},
        {"key": "headers", "type": "dictionary"},
        {"key": "plain", "type": "string"},
    ]
    inputs = {"token": "t0k", "key": "k3y",
              "oauth": {"access_token": "xoxb", "app.region": "US", "team": {"id": "T1", "bot_token": "b0t"}},
              "headers": {"Authorization": "Bearer abc", "X-Api-Key": "", "Accept": "json"}, "plain": "hello"}
    assert collect_secrets(schema, inputs) == ["t0k", "k3y", "xoxb", "b0t", "Bearer abc", "abc"]


# --- evaluation with the VM -----------------------------------------------------------------------

GLOBALS = {
    "event": {"event": "$pageview", "timestamp": "2024-07-01T12:34:56.789Z",
              "properties": {"price": 49.5, "currency": "USD"}},
    "person": {"properties": {"email": "a@b.c", "first_name": "Max"}},
}


def _evaluate(schema: list[dict], values: dict, globals_: dict | None = None) -> dict:
    from hoglite.cdp.invocation import run_expression_program

    compiled = compile_inputs(schema, values)
    return evaluate_inputs(compiled, globals_ or GLOBALS, lambda program, scope: run_expression_program(program, scope))


def test_templating_rules() -> None:
    schema = [{"key": "s", "type": "json"}]
    values = {"s": {
        "lone": "{person.properties.email}",
        "missing": "{person.properties.nope}",
        "mixed": "Email: {person.properties.email}",
        "mixed_null": "Email: {person.properties.nope}",
        "default": "{person.properties.nope ?? 'none'}",
        "object": "{event.properties}",
        "int": "{toInt(toUnixTimestamp(event.timestamp))}",
        "empty": "",
        "literal": ":hedgehog:",
        "number": 3, "flag": False, "null": None,
        "list": ["{event.event}", 1],
    }}
    assert _evaluate(schema, values) == {"s": {
        "lone": "a@b.c", "missing": None, "mixed": "Email: a@b.c", "mixed_null": "Email: ", "default": "none",
        "object": {"price": 49.5, "currency": "USD"}, "int": 1719837296, "empty": "", "literal": ":hedgehog:",
        "number": 3, "flag": False, "null": None, "list": ["$pageview", 1],
    }}


def test_dictionary_with_missing_value_and_later_input() -> None:
    schema = [{"key": "props", "type": "dictionary"}, {"key": "currency", "type": "string"}]
    values = {"props": {"revenue": "{event.properties.nope}", "currency": "{inputs.currency}", "fixed": 3},
              "currency": "{event.properties.currency}"}
    assert _evaluate(schema, values) == {"props": {"revenue": None, "currency": "USD", "fixed": 3},
                                         "currency": "USD"}


def test_extend_object_key_spreads_first() -> None:
    schema = [{"key": "d", "type": "dictionary"}]
    values = {"d": {"a": "x", "$$_extend_object": "{event.properties}"}}
    assert _evaluate(schema, values) == {"d": {"price": 49.5, "currency": "USD", "a": "x"}}


def test_failing_input_names_the_leaf_and_shows_the_hog_error() -> None:
    schema = [{"key": "customProperties", "type": "dictionary"}]
    with pytest.raises(InputEvaluationError) as info:
        _evaluate(schema, {"customProperties": {"prefs": "x {jsonParse('{oops')} y"}})
    error = info.value
    assert error.message == "Could not execute bytecode for input field: customProperties.prefs"
    assert error.field == "customProperties.prefs"
    assert str(error).splitlines()[0] == "Could not execute bytecode for input field: customProperties.prefs"
    assert "--> inputs.customProperties.prefs:1:" in str(error)


def test_fetch_is_not_allowed_in_inputs() -> None:
    with pytest.raises(InputEvaluationError) as info:
        _evaluate([{"key": "x", "type": "string"}], {"x": "{fetch('https://example.com')}"})
    assert info.value.field == "x"
