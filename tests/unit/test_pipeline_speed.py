"""The per-invocation shortcuts of the template pipeline give exactly what the slow paths give.

Each shortcut (identity-cached input plans, memoised headers, the fast float/int/date/URI paths,
the fused fast-path programs, the shared host contexts) is checked against the code it stands in
for, on varied or random inputs, and against in-place edits that must not be missed.
"""

from __future__ import annotations

import gc
import json
import math
import random
import struct
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from hoglite import Engine, MockFetcher
from hoglite.cdp import invocation as inv
from hoglite.cdp.codestep import HostContext
from hoglite.cdp.fastpath import FALLBACK, FastProgram
from hoglite.cdp.globals import Project, encode_uri_component, globals_from, source_global
from hoglite.cdp.inputs import compile_template_text
from hoglite.cdp.template import Template
from hoglite.errors import HogliteError
from hoglite.net import fetch as fetch_module
from hoglite.net.codec import _plain_float, js_stringify
from hoglite.net.errors import FetchRequestError
from hoglite.net.mock import MockFileError
from hoglite.stl._common import js_parse_int
from hoglite.stl.dates_core import UTC_ZONE, local_ms, parse_date_like_ms, resolve_zone, to_utc_ms
from hoglite.stl.types import to_int
from hoglite.vm.host import RunContext
from hoglite.vm.limits import Limits
from hoglite.vm.values import format_number

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SEARCH = "https://api.intercom.io/contacts/search"
EVENTS = "https://api.intercom.io/events"


def random_double(rng: random.Random) -> float:
    return struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]


# -- input plans ---------------------------------------------------------------------------------


def schema_template(schema: list[dict[str, Any]]) -> Template:
    return Template(id="t", name="T", code="return inputs", inputs_schema=schema)


SCHEMA = [
    {"key": "oauth", "type": "integration", "integration": "x", "required": True},
    {"key": "flag", "type": "boolean", "required": False},
    {"key": "count", "type": "number", "required": False},
    {"key": "props", "type": "dictionary", "required": False},
    {"key": "json", "type": "json", "required": False},
    {"key": "text", "type": "string", "required": False, "default": "{event.event}"},
]


def fresh_plan(template: Template, inputs: dict[str, Any], **options: Any) -> tuple[Any, Any]:
    """The keyed (JSON) path, on a template cache of its own."""
    twin = schema_template(template.inputs_schema)
    twin.inputs_schema = template.inputs_schema
    return inv._inputs_plan(twin, twin.inputs_schema, dict(inputs), mapping=None, **options)


def plan(template: Template, inputs: Any, **options: Any) -> tuple[Any, Any]:
    return inv._recent_inputs_plan(template, template.inputs_schema, inputs, mapping=None, **options)


def evaluated(compiled: Any) -> Any:
    from hoglite.cdp.inputs import evaluate_inputs

    scope = {"event": {"event": "$pageview", "properties": {}}, "person": None}
    return evaluate_inputs(compiled, scope, lambda program, s: inv.run_expression_program(program, s))


OPTIONS = {"check_required": True, "integrations": None, "templating": True}


def test_an_identical_input_dict_reuses_its_plan_and_matches_the_keyed_path() -> None:
    template = schema_template(SCHEMA)
    inputs = {"oauth": {"token": "T"}, "flag": True, "props": {"a": "{event.event}", "b": "x"}}
    first = plan(template, inputs, **OPTIONS)
    assert plan(template, inputs, **OPTIONS)[1] is first[1]  # the same compiled plan: reused
    keyed = fresh_plan(template, inputs, **OPTIONS)
    assert first[0] == keyed[0]
    assert evaluated(first[1]) == evaluated(keyed[1])


