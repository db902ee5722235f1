"""An in-memory network for tests: an httpcore backend that serves HTTP/1.1 without any socket.

Put it under the guard (`make_client(policy, network_backend=FakeNetwork(handler))`) to exercise the
whole real path (argument normalisation, guard, pinning, httpx, retries, size caps) while proving
where connections would have gone: `connects` records every (address, port) the guard let through,
`tls_hostnames` every SNI name, `requests` every raw request.

`handler(request)` gets a `FakeHttpRequest` and returns `(status, headers, body)`; `body` may be bytes
or str. Raise `httpcore.ConnectError` from it to simulate a refused connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore


@dataclass
class FakeHttpRequest:
    """One request as it arrived on the (fake) wire."""

    address: str  # the IP the client connected to
    port: int
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    tls_hostname: str | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


Handler = Callable[[FakeHttpRequest], tuple[int, Iterable[tuple[str, str]] | dict[str, str], bytes | str]]


@dataclass
class _Exchange:
    network: FakeNetwork
    address: str
    port: int
    buffer: bytearray = field(default_factory=bytearray)
    pending: bytearray = field(default_factory=bytearray)
    tls_hostname: str | None = None
    closed: bool = False

    def write(self, data: bytes) -> None:
        self.buffer.extend(data)
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(self.buffer[:head_end]).decode("latin-1")
            lines = head.split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
            length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
            if len(self.buffer) < head_end + 4 + length:
                return
            body = bytes(self.buffer[head_end + 4: head_end + 4 + length])
            del self.buffer[: head_end + 4 + length]
            request = FakeHttpRequest(self.address, self.port, method, target, list(headers), body,  # type: ignore[arg-type]
                                      self.tls_hostname)
            self.network.requests.append(request)
            self.pending.extend(self.network.respond(request))

    def read(self, max_bytes: int) -> bytes:
        chunk = bytes(self.pending[:max_bytes])
        del self.pending[: len(chunk)]
        return chunk


class _FakeStream(httpcore.NetworkStream):
    def __init__(self, exchange: _Exchange) -> None:
        self.exchange = exchange

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.exchange.read(max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.exchange.write(buffer)

    def close(self) -> None:
        self.exchange.closed = True

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        self.exchange.tls_hostname = server_hostname
        self.exchange.network.tls_hostnames.append(server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


class _AsyncFakeStream(httpcore.AsyncNetworkStream):
    def __init__(self, exchange: _Exchange) -> None:
        self.exchange = exchange

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.exchange.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.exchange.write(buffer)

    async def aclose(self) -> None:
        self.exchange.closed = True

    async def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        self.exchange.tls_hostname = server_hostname
        self.exchange.network.tls_hostnames.append(server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


class FakeNetwork(httpcore.NetworkBackend):
    """Serves every connection with `handler`; records connects, TLS names and requests."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connects: list[tuple[str, int]] = []
        self.tls_hostnames: list[str | None] = []
        self.requests: list[FakeHttpRequest] = []

    def respond(self, request: FakeHttpRequest) -> bytes:
        status, headers, body = self.handler(request)
        data = body.encode("utf-8") if isinstance(body, str) else body
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
        if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in pairs):
            pairs.append(("Content-Length", str(len(data))))
        head = f"HTTP/1.1 {status} Fake\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
        return head.encode("latin-1") + data

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        self.connects.append((host, port))
        return _FakeStream(_Exchange(self, host, port))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("no unix sockets on the fake network")

    def sleep(self, seconds: float) -> None:
        return None


class AsyncFakeNetwork(httpcore.AsyncNetworkBackend):
    """The async twin of FakeNetwork (shares its recording and handler when given one)."""

    def __init__(self, handler: Handler | FakeNetwork) -> None:
        self.network = handler if isinstance(handler, FakeNetwork) else FakeNetwork(handler)

    @property
    def connects(self) -> list[tuple[str, int]]:
        return self.network.connects

    @property
    def tls_hostnames(self) -> list[str | None]:
        return self.network.tls_hostnames

    @property
    def requests(self) -> list[FakeHttpRequest]:
        return self.network.requests

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        self.network.connects.append((host, port))
        return _AsyncFakeStream(_Exchange(self.network, host, port))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets on the fake network")

    async def sleep(self, seconds: float) -> None:
        return None
