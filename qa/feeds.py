"""Feeds and article URLs as sources: an RSS/Atom feed (feedparser) becomes the articles its
items link to, a page becomes one article (through the same HTML extraction as .html files).

Each article keeps its URL, its title and publication date (the feed item's, else the page's)
and its site as the source (``www.example.com``), and is identified by its URL, so fetching it
again updates it instead of adding a copy.

Re-fetching is incremental, and remembered in ``<data_dir>/feeds/<collection>.json``: an
unchanged feed or page costs one conditional GET (answered by 304); a feed that changed has only
its items' pages re-checked, each again by conditional GET; a URL that failed (404, timeout, no
article text...) is reported by URL with its reason and fetched again on the next run, while
the rest of the feed goes on. Validators are saved only after the articles are in the index, so
an interrupted run can never leave an article the next run believes it already has.

>>> read = read_urls(["https://example.org/feed.xml"], settings=Settings(),
...                  known=lambda ids: set())                      # doctest: +SKIP
>>> [article.title for _, article in read.articles]                # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin, urlsplit

from pydantic import BaseModel, ValidationError

from qa.articles import ArticleError, Skipped, article_from_html, stable_id
from qa.fetch import Fetcher, FetchError, Response, Validators, is_url
from qa.models import Article
from qa.settings import Settings

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PARALLEL_PAGES = 4  # pages fetched at once; the per-host rate limit still applies to each host


class UrlState(BaseModel):
    """What the last fetch of one URL found (one entry of the state file)."""

    kind: Literal["feed", "page"] = "page"
    etag: str | None = None
    last_modified: str | None = None
    ok: bool = False
    error: str | None = None
    fetched_at: str | None = None  # ISO time of the last fetch attempt
    items: list[str] = []  # a feed's item links, in feed order
    new_articles: int = 0  # a feed: articles its last fetch added to the index

    @property
    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)


class FetchLog:
    """The state file: URL -> ``UrlState``. Written whole to a temporary file and renamed, so a
    reader in another process (``qa serve`` showing feed status) never sees half of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._states: dict[str, UrlState] = {}
        self.robots: dict[str, Any] = {}  # the Fetcher's robots.txt cache, kept between runs
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            self._states = {u: UrlState.model_validate(v) for u, v in raw["urls"].items()}
            self.robots = dict(raw.get("robots") or {})
        except FileNotFoundError:
            pass
        except (OSError, ValueError, ValidationError, AttributeError, KeyError, TypeError):
            # Damaged: forgetting it only costs full fetches once; nothing in the index is lost.
            self._states, self.robots = {}, {}

    @classmethod
    def for_settings(cls, settings: Settings) -> FetchLog:
        return cls(settings.data_dir / "feeds" / f"{settings.chroma.collection}.json")

    def get(self, url: str) -> UrlState | None:
        return self._states.get(url)

    def put(self, url: str, state: UrlState) -> None:
        self._states[url] = state

    def feeds(self) -> dict[str, UrlState]:
        return {url: s for url, s in self._states.items() if s.kind == "feed"}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}")
        payload = {
            "urls": {url: s.model_dump() for url, s in self._states.items()},
            "robots": self.robots,
        }
        temporary.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        temporary.replace(self.path)


@dataclass
class UrlRead:
    """What reading some URLs found: articles to ingest, ids answered ``304 unchanged``, URLs
    that failed, and the state to remember once the articles are written (``commit``)."""

    articles: list[tuple[str, Article]] = field(default_factory=list)  # (origin URL, article)
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # (origin URL, article id)
    skipped: list[Skipped] = field(default_factory=list)
    log: FetchLog | None = None
    _pending: dict[str, UrlState] = field(default_factory=dict)
    _feed_articles: dict[str, list[str]] = field(default_factory=dict)  # feed -> article ids

    def commit(self, added: Iterable[str]) -> None:
        """Remember what was fetched, now that its articles are in the index; ``added`` are
        the article ids the ingest added (a feed's count of new articles)."""
        if self.log is None:
            return
        new = set(added)
        for url, state in self._pending.items():
            if state.kind == "feed":
                count = sum(1 for a in self._feed_articles.get(url, []) if a in new)
                state = state.model_copy(update={"new_articles": count})
            self.log.put(url, state)
        self.log.save()


