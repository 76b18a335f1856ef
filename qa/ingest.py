"""Ingest: read article files, chunk them, embed what changed, and write it to the store.

Incremental (an unchanged article is neither chunked nor embedded), resumable (a killed run
leaves only ``pending`` rows, which the next run settles), forgiving (a bad file is reported and
skipped; the rest goes on) and safe beside other writers (a run owns the rows it marks pending,
and settles only those of runs that died; see ``Store.writing``).

A long article (a 50 MB text is 70,000 chunks, half an hour of encoding) is written in committed
parts of ``ingest.part_chunks`` chunks: Ctrl-C, SIGTERM or a kill keeps the parts written, the
article is left ``partial`` (its parts searchable, listed as unfinished), and the next ingest of
the same text resumes at the first missing chunk; chunk ids are deterministic, so nothing is
duplicated and the parts kept are not encoded again.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.articles import Skipped, expand_paths, read_file
from qa.chunking import chunk_article
from qa.embeddings import Embedder, Vectors, make_embedder
from qa.feeds import UrlRead, read_urls, split_sources
from qa.fetch import is_url
from qa.models import Article, Chunk
from qa.settings import Settings
from qa.store import (
    ArticleRecord,
    Store,
    StoreError,
    StoreUnavailableError,
    Writer,
    connection_lost,
    is_connection_error,
)
from qa.syndication import BANDS, band_keys

logger = logging.getLogger(__name__)
ProgressCallback = Callable[[float, int], None]
"""``on_progress(done, total)`` in articles. ``done`` moves with every encoder step, not only
once a whole batch is stored: the articles of the batch being encoded count in proportion to
their chunks encoded so far (so it can be fractional)."""
_CHUNKS_PER_STEP = 32  # chunks encoded between two progress reports (about a second on 2 cores)
_ARTICLES_PER_BATCH = 64


@dataclass(frozen=True)
class PartKept:
    """The committed parts of one long article: its first ``saved`` of ``chunks`` chunks."""

    name: str  # the file name (or URL) the user knows it by
    saved: int
    chunks: int

    def __str__(self) -> str:
        return f"{self.saved:,} of {self.chunks:,} chunks of {self.name}"


@dataclass
class IngestReport:
    """What an ingest did, article by article."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    saved: int = 0  # changed articles committed so far (what an interrupted run keeps)
    read: int = 0  # articles read from the paths
    per_file: dict[str, Counter[str]] = field(default_factory=dict)
    # Long articles with only some parts in the index so far: what an interrupted run keeps of them.
    partial: dict[str, PartKept] = field(default_factory=dict)
    resumed: dict[str, int] = field(default_factory=dict)  # article id -> chunks already there
    # Articles another run settled while this one was stalled past its lease: not written.
    taken: list[str] = field(default_factory=list)

    def file_outcome(self, path: str | Path) -> str:
        """What happened to one file: ``'2 added, 1 unchanged'`` or ``'skipped: empty'``."""
        key = str(Path(path).resolve())
        skipped = [s for s in self.skipped if str(Path(s.path).resolve()) == key]
        counts = self.per_file.get(key, Counter())
        parts = [f"{n} {name}" for name, n in counts.items() if n > 0]
        parts += [f"skipped{f' ({s.record})' if s.record else ''}: {s.reason}" for s in skipped]
        return ", ".join(parts) or "no articles found"

    def all_skipped(self) -> bool:
        """Something was skipped and nothing was read: the run did nothing at all."""
        return bool(self.skipped) and not (self.added or self.updated or self.unchanged)

    def summary(self) -> str:
        """One line: ``3 added, 1 updated, 10 unchanged, 2 skipped (1 removed)``."""
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.skipped)} skipped",
        ]
        line = ", ".join(parts)
        if self.removed:
            line += f", {len(self.removed)} removed"
        if self.repaired:
            line += (
                f" (cleaned up {len(self.repaired)} left half-written by an interrupted run: "
                "their files are ingested again when next named)"
            )
        if self.taken:
            line += (
                f" ({len(self.taken)} not written: this run stalled past its lease and another "
                "run took them over; run qa ingest again)"
            )
        if self.resumed:
            kept = sum(self.resumed.values())
            line += f" (resumed {len(self.resumed)} partly ingested, {kept:,} chunks already there)"
        return line


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during an ingest, with the line that says what was kept."""

    def __init__(self, message: str, exit_code: int = 130) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code  # 128 + the signal, as a shell reports it


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so an ingest stops as it does on Ctrl-C."""


