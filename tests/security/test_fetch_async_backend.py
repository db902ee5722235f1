"""The async fetch path over hoglite.net.aio's asyncio backend, against real sockets on 127.0.0.1.

The guarantees of the anyio path must hold here too: connections go only to addresses the guard
checked (names pinned, TLS verified against the URL's name), kept-alive connections are reused, a
server that closed an idle connection is noticed before the connection is reused, timeouts fire, and
big bodies in either direction arrive intact.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpcore
import pytest
from security_support import self_signed_certificate as _self_signed

from hoglite.net.aio import AsyncioBackend, AsyncioStream
from hoglite.net.errors import FetchBlockedError, FetchTransportError
from hoglite.net.fetch import AsyncFetcher, FetchPolicy, build_request, make_async_client
from hoglite.net.guard import AddressGuard, AsyncGuardedBackend

LOCAL = FetchPolicy(max_retries=0).allowing("127.0.0.1")


class RawServer:
    """HTTP/1.1 with keep-alive on its own event loop thread. Paths:

    /echo -> JSON {method, path, headers, body_length}; /close-soon -> answers, then closes the
    connection 50 ms later (a server's keep-alive timeout); /big?size=N -> N bytes; /hang -> never
    answers; /login -> sets a cookie; /slow -> answers after 50 ms.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.connections = 0
        self.requests: list[tuple[str, dict[str, str], int]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                length = int(headers.get("Content-Length") or 0)
                body = await reader.readexactly(length) if length else b""
                self.requests.append((target, headers, len(body)))
                path, _, query = target.partition("?")
                if path == "/hang":
                    await asyncio.sleep(3600)
                extra = ""
                if path == "/login":
                    extra = "Set-Cookie: session=alice; Path=/\r\n"
                if path == "/slow":
                    await asyncio.sleep(0.05)
                if path == "/big":
                    payload = b"x" * int(query.split("=")[1])
                else:
                    payload = json.dumps({"method": method, "path": target, "headers": headers,
                                          "body_length": len(body)}).encode()
                writer.write(f"HTTP/1.1 200 OK\r\n{extra}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
                await writer.drain()
                if path == "/close-soon":
                    await asyncio.sleep(0.05)
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def __enter__(self) -> RawServer:
        self.thread.start()

        async def start() -> asyncio.base_events.Server:
            return await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)

        self.server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=10)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"


@pytest.fixture()
def server() -> Iterator[RawServer]:
    with RawServer() as running:
        yield running


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_the_default_async_backend_on_asyncio_is_the_native_one() -> None:
    backend = AsyncGuardedBackend(AddressGuard())

    async def inner() -> Any:
        return backend.inner

    assert isinstance(run(inner()), AsyncioBackend)


def test_kept_alive_connection_is_reused(server: RawServer) -> None:
    async def scenario() -> list[Any]:
        async with AsyncFetcher(LOCAL) as fetcher:
            return [await fetcher.new_invocation().fetch(build_request(f"{server.url}/echo?n={n}", {"body": {"n": n}}))
                    for n in range(10)]

    responses = run(scenario())
    assert [r.body["path"] for r in responses] == [f"/echo?n={n}" for n in range(10)]
    assert [r.body["body_length"] for r in responses] == [len(f'{{"n":{n}}}') for n in range(10)]
    assert all(r.status == 200 and r.attempts == 1 for r in responses)
    assert server.connections == 1


def test_request_head_and_body_leave_in_one_write(server: RawServer) -> None:
    async def scenario() -> tuple[list[bytes], bytes]:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=5)
        assert isinstance(stream, AsyncioStream)
        transport = stream._transport
        sent: list[bytes] = []
        original = transport.write
        transport.write = lambda data: (sent.append(bytes(data)), original(data))[1]  # type: ignore[method-assign]
        await stream.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", timeout=5)
        await stream.write(b"hello", timeout=5)
        assert sent == []  # held back until the response is read
        answer = await stream.read(65536, timeout=5)
        await stream.aclose()
        return sent, answer

    sent, answer = run(scenario())
    assert sent == [b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"]
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["body_length"] == 5


def test_held_back_write_goes_out_without_a_read(server: RawServer) -> None:
    async def scenario() -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=5)
        await stream.write(b"GET /echo?unread HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if server.requests:
                break
        await stream.aclose()

    run(scenario())
    assert [target for target, _, _ in server.requests] == ["/echo?unread"]


def test_server_closing_an_idle_connection_is_noticed_before_reuse(server: RawServer) -> None:
    async def scenario() -> tuple[Any, Any, bool]:
        async with AsyncFetcher(LOCAL) as fetcher:
            first = await fetcher.fetch(build_request(f"{server.url}/close-soon", {"method": "GET"}))
            await asyncio.sleep(0.3)
            pool = fetcher.client._transport._pool  # type: ignore[attr-defined]
            readable = pool.connections[0]._connection._network_stream.get_extra_info("is_readable")
            second = await fetcher.fetch(build_request(f"{server.url}/echo", {"method": "GET"}))
            return first, second, readable

    first, second, readable = run(scenario())
    assert readable is True  # the EOF was seen while idle
    assert (first.status, second.status) == (200, 200)
    assert second.attempts == 1 and second.attempt_log == []  # no failed attempt on a dead connection
    assert server.connections == 2


def test_read_timeout(server: RawServer) -> None:
    async def scenario() -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=5)
        await stream.write(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        try:
            await stream.read(65536, timeout=0.1)
        finally:
            await stream.aclose()

    with pytest.raises(httpcore.ReadTimeout):
        run(scenario())


def test_fetch_timeout_on_a_hanging_server(server: RawServer) -> None:
    policy = FetchPolicy(timeout_seconds=0.2, max_retries=0).allowing("127.0.0.1")

    async def scenario() -> None:
        async with AsyncFetcher(policy) as fetcher:
            await fetcher.fetch(build_request(f"{server.url}/hang", {"method": "GET"}))

    with pytest.raises(FetchTransportError) as info:
        run(scenario())
    assert info.value.message.startswith("fetch failed after 1 attempt: ReadTimeout: ")


def test_big_bodies_both_ways(server: RawServer) -> None:
    policy = FetchPolicy(max_retries=0, max_response_bytes=5_000_000).allowing("127.0.0.1")

    async def scenario() -> tuple[Any, Any]:
        async with AsyncFetcher(policy) as fetcher:
            upload = await fetcher.fetch(build_request(f"{server.url}/echo", {"body": "y" * 300_000}))
            download = await fetcher.new_invocation().fetch(
                build_request(f"{server.url}/big?size=3000000", {"method": "GET"}))
            return upload, download

    upload, download = run(scenario())
    assert upload.body["body_length"] == 300_000
    assert download.body == "x" * 3_000_000


def test_refused_connection_is_a_transport_error() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there

    async def scenario() -> None:
        async with AsyncFetcher(LOCAL) as fetcher:
            await fetcher.fetch(build_request(f"http://127.0.0.1:{port}/", {"method": "GET"}))

    with pytest.raises(FetchTransportError) as info:
        run(scenario())
    assert "ConnectError" in info.value.message


def test_names_connect_only_to_checked_addresses(server: RawServer) -> None:
    table = {"svc.test": ["127.0.0.1"], "meta.test": ["169.254.169.254"], "mixed.test": ["127.0.0.1", "10.0.0.1"]}
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return table[host]

    policy = FetchPolicy(max_retries=0, allow_networks=frozenset({"127.0.0.1/32"}))

    async def scenario() -> tuple[Any, list[str]]:
        client = make_async_client(policy, resolver=resolver)
        errors = []
        async with AsyncFetcher(policy, client=client) as fetcher:
            ok = await fetcher.fetch(build_request(f"http://svc.test:{server.port}/echo", {"method": "GET"}))
            for name in ("meta.test", "mixed.test"):
                try:
                    await fetcher.new_invocation().fetch(build_request(f"http://{name}:{server.port}/echo"))
                except FetchBlockedError as error:
                    errors.append(error.message)
        await client.aclose()
        return ok, errors

    ok, errors = run(scenario())
    assert ok.body["headers"]["Host"] == f"svc.test:{server.port}"
    assert errors == [
        "fetch blocked: 'meta.test' resolves to 169.254.169.254, which is not a public address "
        "(link-local (cloud metadata))",
        "fetch blocked: 'mixed.test' resolves to 10.0.0.1, which is not a public address (private)",
    ]
    assert asked == ["svc.test", "meta.test", "mixed.test"]
    assert server.connections == 1


def test_https_is_pinned_verified_and_kept_alive(tmp_path: Any) -> None:
    cert, key = _self_signed(tmp_path, "pinned.test")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    seen_sni: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)  # type: ignore[assignment]
    policy = FetchPolicy(max_retries=0, allow_networks=frozenset({"127.0.0.1/32"}))

    async def scenario(port: int) -> tuple[list[Any], str]:
        client = make_async_client(policy, resolver=lambda host, port_: ["127.0.0.1"],
                                   verify=ssl.create_default_context(cafile=cert))
        async with AsyncFetcher(policy, client=client) as fetcher:
            responses = [await fetcher.new_invocation().fetch(
                build_request(f"https://pinned.test:{port}/echo?n={n}", {"method": "GET"})) for n in range(3)]
            with pytest.raises(FetchTransportError) as info:
                await fetcher.new_invocation().fetch(build_request(f"https://other.test:{port}/echo", {"method": "GET"}))
        await client.aclose()
        return responses, info.value.message

    with RawServer(server_context) as tls_server:
        responses, refusal = run(scenario(tls_server.port))
        connections = tls_server.connections
    assert [r.body["path"] for r in responses] == ["/echo?n=0", "/echo?n=1", "/echo?n=2"]
    assert responses[0].body["headers"]["Host"] == f"pinned.test:{tls_server.port}"
    assert "CERTIFICATE_VERIFY_FAILED" in refusal
    assert seen_sni == ["pinned.test", "other.test"]  # one handshake each: the first connection was kept
    assert connections == 1  # the refused handshake never reached the server's handler


