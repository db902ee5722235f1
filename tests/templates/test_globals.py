"""Globals built from a PostHog-style event, globals given directly, and filter globals."""

from __future__ import annotations

import pytest

from hoglite.cdp.globals import (
    Project,
    build_filter_globals,
    build_globals,
    encode_uri_component,
    globals_from,
    person_display_name,
    source_global,
)
from hoglite.errors import TemplateError

EVENT = {
    "uuid": "0190e1c2-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "event": "$identify",
    "distinct_id": "user-42",
    "properties": {
        "$current_url": "https://hedgebox.net/signup",
        "$browser": "Chrome",
        "$lib": "web",
        "$set": {"email": "max@hedgebox.net", "plan": "pro"},
        "$groups": {"company": "acme"},
        "price": 49.5,
        "currency": "USD",
    },
    "elements_chain": "",
    "timestamp": "2024-07-01T12:34:56.789Z",
    "captured_at": "2024-07-01T12:34:57.001Z",
    "person": {
        "id": "018f5c3a-7b2e-0000-9d3c-2f1e0a9b8c7d",
        "properties": {
            "email": "max@hedgebox.net",
            "first_name": "Max",
            "last_name": "Hedgehog",
            "phone": "+15555550100",
            "plan": "pro",
            "$geoip_country_name": "United States",
            "$initial_referrer": "$direct",
        },
    },
}

# The spec's canonical fixture (templates-and-host.md §3.2).
CANONICAL = {
    "project": {"id": 1, "name": "Hedgebox", "url": "https://us.posthog.com/project/1"},
    "source": {
        "name": "Intercom contacts",
        "url": "https://us.posthog.com/project/1/pipeline/destinations/hog-0190e1c1-4f0b-0000-a4f5-8d8a0c7b7d5e"
               "/configuration/",
    },
    "event": {
        "uuid": "0190e1c2-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
        "event": "$identify",
        "distinct_id": "user-42",
        "properties": EVENT["properties"],
        "elements_chain": "",
        "timestamp": "2024-07-01T12:34:56.789Z",
        "captured_at": "2024-07-01T12:34:57.001Z",
        "url": "https://us.posthog.com/project/1/events/0190e1c2-1a2b-7c3d-8e4f-5a6b7c8d9e0f/"
               "2024-07-01T12%3A34%3A56.789Z",
    },
    "person": {
        "id": "018f5c3a-7b2e-0000-9d3c-2f1e0a9b8c7d",
        "name": "max@hedgebox.net",
        "url": "https://us.posthog.com/project/1/person/user-42",
        "properties": EVENT["person"]["properties"],
    },
    "groups": {
        "company": {
            "id": "acme",
            "type": "company",
            "index": 0,
            "url": "https://us.posthog.com/project/1/groups/0/acme",
            "properties": {"name": "Acme Inc", "domain": "acme.com"},
        }
    },
    "inputs": {},
}


def test_build_globals_matches_the_canonical_fixture() -> None:
    project = Project(id=1, name="Hedgebox", group_types={"company": 0})
    source = {"name": "Intercom contacts", "url": CANONICAL["source"]["url"]}
    built = build_globals(EVENT, project=project, source=source,
                          group_properties={"company": {"acme": {"name": "Acme Inc", "domain": "acme.com"}}})
    assert built == CANONICAL


def test_event_without_person_has_null_person() -> None:
    event = {key: value for key, value in EVENT.items() if key != "person"}
    assert build_globals(event)["person"] is None


def test_person_from_clickhouse_row_columns() -> None:
    event = {"uuid": "u1", "event": "x", "distinct_id": "d 1", "properties": {}, "timestamp": "t",
             "person_id": "p1", "person_properties": {"name": "  Ada  "}}
    person = build_globals(event)["person"]
    assert person == {"id": "p1", "properties": {"name": "  Ada  "}, "name": "Ada",
                      "url": "https://us.posthog.com/project/1/person/d%201"}


