"""qa's retrieval as a LangChain ``BaseRetriever``, for chains with their own prompt and model.

``qa.as_retriever(...)`` returns one. Each ``Document`` is a passage exactly as ``qa.ask`` would
hand it to its answerer (hybrid search, date windows, de-duplication), with the article fields a
citation needs in its metadata::

    >>> retriever = qa.as_retriever(k=4, since="2023-01-01")                   # doctest: +SKIP
    >>> doc = retriever.invoke("What did Xi say about sanctions?")[0]          # doctest: +SKIP
    >>> doc.metadata["title"], doc.metadata["start"], doc.metadata["end"]      # doctest: +SKIP

``page_content`` is ``article.text[start:end]``. ``Engine.runnable()`` stays the way to run qa's
own answerer and citation check as a Runnable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from qa.models import MAX_K, Source

if TYPE_CHECKING:
    from qa.engine import Engine


class QARetriever(BaseRetriever):
    """The passages ``Engine.retrieve`` finds for a query, as ``Document``s."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: Any = Field(description="The qa Engine to retrieve from.")
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages per query (QA_RETRIEVAL_K).")
    since: date | None = None
    until: date | None = None
    sources: list[str] | None = None
    as_of: date | None = Field(None, description="Reference date for 'last week' and the like.")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        engine: Engine = self.engine
        found = engine.retrieve(
            query,
            k=self.k,
            since=self.since,
            until=self.until,
            sources=self.sources,
            as_of=self.as_of,
        )
        return documents(found)


def documents(found: Sequence[Source]) -> list[Document]:
    """Retrieved passages as Documents; ``id`` is the chunk id."""
    return [
        Document(
            id=s.chunk.id,
            page_content=s.chunk.text,
            metadata={
                "article_id": s.chunk.article_id,
                "title": s.chunk.title,
                "date": s.chunk.date.isoformat() if s.chunk.date else None,
                "source": s.chunk.source,
                "url": s.chunk.url,
                "chunk_id": s.chunk.id,
                "start": s.chunk.start,
                "end": s.chunk.end,
                "score": s.score,
                "rank": s.n,
            },
        )
        for s in found
    ]
