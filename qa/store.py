"""The index: chunks and their vectors in Chroma, beside a registry of the articles they came from.

Both live in Chroma (embedded ``PersistentClient`` under ``data_dir``, or a server by URL), so
every process that opens the same store sees the same state. The registry is what makes ingest
incremental and crash-safe: an article is marked ``pending`` before its chunks are written and
``done`` after, and ``repair()`` removes whatever a killed run left half-written.

Another process's writes to the embedded store are not visible to a client that is already
open (Chroma keeps each collection's vector index in memory per process: a date-filtered query
then fails with ``Error finding id``). So a ``Store`` over the embedded store watches the write
generation and, when another process moved it, swaps in a freshly opened client whole (see
``Store._fresh``); a read that fails anyway is retried once on a fresh client, and after that
becomes a ``StoreError`` with one line saying what to do, never a Chroma internal error.

Several writers may run at once (two ingests, an upload in the UI, machines sharing a server), so
a pending row names the ``Writer`` that owns it, and a writer holds a lease it renews while it
runs (a row in the state collection, stamped with the store's own clock, so machines whose
clocks disagree still agree on expiry). ``repair()`` settles only a dead writer's rows: its
lease expired, or it ran on this machine and its process is gone. A long article is written in
parts, and its pending row counts the chunks ``saved`` so far: repair keeps those (the article
becomes ``partial``) and removes only what came after. The embedded store adds a
lock file: Chroma's embedded index files are not safe for two writing processes (measured:
two processes taking turns still corrupted the index), so writers there take turns, each
starting from what is on disk.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import urlparse

import numpy as np
from pydantic import BaseModel, ConfigDict

from qa.embeddings import Vectors
from qa.errors import QAError
from qa.models import Article, Chunk, Filters, StoredChunk
from qa.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import QueryResult

MODEL_KEY = "embedding_model"
_WRITE_BATCH = 2000  # well under Chroma's max batch size (5461 for the embedded store)
_GENERATION = "generation"  # the one row of the state collection
_RETRY_PAUSES = (0.0, 0.1, 0.3, 0.6, 1.0, 2.0)  # seconds before each retry on a fresh client
_WRITER_PREFIX = "writer:"  # a writer's lease row in the state collection
_BAND = "lsh"  # an article's signature band keys: lsh00, lsh01, ... (see qa.syndication)
LEASE_SECONDS = 60.0  # a writer that stops renewing for this long is dead


class EmbeddingModelMismatchError(RuntimeError):
    """The collection was built with another embedding model than the one configured."""


class StoreUnavailableError(RuntimeError):
    """The Chroma server cannot be reached or refused the request."""


class StoreError(QAError):
    """A read of the index failed even on a freshly opened client."""


class ArticleRecord(BaseModel):
    """The registry's row for one article."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    date: date | None
    source: str
    url: str | None
    origin: str
    content_hash: str
    chunks: int
    # "pending" while its chunks are being written, then "done"; "partial" when a writer died
    # (or was interrupted) after committing some parts of a long article: its first ``saved``
    # chunks are in the index and searchable, and the next ingest of the article resumes there.
    state: str
    writer: str = ""  # the id of the Writer that owns a pending row
    saved: int = 0  # chunks committed so far (all of them once "done")
    # The text's signature band keys (qa.syndication): () for a text too short to have one,
    # None for a row written before signatures existed (or with syndication off).
    bands: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Writer:
    """One process writing to the store: it owns the rows it marks pending."""

    id: str
    host: str
    pid: int

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}"


