"""hoglite.net: argument normalisation, JSON codec, response shape, retry maths, mocks, fake network."""

from __future__ import annotations

import asyncio
import json
import math
import re
from pathlib import Path

import pytest
import re2

from hoglite.net.codec import NOT_JSON, js_stringify, parse_json_text
from hoglite.net.errors import FetchLimitError, FetchRequestError, FetchTransportError
from hoglite.net.fakenet import AsyncFakeNetwork, FakeNetwork
from hoglite.net.fetch import (
    AsyncFetcher,
    Fetcher,
    FetchPolicy,
    FetchRequest,
    FetchResponse,
    build_request,
    make_async_client,
    make_client,
    parse_response_text,
    parse_retry_after,
    retry_delay,
    to_hog_response,
)
from hoglite.net.mock import AsyncMockFetcher, MockFetcher, MockFileError, RecordingFetcher
from hoglite.vm.values import Callable as HogCallable
from hoglite.vm.values import Closure, HogDate, HogDateTime, HogErrorValue

URL = "https://api.example.com/v1/items"

# ---------------------------------------------------------------------------------------------------
# build_request: PostHog's normalisation rules


def test_defaults_post_and_json_content_type() -> None:
    assert build_request(URL) == FetchRequest(url=URL, method="POST", headers={"Content-Type": "application/json"},
                                              body=None)
    assert build_request(URL, None) == build_request(URL, {})
    assert build_request(URL, {"headers": None}).headers == {"Content-Type": "application/json"}


def test_method_is_upper_cased() -> None:
    assert build_request(URL, {"method": "patch"}).method == "PATCH"
    assert build_request(URL, {"method": None}).method == "POST"


@pytest.mark.parametrize(("options", "field", "message"), [
    ({"method": 1}, "method", "must be a string, got integer"),
    ({"method": "GE T"}, "method", "'GE T' is not a valid HTTP method"),
    ({"method": "GET\r\nX: y"}, "method", "'GET\\\\r\\\\nX: Y' is not a valid HTTP method"),
    ({"method": "connect"}, "method", "CONNECT requests are not allowed"),
    ({"method": "trace"}, "method", "TRACE requests are not allowed"),
    ({"headers": "x"}, "headers", "must be a dict, got string"),
    ({"headers": ["a"]}, "headers", "must be a dict, got array"),
    ({"timeoutMs": "5"}, "timeoutMs", "must be a number, got string"),
    ({"timeoutMs": True}, "timeoutMs", "must be a number, got boolean"),
    ({"timeoutMs": 0}, "timeoutMs", "must be positive"),
    ({"timeoutMs": math.nan}, "timeoutMs", "must be a number, got float"),
])
def test_invalid_options_name_the_field(options: dict, field: str, message: str) -> None:
    with pytest.raises(FetchRequestError) as info:
        build_request(URL, options)
    assert info.value.field == field
    assert info.value.message == f"fetch {field}: {message}"
    assert info.value.to_json()["field"] == field


@pytest.mark.parametrize(("url", "message"), [
    (None, "fetch url: must be a string, got null"),
    (42, "fetch url: must be a string, got integer"),
    ({"u": 1}, "fetch url: must be a string, got object"),
])
def test_url_must_be_a_string(url: object, message: str) -> None:
    with pytest.raises(FetchRequestError) as info:
        build_request(url)
    assert str(info.value) == message


def test_options_must_be_a_dict() -> None:
    with pytest.raises(FetchRequestError) as info:
        build_request(URL, [1])
    assert str(info.value) == "fetch options: must be a dict, got array"


def test_headers_given_means_no_default_and_non_strings_dropped() -> None:
    request = build_request(URL, {"headers": {"Authorization": "Bearer x", "X-Num": 1, "X-Null": None,
                                              "X-List": ["a"], "X-Pad": "  v  "}})
    assert request.headers == {"Authorization": "Bearer x", "X-Pad": "v"}
    assert build_request(URL, {"headers": {}}).headers == {}


