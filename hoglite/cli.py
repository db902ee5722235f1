"""The `hoglite` command line: a thin face over the embedding API.

    hoglite run FILE [--globals F.json] [--result] [--bytecode] [--mock F.json] [--allow-host H]
                                                            run Hog source or compiled bytecode
    hoglite compile FILE.hog [-o OUT] [--with-source-map]   print the bytecode as JSON
    hoglite disasm FILE                                     readable listing of the bytecode
    hoglite transpile FILE.hog [--format module|script]     Hog to JavaScript
    hoglite test [PATH...] / hoglite invoke TEMPLATE ...    destination templates
    hoglite playground / hoglite deliver ...                the web playground / the delivery host

`hoglite COMMAND --help` lists each command's options.

Subcommands live in the `COMMANDS` registry. A later feature adds one with the `command` decorator:

    def _configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("template")

    @command("invoke", "run a destination template against an event", _configure)
    def invoke_command(args: argparse.Namespace) -> int:
        ...

Exit codes: 0 success; 1 the program failed (syntax error, runtime error, uncaught Hog error, bad
bytecode or input file), reported as the caret message on stderr, never a traceback; 2 usage errors
(unknown option, missing file); 3 an internal error of hoglite (HOGLITE_DEBUG=1 shows the traceback).

`run` prints only what the program prints, as PostHog's own CLI does; `--result` also prints the
returned value (Hog repr) on a last line when it is not null.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hoglite.errors import HogliteError

BYTECODE_SUFFIXES = (".hoge", ".json")


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None]
            ) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register a subcommand: `configure` adds its arguments, the decorated function runs it."""

    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        if name in COMMANDS:
            raise ValueError(f"subcommand {name} registered twice")
        COMMANDS[name] = Command(name, help, configure, run)
        return run

    return register


class UsageError(Exception):
    """A problem with how hoglite was invoked (exit code 2)."""


class OutputClosed(SystemExit):
    """stdout's reader went away (`hoglite run x.hog | head`). A SystemExit, so the VM lets it through."""


class InputError(Exception):
    """The input file exists but is not something hoglite can run (exit code 1)."""


# --- reading inputs --------------------------------------------------------------------------------


@dataclass
class LoadedInput:
    """A program to run: Hog source (compiled here) or bytecode read from JSON."""

    display_name: str
    source: str | None
    program: Any  # CompiledProgram


def read_text(path: str, stdin: IO[str] | None = None) -> str:
    if path == "-":
        return (stdin or sys.stdin).read()
    file = Path(path)
    if not file.exists():
        raise UsageError(f"file not found: {path}")
    if file.is_dir():
        raise UsageError(f"is a directory, not a file: {path}")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


class _NumberTooLong(ValueError):
    """Raised from json's parse_int hook: the number has more digits than Python's int() accepts."""


def _parse_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:
        raise _NumberTooLong(len(digits.lstrip("-"))) from None


def parse_json_file(text: str, display: str) -> Any:
    """json.loads for a user's file: every way it can fail becomes an InputError naming the file
    (not only malformed JSON: nesting deep enough to exhaust Python's recursion, and integers with
    more digits than Python's int() will convert)."""
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise InputError(f"{display}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{display}: not valid JSON (nested too deeply)") from None
    except _NumberTooLong as exc:
        raise InputError(f"{display}: not valid JSON (a number with {exc.args[0]} digits is too long; "
                         f"at most {sys.get_int_max_str_digits()} digits)") from None


def is_bytecode_path(path: str, forced: bool = False) -> bool:
    return forced or Path(path).suffix.lower() in BYTECODE_SUFFIXES


def load_program(path: str, *, bytecode: bool = False, stdin: IO[str] | None = None) -> LoadedInput:
    """Read FILE (or stdin for `-`): `.hoge`/`.json` (or `--bytecode`) is bytecode, anything else Hog."""
    from hoglite.compiler import CompiledProgram, compile_source
    from hoglite.compiler.program import ProgramFormatError

    text = read_text(path, stdin)
    display = display_name(path)
    if not is_bytecode_path(path, bytecode):
        return LoadedInput(display, text, compile_source(text, name=display))
    data = parse_json_file(text, display)
    if isinstance(data, list):
        if not data or data[0] not in ("_H", "_h"):
            raise InputError(f"{display}: bytecode must be a JSON array starting with \"_H\" (or legacy \"_h\")")
        return LoadedInput(display, None, CompiledProgram(bytecode=data, name=display))
    if isinstance(data, dict) and isinstance(data.get("bytecode"), list):
        try:
            program = CompiledProgram.from_json(data)
        except ProgramFormatError as exc:
            raise InputError(f"{display}: {exc.message}") from None
        if not program.bytecode or program.bytecode[0] not in ("_H", "_h"):
            raise InputError(f"{display}: the \"bytecode\" array must start with \"_H\" (or legacy \"_h\")")
        return LoadedInput(display, program.source, program)
    raise InputError(f"{display}: expected a bytecode array or a compiled program object with \"bytecode\"")


