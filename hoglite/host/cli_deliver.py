"""`hoglite deliver`: push a stream of events through one destination template.

    hoglite deliver events.jsonl --template intercom-event --inputs inputs.json \\
        --results results.jsonl --dead-letter failed.jsonl --checkpoint run.ckpt --concurrency 32

Reads JSON lines (a file, or standard input with `-`), writes one result line per event, sends
events that failed for good to the dead-letter file with the reason, shows progress on a terminal,
and resumes from the checkpoint when run again. See hoglite.host.delivery for the details.

Exit codes: 0 every event ok or skipped; 1 the run finished but some events failed (see the
dead-letter file); 2 a usage or set-up error (unknown template, unreadable inputs, a checkpoint of
another template); 130 interrupted (run the same command again to resume).

`add_deliver_command(subparsers)` adds the subcommand to an argparse parser; `python -m
hoglite.host.cli_deliver ...` runs it on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hoglite.errors import HogliteError

EXIT_OK, EXIT_FAILED_EVENTS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class SetupError(Exception):
    """A problem found before any event is delivered (reported as `hoglite deliver: error: ...`)."""


def configure_deliver(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("events", nargs="?", default="-", help="JSON-lines file of events, or - for standard input")
    parser.add_argument("-t", "--template", required=True,
                        help="template folder, folder name or id (searched in --templates-dir)")
    parser.add_argument("-i", "--inputs", metavar="FILE", help="JSON object of input values for the template")
    parser.add_argument("-o", "--results", metavar="FILE", help="result lines (default: standard output)")
    parser.add_argument("--dead-letter", metavar="FILE", help="events that failed for good, with the reason")
    parser.add_argument("--checkpoint", metavar="FILE",
                        help="record finished events here; running again with it resumes the run")
    parser.add_argument("-c", "--concurrency", type=_positive_int, default=16,
                        help="events in flight at once (default: 16)")
    parser.add_argument("--max-connections", type=_positive_int,
                        help="HTTP connection pool size (default: the concurrency)")
    parser.add_argument("--templates-dir", action="append", default=[], metavar="DIR",
                        help="where to look for templates by name (repeatable; default: ./templates)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="open the address guard for a host name, address or CIDR (e.g. 127.0.0.1)")
    parser.add_argument("--route", action="append", default=[], metavar="FROM=TO",
                        help="send requests for base URL FROM to TO instead (e.g. a mock server)")
    parser.add_argument("--mock", metavar="FILE", help="answer fetches from a mock file instead of the network")
    parser.add_argument("--retries", type=_non_negative_int, help="retries per fetch (default: 2, PostHog's)")
    parser.add_argument("--backoff-base", type=_non_negative_float, metavar="SECONDS",
                        help="retry backoff base (default: 1)")
    parser.add_argument("--backoff-cap", type=_non_negative_float, metavar="SECONDS",
                        help="longest wait between attempts, Retry-After included (default: 30)")
    parser.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="per request (default: 10)")
    parser.add_argument("--logs", action="store_true", help="include each invocation's logs in its result line")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress line on standard error (default: when it is a terminal)")
    parser.add_argument("--drain-timeout", type=_non_negative_float, default=30.0, metavar="SECONDS",
                        help="after Ctrl-C, how long events in flight may take before they are paused")
    parser.add_argument("--stats", metavar="FILE", help="write the run's figures as JSON")


def add_deliver_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add `deliver` to an argparse subparsers object; the handler is `args.handler(args) -> exit code`."""
    parser = subparsers.add_parser("deliver", help="deliver events through a template (JSON lines in, results out)",
                                   description=__doc__.split("\n\n")[0] if __doc__ else None)
    configure_deliver(parser)
    parser.set_defaults(handler=deliver_command)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _read_inputs(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise SetupError(f"cannot read the inputs file {path}: {error.strerror or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SetupError(f"{path}: invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    if not isinstance(data, dict):
        raise SetupError(f"{path}: the inputs must be a JSON object of input values")
    return data


def _routes(entries: list[str]) -> dict[str, str]:
    routes: dict[str, str] = {}
    for entry in entries:
        source, sep, target = entry.partition("=")
        if not sep or not source.startswith(("http://", "https://")) or not target.startswith(("http://", "https://")):
            raise SetupError(f"--route {entry!r}: expected FROM=TO with two http(s) base URLs")
        routes[source.rstrip("/")] = target.rstrip("/")
    return routes


def _templates_dirs(given: list[str]) -> list[Path]:
    dirs = [Path(d) for d in given]
    if not dirs:
        dirs.append(Path.cwd() / "templates")
        bundled = Path(__file__).resolve().parents[2] / "templates"  # a source checkout
        if bundled.is_dir() and bundled.resolve() != dirs[0].resolve():
            dirs.append(bundled)
    return dirs


def build_delivery(args: argparse.Namespace) -> Any:
    """The Engine and Delivery described by the parsed arguments."""
    from hoglite.host.delivery import Delivery, RoutedFetcher
    from hoglite.host.engine import Engine
    from hoglite.net.fetch import AsyncFetcher, FetchPolicy, make_async_client

    options: dict[str, Any] = {}
    if args.retries is not None:
        options["max_retries"] = args.retries
    if args.backoff_base is not None:
        options["backoff_base"] = args.backoff_base
    if args.backoff_cap is not None:
        options["backoff_cap"] = args.backoff_cap
    if args.timeout is not None:
        options["timeout_seconds"] = args.timeout
    try:
        policy = FetchPolicy(**options).allowing(*args.allow_host)
    except ValueError as error:
        raise SetupError(str(error)) from None
    if args.mock:
        from hoglite.net.mock import MockFetcher

        fetcher: Any = MockFetcher.from_file(args.mock)
    else:
        connections = args.max_connections or args.concurrency
        client = make_async_client(policy, max_connections=connections, max_keepalive_connections=connections)
        fetcher = AsyncFetcher(policy, client=client)
    routes = _routes(args.route)
    if routes:
        fetcher = RoutedFetcher(fetcher, routes)
    engine = Engine(fetch_policy=policy, async_fetcher=fetcher, templates_dirs=_templates_dirs(args.templates_dir))
    delivery = Delivery(engine, template=args.template, inputs=_read_inputs(args.inputs), events=args.events,
                        results=args.results, dead_letter=args.dead_letter, checkpoint=args.checkpoint,
                        concurrency=args.concurrency, include_logs=args.logs, progress=args.progress,
                        drain_timeout=args.drain_timeout)
    return engine, delivery, fetcher


async def _run(args: argparse.Namespace) -> Any:
    engine, delivery, fetcher = build_delivery(args)
    try:
        return await delivery.run()
    finally:
        inner = getattr(fetcher, "inner", fetcher)
        close = getattr(inner, "aclose", None)
        if close is not None:
            await close()
        await engine.aclose()


def deliver_command(args: argparse.Namespace) -> int:
    if args.events != "-" and not Path(args.events).is_file():
        print(f"hoglite deliver: error: no such events file: {args.events}", file=sys.stderr)
        return EXIT_USAGE
    try:
        stats = asyncio.run(_run(args))
    except KeyboardInterrupt:
        # Only outside the delivery proper (start-up, shutdown), where no event is in flight.
        print("hoglite deliver: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (SetupError, HogliteError) as error:
        print(f"hoglite deliver: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.stats:
        Path(args.stats).write_text(json.dumps(stats.to_json(), indent=2) + "\n", encoding="utf-8")
    summary = (f"hoglite deliver: {stats.finished} events in {stats.elapsed:.1f}s ({stats.rate:.0f}/s): "
               f"ok {stats.ok}, skipped {stats.skipped}, failed {stats.failed}")
    if stats.already_done:
        summary += f"; {stats.already_done} already done in an earlier run"
    if stats.resumed:
        summary += f"; {stats.resumed} resumed at their pending fetch"
    print(summary, file=sys.stderr)
    if stats.interrupted:
        where = f"--checkpoint {args.checkpoint}" if args.checkpoint else "a --checkpoint file (none was given)"
        paused = f"{stats.paused} paused at a fetch; " if stats.paused else ""
        print(f"hoglite deliver: interrupted ({paused}run the same command again with {where} to resume)",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILED_EVENTS if stats.failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hoglite deliver", description=__doc__.split("\n\n")[0] if __doc__ else None)
    configure_deliver(parser)
    args = parser.parse_args(argv)
    return deliver_command(args)


if __name__ == "__main__":
    sys.exit(main())
