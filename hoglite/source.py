"""Source positions: spans, line/column mapping and caret snippets.

Offsets are character offsets into the source text; lines and columns are 1-based, as editors show them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range [start, end) with the 1-based line/column of both ends."""

    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def to_json(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    @classmethod
    def from_json(cls, data: dict) -> Span:
        return cls(data["start"], data["end"], data["line"], data["column"], data["end_line"], data["end_column"])

    def shifted(self, text: SourceText) -> Span:
        """Recompute line/column for this span's offsets in `text` (used after re-basing offsets)."""
        return text.span(self.start, self.end)


NO_SPAN = Span(0, 0, 1, 1, 1, 1)


class SourceText:
    """Source text with a line index, so offsets map to (line, column) in O(log n)."""

    __slots__ = ("text", "name", "_line_starts")

    def __init__(self, text: str, name: str = "<source>") -> None:
        self.text = text
        self.name = name
        starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                starts.append(index + 1)
        self._line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect_right(self._line_starts, offset) - 1
        return line_index + 1, offset - self._line_starts[line_index] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(start, end, line, column, end_line, end_column)

    def line_text(self, line: int) -> str:
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r")


def caret_snippet(text: str, span: Span, *, name: str | None = None) -> str:
    """Render the line holding `span` with a caret line under the offending characters.

    ```
      --> program.hog:3:9
       |
     3 | let x = 1
       |       ^
    ```
    """
    source = SourceText(text)
    line_text = source.line_text(span.line).expandtabs(1)
    width = 1
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    width = max(1, min(width, max(1, len(line_text) - span.column + 1)))
    gutter = len(str(span.line))
    location = f"{name}:{span.line}:{span.column}" if name else f"line {span.line}, column {span.column}"
    pad = " " * gutter
    return (
        f"{pad}--> {location}\n"
        f"{pad} |\n"
        f"{span.line} | {line_text}\n"
        f"{pad} | {' ' * (span.column - 1)}{'^' * width}"
    )
