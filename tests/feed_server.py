"""A real news site on 127.0.0.1 for tests and benchmarks: article pages, RSS and Atom feeds, and
every way a site can go wrong.

The articles are real development articles (../shared/data/realtimeqa-2022), loaded at run time
and rendered as HTML pages; nothing of their text is stored in the repository. The site answers
conditional GETs (ETag and Last-Modified), honours nothing it is not asked to, and records every
request, so tests can count what a second run cost::

    with NewsSite(articles) as site:
        site.url("/feed.xml")          # RSS 2.0 linking to every page
        site.requests                  # [(path, headers), ...]

Bad cases live at fixed paths (see ``BAD``); ``robots.txt`` disallows ``/private/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

SHARED_ARTICLES = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "realtimeqa-2022"
) / "articles.jsonl"

BAD = {
    "/missing.html": "HTTP 404",
    "/gone.html": "HTTP 410",
    "/broken.html": "HTTP 500",
    "/busy.html": "HTTP 429",
    "/stall.html": "timed out",
    "/loop.html": "redirect loop",
    "/empty.html": "no article text",
    "/huge.html": "MB limit",
    "/photo.png": "not an HTML page",
    "/private/secret.html": "robots.txt",
}
"""Paths that fail, and words the reason given for each must contain."""


def load_articles(n: int, skip: int = 0) -> list[dict[str, Any]]:
    """``n`` real development articles, read at run time."""
    rows: list[dict[str, Any]] = []
    with SHARED_ARTICLES.open(encoding="utf-8") as lines:
        for line in lines:
            rows.append(json.loads(line))
            if len(rows) == skip + n:
                break
    return rows[skip:]


@dataclass
class Page:
    """One article as the site publishes it."""

    slug: str
    title: str
    published: datetime
    text: str

    def html(self) -> str:
        paragraphs = "".join(
            f"<p>{html.escape(p)}</p>\n" for p in self.text.split("\n") if p.strip()
        )
        return (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title>"
            f"<meta property='article:published_time' content='{self.published.isoformat()}'>"
            "</head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
            f"<article><h1>{html.escape(self.title)}</h1>\n{paragraphs}</article>"
            "<footer>Copyright the publisher. All rights reserved.</footer></body></html>"
        )


def page_from_row(row: dict[str, Any], slug: str) -> Page:
    day = datetime.strptime(row["date"].replace("/", "-")[:10], "%Y-%m-%d").replace(
        hour=12, tzinfo=UTC
    )
    return Page(slug=slug, title=row["title"], published=day, text=row["text"])


@dataclass
class NewsSite:
    """The site: ``pages`` by slug, feeds over them, the bad cases; thread-safe to change."""

    pages: dict[str, Page] = field(default_factory=dict)
    extra_items: list[str] = field(default_factory=list)  # links the feeds list beyond pages
    linkless_item: bool = True  # the RSS feed carries one item without a link
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    stall_seconds: float = 30.0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, rows: Sequence[dict[str, Any]]) -> NewsSite:
        return cls(pages={f"story-{i}": page_from_row(r, f"story-{i}") for i, r in enumerate(rows)})

    def __enter__(self) -> Self:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.requests.append((self.path, dict(self.headers.items())))
                    site.arrivals.append(time.monotonic())
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    site._answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def page_url(self, slug: str) -> str:
        return self.url(f"/news/{slug}.html")

    def hits(self, prefix: str) -> list[tuple[str, dict[str, str]]]:
        with self._lock:
            return [r for r in self.requests if r[0].startswith(prefix)]

    def add(self, page: Page) -> None:
        with self._lock:
            self.pages[page.slug] = page

    # -- answering ----------------------------------------------------------------------------

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        if path == "/robots.txt":
            return _send(h, 200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
        if path in {"/feed.xml", "/atom.xml"}:
            body = (self._rss() if path == "/feed.xml" else self._atom()).encode()
            kind = "application/rss+xml" if path == "/feed.xml" else "application/atom+xml"
            return _send_validated(h, kind, body, self._newest())
        if path.startswith("/news/") and path.endswith(".html"):
            with self._lock:
                page = self.pages.get(path[len("/news/") : -len(".html")])
            if page is None:
                return _send(h, 404, "text/html", b"<h1>Not found</h1>")
            return _send_validated(h, "text/html; charset=utf-8", page.html().encode(), None)
        return self._bad(h, path)

    def _bad(self, h: BaseHTTPRequestHandler, path: str) -> None:
        if path == "/gone.html":
            return _send(h, 410, "text/html", b"<h1>Gone</h1>")
        if path == "/broken.html":
            return _send(h, 500, "text/html", b"<h1>Internal Server Error</h1>")
        if path == "/busy.html":
            return _send(h, 429, "text/plain", b"slow down", {"Retry-After": "120"})
        if path == "/stall.html":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            h.wfile.write(b"<html><body>")
            h.wfile.flush()
            time.sleep(self.stall_seconds)
            return None
        if path in {"/loop.html", "/loop-again.html"}:
            target = "/loop-again.html" if path == "/loop.html" else "/loop.html"
            return _send(h, 302, "text/html", b"", {"Location": target})
        if path == "/empty.html":
            shell = b"<html><head><title>App</title></head><body><script>go()</script></body>"
            return _send(h, 200, "text/html", shell + b"</html>")
        if path == "/huge.html":
            return _send_huge(h, 30 * 1024 * 1024)
        if path == "/photo.png":
            return _send(h, 200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        if path == "/notxml.xml":
            return _send(h, 200, "application/rss+xml", b"this is { not xml at all ]")
        if path == "/private/secret.html":
            return _send(h, 200, "text/html", b"<article><p>secret</p></article>")
        return _send(h, 404, "text/html", b"<h1>Not found</h1>")

    def _items(self) -> Iterator[tuple[str, str, datetime | None]]:
        with self._lock:
            pages = sorted(self.pages.values(), key=lambda p: p.published, reverse=True)
            extra = list(self.extra_items)
        for page in pages:
            yield page.title, self.page_url(page.slug), page.published
        for link in extra:
            yield f"Item at {link}", link, None

    def _newest(self) -> str:
        """A validator that changes whenever the feed's content would."""
        with self._lock:
            state = sorted((p.slug, p.title, p.text) for p in self.pages.values())
            state_text = json.dumps([state, self.extra_items, self.linkless_item])
        return hashlib.sha1(state_text.encode()).hexdigest()

    def _rss(self) -> str:
        items = []
        for title, link, when in self._items():
            date = f"<pubDate>{format_datetime(when)}</pubDate>" if when else ""
            items.append(
                f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
                f"{date}</item>"
            )
        if self.linkless_item:
            items.append("<item><title>A headline with no link</title></item>")
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Test News</title><link>{self.base}/</link>"
            f"<description>Real articles for tests</description>{''.join(items)}"
            "</channel></rss>"
        )

    def _atom(self) -> str:
        entries = []
        for title, link, when in self._items():
            stamp = (when or datetime(2022, 1, 1, tzinfo=UTC)).isoformat()
            entries.append(
                f"<entry><title>{html.escape(title)}</title>"
                f"<link href='{html.escape(link)}'/><id>{html.escape(link)}</id>"
                f"<updated>{stamp}</updated></entry>"
            )
        return (
            "<?xml version='1.0' encoding='utf-8'?>"
            "<feed xmlns='http://www.w3.org/2005/Atom'><title>Test News</title>"
            f"<id>{self.base}/</id><updated>2022-07-01T00:00:00Z</updated>{''.join(entries)}"
            "</feed>"
        )


def _send(
    h: BaseHTTPRequestHandler,
    status: int,
    kind: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", kind)
    h.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(body)


def _send_validated(h: BaseHTTPRequestHandler, kind: str, body: bytes, tag: str | None) -> None:
    """200 with an ETag and Last-Modified, or 304 when the client already has this version."""
    etag = f'"{tag or hashlib.sha1(body).hexdigest()}"'
    modified = "Fri, 01 Jul 2022 00:00:00 GMT"
    if h.headers.get("If-None-Match") == etag:
        h.send_response(304)
        h.send_header("ETag", etag)
        h.send_header("Content-Length", "0")
        h.end_headers()
        return
    _send(h, 200, kind, body, {"ETag": etag, "Last-Modified": modified})


def _send_huge(h: BaseHTTPRequestHandler, size: int) -> None:
    """A page of ``size`` bytes sent without a Content-Length: only a streaming cap stops it."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Connection", "close")
    h.end_headers()
    block = b"<p>" + b"filler " * 1000 + b"</p>\n"
    sent = 0
    while sent < size:
        h.wfile.write(block)
        sent += len(block)
