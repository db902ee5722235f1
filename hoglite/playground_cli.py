"""The `hoglite playground` subcommand: serve the template playground on a local address.

    hoglite playground [--host 127.0.0.1] [--port 8000] [--templates-dir DIR]... [--workdir DIR]
                       [--no-real-fetch] [--verbose]

Prints the URL and serves until Ctrl+C. Needs no display and no network: open the URL in any browser.
`--port 0` picks a free port. Wire it into hoglite/cli.py with either

    add_playground_command(subparsers)   # plain argparse (sets func=playground_command)
    register_commands(command)            # hoglite.cli's `command` registry, in _register_feature_commands
"""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

HELP = "serve the template playground (a local web page) for writing and testing templates"
DEFAULT_PORT = 8000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; "
                        "anything else exposes the playground to your network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--templates-dir", action="append", default=None, metavar="DIR",
                        help="folder of template folders to offer as bundled (repeatable; default: hoglite's templates/)")
    parser.add_argument("--workdir", default=None, metavar="DIR",
                        help="working folder: its templates are offered and new templates are saved there (default: .)")
    parser.add_argument("--no-real-fetch", action="store_true",
                        help="never perform real HTTP requests, even when the page asks (mocked fetch only)")
    parser.add_argument("--verbose", action="store_true", help="log every request")


def add_playground_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add `playground` to an argparse subparsers object; the parsed args carry `func=playground_command`."""
    parser = subparsers.add_parser("playground", help=HELP, description=HELP)
    configure(parser)
    parser.set_defaults(func=playground_command)
    return parser


def register_commands(command: Any) -> None:
    """Register `playground` with hoglite.cli's `command(name, help, configure)` decorator."""
    command("playground", HELP, configure)(playground_command)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (bound here, so a busy port is a clear message and --port 0 has a known port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def playground_command(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    import uvicorn

    from playground.app import create_app

    out = out or sys.stdout
    workdir = Path(args.workdir) if args.workdir else Path.cwd()
    if not workdir.is_dir():
        print(f"hoglite playground: no such folder: {workdir}", file=sys.stderr)
        return 2
    templates_dirs = None
    if args.templates_dir:
        templates_dirs = [Path(p) for p in args.templates_dir]
        missing = [str(p) for p in templates_dirs if not p.is_dir()]
        if missing:
            print(f"hoglite playground: no such folder: {', '.join(missing)}", file=sys.stderr)
            return 2
    if not 0 <= args.port <= 65535:
        print(f"hoglite playground: invalid port {args.port}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as error:
        print(f"hoglite playground: cannot listen on {args.host}:{args.port}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    app = create_app(templates_dirs=templates_dirs, workdir=workdir, host=args.host,
                     allow_real_fetch=not args.no_real_fetch)
    port = sock.getsockname()[1]
    print(f"hoglite playground: {url_for(args.host, port)}  (Ctrl+C to stop)", file=out, flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("warning: listening on a non-loopback address; anyone who can reach it can run templates "
              "and save files here", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="info" if args.verbose else "warning", access_log=args.verbose,
                            lifespan="off")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hoglite playground", description=HELP)
    configure(parser)
    return playground_command(parser.parse_args(argv))
