"""Test helpers: a real ``chroma run`` server on 127.0.0.1, and a token-checking proxy in front.

Chroma 1.x's server (the Rust one behind ``chroma run``) has no authentication of its own; the
documented way to require a token is a proxy in front of it (Envoy, nginx). ``TokenProxy`` is
that proxy in thirty lines, so the test proves qa sends ``Authorization: Bearer <token>`` on
every request and works behind such a proxy, and fails clearly without the token.
"""

from __future__ import annotations

import contextlib
import http.client
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from http_server import free_port
from serve_process import stop

CHROMA = Path(sys.executable).with_name("chroma")


@contextlib.contextmanager
def chroma_server(path: Path, *, timeout: float = 30.0) -> Iterator[str]:
    """Run ``chroma run --path PATH`` on a free port; yield its URL once the heartbeat answers."""
    with chroma_server_process(path, timeout=timeout) as (url, _process):
        yield url


@contextlib.contextmanager
def chroma_server_process(
    path: Path, *, timeout: float = 30.0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``chroma_server`` that also yields the process, for tests that kill the server."""
    port = free_port()
    log = (path.parent / f"chroma-{port}.log").open("wb")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                msg = f"chroma run exited with {process.returncode}; see {log.name}"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    msg = f"chroma run did not answer its heartbeat within {timeout} s"
                    raise RuntimeError(msg) from None
                time.sleep(0.05)
        yield url, process
    finally:
        stop(process, timeout=10)
        log.close()


class TokenProxy:
    """Forwards every request to ``upstream`` if it carries ``Authorization: Bearer <token>``;
    answers 401 otherwise. Counts what it refused, so a test can see the check was exercised."""

    def __init__(self, upstream: str, token: str) -> None:
        self.refused = 0
        self.forwarded = 0
        host, port = upstream.removeprefix("http://").split(":")
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {token}":
                    proxy.refused += 1
                    self.send_response(401)
                    self.send_header("Content-Type", "application/json")
                    body = b'{"error":"Unauthorized","message":"missing or wrong token"}'
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                proxy.forwarded += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream_conn = http.client.HTTPConnection(host, int(port), timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream_conn.request(self.command, self.path, body=body, headers=headers)
                response = upstream_conn.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in {"transfer-encoding", "connection", "content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream_conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TokenProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
