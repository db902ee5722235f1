"""Date and time built-ins: conversions, zones, fields, arithmetic, truncation, differences, intervals.

Tables named after a group (PARSE, ZONE, ...) hold expressions written as nested tuples
`(function, *args)` with the value `print` shows for the result; their expected values were produced by
PostHog's TypeScript VM (`@posthog/hogvm` 1.0.71 with TZ=UTC). The tests after them pin hoglite's
deliberate differences (listed in docs/compat.md) and the helpers other modules call.
"""

from __future__ import annotations

from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogRuntimeError
from hoglite.stl.dates import (
    add_interval,
    date_to_string,
    is_interval,
    is_temporal,
    parse_date_like_seconds,
    temporal_seconds,
)
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm.values import HogDate, HogDateTime, print_string

# 2026-11-28T19:56:34.546Z
PINNED_NOW = 1795895794.546


class FakeContext:
    def __init__(self, now: float = PINNED_NOW) -> None:
        self._now = now
        self.printed: list[str] = []

    def print(self, text: str) -> None:
        self.printed.append(text)

    def now(self) -> float:
        return self._now

    def random(self) -> float:
        return 0.5

    def uuid4(self) -> str:
        return "00000000-0000-4000-8000-000000000000"


def call(name: str, *args: Any, ctx: FakeContext | None = None) -> Any:
    """Run the built-in `name` as the VM would, after checking the call's arity."""
    function = NATIVE_FUNCTIONS[name]
    assert function.min_args <= len(args), f"{name} needs at least {function.min_args} arguments"
    assert function.max_args is None or len(args) <= function.max_args, f"{name} takes at most {function.max_args}"
    return function.impl(list(args), ctx or FakeContext())


def ev(expr: Any, ctx: FakeContext | None = None) -> Any:
    """Evaluate a nested `(function, *args)` tuple; plain values stand for themselves."""
    if isinstance(expr, tuple) and expr and isinstance(expr[0], str) and expr[0][:1].isalpha():
        name, *args = expr
        values = [ev(arg, ctx) for arg in args]
        if name == "toString":  # owned by the stdlib module; dates go through our helper
            return date_to_string(values[0]) if is_temporal(values[0]) else print_string(values[0])
        return call(name, *values, ctx=ctx)
    return expr


def check(expr: tuple, expected: Any) -> None:
    if isinstance(expected, tuple) and expected[:1] == ("ERROR",):
        with pytest.raises(HogRuntimeError) as info:
            ev(expr)
        assert info.value.message == expected[1]
    else:
        assert print_string(ev(expr)) == expected


# ---------------------------------------------------------------------------------------------------
# Results that match the oracle