@pytest.mark.parametrize(("body", "sent"), [
    ({"a": 1, "b": [1.0, 2.5, None, True], "c": "é"}, '{"a":1,"b":[1,2.5,null,true],"c":"é"}'),
    ([1, 2], "[1,2]"),
    ('{"already": "json"}', '{"already": "json"}'),
    ("plain", "plain"),
    (12, "12"),
    (1.5, "1.5"),
    (True, "true"),
    (("a", 1), '["a",1]'),
    (None, None),
    ("", None),
    (0, None),
    (False, None),
    ({}, "{}"),
    ([], "[]"),
])
def test_body_rules(body: object, sent: str | None) -> None:
    assert build_request(URL, {"body": body}).body == sent


def test_no_body_for_get_and_head() -> None:
    assert build_request(URL, {"method": "GET", "body": {"a": 1}}).body is None
    assert build_request(URL, {"method": "head", "body": "x"}).body is None
    assert build_request(URL, {"method": "DELETE", "body": "x"}).body == "x"


def test_timeout_option_is_capped_at_ten_seconds() -> None:
    assert build_request(URL, {"timeoutMs": 2500}).timeout_seconds == 2.5
    assert build_request(URL, {"timeoutMs": 60000}).timeout_seconds == 10.0
    assert build_request(URL).timeout_seconds is None


def test_cyclic_body_is_a_body_error() -> None:
    body: dict = {"a": 1}
    body["self"] = body
    with pytest.raises(FetchRequestError) as info:
        build_request(URL, {"body": body})
    assert str(info.value) == "fetch body: cannot be sent as JSON: the value contains itself (a cycle), which JSON cannot represent"


def test_url_text_is_kept_except_for_ipv4_spellings() -> None:
    weird = "https://api.example.com/a b?q=x@y&z=%41"
    assert build_request(weird).url == weird
    assert build_request("https://134744072:8443/x").url == "https://8.8.8.8:8443/x"


def test_request_json_round_trip() -> None:
    request = build_request(URL, {"method": "put", "headers": {"A": "b"}, "body": {"x": 1}, "timeoutMs": 1500})
    data = request.to_json()
    assert data == {"url": URL, "method": "PUT", "headers": {"A": "b"}, "body": '{"x":1}', "timeoutMs": 1500}
    assert FetchRequest.from_json(data) == request
    assert FetchRequest(url=URL, body=b"\xff").to_json()["body"] == "\ufffd"


# ---------------------------------------------------------------------------------------------------
# JSON codec (checked against node's JSON.stringify / JSON.parse)


def test_js_stringify_matches_javascript() -> None:
    value = {"a": [1, 2.0, 1.5, math.nan, None, True, 'é\n\x01"\\\x7f\u2028', "\ud83d\ude00x\ud800"],
             "big": 2**60, "f": 1e21, "g": 0.1, "h": 1e-7, "i": -0.0, "j": 123456789012345680000,
             "inf": math.inf}
    assert js_stringify(value) == ('{"a":[1,2,1.5,null,null,true,"é\\n\\u0001\\"\\\\\x7f\u2028","😀x\\ud800"],'
                                   '"big":1152921504606847000,"f":1e+21,"g":0.1,"h":1e-7,"i":0,'
                                   '"j":123456789012345680000,"inf":null}')


def test_js_stringify_hog_values() -> None:
    assert js_stringify(HogDateTime(1704067200.0, "UTC")) == '{"__hogDateTime__":true,"dt":1704067200,"zone":"UTC"}'
    assert js_stringify(HogDate(2024, 1, 2)) == '{"__hogDate__":true,"year":2024,"month":1,"day":2}'
    assert js_stringify(HogErrorValue("Error", "x")) == '{"__hogError__":true,"type":"Error","message":"x","payload":null}'
    assert js_stringify((1, (2,))) == "[1,[2]]"
    closure = Closure(HogCallable("local", "f", 1, 0, 5, "root"))
    assert js_stringify(closure) == ('{"__hogClosure__":true,"callable":{"__hogCallable__":"local","name":"f",'
                                     '"argCount":1,"upvalueCount":0,"ip":5,"chunk":"root"},"upvalues":[]}')
    shared = [1]
    assert js_stringify([shared, shared]) == "[[1],[1]]"  # shared, not cyclic


def test_parse_json_text_like_javascript() -> None:
    assert parse_json_text('{"a": 12345678901234567890, "b": 1.0, "c": [true, null]}') == {
        "a": 12345678901234567000.0, "b": 1.0, "c": [True, None]}
    assert parse_json_text(" 42 ") == 42
    assert parse_json_text('"s"') == "s"
    for text in ("", "NaN", "Infinity", "{'a': 1}", "[1,]", "nope"):
        assert parse_json_text(text) is NOT_JSON
    assert parse_json_text("[" * 100000) is NOT_JSON