def test_cookies_are_never_carried_between_requests(server: RawServer) -> None:
    async def scenario() -> Any:
        async with AsyncFetcher(LOCAL) as fetcher:
            await fetcher.fetch(build_request(f"{server.url}/login", {"method": "GET"}))
            return await fetcher.new_invocation().fetch(build_request(f"{server.url}/echo", {"method": "GET"}))

    assert "Cookie" not in run(scenario()).body["headers"]


def test_many_requests_share_a_small_pool(server: RawServer) -> None:
    """More requests in flight than connections: they wait for a free one; all are answered."""
    policy = FetchPolicy(max_retries=0, max_fetches=None).allowing("127.0.0.1")

    async def scenario() -> list[Any]:
        client = make_async_client(policy, max_connections=3, max_keepalive_connections=3)
        async with AsyncFetcher(policy, client=client) as fetcher:
            jobs = [fetcher.new_invocation().fetch(build_request(f"{server.url}/slow?n={n}", {"body": {"n": n}}))
                    for n in range(12)]
            answers = await asyncio.gather(*jobs)
        await client.aclose()
        return answers

    answers = run(scenario())
    assert sorted(a.body["path"] for a in answers) == sorted(f"/slow?n={n}" for n in range(12))
    assert server.connections == 3


def test_a_full_pool_closes_an_idle_connection_for_another_host(server: RawServer) -> None:
    policy = FetchPolicy(max_retries=0, max_fetches=None).allowing("127.0.0.1")
    with RawServer() as other:
        async def scenario() -> list[int]:
            client = make_async_client(policy, max_connections=1, max_keepalive_connections=1)
            async with AsyncFetcher(policy, client=client) as fetcher:
                statuses = []
                for base in (server.url, other.url, server.url):
                    response = await fetcher.fetch(build_request(f"{base}/echo", {"method": "GET"}))
                    statuses.append(response.status)
            await client.aclose()
            return statuses

        assert run(scenario()) == [200, 200, 200]
        assert (server.connections, other.connections) == (2, 1)
