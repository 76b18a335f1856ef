"""Syndicated copies: one wire story published by several sites is recognised at ingest and cited
once, with where else it ran.

The story is a real development article (read from ../shared/data at run time, never copied into
the repository), republished twice as a wire service would: another headline, a dateline, a
sentence edited, a different footer. A different story on the same event (a tribute piece about
the same death, resemblance 0.32 to the obituary) must stay a story of its own.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED_DATA, HashingEmbedder, write

from qa.embeddings import LocalEmbedder
from qa.engine import Engine
from qa.ingest import ingest
from qa.models import Answer, Article
from qa.settings import Settings
from qa.store import Store
from qa.syndication import BANDS, Stories, band_keys, resemblance, story_shingles

ARTICLES = SHARED_DATA / "articles.jsonl"
OBITUARY = "https://www.cnn.com/2022/08/08/entertainment/olivia-newton-john-obit/index.html"
TRIBUTES = (
    "https://www.cnn.com/2022/08/09/entertainment/olivia-newton-john-tributes-intl-hnk/index.html"
)
QUESTION = "When did Olivia Newton-John die?"
EDITED = ("according to a statement from her husband", "her husband said in a statement")

pytestmark = pytest.mark.skipif(not ARTICLES.exists(), reason="needs ../shared/data")


def development_article(url: str) -> dict[str, Any]:
    with ARTICLES.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["url"] == url:
                return dict(record)
    raise AssertionError(f"{url} is not in {ARTICLES}")


def story() -> dict[str, dict[str, Any]]:
    """The obituary as CNN ran it, two wire copies of it, and a different story on the event."""
    original = development_article(OBITUARY)
    text = original["text"]
    assert text.startswith("(CNN) ") and EDITED[0] in text
    body = text.removeprefix("(CNN) ")
    ap = {
        "id": "ap-newton-john",
        "title": "Olivia Newton-John, 'Grease' star and pop singer, dies at 73",
        "date": "2022-08-09",
        "source": "apnews.example",
        "url": "https://apnews.example/article/olivia-newton-john-dies",
        "text": "LOS ANGELES (AP) — "
        + body.replace(*EDITED)
        + "\n\nSign up for our daily newsletter to get the news delivered to your inbox.",
    }
    reuters = {
        "id": "reuters-newton-john",
        "title": "Singer Olivia Newton-John dead at 73",
        "date": "2022-08-09",
        "source": "reuters.example",
        "url": "https://reuters.example/world/newton-john-dead-73",
        "text": "SYDNEY, Aug 9 (Reuters) - "
        + body
        + "\n\nRead more: Hollywood remembers a star.\n\nAll rights reserved.",
    }
    cnn = {**original, "date": original["date"].replace("/", "-")}
    tributes = development_article(TRIBUTES)
    tributes = {**tributes, "date": tributes["date"].replace("/", "-")}
    return {"cnn": cnn, "ap": ap, "reuters": reuters, "tributes": tributes}


def ingest_run(engine: Engine, folder: Path, *records: dict[str, Any]) -> None:
    """One ingest run of ``records`` from a JSONL file of their own."""
    path = write(folder / "articles.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    report = engine.ingest([path])
    assert len(report.added) == len(records), report.summary()


def ids_by_name(store: Store) -> dict[str, str]:
    """The stored ids of the articles of ``story()`` (by name: "cnn", "ap", ...), by URL."""
    by_url = {record.url: record.id for record in store.records().values()}
    return {name: by_url[r["url"]] for name, r in story().items() if r["url"] in by_url}


def changed(settings: Settings, *, enabled: bool, mmr: bool = False) -> Settings:
    """``settings`` with syndication on or off, and passage-level MMR as given."""
    retrieval = {} if mmr else {"mmr_lambda": 1.0, "duplicate_threshold": 1.0}
    return settings.model_copy(
        update={
            "syndication": settings.syndication.model_copy(update={"enabled": enabled}),
            "retrieval": settings.retrieval.model_copy(update=retrieval),
        }
    )


def story_citations(answer: Answer, ids: set[str]) -> list[Any]:
    return [c for c in answer.citations if c.article_id in ids]


class TestSignatures:
    def test_copies_with_other_headlines_datelines_footers_and_an_edit_resemble(self) -> None:
        s = story()
        cnn, ap, reuters, tributes = (story_shingles(s[k]["text"]) for k in s)
        assert resemblance(cnn, reuters) > 0.99  # the footer is not the story
        assert 0.9 < resemblance(cnn, ap) < resemblance(cnn, reuters)  # one sentence edited
        assert resemblance(cnn, tributes) < 0.5  # same event, another story
        signatures = [band_keys(s[k]["text"]) for k in ("cnn", "ap", "reuters")]
        assert [len(keys) for keys in signatures] == [BANDS] * 3
        agree = sum(a == b for a, b in zip(signatures[0], signatures[2], strict=True))
        assert agree > BANDS // 2

    def test_a_brief_gets_no_signature(self) -> None:
        assert band_keys("Gas prices fell to $4.50 on Monday, officials said.") == ()


class TestCopiesFindEachOther:
    """The store side alone, on a fast encoder: also run against a real Chroma server
    (tests/test_chroma_server.py), where the band-key query goes over HTTP."""

    def run(self, settings: Settings, folder: Path, *records: dict[str, Any]) -> None:
        path = write(folder / "articles.jsonl", "".join(json.dumps(r) + "\n" for r in records))
        assert len(ingest([path], settings=settings, embedder=HashingEmbedder()).added) == len(
            records
        )

    def test_copies_ingested_in_later_runs_join_and_a_removed_one_orphans_none(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        s = story()
        self.run(settings, tmp_path / "run1", s["cnn"], s["tributes"])
        self.run(settings, tmp_path / "run2", s["ap"])
        self.run(settings, tmp_path / "run3", s["reuters"])
        store = Store.open(settings, model_id=HashingEmbedder().model_id)
        ids = ids_by_name(store)
        stories = Stories(store, threshold=settings.syndication.threshold)
        found = stories.elsewhere(list(ids.values()))
        assert {c.id for c in found[ids["ap"]]} == {ids["cnn"], ids["reuters"]}
        assert ids["tributes"] not in found  # a story of its own
        (tmp_path / "run1" / "articles.jsonl").unlink()  # the original and the tributes go
        ingest([tmp_path / "run1"], settings=settings, embedder=HashingEmbedder(), prune=True)
        left = stories.elsewhere([ids["ap"], ids["reuters"]])
        assert [c.id for c in left[ids["ap"]]] == [ids["reuters"]]
        assert [c.id for c in left[ids["reuters"]]] == [ids["ap"]]

    def test_a_copy_still_being_written_is_no_copy_until_it_is_done(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        """The band-key query matches rows in any state; only finished articles are copies."""
        s = story()
        self.run(settings, tmp_path / "run1", s["cnn"])
        store = Store.open(settings, model_id=HashingEmbedder().model_id)
        cnn = ids_by_name(store)["cnn"]
        stories = Stories(store, threshold=settings.syndication.threshold)
        ap = Article(**{**s["ap"], "date": date.fromisoformat(s["ap"]["date"])})
        with store.writing() as writer:
            store.begin([(ap, "wire", 1)], writer, bands={ap.id: band_keys(ap.text)})
            assert ap.id in store.sharing_bands([band_keys(ap.text)])
            assert stories.elsewhere([cnn]) == {}  # pending: half its chunks may be missing
            store.commit([ap.id], writer)
        assert [c.id for c in stories.elsewhere([cnn])[cnn]] == [ap.id]


class TestCopiesFollowOtherWriters:
    """A running server keeps what it read about copies in memory between questions: another
    process's ingest or removal must show on the next question all the same."""

    def writer(self, settings: Settings, *paths: Path, prune: bool = False) -> None:
        """A real ``qa`` ingest in a process of its own (tests/ingest_worker.py)."""
        from ingest_worker import start_worker

        flags = ["--prune"] if prune else []
        process = start_worker(*flags, str(settings.data_dir), *map(str, paths))
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]

    def test_a_copy_another_process_adds_or_removes_shows_on_the_next_lookup(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        s = story()
        first = write(tmp_path / "run1" / "articles.jsonl", json.dumps(s["cnn"]) + "\n")
        ap = write(tmp_path / "run2" / "articles.jsonl", json.dumps(s["ap"]) + "\n")
        reuters = write(tmp_path / "run3" / "articles.jsonl", json.dumps(s["reuters"]) + "\n")
        ingest([first, ap], settings=settings, embedder=HashingEmbedder())
        store = Store.open(settings, model_id=HashingEmbedder().model_id)
        stories = Stories(store, threshold=settings.syndication.threshold)
        cnn = ids_by_name(store)["cnn"]
        assert [c.url for c in stories.elsewhere([cnn])[cnn]] == [s["ap"]["url"]]

        reads: list[str] = []
        for name in ("records", "sharing_bands", "article_texts"):
            real = getattr(store, name)

            def counted(*args: Any, _name: str = name, _real: Any = real) -> Any:
                reads.append(_name)
                return _real(*args)

            setattr(store, name, counted)
        assert [c.url for c in stories.elsewhere([cnn])[cnn]] == [s["ap"]["url"]]
        assert reads == []  # asked again with nothing written: answered from memory

        self.writer(settings, reuters)  # another process adds a third copy
        urls = {c.url for c in stories.elsewhere([cnn])[cnn]}
        assert urls == {s["ap"]["url"], s["reuters"]["url"]}

        ap.unlink()  # and another removes one
        self.writer(settings, ap.parent, prune=True)
        assert [c.url for c in stories.elsewhere([cnn])[cnn]] == [s["reuters"]["url"]]
        gone = ids_by_name(Store.open(settings, model_id=HashingEmbedder().model_id))
        assert "ap" not in gone


class TestGroupedAtIngest:
    @pytest.fixture
    def engine(self, settings: Settings, real_embedder: LocalEmbedder, tmp_path: Path) -> Engine:
        """The story's CNN original and the tribute piece in one run, each copy in a later run."""
        engine = Engine(settings, embedder=real_embedder)
        s = story()
        ingest_run(engine, tmp_path / "run1", s["cnn"], s["tributes"])
        ingest_run(engine, tmp_path / "run2", s["ap"])
        ingest_run(engine, tmp_path / "run3", s["reuters"])
        return engine

    def ids(self, engine: Engine) -> dict[str, str]:
        return ids_by_name(engine.store)

    def test_the_story_is_cited_once_and_says_where_else_it_ran(self, engine: Engine) -> None:
        ids = self.ids(engine)
        copies = {ids["cnn"], ids["ap"], ids["reuters"]}
        answer = engine.ask(QUESTION)
        assert not answer.refused, answer.text
        cited = story_citations(answer, copies)
        assert cited, answer.citations
        assert len({c.article_id for c in cited}) == 1  # one copy of the story is cited
        also = {copy.article_id for copy in cited[0].also_in}
        assert also == copies - {cited[0].article_id}
        sources = {copy.source for copy in cited[0].also_in}
        assert sources <= {story()[k]["url"] for k in ("cnn", "ap", "reuters")}
        for citation in answer.citations:  # the tribute piece is a story of its own
            assert ids["tributes"] not in {copy.article_id for copy in citation.also_in}
            if citation.article_id == ids["tributes"]:
                assert citation.also_in == []

    def test_retrieval_spends_no_slot_on_a_second_copy(
        self, engine: Engine, settings: Settings, real_embedder: LocalEmbedder
    ) -> None:
        """Passage-level MMR is off here, so only the grouping keeps the copies out."""
        ids = self.ids(engine)
        copies = {ids["cnn"], ids["ap"], ids["reuters"]}

        def copies_retrieved(enabled: bool) -> int:
            engine = Engine(changed(settings, enabled=enabled), embedder=real_embedder)
            passages = engine.retrieve(QUESTION, k=6)
            return len({p.chunk.article_id for p in passages} & copies)

        assert copies_retrieved(enabled=True) == 1
        assert copies_retrieved(enabled=False) == 3

    def test_without_syndication_no_citation_names_copies(
        self, engine: Engine, settings: Settings, real_embedder: LocalEmbedder
    ) -> None:
        plain = Engine(changed(settings, enabled=False, mmr=True), embedder=real_embedder)
        assert all(not c.also_in for c in plain.ask(QUESTION).citations)

    def test_removing_a_copy_orphans_none_and_it_rejoins_when_back(
        self, engine: Engine, settings: Settings, tmp_path: Path
    ) -> None:
        ids = self.ids(engine)
        stories = Stories(engine.store, threshold=settings.syndication.threshold)
        (tmp_path / "run2" / "articles.jsonl").unlink()  # the AP copy's file is gone
        report = engine.ingest([tmp_path / "run2"], prune=True)
        assert report.removed == [ids["ap"]]
        left = stories.elsewhere([ids["cnn"], ids["reuters"]])
        assert [c.id for c in left[ids["cnn"]]] == [ids["reuters"]]
        assert [c.id for c in left[ids["reuters"]]] == [ids["cnn"]]
        ingest_run(engine, tmp_path / "run4", story()["ap"])
        back = stories.elsewhere([ids["ap"]])
        assert {c.id for c in back[ids["ap"]]} == {ids["cnn"], ids["reuters"]}

    def test_answers_follow_copies_another_writer_removes_or_adds(
        self, engine: Engine, settings: Settings, real_embedder: LocalEmbedder, tmp_path: Path
    ) -> None:
        """The engine keeps copies it looked up in memory between questions; a writer of its
        own (not this engine) removes a copy, then adds it back."""
        ids = self.ids(engine)
        copies = {ids["cnn"], ids["ap"], ids["reuters"]}

        def also_in() -> set[str]:
            cited = story_citations(engine.ask(QUESTION), copies)
            assert cited
            return {copy.article_id for copy in cited[0].also_in} | {cited[0].article_id}

        assert also_in() == copies
        (tmp_path / "run2" / "articles.jsonl").unlink()  # the AP copy's file is gone
        ingest([tmp_path / "run2"], settings=settings, embedder=real_embedder, prune=True)
        assert also_in() == copies - {ids["ap"]}
        path = write(tmp_path / "run4" / "articles.jsonl", json.dumps(story()["ap"]) + "\n")
        ingest([path], settings=settings, embedder=real_embedder)
        assert also_in() == copies

    def test_a_rewritten_copy_leaves_the_story(self, engine: Engine, tmp_path: Path) -> None:
        ids = self.ids(engine)
        # The AP row now carries the tribute piece's text, lightly edited: an update in place.
        rewritten = {**story()["ap"], "text": story()["tributes"]["text"].replace("Monday", "Mon.")}
        path = write(tmp_path / "run2" / "articles.jsonl", json.dumps(rewritten) + "\n")
        assert engine.ingest([path]).updated == [ids["ap"]]
        found = Stories(engine.store, threshold=0.5).elsewhere([ids["cnn"], ids["tributes"]])
        assert [c.id for c in found[ids["cnn"]]] == [ids["reuters"]]
        assert [c.id for c in found[ids["tributes"]]] == [ids["ap"]]

    def test_rest_v1_and_the_cli_say_where_else_it_ran(self, engine: Engine) -> None:
        import httpx
        from fastapi import FastAPI
        from http_server import serving

        from qa.api import rest_router
        from qa.cli import format_answer
        from qa.openai_api import openai_router

        ids = self.ids(engine)
        app = FastAPI()
        app.include_router(rest_router(engine))
        app.include_router(openai_router(engine))
        with serving(app) as url:
            rest = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60).json()
            chat = httpx.post(
                f"{url}/v1/chat/completions",
                json={"model": "qa", "messages": [{"role": "user", "content": QUESTION}]},
                timeout=60,
            ).json()
        copies = {ids["cnn"], ids["ap"], ids["reuters"]}
        for citations in (rest["citations"], chat["citations"]):
            cited = [c for c in citations if c["article_id"] in copies]
            assert len({c["article_id"] for c in cited}) == 1
            also = cited[0]["also_in"]
            assert {c["article_id"] for c in also} == copies - {cited[0]["article_id"]}
            assert all(set(c) == {"article_id", "title", "source", "date"} for c in also)
        assert "also ran in: " in chat["choices"][0]["message"]["content"]
        assert "\n    also ran in: " in format_answer(engine.ask(QUESTION))


class TestSignaturesPersist:
    def test_an_index_from_before_signatures_gets_them_on_the_next_ingest(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        s = story()
        embedder = HashingEmbedder()
        off = changed(settings, enabled=False, mmr=True)
        path = write(tmp_path / "in" / "a.jsonl", json.dumps(s["cnn"]) + "\n")
        ingest([path], settings=off, embedder=embedder)
        store = Store.open(settings, model_id=embedder.model_id)
        cnn = ids_by_name(store)["cnn"]
        assert store.records([cnn])[cnn].bands is None
        embedded = embedder.embedded
        report = ingest([path], settings=settings, embedder=embedder, store=store)
        assert report.unchanged == [cnn]
        assert embedder.embedded == embedded  # signed without re-embedding
        assert store.records([cnn])[cnn].bands == band_keys(s["cnn"]["text"])