@pytest.mark.parametrize("edit", [
    lambda d: d["oauth"].__setitem__("token", "U"),          # nested value
    lambda d: d.__setitem__("flag", 1),                       # True -> 1: equal, not the same
    lambda d: d.__setitem__("count", 1.0) if "count" in d else d.__setitem__("count", 2),
    lambda d: d["props"].__setitem__("c", "{event.event}"),  # a key added
    lambda d: d.__setitem__("props", dict(reversed(list(d["props"].items())))),  # key order
    lambda d: d.pop("flag"),                                  # a key removed
    lambda d: d.__setitem__("json", [1, {"x": -0.0}]),
    lambda d: d.__setitem__("json", [1, {"x": 0.0}]),
])
def test_an_edited_input_dict_gets_a_fresh_plan(edit: Any) -> None:
    template = schema_template(SCHEMA)
    inputs = {"oauth": {"token": "T"}, "flag": True, "count": 1, "props": {"a": "{event.event}", "b": "x"},
              "json": [1, {"x": -0.0}]}
    plan(template, inputs, **OPTIONS)
    edit(inputs)

    def outcome(make: Any) -> Any:
        try:
            values, compiled = make(template, inputs, **OPTIONS)
        except HogliteError as error:
            return ("error", str(error))
        # JSON text: types (true / 1 / 1.0, -0.0) and key order included
        return ("ok", json.dumps(values), [type(v) for v in values.values()], json.dumps(evaluated(compiled)))

    assert outcome(plan) == outcome(fresh_plan)


def test_the_keyed_plan_keeps_each_callers_key_order_and_key_types() -> None:
    template = schema_template(SCHEMA)

    def keyed(inputs: dict[str, Any]) -> Any:
        return inv._inputs_plan(template, template.inputs_schema, inputs, mapping=None, **OPTIONS)[0]

    assert list(keyed({"oauth": {"t": "T"}, "props": {"x": "1", "y": "2"}})["props"]) == ["x", "y"]
    assert list(keyed({"oauth": {"t": "T"}, "props": {"y": "2", "x": "1"}})["props"]) == ["y", "x"]
    assert list(keyed({"oauth": {"t": "T"}, "props": {1: "x", "a": "y"}})["props"]) == [1, "a"]
    assert list(keyed({"oauth": {"t": "T"}, "props": {"1": "x", "a": "y"}})["props"]) == ["1", "a"]


def test_new_dicts_every_call_and_reused_dicts_mixed() -> None:
    template = schema_template(SCHEMA)
    kept = [{"oauth": {"token": f"kept-{n}"}, "count": n} for n in range(5)]
    for round_ in range(150):
        fresh = {"oauth": {"token": f"fresh-{round_}"}, "count": round_}
        assert plan(template, fresh, **OPTIONS)[0]["oauth"] == {"token": f"fresh-{round_}"}
        chosen = kept[round_ % 5]
        if round_ == 100:
            chosen["count"] = -1
        values = plan(template, chosen, **OPTIONS)[0]
        assert values["oauth"] == chosen["oauth"] and values["count"] == chosen["count"]


def test_invalid_inputs_still_raise_every_time() -> None:
    template = schema_template(SCHEMA)
    inputs = {"oauth": {"token": "T"}, "flag": "yes"}
    for _ in range(3):
        with pytest.raises(HogliteError, match="boolean"):
            plan(template, inputs, **OPTIONS)


def test_non_json_values_are_not_cached_by_identity() -> None:
    class Text(str):
        pass

    template = schema_template(SCHEMA)
    for inputs in ({"oauth": {"token": "T"}, "json": (1, 2)}, {"oauth": {"token": Text("T")}},
                   {"oauth": {"token": "T"}, "json": {1: "x"}}):
        plan(template, inputs, **OPTIONS)
        assert id(inputs) not in inv._cache(template).recent_inputs


def test_other_options_and_integrations_are_part_of_the_identity_key() -> None:
    template = schema_template(SCHEMA)
    inputs = {"oauth": 7}
    integrations = {7: {"token": "A"}}
    values, _ = plan(template, inputs, check_required=True, integrations=integrations, templating=True)
    assert values["oauth"] == {"token": "A"}
    integrations[7]["token"] = "B"  # the host's integration store changed in place
    values, _ = plan(template, inputs, check_required=True, integrations=integrations, templating=True)
    assert values["oauth"] == {"token": "B"}
    _, compiled = plan(template, inputs, check_required=True, integrations=integrations, templating=False)
    assert compiled is None
    with pytest.raises(HogliteError):
        plan(template, {"flag": True}, check_required=True, integrations=None, templating=True)
    assert plan(template, {"flag": True}, check_required=False, integrations=None, templating=True)[0]["flag"]


