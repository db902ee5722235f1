"""Trigger filters: PostHog's filters object compiled to Hog expressions and evaluated before the code.

The filters object (spec templates-and-host.md §4) becomes one conjunction

    AND(<test-account filters>, <top-level property filters>, OR(<events[]>, <actions[]>))

Each conjunct is compiled to its own small program and carries a human label, so a filtered-out
event is reported with the reason ("event '$pageview' is not one of: $identify, $set", "person
property 'email' not_icontains '@posthog.com' did not match"). Every conjunct is evaluated (like
Hog's non-short-circuit `and`), so an error anywhere is reported as a filter error, as PostHog does.
The event runs only when every conjunct returns exactly `true`.

Actions have no store in hoglite: an `actions[]` entry carries its definition inline
(`{"id": "7", "name": "Signed up", "steps": [...]}`) or the caller passes `actions={id: definition}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hoglite.errors import HogliteError, TemplateError

PROPERTY_TYPES = ("event", "person", "group", "event_metadata", "element", "hogql", "cohort")
OPERATORS = ("exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "lt", "gte", "lte",
             "is_date_after", "is_date_before", "is_date_exact", "min", "max", "between", "not_between",
             "is_set", "is_not_set", "in", "not_in")
UNSUPPORTED_OPERATORS = ("is_cleaned_path_exact", "semver_eq", "semver_neq", "semver_gt", "semver_gte",
                         "semver_lt", "semver_lte", "semver_tilde", "semver_caret", "semver_wildcard")
NEGATIVE_OPERATORS = ("is_not", "not_icontains", "not_regex")
_COMPARE = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<=", "is_date_after": ">", "is_date_before": "<",
            "is_date_exact": "==", "min": ">=", "max": "<="}
_TAG_NAMES_IN_CHAIN = r"(\.|$|;|:)"


def _ast():
    from hoglite.syntax import ast

    return ast


# ---------------------------------------------------------------------------------------------------
# Structural validation (no compiler needed)


def validate_filters(filters: Any, *, field_name: str = "filters", file: str | None = None) -> list[TemplateError]:
    """Problems with the shape of a filters object; compiling it reports the rest."""
    if not isinstance(filters, dict):
        return [TemplateError("'filters' must be an object.", field=field_name, file=file)]
    errors: list[TemplateError] = []
    for list_key in ("events", "actions", "properties"):
        value = filters.get(list_key)
        if value is not None and not isinstance(value, list):
            errors.append(TemplateError(f"'{list_key}' must be a list.", field=f"{field_name}.{list_key}", file=file))
    for list_key in ("events", "actions"):
        entries = filters.get(list_key)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            where = f"{field_name}.{list_key}[{index}]"
            if not isinstance(entry, dict):
                errors.append(TemplateError("Each entry must be an object.", field=where, file=file))
            elif entry.get("properties") is not None:
                errors.extend(_validate_properties(entry["properties"], f"{where}.properties", file))
    if isinstance(filters.get("properties"), list):
        errors.extend(_validate_properties(filters["properties"], f"{field_name}.properties", file))
    if "filter_test_accounts" in filters and not isinstance(filters["filter_test_accounts"], bool):
        errors.append(TemplateError("'filter_test_accounts' must be a boolean.",
                                    field=f"{field_name}.filter_test_accounts", file=file))
    return errors


def _validate_properties(properties: Any, where: str, file: str | None) -> list[TemplateError]:
    if isinstance(properties, dict) and "values" in properties:  # a property group
        return _validate_properties(properties["values"], f"{where}.values", file)
    if not isinstance(properties, list):
        return [TemplateError("Property filters must be a list.", field=where, file=file)]
    errors: list[TemplateError] = []
    for index, prop in enumerate(properties):
        here = f"{where}[{index}]"
        if not isinstance(prop, dict):
            errors.append(TemplateError("A property filter must be an object.", field=here, file=file))
            continue
        if "values" in prop and prop.get("type") in ("AND", "OR"):
            errors.extend(_validate_properties(prop["values"], f"{here}.values", file))
            continue
        kind = prop.get("type", "event")
        if kind not in PROPERTY_TYPES:
            errors.append(TemplateError(f"Unknown property filter type {kind!r}.", field=f"{here}.type", file=file))
        elif kind == "cohort":
            errors.append(TemplateError("Can't use cohorts in real-time filters", field=f"{here}.type", file=file))
        operator = prop.get("operator") or "exact"
        if operator in UNSUPPORTED_OPERATORS:
            errors.append(TemplateError(f"The operator {operator!r} is not supported by hoglite yet.",
                                        field=f"{here}.operator", file=file))
        elif operator not in OPERATORS:
            errors.append(TemplateError(f"Unknown operator {operator!r}.", field=f"{here}.operator", file=file))
    return errors


# ---------------------------------------------------------------------------------------------------
# Compilation to Hog expressions


@dataclass
class Conjunct:
    """One part of the filter conjunction: its label (for skip reasons), expression and program.

    `fast` is the program decoded for hoglite.cdp.fastpath (None when it needs the VM). `by_name`
    marks the events conjunct when the event-name check alone decides it (plain event ids, no
    per-event properties), so it need not run at all.
    """

    label: str
    expr: Any
    program: Any = None
    fast: Any = None
    by_name: bool = False


@dataclass
class CompiledFilters:
    conjuncts: list[Conjunct] = field(default_factory=list)
    # When the filters list only events (no actions, no catch-all), the event names: a cheap check
    # that rejects other events without running the VM (PostHog does the same).
    event_names: tuple[str, ...] | None = None


def _value_text(value: Any) -> str:
    from hoglite.vm.values import print_string

    return print_string(value)


def _describe(prop: Mapping[str, Any]) -> str:
    kind = prop.get("type", "event")
    if kind == "hogql":
        return f"expression {prop.get('key')!r}"
    operator = prop.get("operator") or "exact"
    what = f"{kind} property {prop.get('key')!r}"
    if kind == "event_metadata":
        what = f"event field {prop.get('key')!r}"
    if kind == "element":
        what = f"element {prop.get('key')!r}"
    if operator in ("is_set", "is_not_set"):
        return f"{what} {operator}"
    return f"{what} {operator} {prop.get('value')!r}"


def property_field(prop: Mapping[str, Any], where: str) -> Any:
    """The Hog field a property filter reads (spec §4.2)."""
    ast = _ast()
    kind = prop.get("type", "event")
    key = prop.get("key")
    if kind == "event":
        return ast.Field(("elements_chain",)) if key == "$elements_chain" else ast.Field(("properties", key))
    if kind == "person":
        return ast.Field(("person", "properties", key))
    if kind == "group":
        index = prop.get("group_type_index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= 4:
            raise TemplateError("A group property filter needs a group_type_index from 0 to 4.",
                                field=f"{where}.group_type_index")
        return ast.Field((f"group_{index}", "properties", key))
    if kind == "event_metadata":
        return ast.Field((key,))
    raise TemplateError(f"Unknown property filter type {kind!r}.", field=f"{where}.type")


def compare_expr(subject: Any, operator: str, value: Any, where: str) -> Any:
    """`subject <operator> value` as a Hog expression, including the list-value rules."""
    ast = _ast()
    if operator in ("is_set", "is_not_set"):
        return ast.Compare("!=" if operator == "is_set" else "==", subject, ast.Constant(None))
    if operator in ("between", "not_between"):
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
                or value[0] > value[1]):
            raise TemplateError(f"'{operator}' needs a value [min, max] of two numbers with min <= max.",
                                field=f"{where}.value")
        low, high = ast.Constant(value[0]), ast.Constant(value[1])
        if operator == "between":
            return ast.And((ast.Compare(">=", subject, low), ast.Compare("<=", subject, high)))
        return ast.Or((ast.Compare("<", subject, low), ast.Compare(">", subject, high)))
    if operator in ("in", "not_in") and not isinstance(value, list):
        raise TemplateError(f"'{operator}' needs a list value.", field=f"{where}.value")
    if isinstance(value, list):
        if not value:
            return ast.Constant(True)
        if len(value) > 1:
            if operator in ("exact", "in"):
                return ast.Compare("in", subject, ast.TupleLit(tuple(ast.Constant(v) for v in value)))
            if operator in ("is_not", "not_in"):
                return ast.Compare("not in", subject, ast.TupleLit(tuple(ast.Constant(v) for v in value)))
            parts = tuple(compare_expr(subject, operator, v, where) for v in value)
            return ast.And(parts) if operator in NEGATIVE_OPERATORS else ast.Or(parts)
        value = value[0]
    if operator in ("exact", "in"):
        return ast.Compare("==", subject, ast.Constant(value))
    if operator in ("is_not", "not_in"):
        return ast.Compare("!=", subject, ast.Constant(value))
    if operator in ("icontains", "not_icontains"):
        op = "ilike" if operator == "icontains" else "not ilike"
        return ast.Compare(op, ast.Call("toString", (subject,)), ast.Constant(f"%{_value_text(value)}%"))
    if operator == "regex":
        match = ast.Call("match", (ast.Call("toString", (subject,)), ast.Constant(_value_text(value))))
        return ast.Call("ifNull", (match, ast.Constant(0)))
    if operator == "not_regex":
        match = ast.Call("match", (ast.Call("toString", (subject,)), ast.Constant(_value_text(value))))
        return ast.Call("ifNull", (ast.Not(match), ast.Constant(1)))
    if operator in _COMPARE:
        return ast.Compare(_COMPARE[operator], subject, ast.Constant(value))
    if operator in UNSUPPORTED_OPERATORS:
        raise TemplateError(f"The operator {operator!r} is not supported by hoglite yet.", field=f"{where}.operator")
    raise TemplateError(f"Unknown operator {operator!r}.", field=f"{where}.operator")


def property_expr(prop: Any, where: str) -> Any:
    """One property filter (or a property group) as a Hog expression."""
    ast = _ast()
    if isinstance(prop, dict) and prop.get("type") in ("AND", "OR") and "values" in prop:
        return properties_expr(prop["values"], f"{where}.values", prop["type"])
    if not isinstance(prop, dict):
        raise TemplateError("A property filter must be an object.", field=where)
    kind = prop.get("type", "event")
    if kind == "cohort":
        raise TemplateError("Can't use cohorts in real-time filters", field=f"{where}.type")
    if kind not in PROPERTY_TYPES:
        raise TemplateError(f"Unknown property filter type {kind!r}.", field=f"{where}.type")
    key = prop.get("key")
    if kind == "hogql":
        if not isinstance(key, str) or not key.strip():
            return ast.Constant(True)
        return _parse_hogql(key, f"{where}.key")
    if key is None or key == "":
        return ast.Constant(True)  # an incomplete filter is ignored, as in PostHog
    operator = prop.get("operator") or "exact"
    value = prop.get("value")
    if kind == "element":
        return element_expr(key, operator, value, where)
    return compare_expr(property_field(prop, where), operator, value, where)


def properties_expr(properties: Any, where: str, joiner: str = "AND") -> Any:
    ast = _ast()
    if isinstance(properties, dict) and "values" in properties:
        return properties_expr(properties["values"], f"{where}.values", properties.get("type", "AND"))
    if not isinstance(properties, list):
        raise TemplateError("Property filters must be a list.", field=where)
    parts = tuple(property_expr(prop, f"{where}[{index}]") for index, prop in enumerate(properties))
    if not parts:
        return ast.Constant(True)
    if len(parts) == 1:
        return parts[0]
    return ast.Or(parts) if joiner == "OR" else ast.And(parts)


def _parse_hogql(text: str, where: str) -> Any:
    from hoglite.syntax.parser import parse_expression

    try:
        return parse_expression(text, name=where)
    except HogliteError as error:
        raise TemplateError(f"Invalid expression: {error.message}", field=where, span=error.span,
                            hint=error.render(text)) from None


def _regex_escape(text: str) -> str:
    """Escape text for an RE2 pattern (only RE2's metacharacters)."""
    return "".join("\\" + ch if ch in r"\.+*?()|[]{}^$" else ch for ch in text)


def element_expr(key: str, operator: str, value: Any, where: str) -> Any:
    """Element filters read the autocapture elements chain (spec §4.2, type `element`)."""
    ast = _ast()
    if key == "href":
        return compare_expr(ast.Field(("elements_chain_href",)), operator, value, where)
    if key == "text":
        inner = compare_expr(ast.Field(("text",)), operator, value, where)
        return ast.Call("arrayExists", (ast.Lambda(("text",), inner), ast.Field(("elements_chain_texts",))))
    if key in ("selector", "tag_name"):
        if operator not in ("exact", "is_not"):
            raise TemplateError(f"Element {key} filters allow only 'exact' and 'is_not'.", field=f"{where}.operator")
        values = value if isinstance(value, list) else [value]
        patterns = [selector_regex(str(v), f"{where}.value") if key == "selector" else tag_regex(str(v))
                    for v in values]
        matches = tuple(ast.Call("match", (ast.Field(("elements_chain",)), ast.Constant(p))) for p in patterns)
        if operator == "is_not":
            return ast.And(tuple(ast.Not(m) for m in matches)) if len(matches) > 1 else ast.Not(matches[0])
        return ast.Or(matches) if len(matches) > 1 else matches[0]
    raise TemplateError(f"Unknown element filter key {key!r} (expected href, text, selector or tag_name).",
                        field=f"{where}.key")


def tag_regex(tag: str) -> str:
    return f"(^|;){_regex_escape(tag)}{_TAG_NAMES_IN_CHAIN}"


def selector_regex(selector: str, where: str) -> str:
    """A single compound CSS selector (`tag.class#id[attr="v"]`) as a regex over one chain element.

    An element in the chain reads `tag.class1.class2:attr_id="x"href="..."nth-child="1"...`, with
    classes in sorted order. Combinators (descendants, `>`) are not supported yet.
    """
    import re

    text = selector.strip()
    if not text or any(ch in text for ch in " >+~,"):
        raise TemplateError(f"Unsupported selector {selector!r}: only one compound selector "
                            "(tag, .class, #id, [attr=\"value\"]) is supported.", field=where)
    token = re.compile(r"([A-Za-z][A-Za-z0-9-]*)|\.([A-Za-z0-9_-]+)|#([A-Za-z0-9_-]+)|\[([A-Za-z0-9_-]+)=['\"]?([^'\"\]]*)['\"]?\]")
    tag = ""
    classes: list[str] = []
    attributes: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = token.match(text, position)
        if not match:
            raise TemplateError(f"Unsupported selector {selector!r}.", field=where)
        if match.group(1):
            tag = match.group(1)
        elif match.group(2):
            classes.append(match.group(2))
        elif match.group(3):
            attributes.append(("attr_id", match.group(3)))
        else:
            attributes.append((match.group(4), match.group(5)))
        position = match.end()
    pattern = "(^|;)" + (_regex_escape(tag) if tag else "[^.:;]*")
    pattern += "".join(r"(\.[^.:;]+)*\." + _regex_escape(name) for name in sorted(classes))
    pattern += r"(\.[^.:;]+)*"
    pattern += r"(:|;|$)"
    for name, value in attributes:
        pattern += f'[^;]*{_regex_escape(name)}="{_regex_escape(value)}"'
    return pattern


def event_entry_expr(entry: Mapping[str, Any], where: str) -> Any:
    ast = _ast()
    event_id = entry.get("id")
    base = ast.Constant(True) if event_id is None else ast.Compare("==", ast.Field(("event",)), ast.Constant(event_id))
    if entry.get("properties"):
        return ast.And((base, properties_expr(entry["properties"], f"{where}.properties")))
    return base


def action_expr(action: Mapping[str, Any], where: str) -> Any:
    """An action's steps, ORed; each step ANDs its event, element, URL and property matchers (§4.3)."""
    ast = _ast()
    steps = action.get("steps") or []
    if not isinstance(steps, list):
        raise TemplateError("An action's 'steps' must be a list.", field=f"{where}.steps")
    if not steps:
        return ast.Constant(True)
    alternatives = []
    for index, step in enumerate(steps):
        here = f"{where}.steps[{index}]"
        if not isinstance(step, dict):
            raise TemplateError("An action step must be an object.", field=here)
        parts: list[Any] = []
        if step.get("event"):
            parts.append(ast.Compare("==", ast.Field(("event",)), ast.Constant(step["event"])))
        if step.get("selector"):
            pattern = selector_regex(step["selector"], f"{here}.selector")
            parts.append(ast.Call("match", (ast.Field(("elements_chain",)), ast.Constant(pattern))))
        if step.get("tag_name"):
            pattern = tag_regex(step["tag_name"])
            parts.append(ast.Call("match", (ast.Field(("elements_chain",)), ast.Constant(pattern))))
        for key, field_name in (("href", "elements_chain_href"), ("text", None)):
            if step.get(key):
                mode = step.get(f"{key}_matching") or "exact"
                operator = {"exact": "exact", "contains": "icontains", "regex": "regex"}.get(mode)
                if operator is None:
                    raise TemplateError(f"Unknown {key}_matching {mode!r}.", field=f"{here}.{key}_matching")
                if field_name:
                    parts.append(compare_expr(ast.Field((field_name,)), operator, step[key], here))
                else:
                    inner = compare_expr(ast.Field(("text",)), operator, step[key], here)
                    parts.append(ast.Call("arrayExists", (ast.Lambda(("text",), inner),
                                                          ast.Field(("elements_chain_texts",)))))
        if step.get("url"):
            url_field = ast.Field(("properties", "$current_url"))
            mode = step.get("url_matching") or "contains"
            if mode == "exact":
                parts.append(ast.Compare("==", url_field, ast.Constant(step["url"])))
            elif mode == "regex":
                parts.append(ast.Call("ifNull", (ast.Call("match", (ast.Call("toString", (url_field,)),
                                                                    ast.Constant(step["url"]))), ast.Constant(0))))
            elif mode == "contains":
                parts.append(ast.Compare("like", url_field, ast.Constant(f"%{step['url']}%")))
            else:
                raise TemplateError(f"Unknown url_matching {mode!r}.", field=f"{here}.url_matching")
        if step.get("properties"):
            parts.append(properties_expr(step["properties"], f"{here}.properties"))
        if not parts:
            alternatives.append(ast.Constant(True))
        else:
            alternatives.append(parts[0] if len(parts) == 1 else ast.And(tuple(parts)))
    return alternatives[0] if len(alternatives) == 1 else ast.Or(tuple(alternatives))


def build_filter_conjuncts(
    filters: Mapping[str, Any] | None,
    *,
    test_account_filters: list[dict[str, Any]] | None = None,
    actions: Mapping[str, Mapping[str, Any]] | None = None,
    field_name: str = "filters",
) -> CompiledFilters:
    """The labelled conjuncts of a filters object (expressions only; `compile_filters` adds programs)."""
    ast = _ast()
    result = CompiledFilters()
    if not filters:
        return result
    if not isinstance(filters, Mapping):
        raise TemplateError("'filters' must be an object.", field=field_name)
    if filters.get("filter_test_accounts"):
        for index, prop in enumerate(test_account_filters or []):
            where = f"test_account_filters[{index}]"
            result.conjuncts.append(Conjunct(f"test-account filter: {_describe(prop)}", property_expr(prop, where)))
    top_properties = filters.get("properties") or []
    if isinstance(top_properties, dict):  # a property group {type: AND|OR, values: [...]}
        top_properties = [top_properties]
    for index, prop in enumerate(top_properties):
        where = f"{field_name}.properties[{index}]"
        label = _describe(prop) if isinstance(prop, dict) and "values" not in prop else "property group"
        result.conjuncts.append(Conjunct(f"property filter: {label}", property_expr(prop, where)))
    events = filters.get("events") or []
    action_entries = filters.get("actions") or []
    alternatives = []
    names: list[str] = []
    catch_all = False
    for index, entry in enumerate(events):
        alternatives.append(event_entry_expr(entry, f"{field_name}.events[{index}]"))
        if entry.get("id") is None:
            catch_all = True
        else:
            names.append(str(entry["id"]))
    action_names: list[str] = []
    for index, entry in enumerate(action_entries):
        where = f"{field_name}.actions[{index}]"
        action_id = entry.get("id")
        if action_id is None:
            alternatives.append(ast.Constant(False))  # an action entry without an id matches nothing
            continue
        definition = entry if "steps" in entry else (actions or {}).get(str(action_id))
        if definition is None:
            raise TemplateError(f"Action {action_id!r} is not defined: give its steps inline in the action entry "
                                "or pass the action definition.", field=where)
        expr = action_expr(definition, where)
        if entry.get("properties"):
            expr = ast.And((expr, properties_expr(entry["properties"], f"{where}.properties")))
        alternatives.append(expr)
        action_names.append(str(entry.get("name") or action_id))
    if alternatives:
        described = []
        if names or catch_all:
            described.append("events: " + ", ".join(names + (["all events"] if catch_all else [])))
        if action_names:
            described.append("actions: " + ", ".join(action_names))
        expr = alternatives[0] if len(alternatives) == 1 else ast.Or(tuple(alternatives))
        conjunct = Conjunct("events/actions (" + "; ".join(described) + ")", expr)
        result.conjuncts.append(conjunct)
        if events and not action_entries and not catch_all:
            result.event_names = tuple(names)
            # `event == id or ...` with nothing else: the name check below is the whole answer.
            conjunct.by_name = all(not entry.get("properties") and isinstance(entry.get("id"), str)
                                   for entry in events)
    return result


def compile_filters(
    filters: Mapping[str, Any] | None,
    *,
    test_account_filters: list[dict[str, Any]] | None = None,
    actions: Mapping[str, Mapping[str, Any]] | None = None,
    field_name: str = "filters",
) -> CompiledFilters:
    """Compile a filters object once: each conjunct becomes a program returning a boolean."""
    from hoglite.cdp.fastpath import straight_line
    from hoglite.compiler import compile_program

    ast = _ast()
    result = build_filter_conjuncts(filters, test_account_filters=test_account_filters, actions=actions,
                                    field_name=field_name)
    for conjunct in result.conjuncts:
        conjunct.program = compile_program(ast.Program((ast.Return(conjunct.expr),)))
        conjunct.fast = straight_line(conjunct.program.bytecode)
    return result


# ---------------------------------------------------------------------------------------------------
# Evaluation


@dataclass
class FilterOutcome:
    matched: bool
    reason: str | None = None
    error: HogliteError | None = None


def check_filters(compiled: CompiledFilters, filter_globals: Mapping[str, Any],
                  run: Callable[[Any, dict[str, Any]], Any], *, context: Any = None) -> FilterOutcome:
    """Does the event pass? `run(program, globals)` evaluates one compiled conjunct.

    With a `context` (the VM's RunContext for built-ins), conjuncts that fit hoglite.cdp.fastpath
    are evaluated there first; anything else, and anything unusual, goes through `run`.
    """
    from hoglite.cdp.fastpath import FALLBACK

    event_name = filter_globals.get("event")
    if compiled.event_names is not None and event_name not in compiled.event_names:
        return FilterOutcome(False, f"event {event_name!r} is not one of: {', '.join(compiled.event_names)}")
    first_failure: str | None = None
    scope = dict(filter_globals)
    for conjunct in compiled.conjuncts:
        if conjunct.by_name and compiled.event_names is not None and type(event_name) is str:
            continue  # decided by the name check above
        try:
            value = FALLBACK
            if context is not None and conjunct.fast is not None:
                value = conjunct.fast.run(scope, context)
            if value is FALLBACK:
                value = run(conjunct.program, scope)
        except HogliteError as error:
            return FilterOutcome(False, f"filter error in {conjunct.label}: {error}", error)
        if value is not True and first_failure is None:
            first_failure = f"{conjunct.label} did not match"
    if first_failure is not None:
        return FilterOutcome(False, first_failure)
    return FilterOutcome(True)
