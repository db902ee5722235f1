"""The playground's ASGI app (Starlette): one page and a small JSON API (documented in docs/playground.md).

    app = create_app(templates_dirs=[Path("templates")], workdir=Path.cwd())

Runs locally with no network: every asset is served from playground/static (the Content-Security-Policy
forbids anything else), fetches are mocked unless the author switches real fetches on for a run.

Because the server can write template files and (when asked) make real HTTP requests, it only answers
requests meant for it: the Host header must name the address it listens on (no DNS rebinding), and
API calls must be JSON from the page's own origin (a foreign web page cannot forge them: a
cross-origin JSON POST needs a CORS preflight this app never grants).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from playground import seeds, service
from playground.catalog import Catalog, bundled_templates_dir
from playground.service import ApiError

HERE = Path(__file__).resolve().parent
MAX_BODY_BYTES = 2_000_000
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """Adds the CSP and friends to every response (pure ASGI, so streaming static files stay streamed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend([
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ])
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"message": message}
    if field:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status)


class _NumberTooLong(ValueError):
    """From json's parse_int hook: more digits than Python's int() converts (sys.get_int_max_str_digits)."""


def _parse_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:
        raise _NumberTooLong(len(digits.lstrip("-"))) from None


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, refusing foreign origins, other content types and oversized bodies."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        from urllib.parse import urlsplit

        if urlsplit(origin).netloc != request.headers.get("host"):
            raise ApiError(403, "Requests from other web pages are refused.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "Send the request body as JSON (Content-Type: application/json).")
    declared = request.headers.get("content-length")
    # A length with more digits than int() converts is certainly too large (and must not become a 500).
    if declared is not None and declared.isascii() and declared.isdigit() and (
            len(declared) > 18 or int(declared) > MAX_BODY_BYTES):
        raise ApiError(413, f"The request body is too large (at most {MAX_BODY_BYTES} bytes).")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, f"The request body is too large (at most {MAX_BODY_BYTES} bytes).")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=_parse_int)
    except _NumberTooLong as error:
        raise ApiError(400, f"The request body holds a number with {error.args[0]} digits; at most "
                       f"{sys.get_int_max_str_digits()} digits are accepted.") from None
    except UnicodeDecodeError:
        raise ApiError(400, "The request body is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise ApiError(400, f"The request body is not valid JSON: {error.msg} (line {error.lineno}, "
                       f"column {error.colno}).") from None
    except RecursionError:
        raise ApiError(400, "The request body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return data


class Playground:
    """The app's state (catalog, engines) and its route handlers."""

    def __init__(self, catalog: Catalog, *, allow_real_fetch: bool) -> None:
        from hoglite.host.engine import Engine
        from hoglite.net.fetch import FetchPolicy

        self.catalog = catalog
        self.engine = Engine()
        # Real fetches use hoglite's hardened fetcher; the default policy keeps the private-address guard on.
        self.real_engine = Engine(fetch_policy=FetchPolicy()) if allow_real_fetch else None
        self.pages = Jinja2Templates(directory=str(HERE / "templates"))

    def entry(self, data: dict[str, Any]) -> Any:
        ref = data.get("template")
        if not isinstance(ref, str) or not ref:
            raise ApiError(400, "'template' must name a template (a ref from GET /api/templates).", field="template")
        found = self.catalog.find(ref)
        if found is None:
            raise ApiError(404, f"Unknown template {ref!r}; GET /api/templates lists the known ones.", field="template")
        return found

    def template_from(self, data: dict[str, Any]) -> tuple[Any, Any]:
        entry = self.entry(data)
        source = service.check_source(data.get("source"))
        return entry, service.build_template(entry, source, data.get("metadata"))

    # -- pages ----------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        from hoglite.host.engine import compiler_version

        return self.pages.TemplateResponse(request, "index.html", {
            "version": compiler_version(),
            "real_fetch": self.real_engine is not None,
            "workdir": str(self.catalog.workdir),
        })

    # -- API ------------------------------------------------------------------------------------

    async def info(self, request: Request) -> Response:
        from hoglite.host.engine import compiler_version

        return JSONResponse({"version": compiler_version(), "real_fetch_allowed": self.real_engine is not None,
                             "workdir": str(self.catalog.workdir), "max_source_chars": service.MAX_SOURCE_CHARS})

    async def list_templates(self, request: Request) -> Response:
        def scan() -> list[dict[str, Any]]:
            items = []
            for entry in self.catalog.scan():
                item = entry.summary()
                if entry.folder is None:
                    item.update(id=service.blank_template().id, name="Blank template")
                else:
                    try:
                        meta = json.loads((entry.folder / "template.json").read_text(encoding="utf-8"))
                        item.update(id=meta.get("id"), name=meta.get("name"), description=meta.get("description"))
                    except (OSError, ValueError, AttributeError):
                        item.update(id=None, name=entry.folder.name, broken=True)
                items.append(item)
            return items

        return JSONResponse({"templates": await run_in_threadpool(scan)})

    async def get_template(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        entry = self.catalog.find(ref)
        if entry is None:
            raise ApiError(404, f"Unknown template {ref!r}; GET /api/templates lists the known ones.", field="template")
        return JSONResponse(await run_in_threadpool(service.template_detail, entry))

    async def samples(self, request: Request) -> Response:
        return JSONResponse({"samples": seeds.sample_events()})

    async def compile(self, request: Request) -> Response:
        data = await read_json(request)
        source = service.check_source(data.get("source"))
        result = await run_in_threadpool(service.compile_code, source)
        if data.get("javascript"):
            result["javascript"] = await run_in_threadpool(service.transpile_code, source)
        return JSONResponse(result)

    async def transpile(self, request: Request) -> Response:
        data = await read_json(request)
        source = service.check_source(data.get("source"))
        return JSONResponse(await run_in_threadpool(service.transpile_code, source))

    async def run(self, request: Request) -> Response:
        data = await read_json(request)
        _, template = await run_in_threadpool(self.template_from, data)
        fetch_mode = data.get("fetch_mode", "mock")
        result = await run_in_threadpool(
            lambda: service.run_template(self.engine, self.real_engine, template, event=data.get("event"),
                                         inputs=data.get("inputs"), mocks=data.get("mocks"), fetch_mode=fetch_mode))
        return JSONResponse(result)

    async def test(self, request: Request) -> Response:
        data = await read_json(request)
        _, template = await run_in_threadpool(self.template_from, data)
        return JSONResponse(await run_in_threadpool(service.run_tests, template))

    async def save(self, request: Request) -> Response:
        data = await read_json(request)
        entry, template = await run_in_threadpool(self.template_from, data)
        result = await run_in_threadpool(service.save, self.catalog, entry, template, folder_name=data.get("folder"))
        return JSONResponse(result)

    async def export(self, request: Request) -> Response:
        data = await read_json(request)
        _, template = await run_in_threadpool(self.template_from, data)
        return JSONResponse(service.export(template))


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error(exc.status, exc.message, exc.field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/") or exc.status_code != 404:
        message = {404: "No such API route.", 405: "Method not allowed for this route."}.get(exc.status_code,
                                                                                          str(exc.detail))
        return _error(exc.status_code, message)
    return Response("Not found", status_code=404, media_type="text/plain")


async def _internal_error(request: Request, exc: Exception) -> Response:
    # A bug of ours, not the author's: say so plainly (the server keeps running).
    return _error(500, f"Internal error in the playground: {type(exc).__name__}: {exc}")


def create_app(*, templates_dirs: list[Path] | None = None, workdir: Path | None = None, host: str = "127.0.0.1",
               allow_real_fetch: bool = True) -> Starlette:
    """The playground app. `templates_dirs` default to hoglite's bundled templates; `workdir` to the cwd."""
    if templates_dirs is None:
        bundled = bundled_templates_dir()
        templates_dirs = [bundled] if bundled is not None else []
    catalog = Catalog(list(templates_dirs), workdir or Path.cwd())
    playground = Playground(catalog, allow_real_fetch=allow_real_fetch)

    def post(path: str, handler: Callable[[Request], Awaitable[Response]]) -> Route:
        return Route(path, handler, methods=["POST"])

    routes = [
        Route("/", playground.index),
        Route("/api/info", playground.info),
        Route("/api/templates", playground.list_templates),
        Route("/api/templates/{ref:path}", playground.get_template),
        Route("/api/samples", playground.samples),
        post("/api/compile", playground.compile),
        post("/api/transpile", playground.transpile),
        post("/api/run", playground.run),
        post("/api/test", playground.test),
        post("/api/save", playground.save),
        post("/api/export", playground.export),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    allowed = ["*"] if host in ("0.0.0.0", "::", "") else sorted({*LOOPBACK_HOSTS, host})
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(TrustedHostMiddleware, allowed_hosts=allowed)],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.playground = playground
    return app