def test_parse_response_text() -> None:
    assert parse_response_text(b'{"id": "c1"}') == {"id": "c1"}
    assert parse_response_text(b"") == ""
    assert parse_response_text(b"OK") == "OK"
    assert parse_response_text(b"null") is None
    assert parse_response_text("\ufeff[1]".encode()) == [1]
    assert parse_response_text(b"\xff\xfe") == "\ufffd\ufffd"


def test_to_hog_response() -> None:
    response = FetchResponse(status=201, body={"id": 1}, headers={"X-Rate": "5"})
    assert to_hog_response(response) == {"status": 201, "body": {"id": 1}}
    assert to_hog_response(response, include_headers=True) == {"status": 201, "body": {"id": 1},
                                                               "headers": {"x-rate": "5"}}


# ---------------------------------------------------------------------------------------------------
# Retry maths and policy


def test_retry_delay() -> None:
    policy = FetchPolicy(backoff_base=1.0, backoff_cap=30.0)
    assert retry_delay(policy, 1, None, 0.0) == 1.0
    assert retry_delay(policy, 2, None, 0.5) == 2.5
    assert retry_delay(policy, 40, None, 0.5) == 30.0
    assert retry_delay(policy, 1, 12.0, 0.9) == 12.0
    assert retry_delay(policy, 1, 3600.0, 0.9) == 30.0


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 60) == 60.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 + 60) == 0.0


def test_policy_defaults_follow_posthog() -> None:
    policy = FetchPolicy()
    assert (policy.timeout_seconds, policy.max_fetches, policy.max_retries, policy.max_response_bytes) == (10.0, 5, 2, 1_000_000)
    assert policy.retry_statuses == frozenset({408, 429, 500, 502, 503, 504})
    assert (policy.backoff_base, policy.backoff_cap, policy.follow_redirects) == (1.0, 30.0, False)
    with pytest.raises(ValueError):
        FetchPolicy(timeout_seconds=0)
    with pytest.raises(ValueError):
        FetchPolicy(max_retries=-1)


# ---------------------------------------------------------------------------------------------------
# Real fetchers over the in-memory network (no sockets)


def fake_client(handler, policy: FetchPolicy | None = None, table: dict | None = None):
    network = FakeNetwork(handler)
    resolver_table = table or {"api.example.com": ["93.184.216.34"]}
    client = make_client(policy, resolver=lambda host, port: resolver_table[host], network_backend=network)
    return network, client


def test_fetcher_sends_exactly_what_was_built() -> None:
    network, client = fake_client(lambda r: (200, {"Content-Type": "application/json"}, '{"ok": true}'))
    fetcher = Fetcher(client=client)
    request = build_request(URL + "?a=1", {"headers": {"X-Key": "k"}, "body": {"n": 1}})
    response = fetcher.fetch(request)
    assert to_hog_response(response) == {"status": 200, "body": {"ok": True}}
    sent = network.requests[0]
    assert (sent.address, sent.port, sent.method, sent.target) == ("93.184.216.34", 443, "POST", "/v1/items?a=1")
    assert sent.header("x-key") == "k" and sent.header("host") == "api.example.com"
    assert sent.header("user-agent") == "hoglite-fetch/0.1"
    assert sent.body == b'{"n":1}' and sent.header("content-length") == "7"
    assert network.tls_hostnames == ["api.example.com"]


def test_connections_are_pooled_per_host() -> None:
    network, client = fake_client(lambda r: (200, {}, "ok"))
    fetcher = Fetcher(FetchPolicy(max_fetches=None), client=client)
    for _ in range(3):
        fetcher.fetch(build_request(URL, {"method": "GET"}))
    assert network.connects == [("93.184.216.34", 443)]
    assert len(network.requests) == 3


def test_transport_failure_retries_then_errors() -> None:
    import httpcore

    def refuse(request):
        raise httpcore.ConnectError("connection refused")

    _, client = fake_client(refuse)
    sleeps: list[float] = []
    fetcher = Fetcher(client=client, sleep=sleeps.append, random=lambda: 0.0)
    with pytest.raises(FetchTransportError) as info:
        fetcher.fetch(build_request(URL))
    assert sleeps == [1.0, 2.0]
    assert info.value.message == "fetch failed after 3 attempts: ConnectError: connection refused"
    assert len(info.value.attempt_log) == 3


