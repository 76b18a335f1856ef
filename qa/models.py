"""The data that crosses qa's public boundary: ``Answer``, ``Citation`` and ``Source``."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from qa.store import StoredChunk


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


class Answer(BaseModel):
    """An answer with inline [n] markers and the citations they point at."""

    text: str
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
    answerer: str = Field("", description="'extractive' or the chat model's name.")
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage.")
    passages: list[Source] = Field(
        default_factory=list,
        exclude=True,  # whole chunks would swamp `qa ask --json`; the citations carry the quotes
        description="The retrieved passages, numbered as the answerer saw them.",
    )


class Source(BaseModel):
    """A retrieved passage, numbered as the answerer sees it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    n: int
    chunk: StoredChunk
    score: float
