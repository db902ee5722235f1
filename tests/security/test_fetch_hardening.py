"""Fetch hardening against a real HTTP server on 127.0.0.1 (started here, allow-listed per test).

Nothing in this file sends traffic anywhere but 127.0.0.1: redirect targets elsewhere are refused by
the guard before any connection is made. Retries use an injected sleep, so no test waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import ssl
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from security_support import self_signed_certificate as _self_signed

from hoglite.net.errors import FetchBlockedError, FetchLimitError, FetchRequestError, FetchTransportError
from hoglite.net.fetch import (
    AsyncFetcher,
    Fetcher,
    FetchPolicy,
    build_request,
    error_to_hog_response,
    to_hog_response,
)

HITS: Counter[str] = Counter()
HITS_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              chunked: bool = False) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 65536):
                piece = body[start:start + 65536]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        key = query.get("key", parts.path)
        with HITS_LOCK:
            HITS[key] += 1
            hit = HITS[key]
        path = parts.path
        if path == "/echo":
            data = {"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                    "body": body.decode("utf-8")}
            self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json"})
        elif path == "/login":
            self._send(200, b"{}", {"Set-Cookie": "session=alice; Path=/"})
        elif path == "/text":
            self._send(200, b"plain text, not JSON")
        elif path == "/empty":
            self._send(202)
        elif path == "/redirect":
            self._send(302, b"", {"Location": query.get("to", "http://169.254.169.254/latest/meta-data/")})
        elif path == "/status":
            self._send(int(query["code"]), json.dumps({"error": "nope"}).encode())
        elif path == "/flaky":
            # Fails `fail` times with `status` (and Retry-After when given), then answers 200.
            if hit <= int(query.get("fail", "0")):
                headers = {"Retry-After": query["retry_after"]} if "retry_after" in query else {}
                self._send(int(query.get("status", "503")), b"busy", headers)
            else:
                self._send(200, b'{"ok":true}', {"Content-Type": "application/json"})
        elif path == "/big":
            self._send(200, b"x" * int(query["size"]), chunked=query.get("chunked") == "1")
        elif path == "/gzip":
            packed = gzip.compress(b"x" * int(query["size"]), compresslevel=9)
            self._send(200, packed, {"Content-Encoding": "gzip"}, chunked=True)
        elif path == "/deflate":
            data = b'{"deflated":true}'
            packed = zlib.compress(data) if query.get("raw") != "1" else zlib.compress(data)[2:-4]
            self._send(200, packed, {"Content-Encoding": "deflate"})
        elif path == "/encoded":
            self._send(200, b"\x1b\x00garbage", {"Content-Encoding": query["enc"]})
        elif path == "/sleep":
            time.sleep(float(query["seconds"]))
            self._send(200, b"late")
        elif path == "/close":
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
        else:
            self._send(404)

    def _safe_handle(self) -> None:
        # The client hangs up on purpose in some tests (size cap, timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._handle()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _safe_handle


class QuietServer(ThreadingHTTPServer):
    """Does not print tracebacks for clients that hang up on purpose (size cap, timeout, TLS refusal)."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ssl.SSLError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def hits(key: str) -> int:
    with HITS_LOCK:
        return HITS[key]


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


LOCAL = FetchPolicy().allowing("127.0.0.1")


def local_fetcher(policy: FetchPolicy = LOCAL, **kwargs) -> tuple[Fetcher, Sleeps]:
    sleeps = Sleeps()
    return Fetcher(policy, sleep=sleeps, random=lambda: 0.25, **kwargs), sleeps


# ---------------------------------------------------------------------------------------------------


def test_local_server_is_blocked_unless_allow_listed(server: str) -> None:
    with Fetcher(FetchPolicy()) as fetcher, pytest.raises(FetchBlockedError) as info:
        fetcher.fetch(build_request(f"{server}/echo?key=blocked"))
    assert info.value.message == "fetch blocked: 127.0.0.1 is not a public address (loopback)"
    assert hits("blocked") == 0


def test_default_post_with_json_body_and_default_content_type(server: str) -> None:
    fetcher, _ = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/echo", {"body": {"event": "$pageview", "n": 1.0}}))
    assert response.status == 200
    assert response.body["method"] == "POST"
    assert response.body["body"] == '{"event":"$pageview","n":1}'
    assert response.body["headers"]["Content-Type"] == "application/json"
    assert response.body["headers"]["Host"] == server.removeprefix("http://")
    assert response.attempts == 1 and response.attempt_log == []


