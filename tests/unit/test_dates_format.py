"""formatDateTime: every format code, across time zones and DST transitions.

Expected values were produced by PostHog's TypeScript VM (`@posthog/hogvm` 1.0.71, TZ=UTC), except in
the section of deliberate differences at the end, where hoglite prints each code on its own.
"""

from __future__ import annotations

from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogRuntimeError
from hoglite.stl.dates_format import FORMAT_CODES
from hoglite.stl.registry import NATIVE_FUNCTIONS


class _Context:
    """formatDateTime never reads the clock; the host context is only passed through."""

    def print(self, text: str) -> None:
        raise AssertionError("no printing expected")

    def now(self) -> float:
        return 0.0

    def random(self) -> float:
        return 0.5

    def uuid4(self) -> str:
        return "00000000-0000-4000-8000-000000000000"


def call(name: str, *args: Any) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), _Context())

ALL = "%a %b %c %C %d %D %e %f %F %g %G %h %H %i %I %j %k %l %m %M %p %Q %r %R %s %S %T %u %V %w %W %y %Y %z %%"

# (instant: epoch seconds or an ISO string, format, zone argument, expected output)
CASES = [
    (1234377543.123456, '%a %b %c %C %d %D %e %f %F %g %G %h %H %i %I %j %k %l %m %M %p %Q %r %R %s %S %T %u %V %w %W %y %Y %z %%', None, 'Wed Feb 02 09 11 02/11/09 11 123 2009-02-11 09 2009 06 18 39 06 042 18 06 02 February PM 1 06:39 PM 18:39 03 03 18:39:03 3 07 3 Wednesday 09 2009 +0000 %'),
    (1234377543.123456, '%a %b %c %C %d %D %e %f %F %g %G %h %H %i %I %j %k %l %m %M %p %Q %r %R %s %S %T %u %V %w %W %y %Y %z %%', 'Europe/Amsterdam', 'Wed Feb 02 09 11 02/11/09 11 123 2009-02-11 09 2009 07 19 39 07 042 19 07 02 February PM 1 07:39 PM 19:39 03 03 19:39:03 3 07 3 Wednesday 09 2009 +0100 %'),
    (1234377543.123456, '%a %b %c %C %d %D %e %f %F %g %G %h %H %i %I %j %k %l %m %M %p %Q %r %R %s %S %T %u %V %w %W %y %Y %z %%', 'America/New_York', 'Wed Feb 02 09 11 02/11/09 11 123 2009-02-11 09 2009 01 13 39 01 042 13 01 02 February PM 1 01:39 PM 13:39 03 03 13:39:03 3 07 3 Wednesday 09 2009 -0500 %'),
    (1234377543.123456, '%a %b %c %C %d %D %e %f %F %g %G %h %H %i %I %j %k %l %m %M %p %Q %r %R %s %S %T %u %V %w %W %y %Y %z %%', 'Asia/Kolkata', 'Thu Feb 02 09 12 02/12/09 12 123 2009-02-12 09 2009 12 00 09 12 043 00 12 02 February AM 1 12:09 AM 00:09 03 03 00:09:03 4 07 4 Thursday 09 2009 +0530 %'),
    (1234377543.123456, '%a %b %c %C %d %D %e %f %F %g %G %h %H %i %I %j %k %l %m %M %p %Q %r %R %s %S %T %u %V %w %W %y %Y %z %%', 'Australia/Sydney', 'Thu Feb 02 09 12 02/12/09 12 123 2009-02-12 09 2009 05 05 39 05 043 05 05 02 February AM 1 05:39 AM 05:39 03 03 05:39:03 4 07 4 Thursday 09 2009 +1100 %'),
    (1234377543.123456, '%Y-%m-%d %H:%i:%S', 'Europe/Brussels', '2009-02-11 19:39:03'),
    (1234377543.123456, '%Y%m%dT%H%i%sZ', None, '20090211T183903Z'),
    (1234377543.123456, 'one banana', None, 'one banana'),
    (1234377543.123456, '%Y no way %m is this %d a %H real %i time %S', None, '2009 no way 02 is this 11 a 18 real 39 time 03'),
    ('2024-03-10T06:59:59Z', '%F %T %z', 'America/New_York', '2024-03-10 01:59:59 -0500'),
    ('2024-03-10T07:00:00Z', '%F %T %z', 'America/New_York', '2024-03-10 03:00:00 -0400'),
    ('2024-11-03T05:30:00Z', '%F %T %z %r', 'America/New_York', '2024-11-03 01:30:00 -0400 01:30 AM'),
    ('2024-11-03T06:30:00Z', '%F %T %z %r', 'America/New_York', '2024-11-03 01:30:00 -0500 01:30 AM'),
    ('2024-03-31T00:59:59Z', '%F %T %z', 'Europe/Amsterdam', '2024-03-31 01:59:59 +0100'),
    ('2024-03-31T01:00:00Z', '%F %T %z', 'Europe/Amsterdam', '2024-03-31 03:00:00 +0200'),
    ('2024-10-27T00:30:00Z', '%F %T %z', 'Europe/Amsterdam', '2024-10-27 02:30:00 +0200'),
    ('2024-10-27T01:30:00Z', '%F %T %z', 'Europe/Amsterdam', '2024-10-27 02:30:00 +0100'),
    ('2024-04-06T15:30:00Z', '%F %T %z', 'Australia/Sydney', '2024-04-07 02:30:00 +1100'),
    ('2024-04-06T16:30:00Z', '%F %T %z', 'Australia/Sydney', '2024-04-07 02:30:00 +1000'),
    ('2024-10-05T15:59:59Z', '%F %T %z', 'Australia/Sydney', '2024-10-06 01:59:59 +1000'),
    ('2024-10-05T16:00:00Z', '%F %T %z', 'Australia/Sydney', '2024-10-06 03:00:00 +1100'),
    ('2024-06-01T12:00:00Z', '%H:%i %z', 'Asia/Kathmandu', '17:45 +0545'),
    ('2024-06-01T12:00:00Z', '%H:%i %z', 'America/St_Johns', '09:30 -0230'),
    ('2024-06-01T12:00:00Z', '%H:%i %z %F', 'Pacific/Chatham', '00:45 +1245 2024-06-02'),
    ('2024-06-01T12:00:00Z', '%H:%i %z %F', 'Pacific/Kiritimati', '02:00 +1400 2024-06-02'),
    ('2024-06-01T12:00:00Z', '%H:%i %z', 'UTC+5:30', '17:30 +0530'),
    ('2024-06-01T12:00:00Z', '%F %T', 'Asia/Tokyo', '2024-06-01 21:00:00'),
    ('2024-06-01T00:05:00Z', '%h %I %l %p %r', None, '12 12 12 AM 12:05 AM'),
    ('2024-06-01T12:05:00Z', '%h %I %l %p %r', None, '12 12 12 PM 12:05 PM'),
    ('2024-06-01T23:59:59.999Z', '%r %T.%f', None, '11:59 PM 23:59:59.999'),
    ('2020-12-31T12:00:00Z', '%V %u %w %a %j %Q', None, '53 4 4 Thu 366 4'),
    ('2021-01-03T12:00:00Z', '%V %u %w %a %j %Q', None, '53 7 7 Sun 003 1'),
    ('2021-01-04T12:00:00Z', '%V %u %w %a %j %Q', None, '01 1 1 Mon 004 1'),
    ('2024-12-30T12:00:00Z', '%V %u %j %G %Y', None, '01 1 365 2024 2024'),
    ('2024-12-31T12:00:00Z', '%V %j %Q', None, '01 366 4'),
    ('2000-02-29T12:00:00Z', '%j %e %D %M %b', None, '060 29 02/29/00 February Feb'),
    ('2024-05-03T12:00:00Z', '%e|%d|%c|%m', None, '3|03|05|05'),
    ('2024-05-03T12:00:00Z', '100%% [%x%E%q] %', None, '100% [] '),
    ('2024-05-03T12:00:00Z', '%n%t', None, '\n\t'),
    ('2024-05-03T12:00:00Z', 'héllo %Y ✓', None, 'héllo 2024 ✓'),
]


