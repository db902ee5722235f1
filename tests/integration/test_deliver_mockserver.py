"""A local stand-in for Intercom's API, with injected failures, for delivery tests and benchmarks.

    python tests/integration/test_deliver_mockserver.py [--port 0] [--latency 0.0] [--no-failures]

prints `http://127.0.0.1:<port>` and serves until killed; `GET /_stats` returns the counters.

Behaviour by the number N in the contact's email (`user<N>@...`):

* `POST /contacts/search` answers `{total_count: 1, data: [{id}]}`, except: N % 43 == 0 answers
  `total_count: 0` (the template then fails for good: "No unique contact found"), and N % 5 == 0
  gets a 429 with `Retry-After: 0` on its first search.
* `POST /events` answers 202 with an empty body and records the delivery, except: N % 7 == 0 gets
  a 503 with `Retry-After: 1` on its first attempt, and N % 41 == 0 always gets a 503 (so the
  retries run out and the event is dead-lettered).

This module also tests the server itself, so it is collected by pytest like the other test files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import socket
import sys
import threading
import urllib.request
from collections import Counter
from typing import Any

EMAIL_NUMBER = re.compile(r"user(\d+)@")


class IntercomState:
    def __init__(self, *, failures: bool = True, latency: float = 0.0, search_latency: float = 0.0) -> None:
        self.failures = failures
        self.latency = latency
        self.search_latency = search_latency
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.attempts: Counter[tuple[str, str]] = Counter()  # (path, email) -> attempts
        self.delivered: Counter[str] = Counter()  # email -> successful /events posts
        self.search_attempts: Counter[str] = Counter()
        self.searches_started = 0  # searches that arrived while search_latency was set

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": dict(self.requests), "delivered": dict(self.delivered),
                    "search_attempts": dict(self.search_attempts)}

    def answer(self, path: str, body: Any) -> tuple[int, dict[str, str], bytes]:
        if path == "/contacts/search":
            email = str(((body or {}).get("query") or {}).get("value") or "")
        else:
            email = str((body or {}).get("email") or "")
        match = EMAIL_NUMBER.search(email)
        number = int(match.group(1)) if match else 1
        with self.lock:
            self.requests[path] += 1
            self.attempts[(path, email)] += 1
            attempt = self.attempts[(path, email)]
            if path == "/contacts/search":
                self.search_attempts[email] += 1
        if path == "/contacts/search":
            if self.failures and number % 5 == 0 and attempt == 1:
                return 429, {"Retry-After": "0"}, b'{"type":"error.list","errors":[{"code":"rate_limit_exceeded"}]}'
            total = 0 if self.failures and number % 43 == 0 else 1
            data = [{"type": "contact", "id": f"c{number}"}] if total else []
            return 200, {}, json.dumps({"type": "list", "total_count": total, "data": data}).encode()
        if path == "/events":
            if self.failures and (number % 41 == 0 or (number % 7 == 0 and attempt == 1)):
                return 503, {"Retry-After": "1"}, b'{"type":"error.list","errors":[{"code":"service_unavailable"}]}'
            with self.lock:
                self.delivered[email] += 1
            return 202, {}, b""
        return 404, {}, b'{"type":"error.list","errors":[{"code":"not_found"}]}'


REASONS = {200: "OK", 202: "Accepted", 404: "Not Found", 429: "Too Many Requests", 503: "Service Unavailable"}


async def _serve_connection(state: IntercomState, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 with keep-alive, just enough for the fetcher: Content-Length bodies, no chunking."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            raw = await reader.readexactly(length) if length else b""
            if method == "GET" and path == "/_stats":
                status, extra, payload = 200, {}, json.dumps(state.stats()).encode()
            else:
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                if state.latency:
                    await asyncio.sleep(state.latency)
                status, extra, payload = state.answer(path, body)  # counted on arrival
                if path == "/contacts/search" and state.search_latency:
                    with state.lock:
                        state.searches_started += 1
                    await asyncio.sleep(state.search_latency)  # a slow answer to an idempotent request
            head_lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "Content-Type: application/json",
                          f"Content-Length: {len(payload)}", *(f"{k}: {v}" for k, v in extra.items())]
            writer.write(("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1") + payload)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


class IntercomServer:
    """The server on 127.0.0.1, on its own event loop in a background thread (a context manager)."""

    def __init__(self, *, port: int = 0, **options: Any) -> None:
        self.state = IntercomState(**options)
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    def __enter__(self) -> IntercomServer:
        self.thread.start()

        async def start() -> asyncio.base_events.Server:
            return await asyncio.start_server(lambda r, w: _serve_connection(self.state, r, w), "127.0.0.1",
                                              self.port, backlog=1024)

        self.server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self.server is not None
            self.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def _post(url: str, body: Any) -> tuple[int, str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a local test server
            text = response.read().decode()
            return response.status, response.headers.get("Retry-After"), json.loads(text) if text else ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After"), json.loads(error.read().decode())


def test_mock_server_answers_and_fails_as_documented() -> None:
    with IntercomServer() as server:
        search = {"query": {"field": "email", "operator": "=", "value": "user5@example.com"}}
        assert _post(server.url + "/contacts/search", search)[:2] == (429, "0")
        status, _, body = _post(server.url + "/contacts/search", search)
        assert (status, body["total_count"]) == (200, 1)
        assert _post(server.url + "/events", {"email": "user7@example.com"})[:2] == (503, "1")
        assert _post(server.url + "/events", {"email": "user7@example.com"}) == (202, None, "")
        assert _post(server.url + "/events", {"email": "user41@example.com"})[0] == 503
        assert _post(server.url + "/contacts/search", {"query": {"value": "user43@x.io"}})[2]["total_count"] == 0
        assert server.state.stats()["delivered"] == {"user7@example.com": 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--no-failures", action="store_true", help="answer every request successfully")
    args = parser.parse_args(argv)
    with IntercomServer(port=args.port, failures=not args.no_failures, latency=args.latency) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
