"""Polite, bounded HTTP GETs for feeds and article pages.

Every request: an identifying User-Agent, robots.txt honoured (read once per site), at most
``requests_per_second`` to one host, a timeout on connecting, on each read and on the whole
response, a size cap read as a stream (a 30 MB page costs 5 MB at most), redirects followed a
bounded number of times (a loop is caught), and conditional GET: given the ``ETag`` and
``Last-Modified`` of the last fetch, an unchanged page costs one request answered by 304.

Anything that goes wrong is a ``FetchError`` whose message names the reason in one line; the
caller reports it by URL and goes on with the next one.

>>> fetcher = Fetcher(Settings().fetch)                        # doctest: +SKIP
>>> page = fetcher.get("https://example.org/story.html")       # doctest: +SKIP
>>> page.status, page.content_type                             # doctest: +SKIP
(200, 'text/html')
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import MutableMapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from qa.settings import FetchSettings

if TYPE_CHECKING:
    import httpx

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ROBOTS_TTL = 24 * 3600.0


class FetchError(Exception):
    """A URL that could not be fetched; ``str()`` is the one-line reason."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Validators:
    """What a server said identifies the version we have: sent back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Response:
    """A fetched body (``status`` 200), or ``status`` 304 with an empty body: unchanged."""

    url: str  # after redirects
    status: int
    content_type: str  # lower case, no parameters: "text/html"
    body: bytes
    validators: Validators
    charset: str | None = None

    @property
    def unchanged(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        return self.body.decode(self.charset or "utf-8", errors="replace")


def is_url(value: str) -> bool:
    """True for an http(s) URL with a host: what ``qa ingest`` fetches instead of reading a file."""
    parts = urlsplit(value.strip())
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


class Fetcher:
    """One polite HTTP client, shared by every fetch of one ingest or watch run (thread-safe).

    >>> with Fetcher(Settings().fetch) as fetcher:              # doctest: +SKIP
    ...     fetcher.get("https://example.org/feed.xml").content_type
    'application/rss+xml'
    """

    def __init__(
        self, settings: FetchSettings, *, robots_cache: MutableMapping[str, Any] | None = None
    ) -> None:
        self._settings = settings
        # site -> {"at": epoch seconds, "text": robots.txt or None}: kept a day, as crawlers
        # do, so an unchanged feed costs one request and not two (the caller may persist it).
        self._robots_cache: MutableMapping[str, Any] = {} if robots_cache is None else robots_cache
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}  # host -> monotonic time of its next request
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, url: str, validators: Validators | None = None) -> Response:
        """GET ``url`` under every rule above; a 304 comes back as ``Response.unchanged``."""
        seen = [url]
        current = url
        for _ in range(self._settings.max_redirects + 1):
            self._check_robots(current)
            response = self._get_once(current, validators)
            if isinstance(response, str):
                if response in seen:
                    raise FetchError(f"redirect loop ({' -> '.join([*seen, response])})")
                seen.append(response)
                current = response
                continue
            return response
        raise FetchError(f"more than {self._settings.max_redirects} redirects")

    # -- one request --------------------------------------------------------------------------

    def _get_once(self, url: str, validators: Validators | None) -> Response | str:
        """The response, or the URL a redirect points to."""
        import httpx

        attempt = 0
        while True:
            attempt += 1
            self._wait_turn(url)
            headers = {"Accept-Encoding": "gzip, deflate"}
            if validators and validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators and validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
            try:
                with self._http().stream("GET", url, headers=headers) as response:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"HTTP {response.status_code} without a Location")
                        return str(urljoin(url, location))
                    if response.status_code in {429, 503}:
                        wait = _retry_after(response.headers.get("retry-after"))
                        if attempt == 1 and wait is not None and wait <= self._max_wait():
                            time.sleep(wait)
                            continue
                        reason = _status_reason(response.status_code, wait)
                        raise FetchError(reason, retry_after=wait)
                    if response.status_code == 304:
                        return Response(url, 304, "", b"", _validators(response))
                    if response.status_code != 200:
                        raise FetchError(_status_reason(response.status_code, None))
                    body = self._read_capped(response)
                    content_type = response.headers.get("content-type", "")
                    return Response(
                        url=url,
                        status=200,
                        content_type=content_type.split(";")[0].strip().lower(),
                        body=body,
                        validators=_validators(response),
                        charset=response.charset_encoding,
                    )
            except httpx.TimeoutException as exc:
                reason = f"timed out after {self._settings.timeout:g} s ({_kind(exc)})"
                raise FetchError(reason) from exc
            except httpx.TooManyRedirects as exc:  # never raised: redirects are followed here
                raise FetchError("too many redirects") from exc
            except httpx.HTTPError as exc:
                raise FetchError(_network_reason(exc)) from exc

    def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self._settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(_too_big(int(declared), cap))
        deadline = time.monotonic() + self._settings.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(_too_big(size, cap, at_least=True))
            if time.monotonic() > deadline:  # a trickle of bytes never trips the read timeout
                raise FetchError(f"the response took longer than {self._settings.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _http(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._client is None:
                timeout = self._settings.timeout
                self._client = httpx.Client(
                    headers={"User-Agent": self._settings.user_agent},
                    timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                    follow_redirects=False,  # followed in get(), bounded and loop-checked
                    trust_env=True,
                )
            return self._client

    def _max_wait(self) -> float:
        return self._settings.max_retry_after

    # -- politeness ---------------------------------------------------------------------------

    def _wait_turn(self, url: str) -> None:
        """Space requests to one host ``1 / requests_per_second`` apart (across threads)."""
        host = urlsplit(url).netloc.lower()
        gap = 1.0 / self._settings.requests_per_second
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + gap
        if slot > now:
            time.sleep(slot - now)

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            known = site in self._robots
            rules = self._robots.get(site)
        if not known:
            cached = self._robots_cache.get(site)
            if isinstance(cached, dict) and time.time() - float(cached.get("at", 0)) < _ROBOTS_TTL:
                rules = _rules(site, cached.get("text"))
            else:
                rules = self._read_robots(site)
            with self._lock:
                self._robots[site] = rules
        if rules is not None and not rules.can_fetch(self._settings.user_agent, url):
            raise FetchError(f"robots.txt of {site} does not allow fetching this URL")

    def _read_robots(self, site: str) -> urllib.robotparser.RobotFileParser | None:
        """The site's rules; None (everything allowed) when it has no robots.txt. A robots.txt
        that fails with a 5xx means "stay away for now" (RFC 9309), so the site is refused."""
        try:
            response = self._get_once(f"{site}/robots.txt", None)
        except FetchError as exc:
            if exc.reason.startswith("HTTP 5") or exc.retry_after is not None:
                return _rules(site, "User-agent: *\nDisallow: /")  # not remembered
            if exc.reason.startswith("HTTP 4"):
                self._robots_cache[site] = {"at": time.time(), "text": None}
            return None  # 4xx, or unreachable: the page fetch itself will say so
        # A redirected robots.txt is treated as absent, as most crawlers do.
        text = response.text() if isinstance(response, Response) else None
        self._robots_cache[site] = {"at": time.time(), "text": text}
        return _rules(site, text)


def _rules(site: str, text: str | None) -> urllib.robotparser.RobotFileParser | None:
    if text is None:
        return None
    rules = urllib.robotparser.RobotFileParser(f"{site}/robots.txt")
    rules.parse(text.splitlines())
    return rules


def _validators(response: httpx.Response) -> Validators:
    return Validators(
        etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified")
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_reason(status: int, retry_after: float | None) -> str:
    names = {
        404: "not found",
        410: "gone (the page was removed)",
        429: "too many requests",
        401: "login required",
        403: "forbidden",
        500: "server error",
        502: "bad gateway",
        503: "service unavailable",
        504: "gateway timeout",
    }
    reason = f"HTTP {status} {names.get(status, '')}".rstrip()
    if retry_after is not None:
        reason += f"; the server asks to retry after {retry_after:.0f} s (the next run will)"
    return reason


def _too_big(size: int, cap: int, *, at_least: bool = False) -> str:
    more = "over " if at_least else ""
    return (
        f"the response is {more}{size / 1e6:.1f} MB, over the {cap / 1e6:.1f} MB limit "
        "(QA_FETCH_MAX_BYTES)"
    )


def _kind(exc: Exception) -> str:
    return {
        "ConnectTimeout": "connecting",
        "ReadTimeout": "waiting for data",
        "WriteTimeout": "sending",
        "PoolTimeout": "waiting for a connection",
    }.get(type(exc).__name__, "waiting")


def _network_reason(exc: Exception) -> str:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    lowered = detail.lower()
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or ("temporary failure in name resolution" in lowered)
    ):
        return f"the host name does not resolve (DNS: {detail})"
    if "connection refused" in lowered:
        return f"the host refused the connection ({detail})"
    return f"network error ({detail})"