PARSE = [
    (('toDateTime', '2024-05-03T12:34:56Z'), "DateTime(1714739696.0, 'UTC')"),
    (('toDateTime', 1234334543), "DateTime(1234334543.0, 'UTC')"),
    (('toDateTime', '2024-05-03'), "DateTime(1714694400.0, 'UTC')"),
    (('toDateTime', '2024-05-03T12:34'), "DateTime(1714739640.0, 'UTC')"),
    (('toDateTime', '2024-05-03 12:34:56.789'), "DateTime(1714739696.789, 'UTC')"),
    (('toDateTime', '2024-05-03t12:34:56,7z'), "DateTime(1714739696.7, 'UTC')"),
    (('toDateTime', '2024-05-03T12:34:56.123456789+05:30'), "DateTime(1714719896.123, 'UTC')"),
    (('toDateTime', '2024-05-03T12:34:56-0800'), "DateTime(1714768496.0, 'UTC')"),
    (('toDateTime', '2024-05-03T12:34:56+01'), "DateTime(1714736096.0, 'UTC')"),
    (('toDateTime', ' 2024-05-03 '), "DateTime(1714694400.0, 'UTC')"),
    (('toDateTime', '\t2024-05-03T00:00Z\n'), "DateTime(1714694400.0, 'UTC')"),
    (('toDateTime', '2024-05-03T12:34:56', 'Asia/Kolkata'), "DateTime(1714719896.0, 'Asia/Kolkata')"),
    (('toDateTime', '2024-05-03T12:34:56Z', 'Asia/Kolkata'), "DateTime(1714739696.0, 'Asia/Kolkata')"),
    (('toDateTime', '2024-05-03', 'America/New_York'), "DateTime(1714708800.0, 'America/New_York')"),
    (('toDateTime', 1234334543.5, 'Australia/Sydney'), "DateTime(1234334543.5, 'Australia/Sydney')"),
    (('toDateTime', '2024-03-10T02:30:00', 'America/New_York'), "DateTime(1710055800.0, 'America/New_York')"),
    (('toDateTime', '2024-03-31T02:30:00', 'Europe/Amsterdam'), "DateTime(1711848600.0, 'Europe/Amsterdam')"),
    (('toDateTime', '2024-10-06T02:30:00', 'Australia/Sydney'), "DateTime(1728145800.0, 'Australia/Sydney')"),
    (('toString', ('toDateTime', '2024-03-10T02:30:00', 'America/New_York')), '2024-03-10T03:30:00.000-04:00'),
    (('toString', ('toDateTime', '2024-05-03T12:34:56', 'Asia/Kolkata')), '2024-05-03T12:34:56.000+05:30'),
    (('toDateTime', '2024-02-29T23:59:59.999Z'), "DateTime(1709251199.999, 'UTC')"),
    (('toDateTime', '9999-12-31T23:59:59Z'), "DateTime(253402300799.0, 'UTC')"),
    (('toDateTime', '0001-01-01T00:00:00Z'), "DateTime(-62135596800.0, 'UTC')"),
]
DATE = [
    (('toDate', '2024-05-03'), 'Date(2024, 5, 3)'),
    (('toDate', '2024-05-03T23:00:00-05:00'), 'Date(2024, 5, 4)'),
    (('toDate', '2024-05-03T01:00:00+05:00'), 'Date(2024, 5, 2)'),
    (('toDate', 1714694399), 'Date(2024, 5, 2)'),
    (('toDate', 1714694400), 'Date(2024, 5, 3)'),
    (('toDate', -1), 'Date(1969, 12, 31)'),
    (('toDate', '2024-02-29'), 'Date(2024, 2, 29)'),
    (('toDate', ' 2024-05-03T12:00 '), 'Date(2024, 5, 3)'),
]
UNIX = [
    (('fromUnixTimestamp', 1234334543.123), "DateTime(1234334543.123, 'UTC')"),
    (('fromUnixTimestamp', 0), "DateTime(0.0, 'UTC')"),
    (('fromUnixTimestamp', -1.5), "DateTime(-1.5, 'UTC')"),
    (('fromUnixTimestampMilli', 1234334543123), "DateTime(1234334543.123, 'UTC')"),
    (('fromUnixTimestampMilli', 1.5), "DateTime(0.0015, 'UTC')"),
    (('toString', ('fromUnixTimestampMilli', 1234334543123)), '2009-02-11T06:42:23.123Z'),
    (('toUnixTimestamp', ('toDateTime', '2024-05-03T12:34:56Z')), '1714739696'),
    (('toUnixTimestamp', ('fromUnixTimestamp', 1234334543.123)), '1234334543.123'),
    (('toUnixTimestamp', ('toDate', '2024-05-03')), '1714694400'),
    (('toUnixTimestamp', ('toDate', '2024-05-03'), 'America/New_York'), '1714694400'),
    (('toUnixTimestamp', '2024-05-03', 'America/New_York'), '1714708800'),
    (('toUnixTimestamp', '2024-05-03T00:00:00Z', 'America/New_York'), '1714694400'),
    (('toUnixTimestampMilli', ('fromUnixTimestampMilli', 1234334543123)), '1234334543123'),
    (('toUnixTimestampMilli', '2024-05-03T12:34:56.789Z'), '1714739696789'),
    (('toUnixTimestampMilli', ('fromUnixTimestamp', 1234334543.123)), '1234334543123'),
    (('toUnixTimestampMilli', ('toDate', '2024-05-03')), '1714694400000'),
]
ZONE = [
    (('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'America/New_York'), "DateTime(1714739696.0, 'America/New_York')"),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'America/New_York')), '2024-05-03T08:34:56.000-04:00'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'Europe/Brussels')), '2024-05-03T14:34:56.000+02:00'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-01-03T12:34:56Z'), 'Europe/Brussels')), '2024-01-03T13:34:56.000+01:00'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'Asia/Kolkata')), '2024-05-03T18:04:56.000+05:30'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'Australia/Sydney')), '2024-05-03T22:34:56.000+10:00'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'Asia/Kathmandu')), '2024-05-03T18:19:56.000+05:45'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'America/St_Johns')), '2024-05-03T10:04:56.000-02:30'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'utc')), '2024-05-03T12:34:56.000Z'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'GMT')), '2024-05-03T12:34:56.000Z'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'Etc/UTC')), '2024-05-03T12:34:56.000+00:00'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'Europe/London')), '2024-05-03T13:34:56.000+01:00'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'UTC+5')), '2024-05-03T17:34:56.000+05:00'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'utc-03:30')), '2024-05-03T09:04:56.000-03:30'),
    (('toString', ('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'europe/amsterdam')), '2024-05-03T14:34:56.000+02:00'),
    (('toTimeZone', ('toDateTime', '2024-05-03T12:34:56Z'), 'europe/amsterdam'), "DateTime(1714739696.0, 'europe/amsterdam')"),
    (('toString', ('toDate', '2024-05-03')), '2024-05-03'),
    (('toString', ('toDate', '0005-01-09')), '5-01-09'),
    (('toString', ('fromUnixTimestamp', 1234334543)), '2009-02-11T06:42:23.000Z'),
    (('toString', ('fromUnixTimestamp', -62135596801)), '0000-12-31T23:59:59.000Z'),
    (('toString', ('fromUnixTimestamp', 253402300800)), '+010000-01-01T00:00:00.000Z'),
]
FIELDS = [
    (('toYear', ('toDateTime', '2024-12-18T00:00:00Z')), '2024'),
    (('toMonth', ('toDateTime', '2024-12-18T00:00:00Z')), '12'),
    (('toYYYYMM', ('toDateTime', '2024-12-18T00:00:00Z')), '202412'),
    (('toYear', ('toDate', '2024-12-18')), '2024'),
    (('toYYYYMM', '2024-12-18'), '202412'),
    (('toYear', ('toTimeZone', ('toDateTime', '2024-12-31T23:30:00Z'), 'Europe/Amsterdam')), '2025'),
    (('toYYYYMM', ('toTimeZone', ('toDateTime', '2024-12-31T23:30:00Z'), 'Europe/Amsterdam')), '202501'),
    (('toMonth', ('toTimeZone', ('toDateTime', '2024-03-01T02:00:00Z'), 'America/New_York')), '2'),
    (('extract', 'day', ('toDate', '2024-12-18')), '18'),
    (('extract', 'hour', ('toTimeZone', ('toDateTime', '2024-06-01T12:00:00Z'), 'Asia/Kolkata')), '17'),
    (('extract', 'minute', ('toTimeZone', ('toDateTime', '2024-06-01T12:00:00Z'), 'Asia/Kolkata')), '30'),
    (('extract', 'second', ('toDateTime', '2024-06-01T12:00:42.999Z')), '42'),
    (('extract', 'year', '2024-06-01T23:59:00-05:00'), '2024'),
]
ADD = [
    (('dateAdd', 'day', 1, ('toDate', '2024-12-18')), 'Date(2024, 12, 19)'),
    (('dateAdd', 'month', 1, ('toDate', '2024-01-31')), 'Date(2024, 2, 29)'),
    (('dateAdd', 'month', 13, ('toDate', '2024-01-31')), 'Date(2025, 2, 28)'),
    (('dateAdd', 'month', -1, ('toDate', '2024-03-31')), 'Date(2024, 2, 29)'),
    (('dateAdd', 'year', 1, ('toDate', '2024-02-29')), 'Date(2025, 2, 28)'),
    (('dateAdd', 'week', 2, ('toDate', '2024-12-18')), 'Date(2025, 1, 1)'),
    (('dateAdd', 'hour', 25, ('toDate', '2024-02-29')), 'Date(2024, 3, 1)'),
    (('dateAdd', 'day', 1.5, ('toDate', '2024-02-29')), 'Date(2024, 3, 1)'),
    (('dateAdd', 'second', 90, ('toDateTime', '2024-12-31T23:59:00Z')), "DateTime(1735689630.0, 'UTC')"),
    (('dateAdd', 'minute', -1, ('toDateTime', '2025-01-01T00:00:00Z')), "DateTime(1735689540.0, 'UTC')"),
    (('dateAdd', 'day', 1.5, ('toDateTime', '2024-01-01T00:00:00Z')), "DateTime(1704196800.0, 'UTC')"),
    (('dateAdd', 'month', 0.5, ('toDateTime', '2024-01-01T00:00:00Z')), "DateTime(1705363200.0, 'UTC')"),
    (('dateAdd', 'day', None, ('toDate', '2024-02-29')), 'Date(2024, 2, 29)'),
    (('dateAdd', 'day', '2', ('toDate', '2024-02-29')), 'Date(2024, 3, 2)'),
    (('toString', ('dateAdd', 'day', 1, ('toDateTime', '2024-03-09T12:00:00', 'America/New_York'))), '2024-03-10T12:00:00.000-04:00'),
    (('toString', ('dateAdd', 'hour', 24, ('toDateTime', '2024-03-09T12:00:00', 'America/New_York'))), '2024-03-10T13:00:00.000-04:00'),
    (('toString', ('dateAdd', 'day', 1, ('toDateTime', '2024-03-09T02:30:00', 'America/New_York'))), '2024-03-10T03:30:00.000-04:00'),
    (('toString', ('dateAdd', 'day', 1, ('toDateTime', '2024-11-02T01:30:00', 'America/New_York'))), '2024-11-03T01:30:00.000-04:00'),
    (('toString', ('dateAdd', 'day', -1, ('toDateTime', '2024-11-04T01:30:00', 'America/New_York'))), '2024-11-03T01:30:00.000-05:00'),
    (('toString', ('dateAdd', 'hour', 1, ('toTimeZone', ('toDateTime', '2024-11-03T05:30:00Z'), 'America/New_York'))), '2024-11-03T01:30:00.000-05:00'),
    (('toString', ('dateAdd', 'month', 1, ('toDateTime', '2024-09-06T02:30:00', 'Australia/Sydney'))), '2024-10-06T03:30:00.000+11:00'),
    (('toString', ('dateAdd', 'day', 1, ('toDateTime', '2024-10-26T02:30:00', 'Europe/Amsterdam'))), '2024-10-27T02:30:00.000+02:00'),
    (('dateAdd', 'day', 1, ('toTimeZone', ('toDateTime', '2024-05-03T12:00:00Z'), 'utc')), "DateTime(1714824000.0, 'UTC')"),
    (('addDays', ('toDate', '2024-12-18'), 3), 'Date(2024, 12, 21)'),
    (('addDays', ('toDateTime', '2024-12-18T10:00:00Z'), -18), "DateTime(1732960800.0, 'UTC')"),
    (('toString', ('addDays', ('toTimeZone', ('toDateTime', '2024-10-26T12:00:00Z'), 'Europe/Amsterdam'), 1)), '2024-10-27T14:00:00.000+01:00'),
]
TRUNC = [
    (('dateTrunc', 'day', ('toDateTime', '2024-12-18T12:34:56Z')), "DateTime(1734480000.0, 'UTC')"),
    (('dateTrunc', 'year', ('toDateTime', '2024-12-18T12:34:56Z')), "DateTime(1704067200.0, 'UTC')"),
    (('dateTrunc', 'month', ('toDateTime', '2024-12-18T12:34:56Z')), "DateTime(1733011200.0, 'UTC')"),
    (('dateTrunc', 'hour', ('toDateTime', '2024-12-18T12:34:56Z')), "DateTime(1734523200.0, 'UTC')"),
    (('dateTrunc', 'minute', ('toDateTime', '2024-12-18T12:34:56.789Z')), "DateTime(1734525240.0, 'UTC')"),
    (('dateTrunc', 'day', ('toDateTime', '2024-12-18T12:34:56Z'), 'ignored'), "DateTime(1734480000.0, 'UTC')"),
    (('toString', ('dateTrunc', 'day', ('toTimeZone', ('toDateTime', '2024-12-18T03:00:00Z'), 'America/New_York'))), '2024-12-17T00:00:00.000-05:00'),
    (('toString', ('dateTrunc', 'month', ('toTimeZone', ('toDateTime', '2024-03-31T23:00:00Z'), 'Europe/Amsterdam'))), '2024-04-01T00:00:00.000+02:00'),
    (('toString', ('dateTrunc', 'day', ('toTimeZone', ('toDateTime', '2024-10-27T12:00:00Z'), 'Europe/Amsterdam'))), '2024-10-27T00:00:00.000+02:00'),
    (('toString', ('dateTrunc', 'hour', ('toTimeZone', ('toDateTime', '2024-06-01T12:40:00Z'), 'Asia/Kolkata'))), '2024-06-01T18:00:00.000+05:30'),
    (('dateTrunc', 'day', ('toTimeZone', ('toDateTime', '2024-05-03T12:00:00Z'), 'utc')), "DateTime(1714694400.0, 'UTC')"),
    (('toStartOfDay', ('toDateTime', '2024-12-18T11:11:11Z')), "DateTime(1734480000.0, 'UTC')"),
    (('toStartOfDay', ('toDate', '2024-12-18')), "DateTime(1734480000.0, 'UTC')"),
    (('toStartOfDay', ('toDateTime', '2024-12-18T11:11:11Z'), 'ignored'), "DateTime(1734480000.0, 'UTC')"),
    (('toStartOfHour', ('toDateTime', '2024-12-18T11:11:11Z')), "DateTime(1734519600.0, 'UTC')"),
    (('toStartOfMonth', ('toDate', '2024-12-18')), "DateTime(1733011200.0, 'UTC')"),
    (('toStartOfWeek', ('toDateTime', '2024-12-18T11:11:11Z')), "DateTime(1734307200.0, 'UTC')"),
    (('toStartOfWeek', ('toDate', '2024-12-22')), "DateTime(1734307200.0, 'UTC')"),
    (('toStartOfWeek', ('toDate', '2024-12-23')), "DateTime(1734912000.0, 'UTC')"),
    (('toString', ('toStartOfWeek', ('toTimeZone', ('toDateTime', '2024-11-04T12:00:00Z'), 'America/New_York'))), '2024-11-04T00:00:00.000-05:00'),
    (('toString', ('toStartOfWeek', ('toTimeZone', ('toDateTime', '2024-04-01T12:00:00Z'), 'Europe/Amsterdam'))), '2024-04-01T00:00:00.000+02:00'),
    (('toString', ('toStartOfDay', ('toTimeZone', ('toDateTime', '2024-06-01T20:00:00Z'), 'Australia/Sydney'))), '2024-06-02T00:00:00.000+10:00'),
]
DIFF = [
    (('dateDiff', 'day', ('toDate', '2024-12-18'), ('dateAdd', 'day', 5, ('toDate', '2024-12-18'))), '5'),
    (('dateDiff', 'second', ('toDateTime', '2024-01-01T00:00:00Z'), ('toDateTime', '2024-01-01T23:59:59Z')), '86399'),
    (('dateDiff', 'day', ('toDateTime', '2024-01-01T00:00:00Z'), ('toDateTime', '2024-01-01T23:59:59Z')), '0'),
    (('dateDiff', 'day', ('toDateTime', '2024-01-02T00:00:00Z'), ('toDateTime', '2024-01-01T00:00:01Z')), '-1'),
    (('dateDiff', 'minute', '2024-01-31T23:00:00Z', '2024-02-01T01:00:00Z'), '120'),
    (('dateDiff', 'month', '2024-01-31T23:00:00Z', '2024-02-01T01:00:00Z'), '1'),
    (('dateDiff', 'year', '2024-12-31', '2025-01-01'), '1'),
    (('dateDiff', 'month', ('toDate', '2020-02-29'), ('toDate', '2024-02-28')), '48'),
    (('dateDiff', 'year', ('toDate', '2020-02-29'), ('toDate', '2024-02-28')), '4'),
    (('dateDiff', 'day', ('toDate', '2020-02-29'), ('toDate', '2024-02-28')), '1460'),
    (('dateDiff', 'second', ('toDateTime', '2024-01-01T00:00:00.900Z'), ('toDateTime', '2024-01-01T00:00:01.100Z')), '0'),
    (('dateDiff', 'week', '2024-05-03', ('toDate', '2024-05-10')), '1'),
    (('dateDiff', 'week', '2024-05-03', ('toDate', '2024-05-09')), '0'),
    (('dateDiff', 'month', ('toTimeZone', ('toDateTime', '2024-12-31T23:30:00Z'), 'Europe/Amsterdam'), ('toDateTime', '2025-01-01T00:30:00Z')), '0'),
]
INTERVAL = [
    (('toIntervalDay', 5), "{'__hogInterval__': true, 'value': 5, 'unit': 'day'}"),
    (('toIntervalHour', 1.5), "{'__hogInterval__': true, 'value': 1.5, 'unit': 'hour'}"),
    (('toIntervalMinute', -3), "{'__hogInterval__': true, 'value': -3, 'unit': 'minute'}"),
    (('toIntervalMonth', 2), "{'__hogInterval__': true, 'value': 2, 'unit': 'month'}"),
]
ERRORS = [
    (('toTimeZone', '2024-05-03', 'UTC'), ('ERROR', 'Expected a DateTime')),
    (('toTimeZone', None, 'UTC'), ('ERROR', 'Expected a DateTime')),
    (('dateTrunc', 'week', ('toDateTime', '2024-01-01T00:00:00Z')), ('ERROR', 'Unsupported unit for dateTrunc: week')),
    (('dateTrunc', 'day', '2024-05-03'), ('ERROR', 'Expected a DateTime for dateTrunc')),
    (('dateTrunc', 'day', ('toDate', '2024-05-03')), ('ERROR', 'Expected a DateTime for dateTrunc')),
    (('dateTrunc', 'day', None), ('ERROR', 'Expected a DateTime for dateTrunc')),
    (('dateAdd', 'decade', 1, ('toDateTime', '2024-01-01T00:00:00Z')), ('ERROR', 'Unsupported interval unit: decade')),
    (('extract', 'quarter', ('toDateTime', '2024-01-01T00:00:00Z')), ('ERROR', 'Unknown extract part: quarter')),
    (('extract', 'dow', None), ('ERROR', 'Unknown extract part: dow')),
    (('dateDiff', 'fortnight', '2024-01-01', '2024-01-02'), ('ERROR', 'Unsupported unit for dateDiff: fortnight')),
    (('dateDiff', 'quarter', None, None), ('ERROR', 'Unsupported unit for dateDiff: quarter')),
]


ORACLE_TABLES = {
    "parse": PARSE, "date": DATE, "unix": UNIX, "zone": ZONE, "fields": FIELDS, "add": ADD,
    "trunc": TRUNC, "diff": DIFF, "interval": INTERVAL, "errors": ERRORS,
}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [pytest.param(e, x, id=f"{group}-{i}") for group, table in ORACLE_TABLES.items() for i, (e, x) in enumerate(table)],
)
def test_matches_the_oracle(expr: tuple, expected: Any) -> None:
    check(expr, expected)


# ---------------------------------------------------------------------------------------------------
# Registration


# (min, max) arity of each date built-in, from PostHog's STL contract (spec/data/stl.json).
CONTRACT_ARITY = {
    "addDays": (2, 2),
    "dateAdd": (3, 3),
    "dateDiff": (3, 3),
    "dateTrunc": (2, 3),
    "extract": (2, 2),
    "formatDateTime": (2, 3),
    "fromUnixTimestamp": (1, 1),
    "fromUnixTimestampMilli": (1, 1),
    "now": (0, 1),
    "toDate": (1, 1),
    "toDateTime": (1, 2),
    "toIntervalDay": (1, 1),
    "toIntervalHour": (1, 1),
    "toIntervalMinute": (1, 1),
    "toIntervalMonth": (1, 1),
    "toMonth": (1, 1),
    "toStartOfDay": (1, 2),
    "toStartOfHour": (1, 1),
    "toStartOfMonth": (1, 1),
    "toStartOfWeek": (1, 2),
    "toTimeZone": (2, 2),
    "toUnixTimestamp": (1, 2),
    "toUnixTimestampMilli": (1, 2),
    "toYYYYMM": (1, 1),
    "toYear": (1, 1),
    "today": (0, 0),
}


def test_every_date_function_is_registered_with_the_contract_arity() -> None:
    for name, arity in CONTRACT_ARITY.items():
        function = NATIVE_FUNCTIONS[name]
        assert (function.min_args, function.max_args) == arity, name


# ---------------------------------------------------------------------------------------------------
# The injected clock


def test_now_and_today_read_the_injected_clock() -> None:
    assert ev(("now",)) == HogDateTime(PINNED_NOW, "UTC")
    assert print_string(ev(("now",))) == "DateTime(1795895794.546, 'UTC')"
    assert print_string(ev(("today",))) == "Date(2026, 11, 28)"
    late = FakeContext(now=1795910399.999)  # 2026-11-28T23:59:59.999Z
    assert print_string(call("today", ctx=late)) == "Date(2026, 11, 28)"
    assert print_string(call("today", ctx=FakeContext(now=1795910400))) == "Date(2026, 11, 29)"


def test_now_takes_an_optional_zone() -> None:
    # The oracle ignores the argument; hoglite gives it ClickHouse's meaning (the display zone).
    assert print_string(ev(("now", "Europe/Amsterdam"))) == "DateTime(1795895794.546, 'Europe/Amsterdam')"
    assert ev(("toString", ("now", "Europe/Amsterdam"))) == "2026-11-28T20:56:34.546+01:00"
    with pytest.raises(HogRuntimeError, match="now: unknown time zone 'Mars/Base'"):
        ev(("now", "Mars/Base"))


# ---------------------------------------------------------------------------------------------------
# Deliberate differences: null instead of an invalid value


@pytest.mark.parametrize(
    ("expr", "oracle_prints"),
    [
        (("toDateTime", "garbage"), "DateTime(NaN.0, 'UTC')"),
        (("toDateTime", ""), "DateTime(NaN.0, 'UTC')"),
        (("toDateTime", None), "DateTime(NaN.0, 'UTC')"),
        (("toDateTime", True), "DateTime(NaN.0, 'UTC')"),
        (("toDateTime", "2024-02-30"), "DateTime(NaN.0, 'UTC')"),
        (("toDate", "2024-13-01"), "Date(NaN, NaN, NaN)"),
        (("toDate", None), "Date(NaN, NaN, NaN)"),
        (("toDate", [2024]), "Date(NaN, NaN, NaN)"),
        (("toUnixTimestamp", "soon"), "NaN"),
        (("toUnixTimestamp", None), "NaN"),
        (("toUnixTimestampMilli", None), "NaN"),
        (("toYear", "garbage"), "NaN"),
        (("toYear", None), "NaN"),
        (("toYear", 5), "NaN"),
        (("toYYYYMM", ""), "NaN"),
        (("extract", "day", None), "NaN"),
        (("dateDiff", "day", None, "2024-01-02"), "NaN"),
        (("dateDiff", "day", "garbage", "2024-01-02"), "NaN"),
        (("dateDiff", "day", 5, "2024-01-02"), "NaN"),
        (("fromUnixTimestamp", None), "DateTime(null.0, 'UTC')"),
        (("fromUnixTimestampMilli", None), "DateTime(0.0, 'UTC')"),
    ],
)
def test_invalid_input_to_conversions_gives_null(expr: tuple, oracle_prints: str) -> None:
    assert ev(expr) is None


@pytest.mark.parametrize(
    "text",
    [
        "2024", "2024-01", "20240101", "2024-W05", "2024-001", "12:30", "2024-05-03T24:00", "2024-05-03T12:60",
        "2024-05-03T12", "2024-05-03T12:34:56.", "2024-05-03T12:34:56.1234567890", "2024-05-03T12:34:56+24:00",
        "0000-01-01", "2024-5-3", "2024/05/03", "２０２４-05-03", "2024-05-03T12:34:56 Z", "2024-05-03Z",
    ],
)
def test_strings_outside_the_date_like_grammar_are_rejected(text: str) -> None:
    # luxon's own ISO reader accepts several of these in toYear/extract/dateDiff; hoglite uses the
    # shared grammar everywhere.
    assert ev(("toDateTime", text)) is None
    assert ev(("toYear", text)) is None
    assert parse_date_like_seconds(text) is None


def test_space_separated_strings_work_in_extract_and_date_diff() -> None:
    # luxon's fromISO rejects the ClickHouse form with a space; the grammar accepts it everywhere.
    assert ev(("extract", "month", "2024-06-01 23:59")) == 6
    assert ev(("dateDiff", "hour", "2024-01-01 00:00:00", "2024-01-02")) == 24


# ---------------------------------------------------------------------------------------------------
# Deliberate differences: DST, elapsed time, temporal inputs


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        # 01:30 happens twice in New York on 2024-11-03: the earlier (EDT) reading wins.
        ("2024-11-03T01:30:00", "America/New_York", "2024-11-03T01:30:00.000-04:00"),
        ("2024-10-27T02:30:00", "Europe/Amsterdam", "2024-10-27T02:30:00.000+02:00"),
        ("2024-04-07T02:30:00", "Australia/Sydney", "2024-04-07T02:30:00.000+11:00"),
        # A skipped wall time is read with the offset before the jump.
        ("2024-03-10T02:30:00", "America/New_York", "2024-03-10T03:30:00.000-04:00"),
        ("2024-10-06T02:30:00", "Australia/Sydney", "2024-10-06T03:30:00.000+11:00"),
    ],
)
def test_parsing_wall_times_around_dst(text: str, zone: str, expected: str) -> None:
    # For the repeated hour luxon guesses with the offset in force *today*, so the oracle's answer
    # changes with the season it runs in; hoglite always takes the earlier reading.
    assert ev(("toString", ("toDateTime", text, zone))) == expected