def test_text_and_empty_bodies(server: str) -> None:
    fetcher, _ = local_fetcher()
    with fetcher:
        text = fetcher.fetch(build_request(f"{server}/text", {"method": "GET"}))
        empty = fetcher.fetch(build_request(f"{server}/empty"))
    assert to_hog_response(text) == {"status": 200, "body": "plain text, not JSON"}
    assert to_hog_response(empty) == {"status": 202, "body": ""}


def test_redirect_to_private_address_is_not_followed(server: str) -> None:
    fetcher, sleeps = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/redirect?key=redir1", {"method": "GET"}))
    assert response.status == 302
    assert response.body == ""
    assert response.headers["location"] == "http://169.254.169.254/latest/meta-data/"
    assert hits("redir1") == 1 and sleeps == []


def test_redirect_hops_are_guarded_even_when_following_is_enabled(server: str) -> None:
    policy = FetchPolicy(follow_redirects=True).allowing("127.0.0.1")
    fetcher, _ = local_fetcher(policy)
    with fetcher, pytest.raises(FetchBlockedError) as info:
        fetcher.fetch(build_request(f"{server}/redirect?key=redir2", {"method": "GET"}))
    assert info.value.message == "fetch blocked: 169.254.169.254 is not a public address (link-local (cloud metadata))"
    assert hits("redir2") == 1


def test_redirect_to_odd_loopback_spelling_is_guarded(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    policy = FetchPolicy(follow_redirects=True).allowing("127.0.0.1")
    fetcher, _ = local_fetcher(policy)
    with fetcher, pytest.raises(FetchBlockedError) as info:
        fetcher.fetch(build_request(f"{server}/redirect?key=redir3&to=http://2130706434:{port}/echo", {"method": "GET"}))
    assert info.value.message == "fetch blocked: '2130706434' resolves to 127.0.0.2, which is not a public address (loopback)"


def test_429_with_retry_after_is_retried(server: str) -> None:
    fetcher, sleeps = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/flaky?key=r429&fail=2&status=429&retry_after=3"))
    assert response.status == 200 and response.body == {"ok": True}
    assert sleeps == [3.0, 3.0]
    assert response.attempts == 3
    assert response.attempt_log == [
        "HTTP fetch failed on attempt 1 with status code 429. Retrying in 3000ms.",
        "HTTP fetch failed on attempt 2 with status code 429. Retrying in 3000ms.",
    ]
    assert hits("r429") == 3


def test_503_retry_after_is_capped_and_final_response_is_delivered(server: str) -> None:
    fetcher, sleeps = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/flaky?key=r503&fail=99&status=503&retry_after=120"))
    assert sleeps == [30.0, 30.0]  # Retry-After 120 s capped at backoff_cap
    assert to_hog_response(response) == {"status": 503, "body": "busy"}
    assert response.attempt_log == [
        "HTTP fetch failed on attempt 1 with status code 503. Retrying in 30000ms.",
        "HTTP fetch failed on attempt 2 with status code 503. Retrying in 30000ms.",
        "HTTP fetch failed on attempt 3 with status code 503.",
    ]
    assert hits("r503") == 3


def test_backoff_without_retry_after_uses_base_times_attempt_plus_jitter(server: str) -> None:
    fetcher, sleeps = local_fetcher(FetchPolicy(max_retries=3, backoff_base=1.0, backoff_cap=2.5).allowing("127.0.0.1"))
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/flaky?key=rjit&fail=3&status=500"))
    assert response.status == 200
    assert sleeps == [1.25, 2.25, 2.5]  # min(1*n + 0.25*1, 2.5)


def test_retry_after_http_date(server: str) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    fetcher, sleeps = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/flaky?key=rdate&fail=1&status=503&retry_after={when}"))
    assert response.status == 200
    assert sleeps == [30.0]


def test_retries_stop_at_the_deadline(server: str) -> None:
    fetcher, sleeps = local_fetcher(clock=lambda: 100.0)
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/flaky?key=rdead&fail=9&status=502&retry_after=5"),
                                 deadline=104.0)
    assert response.status == 502 and sleeps == []
    assert response.attempt_log == ["HTTP fetch failed on attempt 1 with status code 502."]


