"""Filters: every operator and property type, events/actions, test accounts, skip reasons, errors."""

from __future__ import annotations

from typing import Any

import pytest

from hoglite.cdp.filters import check_filters, compile_filters, selector_regex, tag_regex
from hoglite.cdp.globals import Project, build_filter_globals, build_globals
from hoglite.cdp.invocation import run_expression_program
from hoglite.errors import TemplateError

EVENT = {
    "uuid": "u-1",
    "event": "$autocapture",
    "distinct_id": "user-42",
    "timestamp": "2024-07-01T12:34:56.789Z",
    "elements_chain": 'a.btn.primary:attr_id="cta"href="/signup"nth-child="1"text="Sign up";div.hero:nth-child="2"',
    "properties": {"$current_url": "https://hedgebox.net/pricing?plan=pro", "$host": "hedgebox.net", "price": 49.5,
                   "count": "10", "plan": "pro", "tags": "a,b", "flag": True, "$groups": {"company": "acme"}},
    "person": {"id": "p-1", "properties": {"email": "max@hedgebox.net", "age": 30}},
    "groups": {"company": {"id": "acme", "index": 1, "properties": {"size": 50}}},
}


def row(event: dict[str, Any] | None = None) -> dict[str, Any]:
    return build_filter_globals(build_globals(event or EVENT, project=Project()))


def run(program: Any, scope: dict[str, Any]) -> Any:
    return run_expression_program(program, scope)


def matches(filters: dict[str, Any], event: dict[str, Any] | None = None, **kwargs: Any) -> bool:
    outcome = check_filters(compile_filters(filters, **kwargs), row(event), run)
    assert outcome.error is None, outcome.reason
    return outcome.matched


def prop(key: str, operator: str | None, value: Any = None, kind: str = "event", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "value": value, "type": kind, **extra}
    if operator is not None:
        out["operator"] = operator
    return {"properties": [out]}


@pytest.mark.parametrize(("filters", "expected"), [
    (prop("plan", None, "pro"), True),  # exact is the default
    (prop("plan", "exact", "pro"), True),
    (prop("plan", "exact", ["basic", "pro"]), True),
    (prop("plan", "exact", ["basic"]), False),
    (prop("plan", "exact", []), True),  # an empty list is no condition
    (prop("plan", "is_not", "pro"), False),
    (prop("plan", "is_not", ["basic", "free"]), True),
    (prop("flag", "exact", "true"), True),  # Hog compares a boolean with "true"/"false" as a boolean
    (prop("plan", "icontains", "PR"), True),
    (prop("plan", "icontains", ["xx", "R"]), True),  # OR for positive operators
    (prop("plan", "not_icontains", ["xx", "R"]), False),  # AND for negative ones
    (prop("missing", "icontains", "ul"), True),  # toString(null) is 'null'
    (prop("missing", "not_icontains", "@posthog.com"), True),
    (prop("plan", "regex", "^p.o$"), True),
    (prop("plan", "regex", "^x"), False),
    (prop("plan", "not_regex", "^x"), True),
    (prop("price", "gt", 40), True),
    (prop("price", "lt", 40), False),
    (prop("price", "gte", 49.5), True),
    (prop("price", "lte", 49), False),
    (prop("count", "gt", 9), True),  # a numeric string compares as a number
    (prop("price", "min", 49.5), True),
    (prop("price", "max", 49.4), False),
    (prop("price", "between", [40, 50]), True),
    (prop("price", "not_between", [40, 50]), False),
    (prop("price", "not_between", [50, 60]), True),
    (prop("plan", "is_set"), True),
    (prop("missing", "is_set"), False),
    (prop("missing", "is_not_set"), True),
    (prop("plan", "in", ["pro", "team"]), True),
    (prop("plan", "not_in", ["pro", "team"]), False),
    (prop("timestamp", "is_date_after", "2024-07-01T00:00:00Z", "event_metadata"), True),
    (prop("timestamp", "is_date_before", "2024-07-01T00:00:00Z", "event_metadata"), False),
    (prop("distinct_id", "exact", "user-42", "event_metadata"), True),
    (prop("email", "icontains", "@hedgebox.net", "person"), True),
    (prop("age", "gte", 18, "person"), True),
    (prop("size", "gt", 10, "group", group_type_index=1), True),
    (prop("size", "gt", 10, "group", group_type_index=0), False),
    (prop("$elements_chain", "icontains", "btn"), True),
    (prop("href", "exact", "/signup", "element"), True),
    (prop("text", "exact", "Sign up", "element"), True),
    (prop("text", "icontains", "nope", "element"), False),
    (prop("tag_name", "exact", "a", "element"), True),
    (prop("tag_name", "exact", "button", "element"), False),
    (prop("tag_name", "is_not", "button", "element"), True),
    (prop("selector", "exact", "a.btn#cta", "element"), True),
    (prop("selector", "exact", "div.hero", "element"), True),
    (prop("selector", "exact", "a.missing", "element"), False),
    (prop("selector", "exact", '[href="/signup"]', "element"), True),
    (prop("event not in ('$pageview', '$identify')", None, kind="hogql"), True),
    (prop("properties.price * 2 > 100", None, kind="hogql"), False),
    (prop("", "exact", "x"), True),  # an incomplete filter is ignored
    ({"properties": [{"type": "OR", "values": [{"key": "plan", "value": "x"}, {"key": "plan", "value": "pro"}]}]},
     True),
    ({"properties": {"type": "AND", "values": [{"key": "plan", "value": "pro"}, {"key": "price", "value": 1}]}},
     False),
])
def test_property_operators(filters: dict[str, Any], expected: bool) -> None:
    assert matches(filters) is expected


