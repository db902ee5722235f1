"""AST to PostHog `_H` bytecode, with a side source map, and a disassembler."""

from hoglite.compiler.emit import compile_function_body, compile_program, compile_source
from hoglite.compiler.opcodes import Op
from hoglite.compiler.program import CompiledProgram, CompileWarning

__all__ = [
    "CompileWarning",
    "CompiledProgram",
    "Op",
    "compile_function_body",
    "compile_program",
    "compile_source",
    "disassemble",
]


def __getattr__(name: str):
    # The disassembler is only needed by tooling; import it on first use.
    if name == "disassemble":
        from hoglite.compiler.disasm import disassemble

        return disassemble
    raise AttributeError(name)
