"""Find the passages for a question: dense search in Chroma with date and source filters.

``Retriever`` is the seam: hybrid keyword + dense search and reranking plug in behind it.
"""

from __future__ import annotations

from typing import Protocol

from qa.embeddings import Embedder
from qa.settings import Settings
from qa.store import Filters, Hit, Store


class Retriever(Protocol):
    def retrieve(self, query: str, *, k: int, filters: Filters | None = None) -> list[Hit]: ...


class DenseRetriever:
    """Nearest chunks by cosine similarity of all-MiniLM-L6-v2 vectors.

    >>> DenseRetriever(store, embedder).retrieve("What did Xi say?", k=4)  # doctest: +SKIP
    """

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self._store = store
        self._embedder = embedder

    def retrieve(self, query: str, *, k: int, filters: Filters | None = None) -> list[Hit]:
        return self._store.query(self._embedder.embed_query(query), k, filters)


def make_retriever(settings: Settings, store: Store, embedder: Embedder) -> Retriever:
    """The retriever ``settings`` ask for."""
    del settings  # one kind so far; hybrid retrieval reads its knobs from here
    return DenseRetriever(store, embedder)