def _kept(report: IngestReport) -> str:
    line = f"{report.saved:,} new or changed articles saved, of {report.read:,} read"
    if report.partial:
        line += ", and " + ", ".join(str(kept) for kept in report.partial.values())
    return line


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service stop, ``kill``) ends the ingest like Ctrl-C: what is encoded is
    written and the run says what it kept. Only from the main thread, and only where nobody
    else handles SIGTERM (a server embedding ``ingest`` keeps its own handler)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the encoder sees for a chunk: the headline gives a passage its topic."""
    return f"{article.title}\n{chunk.text}"


def ingest(
    paths: Iterable[str | Path],
    *,
    settings: Settings | None = None,
    store: Store | None = None,
    embedder: Embedder | None = None,
    prune: bool = False,
    on_progress: ProgressCallback | None = None,
) -> IngestReport:
    """Add or update the articles under ``paths`` in the index.

    >>> report = ingest(["examples/articles"])   # doctest: +SKIP
    >>> report.summary()                         # doctest: +SKIP
    '1 added, 0 updated, 0 unchanged, 0 skipped'
    """
    settings = settings or Settings()
    embedder = embedder or make_embedder(settings)
    store = store or Store.open(settings, model_id=embedder.model_id)
    report = IngestReport()
    urls, files = split_sources(paths)
    items = _read_all(files, report)
    # Fetched before the write lease is taken: a slow site must not hold up other writers.
    fetched = _read_urls(urls, settings=settings, store=store, report=report) if urls else None
    if fetched is not None:
        items += fetched.articles
    report.read = len(items)
    try:
        with _terminate_as_interrupt(), store.writing(on_wait=logger.warning) as writer:
            report.repaired = store.repair()
            try:
                _run_pipeline(
                    items,
                    store=store,
                    writer=writer,
                    embedder=embedder,
                    settings=settings,
                    report=report,
                    on_progress=on_progress,
                )
            except KeyboardInterrupt:
                # Settled now, not by the next run, so the index says at once what was kept.
                with contextlib.suppress(Exception):
                    for row in store.release(writer):
                        report.partial[row.id] = _part_kept(row)
                raise
            if fetched is not None:
                fetched.commit(report.added)  # only now: the fetched articles are in the index
            if prune:
                # A file with an unreadable record may still hold that article: keep its articles.
                damaged = {str(Path(s.path).resolve()) for s in report.skipped}
                read_origins = {origin for origin, _ in items} - damaged
                report.removed = _prune(
                    store,
                    seen={a.id for _, a in items},
                    read_origins=read_origins,
                    under=[_named_root(f) for f in files],
                )
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, _Terminated) else "interrupted"
        msg = f"{what}: {_kept(report)}; run the same command to finish the rest"
        if report.partial:
            msg += " (it resumes where this run stopped)"
        code = 128 + (signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT)
        raise IngestInterrupted(msg, exit_code=code) from exc
    except Exception as exc:
        full = None if settings.chroma.url else _disk_full(settings.data_dir)
        if full is not None:
            raise StoreError(
                f"{full}; {_kept(report)}; free some space, then run the same "
                "command to finish the rest"
            ) from exc
        if not is_connection_error(exc):
            raise
        msg = connection_lost(settings, exc, kept=_kept(report))
        raise StoreUnavailableError(msg) from exc
    return report


# Less than this left on the index's disk when a write fails: the disk is why it failed
# (Chroma reports it as a compaction or I/O error, never as "disk full").
_NEARLY_FULL_BYTES = 16 * 1024 * 1024


def _disk_full(data_dir: Path) -> str | None:
    """ "the disk holding DIR is full (N MB left)", when it is, else None."""
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError:
        return None
    if free >= _NEARLY_FULL_BYTES:
        return None
    return f"the disk holding {data_dir} is full ({free / 2**20:.1f} MB left)"


def _read_urls(
    urls: Sequence[str], *, settings: Settings, store: Store, report: IngestReport
) -> UrlRead:
    """Feeds and pages by URL (``qa.feeds``); a URL answered "304 unchanged" is unchanged."""

    def done(ids: Sequence[str]) -> set[str]:
        return {i for i, record in store.records(ids).items() if record.state == "done"}

    fetched = read_urls(urls, settings=settings, known=done)
    report.skipped.extend(fetched.skipped)
    for origin, article_id in fetched.unchanged:
        report.unchanged.append(article_id)
        _note(report, origin, "unchanged")
    return fetched


def _read_all(paths: Iterable[str | Path], report: IngestReport) -> list[tuple[str, Article]]:
    """Every readable article with the file it came from; duplicates of an id keep the last."""
    by_id: dict[str, tuple[str, Article]] = {}
    for item in expand_paths(paths):
        if isinstance(item, Skipped):
            report.skipped.append(item)
            continue
        origin = str(item.resolve())
        for result in read_file(item):
            if isinstance(result, Skipped):
                report.skipped.append(result)
            else:
                by_id[result.id] = (origin, result)
    return list(by_id.values())


@dataclass(frozen=True)
class _Slice:
    """Chunks ``start:end`` of one changed article: the whole of it, or one part of a long one."""

    origin: str
    article: Article
    chunks: list[Chunk]  # all of the article's chunks
    start: int
    end: int
    opens: bool  # its first slice in this run: mark it pending, clear stored chunks from start
    bands: tuple[str, ...] = ()  # the article's signature (qa.syndication), on its opening slice

    @property
    def finishes(self) -> bool:
        return self.end == len(self.chunks)


@dataclass(frozen=True)
class _Prepared:
    """One batch, or one part of it, registry-checked and chunked, waiting for the encoder."""

    size: float  # the articles it completes, changed or not, parts counting pro rata (progress)
    slices: list[_Slice]
    texts: list[str]


@dataclass(frozen=True)
class _Encoded:
    prepared: _Prepared
    vectors: Vectors


class _Failed:
    """What a pipeline thread hands on instead of a batch when it failed."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()  # end of stream


