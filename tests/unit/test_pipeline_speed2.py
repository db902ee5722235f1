"""The second round of pipeline shortcuts gives exactly what the general code gives.

Each shortcut is compared with the path it stands in for on varied or random inputs: the ISO
timestamp reader against the date grammar's regex, the `:`-only URI escape against urllib's quote,
the remembered project parts against the Project's own properties, and the fast lane of
build_request (exact upper-case methods, dict bodies) against the checks it skips.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

import hoglite.vm as vm_module
from hoglite import Engine, MockFetcher
from hoglite.cdp import globals as globals_module
from hoglite.cdp.globals import Project, build_globals, encode_uri_component
from hoglite.cdp.template import Template
from hoglite.net import fetch as fetch_module
from hoglite.net.codec import js_stringify
from hoglite.net.errors import FetchRequestError
from hoglite.stl import dates_core
from hoglite.stl.dates_core import UTC_ZONE, parse_date_like_ms, resolve_zone
from hoglite.vm.values import HogDateTime, is_truthy, type_of

# -- ISO timestamps ------------------------------------------------------------------------------


def general_parse(text: str, zone: Any) -> int | None:
    """parse_date_like_ms through the regex: a leading space (trimmed by the grammar) keeps the
    text off the 24-character shortcut."""
    return parse_date_like_ms(" " + text, zone)


def random_timestamp(rng: random.Random) -> str:
    year = rng.choice([rng.randint(0, 9999), 2024, 2023, 1970, 2000, 1900, 2100, 0])
    parts = [f"{year:04d}", "-", f"{rng.randint(0, 13):02d}", "-", f"{rng.randint(0, 32):02d}", "T",
             f"{rng.choice([rng.randint(0, 25), 23, 0]):02d}", ":", f"{rng.randint(0, 61):02d}", ":",
             f"{rng.randint(0, 61):02d}", ".", f"{rng.randint(0, 999):03d}", "Z"]
    if rng.random() < 0.3:  # a wrong separator, digit or marker somewhere
        position = rng.randrange(len(parts))
        parts[position] = rng.choice(["/", " ", "t", ",", "z", "x", "+", "\u0663", "\uff11", "\u00b2", "-", ":",
                                      "1"]) * len(parts[position])
    return "".join(parts)


def test_iso_timestamps_read_without_the_regex_equal_the_grammar() -> None:
    rng = random.Random(21)
    zones = [UTC_ZONE, resolve_zone("Europe/Amsterdam"), resolve_zone("America/New_York")]
    texts = ["2024-07-01T12:34:56.789Z", "2024-02-29T23:59:59.999Z", "2023-02-29T00:00:00.000Z",
             "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "2024-07-01T24:00:00.000Z",
             "2024-07-01T12:60:00.000Z", "2024-07-01T12:34:60.000Z", "2024-07-01t12:34:56.789Z",
             "2024-07-01T12:34:56,789Z", "2024-07-01T12:34:56.78aZ", "2024-07-01T12:34:5\u0663.789Z",
             "\u0662024-07-01T12:34:56.789Z", "2024-07-01T12:34:56.789z", "+2024-07-01T12:34:56.78Z"]
    texts += [random_timestamp(rng) for _ in range(20000)]
    for text in texts:
        zone = rng.choice(zones)
        # Twice: the second read comes from the remembered minute.
        for _ in range(2):
            got, expected = parse_date_like_ms(text, zone), general_parse(text, zone)
            assert got == expected and type(got) is type(expected), text


def test_a_remembered_minute_still_checks_the_seconds_of_each_text() -> None:
    dates_core._ISO_MINUTES.clear()
    assert parse_date_like_ms("2024-07-01T12:34:56.789Z") == general_parse("2024-07-01T12:34:56.789Z", UTC_ZONE)
    assert "2024-07-01T12:34" in dates_core._ISO_MINUTES
    for tail in ("60.000Z", "5a.000Z", "56.7a9Z", "56.\u0663\u0663\u0663Z", "56:789Z", "56.789Z", "00.000Z",
                 "59.999Z", "\u0663\u0663.000Z"):
        text = "2024-07-01T12:34:" + tail
        assert parse_date_like_ms(text) == general_parse(text, UTC_ZONE), text


# -- globals ---------------------------------------------------------------------------------------


def test_encode_uri_component_with_colons_matches_quote() -> None:
    rng = random.Random(8)
    alphabet = list("azAZ09-_.!~*'():::/+% ") + ["é", "\u2028", "😀", "\n"]
    texts = ["", ":", "::", "2024-07-01T12:34:56.789Z", "2024-07-01T12:34:56+02:00", "a:b c"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16))) for _ in range(5000)]
    for text in texts:
        assert encode_uri_component(text) == quote(text, safe="-_.!~*'()")


def reference_globals_project(project: Project) -> tuple[str, dict[str, Any]]:
    return project.url, project.to_global()


EVENT = {"uuid": "u-1", "event": "$pageview", "distinct_id": "d", "timestamp": "2024-07-01T12:34:56.789Z",
         "properties": {"$groups": {"company": "acme"}}, "person": {"id": "p", "properties": {"email": "x@y.z"}}}


def check_project_globals(project: Project) -> None:
    url, expected = reference_globals_project(project)
    for _ in range(3):
        built = build_globals(EVENT, project=project)
        assert built["project"] == expected and built["event"]["url"].startswith(f"{url}/events/")
        assert built["person"]["url"].startswith(f"{url}/person/")
        assert built["groups"]["company"]["url"].startswith(f"{project.url}/groups/")
        built["project"]["name"] = "edited"  # each invocation gets its own copy


def test_remembered_project_parts_follow_the_project() -> None:
    projects = [Project(), Project(id=7, name="Seven", site_url="https://eu.posthog.com/"),
                Project(id=7, name="Other", site_url="https://eu.posthog.com/")]
    for project in projects * 2:
        check_project_globals(project)
    project = Project(id=3)
    check_project_globals(project)
    object.__setattr__(project, "site_url", "https://elsewhere.example")  # a "frozen" field, changed anyway
    check_project_globals(project)
    object.__setattr__(project, "id", True)  # not an exact int: never remembered
    check_project_globals(project)

    @dataclass(frozen=True)
    class Moving(Project):
        calls: list[int] = None  # type: ignore[assignment]

        @property
        def url(self) -> str:
            self.calls.append(1)
            return f"https://moving.example/{len(self.calls)}"

    moving = Moving(calls=[])
    first = build_globals(EVENT, project=moving)["event"]["url"]
    second = build_globals(EVENT, project=moving)["event"]["url"]
    assert first != second  # a subclass is asked every time


def test_the_project_memo_is_not_confused_by_a_reused_id() -> None:
    for number in range(200):
        project = Project(id=number, name=f"P{number}")
        assert build_globals(EVENT, project=project)["project"] == project.to_global()
        del project
    assert len(globals_module._PROJECT_PARTS) <= 64


# -- build_request ---------------------------------------------------------------------------------


def reference_method(method: Any) -> str:
    """build_request's method rules as they were before the fast lane."""
    if method is None:
        method = "POST"
    if not isinstance(method, str):
        raise FetchRequestError("method", f"must be a string, got {type_of(method)}")
    method = method.upper()
    if method not in fetch_module._PLAIN_METHODS and not fetch_module._TOKEN.fullmatch(method):
        raise FetchRequestError("method", f"{fetch_module._field_name(method)!r} is not a valid HTTP method")
    if method in fetch_module.FORBIDDEN_METHODS:
        raise FetchRequestError("method", f"{method} requests are not allowed")
    return method