def load_globals(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    data = parse_json_file(read_text(path), path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: globals must be a JSON object")
    return data


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def render_error(error: HogliteError, loaded: LoadedInput | None, path: str) -> str:
    """The caret message; before a program is loaded, the error carries its own source (compile errors)."""
    source = loaded.source if loaded is not None else None
    name = loaded.display_name if loaded is not None else display_name(path)
    return error.render(source, name=name)


# --- run -------------------------------------------------------------------------------------------


def _configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .hog source file, .hoge/.json bytecode, or - for Hog source on stdin")
    parser.add_argument("--globals", metavar="FILE.json", help="a JSON object whose keys become the globals")
    parser.add_argument("--bytecode", action="store_true", help="read FILE (or stdin) as bytecode JSON")
    parser.add_argument("--result", action="store_true",
                        help="after the output, print the returned value when it is not null")
    parser.add_argument("--mock", metavar="FILE.json",
                        help="answer fetch() from recorded responses instead of the network (see docs/fetch.md)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="let fetch() reach HOST (or a network) even if it is private, e.g. for local "
                             "development (repeatable)")


def _async_handlers(args: argparse.Namespace) -> dict[str, Callable[..., Any]]:
    """How `run` performs the async calls a program makes: fetch through the hardened fetcher (or the
    mock file), sleep for real."""
    import time

    from hoglite.net.errors import FetchTransportError
    from hoglite.net.fetch import Fetcher, FetchPolicy, build_request, error_to_hog_response, to_hog_response
    from hoglite.net.mock import MockFetcher

    fetcher: Any
    if args.mock:
        if not Path(args.mock).is_file():
            raise UsageError(f"file not found: {args.mock}")
        fetcher = MockFetcher.from_file(args.mock)  # a malformed file is a MockFileError naming the field
    else:
        fetcher = Fetcher(FetchPolicy().allowing(*args.allow_host))

    def fetch(url: Any = None, options: Any = None) -> Any:
        request = build_request(url, options)
        try:
            return to_hog_response(fetcher.fetch(request))
        except FetchTransportError as error:
            # As PostHog's hosts do: a request that could not complete reaches the code as a status 500.
            print(f"fetch {request.url}: {error.message}", file=sys.stderr)
            return error_to_hog_response(error)

    def sleep(seconds: Any = None) -> None:
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0:
            time.sleep(float(seconds))

    return {"fetch": fetch, "sleep": sleep}


def _streaming_host() -> Any:
    """A DefaultHost whose printed lines also go straight to stdout, so output survives a later error."""
    from hoglite.vm import DefaultHost

    class StreamingHost(DefaultHost):
        def print(self, text: str) -> None:
            super().print(text)
            try:
                sys.stdout.write(text + "\n")
                sys.stdout.flush()
            except BrokenPipeError:
                raise OutputClosed(0) from None

    return StreamingHost()


@command("run", "run a Hog program and print its output", _configure_run)
def run_command(args: argparse.Namespace) -> int:
    from hoglite.vm import RunOptions
    from hoglite.vm.api import run_with_handlers
    from hoglite.vm.values import print_value

    loaded: LoadedInput | None = None
    try:
        loaded = load_program(args.file, bytecode=args.bytecode)
        for warning in loaded.program.warnings:
            print(f"{loaded.display_name}: warning: {warning}", file=sys.stderr)
        globals_data = load_globals(args.globals)
        handlers = _async_handlers(args)
        options = RunOptions(globals=globals_data, host=_streaming_host(), async_functions={"fetch"},
                             source_map=loaded.program.source_map, source=loaded.source)
        result = run_with_handlers(loaded.program, handlers, options)
    except HogliteError as error:
        print(render_error(error, loaded, args.file), file=sys.stderr)
        return 1
    if args.result and result.value is not None:
        print(print_value(result.value))
    return 0


# --- compile ---------------------------------------------------------------------------------------


def _configure_compile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .hog source file, or - for stdin")
    parser.add_argument("-o", "--output", metavar="OUT", help="write the JSON here instead of stdout")
    parser.add_argument("--with-source-map", action="store_true",
                        help="write hoglite's compiled-program object (bytecode + source map), not a bare array")


@command("compile", "compile Hog source to bytecode JSON", _configure_compile)
def compile_command(args: argparse.Namespace) -> int:
    from hoglite.compiler import compile_source

    source = read_text(args.file)
    name = display_name(args.file)
    try:
        program = compile_source(source, name=name)
    except HogliteError as error:
        print(error.render(source, name=name), file=sys.stderr)
        return 1
    for warning in program.warnings:
        print(f"{name}: warning: {warning}", file=sys.stderr)
    data: Any = program.to_json() if args.with_source_map else program.bytecode
    text = json.dumps(data, ensure_ascii=False) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return 0


# --- disasm ----------------------------------------------------------------------------------------


def _configure_disasm(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .hog source file, .hoge/.json bytecode, or - for Hog source on stdin")
    parser.add_argument("--bytecode", action="store_true", help="read FILE (or stdin) as bytecode JSON")


@command("disasm", "print a readable listing of a program's bytecode", _configure_disasm)
def disasm_command(args: argparse.Namespace) -> int:
    from hoglite.compiler.disasm import disassemble

    loaded: LoadedInput | None = None
    try:
        loaded = load_program(args.file, bytecode=args.bytecode)
        listing = disassemble(loaded.program.bytecode, source_map=loaded.program.source_map or None,
                              source=loaded.source)
    except HogliteError as error:
        print(render_error(error, loaded, args.file), file=sys.stderr)
        return 1
    sys.stdout.write(listing if listing.endswith("\n") else listing + "\n")
    return 0


# --- entry point -----------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _register_feature_commands() -> None:
    """Subcommands that live with the feature they drive (templates, playground, transpiler, host)."""
    from hoglite.host.cli_deliver import configure_deliver, deliver_command
    from hoglite.playground_cli import register_commands as register_playground_commands
    from hoglite.testing.cli_commands import register_commands as register_template_commands
    from hoglite.transpile.cli import HELP as TRANSPILE_HELP
    from hoglite.transpile.cli import configure_transpile, run_transpile

    register_template_commands(command)
    register_playground_commands(command)
    command("transpile", TRANSPILE_HELP, configure_transpile)(run_transpile)
    command("deliver", "deliver a stream of events (JSON lines) through a template", configure_deliver)(
        deliver_command
    )


_register_feature_commands()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hoglite")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hoglite", description="Parse, compile and run PostHog's Hog language.")
    parser.add_argument("--version", action="version", version=f"hoglite {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for entry in COMMANDS.values():
        sub = subparsers.add_parser(entry.name, help=entry.help, description=entry.help)
        entry.configure(sub)
        sub.set_defaults(handler=entry.run)
    return parser


@contextmanager
def _lenient_stdout() -> Iterator[None]:
    """Write characters stdout cannot encode (a lone surrogate from a Hog string, or anything on a
    non-UTF-8 terminal) as backslash escapes, as Python already does on stderr, instead of failing.
    Applies to every command's output; the stream's previous setting is restored afterwards."""
    stream = sys.stdout
    previous = getattr(stream, "errors", None)
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None or previous is None or previous == "backslashreplace":
        yield
        return
    try:
        reconfigure(errors="backslashreplace")
    except (ValueError, OSError):  # a stream that cannot be reconfigured now: leave it as it is
        yield
        return
    try:
        yield
    finally:
        with suppress(ValueError, OSError):
            reconfigure(errors=previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script passes it to sys.exit)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "handler", None) is None:
            parser.print_help(sys.stderr)
            return 2
        with _lenient_stdout():
            return args.handler(args)
    except UsageError as exc:
        print(f"hoglite: error: {exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"hoglite: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except (BrokenPipeError, OutputClosed):
        # `hoglite run x.hog | head`: the reader went away; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback, unless asked to
        if os.environ.get("HOGLITE_DEBUG"):
            raise
        print(f"hoglite: internal error: {type(exc).__name__}: {exc} (set HOGLITE_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
