"""The cheap paths of fetch (cached URL checks, header snapshot, JSON via the C encoder, direct httpx
request building) give exactly the answers of the full paths, and never skip a check they must make."""

from __future__ import annotations

import asyncio
import dataclasses
import math

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoglite.net import codec
from hoglite.net.errors import FetchBlockedError, FetchRequestError
from hoglite.net.fakenet import FakeNetwork
from hoglite.net.fetch import (
    Fetcher,
    FetchPolicy,
    FetchRequest,
    build_request,
    make_async_client,
    make_client,
)
from hoglite.net.guard import (
    URL_CHECK_CACHE_MAX_LENGTH,
    URL_CHECK_CACHE_SIZE,
    _check_url_syntax_cached,
    check_url_syntax,
    clear_url_check_cache,
)
from hoglite.vm.values import HogDateTime

URL = "https://api.intercom.io/contacts/search"
HEADERS = {"Content-Type": "application/json", "Intercom-Version": "2.11", "Accept": "application/json",
           "Authorization": "Bearer TOKEN"}


# -- URL check cache ---------------------------------------------------------------------------------


def test_url_checks_are_cached_by_exact_text() -> None:
    clear_url_check_cache()
    first = check_url_syntax(URL)
    assert check_url_syntax(URL) is first
    assert _check_url_syntax_cached.cache_info().hits == 1
    assert _check_url_syntax_cached.cache_info().maxsize == URL_CHECK_CACHE_SIZE
    assert first.http_url == httpx.URL(first.url)
    # Another spelling is another key, checked on its own.
    assert check_url_syntax("https://API.intercom.io/contacts/search").host == "api.intercom.io"
    assert _check_url_syntax_cached.cache_info().currsize == 2


def test_bad_urls_raise_a_fresh_error_every_time() -> None:
    errors = []
    for _ in range(2):
        with pytest.raises(FetchRequestError) as info:
            check_url_syntax("ftp://example.com/")
        errors.append(info.value)
    assert errors[0] is not errors[1]  # errors are mutated later (attempt_log), never shared
    assert str(errors[0]) == str(errors[1]) == "fetch url: Scheme must be either HTTP or HTTPS (got 'ftp')"


def test_long_urls_and_str_subclasses_are_checked_without_the_cache() -> None:
    class Text(str):
        pass

    clear_url_check_cache()
    long_url = "https://example.com/?q=" + "a" * URL_CHECK_CACHE_MAX_LENGTH
    assert check_url_syntax(long_url).url == long_url
    assert check_url_syntax(Text(URL)).host == "api.intercom.io"
    assert _check_url_syntax_cached.cache_info().currsize == 0


def test_odd_ipv4_spellings_are_still_rewritten_through_the_cache() -> None:
    for _ in range(2):
        assert build_request("http://0x7f000001/x").url == "http://127.0.0.1/x"


# -- headers: validated once, re-validated when changed ---------------------------------------------


def fake_fetcher() -> tuple[FakeNetwork, Fetcher]:
    network = FakeNetwork(lambda request: (200, {}, "{}"))
    policy = FetchPolicy()
    client = make_client(policy, resolver=lambda host, port: ["93.184.216.34"], network_backend=network)
    return network, Fetcher(policy, client=client)


def test_headers_edited_after_build_request_are_checked_again() -> None:
    network, fetcher = fake_fetcher()
    request = build_request(URL, {"headers": dict(HEADERS), "body": {"a": 1}})
    request.headers["Host"] = "internal.example"
    with pytest.raises(FetchRequestError) as info:
        fetcher.fetch(request)
    assert str(info.value) == "fetch headers.Host: cannot be set by a template; the HTTP client sets it"
    assert network.connects == []


def test_a_hand_built_request_with_padded_values_is_refused() -> None:
    network, fetcher = fake_fetcher()
    with pytest.raises(FetchRequestError) as info:
        fetcher.fetch(FetchRequest(url=URL, headers={"X-A": " padded "}))
    assert str(info.value) == "fetch headers: must be normalised by build_request (string values, no padding)"
    assert network.connects == []


