"""The compiler's output: PostHog-compatible bytecode plus a side source map.

The source map never goes inside the bytecode array (PostHog's VMs would try to run it); it travels
beside it, keyed by the element index of each op that can fail at runtime, so a VM error at `ip` can be
reported with the Hog line and column that produced the op.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hoglite.source import Span

FORMAT = "hoglite-compiled/1"


@dataclass(frozen=True)
class CompileWarning:
    """A diagnostic that does not stop compilation (PostHog reports the same ones as warnings)."""

    message: str
    span: Span | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message}
        if self.span is not None:
            data["span"] = _span_to_list(self.span)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompileWarning:
        span = data.get("span")
        return cls(data["message"], _span_from_list(span) if span is not None else None)

    def __str__(self) -> str:
        if self.span is None:
            return self.message
        return f"{self.message} (line {self.span.line}, column {self.span.column})"


@dataclass(frozen=True)
class CompiledProgram:
    bytecode: list
    source_map: dict[int, Span] = field(default_factory=dict)
    source: str | None = None
    name: str = "<source>"
    warnings: list[CompileWarning] = field(default_factory=list)

    def span_at(self, ip: int) -> Span | None:
        """The span of the op at element index `ip`, if the map has one."""
        return self.source_map.get(ip)

    def nearest_span(self, ip: int) -> Span | None:
        """The span of the op at `ip`, else of the closest mapped op before it (for limit errors)."""
        best: int | None = None
        for index in self.source_map:
            if index <= ip and (best is None or index > best):
                best = index
        return None if best is None else self.source_map[best]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the bytecode array unchanged, the source map beside it.

        Spans are stored compactly as `[start, end, line, column, end_line, end_column]`.
        """
        return {
            "format": FORMAT,
            "name": self.name,
            "bytecode": self.bytecode,
            "source_map": {str(index): _span_to_list(span) for index, span in sorted(self.source_map.items())},
            "source": self.source,
            "warnings": [warning.to_json() for warning in self.warnings],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> CompiledProgram:
        if isinstance(data, str):
            data = json.loads(data)
        assert isinstance(data, dict)
        source_map = {int(index): _span_from_list(span) for index, span in (data.get("source_map") or {}).items()}
        return cls(
            bytecode=list(data["bytecode"]),
            source_map=source_map,
            source=data.get("source"),
            name=data.get("name") or "<source>",
            warnings=[CompileWarning.from_json(item) for item in data.get("warnings") or []],
        )


def _span_to_list(span: Span) -> list[int]:
    return [span.start, span.end, span.line, span.column, span.end_line, span.end_column]


def _span_from_list(data: list[int] | dict[str, int]) -> Span:
    if isinstance(data, dict):
        return Span.from_json(data)
    return Span(*data)