def _datetime(instant: float | str):
    if isinstance(instant, float):
        return call("fromUnixTimestamp", instant)
    return call("toDateTime", instant)


@pytest.mark.parametrize(("instant", "fmt", "zone", "expected"), CASES)
def test_format_matches_the_oracle(instant: float | str, fmt: str, zone: str | None, expected: str) -> None:
    args = [_datetime(instant), fmt] + ([zone] if zone else [])
    assert call("formatDateTime", *args) == expected


def test_the_table_covers_every_code() -> None:
    used = set()
    for _, fmt, _, _ in CASES:
        used.update(fmt[i + 1] for i in range(len(fmt) - 1) if fmt[i] == "%")
    assert used >= FORMAT_CODES


def test_value_zone_is_used_without_zone_argument() -> None:
    value = call("toTimeZone", call("toDateTime", "2024-06-01T12:00:00Z"), "America/New_York")
    assert call("formatDateTime", value, "%F %T %z") == "2024-06-01 08:00:00 -0400"
    assert call("formatDateTime", value, "%F %T %z", "Asia/Kolkata") == "2024-06-01 17:30:00 +0530"
    # An empty or null zone argument falls back to the value's zone.
    assert call("formatDateTime", value, "%H", "") == "08"
    assert call("formatDateTime", value, "%H", None) == "08"