def reference_body(raw: Any, method: str) -> str | None:
    if method in ("GET", "HEAD") or not is_truthy(raw):
        return None
    if isinstance(raw, str):
        return raw
    return js_stringify(raw)


class Upper(str):
    def upper(self) -> str:
        return "PATCH"


def outcome(fn: Any, *args: Any) -> Any:
    try:
        return ("ok", fn(*args))
    except FetchRequestError as error:
        return ("error", error.field, error.message)
    except ValueError as error:
        return ("value-error", type(error).__name__, str(error))


def test_build_request_fast_lane_equals_the_full_checks() -> None:
    cyclic: dict[str, Any] = {"a": 1}
    cyclic["self"] = cyclic
    methods = [None, "POST", "post", "Get", "GET", "HEAD", "head", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT",
               "connect", "TRACE", "x y", "PROPFIND", "", 1, True, Upper("POST"), Upper("post"), "ÿ"]
    bodies: list[Any] = [None, {}, {"a": 1}, {"q": {"field": "email", "value": "a@b.c"}}, [], [1], "", "text", 0, 1,
                         False, True, 0.0, float("nan"), {"n": 2.0, "f": 1e-7, "big": 2**60, "s": "\ud800"},
                         HogDateTime(1.5, "UTC"), {"dt": HogDateTime(0, "UTC")}, cyclic, {1: "int key"}]
    for method in methods:
        for body in bodies:
            options = {"method": method, "body": body, "headers": {"Accept": "a"}}
            got = outcome(fetch_module.build_request, "https://example.com/x", options)
            expected_method = outcome(reference_method, method)
            if expected_method[0] != "ok":
                assert got == expected_method, (method, body)
                continue
            expected_body = outcome(reference_body, body, expected_method[1])
            if expected_body[0] != "ok":
                assert got[0] == "error" and got[1] == "body", (method, body, got)
                assert got[2] == FetchRequestError("body", f"cannot be sent as JSON: {expected_body[2]}").message
                continue
            assert got[0] == "ok", (method, body, got)
            request = got[1]
            assert (request.method, request.body) == (expected_method[1], expected_body[1]), (method, body)
            assert type(request.method) is str and type(request.body) in (str, type(None))


def test_build_request_fast_lane_on_random_plain_bodies() -> None:
    rng = random.Random(4)
    scalars = [None, True, False, 0, 1, -1, 2**53, 2**53 + 1, 0.5, 1e21, 1e-7, 2.0, "", "é", "\ud83d", "a\nb"]

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 3 or roll < 0.5:
            return rng.choice(scalars)
        if roll < 0.75:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(["a", "b", "é", "k1", ""]): value(depth + 1) for _ in range(rng.randint(0, 3))}

    for _ in range(3000):
        body = {f"k{index}": value(0) for index in range(rng.randint(0, 4))}
        method = rng.choice(["POST", "GET", "put", None])
        request = fetch_module.build_request("https://example.com/", {"method": method, "body": body})
        assert request.body == reference_body(body, reference_method(method))


# -- the code step reads the VM's functions at each use -------------------------------------------


def test_a_replaced_vm_execute_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = vm_module.execute

    def execute(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    template = Template(id="t", name="T", code="return 1")
    engine = Engine(fetcher=MockFetcher({}))
    assert engine.invoke(template, {"event": "e", "uuid": "u"}, {}).value == 1
    monkeypatch.setattr(vm_module, "execute", execute)
    assert engine.invoke(template, {"event": "e", "uuid": "u"}, {}).value == 1
    assert calls == [1]
