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
import json
import re
import sys
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
            if self.search_latency:
                time.sleep(self.search_latency)
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


def make_handler(state: IntercomState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path == "/_stats":
                self._send(200, {}, json.dumps(state.stats()).encode())
            else:
                self._send(404, {}, b"{}")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            if state.latency:
                time.sleep(state.latency)
            status, headers, payload = state.answer(self.path, body)
            self._send(status, headers, payload)

    return Handler


class IntercomServer:
    """The server on 127.0.0.1 in a background thread (use as a context manager)."""

    def __init__(self, **options: Any) -> None:
        self.state = IntercomState(**options)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.state))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> IntercomServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


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
    state = IntercomState(failures=not args.no_failures, latency=args.latency)
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state))
    httpd.daemon_threads = True
    print(f"http://127.0.0.1:{httpd.server_address[1]}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
