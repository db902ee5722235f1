"""The compiler's front door: AST (or source) to PostHog `["_H", 1, ...]` bytecode plus a source map.

The layouts mirror PostHog's own compiler (`posthog/hogql/compiler/bytecode.py`, described in
hog-bytecode.md §5) so that, for the same program, the arrays are identical — which matters because
serialised VM states point into them. Deliberate differences are listed in docs/compat.md and in
`DIFFERENCES` below.
"""

from __future__ import annotations

from collections.abc import Collection

from hoglite.compiler.expressions import Shared, SpannedOp
from hoglite.compiler.opcodes import HEADER, VERSION, Op
from hoglite.compiler.program import CompiledProgram
from hoglite.compiler.statements import FunctionCompiler
from hoglite.errors import HogSyntaxError
from hoglite.source import Span
from hoglite.syntax import ast

DIFFERENCES = (
    "between: evaluated from the real stack height, so it is correct inside calls, literals and `let`s",
    "typed catch with a variable other than `e`: the type-mismatch jump also skips the clause's scope end",
    "for(;;): a missing condition is `true`; an expression as init or step is popped",
    "if(c, a) without an else pushes null when c is false (PostHog pushes nothing)",
    "reading a `let` variable inside its own initialiser (outside a function body) is a compile error",
    "`throw` without a value is a compile error",
    "a `let` as the step of a C-style for loop is a compile error",
    "sql() is a compile error (HogQL queries are not supported)",
)


def compile_program(
    program: ast.Program,
    *,
    source: str | None = None,
    name: str = "<source>",
    known_globals: Collection[str] | None = None,
    known_functions: Collection[str] | None = None,
) -> CompiledProgram:
    """Compile a parsed program to `["_H", 1, ...]` bytecode with a side source map.

    `known_globals` / `known_functions`, when given, enable PostHog's non-fatal diagnostics
    ("Unknown global variable: x", "Hog function `f` is not implemented") in `warnings`.
    Raises `HogSyntaxError` (with the offending node's span) for programs PostHog's compiler rejects.
    """
    shared = Shared(known_globals, known_functions)
    compiler = FunctionCompiler(shared, (), None, program)
    code = _guarded(lambda: compiler.program(program), source, name)
    bytecode, source_map = finish_code(code, offset=2)
    return CompiledProgram(
        bytecode=[HEADER, VERSION, *bytecode],
        source_map=source_map,
        source=source,
        name=name,
        warnings=list(shared.warnings),
    )


def compile_source(
    source: str,
    *,
    name: str = "<source>",
    known_globals: Collection[str] | None = None,
    known_functions: Collection[str] | None = None,
) -> CompiledProgram:
    """Parse `source` with hoglite's parser, then compile it."""
    from hoglite.syntax import parse_program  # lazily: the compiler does not need the parser otherwise

    program = parse_program(source, name=name) if _accepts_name(parse_program) else parse_program(source)
    return compile_program(
        program, source=source, name=name, known_globals=known_globals, known_functions=known_functions
    )


def compile_function_body(
    function: ast.Function, *, source: str | None = None, name: str | None = None
) -> tuple[list[str], list]:
    """Compile only a function's body, parameters as the initial locals, with no header.

    This is how PostHog builds its bytecode STL (`common/hogvm/stl/compile.py`): the result runs as a
    chunk of its own (`stl/<name>`) and sees no globals.
    """
    params, code, _ = compile_function_body_with_map(function, source=source, name=name)
    return params, code


def compile_function_body_with_map(
    function: ast.Function, *, source: str | None = None, name: str | None = None
) -> tuple[list[str], list, dict[int, Span]]:
    shared = Shared(None, None)
    compiler = FunctionCompiler(shared, tuple(function.params), None, function)
    code = _guarded(lambda: compiler.function_body(function.body), source, name or function.name)
    bytecode, source_map = finish_code(code, offset=0)
    return list(function.params), bytecode, source_map


def finish_code(code: list, *, offset: int) -> tuple[list, dict[int, Span]]:
    """Turn op markers into plain ints and collect their spans by final element index."""
    out: list = []
    source_map: dict[int, Span] = {}
    for index, element in enumerate(code):
        if isinstance(element, SpannedOp):
            source_map[index + offset] = element.span
            out.append(int(element))
        elif isinstance(element, Op):
            out.append(int(element))
        else:
            out.append(element)
    return out, source_map


def _guarded(build, source: str | None, name: str | None) -> list:
    try:
        return build()
    except HogSyntaxError as exc:
        if exc.source is None:
            exc.source = source
        if exc.source_name is None:
            exc.source_name = name
        raise
    except RecursionError:
        raise HogSyntaxError("The program is nested too deeply to compile", source=source, source_name=name) from None


def _accepts_name(function) -> bool:
    import inspect

    try:
        return "name" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