def test_408_is_retried_and_400_is_not() -> None:
    statuses = iter([408, 200, 400])
    _, client = fake_client(lambda r: (next(statuses), {}, ""))
    sleeps: list[float] = []
    fetcher = Fetcher(client=client, sleep=sleeps.append, random=lambda: 0.0)
    assert fetcher.fetch(build_request(URL)).status == 200
    bad = fetcher.fetch(build_request(URL))
    assert bad.status == 400 and bad.attempts == 1
    assert sleeps == [1.0]


def test_async_fetcher_over_the_fake_network() -> None:
    network = FakeNetwork(lambda r: (503, {"Retry-After": "1"}, "down") if len(network.requests) == 1 else
                          (200, {}, '{"v": [1, 2]}'))
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario() -> FetchResponse:
        client = make_async_client(resolver=lambda h, p: ["93.184.216.34"], network_backend=AsyncFakeNetwork(network))
        async with client:
            fetcher = AsyncFetcher(client=client, sleep=record)
            return await fetcher.fetch(build_request(URL))

    response = asyncio.run(scenario())
    assert to_hog_response(response) == {"status": 200, "body": {"v": [1, 2]}}
    assert sleeps == [1.0]
    assert network.connects == [("93.184.216.34", 443)]  # the keep-alive connection was reused


# ---------------------------------------------------------------------------------------------------
# MockFetcher


def test_mock_default_is_posthogs_empty_200_and_calls_are_recorded() -> None:
    mock = MockFetcher()
    first = build_request(URL, {"body": {"a": 1}})
    second = build_request("https://other.example/x", {"method": "GET"})
    assert to_hog_response(mock.fetch(first)) == {"status": 200, "body": {}}
    mock.fetch(second)
    assert mock.calls == [first, second]
    assert [(c.method, c.url, c.headers, c.body) for c in mock.calls] == [
        ("POST", URL, {"Content-Type": "application/json"}, '{"a":1}'),
        ("GET", "https://other.example/x", {"Content-Type": "application/json"}, None),
    ]


def test_mock_exact_pattern_and_function_routes() -> None:
    mock = MockFetcher()
    mock.add_pattern(r"https://api\.example\.com/contacts/\d+", {"status": 404, "body": None}, method="put")
    mock.add(re2.compile(r"https://api\.example\.com/.*"), {"status": 202, "body": "pattern"})
    mock.add(URL, FetchResponse(status=200, body={"exact": True}))
    mock.add(lambda r: r.method == "DELETE", lambda r: {"status": 204, "body": f"deleted {r.url}"})
    assert mock.fetch(build_request(URL)).body == {"exact": True}  # exact URLs win over patterns
    assert mock.fetch(build_request(URL + "/x")).body == "pattern"
    assert mock.fetch(build_request("https://api.example.com/contacts/7", {"method": "PUT"})).status == 404
    assert mock.fetch(build_request("https://api.example.com/contacts/7", {"method": "GET"})).status == 202
    assert mock.fetch(build_request("https://z.example/", {"method": "DELETE"})).body == "deleted https://z.example/"
    assert mock.fetch(build_request("https://unmatched.example/")).body == {}
    mock.add(re.compile(r".*/py-re"), {"status": 201})
    assert mock.fetch(build_request("https://a.example/py-re")).status == 201


def test_mock_sequences_and_errors() -> None:
    mock = MockFetcher(default=None)
    mock.add(URL, [{"status": 429, "body": ""}, {"status": 200, "body": {"id": 1}}])
    mock.add("https://down.example/", {"error": "connection refused"})
    assert [mock.fetch(build_request(URL)).status for _ in range(3)] == [429, 200, 200]
    with pytest.raises(FetchTransportError) as info:
        mock.fetch(build_request("https://down.example/"))
    assert info.value.message == "fetch failed (mocked): connection refused"
    with pytest.raises(FetchRequestError) as missing:
        mock.fetch(build_request("https://nowhere.example/"))
    assert missing.value.message == "fetch url: no mock response for POST https://nowhere.example/"
    assert len(mock.calls) == 5