def split_sources(paths: Iterable[str | Path]) -> tuple[list[str], list[str | Path]]:
    """``(urls, paths)``: the http(s) URLs among ``paths`` and everything else, in order."""
    urls: list[str] = []
    rest: list[str | Path] = []
    for item in paths:
        if isinstance(item, str) and is_url(item):
            urls.append(item.strip())
        else:
            rest.append(item)
    return urls, rest


def read_urls(
    urls: Sequence[str],
    *,
    settings: Settings,
    known: Callable[[Sequence[str]], set[str]],
    fetcher: Fetcher | None = None,
) -> UrlRead:
    """Fetch ``urls`` (feeds or pages) into articles; ``known(ids)`` says which article ids the
    index already holds, fully written (only those may be answered by a conditional GET)."""
    log = FetchLog.for_settings(settings)
    read = UrlRead(log=log)
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings.fetch, robots_cache=log.robots)
    try:
        urls = list(dict.fromkeys(urls))
        have = known([_article_id(u) for u in urls])
        items: dict[str, _Item] = {}  # link -> item; a link in two feeds is fetched once
        for url in urls:
            for item in _open(url, fetcher, log, read, _article_id(url) in have):
                items.setdefault(item.link, item)
        for url in urls:
            items.pop(url, None)  # a page named on the command line was read by _open
        have = known([_article_id(link) for link in items])
        todo = list(items.values())
        with ThreadPoolExecutor(max_workers=_PARALLEL_PAGES) as pool:
            outcomes = list(
                pool.map(
                    lambda item: _fetch_page(item, fetcher, log, _article_id(item.link) in have),
                    todo,
                )
            )
        for item, outcome in zip(todo, outcomes, strict=True):
            _collect(read, item, outcome)
    finally:
        if own:
            fetcher.close()
    return read


@dataclass(frozen=True)
class _Item:
    """A page to read: the link, and what its feed said about it."""

    link: str
    feed: str | None = None
    title: str | None = None
    when: date | None = None


_NO_VALIDATORS = Validators()


@dataclass(frozen=True)
class _Outcome:
    """What fetching one page came to: an article, unchanged (304), or a failure."""

    article: Article | None = None
    unchanged: bool = False
    error: str | None = None
    validators: Validators = _NO_VALIDATORS


def _article_id(link: str) -> str:
    return stable_id(link)  # the key article_from_html uses for a page fetched by URL


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _open(url: str, fetcher: Fetcher, log: FetchLog, read: UrlRead, known: bool) -> list[_Item]:
    """Fetch one URL named by the user: a feed gives the items to read next; a page is read
    here (it is not fetched twice). Returns the items still to fetch."""
    before = log.get(url)
    is_feed = before is not None and before.kind == "feed"
    conditional = before is not None and before.ok and (is_feed or known)
    try:
        response = fetcher.get(url, before.validators if conditional and before else None)
    except FetchError as exc:
        read.skipped.append(Skipped(url, exc.reason))
        old_items = before.items if before else []
        read._pending[url] = UrlState(
            kind="feed" if is_feed else "page", error=exc.reason, fetched_at=_now(), items=old_items
        )
        # A feed we read before still has its failed items retried.
        return [_Item(link, feed=url) for link in _failed(old_items, log)]
    if response.unchanged and before is not None:
        read._pending[url] = before.model_copy(update={"fetched_at": _now(), "error": None})
        if is_feed:  # one cheap request: only the items that failed last time are tried again
            read._feed_articles[url] = []
            failed = _failed(before.items, log)
            read.unchanged += [
                (link, _article_id(link)) for link in before.items if link not in failed
            ]
            return [_Item(link, feed=url) for link in failed]
        read.unchanged.append((url, _article_id(url)))
        return []
    if _is_feed(response):
        return _feed_items(url, response, read)
    _collect(read, _Item(url), _page(_Item(url), response))
    return []


