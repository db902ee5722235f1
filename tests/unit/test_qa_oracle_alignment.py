"""Behaviours pinned by differential testing against PostHog's TypeScript VM (@posthog/hogvm 1.0.71).

Each case is a one-line Hog program with the exact line the oracle prints for it. They run on
hoglite only (fast); the conformance programs `qa_*.hog` cover the same ground on both backends.
"""

from __future__ import annotations

import pytest

from hoglite.compiler import compile_source
from hoglite.errors import HogRuntimeError
from hoglite.vm import execute


def printed(source: str) -> str:
    result = execute(compile_source(f"print({source})"))
    assert len(result.output) == 1
    return result.output[0]


CASES = [
    # toString / concat of a DateTime goes through the date engine's zone handling
    ("toString(toTimeZone(toDateTime('2024-05-03T12:34:56Z'), 'UTC+5'))", "2024-05-03T17:34:56.000+05:00"),
    ("toString(toTimeZone(toDateTime('2024-05-03T12:34:56Z'), 'UTC-03:30'))", "2024-05-03T09:04:56.000-03:30"),
    ("concat(toTimeZone(toDateTime('2024-05-03T12:34:56Z'), 'europe/amsterdam'))", "2024-05-03T14:34:56.000+02:00"),
    # JSON path functions on a JSON string walk plain objects
    ("JSONExtractString('{\"a\": {\"b\": 1}}', 'a')", "[object Object]"),
    ("JSONExtractString({'a': {'b': 1}}, 'a')", "[object Map]"),
    ("JSONHas('[1, 2]', '1')", "true"),
    ("JSONHas('[1, 2]', 'length')", "true"),
    ("JSONHas('[1, 2]', '2')", "false"),
    ("JSONHas('{\"a\": 1}', 5)", "true"),
    ("JSONHas({'a': 1}, 5)", "false"),
    ("JSONExtract('{\"1\": \"a\"}', 2, 'String')", "a"),
    ("JSONExtract('{\"a\": \"xyz\"}', 'a', 'length', 'Int')", "3"),
    # range() is Array.from({length}) with JavaScript's `-` and `+`
    ("range('3')", "[0, 1, 2]"),
    ("range('x')", "[]"),
    ("range({})", "[]"),
    ("range('1', 3)", "['10', '11']"),
    ("range(true, 3)", "[1, 2]"),
    ("range(0.5, 2)", "[0.5]"),
    # trim looks at the character first
    ("concat('[', trim(100, 'ab'), ']')", "[]"),
    ("trim('xax', ['x'])", "xax"),
    ("trimLeft('xxa', 'x')", "a"),
    # comparison functions: JavaScript < / <= except with null
    ("less('1', 2)", "true"),
    ("less([1], [2])", "true"),
    ("less('10', '9')", "true"),
    ("lessOrEquals({}, {})", "true"),
    ("greater(toDate('2024-01-02'), toDate('2024-01-01'))", "false"),
    ("less(null, 1)", "false"),
    ("greaterOrEquals(null, null)", "false"),
    # like() with null compares the text 'null', like the operator
    ("like(null, 'nu%')", "true"),
    ("ilike(null, 'NULL')", "true"),
    ("notLike(null, 'x')", "true"),
    # arraySort: numbers numerically (§11b), anything else in String()/UTF-16 order as the oracle
    ("arraySort([2, 10, 1])", "[1, 2, 10]"),
    ("arraySort([3, null, 1])", "[1, 3, null]"),
    ("arraySort([[2], [1]])", "[[1], [2]]"),
    ("arraySort(['b', 10, 'a', 2, null, true])", "[10, 2, 'a', 'b', null, true]"),
    ("arrayReverseSort([1, 'a', null, true])", "[true, null, 'a', 1]"),
    # function values are closure records for keys()/values()
    ("keys(x -> x)", "['__hogClosure__', 'callable', 'upvalues']"),
    ("values(x -> x)", "[true, fn<lambda(1)>, []]"),
    # HMAC chains index a string argument
    ("sha256HmacChainHex('2.5')", "736aaec59fdac69dd2d26941e6875baacc098181046370e4956ca9a0a7774a2c"),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_matches_oracle(source: str, expected: str) -> None:
    assert printed(source) == expected


@pytest.mark.parametrize(("source", "message"), [
    ("extract(['a', 'b'], toDate('2024-01-01'))", "Unknown extract part: a,b"),
    ("dateDiff(true, toDate('2024-01-01'), toDate('2024-01-02'))", "Unsupported unit for dateDiff: true"),
    ("dateTrunc(null, toDateTime('2024-01-01T00:00:00Z'))", "Unsupported unit for dateTrunc: null"),
    ("dateAdd({}, 1, toDate('2024-01-01'))", "Unsupported interval unit: [object Map]"),
])
def test_unit_messages_use_javascript_string(source: str, message: str) -> None:
    with pytest.raises(HogRuntimeError) as info:
        printed(source)
    assert info.value.message == message


def test_unknown_hash_encoding_names_the_value_as_text() -> None:
    with pytest.raises(HogRuntimeError) as info:
        printed("md5('a', [1, 2])")
    assert info.value.message.startswith("Unknown encoding: 1,2.")


def test_higher_order_builtins_with_swapped_arguments_fail_like_the_oracle() -> None:
    with pytest.raises(HogRuntimeError) as info:
        printed("arrayMap([1, 2], x -> x)")
    assert info.value.message == "Invalid closure: [1,2]"