class _WritersHere:
    """The ids of the writers running in this process, safe to share between threads.

    Process-wide on purpose: a lease row names its writer by host and pid, so "is this writer
    of my own process still running?" is a question about the process, not about one
    ``Store``. The row cannot answer it (a writer whose server died mid-run could not delete
    its row, yet is over), and the ``Store`` objects of one process are independent (each
    engine, and ``ingest(..., store=None)``, opens its own), so they must all consult one
    record: one kept per ``Store`` would take a running writer of another ``Store`` in this
    process for a dead one, and repair its pending rows under it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[str] = set()

    @contextlib.contextmanager
    def running(self, writer: Writer) -> Iterator[None]:
        """Count ``writer`` as running in this process for the length of the block."""
        with self._lock:
            self._ids.add(writer.id)
        try:
            yield
        finally:
            with self._lock:
                self._ids.discard(writer.id)

    def __contains__(self, writer_id: object) -> bool:
        with self._lock:
            return writer_id in self._ids


_RUNNING_HERE = _WritersHere()


def _this_host() -> str:
    """This machine, told apart from a container or machine that reuses its host name."""
    boot = ""
    with contextlib.suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    return f"{socket.gethostname()}/{boot}" if boot else socket.gethostname()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    score: float  # cosine similarity in [-1, 1]


def connect(settings: Settings, *, private: bool = False) -> ClientAPI:
    """A Chroma client: the server at ``settings.chroma.url``, else the embedded store.

    ``private`` opens the embedded store on a Chroma system of its own instead of the one
    ``PersistentClient`` shares per folder in a process: the only way to read what another
    process wrote since that shared one loaded its vector indexes.
    """
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    client_settings = ChromaClientSettings(anonymized_telemetry=False)
    if settings.chroma.url:
        parsed = urlparse(settings.chroma.url)
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            msg = (
                f"QA_CHROMA_URL={settings.chroma.url!r} is not an http(s) URL like http://host:8000"
            )
            raise ValueError(msg)
        headers = {}
        if settings.chroma.token:
            headers["Authorization"] = f"Bearer {settings.chroma.token.get_secret_value()}"
        try:
            return chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                headers=headers,
                settings=client_settings,
            )
        except Exception as exc:
            raise StoreUnavailableError(_unavailable(settings, exc)) from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = str(settings.data_dir / "chroma")
    if not private:
        return chromadb.PersistentClient(path=path, settings=client_settings)
    from chromadb.api import ServerAPI
    from chromadb.api.client import Client
    from chromadb.config import System

    client_settings.is_persistent = True
    client_settings.persist_directory = path
    system = System(client_settings)
    system.instance(ServerAPI)  # type: ignore[type-abstract]  # as chromadb itself does
    system.start()
    # The old system stays alive for the clients still holding it and is freed with them.
    return Client.from_system(system)


def is_connection_error(exc: BaseException) -> bool:
    """The Chroma server went away (killed, restarted, network down) during a request."""
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError)


def connection_lost(settings: Settings, exc: BaseException, *, kept: str) -> str:
    """One line for a server lost mid-run: what happened, what was kept, what to do."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return (
        f"lost the Chroma server at {settings.chroma.url} ({detail}); the index stays "
        f"consistent ({kept}): start the server again and run the same command to finish"
    )