def test_mock_max_fetches_and_new_invocation() -> None:
    mock = MockFetcher(max_fetches=2)
    mock.fetch(build_request(URL))
    mock.fetch(build_request(URL))
    with pytest.raises(FetchLimitError) as info:
        mock.fetch(build_request(URL))
    assert info.value.message == "fetch limit reached: at most 2 fetch calls per invocation (this was call 3)"
    fresh = mock.new_invocation()
    assert fresh.calls == [] and fresh.routes is mock.routes
    fresh.fetch(build_request(URL))


def test_async_mock_shares_routes_and_calls() -> None:
    mock = MockFetcher({URL: {"status": 201, "body": {"made": True}}})
    view = mock.as_async()
    response = asyncio.run(view.fetch(build_request(URL)))
    assert response.status == 201 and view.calls is mock.calls and len(mock.calls) == 1
    standalone = AsyncMockFetcher(default={"status": 204})
    assert asyncio.run(standalone.fetch(build_request(URL))).status == 204


def test_mock_rejects_bad_response_specs() -> None:
    with pytest.raises(MockFileError) as info:
        MockFetcher().add(URL, {"status": 700})
    assert str(info.value) == "responses[0].status: status must be an integer from 100 to 599, got 700"
    with pytest.raises(MockFileError):
        MockFetcher().add(URL, {"status": 200, "bdy": {}})
    with pytest.raises(ValueError):
        MockFetcher().add_pattern("(", {"status": 200})
    with pytest.raises(TypeError):
        MockFetcher().add(3, {"status": 200})


MOCK_FILE = {
    "default": {"status": 200, "body": {}},
    "routes": [
        {"url": "https://api.intercom.io/contacts/search", "method": "POST",
         "response": {"status": 200, "body": {"total_count": 1, "data": [{"id": "c1"}]}}},
        {"pattern": r"https://api\.intercom\.io/contacts/.*", "method": "PUT",
         "responses": [{"status": 429, "body": ""}, {"status": 200, "body": {"id": "c1"}, "headers": {"X-A": "1"}}]},
        {"url": "https://down.example/", "response": {"error": "connection refused"}},
    ],
}


def test_mock_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mock.json"
    path.write_text(json.dumps(MOCK_FILE))
    mock = MockFetcher.from_file(path)
    search = mock.fetch(build_request("https://api.intercom.io/contacts/search", {"body": {"q": 1}}))
    assert to_hog_response(search) == {"status": 200, "body": {"total_count": 1, "data": [{"id": "c1"}]}}
    put = build_request("https://api.intercom.io/contacts/c1", {"method": "PUT"})
    assert [mock.fetch(put).status, mock.fetch(put).status] == [429, 200]
    assert mock.to_json() == MOCK_FILE


def test_mock_file_short_form(tmp_path: Path) -> None:
    path = tmp_path / "short.json"
    path.write_text(json.dumps({URL: {"status": 201, "body": "made"}}))
    mock = MockFetcher.from_file(path)
    assert to_hog_response(mock.fetch(build_request(URL))) == {"status": 201, "body": "made"}
    assert mock.fetch(build_request("https://else.example/")).body == {}


