"""Destination templates: the model, the on-disk folder format, validation and PostHog JSON interop.

A template folder holds:

```
templates/<name>/
  template.json      metadata with PostHog's field names (id, name, description, type, status, category,
                     inputs_schema, filters, ...), everything except the code
  template.hog       the Hog code
  samples/*.json     sample events (PostHog-style event JSON, or globals given directly)
  tests/*.json       test cases (one case per file; see hoglite.testing.cases)
```

PostHog exports a template as one JSON record with the code inline under `code` (older records say
`hog`). `Template.from_posthog` / `Template.to_posthog` convert without loss: fields hoglite does not
know are kept in `extra` and written back in their original order, so a PostHog template survives an
import, a save to a folder, a load and an export unchanged.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoglite.errors import TemplateError

METADATA_FILE = "template.json"
CODE_FILE = "template.hog"
SAMPLES_DIR = "samples"
TESTS_DIR = "tests"

TEMPLATE_TYPES = ("destination", "transformation", "internal_destination", "source_webhook",
                  "site_destination", "site_app")
SUPPORTED_TYPES = ("destination",)
STATUSES = ("alpha", "beta", "stable", "deprecated", "coming_soon", "hidden")

# The fields hoglite models, in PostHog's usual order. Anything else is kept verbatim in `extra`.
KNOWN_FIELDS = ("id", "name", "description", "type", "status", "free", "category", "icon_url",
                "code_language", "code", "inputs_schema", "filters", "mapping_templates", "masking")


class TemplateValidationError(TemplateError):
    """Every problem found in one template. `errors` holds one TemplateError per problem."""

    def __init__(self, errors: list[TemplateError]) -> None:
        first = errors[0]
        super().__init__(first.message, field=first.field, file=first.file, span=first.span, hint=first.hint)
        self.errors = errors

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        lines = [f"{len(self.errors)} problems in template:"]
        lines.extend(f"  {error}" for error in self.errors)
        return "\n".join(lines)


@dataclass
class Template:
    """One destination template. Field names are PostHog's."""

    id: str
    name: str
    code: str
    description: str = ""
    type: str = "destination"
    status: str = "alpha"
    category: list[str] = field(default_factory=list)
    inputs_schema: list[dict[str, Any]] = field(default_factory=list)
    filters: dict[str, Any] | None = None
    mapping_templates: list[dict[str, Any]] | None = None
    masking: dict[str, Any] | None = None
    free: bool | None = None
    icon_url: str | None = None
    code_language: str | None = "hog"
    # Unknown PostHog fields, and the original key order (so exports are byte-for-byte stable).
    extra: dict[str, Any] = field(default_factory=dict)
    key_order: list[str] = field(default_factory=list)
    # Folder contents besides the metadata (not part of PostHog's record).
    folder: Path | None = None
    samples: dict[str, Any] = field(default_factory=dict)
    tests: dict[str, Any] = field(default_factory=dict)

    # -- lookups --------------------------------------------------------------------------------

    def input_schema(self, key: str) -> dict[str, Any] | None:
        for item in self.inputs_schema:
            if isinstance(item, dict) and item.get("key") == key:
                return item
        return None

    @property
    def metadata_path(self) -> str:
        return str(self.folder / METADATA_FILE) if self.folder else METADATA_FILE

    @property
    def code_path(self) -> str:
        # Read by every invocation (compile-cache check, result); a pathlib join costs several
        # microseconds, so the text is kept for as long as `folder` and `id` are the same objects.
        folder, template_id = self.folder, self.id
        memo = self.__dict__.get("_code_path_memo")
        if memo is not None and memo[0] is folder and memo[1] is template_id:
            return memo[2]
        path = str(folder / CODE_FILE) if folder else f"{template_id}.hog"
        self.__dict__["_code_path_memo"] = (folder, template_id, path)
        return path

    # -- PostHog JSON ---------------------------------------------------------------------------

    @classmethod
    def from_posthog(cls, data: dict[str, Any], *, file: str | None = None) -> Template:
        """Build a template from PostHog's JSON record (code inline under `code`, or `hog`)."""
        if not isinstance(data, dict):
            raise TemplateError("A template must be a JSON object.", file=file)
        record = dict(data)
        code_key = "code" if "code" in record else "hog" if "hog" in record else None
        code = record.get(code_key) if code_key else None
        key_order = list(record.keys())
        known = {key: record[key] for key in KNOWN_FIELDS if key in record and key != "code"}
        extra = {key: value for key, value in record.items() if key not in KNOWN_FIELDS and key != "hog"}
        if code_key == "hog" and "code" in record:
            extra["hog"] = record["hog"]
        return cls(
            id=known.get("id"),  # type: ignore[arg-type]  # validate() reports a missing id
            name=known.get("name"),  # type: ignore[arg-type]
            code=code,  # type: ignore[arg-type]
            description=known.get("description", ""),
            type=known.get("type", "destination"),
            status=known.get("status", "alpha"),
            category=known.get("category", []),
            inputs_schema=known.get("inputs_schema", []),
            filters=known.get("filters"),
            mapping_templates=known.get("mapping_templates"),
            masking=known.get("masking"),
            free=known.get("free"),
            icon_url=known.get("icon_url"),
            code_language=known.get("code_language"),
            extra=extra,
            key_order=key_order,
        )

    def to_posthog(self, *, include_code: bool = True) -> dict[str, Any]:
        """The PostHog JSON record. Keys come out in the order they were read (new keys last).

        A field that was absent when the template was read stays absent unless it now differs from
        its default, so an import followed by an export gives back exactly the record imported.
        """
        values: dict[str, Any] = {}
        for key in KNOWN_FIELDS:
            if key == "code":
                continue
            value = getattr(self, key)
            if key not in self.key_order and (
                value is None or (self.key_order and value == _IMPORT_DEFAULTS.get(key, _NO_DEFAULT))
            ):
                continue
            values[key] = value
        values.update(self.extra)
        code_key = "hog" if "hog" in self.key_order and "code" not in self.key_order else "code"
        if include_code:
            values[code_key] = self.code
        order = [key for key in self.key_order if key in values]
        if include_code and code_key not in order:
            # The code position is not stored on disk: put it where PostHog does, after code_language.
            anchor = order.index("code_language") + 1 if "code_language" in order else len(order)
            order.insert(anchor, code_key)
        order.extend(key for key in values if key not in order)
        return {key: values[key] for key in order}

    def metadata(self) -> dict[str, Any]:
        """What goes into template.json: the PostHog record without the code."""
        return self.to_posthog(include_code=False)


