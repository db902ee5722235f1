"""The pooled httpx clients under the address guard: `make_client` and `make_async_client`.

Every connection such a client opens goes through the guard's network backend (resolve, check every
answer, connect to a checked address). Proxies from the environment are ignored, redirects are not
followed, and cookies are never kept. The pool is httpcore's, with its bookkeeping done in one pass.
"""

from __future__ import annotations

import http.cookiejar
import ssl
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

from hoglite.net.guard import AddressGuard, AsyncGuardedBackend, GuardedBackend, Resolver

if TYPE_CHECKING:
    from hoglite.net.fetch import FetchPolicy

USER_AGENT = "hoglite-fetch/0.1"
# Only encodings _BodyReader (fetch.py) can inflate under the size cap.
_CLIENT_HEADERS = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}


def _limits(max_connections: int, max_keepalive_connections: int) -> httpx.Limits:
    return httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_keepalive_connections)


def _ssl_context(verify: Any) -> ssl.SSLContext:
    return verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify, trust_env=False)


# httpcore 1.0's pool re-examines every connection on each request and each response close, and for
# each idle one counts all connections again (O(n^2) per event; ~20% of `hoglite deliver`'s CPU with
# 16 connections). The same decisions in one pass, for the httpcore versions this was checked against.
_LEAN_POOL = httpcore.__version__.startswith("1.0.") and hasattr(httpcore.AsyncConnectionPool,
                                                                  "_assign_requests_to_connections")


def _assign_requests_lean(pool: Any) -> list[Any]:
    """httpcore 1.0.x `_assign_requests_to_connections`, same decisions, without the quadratic recount.

    httpcore closes an idle connection when `len([c.is_idle() for c in connections])`, which is the
    number of connections in the pool, exceeds max_keepalive_connections; `len(connections)` is that.
    """
    closing: list[Any] = []
    connections = pool._connections
    for connection in list(connections):
        if connection.is_closed():
            connections.remove(connection)
        elif connection.has_expired() or (connection.is_idle()
                                          and len(connections) > pool._max_keepalive_connections):
            connections.remove(connection)
            closing.append(connection)
    for pool_request in [request for request in pool._requests if request.is_queued()]:
        origin = pool_request.request.url.origin
        available = next((c for c in connections if c.can_handle_request(origin) and c.is_available()), None)
        if available is not None:
            pool_request.assign_to_connection(available)
            continue
        if len(connections) >= pool._max_connections:
            idle = next((c for c in connections if c.is_idle()), None)
            if idle is None:
                continue  # stays queued until a connection frees up
            connections.remove(idle)
            closing.append(idle)
        connection = pool.create_connection(origin)
        connections.append(connection)
        pool_request.assign_to_connection(connection)
    return closing


class _LeanPool(httpcore.ConnectionPool):
    if _LEAN_POOL:
        def _assign_requests_to_connections(self) -> list[Any]:
            return _assign_requests_lean(self)


class _AsyncLeanPool(httpcore.AsyncConnectionPool):
    if _LEAN_POOL:
        def _assign_requests_to_connections(self) -> list[Any]:
            return _assign_requests_lean(self)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose network backend is the guard.

    Only the pool differs from httpx's own transport (which uses nothing but `self._pool`), so request
    and response handling, and the mapping of httpcore errors to httpx errors, stay httpx's.
    """

    def __init__(self, guard: AddressGuard, *, verify: Any, limits: httpx.Limits, inner_backend: Any = None) -> None:
        self._pool = _LeanPool(
            ssl_context=_ssl_context(verify), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard, inner_backend),
        )


class _AsyncGuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, guard: AddressGuard, *, verify: Any, limits: httpx.Limits, inner_backend: Any = None) -> None:
        self._pool = _AsyncLeanPool(
            ssl_context=_ssl_context(verify), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncGuardedBackend(guard, inner_backend),
        )


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that never keeps a cookie.

    httpx clients store every Set-Cookie they see and send it back on later requests. The pooled
    client is shared by all invocations (and templates), so one invocation's session cookie would
    ride along on another's requests. PostHog's fetch keeps no cookies either; a template that needs
    one sets the Cookie header itself.
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: Any) -> None:
        return None


def make_client(policy: FetchPolicy | None = None, *, resolver: Resolver | None = None, verify: Any = True,
                max_connections: int = 100, max_keepalive_connections: int = 20,
                network_backend: Any = None) -> httpx.Client:
    """A poolable httpx client whose every connection passes the address guard of `policy`.

    Share one across fetchers (and invocations) built with the same policy. Proxies from the
    environment are ignored on purpose: a proxy would make the connection on our behalf, unguarded.
    `network_backend` replaces the socket layer under the guard (tests use it to avoid real sockets).
    """
    policy = policy or _default_policy()
    guard = AddressGuard.from_policy(policy, resolver)
    transport = _GuardedTransport(guard, verify=verify, limits=_limits(max_connections, max_keepalive_connections),
                                  inner_backend=network_backend)
    return httpx.Client(transport=transport, trust_env=False, follow_redirects=False,
                        max_redirects=policy.max_redirects, headers=_CLIENT_HEADERS, cookies=_NoCookies())


def make_async_client(policy: FetchPolicy | None = None, *, resolver: Resolver | None = None, verify: Any = True,
                      max_connections: int = 100, max_keepalive_connections: int = 20,
                      network_backend: Any = None) -> httpx.AsyncClient:
    """The async twin of `make_client`."""
    policy = policy or _default_policy()
    guard = AddressGuard.from_policy(policy, resolver)
    transport = _AsyncGuardedTransport(guard, verify=verify, limits=_limits(max_connections, max_keepalive_connections),
                                       inner_backend=network_backend)
    return httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False,
                             max_redirects=policy.max_redirects, headers=_CLIENT_HEADERS, cookies=_NoCookies())


def _default_policy() -> FetchPolicy:
    from hoglite.net.fetch import FetchPolicy

    return FetchPolicy()
