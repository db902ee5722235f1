"""The address guard: which hosts a Hog `fetch` may reach, checked at the moment of connecting.

Two layers, both here:

1. `check_url_syntax(url)` parses the URL the way the request will be sent (httpx's parser), enforces
   http/https and a well-formed host, and rewrites every odd IPv4 spelling (`2130706433`, `0x7f000001`,
   `0177.0.0.1`, `127.1`) to its dotted-quad form, so what is checked is what is sent. No DNS.
2. `AddressGuard` judges addresses. `GuardedBackend` / `AsyncGuardedBackend` are httpcore network
   backends that resolve the host once, check every answer, and open the socket to an address that
   passed; TLS still uses the URL's host name for SNI and certificate checks (httpcore passes it to
   `start_tls`), and the Host header is untouched. Because the check sits in `connect_tcp`, it covers
   every connection the client makes (including redirect hops, if a policy ever enables them), and a
   DNS answer cannot change between the check and the connect.

Only global unicast addresses pass, judged by our own table (not only `ipaddress.is_global`, whose
answer differs between Python patch releases). IPv6 forms that embed an IPv4 address (IPv4-mapped,
SIIT, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the embedded IPv4 address.

An explicit allow-list (`allow_hosts` names, `allow_networks` CIDRs) opens named hosts or networks for
tests and local development; `allow_private_networks` switches the address check off entirely.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from hoglite.net.errors import FetchBlockedError, FetchRequestError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# A resolver maps (host, port) to the addresses the host has, as strings, in preference order.
Resolver = Callable[[str, int], Sequence[str]]

ALLOWED_SCHEMES = frozenset({"http", "https"})
MAX_CONNECT_ADDRESSES = 4  # addresses tried per connection before giving up
# check_url_syntax keeps this many recent results (keyed by the exact URL text). A template calls
# the same few URLs for every event, and the check (httpx's parser) is most of build_request's cost.
URL_CHECK_CACHE_SIZE = 1024
URL_CHECK_CACHE_MAX_LENGTH = 2048  # longer URLs (big query strings) are checked every time, not kept

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Non-global IPv4 ranges and the words used in error messages. Order matters only for the message:
# the first match names the range.
BLOCKED_IPV4: tuple[tuple[IPNetwork, str], ...] = (
    (_V4("0.0.0.0/8"), "unspecified ('this network')"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("100.64.0.0/10"), "shared (carrier-grade NAT)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link-local (cloud metadata)"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.0.0.0/24"), "IETF protocol assignment"),
    (_V4("192.0.2.0/24"), "documentation (TEST-NET-1)"),
    (_V4("192.88.99.0/24"), "6to4 relay anycast"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("198.18.0.0/15"), "benchmarking"),
    (_V4("198.51.100.0/24"), "documentation (TEST-NET-2)"),
    (_V4("203.0.113.0/24"), "documentation (TEST-NET-3)"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("255.255.255.255/32"), "broadcast"),
    (_V4("240.0.0.0/4"), "reserved"),
)

# IPv6 prefixes whose last 32 bits are an IPv4 address that the packet really reaches.
_EMBEDDED_LOW32: tuple[tuple[IPNetwork, str], ...] = (
    (_V6("::ffff:0:0/96"), "IPv4-mapped"),
    (_V6("::ffff:0:0:0/96"), "IPv4-translated (SIIT)"),
    (_V6("64:ff9b::/96"), "NAT64"),
)
_SIXTOFOUR = _V6("2002::/16")

BLOCKED_IPV6: tuple[tuple[IPNetwork, str], ...] = (
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("::/96"), "IPv4-compatible (deprecated)"),
    (_V6("64:ff9b:1::/48"), "local-use NAT64"),
    (_V6("100::/64"), "discard-only"),
    (_V6("2001::/32"), "Teredo"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("2001::/23"), "IETF protocol assignment"),
    (_V6("3fff::/20"), "documentation"),
    (_V6("5f00::/16"), "segment-routing (SRv6)"),
    (_V6("fc00::/7"), "unique-local (private)"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fec0::/10"), "site-local (deprecated)"),
    (_V6("ff00::/8"), "multicast"),
)
_GLOBAL_UNICAST_V6 = _V6("2000::/3")

# Names that always mean this machine, refused before any DNS lookup.
_LOCALHOST_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
_DEC = re.compile(r"[0-9]+")
_OCT = re.compile(r"[0-7]+")
_HEX = re.compile(r"[0-9a-f]*")


# ---------------------------------------------------------------------------------------------------
# Address classification


def blocked_reason(ip: IPAddress) -> str | None:
    """Why `ip` is not a global unicast address (a phrase for messages), or None when it is global."""
    if isinstance(ip, ipaddress.IPv4Address):
        for network, reason in BLOCKED_IPV4:
            if ip in network:
                return reason
        # Belt and braces: anything Python also knows to be non-global.
        return None if ip.is_global else "non-global"
    if ip.scope_id:
        return "scoped (zone id)"
    embedded = embedded_ipv4(ip)
    if embedded is not None:
        form, v4 = embedded
        inner = blocked_reason(v4)
        return f"{form} form of {v4}, {inner}" if inner else None
    for network, reason in BLOCKED_IPV6:
        if ip in network:
            return reason
    if ip not in _GLOBAL_UNICAST_V6:
        return "unallocated or reserved"
    return None if ip.is_global else "non-global"


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address stands for (mapped, SIIT, NAT64, 6to4), with the form's name."""
    for network, form in _EMBEDDED_LOW32:
        if ip in network:
            return form, ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIXTOFOUR:
        return "6to4", ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)
    return None


