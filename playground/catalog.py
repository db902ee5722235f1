"""Which templates the playground offers, and how the API refers to them.

Three origins, each listed under its own heading in the picker:

* `bundled`: the template folders shipped with hoglite (the repository's templates/, or folders given
  with `--templates-dir`);
* `workdir`: template folders in the working folder (the folder itself, its direct sub-folders, and
  the sub-folders of its templates/ folder), unless they are bundled ones already;
* `blank`: a new, empty destination template, saved into the working folder under a name the author picks.

A template is referred to by a `ref`, `<origin>/<folder name>` (or `blank`). Refs are resolved against
a fresh scan each time, so folders created while the server runs show up, and a client can never
name a path: only folders found by the scan can be read or written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoglite.cdp.template import METADATA_FILE, Template

BLANK_REF = "blank"
BLANK_CODE = """// A new destination. `event`, `person` and `inputs` are globals; fetch() is mocked in the playground.
let payload := {
    'event': event.event,
    'distinct_id': event.distinct_id,
    'properties': event.properties
}

let res := fetch(inputs.url, {
    'method': 'POST',
    'headers': {'Content-Type': 'application/json'},
    'body': payload
})

if (res.status >= 400) {
    throw Error(f'Request failed with status {res.status}: {res.body}')
}
print(f'Sent {event.event} ({res.status})')
"""
BLANK_METADATA: dict[str, Any] = {
    "id": "template-my-destination",
    "name": "My destination",
    "description": "Send events to my service",
    "type": "destination",
    "status": "alpha",
    "category": [],
    "code_language": "hog",
    "inputs_schema": [
        {"key": "url", "type": "string", "label": "Endpoint URL", "default": "https://example.com/hooks/posthog",
         "secret": False, "required": True},
    ],
}
FOLDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def bundled_templates_dir() -> Path | None:
    """The templates/ folder next to the hoglite package (a source checkout or an editable install)."""
    import hoglite

    candidate = Path(hoglite.__file__).resolve().parent.parent / "templates"
    return candidate if candidate.is_dir() else None


@dataclass(frozen=True)
class TemplateEntry:
    ref: str
    origin: str  # bundled | workdir | blank
    folder: Path | None

    def summary(self) -> dict[str, Any]:
        return {"ref": self.ref, "origin": self.origin, "folder": self.folder.name if self.folder else None}


def _folders_in(directory: Path) -> list[Path]:
    """Template folders at `directory` and one level below it (no deep walk of arbitrary trees)."""
    if not directory.is_dir():
        return []
    found = [directory] if (directory / METADATA_FILE).is_file() else []
    try:
        children = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return found
    found.extend(child for child in children if (child / METADATA_FILE).is_file())
    return found


class Catalog:
    """Scans the template folders; resolves refs to entries."""

    def __init__(self, templates_dirs: list[Path], workdir: Path) -> None:
        self.templates_dirs = [Path(p).resolve() for p in templates_dirs]
        self.workdir = Path(workdir).resolve()

    def scan(self) -> list[TemplateEntry]:
        entries: list[TemplateEntry] = []
        seen: set[Path] = set()
        used_refs: set[str] = set()

        def add(origin: str, folder: Path) -> None:
            resolved = folder.resolve()
            if resolved in seen:
                return
            seen.add(resolved)
            ref = f"{origin}/{folder.name}"
            suffix = 2
            while ref in used_refs:  # two folders with the same name in different places
                ref = f"{origin}/{folder.name}-{suffix}"
                suffix += 1
            used_refs.add(ref)
            entries.append(TemplateEntry(ref, origin, resolved))

        for directory in self.templates_dirs:
            for folder in _folders_in(directory):
                add("bundled", folder)
        for directory in (self.workdir, self.workdir / "templates"):
            for folder in _folders_in(directory):
                add("workdir", folder)
        entries.append(TemplateEntry(BLANK_REF, "blank", None))
        return entries

    def find(self, ref: str) -> TemplateEntry | None:
        for entry in self.scan():
            if entry.ref == ref:
                return entry
        return None

    def new_folder(self, name: str) -> Path:
        """The folder a blank template named `name` is saved to (inside the working folder)."""
        return self.workdir / name


def blank_template() -> Template:
    record = dict(BLANK_METADATA)
    record["code"] = BLANK_CODE
    return Template.from_posthog(record)
