"""The globals a template sees (event, person, groups, project, source, inputs), and filter globals.

`build_globals(event_json, ...)` turns a PostHog-style event into the invocation globals the way
PostHog's CDP does (spec templates-and-host.md §3.1). `normalize_globals(data)` accepts globals given
directly (the playground's "test invocation context"). `build_filter_globals(globals)` derives the
differently shaped object filters run against (§3.3).

Accepted event JSON (any of PostHog's export shapes):

```
{"uuid": "...", "event": "$pageview", "distinct_id": "...", "properties": {...}, "timestamp": "...",
 "elements_chain": "...", "captured_at": "...",
 "person": {"id" | "uuid": "...", "properties": {...}},          # or person_id + person_properties
 "groups": {"company": {"id": "acme", "index": 0, "properties": {...}}}}     # optional
```
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hoglite.errors import TemplateError

DEFAULT_SITE_URL = "https://us.posthog.com"
DEFAULT_PERSON_DISPLAY_NAME_PROPERTIES = ("email", "name", "username")
GLOBAL_KEYS = ("event", "person", "groups", "project", "source", "inputs")


@dataclass(frozen=True)
class Project:
    """The project the events belong to (PostHog's team). `url` is `{site_url}/project/{id}`."""

    id: int = 1
    name: str = "Default project"
    site_url: str = DEFAULT_SITE_URL
    person_display_name_properties: tuple[str, ...] = DEFAULT_PERSON_DISPLAY_NAME_PROPERTIES
    # Group type name -> index (0-4). When empty, group types get indexes in order of appearance.
    group_types: Mapping[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.site_url.rstrip('/')}/project/{self.id}"

    def to_global(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "url": self.url}


_URI_SAFE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
# ASCII text is escaped with one str.translate (each unsafe character is one UTF-8 byte, %XX as quote
# writes it); anything else goes through urllib's quote.
_URI_ASCII_TABLE = {code: f"%{code:02X}" for code in range(128) if chr(code) not in _URI_SAFE_CHARS}


# Safe characters plus ':', the one character of an ISO timestamp that needs escaping.
_URI_SAFE_OR_COLON = re.compile(r"[A-Za-z0-9\-_.!~*'():]*")


def encode_uri_component(text: str) -> str:
    """JavaScript's encodeURIComponent (PostHog builds its URLs with it)."""
    if _URI_SAFE_OR_COLON.fullmatch(text):
        # Nothing to escape (a uuid, say), or only ':' (a timestamp): skip the quoting machinery.
        return text.replace(":", "%3A")
    if text.isascii():
        return text.translate(_URI_ASCII_TABLE)
    return quote(text, safe="-_.!~*'()")


_DEFAULT_PROJECT = Project()  # frozen, and only read here


def is_globals(data: Any) -> bool:
    """True when `data` is already a globals object (its `event` is a dict) rather than an event."""
    if type(data) is not dict and not isinstance(data, Mapping):
        return False
    event = data.get("event")
    return type(event) is dict or isinstance(event, Mapping)  # (a dict first: the ABC check is slow)


def source_global(project: Project, function_id: str, name: str | None) -> dict[str, Any]:
    return {
        "name": name or f"Hog function: {function_id}",
        "url": f"{project.url}/pipeline/destinations/hog-{function_id}/configuration/",
    }


def build_globals(
    event: Mapping[str, Any],
    *,
    project: Project | None = None,
    source: Mapping[str, Any] | None = None,
    group_properties: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The invocation globals for one PostHog-style event JSON (spec §3.1).

    `group_properties` maps group type -> group key -> properties, for the groups enrichment.
    """
    if type(event) is not dict and not isinstance(event, Mapping):
        raise TemplateError("An event must be a JSON object.", field="event")
    project = project or _DEFAULT_PROJECT
    properties = event.get("properties")
    properties = {} if properties is None else properties
    if type(properties) is not dict and not isinstance(properties, Mapping):
        raise TemplateError("'properties' must be an object.", field="event.properties")
    properties = dict(properties)
    name = event.get("event")
    if not isinstance(name, str) or not name:
        raise TemplateError("The event needs an 'event' name.", field="event.event")
    uuid = str(event.get("uuid") or event.get("id") or "")
    distinct_id = event.get("distinct_id", properties.get("distinct_id"))
    distinct_id = "" if distinct_id is None else str(distinct_id)
    timestamp = event.get("timestamp") or properties.get("$time") or ""
    timestamp = str(timestamp)
    elements_chain = event.get("elements_chain") or properties.get("$elements_chain") or ""
    project_url, project_global = _project_parts(project)
    event_global = {
        "uuid": uuid,
        "event": name,
        "distinct_id": distinct_id,
        "properties": properties,
        "elements_chain": elements_chain,
        "timestamp": timestamp,
        "captured_at": event.get("captured_at"),
        "url": f"{project_url}/events/{encode_uri_component(uuid)}/{encode_uri_component(timestamp)}",
    }
    return {
        "project": project_global,
        "source": dict(source) if source is not None else source_global(project, "unknown", None),
        "event": event_global,
        "person": _person_global(event, distinct_id, project, project_url),
        "groups": _groups_global(event, properties, project, group_properties or {}),
        "inputs": {},
    }


# (project, its id, name and site_url, its url, its to_global()) by id(project): a Project is frozen,
# so with exact int/str fields that are the same objects, its url and global are the same.
_PROJECT_PARTS: dict[int, tuple[Any, ...]] = {}


def _project_parts(project: Project) -> tuple[str, dict[str, Any]]:
    """(project.url, a fresh project.to_global())."""
    found = _PROJECT_PARTS.get(id(project))
    if found is not None and found[0] is project and found[1] is project.id and found[2] is project.name \
            and found[3] is project.site_url:
        return found[4], dict(found[5])
    url, project_global = project.url, project.to_global()
    if type(project) is Project and type(project.id) is int and type(project.name) is str \
            and type(project.site_url) is str:
        if len(_PROJECT_PARTS) >= 64:
            _PROJECT_PARTS.clear()
        _PROJECT_PARTS[id(project)] = (project, project.id, project.name, project.site_url, url,
                                       dict(project_global))
    return url, project_global


def _person_global(event: Mapping[str, Any], distinct_id: str, project: Project,
                   project_url: str | None = None) -> dict[str, Any] | None:
    person = event.get("person")
    if type(person) is dict or isinstance(person, Mapping):
        person_id = person.get("id") or person.get("uuid")
        person_properties = person.get("properties") or {}
    elif event.get("person_id"):
        person_id = event.get("person_id")
        person_properties = event.get("person_properties") or {}
    else:
        return None  # PostHog gives null when the event has no person
    person_properties = dict(person_properties)
    return {
        "id": None if person_id is None else str(person_id),
        "properties": person_properties,
        "name": person_display_name(person_properties, distinct_id, project.person_display_name_properties),
        "url": f"{project.url if project_url is None else project_url}/person/{encode_uri_component(distinct_id)}",
    }


def person_display_name(properties: Mapping[str, Any], distinct_id: str,
                        display_properties: tuple[str, ...] = DEFAULT_PERSON_DISPLAY_NAME_PROPERTIES) -> str:
    """The first truthy display-name property (JSON-encoded if not a string), else the distinct id."""
    for key in display_properties:
        value = properties.get(key)
        if value is None or value is False or value == "" or value == 0:
            continue
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return text.strip()
    return distinct_id.strip()


def _groups_global(event: Mapping[str, Any], properties: Mapping[str, Any], project: Project,
                   group_properties: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    given = event.get("groups")
    if given is not None and isinstance(given, Mapping):
        # Groups supplied with the event (already enriched by the embedder): fill in what is missing.
        out: dict[str, Any] = {}
        for position, (group_type, group) in enumerate(given.items()):
            group = dict(group) if isinstance(group, Mapping) else {"id": group}
            index = group.get("index", project.group_types.get(group_type, position))
            key = str(group.get("id") or group.get("key") or "")
            out[group_type] = {
                "id": key,
                "type": group_type,
                "index": index,
                "url": group.get("url") or f"{project.url}/groups/{index}/{encode_uri_component(key)}",
                "properties": dict(group.get("properties") or {}),
            }
        return out
    raw = properties.get("$groups")
    if raw is None or not isinstance(raw, Mapping):  # (None first: the ABC check is slow)
        return {}
    out = {}
    for position, (group_type, group_key) in enumerate(raw.items()):
        if group_key is None:
            continue
        if project.group_types:
            if group_type not in project.group_types:
                continue  # PostHog only enriches group types the project knows
            index = project.group_types[group_type]
        else:
            index = position
        key = str(group_key)
        out[group_type] = {
            "id": key,
            "type": group_type,
            "index": index,
            "url": f"{project.url}/groups/{index}/{encode_uri_component(key)}",
            "properties": dict((group_properties.get(group_type) or {}).get(key) or {}),
        }
    return out


def normalize_globals(data: Mapping[str, Any]) -> dict[str, Any]:
    """Globals given directly: used as they are, with `inputs` reset (inputs are evaluated fresh)."""
    if not is_globals(data):
        raise TemplateError("Globals need an 'event' object.", field="event")
    out = {key: data[key] for key in data}
    out.setdefault("person", None)
    out.setdefault("groups", {})
    out.setdefault("project", Project().to_global())
    out.setdefault("source", None)
    out["inputs"] = {}
    return out


def globals_from(data: Mapping[str, Any], *, project: Project | None = None,
                 source: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Globals from either an event JSON or globals given directly."""
    if is_globals(data):
        out = normalize_globals(data)
        if out.get("source") is None and source is not None:
            out["source"] = dict(source)
        return out
    return build_globals(data, project=project, source=source)


# ---------------------------------------------------------------------------------------------------
# Filter globals (§3.3)

_HREF_RE = re.compile(r'(?::|")href="(.*?)"')
_TEXT_RE = re.compile(r'(?::|")text="(.*?)"')
_ID_RE = re.compile(r'(?::|")attr_id="(.*?)"')
_TAG_RE = re.compile(r"(?:^|;)(a|button|form|input|select|textarea|label)(?:\.|;|:|$)")


def _distinct(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def build_filter_globals(globals_: Mapping[str, Any]) -> dict[str, Any]:
    """The analytics-row-shaped object filters are evaluated against."""
    event = globals_.get("event") or {}
    properties = event.get("properties") or {}
    chain = event.get("elements_chain") or properties.get("$elements_chain") or ""
    chain = chain if isinstance(chain, str) else ""
    href = _HREF_RE.search(chain)
    person = globals_.get("person")
    person_row = {"id": person.get("id"), "properties": person.get("properties") or {}} if person else None
    out: dict[str, Any] = {
        "event": event.get("event"),
        "uuid": event.get("uuid"),
        "distinct_id": event.get("distinct_id"),
        "timestamp": event.get("timestamp"),
        "properties": properties,
        "elements_chain": chain,
        "elements_chain_href": href.group(1) if href else "",
        "elements_chain_texts": _distinct(_TEXT_RE.findall(chain)),
        "elements_chain_ids": _distinct(_ID_RE.findall(chain)),
        "elements_chain_elements": _distinct(_TAG_RE.findall(chain)),
        "person": person_row,
        "pdi": (
            {"distinct_id": event.get("distinct_id"), "person_id": person.get("id"), "person": person_row}
            if person else None
        ),
    }
    by_index: dict[int, Mapping[str, Any]] = {}
    for group in (globals_.get("groups") or {}).values():
        if isinstance(group, Mapping) and isinstance(group.get("index"), int):
            by_index[group["index"]] = group
    for index in range(5):
        group = by_index.get(index)
        out[f"$group_{index}"] = group.get("id") if group else None
        out[f"group_{index}"] = {"properties": dict(group.get("properties") or {}) if group else {}}
    return out
