"""The HTTP API that ``qa serve`` mounts beside the UI, on the same port.

``/api`` is qa's own REST API (``rest_router``): ``POST /api/ask`` (JSON, or server-sent events with
``"stream": true``), ``GET /api/stats``, ``GET /api/articles``, ``POST /api/ingest``,
``GET /api/health``. ``/v1`` is the OpenAI-compatible one (``qa.openai_api``). The schema is at
``/openapi.json`` and browsable at ``/docs``.

Thin over the ``Engine``: requests and responses are pydantic models, handlers validate, call one
engine verb and shape the result. ``guard`` (an ASGI middleware) checks the bearer token
(``QA_API_TOKEN``) and the request size before any handler reads a byte.
``qa.server`` puts the routers, the guard and the UI together into one app.
"""

from __future__ import annotations

import hmac
import json
import logging
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi import Query as Param
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from qa.errors import QAError, friendly
from qa.models import MAX_K, Answer, Filters, Query, StreamItem, final_answer
from qa.store import StoreUnavailableError
from qa.webui import ChatUI, safe_filename

if TYPE_CHECKING:
    from qa.engine import Engine
    from qa.settings import Settings

log = logging.getLogger(__name__)

API_PREFIX = "/api"
OPENAI_PREFIX = "/v1"
MCP_PREFIX = "/gradio_api/mcp"
GUARDED_PREFIXES = (API_PREFIX + "/", OPENAI_PREFIX + "/", MCP_PREFIX)
"""Paths the bearer token guards. The UI and Gradio's own ``ask`` endpoint answer to
``QA_UI_AUTH`` instead."""

ANSWER_CONCURRENCY = 4
"""Answers the API computes at once; more requests wait for a slot (the UI has its own four)."""


# -- requests and responses ----------------------------------------------------------------------


