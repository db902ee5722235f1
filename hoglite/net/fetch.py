"""Hog's `fetch`: the request and response model, argument normalisation, and the real fetchers.

* `build_request(url, options)` turns the Hog arguments into a `FetchRequest` with PostHog's rules
  (POST by default, `Content-Type: application/json` only when `headers` is absent, non-string header
  values dropped, a non-string body sent as JavaScript-style JSON, no body for GET/HEAD) and refuses
  bad values with a `FetchRequestError` naming the field.
* `Fetcher` (sync) and `AsyncFetcher` perform requests under a `FetchPolicy`: the address guard at
  connect time (see guard.py), per-request timeout, no redirects, a response-size cap, a per-invocation
  fetch count, and retries on 408/429/5xx and transport errors with backoff + jitter that honours
  `Retry-After` (capped). Sleep, randomness and the clock are injectable so tests are fast and exact.
* `to_hog_response(resp)` is the `{status, body}` dict PostHog hands to Hog.

A fetcher counts fetches for one invocation: make one per invocation with `fetcher.new_invocation()`,
which shares the (pooled) httpx client.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random as random_module
import re
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from hoglite.errors import FetchError
from hoglite.net.client import USER_AGENT as USER_AGENT  # re-exported: it moved to client.py
from hoglite.net.client import make_async_client, make_client
from hoglite.net.codec import NOT_JSON, JsonEncodeError, js_stringify, parse_json_text
from hoglite.net.errors import FetchBlockedError, FetchLimitError, FetchRequestError, FetchTransportError
from hoglite.net.guard import (
    AddressGuard,
    IPNetwork,
    Resolver,
    UrlTarget,
    check_url_syntax,
    parse_allow_entries,
)
from hoglite.vm.values import is_truthy, type_of

DEFAULT_HEADERS = {"Content-Type": "application/json"}
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_TIMEOUT_MS = 10_000  # PostHog caps options.timeoutMs here

# Headers a template may not set: they describe the connection or the message framing, which the
# HTTP client owns. Letting Hog code set them enables request smuggling or virtual-host confusion.
FORBIDDEN_HEADERS = frozenset({
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
    "trailer", "proxy-connection",
})
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
_PLAIN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})  # known good
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass
class FetchRequest:
    """One request as Hog asked for it (after normalisation). `body` is the exact text sent."""

    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | bytes | None = None
    timeout_seconds: float | None = None  # from options.timeoutMs (already capped at 10 s)
    # The header items build_request validated. A fetcher re-validates the headers unless they still
    # equal this snapshot (so a request edited or built elsewhere is checked again, a fresh one is not).
    _checked_headers: tuple[tuple[str, str], ...] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The shape PostHog stores as the invocation's `queueParameters` (plus `timeoutMs` when set)."""
        body = self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else self.body
        data: dict[str, Any] = {"url": self.url, "method": self.method, "headers": dict(self.headers), "body": body}
        if self.timeout_seconds is not None:
            data["timeoutMs"] = round(self.timeout_seconds * 1000)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FetchRequest:
        timeout_ms = data.get("timeoutMs")
        return cls(url=data["url"], method=data.get("method") or "POST", headers=dict(data.get("headers") or {}),
                   body=data.get("body"), timeout_seconds=None if timeout_ms is None else timeout_ms / 1000)


