"""Keep up on its own: poll feeds and pages every so often and ingest what is new.

The list of watched URLs is the command line's plus ``<data_dir>/feeds.txt`` (one URL a line,
``#`` comments), which the Library tab adds to, so ``qa watch``, ``qa serve --watch`` and the
UI share one list. Each round is an ordinary incremental ingest by URL (``qa.feeds``): an
unchanged feed costs one 304, and URLs that failed are tried again.

>>> feeds = ["https://example.org/feed.xml"]
>>> Watcher(Engine(Settings()), feeds, every=900).run_once().summary()  # doctest: +SKIP
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qa.fetch import is_url
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.engine import Engine
    from qa.ingest import IngestReport

FEEDS_FILE = "feeds.txt"
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
MIN_EVERY = 10.0  # seconds: faster polling is impolite to the sites and gains nothing


def parse_every(text: str) -> float:
    """Seconds from ``"15m"``, ``"1h"``, ``"90s"`` or ``"90"``.

    >>> parse_every("15m")
    900.0
    """
    match = _EVERY.match(text)
    if not match:
        msg = f"--every {text!r} is not a duration: write it like 15m, 1h or 90s"
        raise ValueError(msg)
    seconds = float(match.group(1)) * _UNIT[match.group(2).lower()]
    if seconds < MIN_EVERY:
        msg = f"--every {text!r} is too often: poll at most every {MIN_EVERY:g} seconds"
        raise ValueError(msg)
    return seconds


def feeds_file(settings: Settings) -> Path:
    return settings.data_dir / FEEDS_FILE


def watched(settings: Settings, extra: Sequence[str] = ()) -> list[str]:
    """The URLs to poll: ``extra`` (the command line's), then those in the feeds file."""
    urls = list(extra)
    try:
        lines = feeds_file(settings).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    urls += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    bad = [u for u in urls if not is_url(u)]
    if bad:
        msg = f"{bad[0]!r} is not an http(s) URL of a feed or page (check {feeds_file(settings)})"
        raise ValueError(msg)
    return list(dict.fromkeys(urls))


def add_feed(settings: Settings, url: str) -> bool:
    """Add ``url`` to the feeds file; False when it was there already."""
    url = url.strip()
    if not is_url(url):
        msg = f"{url!r} is not an http(s) URL: give the address of an RSS/Atom feed or a page"
        raise ValueError(msg)
    if url in watched(settings):
        return False
    path = feeds_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(url + "\n")
    return True


class Watcher:
    """Ingest ``urls`` (plus the feeds file) now and every ``every`` seconds until stopped."""

    def __init__(
        self,
        engine: Engine,
        urls: Sequence[str] = (),
        *,
        every: float,
        on_round: Callable[[IngestReport], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._engine = engine
        self._urls = list(urls)
        self._every = every
        self._on_round = on_round
        self._on_error = on_error
        self.stop = threading.Event()

    def run_once(self) -> IngestReport | None:
        urls = watched(self._engine.settings, self._urls)
        if not urls:
            return None
        report = self._engine.ingest(urls)
        if self._on_round:
            self._on_round(report)
        return report

    def run_forever(self) -> None:
        """Rounds until ``stop`` is set; a round that fails (the disk, the index) is reported
        and the next one runs anyway."""
        while not self.stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # a watcher that dies silently is worse than one that says so
                if self._on_error is None:
                    raise
                self._on_error(exc)
            self.stop.wait(self._every)

    def start(self) -> threading.Thread:
        """``run_forever`` in a daemon thread (``qa serve --watch``)."""
        thread = threading.Thread(target=self.run_forever, name="qa-watch", daemon=True)
        thread.start()
        return thread