def test_no_filters_match_everything() -> None:
    assert matches({}) and matches({"events": [], "actions": [], "properties": []})


def test_events_entries() -> None:
    assert matches({"events": [{"id": "$autocapture"}]})
    assert not matches({"events": [{"id": "$pageview"}]})
    assert matches({"events": [{"id": "$pageview"}, {"id": None, "properties": [{"key": "plan", "value": "pro"}]}]})
    assert not matches({"events": [{"id": "$autocapture", "properties": [{"key": "plan", "value": "free"}]}]})


def test_inline_actions() -> None:
    signup = {"id": "7", "name": "Clicked sign up", "steps": [
        {"event": "$autocapture", "tag_name": "a", "text": "sign", "text_matching": "contains",
         "url": "/pricing", "properties": [{"key": "plan", "value": "pro"}]},
    ]}
    assert matches({"actions": [signup]})
    assert matches({"actions": [{"id": "7"}]}, actions={"7": signup})
    assert not matches({"actions": [dict(signup, steps=[{"event": "$pageview"}])]})
    assert matches({"actions": [dict(signup, steps=[{"event": "$pageview"}, {"href": "/sign", "href_matching": "contains"}])]})
    assert matches({"actions": [dict(signup, steps=[{"url": "^https://hedgebox\\.net/", "url_matching": "regex"}])]})
    assert not matches({"actions": [dict(signup, steps=[{"url": "https://hedgebox.net/", "url_matching": "exact"}])]})
    assert matches({"actions": [dict(signup, steps=[])]})  # no steps: matches everything
    assert not matches({"actions": [{"name": "no id"}]})  # an entry without an id matches nothing
    with pytest.raises(TemplateError) as info:
        compile_filters({"actions": [{"id": "42"}]})
    assert info.value.field == "filters.actions[0]"


def test_skip_reasons() -> None:
    outcome = check_filters(compile_filters({"events": [{"id": "$pageview"}, {"id": "$identify"}]}), row(), run)
    assert (outcome.matched, outcome.reason) == (False, "event '$autocapture' is not one of: $pageview, $identify")
    outcome = check_filters(compile_filters({"events": [{"id": "$autocapture"}], "properties": [
        {"key": "email", "value": "@hedgebox.net", "operator": "not_icontains", "type": "person"}]}), row(), run)
    assert outcome.reason == "property filter: person property 'email' not_icontains '@hedgebox.net' did not match"
    compiled = compile_filters({"filter_test_accounts": True, "events": [{"id": "$pageview"}], "actions": [
        {"id": "1", "name": "Signed up", "steps": [{"event": "signed_up"}]}]},
        test_account_filters=[{"key": "$host", "operator": "not_regex", "value": "^localhost", "type": "event"}])
    outcome = check_filters(compiled, row(), run)
    assert outcome.reason == "events/actions (events: $pageview; actions: Signed up) did not match"


def test_test_account_filters_apply_only_when_asked() -> None:
    local = dict(EVENT, properties=dict(EVENT["properties"], **{"$host": "localhost:8000"}))
    accounts = [{"key": "$host", "operator": "not_regex", "value": "^(localhost|127\\.0\\.0\\.1)($|:)"}]
    assert not matches({"filter_test_accounts": True}, local, test_account_filters=accounts)
    assert matches({"filter_test_accounts": False}, local, test_account_filters=accounts)
    assert matches({"filter_test_accounts": True}, test_account_filters=accounts)


def test_filter_errors_are_reported_not_raised() -> None:
    compiled = compile_filters({"properties": [{"type": "hogql", "key": "jsonParse('{x') = 1"}]})
    outcome = check_filters(compiled, row(), run)
    assert outcome.matched is False and outcome.error is not None
    assert outcome.reason.startswith("filter error in property filter: expression")


@pytest.mark.parametrize(("filters", "field", "message"), [
    ({"properties": [{"key": "id", "type": "cohort", "value": 3}]}, "filters.properties[0].type",
     "Can't use cohorts in real-time filters"),
    ({"properties": [{"key": "v", "operator": "semver_gt", "value": "1.0.0"}]}, "filters.properties[0].operator",
     "The operator 'semver_gt' is not supported by hoglite yet."),
    ({"properties": [{"key": "p", "operator": "between", "value": [5, 1]}]}, "filters.properties[0].value",
     "'between' needs a value [min, max] of two numbers with min <= max."),
    ({"properties": [{"key": "p", "operator": "in", "value": "x"}]}, "filters.properties[0].value",
     "'in' needs a list value."),
    ({"properties": [{"key": "p", "type": "group", "value": 1}]}, "filters.properties[0].group_type_index",
     "A group property filter needs a group_type_index from 0 to 4."),
    ({"events": [{"id": "x", "properties": [{"key": "selector", "type": "element", "value": "div > a"}]}]},
     "filters.events[0].properties[0].value",
     "Unsupported selector 'div > a': only one compound selector (tag, .class, #id, [attr=\"value\"]) is supported."),
])
def test_compile_errors_name_the_field(filters: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        compile_filters(filters)
    assert (info.value.field, info.value.message) == (field, message)


def test_element_regexes() -> None:
    assert tag_regex("a") == "(^|;)a(\\.|$|;|:)"
    assert selector_regex("a.btn#cta", "f") == '(^|;)a(\\.[^.:;]+)*\\.btn(\\.[^.:;]+)*(:|;|$)[^;]*attr_id="cta"'