@dataclass
class FetchResponse:
    """An HTTP response. `body` is the parsed JSON when the text parses, else the text ("" when empty)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    attempts: int = 1
    # PostHog-style "HTTP fetch failed on attempt <n> ..." lines; the host logs them.
    attempt_log: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body, "headers": dict(self.headers)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FetchResponse:
        return cls(status=int(data.get("status", 200)), body=data.get("body"), headers=dict(data.get("headers") or {}))


@dataclass(frozen=True)
class FetchPolicy:
    """Everything a host decides about real fetches. Defaults follow PostHog (§5.3-5.5)."""

    timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 5.0
    max_fetches: int | None = 5  # per invocation; None = unlimited
    max_response_bytes: int = 1_000_000
    max_retries: int = 2  # PostHog: 3 attempts in total
    backoff_base: float = 1.0  # seconds; delay before attempt n+1 = min(base*n + random()*base, cap)
    backoff_cap: float = 30.0  # seconds; also caps Retry-After
    retry_statuses: frozenset[int] = RETRY_STATUSES
    allow_hosts: frozenset[str] = frozenset()  # names (or address literals) opened despite the guard
    allow_networks: frozenset[IPNetwork] = frozenset()  # networks opened despite the guard
    deny_hosts: frozenset[str] = frozenset()  # names refused (and their subdomains)
    allow_private_networks: bool = False  # switch the address check off (local development only)
    follow_redirects: bool = False  # PostHog never follows; a 3xx goes back to Hog as is
    max_redirects: int = 3  # only with follow_redirects; each hop is guarded again

    def __post_init__(self) -> None:
        hosts, nets = parse_allow_entries(str(h) for h in self.allow_hosts)
        extra = parse_allow_entries(str(n) for n in self.allow_networks)[1]
        object.__setattr__(self, "allow_hosts", hosts)
        object.__setattr__(self, "allow_networks", frozenset(nets | extra))
        object.__setattr__(self, "deny_hosts", frozenset(h.strip().lower().rstrip(".") for h in self.deny_hosts))
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))
        for name in ("timeout_seconds", "connect_timeout_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"FetchPolicy.{name} must be positive")
        if self.max_retries < 0 or self.max_response_bytes < 0 or self.backoff_base < 0 or self.backoff_cap < 0:
            raise ValueError("FetchPolicy limits must not be negative")

    def allowing(self, *entries: str) -> FetchPolicy:
        """A copy that also allows these `--allow-host` entries (host names, addresses or CIDRs)."""
        hosts, nets = parse_allow_entries(entries)
        return replace(self, allow_hosts=self.allow_hosts | hosts, allow_networks=self.allow_networks | nets)


# ---------------------------------------------------------------------------------------------------
# Normalising the Hog arguments


def _field_name(name: str) -> str:
    return name.encode("unicode_escape").decode("ascii")


def build_request(url: Any, options: Any = None) -> FetchRequest:
    """Normalise `fetch(url, options)` arguments exactly as PostHog does, validating every part."""
    if not isinstance(url, str):
        raise FetchRequestError("url", f"must be a string, got {type_of(url)}")
    target = check_url_syntax(url)
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise FetchRequestError("options", f"must be a dict, got {type_of(options)}")

    method = options.get("method")
    if method is None:
        method = "POST"
    elif type(method) is not str or method not in _PLAIN_METHODS:  # an exact upper-case method is final
        if not isinstance(method, str):
            raise FetchRequestError("method", f"must be a string, got {type_of(method)}")
        method = method.upper()
        if method not in _PLAIN_METHODS and not _TOKEN.fullmatch(method):
            raise FetchRequestError("method", f"{_field_name(method)!r} is not a valid HTTP method")
        if method in FORBIDDEN_METHODS:
            raise FetchRequestError("method", f"{method} requests are not allowed")

    raw_headers = options.get("headers")
    headers = dict(DEFAULT_HEADERS) if raw_headers is None else _normalise_headers(raw_headers)

    raw_body = options.get("body")
    if type(raw_body) is dict and method != "GET" and method != "HEAD":
        # _normalise_body for the usual JSON object body (a dict is truthy, even empty), without the calls.
        try:
            body: str | None = js_stringify(raw_body)
        except JsonEncodeError as exc:
            raise FetchRequestError("body", f"cannot be sent as JSON: {exc}") from None
    else:
        body = _normalise_body(raw_body, method)

    timeout_seconds: float | None = None
    timeout_ms = options.get("timeoutMs")
    if timeout_ms is not None:
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, (int, float)) or not math.isfinite(timeout_ms):
            raise FetchRequestError("timeoutMs", f"must be a number, got {type_of(timeout_ms)}")
        if timeout_ms <= 0:
            raise FetchRequestError("timeoutMs", "must be positive")
        timeout_seconds = min(timeout_ms, MAX_TIMEOUT_MS) / 1000

    # Keep the author's URL text (exact matching in mocks and tests) unless the host was an odd IPv4
    # spelling, which is rewritten so the recorded URL names the address really contacted.
    final_url = target.url if target.ip is not None and target.ip.version == 4 and target.url != url else url
    return FetchRequest(url=final_url, method=method, headers=headers, body=body, timeout_seconds=timeout_seconds,
                        _checked_headers=tuple(headers.items()))


# Header names already found valid and allowed, with their lower-case form. Templates use a handful
# of names, so this stays tiny; the bound only matters against a program inventing names.
_GOOD_HEADER_NAMES: dict[str, str] = {}
_GOOD_HEADER_NAMES_MAX = 512


def _header_name(name: Any) -> str:
    """The lower-case form of a valid, allowed header name; raises FetchRequestError otherwise."""
    if type(name) is str:
        lower = _GOOD_HEADER_NAMES.get(name)
        if lower is not None:
            return lower
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        shown = _field_name(str(name))
        raise FetchRequestError(f"headers.{shown}", "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
    lower = name.lower()
    if lower in FORBIDDEN_HEADERS:
        raise FetchRequestError(f"headers.{name}", "cannot be set by a template; the HTTP client sets it")
    if type(name) is str and len(_GOOD_HEADER_NAMES) < _GOOD_HEADER_NAMES_MAX:
        _GOOD_HEADER_NAMES[name] = lower
    return lower


# Normalised headers by the items they came from. A template sends the same few header dicts with
# every event; the result is a pure function of the items (only successes are kept). No str
# subclasses: one compares equal to a str, yet the result keeps the given key objects and calls
# the value's own strip.
_HEADERS_MEMO: dict[tuple[tuple[Any, Any], ...], dict[str, str]] = {}
_HEADERS_MEMO_MAX = 256
_ONLY_STR = frozenset({str})


def _memo_types(raw: dict[Any, Any]) -> bool:
    if not _ONLY_STR.issuperset(map(type, raw)):
        return False
    if _ONLY_STR.issuperset(map(type, raw.values())):
        return True
    return all(kind is str or not issubclass(kind, str) for kind in set(map(type, raw.values())))


def _normalise_headers(raw: Any) -> dict[str, str]:
    key: tuple[tuple[Any, Any], ...] | None = None
    if type(raw) is dict and _ONLY_STR.issuperset(map(type, raw)) and (
            _ONLY_STR.issuperset(map(type, raw.values())) or _memo_types(raw)):
        key = tuple(raw.items())
        try:
            found = _HEADERS_MEMO.get(key)
        except TypeError:  # an unhashable value (dropped below, but it cannot be a key)
            key = found = None
        if found is not None:
            return dict(found)
    headers = _check_headers(raw)
    if key is not None:
        if len(_HEADERS_MEMO) >= _HEADERS_MEMO_MAX:
            _HEADERS_MEMO.clear()
        _HEADERS_MEMO[key] = dict(headers)
    return headers


def _check_headers(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise FetchRequestError("headers", f"must be a dict, got {type_of(raw)}")
    headers: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, value in raw.items():
        if not isinstance(value, str):
            continue  # PostHog drops non-string header values silently
        lower = _header_name(name)
        if lower in seen:
            raise FetchRequestError(f"headers.{name}", f"is given twice (also as {seen[lower]!r})")
        # Printable ASCII (0x20-0x7e) is always fine; anything else gets the full checks.
        if not (value.isascii() and value.isprintable()):
            if _BAD_VALUE_CHAR.search(value):
                raise FetchRequestError(f"headers.{name}", "value contains a line break or control character")
            try:
                value.encode("latin-1")
            except UnicodeEncodeError:
                raise FetchRequestError(f"headers.{name}", "value contains characters outside Latin-1; encode it "
                                        "first (for example with encodeURLComponent)") from None
        seen[lower] = name
        headers[name] = value.strip(" \t")  # as the Fetch standard normalises values
    return headers


def _headers_are_normal(request: FetchRequest) -> bool:
    """True when `request.headers` is what build_request's rules produce. The checks are not weakened:
    a snapshot match means build_request validated exactly these items."""
    headers = request.headers
    if type(headers) is not dict:
        return False
    if request._checked_headers is not None and tuple(headers.items()) == request._checked_headers:
        return True
    return _normalise_headers(headers) == headers  # a specific violation raises its own FetchRequestError


def _normalise_body(raw: Any, method: str) -> str | None:
    if method in ("GET", "HEAD") or not is_truthy(raw):
        return None  # null, missing, "", 0 and false all mean "no body"
    if isinstance(raw, str):
        return raw  # sent as is, even when it already holds JSON
    try:
        return js_stringify(raw)
    except JsonEncodeError as exc:
        raise FetchRequestError("body", f"cannot be sent as JSON: {exc}") from None


def to_hog_response(resp: FetchResponse, *, include_headers: bool = False) -> dict[str, Any]:
    """The value `fetch` returns to Hog: `{status, body}` (and `headers`, lower-cased, behind a flag)."""
    result: dict[str, Any] = {"status": resp.status, "body": resp.body}
    if include_headers:
        result["headers"] = {k.lower(): v for k, v in resp.headers.items()}
    return result


def error_to_hog_response(error: FetchError) -> dict[str, Any]:
    """What PostHog hands Hog when a request got no response at all: status 500, body "<Name>: <detail>".

    For guard refusals and transport failures. A `FetchLimitError` for `max_fetches` should instead
    end the invocation; that choice belongs to the host.
    """
    return {"status": 500, "body": f"{type(error).__name__}: {error.message}"}


def parse_response_text(raw: bytes) -> Any:
    """Decode as UTF-8 (as `Response.text()` does, dropping a BOM) and parse JSON when it parses."""
    text = raw.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    parsed = parse_json_text(text)
    return text if parsed is NOT_JSON else parsed


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def retry_delay(policy: FetchPolicy, attempt: int, retry_after: float | None, rand: float) -> float:
    """Delay before attempt `attempt + 1`: Retry-After when given, else base*n + jitter; both capped."""
    if retry_after is not None:
        return min(retry_after, policy.backoff_cap)
    return min(policy.backoff_base * attempt + rand * policy.backoff_base, policy.backoff_cap)


class _UndecodableBody(Exception):
    """The body could not be decoded; PostHog then hands Hog `body: null` and logs the reason."""


class _BodyReader:
    """Collects a response body, undoing gzip/deflate itself so the size cap bounds the *decoded* size.

    httpx would decompress a whole network chunk at once; a small gzip bomb could then allocate far
    more than the cap before any check ran. Here each chunk is inflated with `max_length` = room left.
    """

    def __init__(self, content_encoding: str | None, limit: int, too_big: Callable[[], None]) -> None:
        self.limit = limit
        self.too_big = too_big
        self.chunks: list[bytes] = []
        self.size = 0
        self.failure: str | None = None
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self._raw_deflate = False
        if not codings:
            self.inflater: Any = None
        elif codings in (["gzip"], ["x-gzip"]):
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif codings == ["deflate"]:
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate = True  # some servers send raw deflate; retried on the first error
        else:
            self.inflater = None
            self.failure = f"unsupported Content-Encoding {content_encoding!r}"

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            self.too_big()
        if data:
            self.chunks.append(data)

    def feed(self, raw: bytes) -> None:
        if self.failure is not None:
            return
        if self.inflater is None:
            self._keep(raw)
            return
        room = self.limit - self.size
        try:
            data = self.inflater.decompress(raw, room + 1)
        except zlib.error as exc:
            if self._raw_deflate and self.size == 0:
                self._raw_deflate = False
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self.feed(raw)
                return
            self.failure = f"cannot decode the compressed body ({exc})"
            return
        self._raw_deflate = False
        self._keep(data)

    def body(self) -> bytes:
        if self.failure is None and self.inflater is not None:
            self._keep(self.inflater.flush())
        if self.failure is not None:
            raise _UndecodableBody(self.failure)
        return b"".join(self.chunks)


# ---------------------------------------------------------------------------------------------------
# Fetchers


def _describe(exc: BaseException) -> str:
    detail = str(exc) or "no detail"
    return f"{type(exc).__name__}: {detail}"


class _FetcherBase:
    """The policy logic shared by the sync and async fetchers (counting, checks, retry decisions)."""

    def __init__(self, policy: FetchPolicy | None, *, resolver: Resolver | None, random: Callable[[], float],
                 clock: Callable[[], float], fetches_done: int, verify: Any) -> None:
        self.policy = policy or FetchPolicy()
        self.resolver = resolver
        self.random = random
        self.clock = clock
        self.fetch_count = fetches_done
        self.verify = verify
        self.guard = AddressGuard.from_policy(self.policy, resolver)

    def _view(self, fetches_done: int) -> Any:
        """A per-invocation copy: same policy, guard, hooks and pooled client, its own fetch count.

        Hosts make one per fetch, so this copies attributes instead of rebuilding the guard.
        """
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.fetch_count = fetches_done
        other._owns_client = False
        return other

    def _start(self, request: FetchRequest) -> tuple[UrlTarget, float]:
        """Count the call, re-check URL, host name (no DNS yet) and headers. Returns (target, timeout).

        The checks repeat build_request's so that a FetchRequest built by other code (a host, a stored
        paused state) gets the same protection.
        """
        limit = self.policy.max_fetches
        if limit is not None and self.fetch_count >= limit:
            raise FetchLimitError("max_fetches", f"fetch limit reached: at most {limit} fetch calls per invocation "
                                  f"(this was call {self.fetch_count + 1})")
        self.fetch_count += 1
        target = check_url_syntax(request.url)
        self.guard.check_name(target.host)
        method = request.method
        if method not in _PLAIN_METHODS and (not isinstance(method, str) or not _TOKEN.fullmatch(method)
                                             or method in FORBIDDEN_METHODS or method != method.upper()):
            raise FetchRequestError("method", f"{_field_name(str(method))!r} is not an allowed HTTP method")
        if not _headers_are_normal(request):
            raise FetchRequestError("headers", "must be normalised by build_request (string values, no padding)")
        timeout = self.policy.timeout_seconds
        if request.timeout_seconds is not None:
            timeout = min(timeout, request.timeout_seconds)
        return target, timeout

    def _timeouts(self, timeout: float) -> httpx.Timeout:
        return httpx.Timeout(timeout, connect=min(self.policy.connect_timeout_seconds, timeout))

    def _build(self, client: httpx.Client | httpx.AsyncClient, request: FetchRequest, target: UrlTarget,
               timeout: float) -> httpx.Request:
        """The httpx request for one attempt: what `client.build_request` makes, for a third of the cost.

        Sends the URL httpx already parsed in check_url_syntax. The client's default headers are
        merged as httpx merges them (a request header replaces the default of the same name, the
        rest follow in order). A client with query params or cookies goes through httpx's own merge.
        """
        body = request.body.encode("utf-8", "surrogatepass") if isinstance(request.body, str) else request.body
        own = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.items()]
        url = target.http_url if target.http_url is not None else target.url
        timeouts = self._timeouts(timeout)
        if client.params or client.cookies:
            return client.build_request(request.method, url, headers=own, content=body, timeout=timeouts)
        replaced = {name.lower() for name, _ in own}
        headers = [(name, value) for name, value in client.headers.raw if name.lower() not in replaced]
        headers.extend(own)
        return httpx.Request(request.method, url, headers=headers, content=body,
                             extensions={"timeout": timeouts.as_dict()})

    def _check_length(self, response: httpx.Response) -> None:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.policy.max_response_bytes:
            self._too_big()

    def _too_big(self) -> None:
        raise FetchLimitError("max_response_bytes", f"fetch response body exceeds the limit of "
                              f"{self.policy.max_response_bytes} bytes")

    def _reader(self, response: httpx.Response) -> _BodyReader:
        self._check_length(response)
        return _BodyReader(response.headers.get("content-encoding"), self.policy.max_response_bytes, self._too_big)

    def _finish(self, response: httpx.Response, reader: _BodyReader) -> FetchResponse:
        headers: dict[str, str] = {}
        for name, value in response.headers.multi_items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        try:
            body: Any = parse_response_text(reader.body())
            log: list[str] = []
        except _UndecodableBody as exc:
            body, log = None, [f"Failed to parse response body: {exc}"]
        return FetchResponse(status=response.status_code, body=body, headers=headers, attempt_log=log)

    def _decide(self, attempt: int, response: FetchResponse | None, error: BaseException | None,
                log: list[str], deadline: float | None) -> float | None:
        """Log a failed attempt PostHog's way; return the delay before the next try, or None to stop."""
        attempts_total = 1 + self.policy.max_retries
        delay: float | None = None
        if attempt < attempts_total:
            retry_after = parse_retry_after(response.headers.get("retry-after")) if response is not None else None
            delay = retry_delay(self.policy, attempt, retry_after, self.random())
            if deadline is not None and self.clock() + delay > deadline:
                delay = None
        status = str(response.status) if response is not None else "(none)"
        message = f"HTTP fetch failed on attempt {attempt} with status code {status}."
        if error is not None:
            message += f" Error: {_describe(error).rstrip('.')}."
        if delay is not None:
            message += f" Retrying in {round(delay * 1000)}ms."
        log.append(message)
        return delay

    def _is_final(self, response: FetchResponse, attempt: int, log: list[str]) -> bool:
        if response.status in self.policy.retry_statuses:
            return False
        if response.status >= 400:
            log.append(f"HTTP fetch failed on attempt {attempt} with status code {response.status}.")
        return True

    @staticmethod
    def _attach(error: FetchError, log: list[str]) -> FetchError:
        error.attempt_log = list(log)  # type: ignore[attr-defined]
        return error

    def _give_up(self, error: BaseException, attempt: int, log: list[str]) -> FetchTransportError:
        failure = FetchTransportError(f"fetch failed after {attempt} attempt{'s' if attempt > 1 else ''}: "
                                      f"{_describe(error)}", attempts=attempt)
        failure.attempt_log = list(log)
        return failure


