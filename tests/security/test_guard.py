"""SSRF: every address form the guard must refuse, checked without connecting anywhere.

Resolution is always a stub here (no DNS); the pinning tests run over hoglite.net.fakenet, an
in-memory network, so no packet leaves the process.
"""

from __future__ import annotations

import ipaddress

import httpcore
import pytest

from hoglite.net.errors import FetchBlockedError, FetchRequestError
from hoglite.net.fakenet import FakeNetwork
from hoglite.net.fetch import Fetcher, FetchPolicy, build_request, make_client
from hoglite.net.guard import (
    AddressGuard,
    GuardedBackend,
    blocked_reason,
    check_url_syntax,
    embedded_ipv4,
    parse_allow_entries,
    parse_ipv4_spelling,
)


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"the guard must not resolve {host!r} for an address literal")


GUARD = AddressGuard(resolver=no_dns)

# (url, the address it means, the reason named in the error)
BLOCKED_LITERALS = [
    ("http://127.0.0.1/", "127.0.0.1", "loopback"),
    ("http://127.255.255.254:8080/x", "127.255.255.254", "loopback"),
    ("http://0.0.0.0/", "0.0.0.0", "unspecified ('this network')"),
    ("http://0/", "0.0.0.0", "unspecified ('this network')"),
    ("http://[::1]/", "::1", "loopback"),
    ("http://[::]/", "::", "unspecified"),
    ("http://[0:0:0:0:0:0:0:1]/", "::1", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "IPv4-mapped form of 127.0.0.1, loopback"),
    ("http://[::ffff:7f00:1]/", "::ffff:7f00:1", "IPv4-mapped form of 127.0.0.1, loopback"),
    ("http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe", "IPv4-mapped form of 169.254.169.254, link-local (cloud metadata)"),
    ("http://[::ffff:0:10.0.0.1]/", "::ffff:0:a00:1", "IPv4-translated (SIIT) form of 10.0.0.1, private"),
    ("http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1", "NAT64 form of 127.0.0.1, loopback"),
    ("http://[64:ff9b::10.0.0.1]/", "64:ff9b::a00:1", "NAT64 form of 10.0.0.1, private"),
    ("http://[64:ff9b:1::1]/", "64:ff9b:1::1", "local-use NAT64"),
    ("http://[2002:7f00:1::]/", "2002:7f00:1::", "6to4 form of 127.0.0.1, loopback"),
    ("http://[2002:a9fe:a9fe::1]/", "2002:a9fe:a9fe::1", "6to4 form of 169.254.169.254, link-local (cloud metadata)"),
    ("http://[::127.0.0.1]/", "::7f00:1", "IPv4-compatible (deprecated)"),
    ("http://[2001::1]/", "2001::1", "Teredo"),
    ("http://10.0.0.1/", "10.0.0.1", "private"),
    ("http://10.255.255.255/", "10.255.255.255", "private"),
    ("http://172.16.0.1/", "172.16.0.1", "private"),
    ("http://172.31.255.254/", "172.31.255.254", "private"),
    ("http://192.168.0.1/", "192.168.0.1", "private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local (cloud metadata)"),
    ("http://100.64.0.1/", "100.64.0.1", "shared (carrier-grade NAT)"),
    ("http://100.127.255.254/", "100.127.255.254", "shared (carrier-grade NAT)"),
    ("http://224.0.0.1/", "224.0.0.1", "multicast"),
    ("http://239.255.255.250/", "239.255.255.250", "multicast"),
    ("http://255.255.255.255/", "255.255.255.255", "broadcast"),
    ("http://240.0.0.1/", "240.0.0.1", "reserved"),
    ("http://192.0.0.8/", "192.0.0.8", "IETF protocol assignment"),
    ("http://192.0.2.1/", "192.0.2.1", "documentation (TEST-NET-1)"),
    ("http://198.51.100.1/", "198.51.100.1", "documentation (TEST-NET-2)"),
    ("http://203.0.113.1/", "203.0.113.1", "documentation (TEST-NET-3)"),
    ("http://198.18.0.1/", "198.18.0.1", "benchmarking"),
    ("http://192.88.99.1/", "192.88.99.1", "6to4 relay anycast"),
    ("http://[2001:db8::1]/", "2001:db8::1", "documentation"),
    ("http://[3fff::1]/", "3fff::1", "documentation"),
    ("http://[fc00::1]/", "fc00::1", "unique-local (private)"),
    ("http://[fd12:3456:789a::1]/", "fd12:3456:789a::1", "unique-local (private)"),
    ("http://[fe80::1]/", "fe80::1", "link-local"),
    ("http://[fec0::1]/", "fec0::1", "site-local (deprecated)"),
    ("http://[ff02::1]/", "ff02::1", "multicast"),
    ("http://[100::1]/", "100::1", "discard-only"),
    # Odd IPv4 spellings, all of which mean 127.0.0.1 to browsers and to inet_aton.
    ("http://2130706433/", "127.0.0.1", "loopback"),
    ("http://0x7f000001/", "127.0.0.1", "loopback"),
    ("http://0X7F000001/", "127.0.0.1", "loopback"),
    ("http://0177.0.0.1/", "127.0.0.1", "loopback"),
    ("http://0177.0000.0000.0001/", "127.0.0.1", "loopback"),
    ("http://0x7f.0x0.0x0.0x1/", "127.0.0.1", "loopback"),
    ("http://127.1/", "127.0.0.1", "loopback"),
    ("http://127.0.1/", "127.0.0.1", "loopback"),
    ("http://0x7f.1/", "127.0.0.1", "loopback"),
    ("http://017700000001/", "127.0.0.1", "loopback"),
    ("http://127.0.0.1./", "127.0.0.1", "loopback"),
    ("http://3232235521/", "192.168.0.1", "private"),
    ("http://0xa9fea9fe/", "169.254.169.254", "link-local (cloud metadata)"),
    ("http://user:pw@127.0.0.1:81/", "127.0.0.1", "loopback"),
    ("http://public.example@10.0.0.1/", "10.0.0.1", "private"),
]


