"""Feed ingest beside file ingest of the same articles, and the time from a new feed item to
its first answer, same run.

    .venv/bin/python benchmarks/feeds.py [--articles N] [--every SECONDS]

Figures:

- file ingest articles/s: ``qa.ingest`` of the N articles as one JSONL file into a fresh index
  (the baseline);
- feed ingest articles/s: the same N articles published by a local site on 127.0.0.1
  (tests/feed_server.py: real pages and an RSS feed) and ingested by ``qa ingest FEED_URL``'s
  code into another fresh index, at the default politeness (2 requests/s per host) and with the
  rate limit lifted (50/s, what a local site can take), **ratio = feed / file** for each; the
  two sides alternate order over two rounds because the CPU is shared;
- re-fetch of the unchanged feed: seconds and requests (one conditional GET);
- new item to first answer: a watcher (``qa.watch``, every ``--every`` s) in one engine, and a
  second engine (its own store client, as another process would have) asking a date-filtered
  question about the new item until it is cited; median of 3.

The articles come from ../shared/data (never copied into the repository). Same loaded encoder on
every side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from feed_server import NewsSite, load_articles, page_from_row  # noqa: E402

from qa.embeddings import LocalEmbedder  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.watch import Watcher  # noqa: E402


def settings_in(folder: Path, rate: float = 2.0) -> Settings:
    return Settings(
        data_dir=folder,
        llm={"provider": "extractive"},
        fetch={"requests_per_second": rate},
        chroma={"refresh_seconds": 0.5},
    )


def file_ingest(rows: list[dict[str, Any]], embedder: LocalEmbedder, root: Path) -> float:
    source = root / "articles.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    engine = Engine(settings_in(root / "files"), embedder=embedder)
    clock = time.perf_counter()
    report = engine.ingest([source])
    seconds = time.perf_counter() - clock
    assert len(report.added) == len(rows), report.summary()
    return seconds


def feed_ingest(site: NewsSite, embedder: LocalEmbedder, root: Path, rate: float) -> float:
    engine = Engine(settings_in(root / f"feed-{rate:g}", rate), embedder=embedder)
    clock = time.perf_counter()
    report = engine.ingest([site.url("/feed.xml")])
    seconds = time.perf_counter() - clock
    assert len(report.added) == len(site.pages) and not report.skipped, report.summary()
    return seconds


def new_item_to_answer(
    site: NewsSite, embedder: LocalEmbedder, root: Path, spare: list[dict[str, Any]], every: float
) -> list[float]:
    settings = settings_in(root / "live", 50.0)
    writer = Engine(settings, embedder=embedder)
    writer.ingest([site.url("/feed.xml")])
    reader = Engine(settings, embedder=embedder)  # its own Store: sees writes as another process
    reader.ask("warm up", since="2000-01-01")
    watcher = Watcher(writer, [site.url("/feed.xml")], every=every)
    thread = watcher.start()
    delays = []
    try:
        for number, row in enumerate(spare):
            page = page_from_row(row, f"breaking-{number}")
            day = page.published.date().isoformat()
            clock = time.perf_counter()
            site.add(page)
            while time.perf_counter() - clock < 120:
                answer = reader.ask(page.title, since=day, until=day)
                if any(c.url == site.page_url(page.slug) for c in answer.citations):
                    delays.append(time.perf_counter() - clock)
                    break
                time.sleep(0.1)
    finally:
        watcher.stop.set()
        thread.join(timeout=60)
    return delays


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--every", type=float, default=2.0)
    args = parser.parse_args()
    rows = load_articles(args.articles + 3)
    corpus, spare = rows[: args.articles], rows[args.articles :]
    embedder = LocalEmbedder()
    embedder.embed_query("warm up")
    n = len(corpus)
    print(f"articles               {n} (real development articles, as pages + RSS on 127.0.0.1)")
    with tempfile.TemporaryDirectory() as tmp, NewsSite.of(corpus) as site:
        site.linkless_item = False
        root = Path(tmp)
        times: dict[str, list[float]] = {"file": [], "feed 2/s": [], "feed 50/s": []}
        for round_ in range(2):
            sides = ["file", "feed 2/s", "feed 50/s"]
            for side in sides if round_ == 0 else list(reversed(sides)):
                where = root / f"round{round_}"
                where.mkdir(exist_ok=True)
                if side == "file":
                    times[side].append(file_ingest(corpus, embedder, where))
                else:
                    rate = 2.0 if side == "feed 2/s" else 50.0
                    times[side].append(feed_ingest(site, embedder, where, rate))
        base = n / statistics.median(times["file"])
        print(f"file ingest            {base:.2f} articles/s   <- baseline")
        for side in ["feed 2/s", "feed 50/s"]:
            rate = n / statistics.median(times[side])
            print(
                f"{side + ' ingest':22} {rate:.2f} articles/s   ratio feed / file {rate / base:.2f}"
            )

        engine = Engine(settings_in(root / "round0" / "feed-50", 50.0), embedder=embedder)
        before = len(site.requests)
        clock = time.perf_counter()
        again = engine.ingest([site.url("/feed.xml")])
        seconds = time.perf_counter() - clock
        print(
            f"re-fetch unchanged     {seconds:.2f} s, {len(site.requests) - before} request(s) "
            f"({again.summary()})"
        )
        delays = new_item_to_answer(site, embedder, root, spare, args.every)
        shown = ", ".join(f"{d:.1f}" for d in delays)
        print(
            f"new item -> answer     median {statistics.median(delays):.1f} s ({shown}; "
            f"watcher every {args.every:g} s, reader refresh 0.5 s)"
        )


if __name__ == "__main__":
    main()
