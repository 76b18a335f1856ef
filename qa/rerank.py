"""Rerank retrieved passages by their best sentence, with what runs offline.

A news quiz answer is usually one sentence deep in a long article, so a passage is worth what its
best sentence is worth: each sentence of a candidate is scored by the bundled encoder's cosine to
the question and by the share of the question's terms it contains, names and numbers counting
double (they are what dense vectors blur). ``CrossEncoderReranker`` is the seam for a stronger,
installed model; it is used only when ``retrieval.cross_encoder`` names one.

The answerer later scores the same sentences, so their vectors go through the engine's
``CachingEmbedder`` (``sentence_vectors``) and are embedded once per question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.chunking import split_sentences
from qa.embeddings import CachingEmbedder, Embedder, Vectors
from qa.models import StoredChunk
from qa.settings import Settings
from qa.text import content_terms, raw_tokens, weighted_coverage, words

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder


def sentence_vectors(embedder: Embedder, texts: Sequence[str]) -> Vectors:
    """``embedder.embed_documents(texts)``, through its cache when it keeps one (the engine's
    does: see ``qa.embeddings.CachingEmbedder``)."""
    if isinstance(embedder, CachingEmbedder):
        return embedder.cached_documents(texts)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return embedder.embed_documents(list(texts))


def query_vector(embedder: Embedder, question: str) -> Vectors:
    """``embedder.embed_query(question)``, through its cache when it keeps one."""
    if isinstance(embedder, CachingEmbedder):
        return embedder.cached_query(question)
    return embedder.embed_query(question)


_NUMBER = re.compile(r"\d")


def key_terms(question: str) -> set[str]:
    """The question's names and numbers as content terms: capitalised words (not the first
    word, which is capitalised anyway) and anything with a digit.

    >>> sorted(key_terms("How many months was Brittney Griner's detention extended in 2022?"))
    ['2022', 'brittney', 'griner']
    """
    found: set[str] = set()
    for i, token in enumerate(raw_tokens(question)):
        if i > 0 and token[0].isupper():
            found.update(content_terms(token))
    found.update(t for t in content_terms(question) if _NUMBER.search(t))
    return found


@dataclass(frozen=True)
class SentenceScore:
    """The best sentence of one chunk and its score."""

    start: int  # offsets in the chunk text
    end: int
    score: float


class Reranker(Protocol):
    """Scores candidate chunks against a question; higher is better, about 0..1."""

    def scores(self, question: str, chunks: Sequence[StoredChunk]) -> list[float]: ...


class SentenceReranker:
    """A chunk's score is its best sentence's: ``similarity_weight`` x cosine to the question
    plus the rest x idf-weighted coverage of the question's terms (names and numbers double).

    >>> SentenceReranker(embedder).scores("Who won?", chunks)   # doctest: +SKIP
    [0.61, 0.38]
    """

    def __init__(
        self, embedder: Embedder, *, similarity_weight: float = 0.6, budget: int = 24
    ) -> None:
        self._embedder = embedder
        self._similarity_weight = similarity_weight
        self._budget = budget

    def scores(self, question: str, chunks: Sequence[StoredChunk]) -> list[float]:
        return [best.score if best else 0.0 for best in self.best_sentences(question, chunks)]

    def best_sentences(
        self, question: str, chunks: Sequence[StoredChunk]
    ) -> list[SentenceScore | None]:
        spans: list[tuple[int, int, int, str]] = []  # chunk index, start, end, sentence
        for i, chunk in enumerate(chunks):
            for span in split_sentences(chunk.text):
                sentence = span.of(chunk.text)
                if len(words(sentence)) >= 4:
                    spans.append((i, span.start, span.end, sentence))
        best: list[SentenceScore | None] = [None] * len(chunks)
        if not spans:
            return best
        sentence_terms = [set(content_terms(s[3])) for s in spans]
        weights = term_weights(question, sentence_terms)
        lexical = [weighted_coverage(weights, terms) for terms in sentence_terms]
        # Embedding every sentence of every candidate costs far more than the query budget
        # allows on a CPU: only the lexically best ``budget`` sentences are embedded, and the
        # rest count as no closer than the least similar of those.
        ranked = sorted(range(len(spans)), key=lambda r: lexical[r], reverse=True)
        embedded = sorted(ranked[: self._budget])
        found: dict[int, float] = {}
        if embedded:
            vectors = sentence_vectors(self._embedder, [spans[r][3] for r in embedded])
            similarity = vectors @ query_vector(self._embedder, question)
            found = dict(zip(embedded, (float(x) for x in similarity), strict=True))
        share = self._similarity_weight if found else 0.0
        floor = min(found.values(), default=0.0)
        for row, (i, start, end, _) in enumerate(spans):
            score = share * found.get(row, floor) + (1 - share) * lexical[row]
            current = best[i]
            if current is None or score > current.score:
                best[i] = SentenceScore(start, end, score)
        return best


def term_weights(question: str, sentence_terms: Sequence[set[str]]) -> dict[str, float]:
    """Each question term weighted by its rarity among the candidate sentences (an idf), names
    and numbers doubled."""
    keys = key_terms(question)
    total = len(sentence_terms)
    weights: dict[str, float] = {}
    for term in dict.fromkeys(content_terms(question)):
        df = sum(1 for terms in sentence_terms if term in terms)
        weight = math.log((total + 1) / (df + 0.5))
        weights[term] = max(weight, 0.0) * (2.0 if term in keys else 1.0)
    return weights


class CrossEncoderReranker:
    """A sentence-transformers ``CrossEncoder`` read from a local path or the local HF cache.

    Nothing is downloaded: with ``HF_HUB_OFFLINE`` a model that is not installed fails to load
    with a clear message.
    """

    def __init__(self, model: str) -> None:
        self._name = model
        self._model: CrossEncoder | None = None

    def _load(self) -> CrossEncoder:
        if self._model is None:
            try:
                from sentence_transformers import CrossEncoder

                self._model = CrossEncoder(self._name, local_files_only=True)
            except Exception as exc:
                msg = (
                    f"QA_RETRIEVAL_CROSS_ENCODER={self._name!r} cannot be loaded offline ({exc}); "
                    "install the model locally or unset QA_RETRIEVAL_CROSS_ENCODER."
                )
                raise RuntimeError(msg) from exc
        return self._model

    def scores(self, question: str, chunks: Sequence[StoredChunk]) -> list[float]:
        if not chunks:
            return []
        raw = self._load().predict([(question, c.text) for c in chunks], show_progress_bar=False)
        return [1.0 / (1.0 + math.exp(-float(x))) for x in np.asarray(raw).ravel()]


def make_reranker(settings: Settings, embedder: Embedder) -> Reranker | None:
    """The cross-encoder when one is configured, else the sentence reranker; None when off."""
    if settings.retrieval.rerank_depth == 0 or settings.retrieval.rerank_weight == 0:
        return None
    if settings.retrieval.cross_encoder:
        return CrossEncoderReranker(settings.retrieval.cross_encoder)
    return SentenceReranker(
        embedder,
        similarity_weight=settings.retrieval.rerank_similarity_weight,
        budget=settings.retrieval.rerank_sentences,
    )
