"""Superinstructions: a copy of a chunk where the commonest three-op sequences start with one op.

Arithmetic and loop tests compile to a value, a local and an operator — `zr * zr` is GET_LOCAL,
GET_LOCAL, MULTIPLY; `i < n` is GET_LOCAL, GET_LOCAL, LT; `n + 1` and `i < 1000` are INTEGER,
GET_LOCAL, PLUS/LT. The dispatch loop pays about as much per op as such an op's own work, so these
sequences are marked here and the loop (machine.py) runs each in one dispatch when both operands are
numbers, with every op still counted.

Templates are mostly constants, global reads and property reads: runs of STRING (dict literals),
STRING names then GET_GLOBAL (`inputs.email`), and GET_LOCAL, STRING, GET_PROPERTY (`res.status`)
are marked too.

Only the first op changes: its op code becomes one of the internal codes below and, for the two
STRING forms, its operand becomes the precomputed data (which still holds the first op's own
string). The ops after it stay where they are. So a jump into the middle of a sequence runs the
original ops, source-map positions and paused states (which hold the caller's bytecode, never this
copy) are unchanged, and the loop can always fall back to running the first op alone: it does so
whenever the fused form might differ (a checkpoint or the memory limit within reach, operands of
other types, values that need the general conversion).

A chunk is walked once per process (cached by identity, keeping the original alive like
validate._CLEAN); only chunks that passed validation unchanged, or the built-ins' own bytecode,
are fused.
"""

from __future__ import annotations

from typing import Any

from hoglite.vm.memory import value_cost
from hoglite.vm.validate import WIDTH
from hoglite.vm.values import MAX_SAFE_INTEGER

GET_LOCAL, INTEGER, STRING, CLOSURE = 36, 33, 32, 53


class FusedOp(int):
    """An op code only this module writes. Bytecode from elsewhere may hold the same numbers (they are
    unknown ops there, and fail as such), but never this type: the loop checks the type."""


LOCALS_BINARY = FusedOp(136)  # GET_LOCAL a, GET_LOCAL b, op
CONSTANT_LOCAL_BINARY = FusedOp(137)  # INTEGER k, GET_LOCAL b, op
# STRING s1, STRING s2, ... (two or more). The first op's operand becomes (strings, costs, total, count),
# the strings' memory costs worked out once.
STRING_RUN = FusedOp(138)
# STRING ... STRING (k names), GET_GLOBAL k: a global read along constant keys. The first operand
# becomes (names from the root on, their total cost, k).
GLOBAL_CHAIN = FusedOp(139)
# GET_LOCAL slot, STRING key, GET_PROPERTY (or GET_PROPERTY_NULLISH): `local.key`.
LOCAL_PROPERTY = FusedOp(140)
GET_GLOBAL, GET_PROPERTY, GET_PROPERTY_NULLISH = 1, 45, 48
# PLUS, MINUS, MULTIPLY and the six comparisons: on two numbers, plain Python arithmetic.
FUSED_OPERATORS = frozenset({6, 7, 8, 11, 12, 13, 14, 15, 16})

_CACHE: dict[int, tuple[list[Any], list[Any]]] = {}
_CACHE_SIZE = 512


def fused(code: list[Any]) -> list[Any]:
    """`code`, or a copy with the superinstructions marked (see the module docstring)."""
    known = _CACHE.get(id(code))
    if known is not None and known[0] is code:
        return known[1]
    result = _fuse(code)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[id(code)] = (code, result)
    return result


def _is_op(value: Any, op: int) -> bool:
    return type(value) is int and value == op


def _fuse(code: list[Any]) -> list[Any]:
    start = 2 if code and code[0] == "_H" else 1 if code and code[0] == "_h" else 0
    end = len(code)
    marks: list[tuple[int, int, Any]] = []
    run: list[int] = []  # positions of the STRING ops in a row so far
    ip = start
    while ip < end:
        op = code[ip]
        if not (type(op) is int and op == STRING and ip + 1 < end and type(code[ip + 1]) is str):
            chain = code[ip + 1] if type(op) is int and op == GET_GLOBAL and ip + 1 < end else 0
            if type(chain) is int and 1 <= chain <= len(run):
                names = [code[position + 1] for position in reversed(run[-chain:])]
                total = sum(value_cost(name) for name in names)
                marks.append((run[-chain], GLOBAL_CHAIN, (names, total, chain)))
                del run[-chain:]
            _mark_run(code, run, marks)
        if type(op) is not int:
            ip += 1
            continue
        if op == STRING and ip + 1 < end and type(code[ip + 1]) is str:
            run.append(ip)
        if op == CLOSURE:
            count = code[ip + 1] if ip + 1 < end else 0
            ip += 2 + 2 * count if type(count) is int and count >= 0 else 1
            continue
        if (op == GET_LOCAL and ip + 4 < end and type(code[ip + 1]) is int and code[ip + 1] >= 0
                and _is_op(code[ip + 2], STRING) and type(code[ip + 3]) is str
                and (_is_op(code[ip + 4], GET_PROPERTY) or _is_op(code[ip + 4], GET_PROPERTY_NULLISH))):
            marks.append((ip, LOCAL_PROPERTY, None))
        if op in (GET_LOCAL, INTEGER) and ip + 4 < end:
            first = code[ip + 1]
            if (_is_op(code[ip + 2], GET_LOCAL) and type(code[ip + 3]) is int and code[ip + 3] >= 0
                    and type(code[ip + 4]) is int and code[ip + 4] in FUSED_OPERATORS and type(first) is int):
                if op == GET_LOCAL and first >= 0:
                    marks.append((ip, LOCALS_BINARY, None))
                elif op == INTEGER and -MAX_SAFE_INTEGER <= first <= MAX_SAFE_INTEGER:
                    marks.append((ip, CONSTANT_LOCAL_BINARY, None))
        ip += 1 + WIDTH.get(op, 0)
    _mark_run(code, run, marks)
    if not marks:
        return code
    copy = list(code)
    for position, op, operand in marks:
        copy[position] = op
        if operand is not None:
            copy[position + 1] = operand
    return copy


def _mark_run(code: list[Any], run: list[int], marks: list[tuple[int, int, Any]]) -> None:
    """Mark the STRING ops collected in `run` (if two or more) and empty it."""
    if len(run) >= 2:
        strings = tuple(code[position + 1] for position in run)
        costs = tuple(value_cost(text) for text in strings)
        marks.append((run[0], STRING_RUN, (strings, costs, sum(costs), len(run))))
    run.clear()
