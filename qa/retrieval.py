"""Find the passages for a question: hybrid dense + BM25 search, date-aware, reranked, diverse.

``HybridRetriever`` (the default) does, for one question:

1. **Candidates** from dense search in Chroma and BM25 (``qa.keyword_index``), both under the
   same date and source ``Filters``. When the question names a time ("this week", "in March
   2023", resolved against the reference date by ``qa.dates``) each side adds a second ranking
   of the chunks inside that window; when it names none, inside the last ``recency_days``
   before the reference date. Each side searches once: BM25 scores the corpus once and masks
   it, and the dense window ranking is the in-window part of the best ``window_pool``.
   Those rankings are a preference, not a filter (``date_filter`` makes the window a filter):
   a story "last year" is often reported this year.
2. **Fusion** by weighted reciprocal rank: ``sum(weight / (rrf_k + rank))`` over the rankings.
3. **Rerank** of the best ``rerank_depth`` by their best sentence (``qa.rerank``).
4. **Copies** of one story (``qa.syndication``: the same wire story on several sites) keep
   only their best-ranked copy's passages (and any passage the others alone have).
5. **MMR** over the result, with word-shingle overlap as the similarity, so near-identical
   passages do not fill the top k; passages above ``duplicate_threshold`` are dropped.

A hit's ``score`` is the retriever's final relevance score (higher is better), not a cosine.
``mode="dense"`` or ``"keyword"`` turns one side off; the rest of the pipeline is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from qa.dates import DateWindow, days_before, resolve_dates
from qa.embeddings import Embedder
from qa.keyword_index import KeywordIndex
from qa.models import Filters, StoredChunk
from qa.rerank import Reranker, make_reranker, query_vector
from qa.settings import Settings
from qa.store import Hit, Store
from qa.syndication import Stories
from qa.text import words


class Retriever(Protocol):
    def retrieve(
        self,
        query: str,
        *,
        k: int,
        filters: Filters | None = None,
        as_of: date | None = None,
    ) -> list[Hit]: ...


@dataclass(frozen=True)
class Ranking:
    """One ranked list of chunk ids and its weight in the fusion."""

    name: str
    weight: float
    ids: tuple[str, ...]


class HybridRetriever:
    """Dense + BM25 with rank fusion, date preference, sentence rerank and MMR.

    >>> retriever = HybridRetriever(settings, store, embedder)       # doctest: +SKIP
    >>> retriever.retrieve("Which retailer cut gas prices this week?", k=4,
    ...                    as_of=date(2022, 7, 1))                    # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        embedder: Embedder,
        *,
        keyword_index: KeywordIndex | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self._settings = settings.retrieval
        self._store = store
        self._embedder = embedder
        # Not `or`: an index not loaded yet has len() 0, and an injected one must still be used.
        self._keyword = (
            keyword_index if keyword_index is not None else KeywordIndex(settings, store)
        )
        self._reranker = reranker if reranker is not None else make_reranker(settings, embedder)
        syndication = settings.syndication
        self._stories = (
            Stories(store, threshold=syndication.threshold) if syndication.enabled else None
        )

    @property
    def keyword_index(self) -> KeywordIndex:
        return self._keyword

    @property
    def stories(self) -> Stories | None:
        """How copies are found (None with syndication off): the engine's ``also_in`` asks
        the same one, so a registry row read to collapse copies is not read again."""
        return self._stories

    def invalidate(self) -> None:
        """The store was just written to: re-check the keyword index on the next query."""
        self._keyword.invalidate()

    def retrieve(
        self,
        query: str,
        *,
        k: int,
        filters: Filters | None = None,
        as_of: date | None = None,
    ) -> list[Hit]:
        rankings, chunks = self.candidates(query, filters=filters, as_of=as_of)
        fused = fuse(rankings, rrf_k=self._settings.rrf_k)
        if not fused:
            return []
        ordered = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        # Only the head of the fusion is ever read: fetch the texts BM25 named for it alone.
        ordered = self._fetch(ordered[: max(self._settings.rerank_depth, 3 * k + 10)], chunks)
        if not ordered:
            return []
        top = fused[ordered[0]]
        relevance = {cid: fused[cid] / top for cid in ordered}
        depth = min(self._settings.rerank_depth, len(ordered))
        if self._reranker is not None and depth:
            head = ordered[:depth]
            scores = self._reranker.scores(query, [chunks[cid] for cid in head])
            # Reranked passages stay ahead of the rest: they were the fused top to begin with.
            for cid, score in zip(head, scores, strict=True):
                relevance[cid] = 1.0 + relevance[cid] + self._settings.rerank_weight * score
        ranked = sorted(ordered, key=lambda cid: relevance[cid], reverse=True)
        if self._stories is not None:
            # One story's copies would take as many slots as it has copies: keep the best one.
            kept = self._stories.collapse([chunks[cid] for cid in ranked])
            ranked = [chunk.id for chunk in kept]
        picked = mmr(
            [(chunks[cid], relevance[cid]) for cid in ranked],
            k=k,
            lambda_=self._settings.mmr_lambda,
            duplicate_threshold=self._settings.duplicate_threshold,
        )
        return [Hit(chunk, score) for chunk, score in picked]

    def candidates(
        self, query: str, *, filters: Filters | None = None, as_of: date | None = None
    ) -> tuple[list[Ranking], dict[str, StoredChunk]]:
        """The rankings to fuse for ``query``, and any chunks already read while searching
        (the rest are read when needed: ``retrieve`` reads only the fused head)."""
        s = self._settings
        base = filters or Filters()
        window = (
            resolve_dates(query, as_of or date.today()) if s.date_weight or s.date_filter else None
        )
        preference: Filters | None = None
        weight = 0.0
        if window is not None and s.date_filter and not (base.since or base.until):
            base = replace(base, since=window.since, until=window.until)
        elif window is not None and s.date_weight:
            preference, weight = _narrow(base, window), s.date_weight
        elif window is None and s.recency_days and s.recency_weight:
            reference = as_of or date.today()
            recent = DateWindow(days_before(reference, s.recency_days), reference, "")
            preference, weight = _narrow(base, recent), s.recency_weight

        chunks: dict[str, StoredChunk] = {}
        rankings: list[Ranking] = []
        if s.mode != "keyword" and s.dense_weight:
            # One nearest-neighbour search serves both rankings: the window's ranking is the
            # in-window part of a deeper pool (a second, date-filtered query costs as much
            # again, and filtered HNSW search slows down as the index grows).
            n = s.candidates if preference is None else max(s.candidates, s.window_pool)
            vector = query_vector(self._embedder, query)
            if preference is not None and s.mode == "dense":
                # No keyword index to read dates from: read the pool's chunks with the search.
                hits = self._store.query(vector, n, base)
                chunks.update((h.chunk.id, h.chunk) for h in hits)
                ids = [h.chunk.id for h in hits]
                inside = [h.chunk.id for h in hits if preference.admits(h.chunk)]
            else:
                ids = self._store.nearest_ids(vector, n, base)
                inside = self._keyword.admitted(ids, preference) if preference else []
            rankings.append(Ranking("dense", s.dense_weight, tuple(ids[: s.candidates])))
            if preference is not None:
                rankings.append(
                    Ranking("date:dense", weight * s.dense_weight, tuple(inside[: s.candidates]))
                )
        if s.mode != "dense" and s.keyword_weight:
            sides = [("keyword", 1.0, base)]
            if preference is not None:
                sides.append(("date:keyword", weight, preference))
            found = self._keyword.search_each(query, s.candidates, [f for _, _, f in sides])
            for (name, factor, _), matches in zip(sides, found, strict=True):
                matched = tuple(m.chunk_id for m in matches)
                rankings.append(Ranking(name, factor * s.keyword_weight, matched))
        return rankings, chunks

    def _fetch(self, ids: Sequence[str], chunks: dict[str, StoredChunk]) -> list[str]:
        """``ids`` with their chunks in ``chunks``, reading the missing ones from the store;
        ids the store no longer has (a keyword index a moment behind a delete) are dropped."""
        missing = [cid for cid in ids if cid not in chunks]
        for chunk in self._store.chunks(missing):
            chunks[chunk.id] = chunk
        return [cid for cid in ids if cid in chunks]


