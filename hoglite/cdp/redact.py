"""Secret redaction: the one choke point every log line, error text and shown request passes through.

`Redactor(secrets)` masks each secret wherever it appears, in every form it is likely to take on the
way out of a template:

* raw;
* JSON-escaped and Hog-quoted (Hog's repr of a string inside a container escapes `'`, `\\` and
  control characters), in every combination up to three levels deep, with and without `\\uXXXX`
  escapes for non-ASCII: a secret in a JSON body that a server echoes back, which the code then
  prints as a dict (`JSON -> Hog repr`) or wraps in `jsonStringify` and throws (`JSON -> JSON`),
  and which a host then dumps as JSON once more (`JSON -> JSON -> JSON`);
* URL-encoded as `encodeURIComponent`, `encodeURI` and form encoding (`+` for space) write it, with
  the hex digits of `%XX` in any case;
* base64 (standard and URL-safe alphabets), wherever the secret sits in the encoded input: for each of
  the three byte alignments the part of the encoding that depends only on the secret is masked, so
  `base64Encode(f'api:{inputs.key}')` in a Basic auth header is caught. Up to two characters at each
  edge depend on the neighbouring bytes and stay visible; the rule applies only when the stable part is
  at least 8 characters long, to avoid masking unrelated text for very short secrets.

Overlapping matches (two secrets sharing text) are merged and masked as one, so no fragment of either
survives. The mask is PostHog's `***REDACTED***` unless the host chooses another.

`secrets_from_inputs(schema, inputs)` implements PostHog's rules for which input values are secret
(templates-and-host.md §2.8).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_MASK = "***REDACTED***"
MIN_BASE64_CORE = 8
# JSON escaping and Hog quoting are combined up to this many levels deep (a secret with no special
# characters has one form whatever the depth; one with `"`, `\\` and non-ASCII has a few dozen).
ESCAPE_LEVELS = 3
MAX_DEPTH = 200  # deeper values are replaced by the mask as a whole (fail closed)

# PostHog's credential-looking input keys (§2.8).
CREDENTIAL_KEY = re.compile(
    r"authorization|cookie|token|secret|password|passcode|credential|api[-_]?key|private[-_]?key|signing[-_]?key",
    re.IGNORECASE,
)
AUTH_PREFIXES = ("Bearer ", "Basic ", "Token ")

_HEX_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _any_case_hex(match: re.Match[str]) -> str:
    """`%2F` -> `%2[fF]`: percent-escapes match in upper, lower or mixed case."""
    return "%" + "".join(f"[{c.lower()}{c}]" if c.isalpha() else c for c in match.group(0)[1:])


def _json_escaped(text: str) -> set[str]:
    forms = {json.dumps(text, ensure_ascii=False)[1:-1], json.dumps(text, ensure_ascii=True)[1:-1]}
    return forms


def _hog_quoted(text: str) -> str:
    """The inside of Hog's repr of a string (`print` of a container, f-string of a dict)."""
    from hoglite.vm.values import quote_string

    return quote_string(text)[1:-1]


def _escaped_forms(text: str) -> set[str]:
    """`text` after one level of JSON escaping (ASCII-only or not) or Hog quoting."""
    return {*_json_escaped(text), _hog_quoted(text)}


def _url_encoded(text: str) -> set[str]:
    forms = {
        urllib.parse.quote(text, safe="-_.!~*'()"),  # encodeURIComponent
        urllib.parse.quote(text, safe=""),
        urllib.parse.quote(text, safe="-_.!~*'();/?:@&=+$,#"),  # encodeURI
        urllib.parse.quote_plus(text, safe=""),
        urllib.parse.quote_plus(text, safe="-_.!~*'()"),
    }
    return forms  # the hex digits of %XX match in any case (see Redactor)


