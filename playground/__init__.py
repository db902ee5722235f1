"""The hoglite playground: a local web app for writing, running and testing Hog destination templates.

`create_app(...)` builds the ASGI app (see playground.app); `hoglite playground` serves it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(**options: Any) -> Any:
    from playground.app import create_app as build

    return build(**options)
