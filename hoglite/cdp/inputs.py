"""Template inputs: schema validation, value validation, templating, evaluation order and secrets.

The flow for one invocation:

1. `validate_inputs(schema, given)` checks the given values against `inputs_schema` (types, choices,
   required) and fills in schema defaults. Errors name the input.
2. `compile_inputs(schema, values)` compiles every templated string once (Hog template strings, as
   `f'...'` bodies) and sorts the inputs so that an input referring to `inputs.other` comes after it.
3. `evaluate_inputs(compiled, globals)` evaluates them in that order, adding each result to
   `globals.inputs` before the next one runs.

Templating rules (spec templates-and-host.md §2): a lone `{expr}` keeps the type of `expr`; text mixed
with placeholders is concatenated into a string (null renders as nothing); dict keys are literal and
every string leaf of a dictionary/json/email value is templated; numbers, booleans and nulls pass through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from hoglite.cdp.fastpath import FALLBACK as _FALLBACK
from hoglite.errors import HogliteError, TemplateError

INPUT_TYPES = ("string", "number", "boolean", "choice", "dictionary", "json", "integration",
               "integration_field", "email")
# PostHog-internal kinds hoglite accepts in a schema (so PostHog templates import) but does not template.
PASSTHROUGH_TYPES = ("native_email", "push_subscription", "integration_multi", "non_failure_status_codes")
TEMPLATED_TYPES = ("string", "dictionary", "json", "email")
TEMPLATING_VALUES = (True, False, "hog", "liquid")
SCHEMA_FIELDS = ("key", "type", "label", "description", "required", "default", "secret", "hidden", "choices",
                 "integration", "integration_key", "integration_field", "requires_field", "requiredScopes",
                 "templating", "platform")
EXTEND_OBJECT_KEY = "$$_extend_object"

_KEY_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class InputValidationError(TemplateError):
    """One or more given inputs do not fit the schema. `errors` holds one TemplateError per input."""

    def __init__(self, errors: list[TemplateError]) -> None:
        first = errors[0]
        summary = "; ".join(f"Input {error.field!r}: {error.message}" for error in errors)
        super().__init__(summary, field=first.field, file=first.file)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class InputEvaluationError(TemplateError):
    """A templated input failed at run time. The first line is PostHog's; the Hog error follows."""

    def __init__(self, path: str, cause: HogliteError, text: str) -> None:
        super().__init__(f"Could not execute bytecode for input field: {path}", field=path, span=cause.span)
        self.cause = cause
        self.text = text

    def __str__(self) -> str:
        return f"{self.message}\n{self.detail()}"

    def detail(self) -> str:
        """The Hog error with a caret under its position in the input's template text."""
        return self.cause.render(self.text, name=f"inputs.{self.field}")


# ---------------------------------------------------------------------------------------------------
# Schema validation


def validate_schema(schema: Any, *, file: str | None = None, field_prefix: str = "inputs_schema") -> list[TemplateError]:
    """Every problem with an `inputs_schema` list (unique keys, known types, choices, defaults)."""
    if not isinstance(schema, list):
        return [TemplateError("'inputs_schema' must be a list.", field=field_prefix, file=file)]
    errors: list[TemplateError] = []
    seen: set[str] = set()
    for index, item in enumerate(schema):
        where = f"{field_prefix}[{index}]"

        def problem(message: str, sub: str | None = None) -> None:
            here = where  # noqa: B023 - called within this iteration only, after `where` gains the key
            errors.append(TemplateError(message, field=f"{here}.{sub}" if sub else here, file=file))

        if not isinstance(item, dict):
            problem("An input schema item must be an object.")
            continue
        key = item.get("key")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            problem(f"Input key {key!r} must be an identifier (letters, digits, _ and $).", "key")
        elif key in seen:
            problem(f"Input key {key!r} is used twice.", "key")
        else:
            seen.add(key)
            where = f"{field_prefix}[{index}] ({key})"
        kind = item.get("type")
        if kind not in INPUT_TYPES and kind not in PASSTHROUGH_TYPES:
            problem(f"Unknown input type {kind!r}; expected one of: {', '.join(INPUT_TYPES)}.", "type")
            continue
        for flag in ("required", "secret", "hidden"):
            if flag in item and not isinstance(item[flag], bool):
                problem(f"'{flag}' must be a boolean.", flag)
        if "templating" in item and item["templating"] not in TEMPLATING_VALUES:
            problem("'templating' must be true, false, \"hog\" or \"liquid\".", "templating")
        elif item.get("templating") == "liquid":
            problem("Liquid templating is not supported by hoglite; use Hog templates ({expr}).", "templating")
        for text_field in ("label", "description", "integration", "integration_key", "integration_field",
                           "requires_field", "requiredScopes"):
            if text_field in item and item[text_field] is not None and not isinstance(item[text_field], str):
                problem(f"'{text_field}' must be a string.", text_field)
        if kind == "choice":
            choices = item.get("choices")
            if not isinstance(choices, list) or not choices:
                problem("A choice input needs a non-empty 'choices' list.", "choices")
            else:
                for choice_index, choice in enumerate(choices):
                    if not isinstance(choice, dict) or "value" not in choice:
                        problem("Each choice must be an object with 'label' and 'value'.",
                                f"choices[{choice_index}]")
        if kind == "integration" and not item.get("integration"):
            problem("An integration input needs 'integration' (the integration kind, e.g. 'intercom').",
                    "integration")
        if "default" in item and item["default"] is not None and kind in INPUT_TYPES:
            message = check_value(item, item["default"])
            if message:
                problem(f"Invalid default: {message}", "default")
    return errors


