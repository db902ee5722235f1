"""One pass over a chunk's bytecode before it first runs, so the dispatch loop can trust its operands.

The loop reads operands without checking them (that is what keeps it fast). Compiled code is always
well-formed, but bytecode can also come from an imported PostHog function, a `.hoge` file or a paused
state stored outside the process. This pass walks a chunk op by op, once per run and chunk, and:

- rejects operands whose type the loop cannot use (a dict as a jump offset, a string as a local slot,
  an unhashable function name, ...) with a clean `Invalid bytecode: ...` error instead of Python's
  error text;
- rejects jumps (JUMP, JUMP_IF_FALSE, JUMP_IF_STACK_NOT_NULL, TRY, and the body skips of CALLABLE and
  DECLARE_FN) that land inside another op's operands, so every op the loop executes is one this pass
  has checked;
- replaces negative local slots (GET_LOCAL, SET_LOCAL, a CLOSURE's local captures) by a slot that is
  past any stack, so they fail as "Stack underflow" instead of wrapping around through Python's
  negative indexing into the caller's slots;
- copies list/dict constants (INTEGER, FLOAT, STRING with a container operand; PostHog's compiler only
  emits scalars) so that a program mutating such a constant changes its own run only, never the
  bytecode shared by later runs of the same program.

Fixes of the last two kinds go into a private copy of the chunk (made only when needed), never into
the caller's list. Errors the loop already reports cleanly and lazily (stack underflow, counts larger
than the stack, unknown ops, running off the end, jumps before the start) are left to the loop, so
their messages and timing stay as documented.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hoglite.errors import HogRuntimeError

# A local slot that no stack can reach (the stack is capped far below this by the memory limit).
UNREACHABLE_SLOT = 1 << 62

# Operand count per op (CLOSURE is 1 + 2 * count and handled on its own).
WIDTH = {1: 1, 2: 2, 3: 1, 4: 1, 32: 1, 33: 1, 34: 1, 36: 1, 37: 1, 39: 1, 40: 1, 41: 3, 42: 1, 43: 1,
          44: 1, 47: 1, 50: 1, 52: 4, 53: 1, 54: 1, 55: 1, 56: 1}
_SCALARS = (str, int, float, bool, type(None))
_JUMPS = (39, 40, 47)


def _is_int(value: Any) -> bool:
    return type(value) is int


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=lambda item: None)
    except (TypeError, ValueError, RecursionError):
        text = "?"
    return text if len(text) <= 60 else text[:57] + "..."


def _bad(op: int, value: Any, chunk: str) -> HogRuntimeError:
    return HogRuntimeError(f'Invalid bytecode: bad operand {_shown(value)} for op {op} in chunk "{chunk}"')


# Chunks found clean, by id, with the list itself (so the id stays theirs) and its length: a program
# run many times is walked once. Only clean chunks are kept, so a cached answer is always "run the
# caller's list as it is"; Hog code can never write into a clean chunk (it holds no containers).
_CLEAN: dict[int, tuple[list[Any], int]] = {}
_CLEAN_SIZE = 512


def validate_chunk(code: list[Any], chunk: str) -> list[Any]:
    """Check `code` (a chunk starting with its `_H`/`_h` header, or a bare op list) and return the code
    to run: `code` itself, or a private copy with negative slots and container constants fixed."""
    known = _CLEAN.get(id(code))
    if known is not None and known[0] is code and known[1] == len(code):
        return code
    checked = _validate(code, chunk)
    if checked is code:
        if len(_CLEAN) >= _CLEAN_SIZE:
            _CLEAN.clear()
        _CLEAN[id(code)] = (code, len(code))
    return checked


def _validate(code: list[Any], chunk: str) -> list[Any]:
    if code and code[0] == "_H":
        start = 2
    elif code and code[0] == "_h":
        start = 1
    else:
        start = 0
    end = len(code)
    boundaries = bytearray(end + 1)
    targets: list[tuple[int, int, int]] = []  # (target, op position, op)
    fixes: list[tuple[int, Any]] = []
    ip = start
    while ip < end:
        boundaries[ip] = 1
        op = code[ip]
        if type(op) is not int:
            ip += 1  # unknown node or a JSON null: the loop reports it (or skips a null) when it gets there
            continue
        if op == 53:  # CLOSURE: count, then (isLocal, index) pairs
            if ip + 1 >= end:
                break
            count = code[ip + 1]
            if not _is_int(count) or count < 0:
                raise _bad(op, count, chunk)
            if ip + 2 + 2 * count > end:
                break  # the loop reports the count mismatch or the truncated op
            for index in range(count):
                slot = code[ip + 3 + 2 * index]
                if not _is_int(slot):
                    raise _bad(op, slot, chunk)
                if slot < 0 and code[ip + 2 + 2 * index]:
                    fixes.append((ip + 3 + 2 * index, UNREACHABLE_SLOT))
            ip += 2 + 2 * count
            continue
        width = WIDTH.get(op, 0)
        if ip + width >= end:
            break  # a truncated last op: "Unexpected end of bytecode" when reached
        if op in _JUMPS or op == 50:
            offset = code[ip + 1]
            if not _is_int(offset):
                raise _bad(op, offset, chunk)
            # JUMP* count from after the operand; TRY's catch address from the operand itself.
            targets.append((ip + 2 + offset if op != 50 else ip + 1 + offset, ip, op))
        elif op == 36 or op == 37:  # GET_LOCAL, SET_LOCAL
            slot = code[ip + 1]
            if not _is_int(slot):
                raise _bad(op, slot, chunk)
            if slot < 0:
                fixes.append((ip + 1, UNREACHABLE_SLOT))
        elif op == 33 or op == 34 or op == 32:  # INTEGER, FLOAT, STRING
            value = code[ip + 1]
            if not isinstance(value, _SCALARS):
                fixes.append((ip + 1, value))
        elif op == 2:  # CALL_GLOBAL: the name is looked up in dicts
            name = code[ip + 1]
            if not isinstance(name, _SCALARS):
                raise _bad(op, name, chunk)
        elif op == 41:  # DECLARE_FN name, argCount, bodyLength
            name, arg_count, body_length = code[ip + 1], code[ip + 2], code[ip + 3]
            if not isinstance(name, _SCALARS):
                raise _bad(op, name, chunk)
            for operand in (arg_count, body_length):
                if not _is_int(operand):
                    raise _bad(op, operand, chunk)
            targets.append((ip + 4 + body_length, ip, op))
        elif op == 52:  # CALLABLE name, argCount, upvalueCount, bodyLength
            name = code[ip + 1]
            if not isinstance(name, _SCALARS):
                raise _bad(op, name, chunk)
            for operand in (code[ip + 2], code[ip + 3], code[ip + 4]):
                if not _is_int(operand):
                    raise _bad(op, operand, chunk)
            targets.append((ip + 5 + code[ip + 4], ip, op))
        ip += 1 + width
    boundaries[min(ip, end)] = 1
    for target, position, op in targets:
        # Before the ops (into the header, or negative) and past the end are the loop's business.
        if start <= target < end and not boundaries[target]:
            raise HogRuntimeError(
                f'Invalid bytecode: op {op} at {position} jumps into the middle of an op in chunk "{chunk}"'
            )
    if not fixes:
        return code
    fixed = list(code)
    for position, value in fixes:
        try:
            fixed[position] = copy.deepcopy(value) if isinstance(value, (list, dict)) else value
        except RecursionError:
            raise _bad(code[position - 1], value, chunk) from None
    return fixed
