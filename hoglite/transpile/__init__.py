"""The JavaScript back end: Hog to readable JavaScript with a small runtime (see javascript.py)."""

from hoglite.transpile.javascript import (
    TranspileResult,
    js_identifier,
    js_string,
    transpile_program,
    transpile_source,
)

__all__ = ["TranspileResult", "js_identifier", "js_string", "transpile_program", "transpile_source"]