@pytest.mark.parametrize(
    ("instant", "unit", "expected"),
    [
        ("2024-11-03T05:30:00Z", "hour", "2024-11-03T01:00:00.000-04:00"),
        ("2024-11-03T05:30:00Z", "minute", "2024-11-03T01:30:00.000-04:00"),
        ("2024-11-03T06:30:00Z", "hour", "2024-11-03T01:00:00.000-05:00"),
        ("2024-11-03T06:30:00Z", "minute", "2024-11-03T01:30:00.000-05:00"),
        ("2024-11-03T06:30:00Z", "day", "2024-11-03T00:00:00.000-04:00"),
    ],
)
def test_truncation_inside_the_repeated_hour_never_moves_forward(instant: str, unit: str, expected: str) -> None:
    value = ("toTimeZone", ("toDateTime", instant), "America/New_York")
    truncated = ev(("dateTrunc", unit, value))
    assert date_to_string(truncated) == expected
    assert truncated["dt"] <= ev(value)["dt"]


@pytest.mark.parametrize(
    ("unit", "start", "end", "expected", "oracle"),
    [
        ("hour", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", 744, 720),
        ("second", "2024-01-31", "2024-03-01", 2592000, 2678400),
        ("week", "2020-02-29", "2024-02-28", 208, 207),
        ("hour", ("toDateTime", "2024-03-09T12:00:00", "America/New_York"),
         ("toDateTime", "2024-03-10T12:00:00", "America/New_York"), 23, 24),
        ("hour", ("toDateTime", "2024-12-31T23:00:00", "America/New_York"), "2025-01-01T01:00:00Z", -3, 93),
        ("minute", "2024-01-01T00:00:30Z", "2024-01-01T00:00:00Z", -1, -1),
    ],
)
def test_date_diff_time_units_are_elapsed_time(unit: str, start: Any, end: Any, expected: int, oracle: int) -> None:
    assert ev(("dateDiff", unit, start, end)) == expected


def test_conversions_accept_temporal_values() -> None:
    kolkata = ("toTimeZone", ("toDateTime", "2024-05-03T20:00:00Z"), "Asia/Kolkata")
    assert print_string(ev(("toDate", kolkata))) == "Date(2024, 5, 4)"
    assert print_string(ev(("toDate", ("toDate", "2024-05-03")))) == "Date(2024, 5, 3)"
    assert print_string(ev(("toDateTime", kolkata))) == "DateTime(1714766400.0, 'Asia/Kolkata')"
    assert print_string(ev(("toDateTime", kolkata, "UTC"))) == "DateTime(1714766400.0, 'UTC')"
    assert print_string(ev(("toDateTime", ("toDate", "2024-05-03"), "America/New_York"))) == (
        "DateTime(1714708800.0, 'America/New_York')"
    )
    assert ev(("toUnixTimestamp", 1714708800.5)) == 1714708800.5


def test_whole_timestamps_are_ints() -> None:
    assert type(ev(("toDateTime", "2024-05-03"))["dt"]) is int
    assert type(ev(("dateTrunc", "day", ("fromUnixTimestamp", 1714739696.5)))["dt"]) is int
    assert type(ev(("toUnixTimestampMilli", "2024-05-03T12:34:56.789Z"))) is int
    assert isinstance(ev(("dateAdd", "day", 1, ("toDate", "2024-05-03"))), HogDate)
    assert isinstance(ev(("toStartOfDay", ("toDate", "2024-05-03"))), HogDateTime)


# ---------------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (("toTimeZone", ("toDateTime", 0), "Mars/Base"), "toTimeZone: unknown time zone 'Mars/Base'"),
        (("toTimeZone", ("toDateTime", 0), "local"), "toTimeZone: unknown time zone 'local'"),
        (("toTimeZone", ("toDateTime", 0), "+02:00"), "toTimeZone: unknown time zone '+02:00'"),
        (("toDateTime", 0, "Mars/Base"), "toDateTime: unknown time zone 'Mars/Base'"),
        (("toDateTime", "2024-05-03", "system"), "toDateTime: unknown time zone 'system'"),
        (("toUnixTimestamp", "2024-05-03", "Nowhere"), "toUnixTimestamp: unknown time zone 'Nowhere'"),
        (("toDateTime", float("nan")), "toDateTime: a timestamp must be a finite number, got nan"),
        (("fromUnixTimestamp", "12"), "fromUnixTimestamp: the timestamp must be a finite number, got string"),
        (("fromUnixTimestamp", float("inf")), "fromUnixTimestamp: the timestamp must be a finite number, got inf"),
        (("fromUnixTimestampMilli", True), "fromUnixTimestampMilli: the timestamp must be a finite number, got boolean"),
        (("dateAdd", "day", 1, None), "dateAdd: expected a Date or DateTime, got null"),
        (("dateAdd", "day", 1, "2024-05-03"), "dateAdd: expected a Date or DateTime, got string"),
        (("dateAdd", "day", "x", ("toDate", "2024-05-03")), "dateAdd: the amount must be a number, got 'x'"),
        (("dateAdd", "day", "inf", ("toDate", "2024-05-03")), "dateAdd: the amount must be a number, got 'inf'"),
        (("dateAdd", "day", True, ("toDate", "2024-05-03")), "dateAdd: the amount must be a finite number, got boolean"),
        (("dateAdd", 7, 1, ("toDate", "2024-05-03")), "Unsupported interval unit: 7"),
        (("addDays", None, 1), "addDays: expected a Date or DateTime, got null"),
        (("toStartOfDay", None), "toStartOfDay: expected a Date or DateTime, got null"),
        (("toStartOfHour", 5), "toStartOfHour: expected a Date or DateTime, got integer"),
        (("toStartOfWeek", "2024-05-03"), "toStartOfWeek: expected a Date or DateTime, got string"),
        (("toStartOfMonth", {"year": 2024}), "toStartOfMonth: expected a Date or DateTime, got object"),
        (("dateTrunc", None, ("toDateTime", 0)), "Unsupported unit for dateTrunc: null"),
        (("toString", ("fromUnixTimestamp", 1e13)),
         "date is out of range (at most 8.64e12 seconds, about 273,790 years, either side of 1970)"),
    ],
)
def test_runtime_errors(expr: tuple, message: str) -> None:
    with pytest.raises(HogRuntimeError) as info:
        ev(expr)
    assert info.value.message == message