def _base64_cores(data: bytes) -> set[str]:
    """The substrings of any base64 text containing `data` that depend on `data` alone."""
    cores: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(data).decode("ascii")
        if len(data) >= 4:
            cores.add(whole)
            cores.add(whole.rstrip("="))
        for offset in range(3):
            encoded = encode(b"\0" * offset + data).decode("ascii")
            start = 4 if offset else 0
            end = 4 * ((offset + len(data)) // 3)
            core = encoded[start:end]
            if len(core) >= MIN_BASE64_CORE:
                cores.add(core)
    return cores


def secret_forms(secret: str) -> set[str]:
    """Every text form of `secret` the redactor masks."""
    forms = {secret}
    level = {secret}
    for _ in range(ESCAPE_LEVELS):
        level = {escaped for text in level for escaped in _escaped_forms(text)} - forms
        forms |= level
    forms |= _url_encoded(secret)
    forms |= _base64_cores(secret.encode("utf-8", "surrogatepass"))
    forms.discard("")
    return forms


class Redactor:
    """Masks a fixed set of secret strings in text and in nested values."""

    def __init__(self, secrets: Iterable[str], *, mask: str = DEFAULT_MASK) -> None:
        self.mask = mask
        self.secrets: tuple[str, ...] = tuple(sorted({s for s in secrets if isinstance(s, str) and s}))
        forms: set[str] = set()
        for secret in self.secrets:
            forms |= secret_forms(secret)
        # Longest first so that at any position the longest form wins; the lookahead finds matches
        # starting at every position, so overlapping secrets are all seen and merged below.
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        alternatives = "|".join(_HEX_ESCAPE.sub(_any_case_hex, re.escape(form)) for form in ordered)
        self._pattern = re.compile("(?=(" + alternatives + "))") if ordered else None

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def with_secrets(self, more: Iterable[str]) -> Redactor:
        return Redactor([*self.secrets, *more], mask=self.mask)

    def redact_text(self, text: str) -> str:
        """`text` with every occurrence of every secret form replaced by the mask."""
        if self._pattern is None or not text:
            return text
        spans: list[list[int]] = []
        for match in self._pattern.finditer(text):
            start, end = match.start(1), match.end(1)
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        if not spans:
            return text
        parts: list[str] = []
        position = 0
        for start, end in spans:
            parts.append(text[position:start])
            parts.append(self.mask)
            position = end
        parts.append(text[position:])
        return "".join(parts)

    # Short aliases: `redactor.redact(text)` and `redactor(text)` mean redact_text.
    def redact(self, text: str) -> str:
        return self.redact_text(text)

    def __call__(self, text: str) -> str:
        return self.redact_text(text)

    def redact_value(self, value: Any) -> Any:
        """A deep copy of `value` with secrets masked in every string (dict keys included).

        Handles str, bytes, lists, tuples, dicts (keeping dict subclasses such as Hog errors and dates),
        and dataclass instances (e.g. FetchRequest / FetchResponse). Other objects are returned as is.
        """
        if self._pattern is None:
            return value
        return self._redact(value, 0, {})

    def _redact(self, value: Any, depth: int, seen: dict[int, Any]) -> Any:
        if isinstance(value, str):
            return self.redact_text(value)
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if depth > MAX_DEPTH:
            return self.mask
        if isinstance(value, (bytes, bytearray)):
            text = bytes(value).decode("utf-8", "surrogateescape")
            return self.redact_text(text).encode("utf-8", "surrogateescape")
        marker = id(value)
        if marker in seen:
            return seen[marker]
        if isinstance(value, dict):
            copy = dict() if type(value) is dict else type(value).__new__(type(value))
            seen[marker] = copy
            for key, item in value.items():
                new_key = self.redact_text(key) if isinstance(key, str) else key
                dict.__setitem__(copy, new_key, self._redact(item, depth + 1, seen))
            return copy
        if isinstance(value, list):
            out: list[Any] = []
            seen[marker] = out
            for item in value:
                out.append(self._redact(item, depth + 1, seen))
            return out
        if isinstance(value, tuple):
            items: list[Any] = []
            for item in value:
                items.append(self._redact(item, depth + 1, seen))
            return tuple(items)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self._redact(getattr(value, f.name), depth + 1, seen)
                       for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **changes)
        return value

    def redact_error(self, error: BaseException) -> str:
        """The error's text, redacted (for `str(error)` in logs and results)."""
        return self.redact_text(str(error))


# ---------------------------------------------------------------------------------------------------
# Which input values are secrets


def _strings(value: Any, out: list[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _strings(item, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _strings(item, out, depth + 1)


def _credential_strings(value: Mapping[str, Any], out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for key, item in value.items():
        if CREDENTIAL_KEY.search(str(key)):
            _strings(item, out, depth + 1)
        elif isinstance(item, Mapping):
            _credential_strings(item, out, depth + 1)


def _with_prefix_stripped(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.append(value)
        for prefix in AUTH_PREFIXES:
            if value.startswith(prefix) and len(value) > len(prefix):
                out.append(value[len(prefix):])
    return out


def secrets_from_inputs(schema: Iterable[Mapping[str, Any]], inputs: Mapping[str, Any]) -> list[str]:
    """The sensitive strings among evaluated `inputs`, by PostHog's rules (§2.8).

    * every input whose schema item has `secret: true` (all strings in it, recursively);
    * every input whose key looks like a credential (`CREDENTIAL_KEY`);
    * in `integration` inputs and in other dict inputs, the values under credential-looking keys at
      any depth (`access_token`, `Authorization`, `X-Api-Key`, `Cookie`, `Token`, ...);
    * every secret string also counts without a leading `Bearer `/`Basic `/`Token `.

    Deliberate narrowing of PostHog's rule: PostHog treats *every* string in an integration dict as
    secret, which would mask short non-secret values such as `"app.region": "US"` all over the logs;
    hoglite takes the credential-looking keys only (plus the whole value when it is not a dict).
    Empty strings are never secrets. Inputs missing from the schema are judged by their key alone.
    """
    items = {str(item.get("key")): item for item in schema if isinstance(item, Mapping) and item.get("key")}
    found: list[str] = []
    for key, value in inputs.items():
        item = items.get(key, {})
        strings: list[str] = []
        whole = item.get("secret") or CREDENTIAL_KEY.search(str(key))
        if whole or (item.get("type") == "integration" and not isinstance(value, Mapping)):
            _strings(value, strings)
        elif isinstance(value, Mapping):
            # Integration dicts and dictionary inputs: the values under credential-looking keys.
            _credential_strings(value, strings, 0)
        found.extend(_with_prefix_stripped(strings))
    unique: list[str] = []
    for secret in found:
        if secret and secret not in unique:
            unique.append(secret)
    return unique


def redactor_for_inputs(schema: Iterable[Mapping[str, Any]], inputs: Mapping[str, Any], *,
                        mask: str = DEFAULT_MASK) -> Redactor:
    """A Redactor for one function's evaluated inputs."""
    return Redactor(secrets_from_inputs(schema, inputs), mask=mask)
