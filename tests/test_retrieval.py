"""Hybrid retrieval: every knob changes the results the way it should.

Most tests use small hand-made corpora and fast deterministic encoders: ``TopicEmbedder`` sees
only a few topic words and is blind to names, which is exactly the weakness of dense search
that BM25 is there to cover.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import HashingEmbedder, write

from qa.embeddings import CachingEmbedder, Vectors
from qa.engine import Engine
from qa.keyword_index import KeywordIndex, store_fingerprint
from qa.models import Answer, Filters, StoredChunk
from qa.rerank import (
    CrossEncoderReranker,
    SentenceReranker,
    key_terms,
    make_reranker,
    query_vector,
    sentence_vectors,
)
from qa.retrieval import HybridRetriever, Ranking, fuse, mmr, overlap, shingles
from qa.settings import Settings
from qa.store import Store
from qa.text import words

TOPICS = ("gas", "price", "prices", "gallon", "fuel", "driver", "drivers", "council", "budget")


class TopicEmbedder:
    """Counts a few topic words and ignores every other word, names included."""

    model_id = "test/topics"

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), len(TOPICS) + 1), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                if word in TOPICS:
                    out[row, TOPICS.index(word)] += 1.0
            out[row, -1] = 0.05  # never the zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_query(self, text: str) -> Vectors:
        return self.embed_documents([text])[0]


def corpus(folder: Path, records: list[dict[str, Any]], name: str = "news.jsonl") -> Path:
    lines = [
        json.dumps(
            {"source": "wire.example", "date": "2022-06-28", "url": f"https://x/{r['id']}"} | r
        )
        for r in records
    ]
    return write(folder / name, "\n".join(lines) + "\n")


def make_engine(tmp_path: Path, embedder: Any = None, **retrieval: Any) -> Engine:
    settings = Settings(
        data_dir=tmp_path / "data", llm={"provider": "extractive"}, retrieval=retrieval
    )
    return Engine(settings, embedder=embedder or HashingEmbedder())


def titles(engine: Engine, question: str, **kwargs: Any) -> list[str]:
    return [s.chunk.title for s in engine.retrieve(question, **kwargs)]


CITIES = "Austin Boston Chicago Denver Fresno Houston Miami Omaha Reno Tampa Tulsa Waco".split()
GAS = [
    {
        "id": f"gas{i}",
        "title": f"Gas prices in {city}",
        "text": f"{city} drivers saw gas prices fall. In {city}, fuel per gallon of gas cost "
        f"{i + 3} cents less than in {CITIES[i - 1]} last {('Monday', 'Friday')[i % 2]}, "
        f"and {city} drivers paid less for gas.",
    }
    for i, city in enumerate(CITIES)
]
SHEETZ = {
    "id": "sheetz",
    "title": "Holiday weekend deal",
    "text": "Sheetz, the convenience chain, said it would sell unleaded for $3.99 through the "
    "holiday weekend. The chain runs stores in six states.",
}


class TestHybrid:
    def test_a_name_only_bm25_matches_is_found(self, tmp_path: Path) -> None:
        question = "What did Sheetz announce about gas prices?"
        dense = make_engine(tmp_path / "d", TopicEmbedder(), mode="dense", rerank_depth=0)
        hybrid = make_engine(tmp_path / "h", TopicEmbedder(), rerank_depth=0)
        for engine in (dense, hybrid):
            engine.ingest([corpus(tmp_path / "in", [*GAS, SHEETZ])])
        assert "Holiday weekend deal" not in titles(dense, question, k=4)
        assert "Holiday weekend deal" in titles(hybrid, question, k=4)
        keyword_only = make_engine(tmp_path / "h", TopicEmbedder(), mode="keyword", rerank_depth=0)
        assert titles(keyword_only, question, k=1) == ["Holiday weekend deal"]

    def test_fusion_weights_decide_which_side_leads(self, tmp_path: Path) -> None:
        question = "What did Sheetz announce about gas prices?"
        folder = corpus(tmp_path / "in", [*GAS, SHEETZ])
        common = {"rerank_depth": 0, "recency_days": 0}
        keyword_only = make_engine(tmp_path, TopicEmbedder(), dense_weight=0, **common)
        keyword_only.ingest([folder])
        dense_only = make_engine(tmp_path, TopicEmbedder(), keyword_weight=0, **common)
        assert titles(keyword_only, question, k=1) == ["Holiday weekend deal"]
        assert titles(dense_only, question, k=1) != ["Holiday weekend deal"]

    def test_candidates_bounds_what_each_side_contributes(self, tmp_path: Path) -> None:
        folder = corpus(tmp_path / "in", GAS[:6])
        wide = make_engine(tmp_path, mode="keyword", candidates=30, recency_days=0)
        wide.ingest([folder])
        narrow = make_engine(tmp_path, mode="keyword", candidates=2, recency_days=0)
        assert len(titles(wide, "gas prices drivers", k=6)) == 6
        assert len(titles(narrow, "gas prices drivers", k=6)) == 2

    def test_reciprocal_rank_fusion_adds_weighted_reciprocal_ranks(self) -> None:
        fused = fuse(
            [Ranking("dense", 1.0, ("a", "b")), Ranking("keyword", 2.0, ("b", "c"))], rrf_k=10
        )
        assert fused == pytest.approx({"a": 1 / 11, "b": 1 / 12 + 2 / 11, "c": 2 / 12})


class TestFilters:
    def test_source_and_date_filters_apply_to_the_keyword_side_too(self, tmp_path: Path) -> None:
        engine = make_engine(tmp_path, mode="keyword")
        engine.ingest(
            [
                corpus(
                    tmp_path / "in",
                    [
                        SHEETZ,
                        {
                            "id": "old",
                            "title": "Old deal",
                            "date": "2020-05-01",
                            "text": "Sheetz opened its first store in Altoona.",
                        },
                        {
                            "id": "other",
                            "title": "Other site",
                            "source": "b.example",
                            "text": "Sheetz is a family-owned chain with a loyal following.",
                        },
                    ],
                )
            ]
        )
        question = "What did Sheetz say?"
        assert len(titles(engine, question, k=10)) == 3
        since = titles(engine, question, k=10, since="2022-01-01")
        assert "Old deal" not in since and len(since) == 2
        assert titles(engine, question, k=10, sources=["b.example"]) == ["Other site"]
        assert titles(engine, question, k=10, until="2020-12-31") == ["Old deal"]

    def test_keyword_search_honours_filters_directly(self, tmp_path: Path) -> None:
        engine = make_engine(tmp_path)
        engine.ingest([corpus(tmp_path / "in", [SHEETZ | {"date": "2020-05-01"}])])
        index = KeywordIndex(engine.settings, engine.store)
        assert index.search("Sheetz", 5)
        assert index.search("Sheetz", 5, Filters(since=date(2021, 1, 1))) == []
        assert index.search("Sheetz", 5, Filters(sources=("wire.example",)))


COUNCIL = [
    {
        "id": "old",
        "title": "Council budget vote",
        "date": "2021-03-02",
        "text": "The council passed the budget after a long budget debate. The council budget "
        "adds money for parks.",
    },
    {
        "id": "new",
        "title": "Council meets",
        "date": "2022-06-29",
        "text": "The council approved a new budget for schools on Wednesday.",
    },
]


class TestDates:
    QUESTION = "What budget did the council pass this week?"
    TODAY = date(2022, 7, 1)

    def engine(self, tmp_path: Path, **retrieval: Any) -> Engine:
        engine = make_engine(tmp_path, TopicEmbedder(), rerank_depth=0, **retrieval)
        engine.ingest([corpus(tmp_path / "in", COUNCIL)])
        return engine

    def test_without_date_words_the_closer_match_wins(self, tmp_path: Path) -> None:
        engine = self.engine(tmp_path, date_weight=0, recency_days=0)
        assert titles(engine, self.QUESTION, k=2, as_of=self.TODAY)[0] == "Council budget vote"

    def test_this_week_prefers_articles_of_the_week_before_the_reference_date(
        self, tmp_path: Path
    ) -> None:
        engine = self.engine(tmp_path, date_weight=1.0)
        found = titles(engine, self.QUESTION, k=2, as_of=self.TODAY)
        assert found == ["Council meets", "Council budget vote"]  # preferred, not filtered

    def test_date_filter_mode_excludes_articles_outside_the_window(self, tmp_path: Path) -> None:
        engine = self.engine(tmp_path, date_filter=True)
        assert titles(engine, self.QUESTION, k=2, as_of=self.TODAY) == ["Council meets"]
        # The window is read against the reference date: a year later, "this week" is empty.
        assert titles(engine, self.QUESTION, k=2, as_of=date(2023, 7, 1)) == []

    def test_recency_preference_applies_when_the_question_names_no_time(
        self, tmp_path: Path
    ) -> None:
        question = "What budget did the council pass?"
        off = self.engine(tmp_path / "off", recency_days=0)
        on = self.engine(tmp_path / "on", recency_days=10, recency_weight=1.0)
        assert titles(off, question, k=1, as_of=self.TODAY) == ["Council budget vote"]
        assert titles(on, question, k=1, as_of=self.TODAY) == ["Council meets"]

    def test_window_pool_bounds_how_deep_the_dense_date_window_looks(self, tmp_path: Path) -> None:
        question = "What budget did the council pass?"
        older = [
            {
                "id": f"old{day}",
                "title": "Council budget",
                "date": f"2021-03-0{day}",
                "text": f"On March {day} the council budget passed; the council budget grew.",
            }
            for day in (1, 2, 3)
        ]
        recent = {
            "id": "new",
            "title": "Schools",
            "date": "2022-06-29",
            "text": "Drivers, fuel and gas prices came up before the council turned to the budget.",
        }
        found = {}
        for pool in (2, 20):
            engine = make_engine(
                tmp_path / str(pool),
                TopicEmbedder(),
                mode="dense",
                candidates=2,
                window_pool=pool,
                recency_days=10,
                recency_weight=2.0,
                rerank_depth=0,
            )
            engine.ingest([corpus(tmp_path / "in", [*older, recent])])
            found[pool] = titles(engine, question, k=1, as_of=self.TODAY)
        # The recent article is the farthest in meaning: only a deep enough pool reaches it.
        assert found == {2: ["Council budget"], 20: ["Schools"]}


class TestDuplicates:
    STORY = (
        "Sheetz said it would sell unleaded gas for $3.99 a gallon through the holiday "
        "weekend, citing high prices for drivers across the state."
    )

    def engine(self, tmp_path: Path, **retrieval: Any) -> Engine:
        engine = make_engine(tmp_path, rerank_depth=0, **retrieval)
        records = [
            {"id": "a", "title": "Sheetz cuts gas price", "text": self.STORY},
            {
                "id": "b",
                "title": "Sheetz cuts gas price",
                "source": "syndicated.example",
                "text": self.STORY + " Copyright the wire.",
            },
            {"id": "c", "title": "Gas prices", "text": "Gas prices for drivers fell to $4.50."},
        ]
        engine.ingest([corpus(tmp_path / "in", records)])
        return engine

    def test_mmr_drops_a_syndicated_copy(self, tmp_path: Path) -> None:
        found = self.engine(tmp_path).retrieve("Sheetz gas price gallon", k=2)
        assert [s.chunk.title for s in found] == ["Sheetz cuts gas price", "Gas prices"]

    def test_without_mmr_both_copies_fill_the_top(self, tmp_path: Path) -> None:
        engine = self.engine(tmp_path, mmr_lambda=1.0, duplicate_threshold=1.0)
        found = engine.retrieve("Sheetz gas price gallon", k=2)
        assert [s.chunk.title for s in found] == ["Sheetz cuts gas price"] * 2

    def test_mmr_prefers_a_novel_passage_over_a_partial_copy(self) -> None:
        def chunk(cid: str, text: str) -> StoredChunk:
            return StoredChunk(cid, cid, text, 0, len(text), 0, "", None, "", None)

        story = "one two three four five six seven eight nine ten"
        scored = [
            (chunk("a", story), 1.0),
            (chunk("b", story[:30] + " alpha beta gamma delta"), 0.9),
            (chunk("c", "entirely different words about something else"), 0.85),
        ]
        relevance_only = mmr(scored, k=2, lambda_=1.0, duplicate_threshold=1.0)
        diverse = mmr(scored, k=2, lambda_=0.5, duplicate_threshold=1.0)
        assert [c.id for c, _ in relevance_only] == ["a", "b"]
        assert [c.id for c, _ in diverse] == ["a", "c"]
        assert shingles("a b c d") == {("a", "b", "c"), ("b", "c", "d")}

    def test_mmr_picks_what_scoring_every_passage_every_round_picks(self) -> None:
        """``mmr`` leaves unread the passages that cannot win a round; on random pools (ties,
        copies, unsorted scores) it picks exactly what the textbook loop picks."""

        def textbook(
            scored: Sequence[tuple[StoredChunk, float]], k: int, lambda_: float, threshold: float
        ) -> list[str]:
            high, low = max(s for _, s in scored), min(s for _, s in scored)
            pool = [(c, (s - low) / ((high - low) or 1.0), shingles(c.text)) for c, s in scored]
            picked: list[tuple[StoredChunk, float, frozenset[tuple[str, ...]]]] = []
            while pool and len(picked) < k:
                best, value = -1, float("-inf")
                for i, (_, relevance, grams) in enumerate(pool):
                    most = max((overlap(grams, p[2]) for p in picked), default=0.0)
                    if most <= threshold and lambda_ * relevance - (1 - lambda_) * most > value:
                        best, value = i, lambda_ * relevance - (1 - lambda_) * most
                if best < 0:
                    break
                picked.append(pool.pop(best))
            return [c.id for c, _, _ in picked]

        rng = np.random.default_rng(7)
        vocabulary = [f"w{i}" for i in range(12)]
        for trial in range(300):
            scored = []
            for n in range(int(rng.integers(1, 12))):
                text = " ".join(rng.choice(vocabulary, size=int(rng.integers(1, 9))))
                score = float(rng.choice([0.5, 1.0, rng.random()]))  # ties included
                scored.append((StoredChunk(f"c{n}", "a", text, 0, 1, n, "", None, "", None), score))
            k = int(rng.integers(1, 6))
            lambda_ = float(rng.choice([0.0, 0.5, 0.8, 1.0, rng.random()]))
            threshold = float(rng.choice([0.5, 0.9, 1.0]))
            got = [
                c.id for c, _ in mmr(scored, k=k, lambda_=lambda_, duplicate_threshold=threshold)
            ]
            assert got == textbook(scored, k, lambda_, threshold), trial


class TestKeywordIndexFollowsTheStore:
    def test_an_ingest_in_this_engine_is_searchable_at_once(self, tmp_path: Path) -> None:
        engine = make_engine(tmp_path, mode="keyword", keyword_refresh_seconds=3600)
        engine.ingest([corpus(tmp_path / "in", GAS[:2])])
        assert titles(engine, "Sheetz", k=1) == []
        engine.ingest([corpus(tmp_path / "in2", [SHEETZ])])
        assert titles(engine, "Sheetz", k=1) == ["Holiday weekend deal"]

    def test_changes_made_by_another_process_are_noticed(self, tmp_path: Path) -> None:
        reader = make_engine(tmp_path, mode="keyword", keyword_refresh_seconds=0)
        reader.ingest([corpus(tmp_path / "in", GAS[:2])])
        assert titles(reader, "Sheetz", k=1) == []
        writer = make_engine(tmp_path)  # its own store client, as another process would have
        writer.ingest([corpus(tmp_path / "in2", [SHEETZ])])
        assert titles(reader, "Sheetz", k=1) == ["Holiday weekend deal"]
        (tmp_path / "in2" / "news.jsonl").unlink()
        writer.ingest([tmp_path / "in2"], prune=True)
        assert titles(reader, "Sheetz", k=1) == []

    def test_a_new_process_loads_the_persisted_index_without_rebuilding(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        engine = make_engine(tmp_path)
        engine.ingest([corpus(tmp_path / "in", [*GAS[:3], SHEETZ])])
        first = KeywordIndex(engine.settings, engine.store)
        assert first.sync() and len(first) == 4
        saved = engine.settings.data_dir / "keyword" / "articles"
        assert [p.name for p in saved.iterdir()] == [f"{first.fingerprint}-1.5-0.75"]

        def no_rebuild(*_: object, **__: object) -> None:
            raise AssertionError("the persisted index should have been loaded")

        monkeypatch.setattr(type(engine.store), "iter_chunks", no_rebuild)
        reads = registry_reads(monkeypatch)
        second = KeywordIndex(engine.settings, engine.store)
        (hit,) = second.search("Sheetz", 1)
        # Found by the store's write generation, saved with the build: no registry read.
        assert reads == []
        assert engine.store.chunks([hit.chunk_id])[0].title == "Holiday weekend deal"
        assert second.fingerprint == store_fingerprint(engine.store)

    def test_an_unchanged_store_costs_one_row_per_check_not_the_registry(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        engine = make_engine(tmp_path, mode="keyword", keyword_refresh_seconds=0)
        engine.ingest([corpus(tmp_path / "in", GAS[:2])])
        index = KeywordIndex(engine.settings, engine.store)
        index.sync()
        reads = registry_reads(monkeypatch)
        for _ in range(3):
            assert index.search("gas", 1)
        assert reads == []
        make_engine(tmp_path).ingest([corpus(tmp_path / "in2", [SHEETZ])])  # another writer
        reads.clear()
        assert [h.chunk_id.split(":")[0] for h in index.search("Sheetz", 1)]
        assert reads  # the generation moved: the registry was read and the index rebuilt

    def test_every_write_moves_the_store_generation(self, tmp_path: Path) -> None:
        engine = make_engine(tmp_path)
        seen = {engine.store.generation()}
        engine.ingest([corpus(tmp_path / "in", GAS[:2])])
        seen.add(engine.store.generation())
        engine.store.delete_articles(list(engine.store.records())[:1])
        seen.add(engine.store.generation())
        engine.ingest([corpus(tmp_path / "in", GAS[:2])])
        seen.add(engine.store.generation())
        assert None not in seen and len(seen) == 4


def registry_reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every read of the whole article registry from now on."""
    reads: list[object] = []
    real = Store.records

    def counted(self: Store, ids: Sequence[str] | None = None) -> dict[str, Any]:
        reads.append(ids)
        return real(self, ids)

    monkeypatch.setattr(Store, "records", counted)
    return reads


