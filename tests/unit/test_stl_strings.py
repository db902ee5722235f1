"""String built-ins and regex/LIKE (hoglite/stl/strings.py, hoglite/stl/regex.py).

Lengths and offsets are UTF-16 code units, as in PostHog's TypeScript VM; a surrogate pair cut in half
yields U+FFFD per half (what node prints for a lone surrogate).
"""

from __future__ import annotations

from typing import Any

import pytest

import hoglite.stl  # noqa: F401  (registers the built-ins)
from hoglite.errors import HogLimitError, HogRuntimeError
from hoglite.stl.regex import compile_regex, like_match, like_to_regex, regex_search
from hoglite.stl.registry import NATIVE_FUNCTIONS
from hoglite.vm.limits import Limits
from hoglite.vm.values import HogDate, HogDateTime, HogErrorValue


class Ctx:
    limits = Limits()

    def print(self, text: str) -> None: ...
    def now(self) -> float: return 0.0
    def random(self) -> float: return 0.25
    def uuid4(self) -> str: return "00000000-0000-4000-8000-000000000000"


class SmallCtx(Ctx):
    limits = Limits(max_string_length=100, max_container_size=10)


def call(name: str, *args: Any, ctx: Any = None) -> Any:
    return NATIVE_FUNCTIONS[name].impl(list(args), ctx or Ctx())


def test_case_and_reverse() -> None:
    assert call("lower", "Tdd4gh") == "tdd4gh"
    assert call("upper", "test") == "TEST"
    assert call("upper", "straße") == "STRASSE"
    assert call("reverse", "spinner") == "rennips"
    assert call("reverse", "a😀") == "\ufffd\ufffda"  # UTF-16 units reversed, as JavaScript does


@pytest.mark.parametrize("name", ["lower", "upper", "reverse", "trim", "trimLeft", "trimRight"])
def test_null_subject_gives_null(name: str) -> None:
    assert call(name, None) is None


@pytest.mark.parametrize("name", ["lower", "upper", "reverse", "trim", "replaceAll", "splitByString"])
def test_non_string_subject_is_a_clear_error(name: str) -> None:
    args = {"replaceAll": (1, "a", "b"), "splitByString": (" ", 1)}.get(name, (1,))
    with pytest.raises(HogRuntimeError, match=r"expects a string, got integer"):
        call(name, *args)


def test_concat() -> None:
    assert call("concat", "a", 1, None, True) == "a1true"
    assert call("concat", "x", [1, "a"], {"k": None}, (1, 2)) == "x[1, 'a']{'k': null}(1, 2)"
    assert call("concat", 1.5, 2) == "1.52"
    assert call("concat", HogDate(2024, 5, 3), " ", HogDateTime(1714739696, "UTC")) == (
        "2024-05-03 2024-05-03T12:34:56.000Z")
    assert call("concat", HogErrorValue("Error", "e")) == "Error('e')"


def test_concat_size_guard() -> None:
    with pytest.raises(HogLimitError):
        call("concat", "x" * 60, "y" * 60, ctx=SmallCtx())


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("trim", ("  hello  world  ",), "hello  world"),
    ("trimLeft", ("  hello world  ",), "hello world  "),
    ("trimRight", ("  hello world  ",), "  hello world"),
    ("trim", ("xxxx  hello  world  xx", "x"), "  hello  world  "),
    ("trimLeft", ("xxxx  hello  world  xx", "x"), "  hello  world  xx"),
    ("trimRight", ("xxxx  hello  world  xx", "x"), "xxxx  hello  world  "),
    ("trim", ("abc", "ab"), ""),
    ("trim", ("\thi\n",), "\thi\n"),  # only spaces by default, as in the TypeScript VM
    ("trim", ("  a  ", None), "a"),
    ("trimLeft", ("ab", ""), ""),
    ("trim", ("😀x😀", "😀"), ""),  # a 2-unit character is not one character
    ("trim", ("xx", 5), ""),
])
def test_trim(name: str, args: tuple, expected: str) -> None:
    assert call(name, *args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ((" ", "hello world and more"), ["hello", "world", "and", "more"]),
    ((" ", "hello world and more", 1), ["hello"]),
    ((" ", "hello world and more", 2), ["hello", "world"]),
    ((" ", "hello world and more", 10), ["hello", "world", "and", "more"]),
    ((" ", "a b", 0), []),
    (("x", "axbxc", -1), ["a", "b", "c"]),
    (("", "abc"), ["a", "b", "c"]),
    (("", "a😀"), ["a", "\ufffd", "\ufffd"]),
    ((",", ""), [""]),
    ((" ", None), None),
])
def test_split_by_string(args: tuple, expected: Any) -> None:
    assert call("splitByString", *args) == expected


def test_split_size_guard() -> None:
    with pytest.raises(HogLimitError):
        call("splitByString", "", "x" * 50, ctx=SmallCtx())


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("replaceAll", ("hello world", "l", "L"), "heLLo worLd"),
    ("replaceOne", ("hello world", "l", "L"), "heLlo world"),
    ("replaceAll", ("aaa", "a", "ba"), "bababa"),
    ("replaceAll", ("abc", "", "-"), "-a-b-c-"),
    ("replaceOne", ("abc", "", "-"), "-abc"),
    ("replaceAll", ("a-b-c", "-", "$$"), "a$b$c"),
    ("replaceOne", ("a-b", "-", "[$&]"), "a[-]b"),
    ("replaceOne", ("a-b", "-", "$`"), "aab"),
    ("replaceOne", ("a-b", "-", "$'"), "abb"),
    ("replaceAll", ("x", "x", "$1"), "$1"),
    ("replaceAll", ("a.b", ".", None), "anullb"),
    ("replaceAll", (None, "a", "b"), None),
    ("replaceOne", (None, "a", "b"), None),
])
def test_replace(name: str, args: tuple, expected: Any) -> None:
    assert call(name, *args) == expected