@pytest.mark.parametrize(("url", "address", "reason"), BLOCKED_LITERALS)
def test_blocked_address_literals(url: str, address: str, reason: str) -> None:
    with pytest.raises(FetchBlockedError) as info:
        GUARD.check_url(url)
    assert info.value.rule == "address"
    assert info.value.message == f"fetch blocked: {address} is not a public address ({reason})"
    assert info.value.retryable is False
    assert info.value.hint == f"for local development, allow it explicitly (--allow-host {address})"


@pytest.mark.parametrize("url", ["http://localhost/", "http://LOCALHOST:8000/", "http://localhost./",
                                 "http://api.localhost/", "http://localhost.localdomain/", "http://ip6-localhost/"])
def test_localhost_names_refused_before_dns(url: str) -> None:
    with pytest.raises(FetchBlockedError) as info:
        GUARD.check_url(url)
    assert info.value.rule == "localhost"
    assert "is this machine (a loopback name)" in info.value.message


@pytest.mark.parametrize(("url", "canonical", "address"), [
    ("https://134744072/path?q=1", "https://8.8.8.8/path?q=1", "8.8.8.8"),
    ("http://0x08080808/", "http://8.8.8.8/", "8.8.8.8"),
    ("http://010.010.010.010/", "http://8.8.8.8/", "8.8.8.8"),
    ("http://8.8.2056/", "http://8.8.8.8/", "8.8.8.8"),
    ("http://[::ffff:8.8.8.8]/", "http://[::ffff:8.8.8.8]/", "::ffff:808:808"),
    ("http://[64:ff9b::8.8.8.8]/", "http://[64:ff9b::8.8.8.8]/", "64:ff9b::808:808"),
    ("http://[2002:808:808::1]/", "http://[2002:808:808::1]/", "2002:808:808::1"),
    ("https://[2606:4700:4700::1111]:8443/", "https://[2606:4700:4700::1111]:8443/", "2606:4700:4700::1111"),
])
def test_public_literals_pass_and_odd_spellings_are_canonicalised(url: str, canonical: str, address: str) -> None:
    target, addresses = GUARD.check_url(url)
    assert target.url == canonical
    assert addresses == [ipaddress.ip_address(address)]


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.com/", "fetch url: Scheme must be either HTTP or HTTPS (got 'ftp')"),
    ("file:///etc/passwd", "fetch url: Scheme must be either HTTP or HTTPS (got 'file')"),
    ("gopher://example.com/", "fetch url: Scheme must be either HTTP or HTTPS (got 'gopher')"),
    ("javascript:alert(1)", "fetch url: Scheme must be either HTTP or HTTPS (got 'javascript')"),
    ("//example.com/x", "fetch url: Invalid URL: it must be absolute, e.g. 'https://example.com/path'"),
    ("http:///path", "fetch url: No hostname"),
    ("", "fetch url: Invalid URL: the URL is empty"),
    ("http://1.2.3.4.5/", "fetch url: Invalid URL: host '1.2.3.4.5' is not a valid IPv4 address (too many parts for an IPv4 address)"),
    ("http://256.0.0.1/", "fetch url: Invalid URL: host '256.0.0.1' is not a valid IPv4 address (IPv4 address part out of range)"),
    ("http://09.0.0.1/", "fetch url: Invalid URL: host '09.0.0.1' is not a valid IPv4 address (bad octal part '09')"),
    ("http://[fe80::1%25eth0]/", "fetch url: Invalid URL: IPv6 zone identifiers are not allowed"),
    ("http://ex ample.com/", "fetch url: Invalid URL: 'ex%20ample.com' is not a valid host name"),
    ("http://a..b/", "fetch url: Invalid URL: 'a..b' is not a valid host name"),
])
def test_url_syntax_errors_name_the_url_field(url: str, message: str) -> None:
    with pytest.raises(FetchRequestError) as info:
        check_url_syntax(url)
    assert info.value.field == "url"
    assert str(info.value) == message


