"""Syndicated copies: one wire story published by several sites, recognised by its text.

At ingest each article gets a MinHash signature (datasketch) of the word 5-grams of its body,
boilerplate lines (newsletter, "Read more", photo credits) and datelines ("WASHINGTON (AP) —",
"(CNN)") left out, so a different title, dateline, byline or footer changes nothing and an
edited sentence changes a few shingles. The signature is cut into ``BANDS`` band keys of
``ROWS`` values each, stored in the article's registry row (``Store.begin``): two articles that
share a band key are candidates, found by one indexed metadata query; they are copies when the
exact Jaccard resemblance of their shingle sets reaches ``syndication.threshold``.

Only each article's own signature is stored, never a group label: which articles are copies is
derived when it is asked (``Stories``). So a copy arriving in a later run joins the story at
once, removing or re-ingesting one copy cannot orphan the others, two writers ingesting two
copies at the same moment cannot disagree about a label, and a new threshold applies without
re-ingesting anything.
"""

from __future__ import annotations

import hashlib
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from qa.chunking import Span
from qa.models import Copy
from qa.passages import is_boilerplate, without_dateline

if TYPE_CHECKING:
    from qa.models import StoredChunk
    from qa.store import ArticleRecord, Store

_V = TypeVar("_V")

SHINGLE_WORDS = 5
"""Shingle length in words: long enough that two different stories on one topic share few."""
ROWS = 3
BANDS = 32
"""32 bands of 3 MinHash values: a pair with resemblance 0.5 shares a band with probability
0.986, one at 0.3 with 0.58, one at 0.1 with 0.03 (1 - (1 - s**ROWS)**BANDS); every candidate
is then checked exactly, so the bands only have to miss few true copies."""
MIN_WORDS = 40
"""Shorter bodies get no signature: a brief of a few lines shares its words by chance."""
_WRAPPER_CHARS = 200  # longer lines are the story's own paragraphs
_TOKEN = re.compile(r"\w+")
_SEED = 1  # fixed: every process must compute the same signature for the same text