def _run_pipeline(
    items: list[tuple[str, Article]],
    *,
    store: Store,
    writer: Writer,
    embedder: Embedder,
    settings: Settings,
    report: IngestReport,
    on_progress: ProgressCallback | None,
) -> None:
    """Three stages, so the encoder (the bottleneck) never waits for anything else:

    a preparer thread checks the registry and chunks the next batches; this thread encodes;
    a writer thread stores the previous batch (pending -> chunks -> done). Queues are short, so
    at most a few batches are in flight, and a batch is written whole or left ``pending``.
    On any failure (or Ctrl-C) the batches already encoded are still written before it
    propagates: work that was paid for is kept.
    """
    total = len(items)
    if on_progress:
        on_progress(0, total)
    if not items:
        return
    stop = threading.Event()
    prepared: queue.Queue[_Prepared | _Failed | object] = queue.Queue(maxsize=2)
    encoded: queue.Queue[_Encoded | object] = queue.Queue(maxsize=2)
    failures: list[BaseException] = []

    def prepare() -> None:
        try:
            for start in range(0, total, _ARTICLES_PER_BATCH):
                if stop.is_set():
                    break
                batch = items[start : start + _ARTICLES_PER_BATCH]
                unchanged, changed = _prepare(
                    batch, store=store, writer=writer, settings=settings, report=report
                )
                # Signed here, in the preparing thread, while the encoder works on what came before.
                signed = (
                    {a.id: _signature(a) for _, a, _, _ in changed}
                    if settings.syndication.enabled
                    else {}
                )
                for item in _parts(unchanged, changed, settings.ingest.part_chunks, signed):
                    if stop.is_set():
                        break
                    _put(prepared, item, stop)
        except BaseException as exc:  # handed to the encoding thread, which re-raises it
            _put(prepared, _Failed(exc), stop)
            return
        _put(prepared, _DONE, stop)

    # Articles whose batch is committed. Progress is reported from the calling thread only:
    # callbacks such as Gradio's progress bar are bound to the thread that runs the request.
    written: list[float] = [0]
    reported: list[float] = [0]
    encoded_articles: list[float] = [0]

    def report_progress(done: float | None = None) -> None:
        done = max(written[0] if done is None else done, reported[0])  # never backwards
        if on_progress and done != reported[0]:
            reported[0] = done
            on_progress(done, total)

    def write() -> None:
        while True:
            item = encoded.get()
            if item is _DONE:
                return
            assert isinstance(item, _Encoded)
            if failures:
                continue  # keep consuming so the encoding thread never blocks on a full queue
            try:
                _write(item, store=store, writer=writer, report=report)
            except BaseException as exc:
                failures.append(exc)
                stop.set()
                continue
            written[0] += item.prepared.size

    preparer = threading.Thread(target=prepare, name="qa-ingest-prepare", daemon=True)
    writing = threading.Thread(target=write, name="qa-ingest-write", daemon=True)
    preparer.start()
    writing.start()
    try:
        while not stop.is_set():
            item = prepared.get()
            if item is _DONE:
                break
            if isinstance(item, _Failed):
                raise item.error
            assert isinstance(item, _Prepared)
            before, size = encoded_articles[0], item.size

            def step(part: float, before: float = before, size: float = size) -> None:
                report_progress(before + size * part)

            vectors = _encode_in_steps(embedder, item.texts, step)
            encoded_articles[0] += size
            _put(encoded, _Encoded(item, vectors), stop)
            report_progress(encoded_articles[0])
    finally:
        stop.set()
        _drain(prepared)
        encoded.put(_DONE)  # the writer finishes what is queued, then stops
        writing.join()
        preparer.join(timeout=60)
    if failures:
        raise failures[0]
    report_progress(total)  # exactly: the parts' shares of an article may not sum to 1.0


