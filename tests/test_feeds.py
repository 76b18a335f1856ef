"""Feeds and URLs as sources, against a real HTTP site on 127.0.0.1 (tests/feed_server.py) that
publishes real development articles as pages and RSS/Atom feeds, and fails in every way a site
can. The index is real (embedded Chroma); the encoder is the fast hashing one, since what is
tested here is fetching, not retrieval quality.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import HashingEmbedder
from feed_server import BAD, SHARED_ARTICLES, NewsSite, load_articles, page_from_row

from qa.engine import Engine
from qa.feeds import FetchLog
from qa.fetch import Fetcher, FetchError
from qa.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def rows() -> list[dict[str, object]]:
    if not SHARED_ARTICLES.exists():
        pytest.skip(f"{SHARED_ARTICLES} is missing (the shared development data)")
    return load_articles(6)


@pytest.fixture
def site(rows: list[dict[str, object]]) -> Iterator[NewsSite]:
    with NewsSite.of(rows) as running:
        running.linkless_item = False
        running.stall_seconds = 4.0
        yield running


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        llm={"provider": "extractive"},
        fetch={"timeout": 1.0, "requests_per_second": 50.0},
    )


@pytest.fixture
def engine(settings: Settings) -> Engine:
    return Engine(settings, embedder=HashingEmbedder())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket closes


class TestFeedsAndPages:
    def test_an_rss_feed_brings_in_every_linked_article_with_its_url_title_date_and_site(
        self, engine: Engine, site: NewsSite, rows: list[dict[str, object]]
    ) -> None:
        report = engine.ingest([site.url("/feed.xml")])
        assert len(report.added) == len(rows) and not report.skipped, report.summary()
        records = {r.url: r for r in engine.store.records().values()}
        first = site.pages["story-0"]
        record = records[site.page_url("story-0")]
        assert record.title == first.title
        assert record.date == first.published.date()
        assert record.source == "127.0.0.1:" + site.base.rsplit(":", 1)[1]
        text = engine.store.article_text(record.id) or ""
        assert first.text.split("\n")[0][:80] in text

        answer = engine.ask(first.title, since=first.published.date())
        assert any(c.url == site.page_url("story-0") for c in answer.citations)

    def test_an_atom_feed_works_the_same(self, engine: Engine, site: NewsSite) -> None:
        report = engine.ingest([site.url("/atom.xml")])
        assert len(report.added) == len(site.pages) and not report.skipped

    def test_a_link_relative_to_the_feed_or_to_part_of_a_page_is_that_page(
        self, engine: Engine, site: NewsSite
    ) -> None:
        site.extra_items = ["news/story-1.html", site.page_url("story-2") + "#comments"]
        report = engine.ingest([site.url("/feed.xml")])
        assert len(report.added) == len(site.pages) and not report.skipped, report.summary()
        assert {r.url for r in engine.store.records().values()} == {
            site.page_url(slug) for slug in site.pages
        }

    def test_one_page_url_is_one_article(self, engine: Engine, site: NewsSite) -> None:
        report = engine.ingest([site.page_url("story-2")])
        assert len(report.added) == 1
        (record,) = engine.store.records().values()
        assert record.url == site.page_url("story-2")
        assert record.title == site.pages["story-2"].title

    def test_an_unchanged_feed_costs_one_cheap_request(
        self, engine: Engine, site: NewsSite
    ) -> None:
        engine.ingest([site.url("/feed.xml")])
        before = len(site.requests)
        again = engine.ingest([site.url("/feed.xml")])
        assert again.added == [] and again.updated == []
        assert len(again.unchanged) == len(site.pages)
        new_requests = site.requests[before:]
        assert [path for path, _ in new_requests] == ["/feed.xml"]
        assert new_requests[0][1].get("If-None-Match")

    def test_a_changed_feed_rechecks_pages_by_conditional_get_and_replaces_an_updated_one(
        self, engine: Engine, site: NewsSite, rows: list[dict[str, object]]
    ) -> None:
        engine.ingest([site.url("/feed.xml")])
        edited = site.pages["story-1"]
        site.add(
            page_from_row({**rows[1], "text": edited.text + "\nCorrection appended."}, "story-1")
        )
        site.add(page_from_row(load_articles(1, skip=6)[0], "story-new"))
        before = len(site.requests)
        report = engine.ingest([site.url("/feed.xml")])
        assert len(report.added) == 1 and len(report.updated) == 1
        assert len(report.unchanged) == len(rows) - 1
        page_hits = [h for p, h in site.requests[before:] if p.startswith("/news/")]
        conditional = [h for h in page_hits if h.get("If-None-Match")]
        assert len(conditional) == len(rows)  # every known page asked "changed since?"
        (record,) = [r for r in engine.store.records().values() if r.url.endswith("story-1.html")]
        assert "Correction appended." in (engine.store.article_text(record.id) or "")

    def test_requests_identify_themselves_and_respect_robots_txt(
        self, engine: Engine, site: NewsSite, settings: Settings
    ) -> None:
        report = engine.ingest([site.url("/private/secret.html"), site.page_url("story-0")])
        assert [s.path for s in report.skipped] == [site.url("/private/secret.html")]
        assert "robots.txt" in report.skipped[0].reason
        assert not site.hits("/private/")
        agents = {headers.get("User-Agent") for _, headers in site.requests}
        assert agents == {settings.fetch.user_agent}

    def test_requests_to_one_host_are_spaced_out(self, settings: Settings, site: NewsSite) -> None:
        polite = settings.fetch.model_copy(update={"requests_per_second": 5.0})
        with Fetcher(polite) as fetcher:
            for slug in ["story-0", "story-1", "story-2", "story-3"]:
                fetcher.get(site.page_url(slug))
        # robots.txt, then 4 pages at 5 a second: they arrive 0.2 s apart. (The first request
        # also opens the connection, so its arrival is left out.)
        pages = site.arrivals[1:]
        assert len(pages) == 4
        assert pages[-1] - pages[0] >= 3 * 0.2 - 0.03  # the clock's and the socket's jitter


class TestBadInputLosesNothing:
    def test_every_failure_is_reported_by_url_and_the_rest_of_the_feed_goes_on(
        self, engine: Engine, site: NewsSite
    ) -> None:
        site.extra_items = [site.url(path) for path in BAD]
        unreachable = f"http://127.0.0.1:{closed_port()}/story.html"
        no_dns = "http://no-such-host.invalid/story.html"
        site.extra_items += [unreachable, no_dns]
        site.linkless_item = True

        report = engine.ingest([site.url("/feed.xml")])

        assert len(report.added) == len(site.pages)  # the good items all made it
        reasons = {s.path: s.reason for s in report.skipped}
        for path, words in BAD.items():
            assert words.lower() in reasons[site.url(path)].lower(), (path, reasons)
        assert "refused" in reasons[unreachable]
        assert "resolve" in reasons[no_dns]
        linkless = [s for s in report.skipped if s.path == site.url("/feed.xml")]
        assert linkless and "no link" in linkless[0].reason
        huge = [p for p, _ in site.requests if p == "/huge.html"]
        assert len(huge) == 1

    def test_a_later_run_retries_only_what_failed(self, engine: Engine, site: NewsSite) -> None:
        site.extra_items = [site.url("/missing.html"), site.url("/broken.html")]
        engine.ingest([site.url("/feed.xml")])
        before = len(site.requests)
        report = engine.ingest([site.url("/feed.xml")])
        paths = sorted(p for p, _ in site.requests[before:])
        assert paths == ["/broken.html", "/feed.xml", "/missing.html"]
        assert {s.path for s in report.skipped} == set(site.extra_items)

        site.add(page_from_row(load_articles(1, skip=6)[0], "missing"))  # the page appears
        site.extra_items = [site.page_url("missing"), site.url("/broken.html")]
        report = engine.ingest([site.url("/feed.xml")])
        assert len(report.added) == 1

    def test_a_feed_that_is_not_xml_is_reported(self, engine: Engine, site: NewsSite) -> None:
        report = engine.ingest([site.url("/notxml.xml"), site.page_url("story-0")])
        assert len(report.added) == 1
        (skipped,) = report.skipped
        assert skipped.path == site.url("/notxml.xml")
        assert "not an RSS or Atom feed" in skipped.reason

    def test_an_interrupted_run_never_leaves_a_page_the_next_run_thinks_it_has(
        self, settings: Settings, site: NewsSite
    ) -> None:
        class Boom(HashingEmbedder):
            def embed_documents(self, texts):  # type: ignore[no-untyped-def]
                raise RuntimeError("power cut")

        with pytest.raises(RuntimeError):
            Engine(settings, embedder=Boom()).ingest([site.url("/feed.xml")])
        assert FetchLog.for_settings(settings).get(site.url("/feed.xml")) is None
        report = Engine(settings, embedder=HashingEmbedder()).ingest([site.url("/feed.xml")])
        assert len(report.added) == len(site.pages)

    def test_a_429_with_a_long_retry_after_is_not_waited_for(
        self, settings: Settings, site: NewsSite
    ) -> None:
        with Fetcher(settings.fetch) as fetcher, pytest.raises(FetchError) as caught:
            fetcher.get(site.url("/busy.html"))
        assert caught.value.retry_after == 120
        assert "retry after 120 s" in caught.value.reason


def test_the_cli_exit_status_says_a_url_failed(site: NewsSite, tmp_path: Path) -> None:
    env_dir = tmp_path / "data"
    command = [sys.executable, "-m", "qa.cli", "ingest", "-q"]
    env = {
        "QA_DATA_DIR": str(env_dir),
        "QA_LLM": "extractive",
        "QA_FETCH_TIMEOUT": "1",
        "QA_EMBEDDING_RUNTIME": "onnx",
        "HF_HUB_OFFLINE": "1",
        "PATH": "/usr/bin:/bin",
    }
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("QA_")}, **env}
    good = subprocess.run(
        [*command, site.page_url("story-0")], capture_output=True, text=True, env=env, timeout=300
    )
    assert good.returncode == 0, good.stderr
    assert "1 added" in good.stdout
    bad = subprocess.run(
        [*command, site.page_url("story-1"), site.url("/gone.html")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert bad.returncode == 1
    assert "1 added" in bad.stdout
    assert f"skipped {site.url('/gone.html')}: HTTP 410" in bad.stderr
    state = json.loads((env_dir / "feeds" / "articles.json").read_text())["urls"]
    assert state[site.url("/gone.html")]["ok"] is False
    assert state[site.page_url("story-1")]["ok"] is True


class TestWatch:
    def test_every_takes_minutes_hours_and_seconds_and_refuses_nonsense(self) -> None:
        from qa.watch import parse_every

        assert parse_every("15m") == 900 and parse_every("1h") == 3600
        assert parse_every("90s") == 90 and parse_every("120") == 120
        for bad in ["soon", "5s", "-1m"]:
            with pytest.raises(ValueError, match="--every"):
                parse_every(bad)

    def test_a_watcher_picks_up_new_items_as_they_are_published(
        self, engine: Engine, site: NewsSite, settings: Settings
    ) -> None:
        from test_processes import eventually

        from qa.watch import Watcher, add_feed, watched

        assert add_feed(settings, site.url("/feed.xml")) is True
        assert add_feed(settings, site.url("/feed.xml")) is False
        assert watched(settings) == [site.url("/feed.xml")]
        rounds: list[str] = []
        watcher = Watcher(engine, every=0.3, on_round=lambda r: rounds.append(r.summary()))
        thread = watcher.start()
        try:
            eventually(lambda: rounds or None, "a first round")
            assert rounds[0].startswith(f"{len(site.pages)} added")
            site.add(page_from_row(load_articles(1, skip=6)[0], "breaking"))
            wanted = site.page_url("breaking")
            eventually(
                lambda: any(r.url == wanted for r in engine.store.records().values()) or None,
                "the new item ingested by the watcher",
            )
        finally:
            watcher.stop.set()
            thread.join(timeout=30)
        feed = FetchLog.for_settings(settings).feeds()[site.url("/feed.xml")]
        assert feed.ok and feed.error is None and feed.fetched_at

    def test_a_watched_url_that_is_not_a_url_is_refused(self, settings: Settings) -> None:
        from qa.watch import add_feed

        with pytest.raises(ValueError, match="not an http"):
            add_feed(settings, "feeds/local.xml")