# ---------------------------------------------------------------------------------------------------
# Value validation


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_value(item: Mapping[str, Any], value: Any) -> str | None:
    """The problem with one non-null value for a schema item, or None. Messages are PostHog's."""
    kind = item.get("type")
    if kind in ("string", "integration_field"):
        return None if isinstance(value, str) else "Value must be a string."
    if kind == "number":
        return None if _is_number(value) else "Value must be a number."
    if kind == "boolean":
        return None if isinstance(value, bool) else "Value must be a boolean."
    if kind == "dictionary":
        return None if isinstance(value, dict) else "Value must be a dictionary."
    if kind == "choice":
        allowed = [choice.get("value") for choice in item.get("choices") or [] if isinstance(choice, dict)]
        if value not in allowed:
            return "Value must be one of: " + ", ".join(repr(v) for v in allowed) + "."
        return None
    if kind == "integration":
        # hoglite has no integration store: the host passes the integration's config and secrets as a
        # dict, or an ID it resolves through its own `integrations` mapping.
        if isinstance(value, dict) or (isinstance(value, int) and not isinstance(value, bool)):
            return None
        return "Value must be an Integration ID."
    if kind == "email":
        if not isinstance(value, dict):
            return "Value must be an email object."
        for part in ("from", "to", "subject"):
            if not value.get(part):
                return f"Missing value for '{part}'."
        if not value.get("text") and not value.get("html"):
            return "Either 'text' or 'html' is required."
        return None
    return None  # json and the pass-through kinds take any JSON value


def validate_inputs(
    schema: list[dict[str, Any]],
    given: Mapping[str, Any] | None,
    *,
    apply_defaults: bool = True,
    check_required: bool = True,
    integrations: Mapping[Any, dict[str, Any]] | None = None,
    file: str | None = None,
) -> dict[str, Any]:
    """The input values to use: `given` checked against the schema, with defaults filled in.

    Raises InputValidationError naming every bad input. Integration IDs are replaced by the
    integration dict from `integrations` (or null when unknown, as PostHog does).
    """
    given = dict(given or {})
    errors: list[TemplateError] = []
    values: dict[str, Any] = {}
    keys = [item.get("key") for item in schema]
    for key in given:
        if key not in keys:
            known = ", ".join(str(k) for k in keys) or "none"
            errors.append(TemplateError(f"Unknown input {key!r} (the inputs_schema has: {known}).",
                                        field=key, file=file))
    for item in schema:
        key = item["key"]
        if key in given:
            value = given[key]
        elif apply_defaults and "default" in item:
            value = item["default"]
        else:
            value = None
        if value is None or value == "":
            if check_required and item.get("required"):
                errors.append(TemplateError("This field is required.", field=key, file=file))
            values[key] = value
            continue
        message = check_value(item, value)
        if message:
            errors.append(TemplateError(message, field=key, file=file))
            continue
        if item.get("type") == "integration" and not isinstance(value, dict):
            value = (integrations or {}).get(value)
        values[key] = value
    if errors:
        raise InputValidationError(errors)
    return values


# ---------------------------------------------------------------------------------------------------
# Compilation


@dataclass(frozen=True)
class TemplatePiece:
    """One compiled template string. `program` is None when the text has no placeholder; `fast` is
    the program decoded for hoglite.cdp.fastpath (None when it needs the VM)."""

    text: str
    program: Any = None  # CompiledProgram
    references: frozenset[str] = frozenset()
    fast: Any = None