def test_4xx_is_not_retried_but_logged(server: str) -> None:
    fetcher, sleeps = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/status?code=404&key=s404"))
    assert to_hog_response(response) == {"status": 404, "body": {"error": "nope"}}
    assert response.attempt_log == ["HTTP fetch failed on attempt 1 with status code 404."]
    assert sleeps == [] and hits("s404") == 1


def test_oversized_body_with_content_length_is_a_clear_error(server: str) -> None:
    fetcher, sleeps = local_fetcher(FetchPolicy(max_response_bytes=1000).allowing("127.0.0.1"))
    with fetcher, pytest.raises(FetchLimitError) as info:
        fetcher.fetch(build_request(f"{server}/big?size=1001&key=big1", {"method": "GET"}))
    assert info.value.message == "fetch response body exceeds the limit of 1000 bytes"
    assert info.value.limit == "max_response_bytes"
    assert sleeps == [] and hits("big1") == 1


def test_oversized_chunked_body_is_cut_off(server: str) -> None:
    fetcher, _ = local_fetcher()  # default cap: 1 000 000 bytes
    with fetcher, pytest.raises(FetchLimitError) as info:
        fetcher.fetch(build_request(f"{server}/big?size=3000000&chunked=1", {"method": "GET"}))
    assert info.value.message == "fetch response body exceeds the limit of 1000000 bytes"


def test_body_at_the_limit_is_fine(server: str) -> None:
    fetcher, _ = local_fetcher(FetchPolicy(max_response_bytes=1000).allowing("127.0.0.1"))
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/big?size=1000&chunked=1", {"method": "GET"}))
    assert response.body == "x" * 1000


def test_gzip_bomb_is_stopped_by_the_decoded_size(server: str) -> None:
    fetcher, _ = local_fetcher()
    with fetcher, pytest.raises(FetchLimitError) as info:
        # About 20 KB on the wire, 20 MB decoded: refused once 1 MB has been inflated.
        fetcher.fetch(build_request(f"{server}/gzip?size=20000000", {"method": "GET"}))
    assert info.value.message == "fetch response body exceeds the limit of 1000000 bytes"


def test_gzip_and_deflate_bodies_are_decoded(server: str) -> None:
    fetcher, _ = local_fetcher(FetchPolicy(max_fetches=None).allowing("127.0.0.1"))
    with fetcher:
        assert fetcher.fetch(build_request(f"{server}/gzip?size=1000", {"method": "GET"})).body == "x" * 1000
        assert fetcher.fetch(build_request(f"{server}/deflate", {"method": "GET"})).body == {"deflated": True}
        assert fetcher.fetch(build_request(f"{server}/deflate?raw=1", {"method": "GET"})).body == {"deflated": True}


@pytest.mark.parametrize(("encoding", "reason"), [
    ("br", "unsupported Content-Encoding 'br'"),
    ("gzip, br", "unsupported Content-Encoding 'gzip, br'"),
    ("gzip", "cannot decode the compressed body (Error -3 while decompressing data: incorrect header check)"),
])
def test_undecodable_body_becomes_null_with_a_log_line(server: str, encoding: str, reason: str) -> None:
    fetcher, _ = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/encoded?enc={encoding}", {"method": "GET"}))
    assert to_hog_response(response) == {"status": 200, "body": None}
    assert response.attempt_log == [f"Failed to parse response body: {reason}"]


def test_connection_dropped_is_retried_then_a_transport_error(server: str) -> None:
    fetcher, sleeps = local_fetcher()
    with fetcher, pytest.raises(FetchTransportError) as info:
        fetcher.fetch(build_request(f"{server}/close?key=drop"))
    assert sleeps == [1.25, 2.25]
    assert hits("drop") == 3
    error = info.value
    assert error.attempts == 3 and error.retryable is True
    assert error.message == "fetch failed after 3 attempts: RemoteProtocolError: Server disconnected without sending a response."
    assert error.attempt_log == [
        "HTTP fetch failed on attempt 1 with status code (none). Error: RemoteProtocolError: Server disconnected "
        "without sending a response. Retrying in 1250ms.",
        "HTTP fetch failed on attempt 2 with status code (none). Error: RemoteProtocolError: Server disconnected "
        "without sending a response. Retrying in 2250ms.",
        "HTTP fetch failed on attempt 3 with status code (none). Error: RemoteProtocolError: Server disconnected "
        "without sending a response.",
    ]
    assert error_to_hog_response(error) == {
        "status": 500,
        "body": "FetchTransportError: fetch failed after 3 attempts: RemoteProtocolError: Server disconnected "
                "without sending a response.",
    }