def test_ipv4_spelling_parser() -> None:
    assert parse_ipv4_spelling("example.com") is None
    assert parse_ipv4_spelling("1.example") is None
    assert parse_ipv4_spelling("0x1g") is None  # not a number, so a (strange) host name
    assert parse_ipv4_spelling("0x") == ipaddress.IPv4Address("0.0.0.0")
    assert parse_ipv4_spelling("4294967295") == ipaddress.IPv4Address("255.255.255.255")
    with pytest.raises(ValueError):
        parse_ipv4_spelling("4294967296")
    with pytest.raises(ValueError):
        parse_ipv4_spelling("1.2.65536")


def test_embedded_ipv4_forms() -> None:
    assert embedded_ipv4(ipaddress.IPv6Address("::ffff:1.2.3.4")) == ("IPv4-mapped", ipaddress.IPv4Address("1.2.3.4"))
    assert embedded_ipv4(ipaddress.IPv6Address("64:ff9b::102:304")) == ("NAT64", ipaddress.IPv4Address("1.2.3.4"))
    assert embedded_ipv4(ipaddress.IPv6Address("2002:102:304::")) == ("6to4", ipaddress.IPv4Address("1.2.3.4"))
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1")) is None
    assert blocked_reason(ipaddress.IPv6Address("::ffff:1.1.1.1")) is None
    assert blocked_reason(ipaddress.IPv4Address("1.1.1.1")) is None
    assert blocked_reason(ipaddress.IPv6Address("4000::1")) == "unallocated or reserved"


# ---------------------------------------------------------------------------------------------------
# Names that resolve to private addresses (stub resolver)


def stub_resolver(table: dict[str, list[str]]):
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return table[host]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def test_name_resolving_to_loopback_is_blocked() -> None:
    resolver = stub_resolver({"evil.example": ["127.0.0.1"]})
    guard = AddressGuard(resolver=resolver)
    with pytest.raises(FetchBlockedError) as info:
        guard.check_url("https://evil.example/hook")
    assert info.value.rule == "address"
    assert info.value.message == "fetch blocked: 'evil.example' resolves to 127.0.0.1, which is not a public address (loopback)"
    assert resolver.asked == [("evil.example", 443)]


def test_mixed_answer_with_one_private_address_is_blocked() -> None:
    guard = AddressGuard(resolver=stub_resolver({"mixed.example": ["93.184.216.34", "10.0.0.7"]}))
    with pytest.raises(FetchBlockedError) as info:
        guard.check_host("mixed.example", 80)
    assert "resolves to 10.0.0.7" in info.value.message


def test_ipv6_answers_are_checked_too() -> None:
    guard = AddressGuard(resolver=stub_resolver({"v6.example": ["::ffff:192.168.1.1"]}))
    with pytest.raises(FetchBlockedError) as info:
        guard.check_host("v6.example", 80)
    assert info.value.message == ("fetch blocked: 'v6.example' resolves to ::ffff:c0a8:101, which is not a public "
                                  "address (IPv4-mapped form of 192.168.1.1, private)")


def test_unresolvable_and_empty_answers() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    with pytest.raises(FetchBlockedError) as info:
        AddressGuard(resolver=failing).check_host("nowhere.example", 443)
    assert info.value.rule == "resolve"
    assert info.value.message == "fetch blocked: unable to resolve 'nowhere.example' ([Errno -2] Name or service not known)"
    with pytest.raises(FetchBlockedError) as info:
        AddressGuard(resolver=stub_resolver({"empty.example": []})).check_host("empty.example", 443)
    assert info.value.message == "fetch blocked: unable to resolve 'empty.example'"


def test_public_name_passes() -> None:
    guard = AddressGuard(resolver=stub_resolver({"api.example.com": ["93.184.216.34", "2606:2800:220:1::1"]}))
    assert guard.check_host("api.example.com", 443) == [ipaddress.ip_address("93.184.216.34"),
                                                         ipaddress.ip_address("2606:2800:220:1::1")]


# ---------------------------------------------------------------------------------------------------
# Allow-list and deny-list


