"""qa's data types, at the bottom of the package: every other module may import them, and they
import nothing from qa except the settings-free date parser and the error types.

- what goes in: ``Article`` (read from a file), ``Chunk`` (a passage of it), ``StoredChunk`` (a
  chunk as the index returns it, with the article fields a citation needs);
- what a question is: ``Query`` (the question, the conversation and the filters, validated once
  by whichever entry point builds it), ``Message``, ``Filters``;
- what comes out: ``Source`` (a retrieved passage), ``Citation``, ``Answer``, and the stream of
  ``Delta | Answer`` that ``Engine.stream`` yields, which ``final_answer`` reduces to the Answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypedDict

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from qa.dates import parse_date
from qa.errors import InvalidQueryError, friendly

MAX_K = 50
"""Most passages one question may retrieve, whoever asks (QA_RETRIEVAL_K, qa.ask, the APIs)."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` as UTF-8 can hold it: a lone surrogate (a JSON escape, or bytes that were not
    UTF-8 read from a terminal or a pipe) becomes U+FFFD, which every encoder and store takes.

    >>> storable_text("Who cut the \\udcff ribbon?") == "Who cut the \\ufffd ribbon?"
    True
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def is_blank(text: str) -> bool:
    """Nothing to read: only spaces, line breaks, control and invisible format characters
    (a zero-width space, U+200B, is no question)."""
    return all(unicodedata.category(c)[0] in "ZC" for c in text)


# -- articles and their passages --------------------------------------------------------------