def test_person_display_name_rules() -> None:
    assert person_display_name({"email": "", "name": "Ada"}, "d") == "Ada"
    assert person_display_name({"username": {"a": 1}}, "d") == '{"a":1}'
    assert person_display_name({}, " d-1 ") == "d-1"
    assert person_display_name({"nick": "x"}, "d", ("nick",)) == "x"


def test_groups_without_known_types_get_indexes_in_order() -> None:
    event = dict(EVENT, properties={"$groups": {"company": "acme", "team": "core"}})
    groups = build_globals(event)["groups"]
    assert groups["team"] == {"id": "core", "type": "team", "index": 1,
                              "url": "https://us.posthog.com/project/1/groups/1/core", "properties": {}}


def test_groups_of_unknown_types_are_dropped_when_types_are_configured() -> None:
    event = dict(EVENT, properties={"$groups": {"company": "acme", "team": "core"}})
    groups = build_globals(event, project=Project(group_types={"company": 2}))["groups"]
    assert list(groups) == ["company"] and groups["company"]["index"] == 2


def test_event_errors_name_the_field() -> None:
    with pytest.raises(TemplateError) as info:
        build_globals({"properties": {}})
    assert info.value.field == "event.event"
    with pytest.raises(TemplateError) as info:
        build_globals({"event": "x", "properties": []})
    assert info.value.field == "event.properties"


def test_globals_given_directly_are_kept() -> None:
    given = {"event": {"event": "x", "properties": {}}, "person": {"id": "p"}, "inputs": {"stale": 1}}
    out = globals_from(given, source={"name": "s", "url": "u"})
    assert out == {"event": {"event": "x", "properties": {}}, "person": {"id": "p"}, "groups": {},
                   "project": {"id": 1, "name": "Default project", "url": "https://us.posthog.com/project/1"},
                   "source": {"name": "s", "url": "u"}, "inputs": {}}


def test_source_global() -> None:
    assert source_global(Project(id=7, site_url="http://localhost:8000/"), "abc", None) == {
        "name": "Hog function: abc",
        "url": "http://localhost:8000/project/7/pipeline/destinations/hog-abc/configuration/",
    }


def test_encode_uri_component_matches_javascript() -> None:
    assert encode_uri_component("a b:c/d?e=f&g'h(i)*!~-_.") == "a%20b%3Ac%2Fd%3Fe%3Df%26g'h(i)*!~-_."
    assert encode_uri_component("ü") == "%C3%BC"


def test_filter_globals() -> None:
    chain = ('a.btn.primary:attr__href="/signup"attr_id="cta"href="/signup"nth-child="1"text="Sign up";'
             'div.hero:attr_id="hero"nth-child="2";button:text="Go";form:text="Sign up"')
    globals_ = build_globals(dict(EVENT, elements_chain=chain), project=Project(group_types={"company": 0}))
    row = build_filter_globals(globals_)
    assert row["event"] == "$identify"
    assert row["elements_chain_href"] == "/signup"
    assert row["elements_chain_texts"] == ["Sign up", "Go"]
    assert row["elements_chain_ids"] == ["cta", "hero"]
    assert row["elements_chain_elements"] == ["a", "button", "form"]
    assert row["person"] == {"id": EVENT["person"]["id"], "properties": EVENT["person"]["properties"]}
    assert row["pdi"] == {"distinct_id": "user-42", "person_id": EVENT["person"]["id"], "person": row["person"]}
    assert row["$group_0"] == "acme" and row["$group_1"] is None
    assert row["group_0"] == {"properties": {}} and row["group_4"] == {"properties": {}}


def test_filter_globals_without_person_or_chain() -> None:
    row = build_filter_globals({"event": {"event": "x", "properties": {"$elements_chain": "button:text=\"A\""}}})
    assert row["person"] is None and row["pdi"] is None
    assert row["elements_chain"] == 'button:text="A"'
    assert row["elements_chain_texts"] == ["A"]