class TestRerank:
    def test_names_and_numbers_are_key_terms(self) -> None:
        assert key_terms("Which team won the 2022 NHL Stanley Cup?") >= {"2022", "nhl", "stanley"}
        assert "which" not in key_terms("Which team won?")

    def test_the_sentence_with_the_questions_names_scores_higher(
        self, hashing_embedder: HashingEmbedder
    ) -> None:
        def chunk(cid: str, text: str) -> StoredChunk:
            return StoredChunk(cid, cid, text, 0, len(text), 0, "", None, "", None)

        reranker = SentenceReranker(hashing_embedder)
        scores = reranker.scores(
            "How many championships do the Colorado Avalanche have?",
            [
                chunk("a", "The team won many championships over the years in hockey."),
                chunk("b", "It was a quiet night. The Colorado Avalanche now have three titles."),
            ],
        )
        assert scores[1] > scores[0]

    def test_the_sentence_budget_caps_what_is_embedded(self) -> None:
        def chunk(cid: str, text: str) -> StoredChunk:
            return StoredChunk(cid, cid, text, 0, len(text), 0, "", None, "", None)

        text = " ".join(f"Town {i} reported rain and wind on day {i}." for i in range(20))
        for budget, embedded in [(0, 0), (5, 6)]:  # the question plus ``budget`` sentences
            embedder = HashingEmbedder()
            scores = SentenceReranker(embedder, budget=budget).scores(
                "Where was the rain?", [chunk("a", text)]
            )
            assert embedder.embedded == embedded and scores[0] > 0

    def test_vectors_are_embedded_once_and_a_full_cache_keeps_every_row_it_returns(self) -> None:
        inner = HashingEmbedder()
        embedder = CachingEmbedder(inner, size=64)
        first = [f"older sentence number {i}" for i in range(embedder.size)]
        sentence_vectors(embedder, first)
        # first[0] is now the least recent row: filling the cache past its size must not drop
        # it before this call has read it.
        mixed = [*(f"newer sentence number {i}" for i in range(10)), first[0]]
        assert np.allclose(sentence_vectors(embedder, mixed), inner.embed_documents(mixed))
        before = sum(inner.calls)
        query_vector(embedder, "Where was the rain?")
        query_vector(embedder, "Where was the rain?")
        assert sum(inner.calls) - before == 1

    def test_the_vector_cache_serves_threads_and_stays_bounded(self) -> None:
        inner = HashingEmbedder()
        embedder = CachingEmbedder(inner, size=50)
        texts = [f"sentence number {i}" for i in range(200)]
        expected = inner.embed_documents(texts)

        def read(offset: int) -> bool:
            batch = [texts[(offset + j) % len(texts)] for j in range(20)]
            rows = [(offset + j) % len(texts) for j in range(20)]
            return bool(np.allclose(sentence_vectors(embedder, batch), expected[rows]))

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert all(pool.map(read, range(0, 400, 3)))
        assert len(embedder._vectors) <= embedder.size

    @pytest.mark.slow  # loading the cross-encoder imports torch: seconds of CPU
    def test_rerank_depth_zero_turns_reranking_off_and_a_cross_encoder_is_a_seam(
        self, tmp_path: Path
    ) -> None:
        off = Settings(data_dir=tmp_path, retrieval={"rerank_depth": 0})
        assert make_reranker(off, HashingEmbedder()) is None
        with_model = Settings(
            data_dir=tmp_path,
            retrieval={"rerank_depth": 20, "cross_encoder": str(tmp_path / "x")},
        )
        reranker = make_reranker(with_model, HashingEmbedder())
        assert isinstance(reranker, CrossEncoderReranker)
        chunk = StoredChunk("a", "a", "text", 0, 4, 0, "", None, "", None)
        with pytest.raises(RuntimeError, match="QA_RETRIEVAL_CROSS_ENCODER"):
            reranker.scores("question", [chunk])

    def test_rerank_depth_and_weight_decide_how_far_the_reranker_reaches(
        self, tmp_path: Path
    ) -> None:
        class Favourite:
            """Prefers the passage that names Sheetz."""

            def scores(self, question: str, chunks: Sequence[StoredChunk]) -> list[float]:
                return [1.0 if "Sheetz" in c.text else 0.0 for c in chunks]

        question = "What did Sheetz announce about gas prices?"
        engine = make_engine(tmp_path, TopicEmbedder(), keyword_weight=0)
        engine.ingest([corpus(tmp_path / "in", [*GAS, SHEETZ])])

        def top(**retrieval: Any) -> str:
            settings = engine.settings.model_copy(
                update={"retrieval": engine.settings.retrieval.model_copy(update=retrieval)}
            )
            retriever = HybridRetriever(
                settings, engine.store, engine.embedder, reranker=Favourite()
            )
            return retriever.retrieve(question, k=1)[0].chunk.title

        assert top(rerank_depth=20, rerank_weight=1.0) == "Holiday weekend deal"
        assert top(rerank_depth=20, rerank_weight=0.0) != "Holiday weekend deal"
        assert top(rerank_depth=3, rerank_weight=1.0) != "Holiday weekend deal"  # out of reach