# The values from_posthog fills in for absent fields: such a field is left out of the export again.
_IMPORT_DEFAULTS: dict[str, Any] = {"description": "", "type": "destination", "status": "alpha",
                                    "category": [], "inputs_schema": []}
_NO_DEFAULT = object()


# ---------------------------------------------------------------------------------------------------
# Folders


class _NumberTooLong(ValueError):
    """From json's parse_int hook: more digits than Python's int() converts (sys.get_int_max_str_digits)."""


def _parse_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:
        raise _NumberTooLong(len(digits.lstrip("-"))) from None


def _read_text(path: Path, *, field: str | None = None) -> str:
    """A template file's text; unreadable or non-UTF-8 files become a TemplateError naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise TemplateError(f"Not UTF-8 text: {error}", file=str(path), field=field) from None
    except OSError as error:
        raise TemplateError(f"Cannot read file: {error.strerror or error}", file=str(path), field=field) from None


def _read_json(path: Path) -> Any:
    text = _read_text(path)
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise TemplateError(f"Invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                            file=str(path)) from None
    except RecursionError:
        # Python's json recurses once per nesting level, so a hostile file can exhaust the stack.
        raise TemplateError("Invalid JSON: nested too deeply.", file=str(path)) from None
    except _NumberTooLong as error:
        raise TemplateError(f"Invalid JSON: a number with {error.args[0]} digits is too long "
                            f"(at most {sys.get_int_max_str_digits()} digits).", file=str(path)) from None


def load_template(path: str | Path, *, validate: bool = True) -> Template:
    """Load a template folder (or a PostHog template JSON file with inline code)."""
    path = Path(path)
    if path.is_file():
        data = _read_json(path)
        template = Template.from_posthog(data, file=str(path))
        if template.code is None and path.name == METADATA_FILE:
            path = path.parent
        else:
            if validate:
                _raise_if_invalid(validate_template(template, file=str(path)))
            return template
    if not path.is_dir():
        raise TemplateError("No such template folder or file.", file=str(path))
    metadata_path = path / METADATA_FILE
    if not metadata_path.is_file():
        raise TemplateError(f"Missing {METADATA_FILE} in the template folder.", file=str(path))
    data = _read_json(metadata_path)
    if not isinstance(data, dict):
        raise TemplateError("A template must be a JSON object.", file=str(metadata_path))
    code_path = path / CODE_FILE
    if "code" in data or "hog" in data:
        raise TemplateError(f"The code belongs in {CODE_FILE}, not inline in {METADATA_FILE}.",
                            file=str(metadata_path), field="code" if "code" in data else "hog")
    if not code_path.is_file():
        raise TemplateError(f"Missing {CODE_FILE} in the template folder.", file=str(path))
    record = dict(data)
    record["code"] = _read_text(code_path, field="code")
    template = Template.from_posthog(record, file=str(metadata_path))
    template.key_order = list(data)  # the code position is not stored on disk
    template.folder = path
    template.samples = {p.stem: _read_json(p) for p in sorted((path / SAMPLES_DIR).glob("*.json"))}
    template.tests = {p.stem: _read_json(p) for p in sorted((path / TESTS_DIR).glob("*.json"))}
    if validate:
        _raise_if_invalid(validate_template(template))
    return template


def save_template(template: Template, folder: str | Path) -> Path:
    """Write a template folder: template.json, template.hog, samples/ and tests/."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / METADATA_FILE).write_text(_dump_json(template.metadata()), encoding="utf-8")
    code = template.code or ""
    (folder / CODE_FILE).write_text(code if code.endswith("\n") or not code else code + "\n", encoding="utf-8")
    for directory, entries in ((SAMPLES_DIR, template.samples), (TESTS_DIR, template.tests)):
        if entries:
            (folder / directory).mkdir(exist_ok=True)
            for name, content in entries.items():
                (folder / directory / f"{name}.json").write_text(_dump_json(content), encoding="utf-8")
    template.folder = folder
    return folder