def test_allow_list_opens_named_hosts_and_networks_only() -> None:
    resolver = stub_resolver({"svc.internal": ["10.1.2.3"], "other.internal": ["10.9.9.9"], "lab": ["192.168.5.5"]})
    guard = AddressGuard(allow_hosts=["svc.internal", "127.0.0.1", "192.168.5.0/24"], resolver=resolver)
    assert guard.check_host("svc.internal", 80) == [ipaddress.ip_address("10.1.2.3")]
    assert guard.check_host("127.0.0.1", 80) == [ipaddress.ip_address("127.0.0.1")]
    assert guard.check_host("lab", 80) == [ipaddress.ip_address("192.168.5.5")]
    with pytest.raises(FetchBlockedError):
        guard.check_host("other.internal", 80)
    with pytest.raises(FetchBlockedError):
        guard.check_host("127.0.0.2", 80)  # only the named address, not the whole loopback range
    with pytest.raises(FetchBlockedError):
        guard.check_host("localhost", 80)


def test_parse_allow_entries() -> None:
    hosts, networks = parse_allow_entries(["Example.COM.", "10.0.0.0/8", "[::1]", "127.0.0.1", " "])
    assert hosts == frozenset({"example.com"})
    assert networks == frozenset({ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"),
                                  ipaddress.ip_network("127.0.0.1/32")})


def test_policy_allowing_adds_entries() -> None:
    policy = FetchPolicy().allowing("localhost", "127.0.0.1")
    assert policy.allow_hosts == frozenset({"localhost"})
    assert policy.allow_networks == frozenset({ipaddress.ip_network("127.0.0.1/32")})
    guard = AddressGuard.from_policy(policy, resolver=stub_resolver({"localhost": ["127.0.0.1"]}))
    assert guard.check_host("localhost", 8000) == [ipaddress.ip_address("127.0.0.1")]


def test_deny_list_beats_everything() -> None:
    guard = AddressGuard(deny_hosts=["blocked.example"], allow_private_networks=True, resolver=no_dns)
    for host in ("blocked.example", "API.blocked.example"):
        with pytest.raises(FetchBlockedError) as info:
            guard.check_host(host, 443)
        assert info.value.rule == "deny-list"


def test_allow_private_networks_switches_the_address_check_off() -> None:
    guard = AddressGuard(allow_private_networks=True, resolver=stub_resolver({"localhost": ["127.0.0.1"]}))
    assert guard.check_host("localhost", 80) == [ipaddress.ip_address("127.0.0.1")]


# ---------------------------------------------------------------------------------------------------
# Connect to the address that was checked (DNS rebinding), over the in-memory network


def ok_handler(request):
    return 200, {"Content-Type": "application/json"}, '{"ok":true}'


def test_connection_goes_to_the_checked_address_even_if_dns_changes() -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    network = FakeNetwork(ok_handler)
    policy = FetchPolicy()
    fetcher = Fetcher(policy, client=make_client(policy, resolver=rebinding, network_backend=network))
    response = fetcher.fetch(build_request("https://rebind.example/a", {"method": "GET"}))
    assert response.status == 200
    assert asked == ["rebind.example"]  # resolved once, for the connect
    assert network.connects == [("93.184.216.34", 443)]  # to the checked address, never to a second answer
    assert network.tls_hostnames == ["rebind.example"]  # SNI and certificate checks use the name
    assert network.requests[0].header("host") == "rebind.example"


def test_blocked_name_never_reaches_the_network() -> None:
    network = FakeNetwork(ok_handler)
    policy = FetchPolicy()
    client = make_client(policy, resolver=stub_resolver({"meta.example": ["169.254.169.254"]}), network_backend=network)
    with pytest.raises(FetchBlockedError):
        Fetcher(policy, client=client).fetch(build_request("http://meta.example/latest/meta-data/"))
    assert network.connects == []


def test_backend_tries_the_next_checked_address_on_connect_failure() -> None:
    attempts: list[str] = []

    class Flaky(FakeNetwork):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            attempts.append(host)
            if host == "93.184.216.34":
                raise httpcore.ConnectError("refused")
            return super().connect_tcp(host, port, timeout, local_address, socket_options)

    guard = AddressGuard(resolver=stub_resolver({"two.example": ["93.184.216.34", "93.184.216.35"]}))
    backend = GuardedBackend(guard, Flaky(ok_handler))
    stream = backend.connect_tcp("two.example", 80)
    assert stream is not None
    assert attempts == ["93.184.216.34", "93.184.216.35"]


def test_unix_sockets_are_refused() -> None:
    backend = GuardedBackend(GUARD, FakeNetwork(ok_handler))
    with pytest.raises(FetchBlockedError) as info:
        backend.connect_unix_socket("/var/run/docker.sock")
    assert info.value.message == "fetch blocked: unix sockets are never allowed"