def test_timeout_is_a_transport_error(server: str) -> None:
    policy = FetchPolicy(timeout_seconds=0.2, max_retries=0).allowing("127.0.0.1")
    fetcher, _ = local_fetcher(policy)
    with fetcher, pytest.raises(FetchTransportError) as info:
        fetcher.fetch(build_request(f"{server}/sleep?seconds=1", {"method": "GET"}))
    assert info.value.message == "fetch failed after 1 attempt: ReadTimeout: timed out"


def test_request_timeout_option_lowers_the_timeout(server: str) -> None:
    policy = FetchPolicy(max_retries=0).allowing("127.0.0.1")
    fetcher, _ = local_fetcher(policy)
    with fetcher, pytest.raises(FetchTransportError):
        fetcher.fetch(build_request(f"{server}/sleep?seconds=1", {"method": "GET", "timeoutMs": 200}))


@pytest.mark.parametrize(("headers", "field", "message"), [
    ({"X-Note": "a\r\nInjected: yes"}, "headers.X-Note", "value contains a line break or control character"),
    ({"X-Note": "a\nInjected: yes"}, "headers.X-Note", "value contains a line break or control character"),
    ({"X-Note": "a\rb"}, "headers.X-Note", "value contains a line break or control character"),
    ({"X-Note": "a\x00b"}, "headers.X-Note", "value contains a line break or control character"),
    ({"X-Note\r\nInjected": "yes"}, "headers.X-Note\\r\\nInjected",
     "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"),
    ({"X Note": "yes"}, "headers.X Note", "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"),
    ({"": "yes"}, "headers.", "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"),
    ({"X-Name": "Zoë ☃"}, "headers.X-Name",
     "value contains characters outside Latin-1; encode it first (for example with encodeURLComponent)"),
])
def test_header_injection_is_refused(server: str, headers: dict, field: str, message: str) -> None:
    with pytest.raises(FetchRequestError) as info:
        build_request(f"{server}/echo", {"headers": headers})
    assert info.value.field == field
    assert info.value.message == f"fetch {field}: {message}"


@pytest.mark.parametrize("name", ["Host", "host", "Content-Length", "Transfer-Encoding", "Connection",
                                  "CONNECTION", "Keep-Alive", "Upgrade", "TE", "Trailer", "Proxy-Connection"])
def test_forbidden_headers_are_refused(server: str, name: str) -> None:
    with pytest.raises(FetchRequestError) as info:
        build_request(f"{server}/echo", {"headers": {name: "x"}})
    assert info.value.field == f"headers.{name}"
    assert info.value.message == f"fetch headers.{name}: cannot be set by a template; the HTTP client sets it"


def test_duplicate_headers_differing_in_case_are_refused(server: str) -> None:
    with pytest.raises(FetchRequestError) as info:
        build_request(f"{server}/echo", {"headers": {"content-type": "a", "Content-Type": "b"}})
    assert info.value.message == "fetch headers.Content-Type: is given twice (also as 'content-type')"


def test_custom_headers_arrive_unchanged(server: str) -> None:
    fetcher, _ = local_fetcher()
    with fetcher:
        response = fetcher.fetch(build_request(f"{server}/echo", {"method": "put", "headers": {
            "Authorization": "Bearer abc", "X-Count": 3, "X-Latin": "café"}, "body": "raw text"}))
    echoed = response.body
    assert echoed["method"] == "PUT"
    assert echoed["body"] == "raw text"
    assert echoed["headers"]["Authorization"] == "Bearer abc"
    assert "X-Count" not in echoed["headers"]  # non-string values are dropped (PostHog)
    assert "Content-Type" not in echoed["headers"]  # headers given: no default added
    assert echoed["headers"]["X-Latin"].encode("latin-1").decode("latin-1") == "café"


def test_max_fetches_per_invocation(server: str) -> None:
    fetcher, _ = local_fetcher()
    with fetcher:
        for _ in range(5):
            assert fetcher.fetch(build_request(f"{server}/echo?key=max5")).status == 200
        with pytest.raises(FetchLimitError) as info:
            fetcher.fetch(build_request(f"{server}/echo?key=max5"))
        assert info.value.message == "fetch limit reached: at most 5 fetch calls per invocation (this was call 6)"
        assert info.value.limit == "max_fetches"
        assert hits("max5") == 5
        nxt = fetcher.new_invocation()
        assert nxt.fetch(build_request(f"{server}/echo?key=max5")).status == 200
        assert nxt.fetch_count == 1
        assert nxt.client is fetcher.client  # the pooled client is shared
    resumed = Fetcher(LOCAL, fetches_done=5)
    with pytest.raises(FetchLimitError):
        resumed.fetch(build_request(f"{server}/echo?key=max5"))
    assert hits("max5") == 6