class AskRequest(Query):
    """A ``Query`` (question, history, k, since, until, sources, as_of), validated as
    ``qa.ask`` validates it; ``stream`` asks for server-sent events instead of one JSON Answer."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"question": "What did Xi say about sanctions?"}]}
    )

    # A public endpoint caps the work one request can ask for (Python callers are not capped).
    k: int | None = Field(
        None, ge=1, le=MAX_K, strict=True, description="Passages to retrieve (default k)."
    )
    stream: bool = Field(
        False,
        description="Server-sent events: `delta` events with the draft text as it is written, "
        "then one `answer` event with the verified Answer (its text replaces the draft).",
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    chunks: int = Field(description="Chunks in the index (a count, cheap at any size).")
    answerer: str


class Stats(BaseModel):
    """What ``qa stats --json`` prints."""

    model_config = ConfigDict(extra="allow")

    articles: int
    chunks: int
    embedding_model: str
    first_date: date | None = None
    last_date: date | None = None
    sources: int = 0


class ArticleInfo(BaseModel):
    id: str
    title: str
    date: date | None
    source: str
    url: str | None
    chunks: int


class ArticlePage(BaseModel):
    total: int = Field(description="Articles matching the filters, over all pages.")
    offset: int
    limit: int
    articles: list[ArticleInfo]


class IngestPaths(BaseModel):
    """JSON body of ``POST /api/ingest``: files the server reads itself."""

    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(
        default_factory=list,
        description="Files or folders inside QA_API_INGEST_DIR (relative to it, or absolute).",
    )
    urls: list[str] = Field(
        default_factory=list, description="Article or feed URLs (needs feed support)."
    )


class FileOutcome(BaseModel):
    name: str
    outcome: str = Field(description="e.g. '1 added', 'skipped: empty', 'rejected: ...'")


class IngestResult(BaseModel):
    files: list[FileOutcome]
    stats: Stats


class ErrorBody(BaseModel):
    error: str = Field(description="What is wrong and what to do about it.")
    field: str | None = Field(None, description="The request field at fault, when one is.")


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong bearer token (QA_API_TOKEN)."},
    413: {"model": ErrorBody, "description": "Request body over the size limit."},
    422: {"model": ErrorBody, "description": "A field is invalid; `field` names it."},
}


# -- the routes ----------------------------------------------------------------------------------


class _Slots:
    """At most ``ANSWER_CONCURRENCY`` answers at once, one ingest at a time."""

    def __init__(self) -> None:
        self.answers = threading.BoundedSemaphore(ANSWER_CONCURRENCY)
        self.ingest = threading.Lock()


def rest_router(engine: Engine) -> APIRouter:
    """``/api/*`` over ``engine``."""
    router = APIRouter(prefix=API_PREFIX, tags=["qa"], responses=ERRORS)
    slots = _Slots()
    settings = engine.settings

    @router.get("/health", response_model=Health)
    def health() -> Health:
        """The server is up and its index answers."""
        answerer = settings.llm.model if settings.uses_llm else "extractive"
        return Health(chunks=engine.store.count_chunks(), answerer=answerer)

    @router.post(
        "/ask",
        response_model=Answer,
        responses={
            200: {
                "description": "The Answer; with `stream: true`, server-sent events instead.",
                "content": {"text/event-stream": {}},
            }
        },
    )
    def ask(request: AskRequest) -> Any:
        """Answer a question from the articles, with verified citations."""
        if not request.stream:
            with slots.answers:
                return answer_for(engine, request)
        items = stream_for(engine, request)
        # The first step runs here, not in the response: a bad filter still gets a 422.
        with slots.answers:
            first = first_item(items)
        return StreamingResponse(
            closing(_sse(first, items, slots.answers)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.get("/stats", response_model=Stats)
    def stats() -> dict[str, Any]:
        """Articles, chunks, date span, sources and embedding model of the index."""
        return engine.stats()

    @router.get("/articles", response_model=ArticlePage)
    def articles(
        since: date | None = Param(None, description="Dated on/after (YYYY-MM-DD)."),  # noqa: B008
        until: date | None = Param(None, description="Dated on/before (YYYY-MM-DD)."),  # noqa: B008
        source: list[str] | None = Param(None, description="Exact source; repeatable."),  # noqa: B008
        offset: int = Param(0, ge=0),
        limit: int = Param(50, ge=1, le=500),
    ) -> ArticlePage:
        """The ingested articles, newest first, a page at a time."""
        if since and until and since > until:
            raise _field_error("since", f"since {since} is after until {until}")
        ui = ChatUI.for_engine(engine)
        filters = Filters(since=since, until=until, sources=tuple(ui.stored_sources(source) or ()))
        rows = engine.store.articles(filters)
        page = [
            ArticleInfo(
                id=r.id,
                title=r.title,
                date=r.date,
                source=ui.public_source(r.source),
                url=r.url,
                chunks=r.chunks,
            )
            for r in rows[offset : offset + limit]
        ]
        return ArticlePage(total=len(rows), offset=offset, limit=limit, articles=page)

    @router.post(
        "/ingest",
        response_model=IngestResult,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "files": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                }
                            },
                            "required": ["files"],
                        }
                    },
                    "application/json": {"schema": {"$ref": "#/components/schemas/IngestPaths"}},
                },
            }
        },
    )
    async def ingest(request: Request) -> IngestResult:
        """Add articles: upload files (multipart field `files`), or name files the server may
        read (JSON `paths`, inside QA_API_INGEST_DIR; off when that is unset)."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            return await _ingest_uploads(request, engine, slots)
        if kind == "application/json":
            try:
                body = IngestPaths.model_validate_json(await request.body())
            except ValidationError as exc:
                raise RequestValidationError(exc.errors(), body=None) from exc
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(_ingest_paths, body, engine, slots)
        raise HTTPException(
            415,
            "send files as multipart/form-data (field 'files') or paths as application/json",
        )

    return router


def stream_for(engine: Engine, request: AskRequest) -> Iterator[StreamItem]:
    """``engine.stream`` for one request: draft deltas, then the Answer. Sources are named as
    the UI names them: an upload by its file name, never by its path on the server."""
    ui = ChatUI.for_engine(engine)
    query = request.model_copy(update={"sources": ui.stored_sources(request.sources) or ()})
    for item in engine.stream(query):
        yield ui.public_answer(item) if isinstance(item, Answer) else item


def answer_for(engine: Engine, request: AskRequest) -> Answer:
    """The request's Answer; a value the engine refuses becomes a 422 that quotes it."""
    try:
        return final_answer(stream_for(engine, request))
    except ValueError as exc:  # the engine names the bad value it found
        raise _field_error(None, friendly(exc)) from exc


def first_item(items: Iterator[StreamItem]) -> StreamItem | None:
    """The stream's first item, taken before the response starts: a value the engine refuses
    is still a 422, a failing model or store still a 502/503."""
    try:
        return next(items, None)
    except ValueError as exc:
        raise _field_error(None, friendly(exc)) from exc


def _sse(
    first: StreamItem | None, items: Iterator[StreamItem], slot: threading.BoundedSemaphore
) -> Iterator[str]:
    """``event: delta`` per draft piece, then ``event: answer`` (or ``event: error``)."""
    with slot:
        try:
            for item in chained(first, items):
                if isinstance(item, Answer):
                    yield sse_event("answer", item.model_dump(mode="json"))
                else:
                    yield sse_event("delta", {"text": item})
        except Exception as exc:  # headers are gone: the error travels as an event
            log.exception("streaming an answer failed")
            yield sse_event("error", {"error": friendly(exc)})


def chained(first: StreamItem | None, rest: Iterator[StreamItem]) -> Iterator[StreamItem]:
    """``first_item``'s item, then the rest of the stream."""
    if first is not None:
        yield first
    yield from rest


async def closing(events: Iterator[str]) -> AsyncIterator[str]:
    """``events`` for a ``StreamingResponse``, closed the moment the client hangs up. Starlette
    only drops an iterator it stops reading, and a reference cycle kept the engine's stream
    (and the model writing its answer) alive until the garbage collector came by."""
    from starlette.concurrency import iterate_in_threadpool

    try:
        async for event in iterate_in_threadpool(events):
            yield event
    finally:
        # The worker thread has finished its step (a cancelled thread call waits for it), so
        # the generator is not running: closing it runs the engine's cleanup, which closes the
        # model's stream.
        close = getattr(events, "close", None)
        if callable(close):
            close()


def sse_event(event: str | None, data: Any) -> str:
    """One server-sent event; ``data`` as one line of JSON."""
    line = f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
    return f"event: {event}\n{line}" if event else line


async def _ingest_uploads(request: Request, engine: Engine, slots: _Slots) -> IngestResult:
    from starlette.concurrency import run_in_threadpool
    from starlette.datastructures import UploadFile

    form = await request.form(max_files=1000)
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not uploads:
        raise _field_error("files", "no files: send them as multipart field 'files'")
    with tempfile.TemporaryDirectory(prefix="qa-upload-") as tmp:
        staged: list[Path] = []
        for i, upload in enumerate(uploads):
            # One folder per upload: two files of the same name both reach the checks.
            folder = Path(tmp) / str(i)
            folder.mkdir()
            target = folder / safe_filename(upload.filename or "upload")
            target.write_bytes(await upload.read())
            staged.append(target)
        ui = ChatUI.for_engine(engine)

        def run() -> list[tuple[str, str]]:
            with slots.ingest:
                return ui.ingest_files(staged)

        rows = await run_in_threadpool(run)
    return IngestResult(
        files=[FileOutcome(name=n, outcome=o) for n, o in rows], stats=Stats(**engine.stats())
    )


def _ingest_paths(body: IngestPaths, engine: Engine, slots: _Slots) -> IngestResult:
    if body.urls:
        with slots.ingest:
            return ingest_urls(engine, body.urls)
    if not body.paths:
        raise _field_error("paths", "no paths: name files or folders to ingest")
    root = engine.settings.api.ingest_dir
    if root is None:
        raise HTTPException(
            403,
            "ingest by path is off: set QA_API_INGEST_DIR to the folder the server may read, "
            "or upload the files instead",
        )
    root = root.resolve()
    paths = [_inside(root, raw) for raw in body.paths]
    with slots.ingest:
        report = engine.ingest(paths)
    seen = set(report.per_file) | {str(Path(s.path).resolve()) for s in report.skipped}
    rows = [
        FileOutcome(name=_relative(key, root), outcome=report.file_outcome(key))
        for key in sorted(seen)
    ]
    return IngestResult(files=rows, stats=Stats(**engine.stats()))


def _relative(path: str, root: Path) -> str:
    resolved = Path(path).resolve()
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(resolved)


def _inside(root: Path, raw: str) -> Path:
    path = (root / raw).resolve()  # an absolute ``raw`` replaces ``root``; then it must be inside
    if not path.is_relative_to(root):
        raise HTTPException(403, f"{raw!r} is outside QA_API_INGEST_DIR ({root})")
    if not path.exists():
        raise _field_error("paths", f"{raw!r} does not exist under {root}")
    return path


def ingest_urls(engine: Engine, urls: list[str]) -> IngestResult:
    """Ingest articles or RSS/Atom feeds by URL (``qa.feeds``): one row per article page
    (``'1 added'``) and per URL that failed (``'skipped: HTTP 404 not found'``)."""
    from qa.fetch import is_url

    bad = [u for u in urls if not is_url(u)]
    if bad:
        raise _field_error("urls", f"{bad[0]!r} is not an http(s) URL")
    report = engine.ingest(urls)
    rows = [
        FileOutcome(name=origin, outcome=", ".join(f"{n} {what}" for what, n in counts.items()))
        for origin, counts in sorted(report.per_file.items())
    ]
    rows += [
        FileOutcome(
            name=s.path, outcome=f"skipped{f' ({s.record})' if s.record else ''}: {s.reason}"
        )
        for s in report.skipped
    ]
    return IngestResult(files=rows, stats=Stats(**engine.stats()))


# -- errors, token and size ----------------------------------------------------------------------


class FieldError(Exception):
    """A request value the engine or a handler refused; becomes a 422 naming the field."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _field_error(field: str | None, message: str) -> FieldError:
    return FieldError(field, message)


def describe(errors: list[Any]) -> tuple[str | None, str]:
    """The first field pydantic refused and one line about every problem."""
    fields: list[str] = []
    parts: list[str] = []
    for err in errors:
        if err.get("type") == "json_invalid":  # its loc is a character position, not a field
            error = (err.get("ctx") or {}).get("error", "")
            fields.append("")
            parts.append(f"the body is not valid JSON ({error})" if error else "invalid JSON")
            continue
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query")]
        name = ".".join(loc)
        fields.append(name)
        parts.append(f"{name}: {err.get('msg', 'invalid')}" if name else str(err.get("msg")))
    first = next((f for f in fields if f), None)
    return first, "; ".join(parts) or "invalid request"


def error_response(
    request_path: str,
    status: int,
    message: str,
    field: str | None,
    *,
    upstream: Upstream | None = None,
) -> JSONResponse:
    """qa's error shape on ``/api``, OpenAI's on ``/v1`` (so its SDK shows the message).
    ``upstream``: the failure was the chat model's or the store's, not the request's."""
    if request_path.startswith(OPENAI_PREFIX + "/"):
        kind = "authentication_error" if status == 401 else "invalid_request_error"
        body: dict[str, Any] = {
            "error": {
                "message": message,
                "type": upstream.type if upstream else kind,
                "param": field,
                "code": None,
            }
        }
    else:
        body = ErrorBody(error=message, field=field).model_dump()
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if upstream is not None:
        # OpenAI's SDK retries every 5xx unless told not to; a wrong key will not mend itself.
        headers["X-Should-Retry"] = "true" if upstream.transient else "false"
    return JSONResponse(body, status_code=status, headers=headers or None)


@dataclass(frozen=True)
class Upstream:
    """How a failure of the chat model or the store is answered: 503 when trying again later
    may work (a timeout, a lost connection, a 429 or 5xx upstream), 502 when a setting must
    change first (a wrong key or model name, a prompt too long, a server that is not
    OpenAI-compatible)."""

    transient: bool
    type: str = "api_error"

    @property
    def status(self) -> int:
        return 503 if self.transient else 502


def upstream_error(exc: BaseException) -> Upstream:
    """``Upstream`` for a failure; only the chat model's errors know they are not transient."""
    return Upstream(transient=bool(getattr(exc, "transient", True)))


def add_unknown_routes(app: FastAPI) -> None:
    """Paths under ``/api`` and ``/v1`` that no endpoint serves get the API's own error shape
    (not the UI's plain 404, mounted behind): a 405 naming the methods a known path takes,
    else a 404 pointing at the endpoint list. Added after the endpoints, which match first."""
    from starlette.routing import Match

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    endpoints = list(app.router.routes)  # before the catch-alls below are added

    async def unknown(request: Request) -> JSONResponse:
        allowed = [
            method
            for method in methods
            if any(
                route.matches({**request.scope, "method": method})[0] == Match.FULL
                for route in endpoints
            )
        ]
        path = request.url.path
        if allowed:
            raise HTTPException(405, f"{path} takes {' or '.join(allowed)}, not {request.method}")
        raise HTTPException(404, f"no endpoint at {path}: the endpoints are listed at /docs")

    for prefix in ("/api", OPENAI_PREFIX):
        app.add_api_route(
            prefix + "/{rest:path}", unknown, methods=methods, include_in_schema=False
        )


def install_error_handlers(app: FastAPI) -> None:
    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        field, message = describe(list(exc.errors()))
        status = 400 if request.url.path.startswith(OPENAI_PREFIX + "/") else 422
        return error_response(request.url.path, status, message, field)

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FieldError)
        status = 400 if request.url.path.startswith(OPENAI_PREFIX + "/") else 422
        return error_response(request.url.path, status, exc.message, exc.field)

    async def http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return error_response(request.url.path, exc.status_code, str(exc.detail), None)

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The index's server or the chat model failed: the request was fine, the service is not
        # (a bare 500 told an OpenAI client nothing; this says what to do).
        log.warning("%s failed: %s", request.url.path, friendly(exc))
        upstream = upstream_error(exc)
        return error_response(
            request.url.path, upstream.status, friendly(exc), None, upstream=upstream
        )

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(FieldError, refused)
    app.add_exception_handler(HTTPException, http)
    for failure in (QAError, StoreUnavailableError):
        app.add_exception_handler(failure, unavailable)


Scope = MutableMapping[str, Any]
Message_ = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message_]]
Send = Callable[[Message_], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guard:
    """ASGI middleware for the guarded paths: the bearer token, then the body size.

    The token is compared in constant time. The size is checked on ``Content-Length`` and again
    while the body streams in (a chunked request has no length to trust): reading past the limit
    raises a 413 ``HTTPException`` inside the handler that reads.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        token = settings.api.token
        self.token = token.get_secret_value().encode() if token else None
        self.max_json = settings.api.max_request_kb * 1024
        self.max_ingest = settings.api.max_ingest_mb * 1024 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(GUARDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
        if self.token is not None and not self._authorized(headers.get("authorization", b"")):
            message = "missing or wrong bearer token: send 'Authorization: Bearer <QA_API_TOKEN>'"
            await error_response(path, 401, message, None)(scope, receive, send)
            return
        ingest = path == API_PREFIX + "/ingest"
        limit = self.max_ingest if ingest else self.max_json
        too_large = (
            f"the request body is over the {limit // 1024} KB limit "
            f"({'QA_API_MAX_INGEST_MB' if ingest else 'QA_API_MAX_REQUEST_KB'})"
        )
        length = headers.get("content-length", b"")
        if length.isdigit() and int(length) > limit:
            await error_response(path, 413, too_large, None)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message_:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, too_large)
            return message

        await self.app(scope, counted, send)

    def _authorized(self, header: bytes) -> bool:
        assert self.token is not None
        scheme, _, given = header.partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)
