"""BM25 keyword search over the store's chunks: a derived index that follows the store.

Dense vectors blur the names and numbers news questions turn on ("Sheetz", "3,518 counts");
BM25 (``bm25s``) matches them exactly. The index is derived data: the chunks in the store are
the truth, and the index is rebuilt from them whenever a fingerprint of the store's contents
(every article's id, content hash and state, and the chunk count) differs from the one it was
built from. That keeps it right after an ingest in this process, in another process, or on a
shared Chroma server, without the ingest pipeline having to know about it.

It is ready only once a build is loaded or made: until then no caller is told it is current.
The first load (or build) runs under a lock; a search that arrives meanwhile waits for it, for at
most ``retrieval.keyword_wait_seconds``, and a caller can ask ``ready`` whether BM25 took part.
Later refreshes do not make searches wait: they use the complete index they already have.

It is persisted under ``<data_dir>/keyword/<collection>/<fingerprint>-<k1>-<b>/`` so a new
process loads it instead of re-tokenising the corpus; a build is written to a temporary folder
and renamed into place, so concurrent processes never read half an index.

>>> index = KeywordIndex(settings, store)          # doctest: +SKIP
>>> index.search("Sheetz gas price", 10)           # doctest: +SKIP
[KeywordHit(chunk_id='9f2c...:3', score=12.4), ...]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from qa.models import Filters, StoredChunk
from qa.settings import Settings
from qa.store import Store
from qa.text import content_words, stem

if TYPE_CHECKING:
    import bm25s

_META = "chunks.json"
_GENERATION = "generation"  # the store write generation a build was made at


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


@dataclass(frozen=True)
class _Built:
    """One build, swapped in whole: a search on another thread never sees half of two builds."""

    bm25: bm25s.BM25 | None
    ids: list[str]
    date_ords: npt.NDArray[np.int64]
    sources: npt.NDArray[Any]
    positions: dict[str, int]  # chunk id -> row of the arrays above
    articles: npt.NDArray[np.int64]  # the article of each row, numbered in order of appearance


_EMPTY = _Built(
    None, [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), {}, np.zeros(0, np.int64)
)


def keyword_terms(text: str) -> list[str]:
    """The terms BM25 indexes and queries: folded, stemmed, stopwords dropped, numbers kept.
    Only the endings are stripped ('game' but 'gam' for 'games'), as when BM25 was tuned: the
    whole forms of ``content_terms`` lost 4 of 187 quiz questions at hit@4 (0.663 -> 0.642)."""
    return [stem(t, forms=False) for t in content_words(text)]


def store_fingerprint(store: Store) -> str:
    """Changes whenever an article is added, changed, removed or finishes ingesting."""
    digest = hashlib.sha256(str(store.count_chunks()).encode())
    for record in sorted(store.records().values(), key=lambda r: r.id):
        digest.update(f"\x1e{record.id}\x1f{record.content_hash}\x1f{record.state}".encode())
    return digest.hexdigest()[:20]


class KeywordIndex:
    """BM25 over ``title + text`` of every chunk in ``store``, kept in step with it.

    The store's write generation is polled at most every ``retrieval.keyword_refresh_seconds``,
    and at once after ``invalidate()``; only when it moved is the fingerprint (the whole
    article registry) read to decide whether to rebuild. Safe to share between threads.
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings.retrieval
        self._store = store
        self._folder = settings.data_dir / "keyword" / settings.chroma.collection
        self._fingerprint: str | None = None
        self._generation: str | None = None  # the store's write generation when last checked
        self._checked = 0.0
        self._stale = True
        self._built = _EMPTY
        # Tokens of chunks already seen in this process, so a rebuild after a small ingest only
        # tokenises what changed.
        self._tokens: dict[str, tuple[int, list[str]]] = {}
        self._lock = threading.Lock()  # one thread loads, builds or refreshes at a time
        self._ready = threading.Event()  # set once, when the first build is installed

    @property
    def ready(self) -> bool:
        """True once an index is loaded (or built): searches then see every chunk it covers."""
        return self._ready.is_set()

    @property
    def fingerprint(self) -> str | None:
        """The store fingerprint the loaded index was built from."""
        return self._fingerprint

    def __len__(self) -> int:
        return len(self._built.ids)

    def invalidate(self) -> None:
        """Check the store on the next search (call after writing to it)."""
        self._stale = True

    def sync(self, *, force: bool = False) -> bool:
        """Bring the index in line with the store; True when it had to be rebuilt or reloaded.

        The store's write generation (one row) is polled; the fingerprint (the whole registry)
        is read only when it moved, or with ``force``. Before the first load, a caller that
        finds another thread loading waits for it (at most ``keyword_wait_seconds``); after
        it, such a caller goes on with the index as it is.
        """
        if not force and not self._due():
            return False
        if force:
            wait = -1.0  # an explicit rebuild always happens
        elif self.ready:
            wait = 0.0
        else:
            wait = self._settings.keyword_wait_seconds
        if not self._lock.acquire(timeout=wait):
            return False
        try:
            if not force and not self._due():
                return False  # the thread we waited for did the work
            return self._sync_locked(force=force)
        finally:
            self._lock.release()

    def _due(self) -> bool:
        return (
            not self.ready
            or self._stale
            or time.monotonic() - self._checked >= self._settings.keyword_refresh_seconds
        )

    def _sync_locked(self, *, force: bool) -> bool:
        self._checked, self._stale = time.monotonic(), False
        generation = self._store.generation()  # read first: a write after it moves it again
        if not force and generation is not None and generation == self._generation:
            return False
        if self._fingerprint is None and not force and self._load_generation(generation):
            return True
        current = store_fingerprint(self._store)
        self._generation = generation
        if current == self._fingerprint:
            return False
        if self._load(current):
            self._mark(current)
        else:
            self._build(current)
        return True

    def search(self, query: str, n: int, filters: Filters | None = None) -> list[KeywordHit]:
        """The ``n`` best BM25 matches for ``query`` among chunks that pass ``filters``."""
        return self.search_each(query, n, [filters])[0]

    def search_each(
        self, query: str, n: int, filters: Sequence[Filters | None]
    ) -> list[list[KeywordHit]]:
        """``search`` under each of ``filters``, scoring the corpus once (a question's base
        ranking and its date-window ranking differ only in which chunks may appear)."""
        self.sync()
        built = self._built
        terms = list(dict.fromkeys(keyword_terms(query)))
        if built.bm25 is None or not built.ids or not terms or n <= 0:
            return [[] for _ in filters]
        scores = np.asarray(built.bm25.get_scores(terms), dtype=np.float64)
        return [_top(built, scores, n, _mask(built, f)) for f in filters]

    def story_share(self, question: str, story: str, *, articles: int) -> float | None:
        """How well the story a conversation is about matches ``question``'s words, beside the
        best match anywhere: the best BM25 score of ``question`` among the chunks of the
        ``articles`` articles that match ``story`` best, over its best score in the whole index
        (1.0: no article matches it better), and 0.0 when those articles lack the question's
        rarest word. None when there is nothing to compare: no index yet, or no term of the
        question or of the story in it.

        >>> index.story_share("How many people were evacuated?",  # doctest: +SKIP
        ...                   "Near which town did the Oak Fire start?", articles=2)
        0.7
        """
        self.sync()
        built = self._built
        asked = list(dict.fromkeys(keyword_terms(question)))
        told = list(dict.fromkeys(keyword_terms(story)))
        if built.bm25 is None or not built.ids or not asked or not told:
            return None
        best = np.asarray(built.bm25.get_scores(asked), dtype=np.float64)
        about = np.asarray(built.bm25.get_scores(told), dtype=np.float64)
        if best.max() <= 0 or about.max() <= 0:
            return None
        # The story's articles: those of its best chunks, best first, ``articles`` of them.
        depth = min(len(about), 50 * articles)
        rows = np.argpartition(-about, depth - 1)[:depth]
        rows = rows[np.argsort(-about[rows], kind="stable")]
        found = list(dict.fromkeys(int(built.articles[r]) for r in rows if about[r] > 0))
        inside = np.isin(built.articles, found[:articles])
        # The question's rarest word says what it is about ("monkeypox" in "What are the
        # symptoms of monkeypox?"): a story without it is another story, whatever else it shares.
        columns = [np.asarray(built.bm25.get_scores([term])) > 0 for term in asked]
        rarest = min(
            (c for c in columns if c.any()), key=lambda c: int(np.count_nonzero(c)), default=None
        )
        if rarest is not None and not rarest[inside].any():
            return 0.0
        return float(best[inside].max() / best.max())

    def admitted(self, ids: Sequence[str], filters: Filters) -> list[str]:
        """The ``ids`` whose chunks ``filters`` admit, in order, read from the index's own
        dates and sources (no store round trip); ids it does not know yet are left out."""
        self.sync()
        built = self._built
        mask = _mask(built, filters)
        if mask is None:
            return list(ids)
        rows = [built.positions.get(cid, -1) for cid in ids]
        return [cid for cid, row in zip(ids, rows, strict=True) if row >= 0 and mask[row]]

    # -- building and persisting ------------------------------------------------------------------

    def _build(self, fingerprint: str) -> None:
        import bm25s

        chunks = list(self._store.iter_chunks())
        tokens = [self._chunk_tokens(c) for c in chunks]
        self._tokens = {c.id: self._tokens[c.id] for c in chunks}
        bm25 = bm25s.BM25(k1=self._settings.bm25_k1, b=self._settings.bm25_b)
        if chunks:
            bm25.index(tokens, show_progress=False)
        self._install(
            fingerprint,
            bm25 if chunks else None,
            [c.id for c in chunks],
            [c.date.toordinal() if c.date else 0 for c in chunks],
            [c.source for c in chunks],
        )
        if chunks:
            self._save(fingerprint, bm25)

    def _chunk_tokens(self, chunk: StoredChunk) -> list[str]:
        text = f"{chunk.title}\n{chunk.text}"
        key = hash(text)
        cached = self._tokens.get(chunk.id)
        if cached is None or cached[0] != key:
            # Interned: a million chunks hold ~100M terms but a vocabulary of ~1M strings.
            cached = (key, [sys.intern(term) for term in keyword_terms(text)])
            self._tokens[chunk.id] = cached
        return cached[1]

    def _install(
        self,
        fingerprint: str,
        bm25: bm25s.BM25 | None,
        ids: Sequence[str],
        date_ords: Sequence[int],
        sources: Sequence[str],
    ) -> None:
        numbers: dict[str, int] = {}
        articles = [numbers.setdefault(cid.rpartition(":")[0], len(numbers)) for cid in ids]
        self._built = _Built(
            bm25,
            list(ids),
            np.asarray(date_ords, dtype=np.int64),
            np.asarray(sources, dtype=object),
            {cid: row for row, cid in enumerate(ids)},
            np.asarray(articles, dtype=np.int64),
        )
        self._fingerprint = fingerprint
        self._ready.set()

    def _name(self, fingerprint: str) -> str:
        """The folder of a build: the store's state and the BM25 parameters it was scored with."""
        return f"{fingerprint}-{self._settings.bm25_k1:g}-{self._settings.bm25_b:g}"

    def _save(self, fingerprint: str, bm25: bm25s.BM25) -> None:
        target = self._folder / self._name(fingerprint)
        if target.exists():
            return
        temporary = self._folder / f".building-{uuid.uuid4().hex}"
        try:
            temporary.mkdir(parents=True)
            bm25.save(str(temporary), show_progress=False)
            meta = {
                "ids": self._built.ids,
                "dates": self._built.date_ords.tolist(),
                "sources": list(self._built.sources),
            }
            (temporary / _META).write_text(json.dumps(meta), encoding="utf-8")
            if self._generation is not None:
                (temporary / _GENERATION).write_text(self._generation, encoding="utf-8")
            temporary.rename(target)
        except OSError:
            # Another process saved the same fingerprint first, or the disk is read-only:
            # the index in memory is complete either way.
            shutil.rmtree(temporary, ignore_errors=True)
            return
        # Older builds of this store are stale; builds with other BM25 parameters are kept.
        suffix = target.name[len(fingerprint) :]
        for old in self._folder.iterdir():
            if old != target and old.name.endswith(suffix) and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)

    def _mark(self, fingerprint: str) -> None:
        """Record the store's current generation in a loaded build, so the next process finds
        it without fingerprinting (best effort: a read-only disk only costs that)."""
        if self._generation is None:
            return
        with contextlib.suppress(OSError):
            (self._folder / self._name(fingerprint) / _GENERATION).write_text(
                self._generation, encoding="utf-8"
            )

    def _load_generation(self, generation: str | None) -> bool:
        """A new process: load the saved build made at the store's current generation, if
        there is one, without reading the registry to fingerprint it (a cold start at 100k
        chunks would spend over a second there)."""
        if generation is None or not self._folder.is_dir():
            return False
        suffix = self._name("")
        for folder in self._folder.iterdir():
            marker = folder / _GENERATION
            if folder.name.startswith(".") or not folder.name.endswith(suffix):
                continue
            try:
                if marker.read_text(encoding="utf-8") != generation:
                    continue
            except OSError:
                continue
            fingerprint = folder.name[: -len(suffix)]
            if self._load(fingerprint):
                self._generation = generation
                return True
        return False

    def _load(self, fingerprint: str) -> bool:
        folder = self._folder / self._name(fingerprint)
        if not (folder / _META).exists():
            return False
        import bm25s

        try:
            bm25 = bm25s.BM25.load(str(folder), show_progress=False)
            meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False  # removed by a newer build meanwhile, or damaged: rebuild
        self._install(fingerprint, bm25, meta["ids"], meta["dates"], meta["sources"])
        return True


def _top(
    built: _Built, scores: npt.NDArray[np.float64], n: int, mask: npt.NDArray[np.bool_] | None
) -> list[KeywordHit]:
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    n = min(n, int(np.count_nonzero(scores > 0)))
    if n == 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [KeywordHit(built.ids[i], float(scores[i])) for i in top]


def _mask(built: _Built, filters: Filters | None) -> npt.NDArray[np.bool_] | None:
    """The chunks ``filters`` admit; the vectorised form of ``Filters.admits``."""
    if filters is None or not (filters.since or filters.until or filters.sources):
        return None
    mask = np.ones(len(built.ids), dtype=bool)
    if filters.since:
        mask &= built.date_ords >= filters.since.toordinal()  # undated chunks are 0
    if filters.until:
        mask &= (built.date_ords > 0) & (built.date_ords <= filters.until.toordinal())
    if filters.sources:
        mask &= np.isin(built.sources, list(filters.sources))
    return mask