def _encode_in_steps(
    embedder: Embedder, texts: Sequence[str], on_step: Callable[[float], None]
) -> Vectors:
    """``embedder.embed_documents(texts)`` a few chunks at a time, saying after each step
    what part of ``texts`` is done: progress that moves within a batch, not after it."""
    parts = []
    for start in range(0, len(texts), _CHUNKS_PER_STEP):
        parts.append(embedder.embed_documents(texts[start : start + _CHUNKS_PER_STEP]))
        on_step(min(start + _CHUNKS_PER_STEP, len(texts)) / len(texts))
    if not parts:
        return embedder.embed_documents(texts)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _put(q: queue.Queue[Any], item: object, stop: threading.Event) -> None:
    """Put, unless the pipeline stops while the queue is full (never block forever)."""
    while True:
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            if stop.is_set():
                return


def _drain(q: queue.Queue[Any]) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


def _parts(
    unchanged: int,
    changed: Sequence[tuple[str, Article, list[Chunk], int]],
    part: int,
    signed: Mapping[str, tuple[str, ...]] | None = None,
) -> Iterator[_Prepared]:
    """The batch's changed articles (``origin, article, chunks, first chunk to write``) cut into
    items of at most ``part`` chunks to encode, each written and committed as a whole: short
    articles travel together, a long one is split across items (and shares none with another
    article until its last part)."""
    slices: list[_Slice] = []
    size, count = float(unchanged), 0

    def cut() -> _Prepared:
        texts = [embedding_text(s.article, c) for s in slices for c in s.chunks[s.start : s.end]]
        return _Prepared(size=size, slices=list(slices), texts=texts)

    for origin, article, chunks, start in changed:
        todo = len(chunks) - start
        if count and count + todo > part:
            yield cut()
            slices, size, count = [], 0.0, 0
        at, opens = start, True
        while opens or at < len(chunks):
            if count >= part:
                yield cut()
                slices, size, count = [], 0.0, 0
            end = min(len(chunks), at + part - count)
            bands = (signed or {}).get(article.id, ()) if opens else ()
            slices.append(_Slice(origin, article, chunks, at, end, opens, bands))
            size += (end - at) / todo if todo else 1.0
            count += end - at
            at, opens = end, False
    if slices or size:
        yield cut()