_NON_RETRYABLE = (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.TooManyRedirects)


def _as_request_error(exc: Exception) -> FetchError:
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchBlockedError("redirects", f"fetch stopped: {exc}")
    return FetchRequestError("request", f"rejected by the HTTP client: {exc}")


class Fetcher(_FetcherBase):
    """Real HTTP fetches (sync) under a FetchPolicy. One instance per invocation (it counts fetches)."""

    def __init__(self, policy: FetchPolicy | None = None, *, client: httpx.Client | None = None,
                 resolver: Resolver | None = None, sleep: Callable[[float], None] = time.sleep,
                 random: Callable[[], float] = random_module.random, clock: Callable[[], float] = time.monotonic,
                 fetches_done: int = 0, verify: Any = True) -> None:
        super().__init__(policy, resolver=resolver, random=random, clock=clock, fetches_done=fetches_done,
                         verify=verify)
        self.sleep = sleep
        self._client = client
        self._owns_client = client is None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = make_client(self.policy, resolver=self.resolver, verify=self.verify)
        return self._client

    def new_invocation(self, *, fetches_done: int = 0) -> Fetcher:
        """A fetcher for the next invocation: same policy, hooks and pooled client, count reset."""
        self.client  # noqa: B018 - create the pooled client now, so that every copy shares it
        return self._view(fetches_done)

    def fetch(self, request: FetchRequest, *, deadline: float | None = None) -> FetchResponse:
        """Perform `request` with retries. `deadline` (on `clock`) stops retries that would end past it."""
        target, timeout = self._start(request)
        log: list[str] = []
        attempt = 0
        while True:
            attempt += 1
            response: FetchResponse | None = None
            error: Exception | None = None
            try:
                response = self._attempt(request, target, timeout)
            except FetchError as exc:
                raise self._attach(exc, log) from None
            except _NON_RETRYABLE as exc:
                raise self._attach(_as_request_error(exc), log) from None
            except httpx.TransportError as exc:
                error = exc
            if response is not None:
                log.extend(response.attempt_log)
            if response is not None and self._is_final(response, attempt, log):
                response.attempts, response.attempt_log = attempt, log
                return response
            delay = self._decide(attempt, response, error, log, deadline)
            if delay is None:
                if response is not None:
                    response.attempts, response.attempt_log = attempt, log
                    return response
                assert error is not None
                raise self._give_up(error, attempt, log)
            self.sleep(delay)

    def _attempt(self, request: FetchRequest, target: UrlTarget, timeout: float) -> FetchResponse:
        started = self.clock()
        http_request = self._build(self.client, request, target, timeout)
        response = self.client.send(http_request, stream=True, follow_redirects=self.policy.follow_redirects)
        try:
            reader = self._reader(response)
            for chunk in response.iter_raw():
                reader.feed(chunk)
                # httpx's read timeout is per read; this bounds a slow drip over the whole body.
                if self.clock() - started > timeout:
                    raise httpx.ReadTimeout(f"response took longer than {timeout:g}s")
            return self._finish(response, reader)
        finally:
            response.close()

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncFetcher(_FetcherBase):
    """The async twin of Fetcher; `sleep` is an async callable."""

    def __init__(self, policy: FetchPolicy | None = None, *, client: httpx.AsyncClient | None = None,
                 resolver: Resolver | None = None, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 random: Callable[[], float] = random_module.random, clock: Callable[[], float] = time.monotonic,
                 fetches_done: int = 0, verify: Any = True) -> None:
        super().__init__(policy, resolver=resolver, random=random, clock=clock, fetches_done=fetches_done,
                         verify=verify)
        self.sleep = sleep
        self._client = client
        self._owns_client = client is None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = make_async_client(self.policy, resolver=self.resolver, verify=self.verify)
        return self._client

    def new_invocation(self, *, fetches_done: int = 0) -> AsyncFetcher:
        self.client  # noqa: B018 - create the pooled client now, so that every copy shares it
        return self._view(fetches_done)

    async def fetch(self, request: FetchRequest, *, deadline: float | None = None) -> FetchResponse:
        target, timeout = self._start(request)
        log: list[str] = []
        attempt = 0
        while True:
            attempt += 1
            response: FetchResponse | None = None
            error: Exception | None = None
            try:
                response = await self._attempt(request, target, timeout)
            except FetchError as exc:
                raise self._attach(exc, log) from None
            except _NON_RETRYABLE as exc:
                raise self._attach(_as_request_error(exc), log) from None
            except httpx.TransportError as exc:
                error = exc
            if response is not None:
                log.extend(response.attempt_log)
            if response is not None and self._is_final(response, attempt, log):
                response.attempts, response.attempt_log = attempt, log
                return response
            delay = self._decide(attempt, response, error, log, deadline)
            if delay is None:
                if response is not None:
                    response.attempts, response.attempt_log = attempt, log
                    return response
                assert error is not None
                raise self._give_up(error, attempt, log)
            await self.sleep(delay)

    async def _attempt(self, request: FetchRequest, target: UrlTarget, timeout: float) -> FetchResponse:
        http_request = self._build(self.client, request, target, timeout)
        try:
            # One deadline over connect + headers + body, so a slow drip cannot outlast the timeout.
            # (asyncio.timeout, unlike wait_for, needs no extra task per attempt.)
            async with asyncio.timeout(timeout):
                response = await self.client.send(http_request, stream=True,
                                                  follow_redirects=self.policy.follow_redirects)
                try:
                    reader = self._reader(response)
                    async for chunk in response.aiter_raw():
                        reader.feed(chunk)
                    return self._finish(response, reader)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise httpx.ReadTimeout(f"response took longer than {timeout:g}s") from None

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> AsyncFetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def fetch_requests_json(requests: Iterable[FetchRequest]) -> list[dict[str, Any]]:
    """The recorded requests as plain JSON (for logs and the playground; redact before showing)."""
    return [r.to_json() for r in requests]
