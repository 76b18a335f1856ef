"""The engine as one LCEL Runnable: ``invoke``, ``stream``, ``batch`` and their async forms.

``Engine.runnable()`` returns it. The input is a ``qa.models.Query`` (or a dict with its
fields); ``stream`` yields the text deltas and then the verified ``Answer``, exactly as
``Engine.stream``; ``invoke`` returns the ``Answer``::

    >>> chain = Engine(settings).runnable()                                   # doctest: +SKIP
    >>> chain.invoke({"question": "What did Xi say about sanctions?"}).citations  # doctest: +SKIP
    >>> chain.batch([{"question": q} for q in questions])                     # doctest: +SKIP
    >>> async for item in chain.astream({"question": "...", "history": [...]}):  # doctest: +SKIP
    ...     print(item)

It composes with other runnables (``prompt | chain``, ``chain.with_retry()``...) and carries
LangChain callbacks and tracing like any chain.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

from langchain_core.runnables import RunnableConfig, RunnableGenerator

from qa.models import Answer, Query, StreamItem, as_query, final_answer

__all__ = ["EngineRunnable", "Query"]


class QueryStream(Protocol):
    """What the Runnable wraps: ``qa.engine.Engine``, or any object that streams a Query the
    same way (named by shape so this module does not import the engine that returns it)."""

    def stream(self, query: Query) -> Iterator[StreamItem]: ...


class EngineRunnable(RunnableGenerator[Query | dict[str, Any], StreamItem]):
    """``Engine.stream`` as a Runnable whose ``invoke`` returns the final ``Answer``.

    A plain ``RunnableGenerator`` would add its chunks together on ``invoke``; text deltas and an
    ``Answer`` do not add up, and the Answer already holds the verified text, so ``invoke`` keeps
    the last item instead.
    """

    def __init__(self, engine: QueryStream) -> None:
        self._engine = engine
        super().__init__(self._items, self._aitems, name="qa")

    def _items(self, queries: Iterator[Query | dict[str, Any]]) -> Iterator[StreamItem]:
        for raw in queries:
            yield from self._engine.stream(raw if isinstance(raw, Query) else _query(raw))

    async def _aitems(
        self, queries: AsyncIterator[Query | dict[str, Any]]
    ) -> AsyncIterator[StreamItem]:
        # The store and the encoder are synchronous: each step runs in a worker thread, so an
        # event loop (the Gradio UI, a web server) keeps serving while the model streams.
        async for query in queries:
            steps = self._items(iter([query]))
            while (item := await asyncio.to_thread(next, steps, None)) is not None:
                yield item

    def invoke(
        self, input: Query | dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        return final_answer(self.stream(input, config, **kwargs))

    async def ainvoke(
        self, input: Query | dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        return final_answer([item async for item in self.astream(input, config, **kwargs)])


def _query(fields: dict[str, Any]) -> Query:
    """A dict input as a Query, checked as ``qa.ask`` checks its arguments (``as_query``): a bad
    field is one ``InvalidQueryError`` line, not pydantic's multi-line report."""
    options = {name: value for name, value in fields.items() if name != "question"}
    return as_query(fields.get("question", ""), **options)