def test_cookies_set_by_one_invocation_are_not_sent_by_the_next(server: str) -> None:
    fetcher, _ = local_fetcher()
    fetcher.fetch(build_request(f"{server}/login", {"method": "GET"}))
    echoed = fetcher.new_invocation().fetch(build_request(f"{server}/echo", {"method": "GET"})).body
    assert "Cookie" not in echoed["headers"]
    fetcher.close()


def test_blocked_fetch_still_counts_towards_the_limit(server: str) -> None:
    fetcher = Fetcher(FetchPolicy(max_fetches=1))
    with pytest.raises(FetchBlockedError):
        fetcher.fetch(build_request(f"{server}/echo"))
    with pytest.raises(FetchLimitError):
        fetcher.fetch(build_request(f"{server}/echo"))


def test_async_fetcher_against_the_local_server(server: str) -> None:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario() -> tuple:
        async with AsyncFetcher(LOCAL, sleep=fake_sleep, random=lambda: 0.5) as fetcher:
            ok = await fetcher.fetch(build_request(f"{server}/flaky?key=async1&fail=1&status=429&retry_after=2"))
            redirect = await fetcher.fetch(build_request(f"{server}/redirect", {"method": "GET"}))
            with pytest.raises(FetchLimitError):
                await fetcher.fetch(build_request(f"{server}/big?size=2000000", {"method": "GET"}))
            return ok, redirect

    ok, redirect = asyncio.run(scenario())
    assert to_hog_response(ok) == {"status": 200, "body": {"ok": True}}
    assert ok.attempt_log == ["HTTP fetch failed on attempt 1 with status code 429. Retrying in 2000ms."]
    assert sleeps == [2.0]
    assert redirect.status == 302


def test_async_fetcher_blocks_loopback_by_default(server: str) -> None:
    async def scenario() -> None:
        async with AsyncFetcher() as fetcher:
            await fetcher.fetch(build_request(f"{server}/echo?key=async-blocked"))

    with pytest.raises(FetchBlockedError):
        asyncio.run(scenario())
    assert hits("async-blocked") == 0


def test_async_timeout_covers_the_whole_exchange(server: str) -> None:
    async def scenario() -> None:
        policy = FetchPolicy(timeout_seconds=0.2, max_retries=0).allowing("127.0.0.1")
        async with AsyncFetcher(policy) as fetcher:
            await fetcher.fetch(build_request(f"{server}/sleep?seconds=1", {"method": "GET"}))

    with pytest.raises(FetchTransportError) as info:
        asyncio.run(scenario())
    assert info.value.message.startswith("fetch failed after 1 attempt: ReadTimeout: ")


# ---------------------------------------------------------------------------------------------------
# TLS: connecting to the checked address keeps certificate checks on the URL's host name


def test_https_to_a_name_pinned_to_the_checked_address(tmp_path) -> None:
    import ssl

    cert, key = _self_signed(tmp_path, "pinned.test")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    seen_sni: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    client_context = ssl.create_default_context(cafile=cert)
    resolved: list[str] = []

    def resolver(host: str, port_: int) -> list[str]:
        resolved.append(host)
        return ["127.0.0.1"]

    policy = FetchPolicy(max_retries=0, allow_networks=frozenset({"127.0.0.1/32"}))
    try:
        with Fetcher(policy, resolver=resolver, verify=client_context) as fetcher:
            response = fetcher.fetch(build_request(f"https://pinned.test:{port}/echo", {"method": "GET"}))
            assert response.status == 200
            assert response.body["headers"]["Host"] == f"pinned.test:{port}"
            # Same address, other name: the certificate does not match, so the handshake fails.
            with pytest.raises(FetchTransportError) as info:
                fetcher.fetch(build_request(f"https://other.test:{port}/echo", {"method": "GET"}))
            assert "CERTIFICATE_VERIFY_FAILED" in info.value.message
        assert resolved == ["pinned.test", "other.test"]
        assert seen_sni[0] == "pinned.test"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
