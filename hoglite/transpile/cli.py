"""`hoglite transpile FILE.hog`: Hog source to JavaScript.

    hoglite transpile FILE.hog                  an ES module exporting `run(globals, host)` (stdout)
    hoglite transpile --format script FILE.hog  a node script: runs with empty globals, prints like `hoglite run`
    hoglite transpile FILE.hog -o out.mjs       write to a file instead

Wiring (hoglite/cli.py): either `add_transpile_command(subparsers)` on an argparse sub-parser set, or
`command("transpile", HELP, configure_transpile)(run_transpile)` with the CLI's own registry. Exit codes
follow the CLI's: 0 done, 1 the program was rejected (a positioned error with its caret snippet on
stderr), 2 usage errors (missing file, unwritable output).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hoglite.errors import HogliteError

HELP = "translate a Hog program to JavaScript (an ES module, or a node script)"


def configure_transpile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .hog source file, or - for Hog source on stdin")
    parser.add_argument(
        "--format", choices=("module", "script"), default="module",
        help="module: an ES module exporting run(globals, host) (default); "
        "script: a node script that runs the program with empty globals and prints its output",
    )
    parser.add_argument("-o", "--output", metavar="OUT", help="write the JavaScript here instead of stdout")
    parser.add_argument(
        "--async-function", action="append", default=None, metavar="NAME",
        help="a host function that is asynchronous (awaited); repeatable; default: fetch",
    )


def run_transpile(args: argparse.Namespace) -> int:
    from hoglite.transpile.javascript import ASYNC_HOST_FUNCTIONS, transpile_source

    name = "<stdin>" if args.file == "-" else args.file
    try:
        source = _read(args.file)
    except _Usage as problem:
        print(f"hoglite: error: {problem}", file=sys.stderr)
        return 2
    async_functions = frozenset(args.async_function) if args.async_function else ASYNC_HOST_FUNCTIONS
    try:
        result = transpile_source(source, name=name, format=args.format, async_functions=async_functions)
    except HogliteError as error:
        print(error.render(source, name=name), file=sys.stderr)
        return 1
    if args.output:
        try:
            Path(args.output).write_text(result.code, encoding="utf-8")
        except OSError as exc:
            print(f"hoglite: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(result.code)
    return 0


def add_transpile_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add `transpile` to an argparse sub-parser set (`parser.add_subparsers(...)`)."""
    parser = subparsers.add_parser("transpile", help=HELP, description=HELP)
    configure_transpile(parser)
    parser.set_defaults(handler=run_transpile)
    return parser


class _Usage(Exception):
    pass


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    file = Path(path)
    if not file.exists():
        raise _Usage(f"file not found: {path}")
    if file.is_dir():
        raise _Usage(f"is a directory, not a file: {path}")
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Usage(f"cannot read {path}: {exc}") from None
