"""The engine: question (+ history) -> standalone question -> passages -> draft -> cited Answer.

One ``Engine`` holds the heavy parts (encoder, store client, answerer), built lazily from
``Settings`` on first use, so constructing it is free and tests can pass in their own parts.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answering import Answerer, make_answerer
from qa.chat import (
    STORY_ARTICLES,
    Condenser,
    StoryShare,
    make_condenser,
    standalone_question,
)
from qa.citations import (
    CANNOT_ANSWER,
    NEAREST,
    SupportCheck,
    find_injections,
    injection_warning,
    refusal_remainder,
    refusal_text,
    resolve,
    resolve_answer,
)
from qa.embeddings import CachingEmbedder, Embedder, make_embedder
from qa.errors import IncompleteAnswerError
from qa.ingest import IngestReport, ProgressCallback, ingest
from qa.models import (
    Answer,
    Citation,
    History,
    Message,
    Query,
    QueryOptions,
    Source,
    StreamItem,
    as_query,
    final_answer,
)
from qa.passages import expand, is_stale
from qa.retrieval import Retriever, make_retriever
from qa.settings import Settings
from qa.store import Store
from qa.syndication import Stories, copies_of
from qa.verify import for_one_answer

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from qa.runnable import EngineRunnable


class Engine:
    """Everything qa does, over one corpus.

    >>> engine = Engine(Settings())                                   # doctest: +SKIP
    >>> engine.ingest(["examples/articles"]).summary()                # doctest: +SKIP
    >>> engine.ask("What did Xi say about sanctions?").citations[0]   # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: Store | None = None,
        retriever: Retriever | None = None,
        answerer: Answerer | None = None,
        condenser: Condenser | None = None,
    ) -> None:
        self.settings = settings or Settings()
        # One vector cache per engine, shared by its retriever, reranker and answerer.
        self._embedder = (
            embedder
            if embedder is None or isinstance(embedder, CachingEmbedder)
            else CachingEmbedder(embedder)
        )
        self._store = store
        self._retriever = retriever
        self._answerer = answerer
        self._condenser = condenser
        # Parts are built on first use; concurrent first requests (a server's threads) must not
        # each build their own. Re-entrant: building the store needs the embedder.
        self._building = threading.RLock()
        self._support_check: SupportCheck | None = None
        self._own_stories: Stories | None = None

    # -- parts, built on first use ------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        with self._building:
            if self._embedder is None:
                self._embedder = CachingEmbedder(make_embedder(self.settings))
            return self._embedder

    @property
    def store(self) -> Store:
        with self._building:
            if self._store is None:
                self._store = Store.open(self.settings, model_id=self.embedder.model_id)
            return self._store

    @property
    def retriever(self) -> Retriever:
        with self._building:
            if self._retriever is None:
                self._retriever = make_retriever(self.settings, self.store, self.embedder)
            return self._retriever

    @property
    def answerer(self) -> Answerer:
        with self._building:
            if self._answerer is None:
                self._answerer = make_answerer(self.settings, self.embedder)
            return self._answerer

    @property
    def condenser(self) -> Condenser:
        """Rewrites follow-ups: the chat model when one is configured, else the offline rule."""
        with self._building:
            if self._condenser is None:
                self._condenser = make_condenser(self.settings, self._story_share())
            return self._condenser

    def _story_share(self) -> StoryShare | None:
        """The keyword index's measure of how well a conversation's story matches a question,
        for the offline rule (None when retrieval has no keyword index)."""
        if self.settings.uses_llm or self.settings.retrieval.mode == "dense":
            return None
        keyword = getattr(self.retriever, "keyword_index", None)
        if keyword is None:
            return None
        return functools.partial(keyword.story_share, articles=STORY_ARTICLES)

    @property
    def support_check(self) -> SupportCheck:
        """How cited claims are verified: the rules, the bundled encoder for rewordings, and
        with ``QA_VERIFY=llm`` the chat model for what the rules leave undecided."""
        with self._building:
            if self._support_check is None:
                from qa.verify import make_support_check

                self._support_check = make_support_check(self.settings, self.embedder)
            return self._support_check

    def _condense(self, question: str, history: Sequence[Message]) -> str:
        # Called only with a history: a first question never builds the condenser.
        return self.condenser(question, history)

    # -- the public verbs ---------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Add or update articles; see ``qa.ingest.ingest``."""
        report = ingest(
            paths,
            settings=self.settings,
            store=self.store,
            embedder=self.embedder,
            prune=prune,
            on_progress=on_progress,
        )
        # Derived indexes (BM25) notice the change on their next query, not seconds later.
        invalidate = getattr(self._retriever, "invalidate", None)
        if callable(invalidate):
            invalidate()
        return report

    def ask(
        self, query: Query | str, history: History | None = None, **options: Unpack[QueryOptions]
    ) -> Answer:
        """Answer a ``Query`` from the articles, with verified citations.

        A question string with ``history`` and keyword options (``k``, ``since``, ``until``,
        ``sources``, ``as_of``) is shorthand for the ``Query`` of those fields.
        """
        return final_answer(self.stream(query, history, **options))

    def stream(
        self, query: Query | str, history: History | None = None, **options: Unpack[QueryOptions]
    ) -> Iterator[StreamItem]:
        """Yield the draft's text deltas as they are produced, then the verified ``Answer``.

        The deltas are the raw draft (source-numbered markers); the final Answer's text is the
        verified one, with markers renumbered per answer. Arguments as for ``ask``; the query is
        validated before the first item.
        """
        return self._stream(as_query(query, history, **options))

    def _stream(self, query: Query) -> Iterator[StreamItem]:
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        standalone = standalone_question(query.question, query.history, self._condense)
        timings["condense_ms"] = _ms_since(clock)

        clock = time.perf_counter()
        numbered = self._passages(self._retrieve(standalone, query))
        timings["retrieve_ms"] = _ms_since(clock)
        dense_only = not self.keyword_ready()  # asked now: it may finish loading meanwhile

        clock = time.perf_counter()
        pieces: list[str] = []
        cut: IncompleteAnswerError | None = None
        if numbered:
            try:
                for delta in self.answerer.draft(standalone, numbered):
                    pieces.append(delta)
                    yield delta
            except IncompleteAnswerError as exc:
                cut = exc
        else:
            yield CANNOT_ANSWER
        timings["answer_ms"] = _ms_since(clock)
        draft = "".join(pieces)

        clock = time.perf_counter()
        answer = self._with_copies(self._finish(draft, numbered, standalone))
        if cut is not None:
            answer = _incomplete(answer, cut)
        if dense_only:
            note = (
                "The keyword index was still loading, so this answer comes from dense search "
                "alone; ask again in a moment for the full search."
            )
            answer = answer.model_copy(
                update={"warning": f"{answer.warning} {note}" if answer.warning else note}
            )
        timings["cite_ms"] = _ms_since(clock)
        timings["total_ms"] = sum(timings.values())
        yield answer.model_copy(update={"timings": timings, "passages": numbered})

    def runnable(self) -> EngineRunnable:
        """``stream`` as one LCEL Runnable: ``invoke``/``stream``/``batch`` and the async forms
        take a ``qa.models.Query`` (or a dict of its fields); see ``qa.runnable``."""
        from qa.runnable import EngineRunnable

        return EngineRunnable(self)

    def keyword_ready(self) -> bool:
        """False while the BM25 index that retrieval uses is still on its first load (a question
        then waits for it, up to ``retrieval.keyword_wait_seconds``, and is answered without
        it after that). True when retrieval does not use one."""
        s = self.settings.retrieval
        keyword = getattr(self.retriever, "keyword_index", None)
        if keyword is None or s.mode == "dense" or not s.keyword_weight:
            return True
        return bool(keyword.ready)

    def retrieve(
        self, query: Query | str, history: History | None = None, **options: Unpack[QueryOptions]
    ) -> list[Source]:
        """The passages ``ask`` hands the answerer for this query, best first, numbered from 1.

        Evaluation calls it with a larger ``k`` to rank deeper than the answerer reads (hit@10).
        """
        query = as_query(query, history, **options)
        standalone = standalone_question(query.question, query.history, self._condense)
        return self._retrieve(standalone, query)

    def _retrieve(self, standalone: str, query: Query) -> list[Source]:
        # ``as_of`` is the reference date for the question's date words ("this week").
        hits = self.retriever.retrieve(
            standalone,
            k=query.k or self.settings.retrieval.k,
            filters=query.filters,
            as_of=query.as_of,
        )
        return [Source(n=i, chunk=h.chunk, score=h.score) for i, h in enumerate(hits, 1)]

    def _passages(self, sources: list[Source]) -> list[Source]:
        """The retrieved chunks with their neighbours and the best articles' openings, touching
        chunks of an article merged into one source (``qa.passages.expand``). They are read from
        the store only when the engine owns one (a test's injected retriever may have none)."""
        s = self.settings.answer
        return expand(sources, self._store, neighbours=s.neighbours, leads=s.lead_articles)

    def _finish(self, draft: str, sources: list[Source], standalone: str) -> Answer:
        name = self.answerer.name
        if not sources:
            return Answer(
                text=CANNOT_ANSWER,
                refused=True,
                question=standalone,
                answerer=name,
                warning=self._nothing_found_warning(),
            )
        check, judge = for_one_answer(self.support_check)
        remainder = refusal_remainder(draft)
        if remainder is not None:
            nearest = resolve(remainder, sources, check) if remainder.strip() else None
            judged = judge.warning() if judge else None
            if nearest is None or not nearest.citations:
                return Answer(
                    text=CANNOT_ANSWER,
                    refused=True,
                    question=standalone,
                    answerer=name,
                    warning=judged,
                )
            return Answer(
                text=f"{refusal_text(standalone)} {NEAREST} {nearest.text}",
                citations=self._mark_stale(nearest.citations, sources),
                refused=True,
                question=standalone,
                answerer=name,
                warning=judged,
            )
        short, resolved = resolve_answer(draft, sources, check)
        notes = []
        if resolved.unsupported:
            notes.append(
                f"{len(resolved.unsupported)} sentence(s) of this answer are not supported "
                "by the retrieved articles; check them before relying on them."
            )
        injected = injection_warning(find_injections(sources))
        if injected:
            notes.append(injected)
        if judge and (unchecked := judge.warning()):
            notes.append(unchecked)
        warning = " ".join(notes) or None
        return Answer(
            text=resolved.text,
            short_answer=short,
            citations=self._mark_stale(resolved.citations, sources),
            question=standalone,
            unsupported=resolved.unsupported,
            warning=warning,
            answerer=name,
        )

    def _with_copies(self, answer: Answer) -> Answer:
        """Each citation names the other copies of its story in the archive (``also_in``):
        the same wire story on other sites, cited once."""
        s = self.settings.syndication
        if not s.enabled or self._store is None or not answer.citations:
            return answer
        stories = self._stories()
        found = stories.elsewhere(list(dict.fromkeys(c.article_id for c in answer.citations)))
        if not found:
            return answer
        citations = [
            c.model_copy(update={"also_in": copies_of(found, c.article_id)})
            for c in answer.citations
        ]
        return answer.model_copy(update={"citations": citations})

    def _stories(self) -> Stories:
        """The retriever's ``Stories`` (its memo already holds this question's rows), or one
        of the engine's own for a retriever without one."""
        shared = getattr(self.retriever, "stories", None)
        if isinstance(shared, Stories):
            return shared
        with self._building:
            if self._own_stories is None:
                self._own_stories = Stories(
                    self.store, threshold=self.settings.syndication.threshold
                )
            return self._own_stories

    def _mark_stale(self, citations: list[Citation], sources: list[Source]) -> list[Citation]:
        """Citations of an article years older than the newest retrieved one are marked."""
        newest = max((s.chunk.date for s in sources if s.chunk.date), default=None)
        years = self.settings.answer.stale_years
        return [
            c.model_copy(update={"stale": True}) if is_stale(c.date, newest, years=years) else c
            for c in citations
        ]

    def _nothing_found_warning(self) -> str:
        if self.store.count_chunks() == 0:
            return "The index is empty: add articles with `qa ingest PATH` first."
        return "No article matches the filters (date range, sources)."

    def stats(self) -> dict[str, Any]:
        """Articles, chunks, date span, sources and embedding model of the corpus."""
        return self.store.stats()


def _incomplete(answer: Answer, cut: IncompleteAnswerError) -> Answer:
    """A draft cut off mid-answer: kept for the reader, but flagged, and never a refusal (the
    model had not finished saying anything, so neither an answer nor "no answer" is known)."""
    note = f"This answer is incomplete: {cut.reason}."
    text = answer.text.rstrip()
    return answer.model_copy(
        update={
            "text": text if text.endswith("…") else f"{text} …",
            "incomplete": True,
            "incomplete_reason": cut.finish,
            "refused": False,
            "warning": f"{note} {answer.warning}" if answer.warning else note,
        }
    )


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


@functools.lru_cache(maxsize=4)
def engine_for(settings: Settings) -> Engine:
    """One engine per distinct Settings in this process, so the model loads once."""
    return Engine(settings)