class Article(BaseModel):
    """One news article as qa sees it. ``text`` is what citation offsets index into."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    date: date | None
    source: str
    url: str | None = None
    text: str

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that ends up in the index changes."""
        payload = json.dumps(
            [
                self.title,
                self.date.isoformat() if self.date else None,
                self.source,
                self.url,
                self.text,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: whole sentences, with its place in the article."""

    id: str
    article_id: str
    text: str
    start: int
    end: int
    index: int


@dataclass(frozen=True)
class StoredChunk(Chunk):
    """A chunk as stored, with the article fields a citation needs.

    Positional order is the chunk's fields, then the article's.
    """

    title: str
    date: date | None
    source: str
    url: str | None
    # A passage merged from consecutive chunks (qa.passages.merge): each one's id and start.
    parts: tuple[tuple[str, int], ...] = ()

    def chunk_at(self, offset: int) -> str:
        """The id of the stored chunk that holds the article offset ``offset`` (a quote's
        start), not just the first of a merged passage."""
        return next((cid for cid, start in reversed(self.parts) if start <= offset), self.id)


# -- a question --------------------------------------------------------------------------------


class Message(BaseModel):
    """One chat turn, in the OpenAI/Gradio messages format."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: Literal["user", "assistant", "system"]
    content: str

    @field_validator("content")
    @classmethod
    def _storable(cls, content: str) -> str:
        return storable_text(content)


History = Sequence[Message | dict[str, str]]
DateLike = date | str | None


@dataclass(frozen=True)
class Filters:
    """Restrictions applied to every retrieval path. Dates are inclusive."""

    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these filters, or None."""
        clauses: list[dict[str, Any]] = []
        if self.since:
            clauses.append({"date_ord": {"$gte": self.since.toordinal()}})
        if self.until:
            clauses.append({"date_ord": {"$lte": self.until.toordinal()}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def admits(self, chunk: StoredChunk) -> bool:
        """The same test in Python, for retrieval paths that do not go through Chroma."""
        if self.since and (chunk.date is None or chunk.date < self.since):
            return False
        if self.until and (chunk.date is None or chunk.date > self.until):
            return False
        return not self.sources or chunk.source in self.sources


class QueryOptions(TypedDict, total=False):
    """The keyword options ``Engine.ask``/``stream``/``retrieve`` accept beside a question
    string: the fields of ``Query`` after ``question`` and ``history``."""

    k: int | None
    since: DateLike
    until: DateLike
    sources: Sequence[str] | None
    as_of: DateLike


class Query(BaseModel):
    """One question with everything that shapes its answer, validated once.

    Every entry point (``qa.ask``, ``Engine``, the CLI, the UI, the Runnable) builds one; a bad
    value raises a ``ValueError`` (pydantic's ``ValidationError``) that names the field.

    >>> Query(question="What did Xi say?", since="2023-03-01").filters.since
    datetime.date(2023, 3, 1)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    history: tuple[Message, ...] = Field((), description="The conversation so far, oldest first.")
    k: int | None = Field(None, description="Passages to retrieve; None is the settings' k.")
    since: date | None = Field(None, description="Only articles published on/after this date.")
    until: date | None = Field(None, description="Only articles published on/before this date.")
    sources: tuple[str, ...] = Field((), description="Only articles from these exact sources.")
    as_of: date | None = Field(
        None, description="Reference date for 'last week' and the like; None is the real today."
    )

    @field_validator("question")
    @classmethod
    def _not_empty(cls, question: str) -> str:
        if is_blank(question):
            msg = "The question is empty: ask something about the articles."
            raise ValueError(msg)
        return storable_text(question)

    @field_validator("history", mode="before")
    @classmethod
    def _no_history(cls, history: Any) -> Any:
        return () if history is None else history

    @field_validator("sources", mode="before")
    @classmethod
    def _no_sources(cls, sources: Any) -> Any:
        if isinstance(sources, str):
            return (sources,)
        return () if sources is None else sources

    @field_validator("since", "until", "as_of", mode="before")
    @classmethod
    def _date(cls, value: Any, info: Any) -> date | None:
        return parse_date(value, what=info.field_name)

    @field_validator("k")
    @classmethod
    def _in_range(cls, k: int | None) -> int | None:
        if k is not None and k < 1:
            msg = f"k must be at least 1 (got {k}); leave it out for the settings' default"
            raise ValueError(msg)
        if k is not None and k > MAX_K:
            msg = f"k must be at most {MAX_K} (got {k}), as QA_RETRIEVAL_K must"
            raise ValueError(msg)
        return k

    @model_validator(mode="after")
    def _ordered(self) -> Query:
        if self.since and self.until and self.since > self.until:
            msg = f"since {self.since} is after until {self.until}: no article can match"
            raise ValueError(msg)
        return self

    @property
    def filters(self) -> Filters:
        return Filters(since=self.since, until=self.until, sources=self.sources)


def as_query(query: Query | str, history: History | None = None, **options: Any) -> Query:
    """``query`` itself, or a ``Query`` built from a question string and keyword options.

    A bad field raises ``InvalidQueryError``: a ``ValueError`` whose message is the one line the
    CLI and UI show (pydantic's own is a multi-line report), so Python callers read the same.
    """
    if isinstance(query, Query):
        if history is not None or options:
            msg = "pass the history and options inside the Query, not beside it"
            raise TypeError(msg)
        return query
    try:
        return Query(question=query, history=history, **options)
    except ValidationError as exc:
        raise InvalidQueryError(friendly(exc)) from None


# -- what comes out ----------------------------------------------------------------------------


class Copy(BaseModel):
    """Another site's copy of a cited story (a syndicated wire story): where else it ran."""

    model_config = ConfigDict(frozen=True)

    article_id: str
    title: str
    source: str = Field(description="URL or path of the copy.")
    date: date | None


class Citation(BaseModel):
    """Where one [n] in an answer comes from: a verbatim sentence of an article.

    ``quote == article.text[start:end]`` always holds.
    """

    model_config = ConfigDict(frozen=True)

    n: int = Field(description="The marker number in the answer text, from 1 in order of use.")
    article_id: str
    title: str
    date: date | None
    source: str = Field(description="File path or URL of the article.")
    url: str | None = None
    chunk_id: str
    quote: str = Field(description="The supporting sentence, verbatim.")
    start: int = Field(description="Offset of the quote in the article text.")
    end: int
    stale: bool = Field(
        False,
        description="The article is years older than the newest one retrieved for the question "
        "(answer.stale_years): an old story, cited beside recent ones.",
    )
    also_in: list[Copy] = Field(
        default_factory=list,
        description="Other copies of the same story in the archive (the same wire story "
        "published by other sites), oldest first; cited once, here.",
    )


class Source(BaseModel):
    """A retrieved passage, numbered as the answerer sees it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    n: int
    chunk: StoredChunk
    score: float


class Answer(BaseModel):
    """An answer with inline [n] markers and the citations they point at."""

    text: str
    short_answer: str | None = Field(
        None,
        description="The name, place, date, number or quoted words that answer a factual "
        "question, verbatim from a cited sentence; ``text`` leads with it. None otherwise.",
    )
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = Field(False, description="True when the articles do not contain the answer.")
    question: str = Field("", description="The standalone question used for retrieval.")
    unsupported: list[str] = Field(
        default_factory=list,
        description="Answer sentences no retrieved passage supports (their markers were removed).",
    )
    warning: str | None = Field(None, description="Low-relevance or other caveat for the reader.")
    incomplete: bool = Field(
        False,
        description="True when the model's stream ended before the answer was finished "
        "(no finish_reason 'stop'): the text is partial and the warning says why.",
    )
    incomplete_reason: str | None = Field(
        None,
        description="Why an incomplete answer stopped: the server's finish_reason ('length', "
        "'content_filter', ...), or null when the stream ended without one.",
    )
    answerer: str = Field("", description="'extractive' or the chat model's name.")
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage.")
    passages: list[Source] = Field(
        default_factory=list,
        exclude=True,  # whole chunks would swamp `qa ask --json`; the citations carry the quotes
        description="The retrieved passages, numbered as the answerer saw them.",
    )


Delta = str
"""A piece of the draft as the answerer writes it. A plain ``str`` (an alias, not a wrapper type)
so callers can print or concatenate it as they always did; ``isinstance(item, Answer)`` tells the
final item apart."""

StreamItem = Delta | Answer
"""What ``Engine.stream`` yields: deltas, then exactly one ``Answer`` (last)."""


class AnswerStream:
    """A stream split in two: iterate it for the deltas, then read ``answer``.

    >>> drafts = AnswerStream(engine.stream("What did Xi say?"))   # doctest: +SKIP
    >>> for delta in drafts: print(delta, end="")                  # doctest: +SKIP
    >>> drafts.answer.citations                                    # doctest: +SKIP
    """

    def __init__(self, items: Iterable[StreamItem]) -> None:
        self._items = items
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[Delta]:
        for item in self._items:
            if isinstance(item, Answer):
                self._answer = item
            else:
                yield item

    @property
    def answer(self) -> Answer:
        """The stream's final ``Answer``; a ``RuntimeError`` if it ended without one."""
        if self._answer is None:
            msg = "the engine's stream ended without an Answer"
            raise RuntimeError(msg)
        return self._answer


def final_answer(items: Iterable[StreamItem]) -> Answer:
    """The ``Answer`` that ends a stream, the deltas before it discarded."""
    drafts = AnswerStream(items)
    for _ in drafts:
        pass
    return drafts.answer
