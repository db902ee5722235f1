"""What the playground offers before the author types anything: sample events, mock scenarios, demo inputs.

Kept as Python data (not JSON files) so they ship with the package without extra package-data rules.

* `SAMPLE_EVENTS`: the playground's own sample events ($identify, $pageview, a custom event with
  properties), offered for every template next to the template's own samples/*.json.
* `MOCK_SCENARIOS`: per template id, named sets of mocked fetch routes (hoglite.net.mock file format)
  so a template runs a realistic path without the network. The Intercom ones cover contact found,
  contact not found and an API error. Templates without scenarios get PostHog's default answer.
* `INTEGRATION_DEFAULTS`: demo values for `integration` inputs (an OAuth connection cannot be made
  offline), so the bundled templates run as soon as they are picked.
"""

from __future__ import annotations

import copy
from typing import Any

_PERSON = {
    "id": "018f5c3a-7b2e-0000-9d3c-2f1e0a9b8c7d",
    "properties": {
        "email": "max@hedgebox.net",
        "first_name": "Max",
        "last_name": "Hedgehog",
        "phone": "+15555550100",
        "plan": "pro",
        "$geoip_country_name": "United States",
    },
}

# name -> (label, event). Labels are what the picker shows.
SAMPLE_EVENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "identify": ("$identify (person with email)", {
        "uuid": "0190e1c2-1a2b-7c3d-8e4f-000000000001",
        "event": "$identify",
        "distinct_id": "user-42",
        "timestamp": "2024-07-01T12:34:56.789Z",
        "elements_chain": "",
        "properties": {
            "$current_url": "https://hedgebox.net/signup",
            "$browser": "Chrome",
            "$lib": "web",
            "$set": {"email": "max@hedgebox.net", "plan": "pro"},
        },
        "person": _PERSON,
    }),
    "pageview": ("$pageview", {
        "uuid": "0190e1c2-1a2b-7c3d-8e4f-000000000002",
        "event": "$pageview",
        "distinct_id": "user-42",
        "timestamp": "2024-07-01T12:40:00.000Z",
        "elements_chain": "",
        "properties": {
            "$current_url": "https://hedgebox.net/pricing",
            "$pathname": "/pricing",
            "$browser": "Chrome",
            "$lib": "web",
            "$referrer": "https://www.google.com/",
        },
        "person": _PERSON,
    }),
    "purchase": ("Purchase completed (custom event)", {
        "uuid": "0190e1c2-1a2b-7c3d-8e4f-000000000003",
        "event": "Purchase completed",
        "distinct_id": "user-42",
        "timestamp": "2024-07-01T12:45:10.500Z",
        "elements_chain": "",
        "properties": {
            "$current_url": "https://hedgebox.net/checkout",
            "product": "Hedgebox Pro",
            "price": 49.5,
            "currency": "USD",
            "quantity": 1,
            "coupon": None,
        },
        "person": _PERSON,
    }),
}

_INTERCOM_HOSTS = r"https://api(\.eu|\.au)?\.intercom\.io"
_CONTACT = {"type": "contact", "id": "6762f0d51bb69f9f2193bb7f", "role": "user", "email": "max@hedgebox.net"}
_UNAUTHORIZED = {"status": 401, "body": {"type": "error.list", "request_id": "000i6u2ovbmcfdkl5bq0",
                                         "errors": [{"code": "unauthorized", "message": "Access Token Invalid"}]}}


def _search(total: int) -> dict[str, Any]:
    return {"pattern": f"{_INTERCOM_HOSTS}/contacts/search", "method": "POST",
            "response": {"status": 200, "body": {"type": "list", "total_count": total,
                                                 "data": [_CONTACT] * total}}}


MOCK_SCENARIOS: dict[str, dict[str, dict[str, Any]]] = {
    "template-intercom": {
        "Contact not found: create it": {"default": {"status": 200, "body": {}}, "routes": [
            _search(0),
            {"pattern": f"{_INTERCOM_HOSTS}/contacts", "method": "POST",
             "response": {"status": 200, "body": _CONTACT}},
        ]},
        "Contact found: update it": {"default": {"status": 200, "body": {}}, "routes": [
            _search(1),
            {"pattern": f"{_INTERCOM_HOSTS}/contacts/[A-Za-z0-9_-]+", "method": "PUT",
             "response": {"status": 200, "body": _CONTACT}},
        ]},
        "API error (invalid token)": {"default": {"status": 200, "body": {}}, "routes": [
            {"pattern": f"{_INTERCOM_HOSTS}/.*", "response": _UNAUTHORIZED},
        ]},
    },
    "template-intercom-event": {
        "Contact found: event sent": {"default": {"status": 200, "body": {}}, "routes": [
            _search(1),
            {"pattern": f"{_INTERCOM_HOSTS}/events", "method": "POST", "response": {"status": 202, "body": ""}},
        ]},
        "Contact not found": {"default": {"status": 200, "body": {}}, "routes": [_search(0)]},
        "API error (invalid token)": {"default": {"status": 200, "body": {}}, "routes": [
            {"pattern": f"{_INTERCOM_HOSTS}/.*", "response": _UNAUTHORIZED},
        ]},
    },
}

DEFAULT_SCENARIO_NAME = "Every request answers 200 {}"
DEFAULT_SCENARIO: dict[str, Any] = {"default": {"status": 200, "body": {}}, "routes": []}

# integration kind -> demo connection values
INTEGRATION_DEFAULTS: dict[str, dict[str, Any]] = {
    "intercom": {"access_token": "demo-intercom-access-token", "app.region": "US"},
    "slack": {"access_token": "xoxb-demo-slack-token"},
}


def mock_scenarios(template_id: str | None) -> dict[str, dict[str, Any]]:
    """The named mock scenarios for a template (a fresh copy: callers may edit them)."""
    scenarios = MOCK_SCENARIOS.get(template_id or "")
    if not scenarios:
        scenarios = {DEFAULT_SCENARIO_NAME: DEFAULT_SCENARIO}
    return copy.deepcopy(scenarios)


def sample_events() -> list[dict[str, Any]]:
    return [{"name": name, "label": label, "event": copy.deepcopy(event)}
            for name, (label, event) in SAMPLE_EVENTS.items()]


def default_input_value(item: dict[str, Any]) -> Any:
    """The value the inputs form starts with: the schema default, or demo values for integrations."""
    if "default" in item:
        return copy.deepcopy(item["default"])
    kind = item.get("type")
    if kind == "integration":
        return copy.deepcopy(INTEGRATION_DEFAULTS.get(str(item.get("integration")), {"access_token": "demo-token"}))
    if kind == "boolean":
        return False
    if kind in ("dictionary", "json"):
        return {}
    if kind == "choice":
        choices = item.get("choices") or []
        return choices[0].get("value") if choices and isinstance(choices[0], dict) else None
    return ""