@dataclass
class CompiledInput:
    key: str
    # The value with every templated string replaced by a TemplatePiece (same shape as the value).
    tree: Any
    templated: bool
    references: frozenset[str] = frozenset()


@dataclass
class CompiledInputs:
    inputs: dict[str, CompiledInput]
    order: list[str] = field(default_factory=list)


def is_templated(item: Mapping[str, Any]) -> bool:
    return item.get("type") in TEMPLATED_TYPES and item.get("templating", True) is not False


def compile_template_text(text: str, *, name: str = "input") -> TemplatePiece:
    """Compile one Hog template string ("Hello {event.event}") into a program returning its value."""
    if "{" not in text:
        return TemplatePiece(text)  # literal text: no VM run needed
    from hoglite.cdp.fastpath import straight_line
    from hoglite.compiler import compile_program
    from hoglite.syntax.ast import Program, Return
    from hoglite.syntax.parser import parse_template

    expr = parse_template(text, name=f"inputs.{name}")
    program = compile_program(Program((Return(expr, span=expr.span),), span=expr.span))
    return TemplatePiece(text, program, frozenset(input_references(expr)), straight_line(program.bytecode))


def _compile_tree(value: Any, path: str, skip_keys: tuple[str, ...] = ()) -> tuple[Any, set[str]]:
    if isinstance(value, str):
        try:
            piece = compile_template_text(value, name=path)
        except HogliteError as error:
            detail = error.render(value, name=f"inputs.{path}")
            raise TemplateError(f"Invalid template: {error.message}", field=path, span=error.span,
                                hint=detail) from None
        return piece, set(piece.references)
    if isinstance(value, dict):
        refs: set[str] = set()
        out: dict[Any, Any] = {}
        for key, child in value.items():
            if key in skip_keys:
                out[key] = child
                continue
            out[key], child_refs = _compile_tree(child, f"{path}.{key}")
            refs |= child_refs
        return out, refs
    if isinstance(value, list):
        refs = set()
        items = []
        for index, child in enumerate(value):
            compiled, child_refs = _compile_tree(child, f"{path}.{index}")
            items.append(compiled)
            refs |= child_refs
        return items, refs
    return value, set()


def compile_inputs(schema: list[dict[str, Any]], values: Mapping[str, Any]) -> CompiledInputs:
    """Compile every templated input once and work out the evaluation order."""
    compiled: dict[str, CompiledInput] = {}
    for item in schema:
        key = item["key"]
        value = values.get(key)
        if is_templated(item) and value is not None:
            skip = ("design",) if item.get("type") == "email" else ()
            tree, refs = _compile_tree(value, key, skip)
            compiled[key] = CompiledInput(key, tree, True, frozenset(refs))
        else:
            compiled[key] = CompiledInput(key, value, False)
    return CompiledInputs(compiled, dependency_order(compiled, [item["key"] for item in schema]))


def dependency_order(compiled: Mapping[str, CompiledInput], schema_order: list[str]) -> list[str]:
    """Inputs sorted so that each comes after the inputs it references (stable by schema order).

    Raises TemplateError "Circular dependency detected in input_deps." naming the cycle.
    """
    position = {key: index for index, key in enumerate(schema_order)}
    deps = {key: {ref for ref in item.references if ref in compiled} for key, item in compiled.items()}
    order: list[str] = []
    done: set[str] = set()
    remaining = sorted(compiled, key=lambda key: position.get(key, len(position)))
    while remaining:
        ready = [key for key in remaining if deps[key] <= done]
        if not ready:
            cycle = _find_cycle(deps, remaining)
            raise TemplateError("Circular dependency detected in input_deps: " + " -> ".join(cycle) + ".",
                                field=cycle[0])
        key = ready[0]
        order.append(key)
        done.add(key)
        remaining.remove(key)
    return order


def _find_cycle(deps: Mapping[str, set[str]], candidates: list[str]) -> list[str]:
    start = candidates[0]
    path = [start]
    seen = {start: 0}
    node = start
    while True:
        node = sorted(d for d in deps[node] if d in candidates)[0]
        if node in seen:
            return path[seen[node]:] + [node]
        seen[node] = len(path)
        path.append(node)


