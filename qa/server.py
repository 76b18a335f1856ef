"""What ``qa serve`` runs: one FastAPI app on one port with the REST API (``/api``), the
OpenAI-compatible API (``/v1``), their docs (``/docs``, ``/openapi.json``) and the Gradio UI
mounted at ``/`` (with Gradio's ``ask`` endpoint and, with ``QA_MCP=1``, its MCP server).

Safe by default: without ``QA_API_TOKEN`` the server listens on loopback only, because the API
has no login of its own; ``QA_UI_AUTH`` guards the page as before.

>>> app = build_server(Engine(Settings()), server_options(Settings()))  # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=7860)                        # doctest: +SKIP
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time
import webbrowser
from typing import TYPE_CHECKING

from qa.errors import QAError
from qa.settings import Settings
from qa.webapp import (
    ANSWER_CONCURRENCY,
    ServerOptions,
    build_app,
    disable_analytics,
    exposure_warning,
    mount_kwargs,
    server_options,
    warm_up,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI

    from qa.engine import Engine
    from qa.ingest import IngestReport

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SHUTDOWN_SECONDS = 3


class ExposedAPIError(QAError):
    """The API would listen beyond this machine without a token."""


class PortInUseError(QAError):
    """Something already listens on the port the app was asked to use."""


def check_port(host: str, port: int) -> None:
    """Fail in one line, before the encoder loads, when ``port`` is taken (uvicorn would say so
    only after the slow start, in a traceback)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            msg = (
                f"port {port} is in use (another qa serve?): start with --port {port + 1} "
                "(python ui.py: GRADIO_SERVER_PORT), or stop what listens there"
            )
            raise PortInUseError(msg) from None


def check_exposure(options: ServerOptions, settings: Settings) -> None:
    """Refuse to serve the token-less API anywhere but loopback."""
    if options.host in LOOPBACK or options.host.startswith("127.") or settings.api.token:
        return
    msg = (
        f"refusing to serve the API on {options.host} without a token: set QA_API_TOKEN "
        "(clients then send 'Authorization: Bearer <token>'), or listen on 127.0.0.1"
    )
    raise ExposedAPIError(msg)


def build_http(engine: Engine) -> FastAPI:
    """``/api`` and ``/v1`` with their error shapes, behind the token and size guard."""
    from fastapi import FastAPI

    from qa.api import Guard, add_unknown_routes, install_error_handlers, rest_router
    from qa.openai_api import openai_router

    app = FastAPI(
        title="qa",
        summary="Questions answered from your news articles, with verified citations.",
        description=(
            "REST under `/api`, OpenAI-compatible chat under `/v1` (model `qa`), the chat UI "
            "at `/`. With `QA_API_TOKEN` set, send `Authorization: Bearer <token>`."
        ),
        version="1",
    )
    app.include_router(rest_router(engine))
    app.include_router(openai_router(engine))
    add_unknown_routes(app)
    install_error_handlers(app)
    # Outermost, so it also guards Gradio's MCP endpoint once the UI is mounted inside.
    app.add_middleware(Guard, settings=engine.settings)  # type: ignore[arg-type]
    return app


def build_server(engine: Engine, options: ServerOptions) -> FastAPI:
    """The whole app: the HTTP API first, the UI mounted at ``/`` behind it (routes are matched
    in order, so ``/api``, ``/v1`` and ``/docs`` reach the API and the rest reaches Gradio)."""
    disable_analytics()
    import gradio as gr

    app = build_http(engine)
    blocks = build_app(engine)
    blocks.queue(default_concurrency_limit=ANSWER_CONCURRENCY)
    mounted: FastAPI = gr.mount_gradio_app(app, blocks, path="/", **mount_kwargs(options))
    return mounted


def serve(
    settings: Settings | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    open_browser: bool = False,
    watch: Sequence[str] = (),
    every: float = 900.0,
) -> None:
    """Load the engine, then serve the UI and the APIs until interrupted (``qa serve``).

    ``watch`` (and ``<data_dir>/feeds.txt``) are polled every ``every`` seconds in the
    background and ingested through this server's own engine (``qa.watch``)."""
    import uvicorn

    from qa.engine import Engine

    settings = settings or Settings()
    options = server_options(settings, host=host, port=port)
    check_exposure(options, settings)
    check_port(options.host, options.port)
    warning = exposure_warning(options)
    if warning:
        print(warning, file=sys.stderr)
    print("loading the encoder and the index…", file=sys.stderr)
    engine = Engine(settings)
    warm_up(engine)
    app = build_server(engine, options)
    _start_watching(engine, watch, every)
    shown = "localhost" if options.host in {"0.0.0.0", "::"} else options.host
    url = f"http://{shown}:{options.port}/"
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=options.host,
            port=options.port,
            log_level="warning",
            # Open streams (an MCP session, a chat page's queue) must not keep Ctrl-C waiting.
            timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        )
    )
    threading.Thread(
        target=_announce, args=(server, url, open_browser), daemon=True, name="qa-announce"
    ).start()
    server.run()


def _start_watching(engine: Engine, urls: Sequence[str], every: float) -> None:
    """The background poller of ``qa serve --watch``. Always started: each round reads
    feeds.txt again, so a feed added in the Library tab is polled from then on."""
    from qa.errors import friendly
    from qa.watch import Watcher, watched

    watched(engine.settings, urls)  # a bad URL fails `qa serve` at once, not a round later

    def say(report: IngestReport) -> None:
        print(f"watch: {report.summary()}", file=sys.stderr)

    def warn(exc: Exception) -> None:
        print(f"watch: error: {friendly(exc)}", file=sys.stderr)

    Watcher(engine, urls, every=every, on_round=say, on_error=warn).start()


def _announce(server: object, url: str, open_browser: bool) -> None:
    """Say where the app is once uvicorn listens (and open it, if asked)."""
    deadline = time.monotonic() + 120
    while not getattr(server, "started", False):
        if time.monotonic() > deadline:
            return
        time.sleep(0.1)
    print(f"qa: chat at {url}, API docs at {url}docs (Ctrl-C stops)", file=sys.stderr)
    if open_browser:
        webbrowser.open(url)


def main() -> None:
    """``python ui.py``: ``serve()`` with qa's errors as one line, like the ``qa`` command."""
    try:
        serve()
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
