"""The engine as one LCEL Runnable: ``invoke``, ``stream``, ``batch`` and their async forms.

``Engine.runnable()`` returns it. The input is a ``Query`` (or a dict with its fields); ``stream``
yields the text deltas and then the verified ``Answer``, exactly as ``Engine.stream``;
``invoke`` returns the ``Answer``::

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
from datetime import date
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig, RunnableGenerator
from pydantic import BaseModel, ConfigDict, Field

from qa.chat import Message
from qa.models import Answer

if TYPE_CHECKING:
    from qa.engine import Engine

Item = str | Answer


class Query(BaseModel):
    """One question with the options of ``Engine.ask``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    history: list[Message] = Field(default_factory=list, description="Oldest first.")
    k: int | None = None
    since: date | str | None = None
    until: date | str | None = None
    sources: list[str] | None = None
    today: date | None = Field(None, description="Reference date for 'last week' and the like.")


class EngineRunnable(RunnableGenerator[Query | dict[str, Any], Item]):
    """``Engine.stream`` as a Runnable whose ``invoke`` returns the final ``Answer``.

    A plain ``RunnableGenerator`` would add its chunks together on ``invoke``; text deltas and an
    ``Answer`` do not add up, and the Answer already holds the verified text, so ``invoke`` keeps
    the last item instead.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        super().__init__(self._items, self._aitems, name="qa")

    def _items(self, queries: Iterator[Query | dict[str, Any]]) -> Iterator[Item]:
        for raw in queries:
            query = raw if isinstance(raw, Query) else Query.model_validate(raw)
            yield from self._engine.stream(
                query.question,
                query.history,
                k=query.k,
                since=query.since,
                until=query.until,
                sources=query.sources,
                today=query.today,
            )

    async def _aitems(self, queries: AsyncIterator[Query | dict[str, Any]]) -> AsyncIterator[Item]:
        # The store and the encoder are synchronous: each step runs in a worker thread, so an
        # event loop (the Gradio UI, a web server) keeps serving while the model streams.
        async for query in queries:
            steps = self._items(iter([query]))
            while (item := await asyncio.to_thread(next, steps, None)) is not None:
                yield item

    def invoke(
        self, input: Query | dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Item:
        return _last(list(self.stream(input, config, **kwargs)))

    async def ainvoke(
        self, input: Query | dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Item:
        return _last([item async for item in self.astream(input, config, **kwargs)])


def _last(items: list[Item]) -> Item:
    answers = [i for i in items if isinstance(i, Answer)]
    if not answers:
        msg = "the engine's stream ended without an Answer"
        raise RuntimeError(msg)
    return answers[-1]
