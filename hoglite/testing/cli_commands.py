"""The `hoglite test` and `hoglite invoke` subcommands (wired into hoglite/cli.py by its owner).

    hoglite test [PATH...] [-k TEXT] [-v]
        Run the test cases of every template folder at or below PATH (default: templates/).
        Prints one line per case, a diff for each failure, and a summary. Exit 1 if any case fails.

    hoglite invoke TEMPLATE --event FILE [--inputs FILE] [--mock FILE | --real-fetch] [--json]
        Run one template (a folder, a PostHog template JSON file, or a template id under ./templates)
        against one event (PostHog event JSON, or globals) and print the logs, the fetch calls and
        the outcome. Fetches are mocked by default ({status: 200, body: {}}); --mock FILE gives canned
        responses (see hoglite.net.mock); --real-fetch performs them (URL policy applies).

Exit codes: 0 success, 1 failures (a case failed, the invocation errored), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any

from hoglite.errors import HogliteError

PASS, FAIL = "PASS", "FAIL"


TEST_HELP = "run the test cases of destination templates"
INVOKE_HELP = "run one destination template against one event"


def configure_test(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="template folders or folders holding them "
                        "(default: templates/)")
    parser.add_argument("-k", dest="only", metavar="TEXT", help="only cases whose 'template/case' name contains TEXT")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list the cases that pass")


def configure_invoke(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("template", help="a template folder, a PostHog template JSON file, or a template id")
    parser.add_argument("--event", required=True, metavar="FILE", help="PostHog event JSON (or globals JSON)")
    parser.add_argument("--inputs", metavar="FILE", help="JSON object of input values (schema defaults fill the rest)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--mock", metavar="FILE", help="canned fetch responses (hoglite.net.mock file format)")
    mode.add_argument("--real-fetch", action="store_true", help="perform real HTTP requests")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="with --real-fetch: allow this host/address/CIDR despite the private-network guard")
    parser.add_argument("--test-accounts", metavar="FILE", help="JSON list of test-account property filters")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def add_test_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add `test` to an argparse subparsers object; the parsed args carry `func=test_command`."""
    parser = subparsers.add_parser("test", help=TEST_HELP, description=TEST_HELP)
    configure_test(parser)
    parser.set_defaults(func=test_command)
    return parser


def add_invoke_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add `invoke` to an argparse subparsers object; the parsed args carry `func=invoke_command`."""
    parser = subparsers.add_parser("invoke", help=INVOKE_HELP, description=INVOKE_HELP)
    configure_invoke(parser)
    parser.set_defaults(func=invoke_command)
    return parser


def register_commands(command: Any) -> None:
    """Register both with hoglite.cli's `command(name, help, configure)` decorator."""
    command("test", TEST_HELP, configure_test)(test_command)
    command("invoke", INVOKE_HELP, configure_invoke)(invoke_command)


# ---------------------------------------------------------------------------------------------------
# test


