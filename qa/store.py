"""The index: chunks and their vectors in Chroma, beside a registry of the articles they came from.

Both live in Chroma (embedded ``PersistentClient`` under ``data_dir``, or a server by URL), so
every process that opens the same store sees the same state. The registry is what makes ingest
incremental and crash-safe: an article is marked ``pending`` before its chunks are written and
``done`` after, and ``repair()`` removes whatever a killed run left half-written.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np
from pydantic import BaseModel, ConfigDict

from qa.embeddings import Vectors
from qa.models import Article, Chunk, Filters, StoredChunk
from qa.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import QueryResult

MODEL_KEY = "embedding_model"
_WRITE_BATCH = 2000  # well under Chroma's max batch size (5461 for the embedded store)
_GENERATION = "generation"  # the one row of the state collection


class EmbeddingModelMismatchError(RuntimeError):
    """The collection was built with another embedding model than the one configured."""


class StoreUnavailableError(RuntimeError):
    """The Chroma server cannot be reached or refused the request."""


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
    state: str  # "pending" while its chunks are being written, then "done"


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    score: float  # cosine similarity in [-1, 1]


def connect(settings: Settings) -> ClientAPI:
    """A Chroma client: the server at ``settings.chroma.url``, else the embedded store."""
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
    return chromadb.PersistentClient(
        path=str(settings.data_dir / "chroma"), settings=client_settings
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


class Store:
    """Chunks + article registry for one corpus (one Chroma collection pair).

    >>> store = Store.open(Settings(), model_id=LOCAL_EMBEDDING_MODEL)  # doctest: +SKIP
    >>> store.stats()["chunks"]  # doctest: +SKIP
    """

    def __init__(
        self, client: ClientAPI, chunks: Collection, registry: Collection, state: Collection
    ) -> None:
        self._client = client
        self._chunks = chunks
        self._registry = registry
        self._state = state

    @classmethod
    def open(cls, settings: Settings, *, model_id: str, client: ClientAPI | None = None) -> Store:
        """Open (or create) the corpus; refuse it if it was built with another model."""
        client = client or connect(settings)
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
        store = cls(client, chunks, registry, state)
        if store.generation() is None:  # new, or last written before generations existed
            store._changed()
        return store

    @property
    def model_id(self) -> str:
        return str((self._chunks.metadata or {}).get(MODEL_KEY))

    def generation(self) -> str | None:
        """A token that changes after every write to the corpus (set by ``open``):
        derived indexes poll this one row instead of reading the whole registry (1.3 s at
        10k articles) to learn whether anything changed."""
        got = self._state.get(ids=[_GENERATION], include=["metadatas"])
        metadatas = got["metadatas"] or []
        return str(metadatas[0].get("value")) if metadatas and metadatas[0] else None

    def _changed(self) -> None:
        """Called after each write, never before: a reader that sees the new token then
        reads at least what the write left."""
        self._state.upsert(
            ids=[_GENERATION],
            embeddings=np.ones((1, 1), dtype=np.float32),
            metadatas=[{"value": uuid.uuid4().hex}],
        )

    # -- registry ---------------------------------------------------------------------------

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

    def article_text(self, article_id: str) -> str | None:
        """The full text of an article (for showing a quote in its paragraph)."""
        got = self._registry.get(ids=[article_id], include=["documents"])
        documents = got["documents"] or []
        return documents[0] if documents else None

    def begin(self, articles: Sequence[tuple[Article, str, int]]) -> None:
        """Mark ``(article, origin, chunk count)`` as pending, before their chunks are written."""
        for batch in _batches(list(articles)):
            self._registry.upsert(
                ids=[a.id for a, _, _ in batch],
                embeddings=np.ones((len(batch), 1), dtype=np.float32),
                documents=[a.text for a, _, _ in batch],
                metadatas=[_record_meta(a, origin, n, "pending") for a, origin, n in batch],
            )
        self._changed()

    def commit(self, article_ids: Sequence[str]) -> None:
        """Mark articles whose chunks are fully written as done."""
        for batch in _batches(list(article_ids)):
            self._registry.update(ids=batch, metadatas=[{"state": "done"} for _ in batch])
        self._changed()

    def set_origin(self, article_ids: Sequence[str], origin: str) -> None:
        for batch in _batches(list(article_ids)):
            self._registry.update(ids=batch, metadatas=[{"origin": origin} for _ in batch])

    # -- chunks -----------------------------------------------------------------------------

    def write_chunks(
        self, articles: Sequence[Article], chunks: Sequence[Chunk], vectors: Vectors
    ) -> None:
        """Replace the chunks of ``articles`` with ``chunks`` (ids are deterministic, so a
        repeated write after a crash lands on the same ids and never duplicates)."""
        by_id = {a.id: a for a in articles}
        self.delete_chunks([a.id for a in articles])
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

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        """Remove articles and their chunks (chunks first, so no chunk outlives its row)."""
        self.delete_chunks(article_ids)
        for batch in _batches(list(article_ids)):
            self._registry.delete(ids=batch)
        self._changed()

    def repair(self) -> list[str]:
        """Remove articles a killed ingest left pending; they are re-ingested on the next run."""
        got = self._registry.get(where={"state": "pending"}, include=[])
        pending = list(got["ids"])
        if pending:
            self.delete_articles(pending)
        return pending

    # -- reading ----------------------------------------------------------------------------

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
        return self._chunks.query(
            query_embeddings=[vector.tolist()],
            n_results=n,
            where=(filters or Filters()).where(),
            include=include,
        )

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
        }

    def sources(self) -> list[str]:
        return sorted({r.source for r in self.records().values()})

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


def _record(article_id: str, meta: dict[str, Any]) -> ArticleRecord:
    return ArticleRecord(
        id=article_id,
        title=str(meta.get("title", "")),
        date=date.fromisoformat(meta["date"]) if meta.get("date") else None,
        source=str(meta.get("source", "")),
        url=meta.get("url"),
        origin=str(meta.get("origin", "")),
        content_hash=str(meta.get("content_hash", "")),
        chunks=int(meta.get("chunks", 0)),
        state=str(meta.get("state", "pending")),
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