def test_hand_made_values_are_validated() -> None:
    with pytest.raises(HogRuntimeError, match="invalid Date: Date\\(2024, 2, 30\\)"):
        date_to_string(HogDate(2024, 2, 30))
    with pytest.raises(HogRuntimeError, match="invalid DateTime"):
        date_to_string(HogDateTime("soon", "UTC"))  # type: ignore[arg-type]
    with pytest.raises(HogRuntimeError, match="toString: unknown time zone 'Atlantis'"):
        date_to_string(HogDateTime(0, "Atlantis"))
    with pytest.raises(TypeError):
        date_to_string({"year": 2024})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------
# Helpers for the VM and the stdlib


def test_date_to_string() -> None:
    assert date_to_string(HogDate(2024, 5, 3)) == "2024-05-03"
    assert date_to_string(HogDateTime(1714739696, "UTC")) == "2024-05-03T12:34:56.000Z"
    assert date_to_string(HogDateTime(1714739696.5, "Europe/Brussels")) == "2024-05-03T14:34:56.500+02:00"
    assert date_to_string(HogDateTime(1714739696, "America/New_York")) == "2024-05-03T08:34:56.000-04:00"


def test_interval_helpers() -> None:
    day = ev(("toIntervalDay", 2))
    assert is_interval(day) and not is_interval({"__hogInterval__": True}) and not is_interval(HogDate(2024, 1, 1))
    assert not is_interval({"__hogInterval__": "yes", "unit": "day"}) and not is_interval([day])
    assert is_temporal(HogDate(2024, 1, 1)) and is_temporal(HogDateTime(0)) and not is_temporal({"dt": 0})

    instant = ev(("toDateTime", "2024-03-09T12:00:00", "America/New_York"))
    assert date_to_string(add_interval(instant, day)) == "2024-03-11T12:00:00.000-04:00"
    assert date_to_string(add_interval(instant, day, -1)) == "2024-03-07T12:00:00.000-05:00"
    assert date_to_string(add_interval(instant, ev(("toIntervalHour", 24)))) == "2024-03-10T13:00:00.000-04:00"
    assert date_to_string(add_interval(instant, ev(("toIntervalMinute", -90)))) == "2024-03-09T10:30:00.000-05:00"
    assert add_interval(HogDate(2024, 1, 31), ev(("toIntervalMonth", 1))) == HogDate(2024, 2, 29)
    assert add_interval(HogDate(2024, 3, 31), ev(("toIntervalMonth", 1)), -1) == HogDate(2024, 2, 29)
    assert add_interval(HogDate(2024, 2, 29), {"__hogInterval__": True, "value": 1, "unit": "year"}) == HogDate(2025, 2, 28)
    assert add_interval(HogDate(2024, 2, 29), {"__hogInterval__": True, "value": 1, "unit": "week"}) == HogDate(2024, 3, 7)
    assert add_interval(HogDate(2024, 2, 29), {"__hogInterval__": True, "value": 30, "unit": "second"}) == HogDate(2024, 2, 29)
    assert add_interval(HogDate(2024, 2, 29), {"__hogInterval__": True, "value": None, "unit": "day"}) == HogDate(2024, 2, 29)


