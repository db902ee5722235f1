"""A fetcher that never touches the network: canned responses, and a record of every call.

Used by template tests, the playground's "mock" mode and `hoglite ... --mock FILE`.

Routes answer by exact URL, by URL pattern (RE2, matched against the whole URL) or by a function of
the request. Exact-URL routes are tried first, then the others in the order they were added; a route
may be limited to one method. A route's response is a `FetchResponse`, a dict `{status, body,
headers?}`, a function of the request returning either, or a list of those (each call takes the next,
the last one repeats). A response dict `{"error": "<detail>"}` simulates a request that got no
response (a `FetchTransportError`). Calls no route answers get the default response, PostHog's
`{status: 200, body: {}}`, unless the default is None, in which case they fail with a clear error.

The mock file format (`--mock FILE`, `MockFetcher.from_file`) is JSON:

    {
      "default": {"status": 200, "body": {}},
      "routes": [
        {"url": "https://api.example.com/search", "method": "POST",
         "response": {"status": 200, "body": {"total_count": 1}}},
        {"pattern": "https://api\\\\.example\\\\.com/contacts/.*",
         "responses": [{"status": 429, "body": ""}, {"status": 200, "body": {"id": "c1"}}]},
        {"url": "https://down.example.com/", "response": {"error": "connection refused"}}
      ]
    }

`default` is optional (null = unmatched calls fail), `method` is optional, and each route has exactly
one of `url`/`pattern` and one of `response`/`responses`. A response's `body` is exactly what Hog
sees (a string stays a string). The short form `{"<url>": {status, body}, ...}` (PostHog's Python
harness `fetch_responses`) is accepted too. `MockFetcher.to_json()` writes the long form, and
`RecordingFetcher` produces one from real traffic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import re2

from hoglite.errors import HogliteError
from hoglite.net.errors import FetchLimitError, FetchRequestError, FetchTransportError
from hoglite.net.fetch import FetchRequest, FetchResponse

ResponseFn = Callable[[FetchRequest], Any]
DEFAULT_RESPONSE = {"status": 200, "body": {}}
_RESPONSE_KEYS = frozenset({"status", "body", "headers"})


class MockFileError(HogliteError):
    """A mock-response file is malformed; `field` is the JSON path of the bad part."""

    code = "mock_file"

    def __init__(self, message: str, *, field: str | None = None, file: str | None = None) -> None:
        where = ":".join(part for part in (file, field) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.detail = message
        self.field = field
        self.file = file

    @property
    def kind(self) -> str:
        return "mock file error"


def _check_response(data: Any, where: str) -> dict[str, Any]:
    """Validate one response spec dict; returns it (shared by the loader and `add`)."""
    if not isinstance(data, dict):
        raise MockFileError(f"a response must be an object like {{'status': 200, 'body': {{}}}}, got {type(data).__name__}",
                            field=where)
    if "error" in data:
        if set(data) != {"error"} or not isinstance(data["error"], str):
            raise MockFileError("an error response is exactly {'error': '<detail>'}", field=where)
        return data
    if not _RESPONSE_KEYS.issuperset(data):
        unknown = set(data) - _RESPONSE_KEYS
        raise MockFileError(f"unknown key(s) {sorted(unknown)}; a response has status, body and headers", field=where)
    status = data.get("status", 200)
    if type(status) is not int and (isinstance(status, bool) or not isinstance(status, int)) \
            or not 100 <= status <= 599:
        raise MockFileError(f"status must be an integer from 100 to 599, got {status!r}", field=f"{where}.status")
    headers = data.get("headers")
    if headers is None and "headers" not in data:
        return data  # checked on every answer (a route's dict may be edited): the common case is short
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise MockFileError("headers must be an object of strings", field=f"{where}.headers")
    return data


def _materialise(spec: Any, request: FetchRequest) -> FetchResponse:
    if type(spec) is not dict:  # a plain dict (the usual spec) is neither callable nor a FetchResponse
        if callable(spec):
            spec = spec(request)
        if isinstance(spec, FetchResponse):
            return FetchResponse(status=spec.status, body=spec.body, headers=dict(spec.headers))
    data = _check_response(spec, "response")
    if "error" in data:
        raise FetchTransportError(f"fetch failed (mocked): {data['error']}")
    return FetchResponse(status=data.get("status", 200), body=data.get("body"), headers=dict(data.get("headers", {})))


@dataclass
class MockRoute:
    """One route: how it matches, what it answers, and how often it has answered."""

    kind: str  # "url" | "pattern" | "function"
    match: Any  # the URL, the compiled pattern, or the predicate
    responses: list[Any]
    method: str | None = None
    hits: int = 0
    source: str | None = None  # the pattern text, for to_json

    def matches(self, request: FetchRequest) -> bool:
        if self.method is not None and request.method != self.method:
            return False
        if self.kind == "url":
            return request.url == self.match
        if self.kind == "pattern":
            return self.match.fullmatch(request.url) is not None
        return bool(self.match(request))

    def next_response(self) -> Any:
        index = min(self.hits, len(self.responses) - 1)
        self.hits += 1
        return self.responses[index]


class MockFetcher:
    """Answers fetches from routes and records every call (in order) in `.calls`."""

    def __init__(self, routes: Any = None, *, default: Any = DEFAULT_RESPONSE, max_fetches: int | None = None) -> None:
        self.routes: list[MockRoute] = []
        self.calls: list[FetchRequest] = []
        self.default: Any = dict(default) if isinstance(default, dict) else default
        self.max_fetches = max_fetches
        if isinstance(routes, dict):
            for url, response in routes.items():
                self.add(url, response)
        elif routes is not None:
            for route in routes:
                if isinstance(route, MockRoute):
                    self.routes.append(route)
                else:
                    self.add(*route)

    # -- building -----------------------------------------------------------------------------------

    def add(self, match: Any, response: Any, *, method: str | None = None) -> MockFetcher:
        """Answer `match` (exact URL str, compiled pattern, or predicate) with `response`. Chainable."""
        if isinstance(match, str):
            kind, source = "url", None
        elif hasattr(match, "fullmatch") and hasattr(match, "pattern"):
            kind, source = "pattern", match.pattern
        elif callable(match):
            kind, source = "function", None
        else:
            raise TypeError(f"a mock route matches a URL string, a compiled pattern or a function, not {match!r}")
        responses = list(response) if isinstance(response, list) else [response]
        if not responses:
            raise ValueError("a mock route needs at least one response")
        for index, spec in enumerate(responses):
            if isinstance(spec, dict):
                _check_response(spec, f"responses[{index}]")
        self.routes.append(MockRoute(kind=kind, match=match, responses=responses,
                                     method=method.upper() if method else None, source=source))
        return self

    def add_pattern(self, pattern: str, response: Any, *, method: str | None = None) -> MockFetcher:
        """Answer every URL the RE2 `pattern` fully matches."""
        try:
            compiled = re2.compile(pattern)
        except re2.error as exc:
            detail = exc.args[0] if exc.args else exc
            if isinstance(detail, bytes):  # google-re2 reports its message as bytes
                detail = detail.decode("utf-8", "replace")
            raise ValueError(f"invalid URL pattern {pattern!r}: {detail}") from None
        return self.add(compiled, response, method=method)

    # -- answering ----------------------------------------------------------------------------------

    def _route_for(self, request: FetchRequest) -> MockRoute | None:
        url, method = request.url, request.method
        for route in self.routes:
            # MockRoute.matches for URL routes, inline (a subclass may override matches: ask it then)
            if route.kind == "url" and (route.match == url and (route.method is None or route.method == method)
                                        if type(route) is MockRoute else route.matches(request)):
                return route
        for route in self.routes:
            if route.kind != "url" and route.matches(request):
                return route
        return None

    def fetch(self, request: FetchRequest, *, deadline: float | None = None) -> FetchResponse:
        if self.max_fetches is not None and len(self.calls) >= self.max_fetches:
            raise FetchLimitError("max_fetches", f"fetch limit reached: at most {self.max_fetches} fetch calls "
                                  f"per invocation (this was call {len(self.calls) + 1})")
        self.calls.append(request)
        route = self._route_for(request)
        if route is not None:
            if type(route) is MockRoute:  # MockRoute.next_response, inline
                responses = route.responses
                spec = responses[min(route.hits, len(responses) - 1)]
                route.hits += 1
                return _materialise(spec, request)
            return _materialise(route.next_response(), request)
        if self.default is None:
            raise FetchRequestError("url", f"no mock response for {request.method} {request.url}",
                                    hint="add a route for it to the mock file, or set a default response")
        return _materialise(self.default, request)

    def new_invocation(self) -> MockFetcher:
        """A fresh call record and count over the same routes (route sequences keep their position)."""
        other = MockFetcher.__new__(MockFetcher)  # what __init__ makes of these arguments, without the checks
        other.routes = self.routes
        other.calls = []
        other.default = dict(self.default) if isinstance(self.default, dict) else self.default
        other.max_fetches = self.max_fetches
        return other

    def as_async(self) -> AsyncMockFetcher:
        """An async view sharing these routes and this call record."""
        return AsyncMockFetcher(self)

    # -- files --------------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Any, *, file: str | None = None) -> MockFetcher:
        if not isinstance(data, dict):
            raise MockFileError("the mock file must hold a JSON object", file=file)
        if "routes" not in data and "default" not in data:
            for url in data:
                if not url.startswith(("http://", "https://")):
                    raise MockFileError("expected {'routes': [...], 'default': ...} or a map of URLs to responses; "
                                        f"{url!r} is not a URL", field=url, file=file)
            data = {"routes": [{"url": url, "response": response} for url, response in data.items()]}
        unknown = set(data) - {"routes", "default"}
        if unknown:
            raise MockFileError(f"unknown key(s) {sorted(unknown)}", file=file)
        default = data.get("default", DEFAULT_RESPONSE)
        try:
            if default is not None:
                _check_response(default, "default")
            mock = cls(default=default)
            routes = data.get("routes", [])
            if not isinstance(routes, list):
                raise MockFileError("routes must be a list", field="routes")
            for index, route in enumerate(routes):
                mock._add_from_json(route, f"routes[{index}]")
        except MockFileError as exc:
            if file is not None and exc.file is None:
                raise MockFileError(exc.detail, field=exc.field, file=file) from None
            raise
        return mock

    def _add_from_json(self, route: Any, where: str) -> None:
        if not isinstance(route, dict):
            raise MockFileError("a route must be an object", field=where)
        unknown = set(route) - {"url", "pattern", "method", "response", "responses"}
        if unknown:
            raise MockFileError(f"unknown key(s) {sorted(unknown)}", field=where)
        if ("url" in route) == ("pattern" in route):
            raise MockFileError("a route needs exactly one of 'url' and 'pattern'", field=where)
        if ("response" in route) == ("responses" in route):
            raise MockFileError("a route needs exactly one of 'response' and 'responses'", field=where)
        method = route.get("method")
        if method is not None and not isinstance(method, str):
            raise MockFileError("method must be a string", field=f"{where}.method")
        if "responses" in route:
            responses = route["responses"]
            if not isinstance(responses, list) or not responses:
                raise MockFileError("responses must be a non-empty list", field=f"{where}.responses")
            for index, spec in enumerate(responses):
                _check_response(spec, f"{where}.responses[{index}]")
        else:
            responses = [_check_response(route["response"], f"{where}.response")]
        if "url" in route:
            if not isinstance(route["url"], str):
                raise MockFileError("url must be a string", field=f"{where}.url")
            self.add(route["url"], responses, method=method)
        else:
            try:
                self.add_pattern(route["pattern"], responses, method=method)
            except (ValueError, TypeError) as exc:
                raise MockFileError(str(exc), field=f"{where}.pattern") from None

    @classmethod
    def from_file(cls, path: str | Path) -> MockFetcher:
        """Load a mock file (format in the module docstring)."""
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise MockFileError(f"cannot read the mock file: {exc.strerror or exc}", file=name) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MockFileError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                file=name) from None
        return cls.from_json(data, file=name)

    def to_json(self) -> dict[str, Any]:
        """The file form of the URL and pattern routes with dict/FetchResponse answers (functions are skipped)."""
        routes: list[dict[str, Any]] = []
        for route in self.routes:
            if route.kind == "function" or any(callable(r) for r in route.responses):
                continue
            entry: dict[str, Any] = {"url": route.match} if route.kind == "url" else {"pattern": route.source}
            if route.method:
                entry["method"] = route.method
            specs = [r.to_json() if isinstance(r, FetchResponse) else dict(r) for r in route.responses]
            if len(specs) == 1:
                entry["response"] = specs[0]
            else:
                entry["responses"] = specs
            routes.append(entry)
        default = self.default.to_json() if isinstance(self.default, FetchResponse) else self.default
        return {"default": default, "routes": routes}


class AsyncMockFetcher:
    """`MockFetcher` with an async `fetch`, sharing the wrapped fetcher's routes and calls."""

    def __init__(self, mock: MockFetcher | None = None, **kwargs: Any) -> None:
        self.mock = mock if mock is not None else MockFetcher(**kwargs)

    @property
    def calls(self) -> list[FetchRequest]:
        return self.mock.calls

    def add(self, match: Any, response: Any, *, method: str | None = None) -> AsyncMockFetcher:
        self.mock.add(match, response, method=method)
        return self

    def add_pattern(self, pattern: str, response: Any, *, method: str | None = None) -> AsyncMockFetcher:
        self.mock.add_pattern(pattern, response, method=method)
        return self

    async def fetch(self, request: FetchRequest, *, deadline: float | None = None) -> FetchResponse:
        return self.mock.fetch(request, deadline=deadline)

    def new_invocation(self) -> AsyncMockFetcher:
        return AsyncMockFetcher(self.mock.new_invocation())


