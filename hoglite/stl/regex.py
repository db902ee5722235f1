"""Regular expressions and SQL LIKE, through RE2 only.

RE2 runs in time linear in the input, so a pattern such as `(a+)+$` cannot backtrack
catastrophically. Hog marks a case-insensitive pattern with a `(?i)` prefix, which RE2 understands
natively. There is no fallback to Python's `re`: a pattern RE2 rejects is a Hog runtime error.

The VM's `=~`/`like` opcodes can use `regex_search` and `like_match` so the operators and the
function forms behave identically.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from hoglite.errors import HogLimitError, HogRuntimeError
from hoglite.stl._common import clean_surrogates
from hoglite.vm.operators import like_chain, like_plan

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported as Hog runtime errors, not on stderr
_OPTIONS.max_mem = 8 << 20
# Match-only searches never capture: with many groups RE2 otherwise leaves its DFA and tracks every
# group at every character (1000 groups over 5000 characters took minutes inside one call).
_SEARCH_OPTIONS = re2.Options()
_SEARCH_OPTIONS.log_errors = False
_SEARCH_OPTIONS.max_mem = 8 << 20
_SEARCH_OPTIONS.never_capture = True
# extractRegex runs the capturing program over the matched text only; its cost grows with
# match length x pattern length x groups, which this bounds (about 0.1 s of RE2 time).
EXTRACT_BUDGET = 100_000_000


def _error_text(error: Exception) -> str:
    detail = error.args[0] if error.args else str(error)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail)


@lru_cache(maxsize=256)
def compile_regex(pattern: str, case_insensitive: bool = False, capture: bool = True) -> Any:
    """The compiled RE2 program for `pattern` (cached); an invalid pattern raises HogRuntimeError."""
    source = clean_surrogates(pattern)
    if case_insensitive:
        source = "(?i)" + source
    try:
        return re2.compile(source, _OPTIONS if capture else _SEARCH_OPTIONS)
    except re2.error as error:
        raise HogRuntimeError(f"Invalid regex pattern: {_error_text(error)}") from None


def regex_search(pattern: str, text: str, case_insensitive: bool = False) -> bool:
    """True when `pattern` matches anywhere in `text` (an unanchored search)."""
    return compile_regex(pattern, case_insensitive, False).search(clean_surrogates(text)) is not None


def regex_extract(pattern: str, text: str) -> str:
    """The first capture group of the first match (or the whole match without groups); '' if none.

    The match is found without captures first (fast whatever the groups); groups are then read by a
    capturing search over the matched text only, within EXTRACT_BUDGET.
    """
    text = clean_surrogates(text)
    found = compile_regex(pattern, False, False).search(text)
    if found is None:
        return ""
    compiled = compile_regex(pattern)
    if compiled.groups == 0:
        return found.group(0)
    start, end = found.span()
    weight = (len(pattern) + 1) * (compiled.groups + 1)
    if (len(text) - start + 1) * weight <= EXTRACT_BUDGET:
        # From the match's start to the end of the text: exactly the match found above.
        captured = compiled.search(text, start)
    elif (end - start + 1) * weight <= EXTRACT_BUDGET:
        # A huge text: read the groups within the match's span only (the text before it still
        # counts for `^` and word boundaries; only an assertion at the span's very end could differ).
        captured = compiled.search(text, start, end)
    else:
        raise HogLimitError(
            f"Regular expression too complex: {compiled.groups} capture groups over a match of "
            f"{end - start} characters"
        )
    if captured is None:  # cannot happen for the span RE2 just matched; be safe
        return ""
    return captured.group(1) or ""


def like_to_regex(pattern: str) -> str:  # kept for callers that want the plain regex
    """SQL LIKE as an RE2 pattern: `%` is any run, `_` any one character, everything else literal."""
    parts = []
    for ch in pattern:
        if ch == "%":
            parts.append(".*")
        elif ch == "_":
            parts.append(".")
        else:
            parts.append(re2.escape(ch))
    return "".join(parts)


def like_match(text: str, pattern: str, case_insensitive: bool = False) -> bool:
    """LIKE as PostHog evaluates it: the pattern may match anywhere in the text (it is not anchored).

    Shares the VM's plan (operators.like_plan): runs of `%` collapse, and a pattern with many `%`
    runs is matched segment by segment in linear time instead of by one `.*a.*a...` regex.
    """
    plan = like_plan(clean_surrogates(pattern))
    if type(plan) is list:
        return like_chain(plan, clean_surrogates(text), case_insensitive)
    return regex_search(plan, text, case_insensitive)