@pytest.mark.parametrize(
    ("value", "interval", "message"),
    [
        (HogDate(2024, 1, 1), {"value": 1, "unit": "day"}, "expected an interval, got object"),
        (HogDate(2024, 1, 1), {"__hogInterval__": True, "value": 1, "unit": "fortnight"}, "Unsupported interval unit: fortnight"),
        (HogDate(2024, 1, 1), {"__hogInterval__": True, "value": "x", "unit": "day"},
         "interval arithmetic: the amount must be a number, got 'x'"),
        (5, {"__hogInterval__": True, "value": 1, "unit": "day"}, "interval arithmetic: expected a Date or DateTime, got integer"),
    ],
)
def test_interval_arithmetic_errors(value: Any, interval: Any, message: str) -> None:
    with pytest.raises(HogRuntimeError) as info:
        add_interval(value, interval)
    assert info.value.message == message


def test_temporal_seconds_for_comparisons() -> None:
    assert temporal_seconds(HogDateTime(1714739696.5, "Asia/Kolkata")) == 1714739696.5
    assert temporal_seconds(HogDate(2024, 5, 3)) == 1714694400
    assert temporal_seconds("2024-05-03") is None and temporal_seconds(None) is None
    assert parse_date_like_seconds("2024-05-03") == 1714694400
    assert parse_date_like_seconds(" 2024-05-03T12:34:56.789+02:00 ") == 1714732496.789
    assert parse_date_like_seconds("May 3rd") is None
