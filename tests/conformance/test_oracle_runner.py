"""The batch runner for @posthog/hogvm: per-job output capture, results, errors, one node process."""

from __future__ import annotations

import pytest
from oracle_runner import OracleJob, run_oracle, run_oracle_batch


def test_batch_captures_output_per_job_and_reports_results_and_errors() -> None:
    results = run_oracle_batch([
        # print(1 + 2); print('x'); return [1, 'a']
        OracleJob("prints", ["_H", 1, 33, 2, 33, 1, 6, 2, "print", 1, 35, 32, "x", 2, "print", 1, 35,
                             33, 1, 32, "a", 43, 2, 38]),
        # throw Error('it\'s bad')
        OracleJob("throws", ["_H", 1, 32, "it's bad", 2, "Error", 1, 49]),
        # print(nope)
        OracleJob("fails", ["_H", 1, 32, "nope", 1, 1, 2, "print", 1, 35]),
        # return event.name (globals)
        OracleJob("globals", ["_H", 1, 32, "name", 32, "event", 1, 2, 38], {"event": {"name": "$pageview"}}),
    ])
    assert set(results) == {"prints", "throws", "fails", "globals"}
    prints = results["prints"]
    assert (prints.stdout, prints.result, prints.error, prints.finished) == ("3\nx\n", "[1, 'a']", None, True)
    throws = results["throws"]
    assert (throws.error, throws.error_type, throws.error_message) == ("Error('it\\'s bad')", "Error", "it's bad")
    assert throws.stdout == ""
    assert results["fails"].error == "Global variable not found: nope"
    assert results["globals"].result == "'$pageview'"


def test_output_of_one_job_never_leaks_into_the_next() -> None:
    results = run_oracle_batch([
        OracleJob("a", ["_H", 1, 32, "from a", 2, "print", 1, 35, 32, "boom", 2, "Error", 1, 49]),
        OracleJob("b", ["_H", 1, 32, "from b", 2, "print", 1, 35]),
    ])
    assert results["a"].stdout == "from a\n" and results["a"].error == "Error('boom')"
    assert results["b"].stdout == "from b\n" and results["b"].error is None


def test_print_goes_through_console_log_formatting() -> None:
    # The oracle's print is console.log, so a first argument with %s is a format string (docs/compat.md §2.1).
    result = run_oracle(["_H", 1, 32, "%s!", 32, "hi", 2, "print", 2, 35])
    assert result.stdout == "hi!\n"


def test_case_insensitive_regex_uses_the_i_flag() -> None:
    # 'TEST' =~* 'test' -> IREGEX pops the string first: push pattern, then the string
    result = run_oracle(["_H", 1, 32, "^test$", 32, "TEST", 25, 38])
    assert result.result == "true"


def test_job_ids_must_be_unique() -> None:
    with pytest.raises(ValueError):
        run_oracle_batch([OracleJob("x", ["_H", 1]), OracleJob("x", ["_H", 1])])


def test_empty_batch_starts_no_process() -> None:
    assert run_oracle_batch([]) == {}