def story_words(text: str) -> list[str]:
    """The lower-cased words of an article's body, without boilerplate lines and dateline.

    Line by line, and only short lines: the lines a site wraps around a story (newsletter,
    "Read more", credits) are short lines of their own, and the boilerplate test scanning every
    paragraph cost more than the rest of the signature. Not ``qa.text.words``: its accent
    folding is slow too, and copies spell accents alike.
    """
    kept: list[str] = []
    for line in text.splitlines():
        if not line.strip() or (len(line) <= _WRAPPER_CHARS and is_boilerplate(line)):
            continue
        if not kept:  # the dateline opens the story: "WASHINGTON (AP) — ..."
            line = without_dateline(line, Span(0, len(line))).of(line)
        kept.append(line)
    return _tokens(" ".join(kept))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _shingles(tokens: Sequence[str]) -> frozenset[str]:
    n = SHINGLE_WORDS
    return frozenset(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def story_shingles(text: str) -> frozenset[str]:
    """The word ``SHINGLE_WORDS``-grams of the body (empty when it is shorter than
    ``MIN_WORDS`` words)."""
    tokens = story_words(text)
    return _shingles(tokens) if len(tokens) >= MIN_WORDS else frozenset()


def band_keys(text: str) -> tuple[str, ...]:
    """The ``BANDS`` keys of the text's MinHash signature, or ``()`` for a text too short to
    have one. Two texts share the key at a position when their signatures agree on that band.

    >>> len(band_keys(" ".join(f"word{i}" for i in range(60))))
    32
    >>> band_keys("Too short.")
    ()
    """
    shingles = story_shingles(text)
    if not shingles:
        return ()
    from datasketch import MinHash

    # crc32 rather than datasketch's default sha1: half the cost of a signature, and the
    # permutations MinHash applies on top make its regularities harmless here.
    signature = MinHash(num_perm=ROWS * BANDS, seed=_SEED, hashfunc=zlib.crc32)
    signature.update_batch([s.encode("utf-8") for s in shingles])
    values = np.asarray(signature.hashvalues, dtype=np.uint64)
    return tuple(
        hashlib.blake2b(values[i * ROWS : (i + 1) * ROWS].tobytes(), digest_size=4).hexdigest()
        for i in range(BANDS)
    )


def resemblance(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard resemblance of two shingle sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def shares_band(a: Sequence[str] | None, b: Sequence[str] | None) -> bool:
    """Whether two signatures agree on a band (an empty key, a text too short, never does)."""
    return any(x and x == y for x, y in zip(a or (), b or (), strict=False))


class Stories:
    """Which stored articles are copies of one story, read from their signatures.

    Registry rows, band-key candidates and shingle sets read for one question are kept in
    memory for the next, keyed by the store's write generation: collapsing copies and the cited
    articles' ``also_in`` read a row once, and a question about an article asked before reads
    nothing but the generation. Any write to the store (in this process or another) moves the
    generation, and the whole memo is dropped, so a removed copy is never served and a new one
    is never missed. Safe to share between threads.

    >>> stories = Stories(store, threshold=0.5)          # doctest: +SKIP
    >>> stories.elsewhere(["cnn-123"])["cnn-123"]        # doctest: +SKIP
    [ArticleRecord(id='ap-9', ...)]
    """

    def __init__(self, store: Store, *, threshold: float) -> None:
        self._store = store
        self._threshold = threshold
        self._memo = _Memo(None)
        self._lock = threading.Lock()  # guards the memo's maps, which threads share

    def _current(self) -> _Memo:
        """The memo for the store's generation now (read first: a write after it moves it
        again, so what is read after this is at least as new as the key it is kept under)."""
        generation = self._store.generation()
        with self._lock:
            if generation is None or generation != self._memo.generation:
                self._memo = _Memo(generation)
            return self._memo

    def _through(
        self,
        memo: _Memo,
        kept: dict[str, _V],
        ids: Sequence[str],
        fetch: Callable[[list[str]], dict[str, _V]],
        limit: int,
    ) -> dict[str, _V]:
        """``ids``' entries of one of ``memo``'s maps, those not there yet read by one ``fetch``
        (outside the lock: it is store I/O) and kept."""
        with self._lock:
            found = {i: kept[i] for i in ids if i in kept}
        missing = [i for i in ids if i not in found]
        if missing:
            fetched = fetch(missing)
            with self._lock:
                memo.keep(kept, fetched, limit)
            found.update(fetched)
        return found

    def _records(self, memo: _Memo, ids: Sequence[str]) -> dict[str, ArticleRecord]:
        def fetch(missing: list[str]) -> dict[str, ArticleRecord | None]:
            found = self._store.records(missing)
            return {i: found.get(i) for i in missing}  # None: remembered as absent

        rows = self._through(memo, memo.records, ids, fetch, _MAX_RECORDS)
        return {i: row for i in ids if (row := rows.get(i)) is not None}

    def _candidates(
        self, memo: _Memo, records: Sequence[ArticleRecord]
    ) -> dict[str, list[ArticleRecord]]:
        """For each record, the finished articles sharing a band key with it: one query for
        those not asked about at this generation yet (the query's answer for several records
        is the union of its answers for each), its rows read through the memo (usually only
        the records themselves, which it holds already)."""
        by_id = {r.id: r for r in records}

        def fetch(missing: list[str]) -> dict[str, list[ArticleRecord]]:
            found = self._store.sharing_bands([by_id[i].bands or () for i in missing])
            rows = self._records(memo, found).values()
            pool = [row for row in rows if row.state == "done"]
            return {i: [c for c in pool if shares_band(by_id[i].bands, c.bands)] for i in missing}

        return self._through(memo, memo.candidates, list(by_id), fetch, _MAX_RECORDS)

    def _shingles(self, memo: _Memo, ids: Sequence[str]) -> dict[str, frozenset[str]]:
        def fetch(missing: list[str]) -> dict[str, frozenset[str]]:
            texts = self._store.article_texts(missing)
            return {i: story_shingles(texts[i]) if i in texts else frozenset() for i in missing}

        return self._through(memo, memo.shingles, ids, fetch, _MAX_SHINGLES)

    def copies(
        self, records: Iterable[ArticleRecord], candidates: Iterable[ArticleRecord]
    ) -> dict[str, list[ArticleRecord]]:
        """For each of ``records``, the ``candidates`` (other articles) that are copies of it."""
        return self._copies(self._current(), records, candidates)

    def _copies(
        self,
        memo: _Memo,
        records: Iterable[ArticleRecord],
        candidates: Iterable[ArticleRecord],
    ) -> dict[str, list[ArticleRecord]]:
        records = [r for r in records if r.bands]
        pool = {c.id: c for c in candidates if c.bands}
        pairs = [
            (r, c)
            for r in records
            for c in pool.values()
            if c.id != r.id and shares_band(r.bands, c.bands)
        ]
        found: dict[str, list[ArticleRecord]] = {r.id: [] for r in records}
        if not pairs:
            return found
        shingles = self._shingles(memo, list({x.id for pair in pairs for x in pair}))
        for r, c in pairs:
            if resemblance(shingles[r.id], shingles[c.id]) >= self._threshold:
                found[r.id].append(c)
        return found

    def elsewhere(self, article_ids: Sequence[str]) -> dict[str, list[ArticleRecord]]:
        """For each article, the other stored copies of its story, oldest first (ties by
        source): what a citation's ``also_in`` lists."""
        memo = self._current()
        rows = self._records(memo, list(dict.fromkeys(article_ids)))
        records = [r for r in rows.values() if r.bands]
        if not records:
            return {}
        candidates = self._candidates(memo, records)
        found: dict[str, list[ArticleRecord]] = {}
        for record in records:
            found.update(self._copies(memo, [record], candidates[record.id]))
        return {
            article_id: sorted(copies, key=_oldest_first)
            for article_id, copies in found.items()
            if copies
        }

    def collapse(self, chunks: Sequence[StoredChunk]) -> list[StoredChunk]:
        """``chunks`` (best first) without the passages of a copy whose story already has a
        better-ranked copy among them, so that k passages are not k copies of one story.

        A passage of the lesser copy is kept when most of it is not in the better one (an
        updated version's new paragraphs, a sentence one site added): nothing only it says is
        lost.
        """
        memo = self._current()
        order = list(dict.fromkeys(c.article_id for c in chunks))
        records = self._records(memo, order)
        ranked = [records[i] for i in order if i in records and records[i].bands]
        found = self._copies(memo, ranked, ranked)
        if not any(found.values()):
            return list(chunks)
        position = {r.id: n for n, r in enumerate(ranked)}
        better: dict[str, str] = {}  # a lesser copy -> the best-ranked copy of its story
        for r in ranked:
            best = min([r, *found[r.id]], key=lambda x: position[x.id])
            if best.id != r.id:
                better[r.id] = better.get(best.id, best.id)
        if not better:
            return list(chunks)
        heads = self._shingles(memo, list(set(better.values())))
        kept = []
        for chunk in chunks:
            head = better.get(chunk.article_id)
            if head is not None and _contained(chunk.text, heads.get(head, frozenset())):
                continue
            kept.append(chunk)
        return kept


_MAX_RECORDS = 20_000  # rows (about 1 kB each) and candidate lists kept per generation
_MAX_SHINGLES = 256  # shingle sets are tens of kB each: only the recent stories' are kept


class _Memo:
    """What was read from the store at one write generation (``None``: not kept at all)."""

    def __init__(self, generation: str | None) -> None:
        self.generation = generation
        self.records: dict[str, ArticleRecord | None] = {}  # None: the store has no such row
        self.candidates: dict[str, list[ArticleRecord]] = {}
        self.shingles: dict[str, frozenset[str]] = {}

    def keep(self, into: dict[str, Any], found: Mapping[str, Any], limit: int) -> None:
        """Add ``found`` to one of the maps; a store without generations keeps nothing, and a
        full map starts over (oldest entries first would need an order kept on every read)."""
        if self.generation is None:
            return
        if len(into) + len(found) > limit:
            into.clear()
        into.update(found)


def _oldest_first(record: ArticleRecord) -> tuple[int, str]:
    return (record.date.toordinal() if record.date else 10**7, record.source)


def _contained(passage: str, story: frozenset[str], share: float = 0.5) -> bool:
    """Whether most of ``passage``'s shingles are in ``story``: tokenised as the story's own
    shingles are, or a possessive or an accent would keep its grams from ever matching."""
    grams = _shingles(_tokens(passage))
    if not grams:
        return True
    return len(grams & story) / len(grams) >= share


def copies_of(mapping: Mapping[str, Sequence[ArticleRecord]], article_id: str) -> list[Copy]:
    """The ``Copy`` rows of one article in a ``Stories.elsewhere`` result."""
    return [
        Copy(article_id=c.id, title=c.title, source=c.url or c.source, date=c.date)
        for c in mapping.get(article_id, [])
    ]


def also_ran_in(copies: Sequence[Copy]) -> str:
    """One line naming where else a story ran ('' when nowhere): sites by host, files by name.

    >>> from datetime import date
    >>> ap = Copy(article_id="x", title="T", source="https://www.ap.org/a", date=date(2022, 8, 9))
    >>> also_ran_in([ap, Copy(article_id="y", title="T", source="news/b.txt", date=None)])
    'also ran in: ap.org (2022-08-09), b.txt'
    """
    names = []
    for copy in copies:
        host = urlparse(copy.source).hostname if "://" in copy.source else None
        name = host.removeprefix("www.") if host else PurePosixPath(copy.source).name
        when = f" ({copy.date.isoformat()})" if copy.date else ""
        names.append(f"{name or copy.source}{when}")
    return f"also ran in: {', '.join(names)}" if names else ""
