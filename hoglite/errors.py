"""One hierarchy for every error hoglite reports to a user.

Each error has a stable `code`, a human `message`, and where it applies a `Span` into the Hog source
(or the name of the input field at fault) and an optional `hint`. `str(error)` is the one-line form;
`error.render(source)` adds the caret snippet.
"""

from __future__ import annotations

from typing import Any

from hoglite.source import Span, caret_snippet


class HogliteError(Exception):
    """Base of every error hoglite raises on purpose."""

    code = "hoglite"

    def __init__(self, message: str, *, span: Span | None = None, hint: str | None = None,
                 source: str | None = None, source_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.source = source
        self.source_name = source_name

    def __str__(self) -> str:
        if self.span is not None:
            return f"{self.message} (line {self.span.line}, column {self.span.column})"
        return self.message

    def render(self, source: str | None = None, *, name: str | None = None) -> str:
        """The message with the caret snippet of the offending line (when a span and source exist)."""
        text = source if source is not None else self.source
        label = name or self.source_name
        head = f"{self.kind}: {self.message}"
        parts = [head]
        if self.span is not None and text is not None:
            parts.append(caret_snippet(text, self.span, name=label))
        elif self.span is not None:
            parts[0] = f"{head} (line {self.span.line}, column {self.span.column})"
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)

    @property
    def kind(self) -> str:
        return "error"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "kind": self.kind, "message": self.message}
        if self.span is not None:
            data["span"] = self.span.to_json()
            data["line"] = self.span.line
            data["column"] = self.span.column
        if self.hint:
            data["hint"] = self.hint
        return data


class HogSyntaxError(HogliteError):
    """The source does not parse, or the compiler rejects it (both are reported before running)."""

    code = "syntax"

    @property
    def kind(self) -> str:
        return "syntax error"


class HogRuntimeError(HogliteError):
    """The VM or a built-in stopped the run. Never catchable by Hog `try`/`catch`."""

    code = "runtime"

    @property
    def kind(self) -> str:
        return "runtime error"


class HogLimitError(HogRuntimeError):
    """A sandbox limit (time, memory, call depth, op budget, sizes) was exceeded."""

    code = "limit"

    @property
    def kind(self) -> str:
        return "limit exceeded"


class UncaughtHogError(HogRuntimeError):
    """A Hog `throw` that no `catch` handled. Carries the error's type, message and payload."""

    code = "uncaught"

    def __init__(self, error_type: str, error_message: str, payload: Any = None, *,
                 span: Span | None = None) -> None:
        escaped = str(error_message).replace("'", "\\'")  # PostHog escapes only the quote
        super().__init__(f"{error_type}('{escaped}')", span=span)
        self.error_type = error_type
        self.error_message = error_message
        self.payload = payload

    @property
    def kind(self) -> str:
        return "uncaught error"

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["type"] = self.error_type
        data["error_message"] = self.error_message
        return data


class TemplateError(HogliteError):
    """A template, its inputs or its filters are invalid. `field` names the offending field or input."""

    code = "template"

    def __init__(self, message: str, *, field: str | None = None, file: str | None = None,
                 span: Span | None = None, hint: str | None = None) -> None:
        super().__init__(message, span=span, hint=hint)
        self.field = field
        self.file = file

    def __str__(self) -> str:
        where = ":".join(part for part in (self.file, self.field) if part)
        base = super().__str__()
        return f"{where}: {base}" if where else base

    @property
    def kind(self) -> str:
        return "template error"

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        if self.field:
            data["field"] = self.field
        if self.file:
            data["file"] = self.file
        return data


class FetchError(HogliteError):
    """A fetch was refused (policy, address guard, header validation) or failed for good."""

    code = "fetch"

    def __init__(self, message: str, *, retryable: bool = False, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retryable = retryable

    @property
    def kind(self) -> str:
        return "fetch error"