class SlowKeywordIndex(KeywordIndex):
    """A keyword index whose loads and builds finish only when ``gate`` opens: a start-up load
    that takes exactly as long as the test wants, with no sleeping."""

    def __init__(self, settings: Settings, store: Store) -> None:
        super().__init__(settings, store)
        self.gate = threading.Event()
        self.loading = threading.Event()
        self.waiting = threading.Event()  # some caller found the load under way and waits
        self._lock = ObservedLock(self._lock, self.waiting)

    def _install(self, *args: Any, **kwargs: Any) -> None:
        self.loading.set()
        assert self.gate.wait(60), "the test never opened the gate"
        super()._install(*args, **kwargs)


class ObservedLock:
    """A lock that says when a caller finds it taken."""

    def __init__(self, lock: Any, contended: threading.Event) -> None:
        self._lock = lock
        self._contended = contended

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self._lock.acquire(blocking=False):
            return True
        self._contended.set()
        return bool(self._lock.acquire(blocking, timeout))

    def release(self) -> None:
        self._lock.release()


class TestKeywordIndexAtStartUp:
    QUESTION = "What did Sheetz announce about gas prices?"

    def started(self, tmp_path: Path, **retrieval: Any) -> tuple[Engine, SlowKeywordIndex]:
        """A freshly started engine (as after `qa serve`) over an ingested corpus, its keyword
        index not yet loaded."""
        make_engine(tmp_path, TopicEmbedder()).ingest([corpus(tmp_path / "in", [*GAS, SHEETZ])])
        settings = Settings(
            data_dir=tmp_path / "data",
            llm={"provider": "extractive"},
            retrieval={"rerank_depth": 0, **retrieval},
        )
        embedder = TopicEmbedder()
        store = Store.open(settings, model_id=embedder.model_id)
        index = SlowKeywordIndex(settings, store)
        retriever = HybridRetriever(settings, store, embedder, keyword_index=index)
        engine = Engine(settings, embedder=embedder, store=store, retriever=retriever)
        return engine, index

    def passages(self, answer: Answer) -> list[str]:
        return [p.chunk.title for p in answer.passages]

    def test_questions_during_the_first_load_wait_for_it_and_get_the_later_passages(
        self, tmp_path: Path
    ) -> None:
        engine, index = self.started(tmp_path)
        answers: dict[str, Answer] = {}

        def ask(name: str) -> None:
            answers[name] = engine.ask(self.QUESTION)

        first = threading.Thread(target=ask, args=("first",))
        first.start()
        assert index.loading.wait(60)  # the first question is loading the index
        second = threading.Thread(target=ask, args=("second",))
        second.start()
        while not index.waiting.is_set() and second.is_alive():
            second.join(0.01)  # until the second question waits for the load, or has answered
        index.gate.set()
        first.join(60)
        second.join(60)

        later = engine.ask(self.QUESTION)
        assert "Holiday weekend deal" in self.passages(later)  # found by BM25 alone
        for name in ("first", "second"):
            assert self.passages(answers[name]) == self.passages(later), name
            assert answers[name].warning is None
        assert index.ready

    def test_a_question_that_outwaits_the_bound_says_it_was_dense_only(
        self, tmp_path: Path
    ) -> None:
        engine, index = self.started(tmp_path, keyword_wait_seconds=0)
        loader = threading.Thread(target=index.sync)
        loader.start()
        assert index.loading.wait(60)
        answer = engine.ask(self.QUESTION)
        index.gate.set()
        loader.join(60)

        assert answer.warning and "keyword index was still loading" in answer.warning
        assert "Holiday weekend deal" not in self.passages(answer)
        later = engine.ask(self.QUESTION)
        assert later.warning is None
        assert "Holiday weekend deal" in self.passages(later)

    def test_serve_loads_the_keyword_index_before_the_first_visitor(self, tmp_path: Path) -> None:
        from qa.webapp import warm_up

        engine, index = self.started(tmp_path)
        index.gate.set()
        warm_up(engine)
        assert index.ready and len(index) == len(GAS) + 1
