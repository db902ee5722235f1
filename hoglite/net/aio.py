"""An httpcore network backend written directly on asyncio's transports, for the guarded async client.

httpcore's default async backend goes through anyio. For many small requests on kept-alive
connections that costs more than the HTTP work itself: every read and write opens an anyio cancel
scope, and httpcore's pool asks every idle connection `is_readable` before each request, which
anyio answers by building a dict of socket attributes (with a `getpeername` system call) and
polling the socket. Here:

* reads and writes use the transport and a small protocol object; a timeout is one `call_later`;
* `is_readable` is answered from the protocol's own state: asyncio reads every socket it watches as
  soon as data or EOF arrives, so a server that closed an idle connection has already been seen
  (for TLS this is better than polling the raw socket, which also wakes for session tickets);
* the request head and a small body are sent with one `send` instead of two: writes are held until
  the next read (httpcore always reads the response next), or the next loop iteration at the latest,
  or until 64 KiB are waiting.

Only the socket layer changes. `connect_tcp` is called by `AsyncGuardedBackend` with an address the
guard has already checked, and it never resolves names (`AI_NUMERICHOST`), so the connection goes
to exactly that address. TLS (SNI and certificate checks against the URL's host name) is asyncio's
`start_tls` with httpcore's SSL context.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any

import httpcore

_WRITE_COALESCE_LIMIT = 64 * 1024  # bytes held back to merge with the next write
_READ_PAUSE_AT = 256 * 1024  # unread bytes at which the transport stops reading from the socket
_TIMED_OUT = object()


class _StreamProtocol(asyncio.Protocol):
    """Buffers what arrives and wakes the one reader or writer waiting on this connection."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.read_waiter: asyncio.Future[Any] | None = None
        self.drain_waiter: asyncio.Future[Any] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered >= _READ_PAUSE_AT and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None and self.error is None:
            self.error = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_writer()

    def _wake_reader(self) -> None:
        waiter = self.read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.reading_paused and self.buffered < _READ_PAUSE_AT // 2 and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return chunk


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)


async def _wait(waiter: asyncio.Future[Any], timeout: float | None) -> bool:
    """Wait for `waiter`; False when `timeout` seconds passed first."""
    if timeout is None:
        await waiter
        return True
    handle = asyncio.get_running_loop().call_later(max(timeout, 0.0), _expire, waiter)
    try:
        return await waiter is not _TIMED_OUT
    finally:
        handle.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection."""

    def __init__(self, transport: asyncio.Transport, protocol: _StreamProtocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._flush_scheduled = False

    # -- writing -----------------------------------------------------------------------------------

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._check_writable()
        self._pending.append(bytes(buffer))
        self._pending_size += len(buffer)
        if self._pending_size >= _WRITE_COALESCE_LIMIT:
            await self._flush(timeout)
        elif not self._flush_scheduled:
            # Normally the read that follows sends it; this bounds the wait when nothing reads.
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_soon)

    def _check_writable(self) -> None:
        if self._protocol.error is not None:
            raise httpcore.WriteError(f"connection lost: {self._protocol.error}")
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")

    def _send_pending(self) -> None:
        if self._pending:
            data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
            self._pending.clear()
            self._pending_size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def _flush_soon(self) -> None:
        self._flush_scheduled = False
        self._send_pending()

    async def _flush(self, timeout: float | None) -> None:
        if not self._pending:
            return
        self._check_writable()
        self._send_pending()
        protocol = self._protocol
        if protocol.writing_paused and protocol.error is None:
            waiter = asyncio.get_running_loop().create_future()
            protocol.drain_waiter = waiter
            try:
                if not await _wait(waiter, timeout):
                    raise httpcore.WriteTimeout("timed out sending the request")
            finally:
                protocol.drain_waiter = None
            if protocol.error is not None:
                raise httpcore.WriteError(f"connection lost: {protocol.error}")

    # -- reading -----------------------------------------------------------------------------------

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._pending:
            # As httpcore does for a failed write: still read, the server may have answered first.
            with contextlib.suppress(httpcore.WriteError):
                await self._flush(timeout)
        protocol = self._protocol
        if not protocol.chunks and not protocol.eof:
            waiter = asyncio.get_running_loop().create_future()
            protocol.read_waiter = waiter
            try:
                timed_out = not await _wait(waiter, timeout)
            finally:
                protocol.read_waiter = None
            if timed_out and not protocol.chunks and not protocol.eof:
                raise httpcore.ReadTimeout("timed out reading the response")
        if protocol.chunks:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise httpcore.ReadError(f"connection lost: {protocol.error}")
        return b""  # the server closed the connection

    # -- the rest ----------------------------------------------------------------------------------

    async def aclose(self) -> None:
        self._pending.clear()
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        await self._flush(timeout)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._protocol, ssl_context,
                                                 server_hostname=server_hostname,
                                                 ssl_handshake_timeout=timeout if timeout and timeout > 0 else None)
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out during the TLS handshake") from None
        except (OSError, ssl.SSLError, EOFError) as exc:  # ssl.SSLError and ConnectionError are OSErrors
            self._transport.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from None
        if transport is None:  # pragma: no cover - asyncio returns None only when the transport closed
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._protocol.transport = transport  # flow control now goes through the TLS layer
        return AsyncioStream(transport, self._protocol)  # type: ignore[arg-type]

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Readable while idle means the server sent something or closed: the connection is done.
            protocol = self._protocol
            return bool(protocol.chunks) or protocol.eof or protocol.error is not None
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connects to address literals only (the guard above it has resolved and checked the name)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _StreamProtocol, host, port, flags=socket.AI_NUMERICHOST,
                    local_addr=(local_address, 0) if local_address else None)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host} port {port}") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from None
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not supported")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
