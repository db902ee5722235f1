"""String built-ins, with JavaScript's semantics: lengths and offsets count UTF-16 code units.

A `null` subject gives `null` (PostHog's newest null-handling rule); any other non-string subject is a
Hog runtime error naming the function and the type it got.
"""

from __future__ import annotations

import math
from typing import Any

from hoglite.stl._common import (
    expect_string,
    guard_container,
    guard_string,
    hog_to_string,
    is_array,
    is_number,
    js_string,
    js_to_number,
    string_limit,
    utf16_len,
    utf16_offset,
    utf16_slice,
    utf16_units,
)
from hoglite.stl.regex import like_match, regex_extract, regex_search
from hoglite.stl.registry import HostContext, native
from hoglite.vm.values import is_truthy

# ---------------------------------------------------------------------------------------------------
# Case, reverse, concat


@native("lower", 1, 1)
def lower(args: list[Any], ctx: HostContext) -> Any:
    if args[0] is None:
        return None
    return expect_string("lower", args[0]).lower()


@native("upper", 1, 1)
def upper(args: list[Any], ctx: HostContext) -> Any:
    if args[0] is None:
        return None
    return expect_string("upper", args[0]).upper()


@native("reverse", 1, 1)
def reverse(args: list[Any], ctx: HostContext) -> Any:
    # JavaScript reverses UTF-16 units, splitting surrogate pairs (each half prints as U+FFFD).
    if args[0] is None:
        return None
    return "".join(reversed(utf16_units(expect_string("reverse", args[0]))))


@native("concat", 1, None)
def concat(args: list[Any], ctx: HostContext) -> Any:
    parts = ["" if value is None else (hog_to_string(value) or "") for value in args]
    guard_string(ctx, sum(len(part) for part in parts))
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------
# Trim: strip repeats of ONE character (a space by default; TypeScript does not strip other white space)


def _trim(function: str, args: list[Any], left: bool, right: bool) -> Any:
    text, char = args[0], args[1] if len(args) > 1 else None
    if char is None:
        char = " "
    # The oracle checks the character first: anything whose JavaScript `.length` is not 1 gives ''
    # whatever the subject is; a one-item array never equals a character, so nothing is stripped.
    if isinstance(char, (list, tuple)) and len(char) == 1:
        char = None
    elif not isinstance(char, str) or utf16_len(char) != 1:
        return ""
    if text is None:
        return None
    expect_string(function, text)
    if char is None:
        return text
    if left and right:
        return text.strip(char)
    return text.lstrip(char) if left else text.rstrip(char)


@native("trim", 1, 2)
def trim(args: list[Any], ctx: HostContext) -> Any:
    return _trim("trim", args, True, True)


@native("trimLeft", 1, 2)
def trim_left(args: list[Any], ctx: HostContext) -> Any:
    return _trim("trimLeft", args, True, False)


@native("trimRight", 1, 2)
def trim_right(args: list[Any], ctx: HostContext) -> Any:
    return _trim("trimRight", args, False, True)


# ---------------------------------------------------------------------------------------------------
# Split and replace


def _to_uint32(value: Any) -> int:
    number = js_to_number(value)
    if not math.isfinite(number):
        return 0
    return int(math.trunc(number)) % 2**32


@native("splitByString", 2, 3)
def split_by_string(args: list[Any], ctx: HostContext) -> Any:
    """Separator first. With `max`, only the first `max` parts are kept; the rest is dropped."""
    separator, text = js_string(args[0]), args[1]
    limit = args[2] if len(args) > 2 else None
    if text is None:
        return None
    expect_string("splitByString", text)
    if separator == "":
        guard_container(ctx, utf16_len(text))
        parts = utf16_units(text)
    else:
        guard_container(ctx, text.count(separator) + 1)
        parts = text.split(separator)
    if limit is not None:
        parts = parts[: _to_uint32(limit)]
    return parts


def _substitute(replacement: str, matched: str, before: str, after: str) -> str:
    """JavaScript's replacement patterns for a string search: `$$`, `$&`, `` $` `` and `$'`."""
    if "$" not in replacement:
        return replacement
    out = []
    index = 0
    while index < len(replacement):
        ch = replacement[index]
        if ch == "$" and index + 1 < len(replacement):
            code = replacement[index + 1]
            if code == "$":
                out.append("$")
                index += 2
                continue
            if code == "&":
                out.append(matched)
                index += 2
                continue
            if code == "`":
                out.append(before)
                index += 2
                continue
            if code == "'":
                out.append(after)
                index += 2
                continue
        out.append(ch)
        index += 1
    return "".join(out)


