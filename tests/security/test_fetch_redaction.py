"""Secrets never reach logs, errors, recorded fetch calls or paused state, in any common encoding."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from hoglite.cdp.redact import DEFAULT_MASK, Redactor, redactor_for_inputs, secret_forms, secrets_from_inputs
from hoglite.net.errors import FetchTransportError
from hoglite.net.fetch import FetchRequest, FetchResponse, build_request
from hoglite.net.mock import MockFetcher
from hoglite.vm.values import HogErrorValue

SECRET = 'sk_live_4f9"Zq/+ é&x=1'
M = DEFAULT_MASK


@pytest.fixture()
def redactor() -> Redactor:
    return Redactor([SECRET, "tok_ABCDEFGHIJKL"])


def test_mask_is_the_posthog_mask() -> None:
    assert DEFAULT_MASK == "***REDACTED***"


@pytest.mark.parametrize(("form", "text"), [
    ("raw", f"key={SECRET};"),
    ("json", "body " + json.dumps({"k": SECRET}, ensure_ascii=False)),
    ("json-ascii", "body " + json.dumps({"k": SECRET})),
    ("json-twice", json.dumps(json.dumps({"k": SECRET}))),
    ("url-component", "https://x.test/?k=" + urllib.parse.quote(SECRET, safe="-_.!~*'()")),
    ("url-strict", "https://x.test/?k=" + urllib.parse.quote(SECRET, safe="")),
    ("url-form", "k=" + urllib.parse.quote_plus(SECRET)),
    ("url-mixed-case-hex", "k=" + urllib.parse.quote(SECRET, safe="").replace("%2F", "%2f").replace("%C3", "%c3")),
    ("hog-quoted", "{'k': '" + SECRET.replace("'", "\\'") + "'}"),
])
def test_every_form_is_masked(redactor: Redactor, form: str, text: str) -> None:
    out = redactor.redact_text(text)
    assert M in out
    assert "4f9" not in out and "Zq" not in out, form


def test_exact_outputs(redactor: Redactor) -> None:
    assert redactor.redact_text(f"a {SECRET} b {SECRET}") == f"a {M} b {M}"
    assert redactor.redact_text(json.dumps({"k": SECRET})) == '{"k": "' + M + '"}'
    assert redactor.redact_text("k=" + urllib.parse.quote(SECRET, safe="")) == "k=" + M
    assert redactor.redact_text("no secrets here") == "no secrets here"
    assert redactor.redact_text("") == ""


def test_base64_in_any_alignment_is_masked() -> None:
    redactor = Redactor(["tok_ABCDEFGHIJKL"])
    for prefix in (b"", b"a", b"ab", b"api:"):
        for suffix in (b"", b"!", b"!?"):
            encoded = base64.b64encode(prefix + b"tok_ABCDEFGHIJKL" + suffix).decode()
            out = redactor.redact_text(f"Authorization: Basic {encoded}")
            assert M in out
            assert "QUJDREVGR0hJSktM" not in out  # base64 of the secret's middle never survives
    assert redactor.redact_text(base64.b64encode(b"tok_ABCDEFGHIJKL").decode()) == M
    assert redactor.redact_text(base64.urlsafe_b64encode(b"tok_ABCDEFGHIJKL").decode()) == M


def test_short_secrets_have_no_base64_rule() -> None:
    assert not any(len(f) >= 8 and f.isalnum() for f in secret_forms("abc") - {"abc"})
    assert Redactor(["abc"]).redact_text("YWJj and abc") == f"YWJj and {M}"


def test_overlapping_secrets_leave_no_fragment() -> None:
    assert Redactor(["abcdef", "defghi"]).redact_text("zabcdefghiz") == f"z{M}z"
    assert Redactor(["secret", "secretsauce"]).redact_text("secretsauce secret") == f"{M} {M}"


def test_empty_and_non_string_secrets_are_ignored() -> None:
    redactor = Redactor(["", None, 5])  # type: ignore[list-item]
    assert not redactor
    assert redactor.redact_text("anything") == "anything"


def test_aliases() -> None:
    redactor = Redactor(["hunter2"])
    assert redactor.redact("pw=hunter2") == redactor("pw=hunter2") == f"pw={M}"


def test_custom_mask() -> None:
    assert Redactor(["hunter2"], mask="***").redact_text("pw=hunter2") == "pw=***"


def test_recorded_fetch_calls_shown_to_a_user(redactor: Redactor) -> None:
    mock = MockFetcher()
    request = build_request(f"https://api.test/v1?key={urllib.parse.quote(SECRET, safe='')}", {
        "headers": {"Authorization": f"Bearer {SECRET}", "X-Other": "fine"},
        "body": {"token": SECRET, "nested": [{"v": "tok_ABCDEFGHIJKL"}]},
    })
    mock.fetch(request)
    shown = [redactor.redact_value(call) for call in mock.calls]
    assert shown == [FetchRequest(
        url=f"https://api.test/v1?key={M}",
        method="POST",
        headers={"Authorization": f"Bearer {M}", "X-Other": "fine"},
        body='{"token":"' + M + '","nested":[{"v":"' + M + '"}]}',
    )]
    assert mock.calls[0].headers["Authorization"] == f"Bearer {SECRET}"  # the record itself is untouched
    assert redactor.redact_value(request.to_json())["body"] == '{"token":"' + M + '","nested":[{"v":"' + M + '"}]}'


def test_deep_values_keep_their_types(redactor: Redactor) -> None:
    error = HogErrorValue("Error", f"failed with {SECRET}", {"k": SECRET})
    value = {"list": [SECRET, 1, None, True], "tuple": (SECRET,), SECRET: "key", "err": error,
             "bytes": SECRET.encode(), "resp": FetchResponse(status=401, body={"echo": SECRET})}
    out = redactor.redact_value(value)
    assert out == {"list": [M, 1, None, True], "tuple": (M,), M: "key",
                   "err": HogErrorValue("Error", f"failed with {M}", {"k": M}),
                   "bytes": M.encode(), "resp": FetchResponse(status=401, body={"echo": M})}
    assert type(out["err"]) is HogErrorValue
    assert value["list"][0] == SECRET


def test_cycles_and_depth_fail_closed(redactor: Redactor) -> None:
    loop: list = [SECRET]
    loop.append(loop)
    out = redactor.redact_value(loop)
    assert out[0] == M and out[1] is out
    deep: list = [SECRET]
    for _ in range(1000):
        deep = [deep]
    out = redactor.redact_value(deep)
    depth = 0
    while isinstance(out, list) and out and isinstance(out[0], list):
        out, depth = out[0], depth + 1
    assert out == [M]  # past the depth limit the whole rest is masked, never copied through
    assert depth < 1000


def test_paused_state_log_and_error_text(redactor: Redactor) -> None:
    state = {"globals": {"inputs": {"apiKey": SECRET}}, "logs": [{"level": "info", "message": f"sent {SECRET}"}],
             "vmState": {"stack": [json.dumps({"t": SECRET})]}}
    assert json.dumps(redactor.redact_value(state)).count("4f9") == 0
    error = FetchTransportError(f"fetch failed after 1 attempt: ConnectError: https://u:{SECRET}@x.test")
    assert redactor.redact_error(error) == f"fetch failed after 1 attempt: ConnectError: https://u:{M}@x.test"


SCHEMA = [
    {"key": "apiKey", "type": "string", "secret": True},
    {"key": "accessToken", "type": "string"},
    {"key": "email", "type": "string"},
    {"key": "headers", "type": "dictionary"},
    {"key": "oauth", "type": "integration"},
    {"key": "note", "type": "string", "secret": True},
]


def test_secrets_from_inputs_follow_posthog_rules() -> None:
    inputs = {
        "apiKey": "key-123",
        "accessToken": "at-456",  # not marked secret, but the key looks like a credential
        "email": "max@example.com",
        "headers": {"Authorization": "Bearer hdr-789", "X-Api-Key": "xk-000", "Content-Type": "application/json"},
        "oauth": {"access_token": "oa-111", "app.region": "US", "nested": {"refresh_token": "rt-222"}},
        "note": "",
        "unknownPassword": "pw-333",  # not in the schema: judged by its key
    }
    assert secrets_from_inputs(SCHEMA, inputs) == [
        "key-123", "at-456", "Bearer hdr-789", "hdr-789", "xk-000", "oa-111", "rt-222", "pw-333",
    ]
    redactor = redactor_for_inputs(SCHEMA, inputs)
    assert redactor.redact_text("Authorization: Bearer hdr-789, region US, max@example.com") == (
        f"Authorization: {M}, region US, max@example.com")
