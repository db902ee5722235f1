"""Invocations per second of templates/intercom-event, end to end, on one core (issue 9 target: 3,000/s).

    python -m bench.intercom_rate [--count 2000] [--profile] [--path invoke|start]

Each invocation goes through `Engine.invoke` (filters, globals, inputs, code, the fetch loop) with a
`MockFetcher` answering the contact search with one contact and the event post with 202. Every
event gets its own uuid and email (as a real stream would), so nothing is cached per event.
`--path start` drives the same work through `Engine.start` / `Engine.resume` with a JSON round trip
of the paused state at each fetch (what a queue-based host does).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
INPUTS = {"oauth": {"access_token": "TOKEN", "app.region": "US"}}
SEARCH = "https://api.intercom.io/contacts/search"
EVENTS = "https://api.intercom.io/events"
SEARCH_OK = {"status": 200, "body": {"type": "list", "total_count": 1, "data": [{"type": "contact", "id": "c1"}]}}
POSTED = {"status": 202, "body": ""}


def events(count: int) -> list[dict[str, Any]]:
    sample = json.loads((TEMPLATES / "intercom-event" / "samples" / "pageview.json").read_text())
    out = []
    for number in range(count):
        event = json.loads(json.dumps(sample))
        event["uuid"] = f"00000000-0000-4000-8000-{number:012d}"
        event["person"]["properties"]["email"] = f"user{number}@example.com"
        out.append(event)
    return out


def runner(path: str) -> Any:
    from hoglite import Engine, MockFetcher

    mock = MockFetcher({SEARCH: SEARCH_OK, EVENTS: POSTED})
    engine = Engine(fetcher=mock, templates_dirs=[TEMPLATES])
    template = engine.template("intercom-event")
    if path == "invoke":
        return lambda event: engine.invoke(template, event, INPUTS)

    def stepwise(event: dict[str, Any]) -> Any:
        step = engine.start(template, event, INPUTS)
        while not step.done:
            answer = SEARCH_OK if step.request.url == SEARCH else POSTED
            step = engine.resume(json.loads(json.dumps(step.state)), answer)
        return step.result

    return stepwise


def measure(count: int, path: str) -> tuple[float, float]:
    run = runner(path)
    batch = events(count)
    for event in batch[:50]:  # warm-up: compile and cache
        result = run(event)
        assert result.outcome == "ok", result.error
        assert len(result.fetches) == 2
    started, cpu_started = time.perf_counter(), time.process_time()
    for event in batch:
        run(event)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return count / elapsed, count / cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--path", choices=("invoke", "start"), default="invoke")
    parser.add_argument("--profile", action="store_true", help="run under cProfile and print the top functions")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        measure(args.count, args.path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(45)
        return 0
    rates = [measure(args.count, args.path) for _ in range(args.repeats)]
    # Wall-clock rate (time.perf_counter), and the rate per second of this process's CPU time
    # (time.process_time), which moves less when other processes share the cores.
    print(f"intercom-event via {args.path}: {args.count} invocations, best {max(r[0] for r in rates):.0f}/s wall, "
          f"{max(r[1] for r in rates):.0f}/s CPU (runs: {', '.join(f'{w:.0f}/{c:.0f}' for w, c in rates)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