def _prepare(
    batch: Sequence[tuple[str, Article]],
    *,
    store: Store,
    writer: Writer,
    settings: Settings,
    report: IngestReport,
) -> tuple[int, list[tuple[str, Article, list[Chunk], int]]]:
    """Sort a batch into unchanged and changed articles, and chunk the changed ones. Returns
    the number of articles that need no writing and, for each changed one, its chunks and the
    first chunk to write (past the parts an interrupted run kept, for a resumed article)."""
    known = store.records([a.id for _, a in batch])
    changed: list[tuple[str, Article, list[Chunk], int]] = []
    moved: dict[str, list[str]] = {}
    unsigned: dict[str, tuple[str, ...]] = {}  # stored before signatures existed
    signing = settings.syndication.enabled
    for origin, article in batch:
        record = known.get(article.id)
        other = (
            store.live_writer(record.writer)
            if record and record.state == "pending" and record.writer != writer.id
            else None
        )
        if other is not None:
            reason = (
                f"article {article.title or article.id!r} is being written by another ingest "
                f"({other}) right now; run again after it finishes"
            )
            report.skipped.append(Skipped(origin, reason))
            continue
        if record and record.state == "done" and record.content_hash == article.content_hash:
            report.unchanged.append(article.id)
            _note(report, origin, "unchanged")
            if record.origin != origin:
                moved.setdefault(origin, []).append(article.id)
            if signing and record.bands is None:
                unsigned[article.id] = _signature(article)
            continue
        chunks = chunk_article(
            article, size=settings.chunking.size, overlap=settings.chunking.overlap
        )
        start = _resume_at(store, record, article, chunks)
        if start and record is not None:
            report.resumed[article.id] = start
            report.partial[article.id] = _part_kept(record)
        outcome = "updated" if record and not start else "added"
        (report.updated if outcome == "updated" else report.added).append(article.id)
        _note(report, origin, outcome)
        changed.append((origin, article, chunks, start))
    for origin, ids in moved.items():
        store.set_origin(ids, origin)
    if unsigned:
        store.set_bands(unsigned)
    return len(batch) - len(changed), changed


def _resume_at(
    store: Store, record: ArticleRecord | None, article: Article, chunks: Sequence[Chunk]
) -> int:
    """Where a partly ingested article resumes: after the chunks an interrupted run kept, if
    they are this text's chunks as chunked now (same text, same chunk count, and the last kept
    chunk where this chunking puts it); else 0, and it is written afresh."""
    if (
        record is None
        or record.state != "partial"
        or record.content_hash != article.content_hash
        or record.chunks != len(chunks)
        or not 0 < record.saved < len(chunks)
    ):
        return 0
    expected = chunks[record.saved - 1]
    stored = store.chunks([expected.id])
    if not stored or (stored[0].start, stored[0].end) != (expected.start, expected.end):
        return 0
    return record.saved


def _part_kept(record: ArticleRecord) -> PartKept:
    return PartKept(_part_name(record.origin) or record.title, record.saved, record.chunks)


def _part_name(origin: str) -> str:
    return origin if is_url(origin) else Path(origin).name


