"""How each retrieval knob moves hit@k on the development set: the measurements behind the defaults.

    .venv/bin/python benchmarks/sweep_retrieval.py [--answers] [name=value ...]

Reuses the index benchmarks/retrieval.py built (same cache). Each row changes one or more
``retrieval`` settings from the defaults (``--answers`` also runs the offline answerer).
Development figures: tune here, report the final ones from benchmarks/retrieval.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from retrieval import DEFAULT_DATA, KS, hit_rates, indexed_subset, load_questions, qa_engine

from qa.embeddings import LocalEmbedder, Vectors
from qa.engine import Engine
from qa.retrieval import HybridRetriever
from qa.settings import Settings
from qa.text import contains_answer

# Sentence embedding dominates the cost of a query, so most rows leave it out
# (rerank_sentences=0) to isolate the other knobs; the last rows measure what it adds.
_LEX = {"rerank_sentences": 0}
VARIANTS: list[dict[str, Any]] = [
    {"mode": "dense", "rerank_depth": 0, "date_weight": 0, "recency_days": 0, "mmr_lambda": 1.0},
    {"mode": "dense", "rerank_depth": 0},
    {"mode": "keyword", "rerank_depth": 0},
    {"rerank_depth": 0},
    _LEX,
    _LEX | {"date_weight": 0, "recency_days": 0},
    _LEX | {"recency_weight": 1.0},
    _LEX | {"recency_days": 0},
    _LEX | {"mmr_lambda": 1.0, "duplicate_threshold": 1.0},
    _LEX | {"rerank_weight": 0.5},
    _LEX | {"rerank_weight": 2.0},
    _LEX | {"keyword_weight": 1.5},
    _LEX | {"keyword_weight": 0.7},
    _LEX | {"rrf_k": 20},
    {"rerank_sentences": 8},
    {},
]


class MemoEmbedder:
    """The encoder with every text remembered: rows after the first cost no embedding, so the
    sweep compares rankings, not the load on the machine (latency is measured by retrieval.py)."""

    def __init__(self, inner: LocalEmbedder) -> None:
        self._inner = inner
        self._memo: dict[str, Vectors] = {}

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return self._inner.embed_documents(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            self._memo.update(zip(missing, self._inner.embed_documents(missing), strict=True))
        return np.stack([self._memo[t] for t in texts])

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector


def parse(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def evaluate(
    engine: Engine, settings: Settings, questions: Sequence[Any], *, answers: bool
) -> tuple[dict[int, float], float, float | None]:
    retriever = HybridRetriever(settings, engine.store, engine.embedder)
    passages, latencies = [], []
    for q in questions:
        clock = time.perf_counter()
        hits = retriever.retrieve(q.text, k=10, as_of=q.date)
        latencies.append((time.perf_counter() - clock) * 1000)
        passages.append([h.chunk.text for h in hits])
    accuracy = None
    if answers:
        tuned = Engine(settings, embedder=engine.embedder, store=engine.store, retriever=retriever)
        accuracy = sum(
            contains_answer(tuned.ask(q.text, as_of=q.date).text, q.answer) for q in questions
        ) / len(questions)
    return hit_rates(passages, questions), statistics.median(latencies), accuracy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", action="store_true")
    parser.add_argument("--subset", action="store_true", help="as in benchmarks/retrieval.py")
    parser.add_argument("--index", type=Path, help="qa's index folder (default: the cache)")
    parser.add_argument(
        "--weeks",
        choices=["odd", "even"],
        help="only the questions of every other quiz week: tune on one half, check on the other",
    )
    parser.add_argument("overrides", nargs="*", help="name=value retrieval settings: one row")
    args = parser.parse_args()
    questions = load_questions(DEFAULT_DATA)
    embedder = LocalEmbedder()
    embedder.embed_query("warm up")
    engine = qa_engine(
        DEFAULT_DATA, MemoEmbedder(embedder), ingest=not args.subset, index=args.index
    )
    if args.subset:
        _, questions = indexed_subset(DEFAULT_DATA, engine, questions)
    if args.weeks:
        weeks = sorted({q.date for q in questions if q.date})
        keep = set(weeks[args.weeks == "even" :: 2])
        questions = [q for q in questions if q.date in keep]
    print(f"{len(questions)} questions, {engine.store.count_chunks()} chunks")
    variants = (
        [dict((k, parse(v)) for k, v in (o.split("=", 1) for o in args.overrides))]
        if args.overrides
        else VARIANTS
    )
    print(f"{'variant':<60} hit@1  hit@4  hit@10  p50 ms  acc")
    for variant in variants:
        retrieval = engine.settings.retrieval.model_copy(update=variant)
        settings = engine.settings.model_copy(update={"retrieval": retrieval})
        hits, p50, accuracy = evaluate(engine, settings, questions, answers=args.answers)
        name = ", ".join(f"{k}={v}" for k, v in variant.items()) or "defaults"
        figures = "  ".join(f"{hits[k]:.3f}" for k in KS)
        acc = f"{accuracy:.3f}" if accuracy is not None else ""
        print(f"{name:<60} {figures}  {p50:6.1f}  {acc}", flush=True)


if __name__ == "__main__":
    main()
