"""hoglite: parse, compile and run PostHog's Hog language, and run destination templates.

The public API (everything else is internal and may change):

    from hoglite import Engine, compile_program

    engine = Engine()
    program = engine.compile("return concat('Hello, ', name)")   # cached by source hash
    result = engine.run(program, {"name": "Hog"})
    assert result.outcome == "ok" and result.value == "Hello, Hog"

See docs/embedding.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Imported on first use: `import hoglite.vm` (and every other submodule) runs this file first, so
# eager imports here would make every stage load every other stage, and create import cycles.
_EXPORTS = {
    "Engine": "hoglite.host.engine",
    "compile_program": "hoglite.host.engine",
    "Step": "hoglite.host.steps",
    "InvocationResult": "hoglite.cdp.invocation",
    "LogEntry": "hoglite.cdp.invocation",
    "FetchCall": "hoglite.cdp.invocation",
    "CompiledProgram": "hoglite.compiler.program",
    "Template": "hoglite.cdp.template",
    "load_template": "hoglite.cdp.template",
    "Limits": "hoglite.vm.limits",
    "FetchPolicy": "hoglite.net.fetch",
    "FetchRequest": "hoglite.net.fetch",
    "FetchResponse": "hoglite.net.fetch",
    "MockFetcher": "hoglite.net.mock",
    "HogliteError": "hoglite.errors",
    "HogSyntaxError": "hoglite.errors",
    "HogRuntimeError": "hoglite.errors",
    "HogLimitError": "hoglite.errors",
    "UncaughtHogError": "hoglite.errors",
    "TemplateError": "hoglite.errors",
    "FetchError": "hoglite.errors",
}

__all__ = [
    "CompiledProgram",
    "Engine",
    "FetchCall",
    "FetchError",
    "FetchPolicy",
    "FetchRequest",
    "FetchResponse",
    "HogLimitError",
    "HogRuntimeError",
    "HogSyntaxError",
    "HogliteError",
    "InvocationResult",
    "Limits",
    "LogEntry",
    "MockFetcher",
    "Step",
    "Template",
    "TemplateError",
    "UncaughtHogError",
    "compile_program",
    "load_template",
]

if TYPE_CHECKING:
    from hoglite.cdp.invocation import FetchCall, InvocationResult, LogEntry
    from hoglite.cdp.template import Template, load_template
    from hoglite.compiler.program import CompiledProgram
    from hoglite.errors import (
        FetchError,
        HogLimitError,
        HogliteError,
        HogRuntimeError,
        HogSyntaxError,
        TemplateError,
        UncaughtHogError,
    )
    from hoglite.host.engine import Engine, compile_program
    from hoglite.host.steps import Step
    from hoglite.net.fetch import FetchPolicy, FetchRequest, FetchResponse
    from hoglite.net.mock import MockFetcher
    from hoglite.vm.limits import Limits


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'hoglite' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