def test_engine_invocations_notice_in_place_edits_of_the_inputs() -> None:
    mock = MockFetcher({SEARCH: {"status": 200, "body": {"total_count": 1}}, EVENTS: {"status": 202, "body": ""}})
    engine = Engine(fetcher=mock, templates_dirs=[TEMPLATES])
    template = engine.template("intercom-event")
    event = json.loads((TEMPLATES / "intercom-event" / "samples" / "pageview.json").read_text())
    inputs: dict[str, Any] = {"oauth": {"access_token": "ONE", "app.region": "US"}}
    first = engine.invoke(template, event, inputs)
    inputs["oauth"]["access_token"] = "TWO"
    inputs["properties"] = {"plan": "{event.properties.currency}"}
    second = engine.invoke(template, event, inputs)
    assert first.fetches[0].headers["Authorization"] == "Bearer ONE"
    assert second.fetches[0].headers["Authorization"] == "Bearer TWO"
    assert json.loads(second.fetches[1].body)["metadata"] == {"plan": "USD"}
    assert "TWO" not in json.dumps(second.redacted_fetches())  # the redactor knows the new secret


# -- globals ---------------------------------------------------------------------------------------


def test_encode_uri_component_matches_quote() -> None:
    rng = random.Random(7)
    alphabet = [chr(code) for code in range(128)] + ["é", "€", "😀", "\u2028"]
    texts = ["", "2024-07-01T12:34:56.789Z", "a b", "user@example.com"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for text in texts:
        assert encode_uri_component(text) == quote(text, safe="-_.!~*'()")


def test_source_globals_are_copies_and_follow_the_project() -> None:
    template = Template(id="t", name="T", code="return 1")
    event = {"event": "$pageview", "uuid": "u", "properties": {}}
    one = inv.prepare_invocation(template, event, {})
    one.globals["source"]["name"] = "edited"
    two = inv.prepare_invocation(template, event, {})
    assert two.globals["source"] == source_global(Project(), "t", "T")
    other = Project(id=9, site_url="https://eu.posthog.com")
    three = inv.prepare_invocation(template, event, {}, project=other)
    assert three.globals["source"] == source_global(other, "t", "T")
    assert three.globals["project"] == other.to_global()
    assert three.globals == globals_from(event, project=other, source=source_global(other, "t", "T")) | {
        "inputs": three.inputs}


def test_host_contexts_are_shared_only_between_equal_services() -> None:
    clock_a, clock_b = (lambda: 1.0), (lambda: 2.0)
    host_a, contexts = inv._host_for(clock_a, None, None)
    assert inv._host_for(clock_a, None, None)[0] is host_a
    assert inv._host_for(clock_b, None, None)[0] is not host_a
    limits_1, limits_2 = Limits(timeout_seconds=1.0), Limits(timeout_seconds=2.0)
    context = inv._context_for(host_a, contexts, limits_1)
    assert context.limits is limits_1 and context.host is host_a
    assert inv._context_for(host_a, contexts, limits_1) is context
    assert inv._context_for(host_a, contexts, limits_2).limits is limits_2


# -- the fast path ---------------------------------------------------------------------------------


def loop_only(program: FastProgram) -> FastProgram:
    """The same steps with the fused shortcut switched off (the general step loop)."""
    plain = FastProgram(program.steps)
    object.__setattr__(plain, "_chain", None)
    return plain


@pytest.mark.parametrize("text", [
    "{event.timestamp}", "{toInt(toUnixTimestamp(event.timestamp))}", "{toUnixTimestamp(event.timestamp)}",
    "{lower(upper(person.properties.email))}", "{toString(event.properties.n)}", "{toInt(event.properties.x)}",
    "{length(event.properties.list)}", "{toInt(event.properties.missing)}", "{event.properties.nested.a}",
])
def test_fused_field_and_call_programs_equal_the_step_loop(text: str) -> None:
    piece = compile_template_text(text)
    assert piece.fast is not None
    assert piece.fast._chain is not None  # type: ignore[attr-defined]
    slow = loop_only(piece.fast)
    ctx = RunContext(HostContext(lambda: 1719837300.25), Limits())
    rng = random.Random(3)
    values: list[Any] = ["2024-07-01T12:34:56.789Z", "2024-02-30", "x", "", None, True, 0, -5, 2**60, 1.5, -0.0,
                         math.inf, [1, 2], {"a": 1}, "1e3", "  42  ", "2024-07-01 12:34:56+02:00"]
    values += [random_double(rng) for _ in range(50)] + [rng.randint(-10**18, 10**18) for _ in range(50)]
    for value in values:
        scope = {"event": {"timestamp": value, "properties": {"n": value, "x": value, "list": value,
                                                              "nested": {"a": value}}},
                 "person": {"properties": {"email": value}}}
        fast, expected = piece.fast.run(scope, ctx), slow.run(scope, ctx)
        assert fast is expected or (fast == expected and type(fast) is type(expected)) or (
            fast != fast and expected != expected), (text, value, fast, expected)


def test_to_int_shortcuts_equal_parse_int() -> None:
    rng = random.Random(11)
    values: list[Any] = [0, 1, -1, 2**53 - 1, -(2**53) + 1, 2**53, 2**64, 0.5, -0.5, 1.0, -1.0, 1e21, 9.999999999999999e20,
                         1e-7, 4.999999999999999, 1719837296.789, float(2**53) + 2, math.nan, math.inf, -math.inf]
    values += [rng.choice([1, -1]) * 10 ** rng.uniform(-8, 23) for _ in range(20000)]
    values += [random_double(rng) for _ in range(20000)] + [rng.randint(-2**60, 2**60) for _ in range(2000)]
    for value in values:
        expected = js_parse_int(value)
        expected = None if expected != expected else expected
        got = to_int([value], None)
        assert got == expected and type(got) is type(expected), (value, got, expected)


def reference_parse(text: str, zone: Any) -> int | None:
    """parse_date_like_ms as it was written before the shortcut (through local_ms)."""
    from hoglite.stl.dates_core import _DATE_LIKE, _JS_WHITESPACE, MS_PER_MINUTE, days_in_month

    match = _DATE_LIKE.fullmatch(text.strip(_JS_WHITESPACE))
    if match is None:
        return None
    year_text, month_text, day_text, hour, minute, second, fraction, offset = match.groups()
    year, month, day = int(year_text), int(month_text), int(day_text)
    if year == 0 or not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        return None
    millis = int((fraction or "")[:3].ljust(3, "0"))
    wall = local_ms(year, month, day, int(hour or 0), int(minute or 0), int(second or 0), millis)
    if offset is None:
        return to_utc_ms(wall, zone)
    if offset in ("Z", "z"):
        return wall
    digits = offset[1:].replace(":", "")
    offset_minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
    return wall - (offset_minutes if offset[0] == "+" else -offset_minutes) * MS_PER_MINUTE


def test_date_parsing_equals_the_reference() -> None:
    rng = random.Random(5)
    zones = [UTC_ZONE, resolve_zone("Europe/Amsterdam"), resolve_zone("America/New_York")]
    for _ in range(20000):
        year = rng.choice([rng.randint(0, 9999), 2024, 1970, 2000, 1900, 2100])
        text = f"{year:04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
        if rng.random() < 0.8:
            text += rng.choice("Tt ") + f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
            if rng.random() < 0.8:
                text += f":{rng.randint(0, 59):02d}"
                if rng.random() < 0.7:
                    text += rng.choice(".,") + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 9)))
            text += rng.choice(["", "Z", "z", "+02:00", "-0530", "+05", "-11:30"])
        if rng.random() < 0.1:
            text = " \u00a0" + text + "\n"
        zone = rng.choice(zones)
        got, expected = parse_date_like_ms(text, zone), reference_parse(text, zone)
        assert got == expected and type(got) is type(expected), text


