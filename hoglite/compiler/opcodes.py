"""PostHog's Hog bytecode op codes (`_H` format, version 1).

The numbers and names are fixed by PostHog's VMs; a program is only portable if they match exactly.
`OPERANDS` records how many inline operands follow each op, which the disassembler (and anything else
that walks a bytecode array) needs; `CLOSURE` is the one op whose operand count depends on its first
operand, and `CALLABLE` carries an inline body that follows its operands.
"""

from __future__ import annotations

from enum import IntEnum

HEADER = "_H"
LEGACY_HEADER = "_h"
VERSION = 1


class Op(IntEnum):
    GET_GLOBAL = 1
    CALL_GLOBAL = 2
    AND = 3
    OR = 4
    NOT = 5
    PLUS = 6
    MINUS = 7
    MULTIPLY = 8
    DIVIDE = 9
    MOD = 10
    EQ = 11
    NOT_EQ = 12
    GT = 13
    GT_EQ = 14
    LT = 15
    LT_EQ = 16
    LIKE = 17
    ILIKE = 18
    NOT_LIKE = 19
    NOT_ILIKE = 20
    IN = 21
    NOT_IN = 22
    REGEX = 23
    NOT_REGEX = 24
    IREGEX = 25
    NOT_IREGEX = 26
    IN_COHORT = 27
    NOT_IN_COHORT = 28
    TRUE = 29
    FALSE = 30
    NULL = 31
    STRING = 32
    INTEGER = 33
    FLOAT = 34
    POP = 35
    GET_LOCAL = 36
    SET_LOCAL = 37
    RETURN = 38
    JUMP = 39
    JUMP_IF_FALSE = 40
    DECLARE_FN = 41
    DICT = 42
    ARRAY = 43
    TUPLE = 44
    GET_PROPERTY = 45
    SET_PROPERTY = 46
    JUMP_IF_STACK_NOT_NULL = 47
    GET_PROPERTY_NULLISH = 48
    THROW = 49
    TRY = 50
    POP_TRY = 51
    CALLABLE = 52
    CLOSURE = 53
    CALL_LOCAL = 54
    GET_UPVALUE = 55
    SET_UPVALUE = 56
    CLOSE_UPVALUE = 57


# Fixed number of inline operands per op (CLOSURE: 1 + 2 * n, see `operand_count`).
OPERANDS: dict[Op, int] = {op: 0 for op in Op}
OPERANDS.update(
    {
        Op.GET_GLOBAL: 1,
        Op.CALL_GLOBAL: 2,
        Op.AND: 1,
        Op.OR: 1,
        Op.STRING: 1,
        Op.INTEGER: 1,
        Op.FLOAT: 1,
        Op.GET_LOCAL: 1,
        Op.SET_LOCAL: 1,
        Op.JUMP: 1,
        Op.JUMP_IF_FALSE: 1,
        Op.DECLARE_FN: 3,
        Op.DICT: 1,
        Op.ARRAY: 1,
        Op.TUPLE: 1,
        Op.JUMP_IF_STACK_NOT_NULL: 1,
        Op.TRY: 1,
        Op.CALLABLE: 4,
        Op.CLOSURE: 1,
        Op.CALL_LOCAL: 1,
        Op.GET_UPVALUE: 1,
        Op.SET_UPVALUE: 1,
    }
)

ARITHMETIC_OPS: dict[str, Op] = {
    "+": Op.PLUS,
    "-": Op.MINUS,
    "*": Op.MULTIPLY,
    "/": Op.DIVIDE,
    "%": Op.MOD,
}

COMPARE_OPS: dict[str, Op] = {
    "==": Op.EQ,
    "!=": Op.NOT_EQ,
    ">": Op.GT,
    ">=": Op.GT_EQ,
    "<": Op.LT,
    "<=": Op.LT_EQ,
    "like": Op.LIKE,
    "ilike": Op.ILIKE,
    "not like": Op.NOT_LIKE,
    "not ilike": Op.NOT_ILIKE,
    "in": Op.IN,
    "not in": Op.NOT_IN,
    "=~": Op.REGEX,
    "!~": Op.NOT_REGEX,
    "=~*": Op.IREGEX,
    "!~*": Op.NOT_IREGEX,
}

COHORT_OPS = frozenset({"in cohort", "not in cohort"})


def operand_count(code: list, index: int) -> int:
    """Number of operand elements after the op at `index` (not counting a CALLABLE's inline body)."""
    op = Op(code[index])
    if op is Op.CLOSURE:
        return 1 + 2 * int(code[index + 1])
    return OPERANDS[op]
