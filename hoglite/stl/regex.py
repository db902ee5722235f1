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

from hoglite.errors import HogRuntimeError
from hoglite.stl._common import clean_surrogates

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported as Hog runtime errors, not on stderr


def _error_text(error: Exception) -> str:
    detail = error.args[0] if error.args else str(error)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail)


@lru_cache(maxsize=256)
def compile_regex(pattern: str, case_insensitive: bool = False) -> Any:
    """The compiled RE2 program for `pattern` (cached); an invalid pattern raises HogRuntimeError."""
    source = clean_surrogates(pattern)
    if case_insensitive:
        source = "(?i)" + source
    try:
        return re2.compile(source, _OPTIONS)
    except re2.error as error:
        raise HogRuntimeError(f"Invalid regex pattern: {_error_text(error)}") from None


def regex_search(pattern: str, text: str, case_insensitive: bool = False) -> bool:
    """True when `pattern` matches anywhere in `text` (an unanchored search)."""
    return compile_regex(pattern, case_insensitive).search(clean_surrogates(text)) is not None


def regex_extract(pattern: str, text: str) -> str:
    """The first capture group of the first match (or the whole match without groups); '' if none."""
    compiled = compile_regex(pattern)
    found = compiled.search(clean_surrogates(text))
    if found is None:
        return ""
    if compiled.groups > 0:
        return found.group(1) or ""
    return found.group(0)


def like_to_regex(pattern: str) -> str:
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
    """LIKE as PostHog evaluates it: the pattern may match anywhere in the text (it is not anchored)."""
    return regex_search(like_to_regex(pattern), text, case_insensitive)
