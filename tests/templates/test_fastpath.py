"""The fast path for small input templates and filters gives the VM's value, or hands over to it."""

from __future__ import annotations

from typing import Any

import pytest

from hoglite.cdp.fastpath import FALLBACK, straight_line
from hoglite.cdp.inputs import compile_template_text
from hoglite.cdp.invocation import HostContext, run_expression_program
from hoglite.errors import HogliteError
from hoglite.vm.host import RunContext
from hoglite.vm.limits import Limits

NOW = 1719837300.25
SCOPE: dict[str, Any] = {
    "event": {"event": "$pageview", "uuid": "u-1", "timestamp": "2024-07-01T12:34:56.789Z",
              "properties": {"price": 49.5, "n": 3, "big": 2**60, "flag": True, "none": None, "list": [1, 2],
                            "nested": {"a": {"b": "deep"}}, "text": "héllo", "$set": {"x": 1}}},
    "person": {"properties": {"email": "max@hedgebox.net"}},
    "inputs": {"email": "a@b.c"},
    "groups": {},
}
TEXTS = [
    "{event.event}", "{person.properties.email}", "{event.properties.price}", "{event.properties.n}",
    "{event.properties.big}", "{event.properties.flag}", "{event.properties.none}", "{event.properties.missing}",
    "{event.properties.missing.deeper}", "{event.properties.nested.a.b}", "{event.properties.nested}",
    "{event.properties.list}", "{event.properties.list.1}", "{event.properties.text.length}",
    "{event.event.length}", "{inputs.email}", "{toInt(toUnixTimestamp(event.timestamp))}",
    "Hello {event.event} at {event.properties.price} ({event.properties.none})", "{lower(event.properties.text)}",
    "{upper(person.properties.email)}", "{event.event == '$pageview'}", "{event.event != '$pageview'}",
    "{not event.properties.flag}", "{unknownGlobal.x}", "{toInt('x')}", "{jsonParse('{')}", "{now()}",
    "{event.properties['$set'].x}", "{1}", "{1.5}", "{true}", "{null}", "{'a' || 'b'}", "{event.properties.n + 1}",
    "{concat()}", "{nosuchfunction(1)}", "{event.properties.text == 'héllo'}", "{1 == 1.0}",
]


def vm_value(program: Any) -> tuple[str, Any]:
    try:
        return "ok", run_expression_program(program, SCOPE, clock=lambda: NOW)
    except HogliteError as error:
        return "error", error.message


@pytest.mark.parametrize("text", TEXTS)
def test_fast_path_agrees_with_the_vm(text: str) -> None:
    piece = compile_template_text(text)
    expected = vm_value(piece.program)
    if piece.fast is None:
        return  # not a straight-line program: always the VM
    value = piece.fast.run(SCOPE, RunContext(HostContext(lambda: NOW), Limits()))
    if value is FALLBACK:
        return  # the VM decides (errors, containers, unknown globals)
    assert ("ok", value) == expected
    assert type(value) is type(expected[1])


def test_the_common_templates_take_the_fast_path() -> None:
    ctx = RunContext(HostContext(lambda: NOW), Limits())
    for text, value in [("{event.event}", "$pageview"), ("{person.properties.email}", "max@hedgebox.net"),
                        ("{toInt(toUnixTimestamp(event.timestamp))}", 1719837296),
                        ("Hi {event.event}", "Hi $pageview"), ("{event.properties.missing}", None)]:
        piece = compile_template_text(text)
        assert piece.fast is not None, text
        assert piece.fast.run(SCOPE, ctx) == value


def test_only_straight_line_programs_are_decoded() -> None:
    assert straight_line(["_H", 1, 32, "a", 36, 0, 38]) is None  # locals
    assert straight_line(["_H", 1, 29, 40, 2, 33, 1, 38]) is None  # a jump
    assert straight_line(["_H", 1, 33, 1, 2, "sleep", 1, 38]) is None  # async / not native
    assert straight_line(["_H", 1, 33, 2**60, 38]) is None  # beyond 2**53: the VM converts it
    assert straight_line(["_H", 1, 33, 1]) is None  # no return
    assert straight_line("not bytecode") is None  # type: ignore[arg-type]
    assert straight_line(["_H", 1, 33, 1, 38]).run({}, None) == 1