# -- fetch requests --------------------------------------------------------------------------------


def test_the_float_shortcut_of_the_json_writer_agrees_with_format_number() -> None:
    rng = random.Random(13)
    values = [1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, 0.1, 0.3, 2 / 3, 49.5, 1e15 + 0.5]
    values += [rng.choice([1, -1]) * 10 ** rng.uniform(-7, 18) for _ in range(30000)]
    values += [random_double(rng) for _ in range(30000)]
    values += [round(rng.uniform(-1e6, 1e6), rng.randint(0, 8)) for _ in range(10000)]
    for value in values:
        assert _plain_float(value) == (math.isfinite(value) and repr(value) == format_number(value)), value
    assert js_stringify({"a": [0.1, 2.0, 1e16, 1e-7, 49.5]}) == '{"a":[0.1,2,10000000000000000,1e-7,49.5]}'


HEADER_CASES: list[Any] = [
    {"Content-Type": "application/json", "Authorization": "Bearer X"},
    {"Accept": " padded\t", "X-Number": 5, "X-None": None},
    {"X-List": ["a"], "Accept": "b"},  # an unhashable value: not memoised, still normalised
    {"Bad Name": "x"},
    {"Host": "evil"},
    {"A": "1", "a": "2"},
    {"X": "line\nbreak"},
    {"X": "\u20ac"},
    {},
]


