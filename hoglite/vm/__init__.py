"""hoglite's bytecode VM: runs PostHog `_H` (and legacy `_h`) programs in a sandbox.

    from hoglite.vm import execute, resume, RunOptions
    result = execute(program, RunOptions(globals={...}, async_functions={"fetch"}))
    while result.paused:
        response = perform(result.paused.name, result.paused.args)
        result = resume(result.paused.state, response, RunOptions(globals={...}, async_functions={"fetch"}))
"""

from hoglite.vm.api import PausedCall, RunOptions, RunResult, execute, resume, resume_call, run_with_handlers
from hoglite.vm.host import DefaultHost, RunContext
from hoglite.vm.limits import Limits, ensure_container_size, ensure_string_length
from hoglite.vm.state import PausedState

__all__ = [
    "DefaultHost",
    "Limits",
    "PausedCall",
    "PausedState",
    "RunContext",
    "RunOptions",
    "RunResult",
    "ensure_container_size",
    "ensure_string_length",
    "execute",
    "resume",
    "resume_call",
    "run_with_handlers",
]