def _failed(links: Sequence[str], log: FetchLog) -> list[str]:
    return [link for link in links if (s := log.get(link)) is None or not s.ok]


def _is_feed(response: Response) -> bool:
    if response.content_type in FEED_TYPES:
        return True
    if response.content_type in HTML_TYPES:
        return False
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf"))


def _feed_items(url: str, response: Response, read: UrlRead) -> list[_Item]:
    import feedparser  # only needed for feeds

    # Bytes, never a string: given a string that looks like a URL, feedparser fetches it.
    parsed = feedparser.parse(response.body, response_headers={"content-type": "text/xml"})
    entries = list(parsed.get("entries") or [])
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        detail = " ".join(str(problem).split()) if problem else "no RSS or Atom structure"
        reason = f"not an RSS or Atom feed ({detail})"
        read.skipped.append(Skipped(url, reason))
        read._pending[url] = UrlState(kind="feed", error=reason, fetched_at=_now())
        return []
    items: list[_Item] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        written = str(entry.get("link") or "").strip()
        # A link relative to the feed ("story1.html") is the page there; "#comments" is a part
        # of a page, not another article.
        link = urldefrag(urljoin(response.url, written)).url if written else ""
        title = " ".join(str(entry.get("title") or "").split()) or None
        if link in seen:
            continue
        if not is_url(link):
            named = f" ({title[:60]})" if title else ""
            reason = (
                "the item has no link to an article" if not written else f"bad link {written!r}"
            )
            read.skipped.append(Skipped(url, reason + named, f"item {number}"))
            continue
        seen.add(link)
        items.append(_Item(link, feed=url, title=title, when=_entry_date(entry)))
    read._pending[url] = UrlState(
        kind="feed",
        etag=response.validators.etag,
        last_modified=response.validators.last_modified,
        ok=True,
        fetched_at=_now(),
        items=[item.link for item in items],
    )
    read._feed_articles[url] = []
    return items


def _entry_date(entry: Any) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            with contextlib.suppress(TypeError, ValueError):
                return date(parsed[0], parsed[1], parsed[2])
    return None


def _fetch_page(item: _Item, fetcher: Fetcher, log: FetchLog, known: bool) -> _Outcome:
    before = log.get(item.link)
    conditional = known and before is not None and before.ok
    try:
        response = fetcher.get(item.link, before.validators if conditional and before else None)
    except FetchError as exc:
        return _Outcome(error=exc.reason)
    if response.unchanged:
        return _Outcome(unchanged=True, validators=response.validators)
    return _page(item, response)


def _page(item: _Item, response: Response) -> _Outcome:
    if response.content_type not in HTML_TYPES:
        kind = response.content_type or "none given"
        return _Outcome(error=f"not an HTML page (content type {kind})")
    site = urlsplit(item.link).netloc.lower()
    try:
        article = article_from_html(
            response.text(),
            key=item.link,
            source=site,
            fallback_title=item.title or item.link,
            url=item.link,
            title=item.title,
            when=item.when,
        )
    except (ArticleError, ValueError) as exc:
        return _Outcome(error=str(exc))
    return _Outcome(article=article, validators=response.validators)


def _collect(read: UrlRead, item: _Item, outcome: _Outcome) -> None:
    state = UrlState(
        kind="page",
        etag=outcome.validators.etag,
        last_modified=outcome.validators.last_modified,
        ok=outcome.error is None,
        error=outcome.error,
        fetched_at=_now(),
    )
    read._pending[item.link] = state
    article_id = _article_id(item.link)
    if outcome.error is not None:
        where = f"item of {item.feed}" if item.feed else None
        read.skipped.append(Skipped(item.link, outcome.error, where))
        return
    if item.feed is not None:
        read._feed_articles.setdefault(item.feed, []).append(article_id)
    if outcome.article is not None:
        read.articles.append((item.link, outcome.article))
    else:
        read.unchanged.append((item.link, article_id))