@pytest.mark.parametrize("headers", HEADER_CASES)
def test_memoised_headers_equal_the_checked_ones_every_time(headers: dict[str, Any]) -> None:
    def outcome() -> Any:
        try:
            return ("ok", fetch_module._check_headers(dict(headers)))
        except FetchRequestError as error:
            return ("error", error.field, error.message)

    expected = outcome()
    for _ in range(3):
        try:
            got: Any = ("ok", fetch_module._normalise_headers(headers))
        except FetchRequestError as error:
            got = ("error", error.field, error.message)
        assert got == expected
        if got[0] == "ok":
            got[1]["Injected"] = "x"  # the caller's copy: never the memo's


def test_str_subclass_header_names_and_values_bypass_the_memo() -> None:
    class Name(str):
        pass

    class Value(str):
        def strip(self, chars: str | None = None) -> str:
            return "stripped"

    fetch_module._normalise_headers({"Accept": "x"})
    result = fetch_module._normalise_headers({Name("Accept"): "x"})
    assert type(next(iter(result))) is Name
    assert fetch_module._normalise_headers({"Accept": Value("x")}) == {"Accept": "stripped"}


def test_mock_responses_are_checked_on_every_answer() -> None:
    spec = {"status": 200, "body": {"ok": True}}
    mock = MockFetcher({"https://example.com/": spec})
    request = fetch_module.build_request("https://example.com/", {"method": "GET"})
    assert mock.fetch(request).body == {"ok": True}
    spec["status"] = 99
    with pytest.raises(MockFileError, match="status"):
        mock.fetch(request)
    spec["status"], spec["headers"] = 200, None
    with pytest.raises(MockFileError, match="headers"):
        mock.fetch(request)
    spec.pop("headers")
    spec["extra"] = 1
    with pytest.raises(MockFileError, match="unknown"):
        mock.fetch(request)


def test_a_new_invocation_view_is_what_the_constructor_makes() -> None:
    for default in ({"status": 201, "body": {}}, None):
        mock = MockFetcher({"https://example.com/": {"status": 200}}, default=default, max_fetches=2)
        view = mock.new_invocation()
        built = MockFetcher(default=mock.default, max_fetches=2)
        assert view.routes is mock.routes and view.calls == [] and view.calls is not mock.calls
        assert view.default == built.default and view.max_fetches == built.max_fetches
        assert view.default is not mock.default or default is None
        assert set(vars(view)) == set(vars(built))