def test_replace_all_growth_is_limited_before_building() -> None:
    with pytest.raises(HogLimitError):
        call("replaceAll", "a" * 20, "a", "$`$`$`", ctx=SmallCtx())


def test_position() -> None:
    assert [call("position", "abc", x) for x in "abcd"] == [1, 2, 3, 0]
    assert [call("positionCaseInsensitive", "AbC", x) for x in "abcd"] == [1, 2, 3, 0]
    assert call("position", "abc", "") == 1
    assert call("position", None, "a") == 0
    assert call("position", "a1", 1) == 2
    assert call("position", "xtrue", True) == 2
    assert call("position", "😀b", "b") == 3  # UTF-16 offset
    assert call("position", "abc", "c", 99) == 3  # the third argument is accepted and ignored


def test_starts_with() -> None:
    assert call("startsWith", "hello", "he") is True
    assert call("startsWith", "hello", "lo") is False
    assert call("startsWith", None, "a") is False
    assert call("startsWith", "1", 1) is False


@pytest.mark.parametrize(("args", "expected"), [
    (("abcdef", 2, 3), "bcd"), (("abcdef", 2), "bcdef"), (("abc", 0), ""), (("abc", 2, 100), "bc"),
    (("abc", 4), ""), (("abc", 1, -1), ""), ((None, 1), ""), (("😀ab", 3, 2), "ab"),
    (("😀ab", 1, 1), "\ufffd"), (("abc", "2"), "bc"), (("abc", 1.7, 1.5), "ab"), (("abc", 2, None), "bc"),
])
def test_substring(args: tuple, expected: str) -> None:
    assert call("substring", *args) == expected


def test_like_family_spec_examples() -> None:
    assert [call("like", "banana", p) for p in ("N", "n", "naan")] == [False, True, False]
    assert call("like", "baax", "b%x") and call("like", "b%x", "b%x") and call("like", "bax", "b_x")
    assert call("like", "abc", "a.c") is False  # regex characters are literal
    assert [call("ilike", "banana", p) for p in ("N", "n", "naan")] == [True, True, False]
    assert call("notLike", "banana", "N") is True
    assert call("notILike", "banana", "NO") is True
    assert call("like", 123, "2_") is True
    # null is matched as the text 'null', as the oracle and the LIKE operators do.
    assert call("like", None, "%") is True
    assert call("like", None, "nu%") is True
    assert call("notLike", None, "x") is True
    assert call("like", "a\nb", "a%b") is False  # `%` does not cross a newline (RE2 and JavaScript)
    assert like_to_regex("a%b_c.") == r"a.*b.c\."
    assert like_match("HELLO", "%ell%", True)


def test_match() -> None:
    results = [call("match", "uu", "u"), call("match", "uu", "b"), call("match", None, "u"),
               call("match", "uu", None)]
    assert results == [True, False, False, False]
    assert call("match", "TEST", "(?i)test") is True
    assert call("match", "", ".*") is False  # an empty subject never matches (TypeScript VM)
    assert call("match", 1234, r"^\d+$") is True


def test_invalid_regex_is_a_hog_error() -> None:
    with pytest.raises(HogRuntimeError, match="^Invalid regex pattern: "):
        call("match", "abc", "(")
    with pytest.raises(HogRuntimeError, match="^Invalid regex pattern: "):
        call("match", "ab", "(?<=a)b")  # look-behind: RE2 rejects it


@pytest.mark.timeout(60)  # the hang guard if a backtracking engine ever comes back
def test_pathological_regex_is_linear() -> None:
    subject = "a" * 10_000 + "b"
    assert call("match", subject, "(a+)+$") is False
    assert regex_search("(x+x+)+y", "x" * 20_000) is False
    # A backtracking engine needs astronomically long here; RE2 is linear. Both searches ran the
    # cached RE2 program, compiled match-only (never_capture), not Python's `re`.
    for pattern in ("(a+)+$", "(x+x+)+y"):
        before = compile_regex.cache_info().hits
        program = compile_regex(pattern, False, False)
        assert compile_regex.cache_info().hits == before + 1, f"{pattern} was not compiled by the search"
        assert type(program).__module__ == "re2" and program.options.never_capture


def test_extract_regex() -> None:
    assert call("extractRegex", "order 1234 shipped", r"(\d+)") == "1234"
    assert call("extractRegex", "order 1234 shipped", r"\d+") == "1234"
    assert call("extractRegex", "key=value", r"(\w+)=(\w+)") == "key"
    assert call("extractRegex", "no digits", r"(\d+)") == ""
    assert call("extractRegex", "ab", "(x)?a") == ""  # the group did not take part
    assert call("extractRegex", None, "x") == ""


def test_multi_search_any_case_insensitive() -> None:
    assert call("multiSearchAnyCaseInsensitive", "Hello World", ["foo", "WORLD"]) == 1
    assert call("multiSearchAnyCaseInsensitive", "Hello", ["x", "y"]) == 0
    assert call("multiSearchAnyCaseInsensitive", None, ["a"]) == 0
    assert call("multiSearchAnyCaseInsensitive", "a", "a") == 0
    assert call("multiSearchAnyCaseInsensitive", "a1", [1]) == 1