def import_posthog(source: str | Path | dict[str, Any], folder: str | Path) -> Template:
    """Convert a PostHog template JSON record (a dict or a .json file) into a template folder."""
    data = _read_json(Path(source)) if not isinstance(source, dict) else source
    template = Template.from_posthog(data, file=None if isinstance(source, dict) else str(source))
    _raise_if_invalid(validate_template(template))
    save_template(template, folder)
    return template


def export_posthog(template: Template | str | Path) -> dict[str, Any]:
    """The PostHog JSON record of a template (or of a template folder), code inline."""
    if not isinstance(template, Template):
        template = load_template(template)
    return template.to_posthog()


def _dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def find_template_folders(paths: list[str | Path]) -> list[Path]:
    """Every template folder at or below the given paths (a folder is one with a template.json)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            path = path.parent if path.name == METADATA_FILE else path
        if (path / METADATA_FILE).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p.parent for p in path.rglob(METADATA_FILE)))
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


# ---------------------------------------------------------------------------------------------------
# Validation


def _raise_if_invalid(errors: list[TemplateError]) -> None:
    if errors:
        raise TemplateValidationError(errors)


def validate_template(template: Template, *, file: str | None = None, compile_code: bool = True) -> list[TemplateError]:
    """Every problem with the template's metadata (and its code, when a compiler is available)."""
    from hoglite.cdp import filters as filters_module  # local: filters imports this module's neighbours
    from hoglite.cdp import inputs as inputs_module

    meta = file or template.metadata_path
    errors: list[TemplateError] = []

    def problem(message: str, field_name: str | None, where: str | None = None) -> None:
        errors.append(TemplateError(message, field=field_name, file=where or meta))

    for key in ("id", "name"):
        value = getattr(template, key)
        if not isinstance(value, str) or not value.strip():
            problem(f"'{key}' must be a non-empty string.", key)
    if not isinstance(template.description, str):
        problem("'description' must be a string.", "description")
    if template.type not in TEMPLATE_TYPES:
        problem(f"Unknown template type {template.type!r}; expected one of: {', '.join(TEMPLATE_TYPES)}.", "type")
    elif template.type not in SUPPORTED_TYPES:
        problem(f"Template type {template.type!r} is not supported by hoglite (only 'destination').", "type")
    if template.status not in STATUSES:
        problem(f"Unknown status {template.status!r}; expected one of: {', '.join(STATUSES)}.", "status")
    if not isinstance(template.category, list) or not all(isinstance(c, str) for c in template.category):
        problem("'category' must be a list of strings.", "category")
    if template.free is not None and not isinstance(template.free, bool):
        problem("'free' must be a boolean.", "free")
    if template.icon_url is not None and not isinstance(template.icon_url, str):
        problem("'icon_url' must be a string.", "icon_url")
    if template.code_language not in (None, "hog"):
        problem(f"code_language {template.code_language!r} is not supported (only 'hog').", "code_language")
    if not isinstance(template.code, str) or not template.code.strip():
        problem("The template has no code.", "code", template.code_path if template.folder else meta)

    errors.extend(inputs_module.validate_schema(template.inputs_schema, file=meta))
    if template.filters is not None:
        errors.extend(filters_module.validate_filters(template.filters, field_name="filters", file=meta))
    if template.mapping_templates is not None:
        errors.extend(_validate_mappings(template, meta))
    if template.masking is not None:
        masking = template.masking
        if not isinstance(masking, dict):
            problem("'masking' must be an object.", "masking")
        else:
            if not isinstance(masking.get("hash"), str) or not masking.get("hash"):
                problem("'masking.hash' must be a non-empty template string.", "masking.hash")
            for key in ("ttl", "threshold"):
                value = masking.get(key)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                    problem(f"'masking.{key}' must be a non-negative integer or null.", f"masking.{key}")

    if compile_code and isinstance(template.code, str) and template.code.strip():
        error = _compile_error(template)
        if error is not None:
            errors.append(error)
    return errors