class RecordingFetcher:
    """Wraps a real (sync) fetcher and records what happened, for the playground's record mode."""

    def __init__(self, fetcher: Any) -> None:
        self.fetcher = fetcher
        self.calls: list[FetchRequest] = []
        # One outcome per call: the response, or the error's text for a request that got no response.
        self.outcomes: list[FetchResponse | str] = []

    def fetch(self, request: FetchRequest, *, deadline: float | None = None) -> FetchResponse:
        self.calls.append(request)
        try:
            response = self.fetcher.fetch(request, deadline=deadline)
        except FetchTransportError as exc:
            self.outcomes.append(exc.message)
            raise
        except Exception:
            self.calls.pop()  # refused before sending (guard, limits): nothing to replay
            raise
        self.outcomes.append(response)
        return response

    def to_mock(self) -> MockFetcher:
        """A MockFetcher replaying what was recorded (repeated URL+method pairs become sequences)."""
        grouped: dict[tuple[str, str], list[Any]] = {}
        for request, outcome in zip(self.calls, self.outcomes):
            spec: Any = ({"error": outcome} if isinstance(outcome, str) else
                         FetchResponse(status=outcome.status, body=outcome.body, headers=dict(outcome.headers)))
            grouped.setdefault((request.url, request.method), []).append(spec)
        mock = MockFetcher(default=None)
        for (url, method), responses in grouped.items():
            mock.add(url, responses, method=method)
        return mock
