"""Error values: Error, RetryError, NotImplementedError (message, payload) and HogError(type, ...).

A falsy message (JavaScript truthiness) becomes 'An error occurred'; a falsy type becomes 'Error'.
"""

from __future__ import annotations

from typing import Any

from hoglite.stl.registry import HostContext, native
from hoglite.vm.values import HogErrorValue, is_truthy


def make_error(error_type: Any, message: Any, payload: Any) -> HogErrorValue:
    error = HogErrorValue("Error", "An error occurred", payload)
    # Set the fields directly: HogErrorValue's own defaults use Python truthiness, where an empty
    # array or dict is false; JavaScript (the oracle) keeps those as given.
    if is_truthy(error_type):
        error["type"] = error_type
    if is_truthy(message):
        error["message"] = message
    return error


def _arg(args: list[Any], index: int) -> Any:
    return args[index] if index < len(args) else None


@native("Error", 0, 2)
def error(args: list[Any], ctx: HostContext) -> Any:
    return make_error("Error", _arg(args, 0), _arg(args, 1))


@native("RetryError", 0, 2)
def retry_error(args: list[Any], ctx: HostContext) -> Any:
    return make_error("RetryError", _arg(args, 0), _arg(args, 1))


@native("NotImplementedError", 0, 2)
def not_implemented_error(args: list[Any], ctx: HostContext) -> Any:
    return make_error("NotImplementedError", _arg(args, 0), _arg(args, 1))


@native("HogError", 1, 3)
def hog_error(args: list[Any], ctx: HostContext) -> Any:
    return make_error(_arg(args, 0), _arg(args, 1), _arg(args, 2))