def test_milliseconds_are_truncated_not_rounded() -> None:
    assert call("formatDateTime", call("fromUnixTimestamp", 1.9999), "%S.%f") == "01.999"
    # JavaScript's Date truncates towards zero, also before 1970.
    assert call("formatDateTime", call("fromUnixTimestamp", -1.0005), "%F %T.%f") == "1969-12-31 23:59:59.000"


def test_years_outside_four_digits() -> None:
    year_minus_one = call("fromUnixTimestamp", -62198755200)
    assert call("formatDateTime", year_minus_one, "%Y %y %F") == "-0001 -01 -0001-01-01"
    assert call("formatDateTime", call("fromUnixTimestamp", 1e12), "%Y %y") == "33658 58"


# --- deliberate differences from the oracle -------------------------------------------------------
# The oracle glues the translated codes into one luxon pattern, so neighbouring codes that share a
# luxon letter merge ('%d%d' prints 'dddd', '%c%m' prints 'February') and a quote in the literal
# text toggles luxon's quoting ("it's %Y" prints 'it3 yyyy'). hoglite expands each code on its own.

@pytest.mark.parametrize(
    ("fmt", "expected", "oracle_prints"),
    [
        ("%d%d", "1111", "dddd"),
        ("%c%m", "0202", "February"),
        ("%H%k", "1818", "HHHH"),
        ("%u%w", "33", "EE"),
        ("%a%u", "Wed3", "Wednesday"),
        ("%e%e", "1111", "11"),
        ("%Q%Q", "11", "01"),
        ("it's %Y", "it's 2009", "it3 yyyy"),
        ("a'b", "a'b", "ab"),
    ],
)
def test_adjacent_codes_and_quotes_are_independent(fmt: str, expected: str, oracle_prints: str) -> None:
    value = call("fromUnixTimestamp", 1234377543.123456)
    assert call("formatDateTime", value, fmt) == expected != oracle_prints


# --- invalid input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2024-05-03", "%Y"], "Expected a DateTime"),
        ([None, "%Y"], "Expected a DateTime"),
        (["DATE", "%Y"], "Expected a DateTime"),
        (["DATETIME", ""], "formatDateTime requires at least 2 arguments"),
        (["DATETIME", None], "formatDateTime requires at least 2 arguments"),
        (["DATETIME", 5], "formatDateTime: the format must be a string, got integer"),
        (["DATETIME", "%Y", "Mars/Olympus_Mons"], "formatDateTime: unknown time zone 'Mars/Olympus_Mons'"),
        (["DATETIME", "%Y", "local"], "formatDateTime: unknown time zone 'local'"),
        (["DATETIME", "%Y", 3], "formatDateTime: time zone must be a string, got integer"),
    ],
)
def test_invalid_input_is_a_clear_runtime_error(args: list, message: str) -> None:
    values = {"DATE": call("toDate", "2024-05-03"), "DATETIME": call("toDateTime", "2024-05-03T12:00:00Z")}
    resolved = [values.get(a, a) if isinstance(a, str) else a for a in args]
    with pytest.raises(HogRuntimeError) as info:
        call("formatDateTime", *resolved)
    assert info.value.message == message


def test_unknown_zone_error_carries_a_hint() -> None:
    with pytest.raises(HogRuntimeError) as info:
        call("formatDateTime", call("toDateTime", "2024-05-03T12:00:00Z"), "%Y", "Europe/Amsterdamm")
    assert "IANA" in (info.value.hint or "")
