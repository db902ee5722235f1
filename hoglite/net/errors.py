"""The fetch errors, all subclasses of `hoglite.errors.FetchError`.

They are split by what the host should do with them:

* `FetchRequestError`: the Hog code passed a bad url/options value. Names the field (`url`, `method`,
  `headers.X-Foo`, `body`, `timeoutMs`). Never retried.
* `FetchBlockedError`: the URL policy or the address guard refused the target. Names the rule that fired
  (`scheme`, `hostname`, `localhost`, `address`, `resolve`, `deny-list`, ...). Never retried.
* `FetchLimitError`: a per-invocation limit (number of fetches, response size). Never retried.
* `FetchTransportError`: no HTTP response at all (refused, reset, timeout) after the retries ran out.

Each carries `attempt_log`: the PostHog-style "HTTP fetch failed on attempt ..." lines produced while
trying, so the host can log them even when the fetch ends in an error.
"""

from __future__ import annotations

from hoglite.errors import FetchError


class FetchRequestError(FetchError):
    """The `fetch(url, options)` arguments are invalid; `field` names the offending part."""

    code = "fetch_request"

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"fetch {field}: {message}", retryable=False, hint=hint)
        self.field = field
        self.attempt_log: list[str] = []

    def to_json(self) -> dict:
        data = super().to_json()
        data["field"] = self.field
        return data


class FetchBlockedError(FetchError):
    """The URL policy or the address guard refused the request; `rule` says which check fired."""

    code = "fetch_blocked"

    def __init__(self, rule: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, retryable=False, hint=hint)
        self.rule = rule
        self.attempt_log: list[str] = []

    def to_json(self) -> dict:
        data = super().to_json()
        data["rule"] = self.rule
        return data


class FetchLimitError(FetchError):
    """A per-invocation fetch limit was reached (`limit` is `max_fetches` or `max_response_bytes`)."""

    code = "fetch_limit"

    def __init__(self, limit: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, retryable=False, hint=hint)
        self.limit = limit
        self.attempt_log: list[str] = []

    def to_json(self) -> dict:
        data = super().to_json()
        data["limit"] = self.limit
        return data


class FetchTransportError(FetchError):
    """The request got no HTTP response (connection refused or reset, timeout, TLS failure)."""

    code = "fetch_transport"

    def __init__(self, message: str, *, attempts: int = 1, hint: str | None = None) -> None:
        super().__init__(message, retryable=True, hint=hint)
        self.attempts = attempts
        self.attempt_log: list[str] = []