def test_method_limited_and_pattern_routes_still_match_as_before() -> None:
    mock = MockFetcher(default=None)
    mock.add("https://example.com/a", {"status": 201}, method="PUT")
    mock.add("https://example.com/a", {"status": 202})
    mock.add_pattern(r"https://example\.com/.*", {"status": 203})
    put = fetch_module.build_request("https://example.com/a", {"method": "PUT"})
    post = fetch_module.build_request("https://example.com/a", {"method": "POST"})
    other = fetch_module.build_request("https://example.com/b", {"method": "POST"})
    assert [mock.fetch(r).status for r in (put, post, other)] == [201, 202, 203]


# -- runs, engines, templates ----------------------------------------------------------------------


def test_a_finished_run_is_freed_without_the_garbage_collector() -> None:
    template = Template(id="t", name="T", code="print('hi'); return 1")
    gc.collect()
    gc.disable()
    try:
        run = inv.prepare_invocation(template, {"event": "$pageview", "properties": {}}, {})
        result = inv.drive(run, MockFetcher())
        assert result.outcome == "ok" and result.logs[0].message == "hi"
        ref = weakref.ref(run)
        del run
        assert ref() is None
    finally:
        gc.enable()


def test_template_services_follow_registered_functions() -> None:
    engine = Engine()
    assert engine.template_services()["functions"] == {}
    engine.register_function("double", lambda x: x * 2)
    assert set(engine.template_services()["functions"]) == {"double"}
    template = Template(id="t", name="T", code="return double(21)")
    assert engine.invoke(template, {"event": "$pageview", "properties": {}}).value == 42
    engine.disallow("double")
    assert engine.template_services()["disallowed"] == frozenset({"double"})
    assert engine.invoke(template, {"event": "$pageview", "properties": {}}).outcome == "error"
    services = engine.template_services()
    services["functions"]["x"] = print  # a caller's copy
    assert "x" not in engine.template_services()["functions"]


def test_code_path_follows_folder_and_id_changes() -> None:
    template = Template(id="one", name="T", code="return 1")
    assert template.code_path == "one.hog"
    template.id = "two"
    assert template.code_path == "two.hog"
    template.folder = Path("/tmp/somewhere")
    assert template.code_path == str(Path("/tmp/somewhere") / "template.hog")
    template.folder = Path("/tmp/elsewhere")
    assert template.code_path == str(Path("/tmp/elsewhere") / "template.hog")
    template.folder = None
    assert template.code_path == "two.hog"


def test_fast_path_programs_fall_back_on_a_failing_builtin() -> None:
    piece = compile_template_text("{toInt(toUnixTimestamp(event.timestamp, 'No/Zone'))}")
    ctx = RunContext(HostContext(lambda: 0.0), Limits())
    value = piece.fast.run({"event": {"timestamp": "2024-01-01"}}, ctx) if piece.fast is not None else FALLBACK
    assert value is FALLBACK


# -- compiled filters cache --------------------------------------------------------------------------


@pytest.mark.parametrize("edit", [
    lambda f: f["properties"].reverse(),                                   # order: which filter fails first
    lambda f: f["properties"][0].__setitem__("value", True),               # 1 -> True: equal, not the same
    lambda f: f["properties"][1].__setitem__("value", ["b"]),              # a value
    lambda f: f.__setitem__("events", [{"id": "$identify", "type": "events"}]),
])
def test_filters_edited_in_place_are_compiled_again(edit: Any) -> None:
    template = schema_template(SCHEMA)
    filters = {"events": [{"id": "$pageview", "type": "events"}],
               "properties": [{"key": "n", "value": 1, "operator": "exact", "type": "event"},
                              {"key": "s", "value": ["a"], "operator": "exact", "type": "event"}]}
    first = inv._compiled_filters(template, filters, "filters", None, None)
    assert inv._compiled_filters(template, filters, "filters", None, None) is first  # reused
    edit(filters)
    again = inv._compiled_filters(template, filters, "filters", None, None)
    fresh = inv._compiled_filters(schema_template(SCHEMA), json.loads(json.dumps(filters)), "filters", None, None)
    assert again is not first
    assert repr(again) == repr(fresh)