def _signature(article: Article) -> tuple[str, ...]:
    """The article's band keys, or empty keys for a text too short to sign (written all the
    same: a row's keys are merged on update, so an old signature must be overwritten)."""
    return band_keys(article.text) or ("",) * BANDS


def _write(item: _Encoded, *, store: Store, writer: Writer, report: IngestReport) -> None:
    """pending -> chunks -> (a part: saved = its end | the last part: done). A crash in between
    leaves rows that ``Store.repair`` settles: committed parts kept, the rest cleared."""
    slices = item.prepared.slices
    if not slices:
        return
    opening = [s for s in slices if s.opens]
    owned = (
        store.begin(
            [(s.article, s.origin, len(s.chunks)) for s in opening],
            writer,
            saved={s.article.id: s.start for s in opening if s.start},
            bands={s.article.id: s.bands for s in opening if s.bands},
        )
        if opening
        else set()
    )
    continuing = [s.article.id for s in slices if not s.opens]
    if continuing:  # on a server, another writer may have taken the article over since
        owned |= store.owned(continuing, writer)
    mine = [s for s in slices if s.article.id in owned]
    chunks: list[Chunk] = []
    rows: list[int] = []
    at = 0
    for s in slices:
        if s.article.id in owned:
            chunks += s.chunks[s.start : s.end]
            rows += range(at, at + s.end - s.start)
        at += s.end - s.start
    store.write_chunks(
        [s.article for s in mine],
        chunks,
        item.vectors[rows],
        clear_from={s.article.id: s.start for s in mine if s.opens},
    )
    report.chunks_embedded += len(chunks)
    parts = {s.article.id: s for s in mine if not s.finishes}
    kept: set[str] = set()
    if parts:
        kept = store.save_parts({i: s.end for i, s in parts.items()}, writer)
        for i in kept:
            s = parts[i]
            report.partial[i] = PartKept(_part_name(s.origin), s.end, len(s.chunks))
    finished = [s.article.id for s in mine if s.finishes]
    committed = store.commit(finished, writer) if finished else set()
    for i in committed:
        report.partial.pop(i, None)
    report.saved += len(committed)
    # A writer stalled past its lease (a paused process, a sleeping laptop) finds its rows
    # settled by another run: what it wrote for them is not in the index, so not counted.
    _taken_over(report, [s for s in slices if s.article.id not in kept | committed])


def _taken_over(report: IngestReport, slices: Sequence[_Slice]) -> None:
    for s in slices:
        i = s.article.id
        if i in report.taken:
            continue
        report.taken.append(i)
        report.partial.pop(i, None)
        counts = report.per_file.setdefault(s.origin, Counter())
        for outcome, counted in (("added", report.added), ("updated", report.updated)):
            if i in counted:
                counted.remove(i)
                counts[outcome] -= 1
        counts["not written (another run took it over)"] += 1


def _note(report: IngestReport, origin: str, outcome: str) -> None:
    report.per_file.setdefault(origin, Counter())[outcome] += 1


def _named_root(path: str | Path) -> Path:
    """The folder or file a path names; for a glob ("news/*.txt"), the folder it searches."""
    root = Path(path).expanduser()
    while any(part in root.name for part in "*?["):
        root = root.parent
    return root.resolve()


def _prune(
    store: Store, *, seen: set[str], read_origins: set[str], under: Sequence[Path]
) -> list[str]:
    """Articles of the paths this run named (``under``) whose file is gone, or whose file was
    read and no longer holds them. Only those paths: on a shared Chroma server, another
    machine's files (and uploads to another node) do not exist here, and are not gone."""
    gone = [
        record.id
        for record in store.records().values()
        if record.id not in seen
        and not is_url(record.origin)  # a page that is gone is not a file that is gone
        and any(Path(record.origin).is_relative_to(path) for path in under)
        and (record.origin in read_origins or not Path(record.origin).exists())
    ]
    store.delete_articles(gone)
    return gone