def fuse(rankings: Sequence[Ranking], *, rrf_k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: each ranking adds ``weight / (rrf_k + rank)``.

    >>> fuse([Ranking("a", 1.0, ("x", "y")), Ranking("b", 1.0, ("y",))], rrf_k=60)["y"] > 0.03
    True
    """
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking.ids, 1):
            fused[cid] = fused.get(cid, 0.0) + ranking.weight / (rrf_k + rank)
    return fused


def shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    """Word ``size``-grams of ``text``: what syndicated copies of a story share."""
    tokens = words(text)
    if len(tokens) < size:
        return frozenset([tuple(tokens)]) if tokens else frozenset()
    # zip of shifted views builds the same tuples as slicing each window, at a third the cost.
    return frozenset(zip(*(tokens[i:] for i in range(size)), strict=False))


def overlap(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    """Share of the smaller passage's shingles found in the other (a copy inside a longer
    chunk counts as a copy)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def mmr(
    scored: Sequence[tuple[StoredChunk, float]],
    *,
    k: int,
    lambda_: float,
    duplicate_threshold: float,
) -> list[tuple[StoredChunk, float]]:
    """Pick ``k`` passages by maximal marginal relevance: ``lambda_ * relevance - (1 - lambda_) *
    (greatest overlap with a passage already picked)``, relevance min-max scaled to 0..1 over
    ``scored``. A passage overlapping a picked one by more than ``duplicate_threshold`` is
    never picked (1.0: never dropped)."""
    if not scored:
        return []
    high = max(score for _, score in scored)
    low = min(score for _, score in scored)
    span = (high - low) or 1.0
    relevance = [(score - low) / span for _, score in scored]
    # Shingling a passage is most of MMR's cost, and most passages never need it: a passage
    # whose relevance alone cannot beat the best value found so far in a round (its overlap
    # only lowers it) is passed over unread. Each passage's greatest overlap is kept and
    # brought up to date with the passages picked since it was last looked at.
    grams: dict[int, frozenset[tuple[str, ...]]] = {}
    greatest: dict[int, tuple[int, float]] = {}  # passage -> (picked seen, greatest overlap)

    def shingled(i: int) -> frozenset[tuple[str, ...]]:
        if i not in grams:
            grams[i] = shingles(scored[i][0].text)
        return grams[i]

    def similarity(i: int) -> float:
        seen, most = greatest.get(i, (0, 0.0))
        for p in picked[seen:]:
            most = max(most, overlap(shingled(i), shingled(p)))
        greatest[i] = (len(picked), most)
        return most

    pool = list(range(len(scored)))
    picked: list[int] = []
    while pool and len(picked) < k:
        best_index, best_value = -1, float("-inf")
        for place, i in enumerate(pool):
            if lambda_ * relevance[i] <= best_value:
                continue  # cannot be picked this round: its value is at most this
            most = similarity(i)
            if most > duplicate_threshold:
                continue
            value = lambda_ * relevance[i] - (1 - lambda_) * most
            if value > best_value:
                best_index, best_value = place, value
        if best_index < 0:
            break
        picked.append(pool.pop(best_index))
    return [scored[i] for i in picked]


def _narrow(filters: Filters, window: DateWindow) -> Filters | None:
    """``filters`` further restricted to ``window``; None when nothing can pass both."""
    since = max(d for d in (filters.since, window.since) if d is not None)
    until = min(d for d in (filters.until, window.until) if d is not None)
    if since > until:
        return None
    return replace(filters, since=since, until=until)


def make_retriever(settings: Settings, store: Store, embedder: Embedder) -> Retriever:
    """The retriever ``settings`` ask for (``retrieval.mode`` picks the sides it searches)."""
    return HybridRetriever(settings, store, embedder)