def test_a_replaced_url_is_checked_again() -> None:
    network, fetcher = fake_fetcher()
    request = dataclasses.replace(build_request(URL, {"headers": HEADERS}), url="http://169.254.169.254/")
    with pytest.raises(FetchBlockedError):
        fetcher.fetch(request)
    assert network.connects == []


@pytest.mark.parametrize(("value", "sent"), [("a\tb", "a\tb"), ("  café ", "café"), ("plain", "plain")])
def test_header_values_outside_printable_ascii_get_the_full_rules(value: str, sent: str) -> None:
    assert build_request(URL, {"headers": {"X-A": value}}).headers == {"X-A": sent}


def test_header_name_cache_does_not_admit_bad_names() -> None:
    for _ in range(2):
        assert build_request(URL, {"headers": {"X-Good": "1"}}).headers == {"X-Good": "1"}
        with pytest.raises(FetchRequestError):
            build_request(URL, {"headers": {"Transfer-Encoding": "chunked"}})
        with pytest.raises(FetchRequestError):
            build_request(URL, {"headers": {"Bad Name": "1"}})


# -- the httpx request ------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    {"headers": HEADERS, "body": {"query": {"value": "a@b.c"}}},
    {"headers": {"User-Agent": "mine", "accept": "text/plain"}, "method": "GET"},
    {},
    {"method": "PUT", "body": "raw text", "headers": {"Accept-Encoding": "identity"}},
])
def test_built_httpx_request_matches_httpx_own(options: dict) -> None:
    request = build_request(URL, options)
    target = check_url_syntax(request.url)
    fetcher = Fetcher()
    for client in (make_client(), make_async_client()):
        ours = fetcher._build(client, request, target, 3.0)
        body = request.body.encode() if isinstance(request.body, str) else request.body
        theirs = client.build_request(request.method, request.url, headers=list(request.headers.items()),
                                      content=body, timeout=fetcher._timeouts(3.0))
        assert (ours.method, ours.url, ours.headers.raw, ours.content, ours.extensions) == \
               (theirs.method, theirs.url, theirs.headers.raw, theirs.content, theirs.extensions)
        if isinstance(client, httpx.AsyncClient):
            asyncio.run(client.aclose())
        else:
            client.close()


# -- JSON bodies ------------------------------------------------------------------------------------


def slow_stringify(value: object) -> str:
    out: list[str] = []
    codec._write(value, out, set(), 0)
    return "".join(out)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_fast_json_equals_the_writer(value: object) -> None:
    assert codec.js_stringify(value) == slow_stringify(value)


@pytest.mark.parametrize(("value", "text"), [
    ({"t": 1704067200.0, "r": 0.5, "tiny": 1e-7, "big": 1e21}, '{"t":1704067200,"r":0.5,"tiny":1e-7,"big":1e+21}'),
    ({"s": "\ud83d\ude00 \ud800 é \x00\x1f"}, '{"s":"\U0001F600 \\ud800 é \\u0000\\u001f"}'),
    ([2**53, 2**53 + 1, -0.0, math.inf], "[9007199254740992,9007199254740992,0,null]"),
    ({1: "a"}, '{"1":"a"}'),
])
def test_values_that_differ_from_python_json_take_the_writer(value: object, text: str) -> None:
    assert codec.js_stringify(value) == text


def test_hog_dates_cycles_and_depth_keep_their_handling() -> None:
    stamp = HogDateTime(1.5)
    assert codec.js_stringify({"when": stamp}) == '{"when":{"__hogDateTime__":true,"dt":1.5,"zone":"UTC"}}'
    loop: list = []
    loop.append(loop)
    with pytest.raises(codec.JsonEncodeError, match="contains itself"):
        codec.js_stringify({"a": loop})
    deep: list = []
    for _ in range(600):
        deep = [deep]
    with pytest.raises(codec.JsonEncodeError, match="nested more than 512"):
        codec.js_stringify(deep)
    shallow: list = []
    for _ in range(100):  # past the fast path's depth, within the writer's
        shallow = [shallow]
    assert codec.js_stringify(shallow) == "[" * 101 + "]" * 101