def _validate_mappings(template: Template, meta: str) -> list[TemplateError]:
    from hoglite.cdp import filters as filters_module
    from hoglite.cdp import inputs as inputs_module

    errors: list[TemplateError] = []
    mappings = template.mapping_templates
    if not isinstance(mappings, list):
        return [TemplateError("'mapping_templates' must be a list.", field="mapping_templates", file=meta)]
    top_keys = {item.get("key") for item in template.inputs_schema if isinstance(item, dict)}
    for index, mapping in enumerate(mappings):
        where = f"mapping_templates[{index}]"
        if not isinstance(mapping, dict):
            errors.append(TemplateError("A mapping template must be an object.", field=where, file=meta))
            continue
        if not isinstance(mapping.get("name"), str) or not mapping["name"]:
            errors.append(TemplateError("A mapping template needs a 'name'.", field=f"{where}.name", file=meta))
        schema = mapping.get("inputs_schema") or []
        errors.extend(inputs_module.validate_schema(schema, file=meta, field_prefix=f"{where}.inputs_schema"))
        for item_index, item in enumerate(schema if isinstance(schema, list) else []):
            if isinstance(item, dict) and item.get("key") in top_keys:
                errors.append(TemplateError(
                    f"Input key {item.get('key')!r} is already used by the template's inputs_schema.",
                    field=f"{where}.inputs_schema[{item_index}].key", file=meta))
        if mapping.get("filters") is not None:
            errors.extend(filters_module.validate_filters(mapping["filters"], field_name=f"{where}.filters", file=meta))
    return errors


def _compile_error(template: Template) -> TemplateError | None:
    """Compile the code; a syntax error becomes a TemplateError pointing into template.hog."""
    from hoglite.cdp.invocation import compile_template_code
    from hoglite.errors import HogliteError

    try:
        compile_template_code(template)
    except ImportError:  # a build without the parser: nothing to check the code against
        return None
    except HogliteError as error:
        if isinstance(error, TemplateError):
            return error
        return TemplateError(f"Hog code has errors: {error.message}", field="code",
                             file=template.code_path, span=error.span, hint=error.hint)
    return None