def test_command(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    from hoglite.testing.runner import run_paths

    out = out or sys.stdout
    paths = args.paths or ["templates"]
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        print(f"hoglite test: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    runs = run_paths(paths, only=args.only)
    if not runs:
        print(f"hoglite test: no template folders (with a template.json) under {', '.join(paths)}", file=sys.stderr)
        return 2
    passed = failed = broken = 0
    for run in runs:
        if run.load_error is not None:
            broken += 1
            print(f"{FAIL} {run.folder}: the template does not load", file=out)
            print("  " + str(run.load_error).replace("\n", "\n  "), file=out)
            continue
        if not run.results and args.only is None:
            print(f"{FAIL} {run.folder}: no test cases (add files under {run.folder / 'tests'})", file=out)
            broken += 1
            continue
        for result in run.results:
            if result.passed:
                passed += 1
                if args.verbose:
                    print(f"{PASS} {result.name}", file=out)
            else:
                failed += 1
                print(f"{FAIL} {result.report()}", file=out)
                print(file=out)
    summary = f"{passed} passed, {failed} failed"
    if broken:
        summary += f", {broken} template{'s' if broken > 1 else ''} broken"
    print(summary + f" ({len(runs)} template{'s' if len(runs) != 1 else ''})", file=out)
    return 0 if failed == 0 and broken == 0 else 1


# ---------------------------------------------------------------------------------------------------
# invoke


def _read_json(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise _UsageError(f"cannot read {what} file {path}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _InputError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None


class _UsageError(Exception):
    pass


class _InputError(Exception):
    pass


def resolve_template(name: str) -> Any:
    """A template from a folder, a PostHog JSON file, or a template id / folder name under ./templates."""
    from hoglite.cdp.template import find_template_folders, load_template

    path = Path(name)
    if path.exists():
        return load_template(path)
    for folder in find_template_folders([Path("templates")]) if Path("templates").is_dir() else []:
        if folder.name == name:
            return load_template(folder)
        try:
            metadata = json.loads((folder / "template.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if metadata.get("id") == name:
            return load_template(folder)
    raise _UsageError(f"no template {name!r}: give a template folder, a template JSON file, or the id of a "
                      "template under ./templates")


def _make_fetcher(args: argparse.Namespace) -> Any:
    if args.real_fetch:
        from hoglite.net.fetch import Fetcher, FetchPolicy

        policy = FetchPolicy()
        if args.allow_host:
            policy = policy.allowing(*args.allow_host)
        return Fetcher(policy)
    from hoglite.net.mock import MockFetcher

    if args.mock:
        return MockFetcher.from_file(args.mock)
    return MockFetcher()


def invoke_command(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    from hoglite.cdp.invocation import invoke_template

    out = out or sys.stdout
    try:
        template = resolve_template(args.template)
        event = _read_json(args.event, "event")
        if not isinstance(event, dict):
            raise _InputError(f"{args.event}: an event must be a JSON object")
        inputs = _read_json(args.inputs, "inputs") if args.inputs else {}
        if not isinstance(inputs, dict):
            raise _InputError(f"{args.inputs}: inputs must be a JSON object of input values")
        test_accounts = _read_json(args.test_accounts, "test accounts") if args.test_accounts else None
        fetcher = _make_fetcher(args)
        result = invoke_template(template, event, inputs, fetcher=fetcher, test_account_filters=test_accounts)
    except _UsageError as error:
        print(f"hoglite invoke: {error}", file=sys.stderr)
        return 2
    except _InputError as error:
        print(f"hoglite invoke: {error}", file=sys.stderr)
        return 1
    except HogliteError as error:
        print(error.render(), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False), file=out)
    else:
        print(format_result(result), file=out)
    return 0 if result.outcome != "error" else 1


def format_result(result: Any) -> str:
    """A readable report of one invocation: logs, fetch calls, outcome."""
    lines = ["Logs:"]
    lines.extend(f"  {entry.timestamp} [{entry.level}] {entry.message}" for entry in result.logs)
    if not result.logs:
        lines.append("  (none)")
    lines.append("Fetch calls:")
    for index, call in enumerate(result.redacted_fetches(), 1):
        lines.append(f"  {index}. {call['method']} {call['url']}")
        for name, value in call["headers"].items():
            lines.append(f"       {name}: {value}")
        if call["body"] is not None:
            lines.append(f"       body: {call['body']}")
        if call.get("response") is not None:
            body = json.dumps(call["response"].get("body"), ensure_ascii=False)
            lines.append(f"       -> {call['response'].get('status')} {body}")
        if call.get("error"):
            lines.append(f"       -> no response: {call['error']}")
    if not result.fetches:
        lines.append("  (none)")
    if result.outcome == "skipped":
        lines.append(f"Outcome: skipped ({result.skip_reason})")
    elif result.outcome == "error":
        lines.append("Outcome: error")
        rendered = result.render_error() or ""
        lines.extend("  " + line for line in rendered.splitlines())
    else:
        lines.append("Outcome: ok" + (f", returned {json.dumps(result.redacted_value())}" if result.value is not None else ""))
    return "\n".join(lines)