def _replace(function: str, args: list[Any], ctx: HostContext, only_first: bool) -> Any:
    text = args[0]
    if text is None:
        return None
    expect_string(function, text)
    needle, replacement = js_string(args[1]), js_string(args[2])
    if needle == "":
        if only_first:
            positions = [0]
        else:
            # An empty needle matches at every UTF-16 boundary; each unit is one character after this.
            text = "".join(utf16_units(text))
            positions = list(range(len(text) + 1))
    else:
        positions = []
        start = text.find(needle)
        while start != -1:
            positions.append(start)
            if only_first:
                break
            start = text.find(needle, start + len(needle))
    if not positions:
        return text
    pieces: list[str] = []
    limit = string_limit(ctx)
    size = 0
    cursor = 0
    for position in positions:
        end = position + len(needle)
        expanded = _substitute(replacement, needle, text[:position], text[end:])
        pieces.append(text[cursor:position])
        pieces.append(expanded)
        size += position - cursor + len(expanded)
        if size > limit:
            guard_string(ctx, size)
        cursor = end
    pieces.append(text[cursor:])
    guard_string(ctx, size + len(text) - cursor)
    return "".join(pieces)


@native("replaceAll", 3, 3)
def replace_all(args: list[Any], ctx: HostContext) -> Any:
    return _replace("replaceAll", args, ctx, only_first=False)


@native("replaceOne", 3, 3)
def replace_one(args: list[Any], ctx: HostContext) -> Any:
    return _replace("replaceOne", args, ctx, only_first=True)


# ---------------------------------------------------------------------------------------------------
# Search and slice


@native("position", 2, 3)
def position(args: list[Any], ctx: HostContext) -> Any:
    """1-based UTF-16 offset of the first occurrence, 0 when absent or when the haystack is no string."""
    haystack = args[0]
    if not isinstance(haystack, str):
        return 0
    index = haystack.find(js_string(args[1]))
    return 0 if index == -1 else utf16_offset(haystack, index) + 1


@native("positionCaseInsensitive", 2, 3)
def position_case_insensitive(args: list[Any], ctx: HostContext) -> Any:
    haystack = args[0]
    if not isinstance(haystack, str):
        return 0
    lowered = haystack.lower()
    index = lowered.find(js_string(args[1]).lower())
    return 0 if index == -1 else utf16_offset(lowered, index) + 1


@native("startsWith", 2, 2)
def starts_with(args: list[Any], ctx: HostContext) -> Any:
    text, prefix = args[0], args[1]
    return isinstance(text, str) and isinstance(prefix, str) and text.startswith(prefix)


def _slice_index(value: float, length: int) -> int:
    """JavaScript's slice() argument: NaN is 0, fractions truncate, clipped to [0, length]."""
    if value != value:
        return 0
    if value == math.inf:
        return length
    if value == -math.inf:
        return 0
    return max(0, min(length, int(math.trunc(value))))


@native("substring", 2, 3)
def substring(args: list[Any], ctx: HostContext) -> Any:
    """1-based `start`, optional length; out-of-range requests give ''."""
    text = args[0]
    optional_length = args[2] if len(args) > 2 else None
    if not isinstance(text, str):
        return ""
    total = utf16_len(text)
    start = js_to_number(args[1]) - 1
    count = optional_length if is_number(optional_length) else total - start
    if start < 0 or count < 0 or not start < total:
        return ""
    end = start + count
    return utf16_slice(text, _slice_index(start, total), _slice_index(end, total))


# ---------------------------------------------------------------------------------------------------
# Pattern matching


def _like(args: list[Any], case_insensitive: bool) -> bool:
    # As the oracle (and the LIKE operators): both sides go through String(), so null is 'null'.
    text, pattern = args[0], args[1]
    return like_match(js_string(text), js_string(pattern), case_insensitive)


@native("like", 2, 2)
def like(args: list[Any], ctx: HostContext) -> Any:
    return _like(args, False)


@native("ilike", 2, 2)
def ilike(args: list[Any], ctx: HostContext) -> Any:
    return _like(args, True)


@native("notLike", 2, 2)
def not_like(args: list[Any], ctx: HostContext) -> Any:
    return not _like(args, False)


@native("notILike", 2, 2)
def not_ilike(args: list[Any], ctx: HostContext) -> Any:
    return not _like(args, True)


@native("match", 2, 2)
def match(args: list[Any], ctx: HostContext) -> Any:
    """RE2 search. A missing or empty subject or pattern (null, '', 0, false) is no match."""
    text, pattern = args[0], args[1]
    if not is_truthy(text) or not is_truthy(pattern):
        return False
    return regex_search(js_string(pattern), js_string(text))


@native("extractRegex", 2, 2)
def extract_regex(args: list[Any], ctx: HostContext) -> Any:
    text, pattern = args[0], args[1]
    if text is None or pattern is None:
        return ""
    return regex_extract(js_string(pattern), js_string(text))


@native("multiSearchAnyCaseInsensitive", 2, 2)
def multi_search_any_case_insensitive(args: list[Any], ctx: HostContext) -> Any:
    text, needles = args[0], args[1]
    if text is None or not is_array(needles):
        return 0
    haystack = js_string(text).lower()
    return 1 if any(js_string(needle).lower() in haystack for needle in needles) else 0
