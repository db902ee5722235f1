"""The compiler's output: PostHog-compatible bytecode plus a side source map.

The source map never goes inside the bytecode array (PostHog's VMs would try to run it); it travels
beside it, keyed by the element index of each op that can fail at runtime, so a VM error at `ip` can be
reported with the Hog line and column that produced the op.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hoglite.errors import HogRuntimeError
from hoglite.source import Span

FORMAT = "hoglite-compiled/1"
_SPAN_FIELDS = ("start", "end", "line", "column", "end_line", "end_column")


class ProgramFormatError(HogRuntimeError, ValueError):
    """A compiled-program object (JSON) that does not have the shape `CompiledProgram.to_json` writes.

    `field` names the offending part, e.g. `source_map["12"]` or `warnings[0].message`. It is a
    HogRuntimeError so embedders that catch HogliteError get a clean message, and a ValueError because
    it is, at heart, a bad value handed to a parser.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"Invalid compiled program: {message}")
        self.field = field


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
    def from_json(cls, data: dict[str, Any], where: str = "warning") -> CompileWarning:
        if not isinstance(data, dict):
            raise ProgramFormatError(f"'{where}' must be an object with a \"message\"", field=where)
        message = data.get("message")
        if not isinstance(message, str):
            raise ProgramFormatError(f"'{where}.message' must be a string", field=f"{where}.message")
        span = data.get("span")
        return cls(message, _span_from_json(span, f"{where}.span") if span is not None else None)

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
        """Rebuild a program from `to_json`'s dict (or its JSON text), checking every field's shape.

        Raises ProgramFormatError naming the field when the object is not one `to_json` could write,
        so a hand-edited or hostile file gets a clean message instead of a Python error."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ProgramFormatError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
            except RecursionError:
                raise ProgramFormatError("the JSON is nested too deeply") from None
            except ValueError as exc:  # e.g. a number with more digits than int() accepts
                raise ProgramFormatError(f"not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ProgramFormatError("expected a JSON object with a \"bytecode\" array")
        bytecode = data.get("bytecode")
        if not isinstance(bytecode, list):
            raise ProgramFormatError("'bytecode' must be a JSON array", field="bytecode")
        source = data.get("source")
        if source is not None and not isinstance(source, str):
            raise ProgramFormatError("'source' must be a string or null", field="source")
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise ProgramFormatError("'name' must be a string or null", field="name")
        return cls(
            bytecode=list(bytecode),
            source_map=_source_map_from_json(data.get("source_map")),
            source=source,
            name=name or "<source>",
            warnings=_warnings_from_json(data.get("warnings")),
        )


def _span_to_list(span: Span) -> list[int]:
    return [span.start, span.end, span.line, span.column, span.end_line, span.end_column]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _span_from_json(data: Any, where: str) -> Span:
    """A span stored as `[start, end, line, column, end_line, end_column]` or as Span.to_json's dict."""
    if isinstance(data, dict):
        values = [data.get(key) for key in _SPAN_FIELDS]
    elif isinstance(data, list) and len(data) == len(_SPAN_FIELDS):
        values = data
    else:
        values = None
    if values is None or not all(_is_int(value) and value >= 0 for value in values):
        raise ProgramFormatError(
            f"'{where}' must be a span: 6 non-negative integers [start, end, line, column, end_line, end_column]",
            field=where,
        )
    return Span(*values)


def _source_map_from_json(data: Any) -> dict[int, Span]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProgramFormatError("'source_map' must be an object of bytecode index -> span", field="source_map")
    source_map: dict[int, Span] = {}
    for key, span in data.items():
        where = f"source_map[{json.dumps(key)}]"
        # to_json writes the keys as decimal strings; a dict built in Python may use ints.
        if _is_int(key):
            index = key
        elif isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 18:
            index = int(key)
        else:
            raise ProgramFormatError(f"'{where}': the key must be a bytecode index (a non-negative integer)",
                                     field=where)
        if index < 0:
            raise ProgramFormatError(f"'{where}': the key must be a bytecode index (a non-negative integer)",
                                     field=where)
        source_map[index] = _span_from_json(span, where)
    return source_map


def _warnings_from_json(data: Any) -> list[CompileWarning]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ProgramFormatError("'warnings' must be a list of {\"message\", \"span\"} objects", field="warnings")
    return [CompileWarning.from_json(item, f"warnings[{index}]") for index, item in enumerate(data)]
