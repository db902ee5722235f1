"""A readable listing of `_H` bytecode: one op per line, function bodies indented.

```
   2  INTEGER          2
   4  CALLABLE         "lambda" args=2 upvalues=1 body=9
   9    GET_UPVALUE    0
  ...
  18  CLOSURE          1 (local 0)
```

With a source map and the source text, ops that have a span get the Hog line they came from.
Accepts `["_H", 1, ...]`, legacy `["_h", ...]` and header-less chunks (bytecode STL).
"""

from __future__ import annotations

import json
from typing import Any

from hoglite.compiler.opcodes import HEADER, LEGACY_HEADER, OPERANDS, Op
from hoglite.source import SourceText, Span

_JUMPS = {Op.JUMP, Op.JUMP_IF_FALSE, Op.JUMP_IF_STACK_NOT_NULL}


def disassemble(bytecode: list, *, source_map: dict[int, Span] | None = None, source: str | None = None) -> str:
    lines: list[str] = []
    start = 0
    if bytecode and bytecode[0] == HEADER:
        version = bytecode[1] if len(bytecode) > 1 else "?"
        lines.append(f"; _H bytecode, version {version}")
        start = 2
    elif bytecode and bytecode[0] == LEGACY_HEADER:
        lines.append("; _h bytecode (legacy, version 0)")
        start = 1
    text = SourceText(source) if source is not None else None
    width = max(4, len(str(len(bytecode))))
    body_ends: list[int] = []  # end index (exclusive) of each open CALLABLE body
    index = start
    while index < len(bytecode):
        while body_ends and index >= body_ends[-1]:
            body_ends.pop()
        indent = "  " * len(body_ends)
        element = bytecode[index]
        op = _as_op(element)
        if op is None:
            lines.append(f"{index:>{width}}  {indent}??? {_show(element)}")
            index += 1
            continue
        count = 1 + 2 * _int(bytecode, index + 1) if op is Op.CLOSURE else OPERANDS[op]
        operands = bytecode[index + 1 : index + 1 + count]
        truncated = len(operands) < count
        shown = _operands(op, operands, index)
        name = f"{op.name:<{max(1, 23 - len(indent))}}" if shown else op.name
        line = f"{index:>{width}}  {indent}{name}{shown}"
        if truncated:
            line += "  ; truncated: operands run past the end"
        span = source_map.get(index) if source_map else None
        if span is not None:
            line += f"  ; {span.line}:{span.column}"
            if text is not None:
                line += f"  {text.line_text(span.line).strip()}"
        lines.append(line.rstrip())
        index += 1 + count
        if op is Op.CALLABLE and not truncated:
            body_ends.append(index + _int(bytecode, index - 1))
    return "\n".join(lines)


def _as_op(element: Any) -> Op | None:
    if isinstance(element, bool) or not isinstance(element, int):
        return None
    try:
        return Op(element)
    except ValueError:
        return None


def _int(bytecode: list, index: int) -> int:
    value = bytecode[index] if index < len(bytecode) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _operands(op: Op, operands: list, index: int) -> str:
    if not operands:
        return ""
    if op is Op.CALLABLE and len(operands) == 4:
        name, args, upvalues, body = operands
        return f"{_show(name)} args={args} upvalues={upvalues} body={body}"
    if op is Op.CLOSURE:
        pairs = operands[1:]
        captures = [
            f"{'local' if pairs[i] else 'upvalue'} {pairs[i + 1]}" for i in range(0, len(pairs) - 1, 2)
        ]
        return f"{operands[0]}" + (f" ({', '.join(captures)})" if captures else "")
    if op is Op.CALL_GLOBAL and len(operands) == 2:
        return f"{_show(operands[0])} args={operands[1]}"
    if op in _JUMPS and isinstance(operands[0], int):
        return f"{operands[0]:+d}  -> {index + 2 + operands[0]}"
    if op is Op.TRY and isinstance(operands[0], int):
        return f"{operands[0]:+d}  catch -> {index + 1 + operands[0]}"
    return " ".join(_show(value) for value in operands)