@pytest.mark.parametrize(("data", "message"), [
    ([], "the mock file must hold a JSON object"),
    ({"routes": [], "extra": 1}, "unknown key(s) ['extra']"),
    ({"routes": {}}, "routes: routes must be a list"),
    ({"routes": [{"url": URL}]}, "routes[0]: a route needs exactly one of 'response' and 'responses'"),
    ({"routes": [{"response": {}}]}, "routes[0]: a route needs exactly one of 'url' and 'pattern'"),
    ({"routes": [{"url": URL, "pattern": ".*", "response": {}}]}, "routes[0]: a route needs exactly one of 'url' and 'pattern'"),
    ({"routes": [{"url": URL, "response": {"status": "200"}}]},
     "routes[0].response.status: status must be an integer from 100 to 599, got '200'"),
    ({"routes": [{"url": URL, "responses": []}]}, "routes[0].responses: responses must be a non-empty list"),
    ({"routes": [{"pattern": "(", "response": {}}]}, "routes[0].pattern: invalid URL pattern '(': missing ): ("),
    ({"routes": [{"url": URL, "response": {"status": 200, "headers": {"a": 1}}}]},
     "routes[0].response.headers: headers must be an object of strings"),
    ({"routes": [{"url": URL, "response": {"error": 5}}]}, "routes[0].response: an error response is exactly {'error': '<detail>'}"),
    ({"default": "x"}, "default: a response must be an object like {'status': 200, 'body': {}}, got str"),
    ({"not a url": {}}, "not a url: expected {'routes': [...], 'default': ...} or a map of URLs to responses; "
                        "'not a url' is not a URL"),
])
def test_mock_file_errors_name_the_field(tmp_path: Path, data: object, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(MockFileError) as info:
        MockFetcher.from_file(path)
    field = info.value.field
    assert str(info.value) == (f"{path}:{message}" if field else f"{path}: {message}")
    assert info.value.file == str(path)


def test_mock_file_unreadable_or_not_json(tmp_path: Path) -> None:
    with pytest.raises(MockFileError) as info:
        MockFetcher.from_file(tmp_path / "missing.json")
    assert str(info.value) == f"{tmp_path / 'missing.json'}: cannot read the mock file: No such file or directory"
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(MockFileError) as info:
        MockFetcher.from_file(bad)
    assert str(info.value) == f"{bad}: not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"


def test_recording_fetcher_produces_a_replayable_mock() -> None:
    source = MockFetcher(default=None)
    source.add(URL, [{"status": 500, "body": "e"}, {"status": 200, "body": {"ok": 1}}])
    source.add("https://down.example/", {"error": "refused"})
    recorder = RecordingFetcher(source)
    recorder.fetch(build_request(URL))
    recorder.fetch(build_request(URL))
    with pytest.raises(FetchTransportError):
        recorder.fetch(build_request("https://down.example/"))
    replay = recorder.to_mock()
    assert [replay.fetch(build_request(URL)).status for _ in range(3)] == [500, 200, 200]
    assert replay.to_json()["routes"] == [
        {"url": URL, "method": "POST", "responses": [{"status": 500, "body": "e", "headers": {}},
                                                     {"status": 200, "body": {"ok": 1}, "headers": {}}]},
        {"url": "https://down.example/", "method": "POST", "response": {"error": "fetch failed (mocked): refused"}},
    ]


def test_async_fetcher_caps_the_decoded_size() -> None:
    import gzip

    bomb = gzip.compress(b"0" * 5_000_000)
    network = FakeNetwork(lambda r: (200, {"Content-Encoding": "gzip"}, bomb))

    async def scenario() -> None:
        client = make_async_client(resolver=lambda h, p: ["93.184.216.34"], network_backend=AsyncFakeNetwork(network))
        async with client:
            await AsyncFetcher(FetchPolicy(max_response_bytes=10_000), client=client).fetch(build_request(URL))

    with pytest.raises(FetchLimitError) as info:
        asyncio.run(scenario())
    assert info.value.message == "fetch response body exceeds the limit of 10000 bytes"
    assert len(bomb) < 10_000  # small on the wire: only the decoded size can catch it


@pytest.mark.parametrize(("headers", "message"), [
    ({"Host": "internal.example"}, "fetch headers.Host: cannot be set by a template; the HTTP client sets it"),
    ({"X-A": "a\r\nB: c"}, "fetch headers.X-A: value contains a line break or control character"),
    ({"X-A": "☃"}, "fetch headers.X-A: value contains characters outside Latin-1; encode it first (for example "
                   "with encodeURLComponent)"),
    ({"X-A": 1}, "fetch headers: must be normalised by build_request (string values, no padding)"),
])
def test_fetcher_rechecks_hand_built_requests(headers: dict, message: str) -> None:
    network, client = fake_client(lambda r: (200, {}, ""))
    with pytest.raises(FetchRequestError) as info:
        Fetcher(client=client).fetch(FetchRequest(url=URL, headers=headers))
    assert str(info.value) == message
    assert network.connects == []


@pytest.mark.parametrize("method", ["CONNECT", "get", "GET /x HTTP/1.1\r\n"])
def test_fetcher_rechecks_the_method(method: str) -> None:
    network, client = fake_client(lambda r: (200, {}, ""))
    with pytest.raises(FetchRequestError) as info:
        Fetcher(client=client).fetch(FetchRequest(url=URL, method=method))
    assert info.value.field == "method"
    assert network.connects == []
