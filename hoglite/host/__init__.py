"""The host side of hoglite: the Engine (compile once, run many), step-wise runs, batch delivery."""

from hoglite.host.engine import (
    CacheInfo,
    Engine,
    HostFunction,
    ProgramCache,
    compile_program,
    compiler_version,
)
from hoglite.host.steps import Step

__all__ = ["CacheInfo", "Engine", "HostFunction", "ProgramCache", "Step", "compile_program", "compiler_version"]
