"""qa: question answering over news articles, with verified sentence-level citations.

>>> import qa
>>> qa.ingest(["examples/articles"])                       # doctest: +SKIP
>>> answer = qa.ask("What did Xi say about sanctions?")    # doctest: +SKIP
>>> answer.text, answer.citations[0].quote                 # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qa.engine import Engine, engine_for
from qa.ingest import IngestReport, ProgressCallback
from qa.models import (
    Answer,
    Citation,
    DateLike,
    History,
    Query,
    StreamItem,
    as_query,
    final_answer,
)
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.evaluation import EvalItem, EvalReport
    from qa.judges import JudgeName
    from qa.langchain_retriever import QARetriever

__all__ = [
    "Answer",
    "Citation",
    "Engine",
    "Query",
    "Settings",
    "as_retriever",
    "ask",
    "evaluate",
    "final_answer",
    "ingest",
    "stream",
]


def ask(
    question: str,
    history: History | None = None,
    *,
    k: int | None = None,
    since: DateLike = None,
    until: DateLike = None,
    sources: Sequence[str] | None = None,
    as_of: DateLike = None,
    settings: Settings | None = None,
) -> Answer:
    """Answer a question from the ingested articles.

    ``history`` is the conversation so far (``[{"role": "user", "content": ...}, ...]``, oldest
    first); ``since``/``until`` (dates or ``YYYY-MM-DD``) and ``sources`` filter the articles;
    ``as_of`` is the reference date for "last week" and the like (default: today). The arguments
    become one ``qa.Query``; ``Engine.ask`` takes that directly.
    """
    query = as_query(question, history, k=k, since=since, until=until, sources=sources, as_of=as_of)
    return engine_for(settings or Settings()).ask(query)


def stream(
    question: str,
    history: History | None = None,
    *,
    k: int | None = None,
    since: DateLike = None,
    until: DateLike = None,
    sources: Sequence[str] | None = None,
    as_of: DateLike = None,
    settings: Settings | None = None,
) -> Iterator[StreamItem]:
    """Like ``ask``, but yields text deltas as they are produced and then the final ``Answer``
    (``qa.final_answer`` reduces such a stream to its Answer)."""
    query = as_query(question, history, k=k, since=since, until=until, sources=sources, as_of=as_of)
    return engine_for(settings or Settings()).stream(query)


def as_retriever(
    *,
    k: int | None = None,
    since: DateLike = None,
    until: DateLike = None,
    sources: Sequence[str] | None = None,
    as_of: DateLike = None,
    settings: Settings | None = None,
) -> QARetriever:
    """qa's retrieval as a LangChain ``BaseRetriever``: ``Document``s whose metadata carry
    ``article_id``, ``title``, ``date``, ``source``, ``url``, ``chunk_id``, ``start``, ``end``.

    >>> docs = qa.as_retriever(k=3).invoke("What did Xi say about sanctions?")  # doctest: +SKIP
    """
    from qa.langchain_retriever import QARetriever

    # Validated now, as a Query would validate them, not at the first invoke.
    options = as_query("-", k=k, since=since, until=until, sources=sources, as_of=as_of)
    return QARetriever(
        engine=engine_for(settings or Settings()),
        k=options.k,
        since=options.since,
        until=options.until,
        sources=list(options.sources) or None,
        as_of=options.as_of,
    )


def ingest(
    paths: Iterable[str | Path],
    *,
    prune: bool = False,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
) -> IngestReport:
    """Add or update the articles in ``paths`` (files, folders or globs) in the index."""
    return engine_for(settings or Settings()).ingest(paths, prune=prune, on_progress=on_progress)


def evaluate(
    dataset: str | Path | Sequence[EvalItem],
    *,
    judge: JudgeName = "lexical",
    limit: int | None = None,
    report: str | Path | None = None,
    settings: Settings | None = None,
) -> EvalReport:
    """Measure answer quality on a gold set (JSONL path or ``EvalItem`` list) over the index.

    Every metric comes with its count and a 95% bootstrap interval; ``report`` is a folder to
    write report.json, report.md and the plots into. See ``qa.evaluation``.

    >>> qa.evaluate("examples/eval/sample.jsonl").metrics["answer_accuracy"]  # doctest: +SKIP
    """
    from qa.evaluation import evaluate as run
    from qa.reports import write_report

    result = run(dataset, engine=engine_for(settings or Settings()), judge=judge, limit=limit)
    if report is not None:
        write_report(result, report)
    return result