def server_lost(settings: Settings | None, exc: BaseException) -> str:
    """One line for a server lost while reading: nothing was changed, so start it and ask again."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    where = f" at {settings.chroma.url}" if settings is not None and settings.chroma.url else ""
    return (
        f"lost the Chroma server{where} ({detail}); nothing was changed: start the server "
        "again, then ask again"
    )


def _unavailable(settings: Settings, exc: Exception) -> str:
    """One line for a server that cannot be used: refused token, or not there at all."""
    detail = " ".join(str(exc).split())
    if "401" in detail or "403" in detail or "nauthori" in detail or "orbidden" in detail:
        hint = "set QA_CHROMA_TOKEN to the token the server (or the proxy in front) expects"
        return f"the Chroma server at {settings.chroma.url} refused the request ({detail}); {hint}"
    return (
        f"cannot reach the Chroma server at {settings.chroma.url} ({detail}); start it "
        "(`chroma run --path DIR --port PORT`) or unset QA_CHROMA_URL to use the embedded store"
    )


P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class _Collections:
    """One opened client and the corpus's three collections on it: replaced whole, never
    patched, so a read uses one client from start to end."""

    client: ClientAPI
    chunks: Collection
    registry: Collection
    state: Collection


def _fresh_on_failure(method: Callable[P, R]) -> Callable[P, R]:
    """A read that Chroma fails (another process changed the index under this client) is
    retried on a freshly opened client, a few times over four seconds (a loaded machine may
    take that long to commit a batch); what still fails is one ``StoreError`` line."""

    @functools.wraps(method)
    def read(*args: P.args, **kwargs: P.kwargs) -> R:
        from chromadb.errors import ChromaError

        store = args[0]
        assert isinstance(store, Store)
        for pause in (*_RETRY_PAUSES, None):
            try:
                return method(*args, **kwargs)
            except ChromaError as exc:
                if pause is None or not store.reopen():
                    raise StoreError(store._read_failed(exc)) from exc
                # A writer commits the rows a moment before the vectors: give it that moment.
                time.sleep(pause)
            except Exception as exc:
                if is_connection_error(exc):  # the server went away between two questions
                    raise StoreUnavailableError(server_lost(store._settings, exc)) from exc
                raise
        raise AssertionError("unreachable")

    return read


class Store:
    """Chunks + article registry for one corpus (one Chroma collection pair).

    >>> store = Store.open(Settings(), model_id=LOCAL_EMBEDDING_MODEL)  # doctest: +SKIP
    >>> store.stats()["chunks"]  # doctest: +SKIP
    """

    def __init__(
        self,
        client: ClientAPI,
        chunks: Collection,
        registry: Collection,
        state: Collection,
        *,
        reopen: Callable[[], _Collections] | None = None,
        refresh_seconds: float = 1.0,
        where: str = "",
        settings: Settings | None = None,
    ) -> None:
        self._live = _Collections(client, chunks, registry, state)
        self._reopen = reopen  # None: every write is already visible (a server, a test's client)
        self._refresh_seconds = refresh_seconds
        self._where = where
        self._seen: str | None = None  # the newest write generation this client is known to see
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._settings = settings

    @classmethod
    def open(cls, settings: Settings, *, model_id: str, client: ClientAPI | None = None) -> Store:
        """Open (or create) the corpus; refuse it if it was built with another model."""
        embedded = client is None and not settings.chroma.url
        with _one_opener_at_a_time(settings) if embedded else contextlib.nullcontext():
            live = _open_collections(settings, model_id, client or connect(settings))

        def reopen() -> _Collections:
            return _open_collections(settings, model_id, connect(settings, private=True))

        store = cls(
            live.client,
            live.chunks,
            live.registry,
            live.state,
            reopen=reopen if embedded else None,
            refresh_seconds=settings.chroma.refresh_seconds,
            where=str(settings.chroma.url or settings.data_dir),
            settings=settings,
        )
        store._seen = store.generation()
        if store._seen is None:  # new, or last written before generations existed
            store._changed()
        return store

    # -- other processes' writes ------------------------------------------------------------

    # The collections are read through these, so every read sees other processes' writes
    # within ``refresh_seconds``.
    @property
    def _client(self) -> ClientAPI:
        return self._fresh().client

    @property
    def _chunks(self) -> Collection:
        return self._fresh().chunks

    @property
    def _registry(self) -> Collection:
        return self._fresh().registry

    @property
    def _state(self) -> Collection:
        return self._fresh().state

    def _fresh(self) -> _Collections:
        """The current client, after checking (at most every ``refresh_seconds``) whether
        another process wrote since it was opened: one small read of the generation row."""
        live = self._live
        if self._reopen is None or time.monotonic() - self._checked < self._refresh_seconds:
            return live
        self._checked = time.monotonic()
        try:
            generation = _generation_of(live.state)
        except Exception:
            generation = None  # unreadable on this client: a fresh one will tell
        if generation is not None and generation == self._seen:
            return live
        self.reopen()
        return self._live

    def reopen(self) -> bool:
        """Open the store afresh (embedded only), so reads see every committed write; the
        swap is one assignment, and reads already running finish on the client they began
        with. False when there is nothing to reopen or it failed."""
        if self._reopen is None:
            return False
        with self._lock:
            try:
                live = self._reopen()
                generation = _generation_of(live.state)
            except Exception:
                return False
            self._live, self._seen = live, generation
            self._checked = time.monotonic()
        return True

    def _read_failed(self, exc: BaseException) -> str:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        return (
            f"the index at {self._where} could not be read ({detail}). If another process is "
            "writing to it, ask again in a moment; if this persists, run `qa ingest` on your "
            "articles again (it repairs what an interrupted run left) or restart `qa serve`."
        )

    @property
    def model_id(self) -> str:
        return str((self._chunks.metadata or {}).get(MODEL_KEY))

    @_fresh_on_failure
    def generation(self) -> str | None:
        """A token that changes after every write to the corpus (set by ``open``):
        derived indexes poll this one row instead of reading the whole registry (1.3 s at
        10k articles) to learn whether anything changed."""
        return _generation_of(self._state)

    def _changed(self) -> None:
        """Called after each write, never before: a reader that sees the new token then
        reads at least what the write left."""
        token, state = uuid.uuid4().hex, self._state
        before = _generation_of(state)
        state.upsert(
            ids=[_GENERATION],
            embeddings=np.ones((1, 1), dtype=np.float32),
            metadatas=[{"value": token}],
        )
        if before == self._seen:
            # This client wrote the newest change, so it sees it: no reopen for our own
            # writes. (Had another process written since, the next check still reopens.)
            self._seen = token

    # -- writers ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, on_wait: Callable[[str], None] | None = None) -> Iterator[Writer]:
        """Hold the right to write for the length of the block: the embedded store's lock
        (``on_wait`` hears why, if another process holds it) and a lease renewed in the
        background, so other writers know this one is alive and leave its rows alone."""
        with self._embedded_lock(on_wait):
            writer = Writer(id=uuid.uuid4().hex, host=_this_host(), pid=os.getpid())
            with _RUNNING_HERE.running(writer):
                self._renew(writer)
                stop = threading.Event()

                def heartbeat() -> None:
                    while not stop.wait(LEASE_SECONDS / 4):
                        with contextlib.suppress(Exception):  # retried; 4 beats fit a lease
                            self._renew(writer)

                beats = threading.Thread(target=heartbeat, name="qa-writer-lease", daemon=True)
                beats.start()
                try:
                    yield writer
                finally:
                    stop.set()
                    beats.join()
                    with contextlib.suppress(Exception):  # the store may be what failed
                        self._state.delete(ids=[_WRITER_PREFIX + writer.id])

    @contextlib.contextmanager
    def _embedded_lock(self, on_wait: Callable[[str], None] | None) -> Iterator[None]:
        settings = self._settings
        if settings is None or settings.chroma.url:
            yield
            return
        import fcntl

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path = settings.data_dir / "write.lock"
        with path.open("a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "another process"
                if on_wait:
                    on_wait(
                        f"waiting for {holder} to finish writing to {settings.data_dir} "
                        "(the embedded store takes one writer at a time)"
                    )
                fcntl.flock(lock, fcntl.LOCK_EX)
            lock.truncate(0)
            lock.write(f"ingest pid {os.getpid()} on {socket.gethostname()}\n")
            lock.flush()
            try:
                if _generation_of(self._live.state) != self._seen:
                    # This process's client keeps its own copy of the vector index; writing
                    # through a stale copy loses the other process's vectors (measured).
                    self.reopen()
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _now(self) -> float:
        """The store's clock in seconds (the server's, for a server): leases are stamped and
        judged by one clock."""
        return float(self._client.heartbeat()) / 1e9

    def _renew(self, writer: Writer) -> None:
        self._state.upsert(
            ids=[_WRITER_PREFIX + writer.id],
            embeddings=np.ones((1, 1), dtype=np.float32),
            metadatas=[
                {
                    "host": writer.host,
                    "pid": writer.pid,
                    "expires": self._now() + LEASE_SECONDS,
                }
            ],
        )

    def live_writer(self, writer_id: str) -> Writer | None:
        """The writer ``writer_id`` if it is still alive, else None."""
        if not writer_id:
            return None
        got = self._state.get(ids=[_WRITER_PREFIX + writer_id], include=["metadatas"])
        metadatas = got["metadatas"] or []
        if not metadatas or not metadatas[0]:
            return None  # finished (it deletes its lease last) or never started
        meta: dict[str, Any] = dict(metadatas[0])
        writer = Writer(id=writer_id, host=str(meta.get("host")), pid=int(meta.get("pid") or 0))
        if writer.host == _this_host() and writer.pid == os.getpid():
            return writer if writer_id in _RUNNING_HERE else None
        if writer.host == _this_host() and not _process_alive(writer.pid):
            return None
        if float(meta.get("expires") or 0) < self._now():
            return None
        return writer

    # -- registry ---------------------------------------------------------------------------

    @_fresh_on_failure
    def records(self, ids: Sequence[str] | None = None) -> dict[str, ArticleRecord]:
        """Registry rows for ``ids`` (all rows when None)."""
        result: dict[str, ArticleRecord] = {}
        if ids is not None and not ids:
            return result
        batches = (
            [list(ids[i : i + _WRITE_BATCH]) for i in range(0, len(ids), _WRITE_BATCH)]
            if (ids is not None)
            else [None]
        )
        for batch in batches:
            offset = 0
            while True:
                got = self._registry.get(
                    ids=batch,
                    include=["metadatas"],
                    limit=None if batch is not None else 5000,
                    offset=None if batch is not None else offset,
                )
                for article_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                    result[article_id] = _record(article_id, dict(meta or {}))
                if batch is not None or len(got["ids"]) < 5000:
                    break
                offset += 5000
        return result

    @_fresh_on_failure
    def article_texts(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The full texts of articles by id (those the registry has)."""
        if not article_ids:
            return {}
        got = self._registry.get(ids=list(article_ids), include=["documents"])
        return {
            article_id: document or ""
            for article_id, document in zip(got["ids"], got["documents"] or [], strict=True)
        }

    @_fresh_on_failure
    def article_text(self, article_id: str) -> str | None:
        """The full text of an article (for showing a quote in its paragraph)."""
        got = self._registry.get(ids=[article_id], include=["documents"])
        documents = got["documents"] or []
        return documents[0] if documents else None

    def begin(
        self,
        articles: Sequence[tuple[Article, str, int]],
        writer: Writer,
        *,
        saved: Mapping[str, int] | None = None,
        bands: Mapping[str, Sequence[str]] | None = None,
    ) -> set[str]:
        """Mark ``(article, origin, chunk count)`` as pending, owned by ``writer``, before their
        chunks are written. Returns the ids ``writer`` owns after the write: an article another
        live writer marked at the same moment is theirs to write (last mark wins).

        ``saved`` gives, for an article resumed from a partial ingest, how many of its chunks
        are already committed (kept by ``repair`` if this writer dies too)."""
        ids = [a.id for a, _, _ in articles]
        saved = saved or {}
        bands = bands or {}
        for batch in _batches(list(articles)):
            self._registry.upsert(
                ids=[a.id for a, _, _ in batch],
                embeddings=np.ones((len(batch), 1), dtype=np.float32),
                documents=[a.text for a, _, _ in batch],
                metadatas=[
                    {
                        **_record_meta(a, origin, n, "pending"),
                        **_band_meta(bands.get(a.id, ())),
                        "writer": writer.id,
                        "saved": saved.get(a.id, 0),
                    }
                    for a, origin, n in batch
                ],
            )
        self._changed()
        return self.owned(ids, writer)

    def save_parts(self, parts: Mapping[str, int], writer: Writer) -> set[str]:
        """Record that the first ``parts[article_id]`` chunks of long articles ``writer`` is
        writing are in the index (call after writing them): a kill from here on keeps them.
        Returns the ids ``writer`` still owns."""
        owned = self.owned(list(parts), writer)
        for batch in _batches(sorted(owned)):
            self._registry.update(ids=batch, metadatas=[{"saved": parts[i]} for i in batch])
        self._changed()
        return owned

    def commit(self, article_ids: Sequence[str], writer: Writer) -> set[str]:
        """Mark articles whose chunks ``writer`` has fully written as done (those it still owns).
        Returns the ids marked: one missing was taken over while ``writer`` was stalled."""
        owned = [i for i in article_ids if i in self.owned(article_ids, writer)]
        for batch in _batches(owned):
            self._registry.update(ids=batch, metadatas=[{"state": "done"} for _ in batch])
        self._changed()
        return set(owned)

    def owned(self, article_ids: Sequence[str], writer: Writer) -> set[str]:
        """The articles among ``article_ids`` that are pending and owned by ``writer``."""
        return {
            r.id
            for r in self.records(article_ids).values()
            if r.state == "pending" and r.writer == writer.id
        }

    def set_origin(self, article_ids: Sequence[str], origin: str) -> None:
        for batch in _batches(list(article_ids)):
            self._registry.update(ids=batch, metadatas=[{"origin": origin} for _ in batch])

    def set_bands(self, bands: Mapping[str, Sequence[str]]) -> None:
        """Store the signature band keys of articles already in the index (rows written before
        signatures existed get theirs on the next ingest, without re-embedding)."""
        ids = list(bands)
        for batch in _batches(ids):
            self._registry.update(ids=batch, metadatas=[_band_meta(bands[i]) for i in batch])
        if ids:
            self._changed()

    @_fresh_on_failure
    def sharing_bands(self, signatures: Sequence[Sequence[str]]) -> list[str]:
        """The ids of the articles, finished or not, whose signature shares a band key (at the
        same position) with any of ``signatures``: one indexed metadata query, however large
        the archive. Ids only, and no condition on the rows' state: reading the rows' metadata
        with the query cost twice the query itself, and a state condition matches nearly every
        row of the registry, so its cost grew with the archive; the caller usually holds the
        rows already (``records`` reads the rest, with their state)."""
        wanted: dict[str, set[str]] = {}
        for keys in signatures:
            for i, key in enumerate(keys):
                if key:
                    wanted.setdefault(f"{_BAND}{i:02d}", set()).add(key)
        if not wanted:
            return []
        clauses: list[dict[str, Any]] = [{k: {"$in": sorted(v)}} for k, v in wanted.items()]
        where: Any = clauses[0] if len(clauses) == 1 else {"$or": clauses}
        return list(self._registry.get(where=where, include=[])["ids"])

    # -- chunks -----------------------------------------------------------------------------

    def write_chunks(
        self,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        vectors: Vectors,
        *,
        clear_from: Mapping[str, int] | None = None,
    ) -> None:
        """Replace the chunks of ``articles`` with ``chunks`` (ids are deterministic, so a
        repeated write after a crash lands on the same ids and never duplicates).

        With ``clear_from``, only the articles it names lose their stored chunks first, and
        only those from the given index on: a long article written in parts keeps the parts
        already written."""
        by_id = {a.id: a for a in articles}
        if clear_from is None:
            self.delete_chunks([a.id for a in articles])
        else:
            for article_id, start in clear_from.items():
                self._clear_chunks_from(article_id, start)
        for start in range(0, len(chunks), _WRITE_BATCH):
            part = chunks[start : start + _WRITE_BATCH]
            self._chunks.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[start : start + len(part)],
                documents=[c.text for c in part],
                metadatas=[_chunk_meta(c, by_id[c.article_id]) for c in part],
            )
        self._changed()

    def delete_chunks(self, article_ids: Sequence[str]) -> None:
        for batch in _batches(list(article_ids)):
            self._chunks.delete(where={"article_id": {"$in": list(batch)}})  # type: ignore[dict-item]
        self._changed()

    def _clear_chunks_from(self, article_id: str, start: int) -> None:
        if start <= 0:
            self.delete_chunks([article_id])
            return
        where = {"$and": [{"article_id": article_id}, {"index": {"$gte": start}}]}
        self._chunks.delete(where=where)  # type: ignore[arg-type]
        self._changed()

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        """Remove articles and their chunks (chunks first, so no chunk outlives its row)."""
        self.delete_chunks(article_ids)
        for batch in _batches(list(article_ids)):
            self._registry.delete(ids=batch)
        self._changed()

    def repair(self) -> list[str]:
        """Settle the articles that dead writers left pending (killed, or lost their lease):
        those with committed parts become ``partial`` (their parts kept, the next ingest
        resumes them), the rest are removed and re-ingested on the next run. Rows of writers
        still running are left alone. Returns the ids settled."""
        pending = self._pending()
        alive = {w: self.live_writer(w) is not None for w in {r.writer for r in pending}}
        dead = [r for r in pending if not alive[r.writer]]
        self._settle(dead)
        self._forget_dead_writers()
        return [r.id for r in dead]

    def release(self, writer: Writer) -> list[ArticleRecord]:
        """Settle ``writer``'s own pending articles as ``repair`` would once it is dead (an
        interrupted ingest calls this before it stops, so the index says at once what it
        kept). Returns the rows as they now are: ``partial`` ones kept, the others removed."""
        mine = [r for r in self._pending() if r.writer == writer.id]
        self._settle(mine)
        return [r.model_copy(update={"state": "partial", "writer": ""}) for r in mine if r.saved]

    def _pending(self) -> list[ArticleRecord]:
        got = self._registry.get(where={"state": "pending"}, include=["metadatas"])
        return [
            _record(article_id, dict(meta or {}))
            for article_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True)
        ]

    def _settle(self, rows: Sequence[ArticleRecord]) -> None:
        """Keep the committed parts of ``rows`` (a chunk past ``saved`` may be half-written:
        it goes), mark those ``partial``, and remove the rows with nothing committed."""
        kept = [r for r in rows if r.saved > 0]
        for row in kept:
            self._clear_chunks_from(row.id, row.saved)
        for batch in _batches(kept):
            self._registry.update(
                ids=[r.id for r in batch],
                metadatas=[{"state": "partial", "writer": ""} for _ in batch],
            )
        gone = [r.id for r in rows if r.saved <= 0]
        if gone:
            self.delete_articles(gone)
        if kept:
            self._changed()

    def _forget_dead_writers(self) -> None:
        got = self._state.get(include=[])
        for row in got["ids"]:
            writer_id = row.removeprefix(_WRITER_PREFIX)
            if row.startswith(_WRITER_PREFIX) and self.live_writer(writer_id) is None:
                self._state.delete(ids=[row])

    # -- reading ----------------------------------------------------------------------------

    @_fresh_on_failure
    def query(self, vector: Vectors, n: int, filters: Filters | None = None) -> list[Hit]:
        """The ``n`` chunks nearest to ``vector`` that pass ``filters``, best first."""
        got = self._nearest(vector, n, filters, ["documents", "metadatas", "distances"])
        if got is None:
            return []
        ids = got["ids"][0]
        documents = (got["documents"] or [[]])[0]
        metadatas = (got["metadatas"] or [[]])[0]
        distances = (got["distances"] or [[]])[0]
        return [
            Hit(_stored_chunk(cid, doc, dict(meta or {})), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(ids, documents, metadatas, distances, strict=True)
        ]

    @_fresh_on_failure
    def nearest_ids(self, vector: Vectors, n: int, filters: Filters | None = None) -> list[str]:
        """The ids of ``query``'s hits alone: reading texts and metadata is most of a query's
        cost, and a fused ranking reads only its head."""
        got = self._nearest(vector, n, filters, ["distances"])
        return [] if got is None else list(got["ids"][0])

    def _nearest(
        self, vector: Vectors, n: int, filters: Filters | None, include: list[Any]
    ) -> QueryResult | None:
        if n <= 0:
            return None
        from chromadb.errors import InternalError

        try:
            return self._chunks.query(
                query_embeddings=[vector.tolist()],
                n_results=n,
                where=(filters or Filters()).where(),
                include=include,
            )
        except InternalError as exc:
            # Embedded store, first ingest running in another process: its vector index is not
            # on disk until it writes its first thousand chunks. Until then there is nothing to
            # find densely (keyword search still answers), which is not an error.
            if "Nothing found on disk" in str(exc):
                return None
            raise

    @_fresh_on_failure
    def chunks(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (missing ids left out)."""
        if not ids:
            return []
        got = self._chunks.get(ids=list(ids), include=["documents", "metadatas"])
        found = {
            cid: _stored_chunk(cid, doc, dict(meta or {}))
            for cid, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        }
        return [found[i] for i in ids if i in found]

    def iter_chunks(self, page: int = 5000) -> Iterable[StoredChunk]:
        """Every stored chunk, page by page (for building keyword indexes)."""
        offset = 0
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for cid, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            ):
                yield _stored_chunk(cid, doc, dict(meta or {}))
            if len(got["ids"]) < page:
                return
            offset += page

    @_fresh_on_failure
    def count_chunks(self) -> int:
        return int(self._chunks.count())

    def stats(self) -> dict[str, Any]:
        """Articles, chunks, date span, sources and the embedding model of the corpus."""
        records = self.records()
        dates = sorted(r.date for r in records.values() if r.date)
        return {
            "articles": sum(1 for r in records.values() if r.state == "done"),
            "chunks": self.count_chunks(),
            "embedding_model": self.model_id,
            "collection": self._chunks.name,
            "first_date": dates[0].isoformat() if dates else None,
            "last_date": dates[-1].isoformat() if dates else None,
            "sources": len({r.source for r in records.values()}),
            "pending": sum(1 for r in records.values() if r.state != "done"),
            "partial": sum(1 for r in records.values() if r.state == "partial"),
        }

    def sources(self) -> list[str]:
        return sorted({r.source for r in self.records().values()})

    @_fresh_on_failure
    def articles(self, filters: Filters | None = None) -> list[ArticleRecord]:
        """The finished articles that ``filters`` admit, newest first (undated last).

        The registry carries the same ``date_ord`` and ``source`` fields as the chunks, so the
        filters' ``where`` clause selects articles as it selects chunks.
        """
        clauses: list[dict[str, Any]] = [{"state": "done"}]
        where = (filters or Filters()).where()
        if where is not None:
            clauses += where.get("$and", [where])
        query = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        rows: list[ArticleRecord] = []
        offset = 0
        while True:
            got = self._registry.get(
                where=query,  # type: ignore[arg-type]
                include=["metadatas"],
                limit=5000,
                offset=offset,
            )
            for article_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                rows.append(_record(article_id, dict(meta or {})))
            if len(got["ids"]) < 5000:
                break
            offset += 5000
        rows.sort(key=lambda r: r.title)
        rows.sort(key=lambda r: r.date.toordinal() if r.date else 0, reverse=True)
        return rows


@contextlib.contextmanager
def _one_opener_at_a_time(settings: Settings) -> Iterator[None]:
    """Hold ``open.lock`` in the data directory while this process opens the embedded store.

    Chroma creates its tables and our collections on first open without a lock of its own:
    two processes opening a new data directory at once failed with "table collections already
    exists" (reproduced with four at once), so openers of one folder take turns.
    """
    import fcntl

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (settings.data_dir / "open.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _open_collections(settings: Settings, model_id: str, client: ClientAPI) -> _Collections:
    """The corpus's collections on ``client``, created if new; refused if built with another
    embedding model."""
    name = settings.chroma.collection
    chunks = _get_or_create(
        client,
        name,
        metadata={MODEL_KEY: model_id},
        configuration={"hnsw": {"space": "cosine"}},
    )
    recorded = (chunks.metadata or {}).get(MODEL_KEY)
    if recorded != model_id:
        where = settings.chroma.url or settings.data_dir
        msg = (
            f"The index {name!r} at {where} was built with the embedding model {recorded!r}, "
            f"but the settings ask for {model_id!r}. Query it with the model it was built with "
            f"(QA_EMBEDDING_PROVIDER / QA_EMBEDDING_MODEL), or ingest into another collection "
            f"(QA_CHROMA_COLLECTION) or data directory (QA_DATA_DIR)."
        )
        raise EmbeddingModelMismatchError(msg)
    registry = _get_or_create(client, f"{name}-registry", metadata={"kind": "article registry"})
    state = _get_or_create(client, f"{name}-state", metadata={"kind": "write generation"})
    return _Collections(client, chunks, registry, state)


def _generation_of(state: Collection) -> str | None:
    got = state.get(ids=[_GENERATION], include=["metadatas"])
    metadatas = got["metadatas"] or []
    return str(metadatas[0].get("value")) if metadatas and metadatas[0] else None


def _get_or_create(client: ClientAPI, name: str, **options: Any) -> Collection:
    """Open a collection as it is, or create it with ``options``.

    Not ``get_or_create_collection``: that would overwrite the recorded model id of an
    existing collection and defeat the model guard.
    """
    from chromadb.errors import NotFoundError

    try:
        return client.get_collection(name, embedding_function=None)
    except (NotFoundError, ValueError):
        pass
    try:
        return client.create_collection(name, embedding_function=None, **options)
    except Exception:
        # Another process created it between our two calls: open theirs.
        return client.get_collection(name, embedding_function=None)


def _batches(items: list[Any], size: int = _WRITE_BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record_meta(article: Article, origin: str, chunks: int, state: str) -> dict[str, Any]:
    return {
        **_article_meta(article),
        "origin": origin,
        "content_hash": article.content_hash,
        "chunks": chunks,
        "state": state,
    }


def _article_meta(article: Article) -> dict[str, Any]:
    """The article fields both collections carry; ``date_ord`` makes date ranges filterable."""
    meta: dict[str, Any] = {"title": article.title, "source": article.source}
    if article.url:
        meta["url"] = article.url
    if article.date:
        meta["date"] = article.date.isoformat()
        meta["date_ord"] = article.date.toordinal()
    return meta


def _band_meta(bands: Sequence[str]) -> dict[str, str]:
    return {f"{_BAND}{i:02d}": key for i, key in enumerate(bands)}


def _bands_of(meta: dict[str, Any]) -> tuple[str, ...] | None:
    keys = sorted(k for k in meta if k.startswith(_BAND) and k[len(_BAND) :].isdigit())
    if not keys:
        return None
    bands = tuple(str(meta[k]) for k in keys)
    return bands if any(bands) else ()


def _record(article_id: str, meta: dict[str, Any]) -> ArticleRecord:
    state = str(meta.get("state", "pending"))
    return ArticleRecord(
        id=article_id,
        title=str(meta.get("title", "")),
        date=date.fromisoformat(meta["date"]) if meta.get("date") else None,
        source=str(meta.get("source", "")),
        url=meta.get("url"),
        origin=str(meta.get("origin", "")),
        content_hash=str(meta.get("content_hash", "")),
        chunks=int(meta.get("chunks", 0)),
        state=state,
        writer=str(meta.get("writer", "")),
        saved=int(meta.get("chunks", 0)) if state == "done" else int(meta.get("saved") or 0),
        bands=_bands_of(meta),
    )


def _chunk_meta(chunk: Chunk, article: Article) -> dict[str, Any]:
    return {
        **_article_meta(article),
        "article_id": chunk.article_id,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
    }


def _stored_chunk(chunk_id: str, text: str | None, meta: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        id=chunk_id,
        article_id=str(meta["article_id"]),
        text=text or "",
        start=int(meta["start"]),
        end=int(meta["end"]),
        index=int(meta["index"]),
        title=str(meta.get("title", "")),
        date=date.fromisoformat(meta["date"]) if meta.get("date") else None,
        source=str(meta.get("source", "")),
        url=meta.get("url"),
    )