def parse_ipv4_spelling(host: str) -> ipaddress.IPv4Address | None:
    """Parse `host` as the WHATWG URL standard (and `inet_aton`) read an IPv4 host.

    Accepts 1 to 4 dot-separated parts in decimal, octal (leading 0) or hex (0x), so `2130706433`,
    `0x7f000001`, `0177.0.0.1` and `127.1` all mean 127.0.0.1. Returns None when the host does not end
    in a number (so it is a name); raises ValueError when it ends in a number but is not a valid address.
    """
    parts = host.lower().split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    last = parts[-1]
    if not (_DEC.fullmatch(last) or (last.startswith("0x") and _HEX.fullmatch(last[2:]))):
        return None
    if len(parts) > 4:
        raise ValueError("too many parts for an IPv4 address")
    numbers = [_parse_ipv4_part(part) for part in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError("IPv4 address part out of range")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return ipaddress.IPv4Address(value)


def _parse_ipv4_part(part: str) -> int:
    if part.startswith("0x"):
        digits = part[2:]
        if not _HEX.fullmatch(digits):
            raise ValueError(f"bad hex part {part!r}")
        return int(digits, 16) if digits else 0
    if len(part) > 1 and part.startswith("0"):
        if not _OCT.fullmatch(part[1:]):
            raise ValueError(f"bad octal part {part!r}")
        return int(part[1:], 8)
    if not _DEC.fullmatch(part):
        raise ValueError(f"bad part {part!r}")
    return int(part)


def parse_allow_entries(entries: Iterable[str]) -> tuple[frozenset[str], frozenset[IPNetwork]]:
    """Split `--allow-host` style entries into host names and networks (`127.0.0.1`, `10.0.0.0/8`, `[::1]`)."""
    hosts: set[str] = set()
    networks: set[IPNetwork] = set()
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        try:
            networks.add(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(entry.rstrip("."))
    return frozenset(hosts), frozenset(networks)


# ---------------------------------------------------------------------------------------------------
# URL syntax


@dataclass(frozen=True)
class UrlTarget:
    """A validated URL: `url` is the canonical text to send, `host` the name or address it connects to."""

    url: str
    scheme: str
    host: str
    port: int
    ip: IPAddress | None  # set when the host is an address literal
    # httpx's parse of `url` (immutable), so sending does not parse the same text again.
    http_url: httpx.URL | None = field(default=None, compare=False, repr=False)


def check_url_syntax(url: str) -> UrlTarget:
    """Validate scheme and host without any DNS; canonicalise IPv4 spellings. Raises FetchRequestError('url').

    Results are kept in a bounded LRU cache keyed by the exact URL text (only successes: a bad URL
    raises a fresh error every time). The check is a pure function of the text, and UrlTarget is
    immutable, so a cached answer is the answer. The address guard is not affected: it still
    resolves and checks at every connect.
    """
    if type(url) is str and len(url) <= URL_CHECK_CACHE_MAX_LENGTH:  # exact str: its hash and == are str's
        return _check_url_syntax_cached(url)
    return _check_url_syntax(url)


def clear_url_check_cache() -> None:
    """Forget the cached URL checks (tests; nothing else needs it)."""
    _check_url_syntax_cached.cache_clear()


def _check_url_syntax(url: str) -> UrlTarget:
    if not url:
        raise FetchRequestError("url", "Invalid URL: the URL is empty")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        try:
            rewritten = _canonicalise_ipv4_netloc(url)
        except ValueError as bad:
            raise FetchRequestError("url", f"Invalid URL: {bad}") from None
        if rewritten is None:
            raise FetchRequestError("url", f"Invalid URL: {exc}") from None
        # httpx refuses some IPv4 spellings (octal parts) that browsers and inet_aton accept; the
        # rewritten URL is parsed again by httpx, so what is checked below is still what is sent.
        try:
            parsed = httpx.URL(rewritten)
        except (httpx.InvalidURL, ValueError, TypeError):
            raise FetchRequestError("url", f"Invalid URL: {exc}") from None
    scheme = parsed.scheme.lower()
    if not parsed.is_absolute_url and not scheme:
        raise FetchRequestError("url", "Invalid URL: it must be absolute, e.g. 'https://example.com/path'")
    if scheme not in ALLOWED_SCHEMES:
        raise FetchRequestError("url", f"Scheme must be either HTTP or HTTPS (got {scheme or 'none'!r})")
    raw_host = parsed.raw_host.decode("ascii", "replace").lower()
    if not raw_host:
        raise FetchRequestError("url", "No hostname")
    try:
        port = parsed.port
    except ValueError as exc:  # pragma: no cover - httpx validates ports while parsing
        raise FetchRequestError("url", f"Invalid URL: {exc}") from None
    if port is not None and not 0 < port < 65536:
        raise FetchRequestError("url", f"Invalid URL: port {port} is out of range")
    effective_port = port if port is not None else (443 if scheme == "https" else 80)

    ip: IPAddress | None = None
    if ":" in raw_host:  # an IPv6 literal; httpx has already checked its syntax
        if "%" in raw_host:
            raise FetchRequestError("url", "Invalid URL: IPv6 zone identifiers are not allowed")
        try:
            ip = ipaddress.IPv6Address(raw_host)
        except ValueError as exc:
            raise FetchRequestError("url", f"Invalid URL: bad IPv6 address ({exc})") from None
        host = ip.compressed
    else:
        try:
            ip = parse_ipv4_spelling(raw_host)
        except ValueError as exc:
            raise FetchRequestError("url", f"Invalid URL: host {raw_host!r} is not a valid IPv4 address ({exc})") from None
        if ip is not None:
            host = str(ip)
            if host != raw_host:
                parsed = parsed.copy_with(host=host)
        else:
            host = raw_host.rstrip(".")
            labels = host.split(".")
            if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
                raise FetchRequestError("url", f"Invalid URL: {parsed.host!r} is not a valid host name")
    return UrlTarget(url=str(parsed), scheme=scheme, host=host, port=effective_port, ip=ip, http_url=parsed)


_check_url_syntax_cached = functools.lru_cache(maxsize=URL_CHECK_CACHE_SIZE)(_check_url_syntax)


def _canonicalise_ipv4_netloc(url: str) -> str | None:
    """Rewrite a URL whose host is an IPv4 spelling httpx rejects (e.g. `0177.0.0.1`) to dotted-quad form.

    None when the host is not numeric; ValueError when it is numeric but not a valid address.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    try:
        ip = parse_ipv4_spelling(host) if host else None
    except ValueError as exc:
        raise ValueError(f"host {host!r} is not a valid IPv4 address ({exc})") from None
    if ip is None or not parts.netloc:
        return None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    port = hostport[len(host):] if hostport.lower().startswith(host) else None
    if port is None:
        return None
    netloc = (userinfo + "@" if userinfo else "") + str(ip) + port
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


# ---------------------------------------------------------------------------------------------------
# The guard


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the system resolver (getaddrinfo), keeping its preference order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


class AddressGuard:
    """Decides whether a host may be reached, and to which addresses."""

    def __init__(self, *, allow_hosts: Iterable[str] = (), allow_networks: Iterable[Any] = (),
                 deny_hosts: Iterable[str] = (), allow_private_networks: bool = False,
                 resolver: Resolver | None = None) -> None:
        names, nets = parse_allow_entries(allow_hosts)
        self.allow_hosts = names
        self.allow_networks = frozenset(nets) | frozenset(
            n if isinstance(n, (ipaddress.IPv4Network, ipaddress.IPv6Network)) else ipaddress.ip_network(str(n), strict=False)
            for n in allow_networks
        )
        self.deny_hosts = frozenset(h.strip().lower().rstrip(".") for h in deny_hosts)
        self.allow_private_networks = allow_private_networks
        self.resolver: Resolver = resolver or system_resolver

    @classmethod
    def from_policy(cls, policy: Any, resolver: Resolver | None = None) -> AddressGuard:
        return cls(allow_hosts=policy.allow_hosts, allow_networks=policy.allow_networks,
                   deny_hosts=policy.deny_hosts, allow_private_networks=policy.allow_private_networks,
                   resolver=resolver)

    def _normal(self, host: str) -> str:
        return host.strip("[]").lower().rstrip(".")

    def host_is_allow_listed(self, host: str) -> bool:
        return self._normal(host) in self.allow_hosts

    def check_name(self, host: str) -> None:
        """Checks that need no DNS: the deny-list, localhost names and address literals."""
        name = self._normal(host)
        if name in self.deny_hosts or any(name.endswith("." + d) for d in self.deny_hosts):
            raise FetchBlockedError("deny-list", f"fetch blocked: host {name!r} is on the deny-list")
        if self.allow_private_networks or name in self.allow_hosts:
            return
        if name in _LOCALHOST_NAMES or name.endswith(".localhost"):
            raise FetchBlockedError("localhost", f"fetch blocked: {name!r} is this machine (a loopback name)",
                                    hint=f"for local development, allow it explicitly (--allow-host {name})")
        if ":" not in name and not name.replace(".", "").isdigit():
            return  # not an address literal: ip_address() accepts only dotted decimal or IPv6 (has ':')
        try:
            literal = ipaddress.ip_address(name)
        except ValueError:
            return
        self.check_address(literal, host=name)

    def check_address(self, ip: IPAddress, *, host: str) -> None:
        """Raise FetchBlockedError unless `ip` is global or opened by the allow-list."""
        if self.allow_private_networks or self._normal(host) in self.allow_hosts:
            return
        if any(ip.version == net.version and ip in net for net in self.allow_networks):
            return
        reason = blocked_reason(ip)
        if reason is None:
            return
        name = self._normal(host)
        if name == str(ip):
            message = f"fetch blocked: {ip} is not a public address ({reason})"
        else:
            message = f"fetch blocked: {name!r} resolves to {ip}, which is not a public address ({reason})"
        raise FetchBlockedError("address", message,
                                hint=f"for local development, allow it explicitly (--allow-host {ip})")

    def _addresses(self, host: str, answers: Sequence[str]) -> list[IPAddress]:
        addresses: list[IPAddress] = []
        for answer in answers:
            try:
                ip = ipaddress.ip_address(answer)
            except ValueError:
                raise FetchBlockedError("resolve", f"fetch blocked: {host!r} resolved to {answer!r}, not an address") from None
            if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
                # Link-local answers come with a zone; judge the bare address.
                ip = ipaddress.IPv6Address(str(ip).split("%")[0])
            addresses.append(ip)
        if not addresses:
            raise FetchBlockedError("resolve", f"fetch blocked: unable to resolve {host!r}")
        # Every answer must pass, so a mixed public/private answer cannot be used to reach the private one.
        for ip in addresses:
            self.check_address(ip, host=host)
        return addresses[:MAX_CONNECT_ADDRESSES]

    def check_host(self, host: str, port: int) -> list[IPAddress]:
        """Resolve once and check every answer; the result is what a connection may use."""
        self.check_name(host)
        name = self._normal(host)
        try:
            literal = ipaddress.ip_address(name)
        except ValueError:
            literal = None
        if literal is not None:
            return self._addresses(host, [str(literal)])
        try:
            answers = self.resolver(name, port)
        except (OSError, UnicodeError) as exc:
            raise FetchBlockedError("resolve", f"fetch blocked: unable to resolve {name!r} ({exc})") from None
        return self._addresses(name, answers)

    def check_url(self, url: str) -> tuple[UrlTarget, list[IPAddress]]:
        """Validate a URL and check its host; never connects. For tests, tooling and the playground."""
        target = check_url_syntax(url)
        return target, self.check_host(target.host, target.port)


# ---------------------------------------------------------------------------------------------------
# httpcore network backends that connect only to checked addresses


def _is_address_literal(host: str) -> bool:
    """An address literal needs no resolver (check_host checks it directly), so no worker thread."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve + check in `connect_tcp`, then connect to a checked address (sync)."""

    def __init__(self, guard: AddressGuard, inner: httpcore.NetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self.guard.check_host(host, port)
        last_error: Exception | None = None
        for ip in addresses:
            try:
                return self.inner.connect_tcp(str(ip), port, timeout=timeout, local_address=local_address,
                                              socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise FetchBlockedError("scheme", "fetch blocked: unix sockets are never allowed")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """The async twin of GuardedBackend. The default resolver runs in a worker thread.

    Without an `inner` backend, sockets are opened by hoglite.net.aio's asyncio backend when running
    on asyncio (cheaper per request than anyio's), and by httpcore's anyio backend otherwise (trio).
    """

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self._given_inner = inner
        self._inners: dict[str, httpcore.AsyncNetworkBackend] = {}

    @property
    def inner(self) -> httpcore.AsyncNetworkBackend:
        if self._given_inner is not None:
            return self._given_inner
        import sniffio

        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            library = "asyncio"
        backend = self._inners.get(library)
        if backend is None:
            if library == "asyncio":
                from hoglite.net.aio import AsyncioBackend

                backend = AsyncioBackend()
            else:
                backend = httpcore.AnyIOBackend()
            self._inners[library] = backend
        return backend

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        # Once per new connection (kept-alive connections are reused without this): resolve and check.
        if self.guard.resolver is system_resolver and not _is_address_literal(host):
            import anyio.to_thread

            addresses = await anyio.to_thread.run_sync(self.guard.check_host, host, port)
        else:
            addresses = self.guard.check_host(host, port)
        inner = self.inner
        last_error: Exception | None = None
        for ip in addresses:
            try:
                return await inner.connect_tcp(str(ip), port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise FetchBlockedError("scheme", "fetch blocked: unix sockets are never allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
