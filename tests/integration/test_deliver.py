"""`hoglite deliver` against a local Intercom stand-in on 127.0.0.1 (allow-listed for the test) that
answers some requests with 429/503 and Retry-After: every event is delivered exactly once or
dead-lettered, none lost, none duplicated, also across an interrupted and resumed run."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_deliver_mockserver import IntercomServer

from hoglite import Engine, MockFetcher
from hoglite.host.cli_deliver import EXIT_FAILED_EVENTS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from hoglite.host.delivery import Delivery

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
INPUTS = {"oauth": {"access_token": "TOKEN", "app.region": "US"}}
SAMPLE = json.loads((TEMPLATES / "intercom-event" / "samples" / "pageview.json").read_text())


def event(number: int) -> dict:
    data = json.loads(json.dumps(SAMPLE))
    data["uuid"] = f"00000000-0000-4000-8000-{number:012d}"
    data["person"]["properties"]["email"] = f"user{number}@example.com"
    return data


def write_events(path: Path, count: int, extra_lines: tuple[str, ...] = ()) -> None:
    lines = [json.dumps(event(n)) for n in range(1, count + 1)]
    path.write_text("\n".join([*lines, *extra_lines]) + "\n")


def expected_failures(count: int) -> set[int]:
    """Events the stand-in fails for good: no unique contact (N % 43) or always 503 (N % 41)."""
    return {n for n in range(1, count + 1) if n % 43 == 0 or n % 41 == 0}


def command(tmp_path: Path, server_url: str, *extra: str) -> list[str]:
    (tmp_path / "inputs.json").write_text(json.dumps(INPUTS))
    return [sys.executable, "-m", "hoglite.host.cli_deliver", str(tmp_path / "events.jsonl"),
            "--template", "intercom-event", "--templates-dir", str(TEMPLATES),
            "--inputs", str(tmp_path / "inputs.json"),
            "--results", str(tmp_path / "results.jsonl"), "--dead-letter", str(tmp_path / "dead.jsonl"),
            "--checkpoint", str(tmp_path / "run.checkpoint"), "--stats", str(tmp_path / "stats.json"),
            "--allow-host", "127.0.0.1", "--route", f"https://api.intercom.io={server_url}",
            "--backoff-base", "0.01", "--backoff-cap", "0.02", *extra]


def read_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check_exactly_once(tmp_path: Path, server: IntercomServer, count: int) -> None:
    """Every event has one result line; ok ones were posted exactly once, failed ones never and
    dead-lettered; nothing else was dead-lettered."""
    results = read_lines(tmp_path / "results.jsonl")
    numbers = [line["line"] for line in results]
    assert sorted(numbers) == list(range(1, count + 1)), "each event exactly one result line"
    failures = expected_failures(count)
    by_line = {line["line"]: line for line in results}
    assert {n for n, line in by_line.items() if line["outcome"] == "error"} == failures
    assert all(line["outcome"] == "ok" for n, line in by_line.items() if n not in failures)
    delivered = server.state.stats()["delivered"]
    assert delivered == {f"user{n}@example.com": 1 for n in range(1, count + 1) if n not in failures}
    dead = read_lines(tmp_path / "dead.jsonl")
    assert sorted(letter["line"] for letter in dead) == sorted(failures)
    for letter in dead:
        assert letter["event"]["uuid"] == event(letter["line"])["uuid"]
        assert letter["reason"] in ("No unique contact found. Skipping...",
                                    "Error from intercom api (status 503): {'type': 'error.list', "
                                    "'errors': [{'code': 'service_unavailable'}]}")


def test_every_event_is_delivered_once_or_dead_lettered(tmp_path: Path) -> None:
    count = 90
    write_events(tmp_path / "events.jsonl", count)
    with IntercomServer() as server:
        done = subprocess.run(command(tmp_path, server.url, "--concurrency", "8"), capture_output=True,
                              text=True, timeout=300, cwd=ROOT)
        assert done.returncode == EXIT_FAILED_EVENTS, done.stderr
        check_exactly_once(tmp_path, server, count)
        search_attempts = server.state.stats()["search_attempts"]
    results = {line["line"]: line for line in read_lines(tmp_path / "results.jsonl")}
    # A 429 with Retry-After on the first search, then a success: one fetch call, two attempts.
    assert results[5]["fetches"][0] == {"method": "POST", "url": "https://api.intercom.io/contacts/search",
                                        "status": 200, "attempts": 2}
    assert search_attempts["user5@example.com"] == 2
    # 503 three times: the retries ran out, the template saw the 503 and failed the event.
    assert results[82]["fetches"][1] == {"method": "POST", "url": "https://api.intercom.io/events",
                                         "status": 503, "attempts": 3}
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert (stats["finished"], stats["ok"], stats["failed"], stats["interrupted"]) == (90, 86, 4, False)
    assert "events_per_second" in stats
    # Not a terminal: no progress line, only the summary.
    assert done.stderr.splitlines()[-1].startswith("hoglite deliver: 90 events in ")


def wait_for_results(path: Path, at_least: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(read_lines(path)) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} results after {timeout}s")


def test_an_interrupted_run_resumes_without_losing_or_duplicating(tmp_path: Path) -> None:
    count = 120
    write_events(tmp_path / "events.jsonl", count)
    with IntercomServer(latency=0.02) as server:
        cmd = command(tmp_path, server.url, "--concurrency", "4")
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        wait_for_results(tmp_path / "results.jsonl", 15)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == EXIT_INTERRUPTED, stderr
        assert "stopping; finishing" in stderr and "run the same command again" in stderr
        first = read_lines(tmp_path / "results.jsonl")
        assert 15 <= len(first) < count
        again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert again.returncode == EXIT_FAILED_EVENTS, again.stderr
        stats = json.loads((tmp_path / "stats.json").read_text())
        assert stats["already_done"] == len(first)
        assert stats["finished"] == count - len(first)
        check_exactly_once(tmp_path, server, count)


def test_a_forced_stop_pauses_in_flight_events_and_resumes_only_their_pending_fetch(tmp_path: Path) -> None:
    count = 40
    write_events(tmp_path / "events.jsonl", count)
    with IntercomServer(search_latency=2.0) as server:
        cmd = command(tmp_path, server.url, "--concurrency", "4")
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        deadline = time.monotonic() + 60
        while server.state.searches_started < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == EXIT_INTERRUPTED, stderr
        assert "4 paused at a fetch" in stderr
        checkpoint = read_lines(tmp_path / "run.checkpoint")
        paused = {entry["paused"]: entry["state"] for entry in checkpoint if "paused" in entry}
        assert len(paused) == 4
        assert all(state["pending"]["request"]["url"] == "https://api.intercom.io/contacts/search"
                   for state in paused.values())
        server.state.search_latency = 0.0
        again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert again.returncode == EXIT_OK, again.stderr
        assert "4 resumed at their pending fetch" in again.stderr
        results = read_lines(tmp_path / "results.jsonl")
        assert sorted(line["line"] for line in results) == list(range(1, count + 1))
        stats = server.state.stats()
        assert stats["delivered"] == {f"user{n}@example.com": 1 for n in range(1, count + 1)}
        assert sorted(paused) == [1, 2, 3, 4]  # the first four were in flight, at their (slow) search
        for number in paused:  # the pending search was repeated once, nothing else was
            assert stats["search_attempts"][f"user{number}@example.com"] == 2
    assert not any("paused" in entry for entry in read_lines(tmp_path / "run.checkpoint"))


def test_bad_lines_unknown_templates_and_invalid_inputs_are_reported_per_line(tmp_path: Path) -> None:
    bad = ("{not json", "[1, 2]", json.dumps({"template": "no-such-template", "event": event(99)}),
           json.dumps({"template": "intercom-event", "event": event(98), "inputs": {"oauth": "nope"}}),
           json.dumps({"template": "intercom-event", "inputs": {}}))
    write_events(tmp_path / "events.jsonl", 3, bad)
    (tmp_path / "mock.json").write_text(json.dumps({"default": {"status": 200, "body": {"total_count": 1}}}))
    (tmp_path / "inputs.json").write_text(json.dumps(INPUTS))
    done = subprocess.run(
        [sys.executable, "-m", "hoglite.host.cli_deliver", "-", "-t", "intercom-event", "--templates-dir",
         str(TEMPLATES), "-i", str(tmp_path / "inputs.json"), "--mock", str(tmp_path / "mock.json"),
         "--dead-letter", str(tmp_path / "dead.jsonl")],
        input=(tmp_path / "events.jsonl").read_text(), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == EXIT_FAILED_EVENTS, done.stderr
    results = {line["line"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert [results[n]["outcome"] for n in (1, 2, 3)] == ["ok", "ok", "ok"]
    assert (results[4]["stage"], results[4]["error"]) == (
        "parse", "Malformed event line: Expecting property name enclosed in double quotes (column 2)")
    assert results[5]["error"] == "An event line must be a JSON object, not an array"
    assert results[6]["stage"] == "template"
    assert results[6]["error"].startswith("Unknown template 'no-such-template' (searched: ")
    assert (results[7]["stage"], results[7]["error"]) == ("inputs", "Input 'oauth': Value must be an Integration ID.")
    assert results[8]["error"] == "An envelope line needs an 'event' (or 'globals') object"
    dead = {letter["line"]: letter for letter in read_lines(tmp_path / "dead.jsonl")}
    assert sorted(dead) == [4, 5, 6, 7, 8]
    assert dead[4]["raw"] == "{not json"
    assert dead[7]["event"]["uuid"] == event(98)["uuid"]


def test_set_up_errors_stop_before_delivering(tmp_path: Path) -> None:
    write_events(tmp_path / "events.jsonl", 1)
    (tmp_path / "inputs.json").write_text("{bad")
    base = [sys.executable, "-m", "hoglite.host.cli_deliver", str(tmp_path / "events.jsonl"),
            "--templates-dir", str(TEMPLATES)]
    unknown = subprocess.run([*base, "-t", "nope"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert unknown.returncode == EXIT_USAGE
    assert "hoglite deliver: error: template: Unknown template 'nope'" in unknown.stderr
    bad_inputs = subprocess.run([*base, "-t", "intercom-event", "-i", str(tmp_path / "inputs.json")],
                                capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert bad_inputs.returncode == EXIT_USAGE
    assert "inputs.json: invalid JSON: Expecting property name enclosed in double quotes (line 1, column 2)" \
        in bad_inputs.stderr
    assert "Traceback" not in unknown.stderr + bad_inputs.stderr


def test_delivery_in_process_with_envelopes_logs_and_forced_progress(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([
        json.dumps(event(1)),
        "",
        json.dumps({"template": "intercom-event", "event": event(2), "inputs": {"eventName": "renamed"}}),
        json.dumps({**event(3), "event": "$identify"}),
    ]) + "\n")
    mock = MockFetcher(default={"status": 200, "body": {"total_count": 1}})
    out, err = io.StringIO(), io.StringIO()
    delivery = Delivery(Engine(templates_dirs=[TEMPLATES]), template="intercom-event", inputs=INPUTS,
                        events=str(events), fetcher=mock, include_logs=True, progress=True, stdout=out, stderr=err)
    stats = asyncio.run(delivery.run())
    assert (stats.ok, stats.skipped, stats.failed, stats.interrupted) == (2, 1, 0, False)
    results = {line["line"]: line for line in map(json.loads, out.getvalue().splitlines())}
    assert sorted(results) == [1, 3, 4]  # blank line 2 is not an event
    assert results[4]["skip_reason"] is not None and results[4]["fetches"] == []
    assert [log["level"] for log in results[1]["logs"]] == ["debug"]
    assert "ok 2  skipped 1  failed 0" in err.getvalue()


@pytest.mark.parametrize("concurrency", [1, 3])
def test_results_do_not_depend_on_concurrency(tmp_path: Path, concurrency: int) -> None:
    write_events(tmp_path / "events.jsonl", 12)
    mock = MockFetcher(default={"status": 200, "body": {"total_count": 1}})
    out = io.StringIO()
    delivery = Delivery(Engine(templates_dirs=[TEMPLATES]), template="intercom-event", inputs=INPUTS,
                        events=str(tmp_path / "events.jsonl"), fetcher=mock, concurrency=concurrency,
                        progress=False, stdout=out)
    stats = asyncio.run(delivery.run())
    assert stats.ok == 12
    assert sorted(json.loads(line)["line"] for line in out.getvalue().splitlines()) == list(range(1, 13))


def test_the_subcommand_plugs_into_an_argparse_parser() -> None:
    import argparse

    from hoglite.host.cli_deliver import add_deliver_command, deliver_command

    parser = argparse.ArgumentParser(prog="hoglite")
    add_deliver_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["deliver", "events.jsonl", "-t", "intercom-event", "-c", "4", "--allow-host",
                              "127.0.0.1", "--route", "https://a.example=http://127.0.0.1:1"])
    assert args.handler is deliver_command
    assert (args.events, args.template, args.concurrency, args.allow_host) == (
        "events.jsonl", "intercom-event", 4, ["127.0.0.1"])
    with pytest.raises(SystemExit):
        parser.parse_args(["deliver", "-t", "x", "--concurrency", "0"])