def input_references(node: Any) -> set[str]:
    """The names `x` of every `inputs.x` (or `inputs['x']`) read in an AST."""
    from hoglite.syntax import ast

    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Field):
            if len(current.chain) >= 2 and current.chain[0] == "inputs" and isinstance(current.chain[1], str):
                found.add(current.chain[1])
        elif (isinstance(current, ast.Index) and isinstance(current.obj, ast.Field)
              and current.obj.chain == ("inputs",) and isinstance(current.key, ast.Constant)
              and isinstance(current.key.value, str)):
            found.add(current.key.value)
        if is_dataclass(current):
            for f in fields(current):
                if f.name != "span":
                    stack.append(getattr(current, f.name))
        elif isinstance(current, (tuple, list)):
            stack.extend(current)
    return found


# ---------------------------------------------------------------------------------------------------
# Evaluation

# Runs one compiled program against globals and returns its value. Provided by the caller (the
# invocation module binds it to the VM with the input time budget), so this module stays VM-free.
ProgramRunner = Callable[[Any, dict[str, Any]], Any]


def evaluate_inputs(compiled: CompiledInputs, globals_: dict[str, Any], run: ProgramRunner, *,
                    context: Any = None) -> dict[str, Any]:
    """Evaluate every input in dependency order; each result joins `globals.inputs` before the next.

    With a `context` (the VM's RunContext for built-ins), templates that fit hoglite.cdp.fastpath
    are evaluated there; anything else, and anything unusual, goes through `run`. Values that are
    not templated are copied, so a compiled plan can be shared by many invocations.
    A failing input raises InputEvaluationError ("Could not execute bytecode for input field: <path>").
    """
    inputs: dict[str, Any] = {}
    scope = dict(globals_)
    scope["inputs"] = inputs
    items = compiled.inputs
    for key in compiled.order:
        item = items[key]
        tree = item.tree
        if not item.templated:
            inputs[key] = tree if type(tree) in _ATOMS else _copy_plain(tree)
        elif type(tree) is TemplatePiece:
            inputs[key] = _evaluate_piece(tree, key, None, scope, run, context)
        else:
            inputs[key] = _evaluate_tree(tree, key, scope, run, context)
    return inputs


_ATOMS = frozenset({str, int, float, bool, type(None)})  # returned as they are (no recursive call)


def _copy_plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: item if type(item) in _ATOMS else _copy_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if type(item) in _ATOMS else _copy_plain(item) for item in value]
    return value


def _evaluate_piece(piece: TemplatePiece, path: str, key: Any, scope: dict[str, Any], run: ProgramRunner,
                    context: Any) -> Any:
    """One template string's value. It is named `path` (or `path.key`) in errors: the name is only
    written out when one happens."""
    if piece.program is None:
        return piece.text
    try:
        fast = piece.fast
        if context is not None and fast is not None:
            value = fast.run(scope, context)
            if value is not _FALLBACK:
                return value
        return run(piece.program, scope)
    except HogliteError as error:
        raise InputEvaluationError(path if key is None else f"{path}.{key}", error, piece.text) from None


def _evaluate_tree(tree: Any, path: str, scope: dict[str, Any], run: ProgramRunner, context: Any = None) -> Any:
    if isinstance(tree, TemplatePiece):
        return _evaluate_piece(tree, path, None, scope, run, context)
    if isinstance(tree, dict):
        result: dict[Any, Any] = {}
        if EXTEND_OBJECT_KEY in tree:
            # PostHog-compiled inputs may spread an object into the dict before its other keys.
            extension = _evaluate_tree(tree[EXTEND_OBJECT_KEY], f"{path}.{EXTEND_OBJECT_KEY}", scope, run, context)
            if isinstance(extension, dict):
                result.update(extension)
        for key, child in tree.items():
            if key != EXTEND_OBJECT_KEY:
                kind = type(child)
                if kind is TemplatePiece:
                    result[key] = _evaluate_piece(child, path, key, scope, run, context)
                elif kind in _ATOMS:
                    result[key] = child
                else:
                    result[key] = _evaluate_tree(child, f"{path}.{key}", scope, run, context)
        return result
    if isinstance(tree, list):
        return [_evaluate_tree(child, f"{path}.{index}", scope, run, context) for index, child in enumerate(tree)]
    return _copy_plain(tree)


# ---------------------------------------------------------------------------------------------------
# Secrets (for log redaction)


def collect_secrets(schema: list[dict[str, Any]], inputs: Mapping[str, Any]) -> list[str]:
    """The strings to redact from logs and errors, from the evaluated inputs (spec §2.8).

    The policy lives in hoglite.cdp.redact (one choke point for the project): secret inputs, inputs
    whose key looks like a credential, and values under credential-like keys in dictionary and
    integration inputs (not every string of an integration, which would mask e.g. the region "US").
    """
    from hoglite.cdp.redact import secrets_from_inputs

    return secrets_from_inputs(schema, inputs)
