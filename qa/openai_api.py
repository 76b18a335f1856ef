"""qa as an OpenAI-compatible chat model: ``POST /v1/chat/completions`` and ``GET /v1/models``.

The official ``openai`` SDK and chat front-ends (Open WebUI and the like) talk to it as to any
model named ``qa``::

    >>> from openai import OpenAI                                         # doctest: +SKIP
    >>> client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="-")  # doctest: +SKIP
    >>> client.chat.completions.create(model="qa", messages=[...])        # doctest: +SKIP

The conversation's last user message is the question and the turns before it are the history
(system messages are ignored: the answerer's instructions are qa's own). The reply is the
verified answer with its ``[n]`` markers, then its sources, one line each; a ``citations`` field
beside ``choices`` carries the structured citations. qa's filters (``k``, ``since``, ``until``,
``sources``, ``as_of``) ride along as extra body fields.

Streaming sends the verified text, not the raw draft: the draft's markers are renumbered (and
unsupported ones removed) only once the answer is checked, and a chat client cannot take back
what it has shown. So the first token arrives when the whole answer is ready; meanwhile an SSE
comment goes out for each piece of the draft, which keeps proxies from timing out, and lets a
client that hangs up stop the answer (as on ``/api/ask``), instead of the model writing on.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa.api import (
    OPENAI_PREFIX,
    AskRequest,
    ErrorBody,
    FieldError,
    answer_for,
    chained,
    closing,
    describe,
    first_item,
    sse_event,
    stream_for,
    upstream_error,
)
from qa.errors import friendly
from qa.models import MAX_K, Answer, Citation, StreamItem
from qa.syndication import also_ran_in

if TYPE_CHECKING:
    from qa.engine import Engine

MODEL_ID = "qa"
SOURCES_HEADING = "Sources:"
"""Starts the sources block of a reply; stripped from assistant turns sent back as history."""


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """The OpenAI request; sampling options (temperature, max_tokens...) are accepted and
    ignored, qa's own options are extra body fields."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(MODEL_ID, description="Always 'qa'.")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    # qa's options are passed on as sent and read by AskRequest, exactly as /api/ask reads
    # them ("2022" is the whole year, k must be a number), not parsed a second way here.
    k: Any = Field(None, json_schema_extra={"type": "integer", "minimum": 1, "maximum": MAX_K})
    since: Any = Field(None, json_schema_extra={"type": "string", "format": "date"})
    until: Any = Field(None, json_schema_extra={"type": "string", "format": "date"})
    sources: Any = Field(None, json_schema_extra={"type": "array", "items": {"type": "string"}})
    as_of: Any = Field(None, json_schema_extra={"type": "string", "format": "date"})


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    # Not "stop" when the answerer's own stream was cut (Answer.incomplete): OpenAI clients then
    # show the reply as unfinished instead of as a complete cited answer.
    finish_reason: Literal["stop", "length", "content_filter"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    citations: list[Citation] = Field(description="The [n] markers of the reply, resolved.")


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "qa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def to_ask(request: ChatRequest) -> AskRequest:
    """Messages -> question (the last user message) and history (the turns before it)."""
    turns = [m for m in request.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise FieldError("messages", "the last message must be a user message with the question")
    history = [
        {"role": m.role, "content": strip_sources(m.text()) if m.role == "assistant" else m.text()}
        for m in turns[:-1]
    ]
    try:
        return AskRequest(
            question=turns[-1].text(),
            history=history,
            k=request.k,
            since=request.since,
            until=request.until,
            sources=request.sources,
            as_of=request.as_of,
        )
    except ValidationError as exc:
        field, message = describe(list(exc.errors()))
        raise FieldError(field, message) from exc


def reply_text(answer: Answer) -> str:
    """The answer with its markers, then one line per citation: ``[n] title, date, where``."""
    lines = [answer.text]
    if answer.warning:
        lines.append(f"\n({answer.warning})")
    if answer.citations:
        lines.append(f"\n{SOURCES_HEADING}")
        for c in answer.citations:
            when = c.date.isoformat() if c.date else "undated"
            also = f" ({also_ran_in(c.also_in)})" if c.also_in else ""
            lines.append(f"[{c.n}] {c.title or '(untitled)'}, {when}, {c.url or c.source}{also}")
    return "\n".join(lines)


def strip_sources(content: str) -> str:
    """An earlier reply as the history the engine expects: the answer, without the warning
    and the sources block ``reply_text`` added after it."""
    head, sep, _ = content.partition(f"\n\n{SOURCES_HEADING}\n")
    answer = head if sep else content
    return re.sub(r"\n\n\([^\n]*\)$", "", answer)


def openai_router(engine: Engine) -> APIRouter:
    """``/v1/models`` and ``/v1/chat/completions`` over ``engine``."""
    router = APIRouter(
        prefix=OPENAI_PREFIX,
        tags=["OpenAI-compatible"],
        responses={
            400: {"model": ErrorBody, "description": "OpenAI error shape; `param` names the field."}
        },
    )

    @router.get("/models", response_model=ModelList)
    def models() -> ModelList:
        """The one model: ``qa``."""
        return ModelList(data=[ModelCard()])

    @router.get("/models/{model_id}", response_model=ModelCard)
    def model(model_id: str) -> ModelCard:
        """The model ``qa`` (OpenAI clients ask for the model they were given by name)."""
        if model_id != MODEL_ID:
            raise HTTPException(404, f"unknown model {model_id!r}: the only model is 'qa'")
        return ModelCard()

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def chat_completions(request: ChatRequest) -> Any:
        """Answer the conversation's last user message, with citations."""
        if request.model != MODEL_ID:
            raise FieldError("model", f"unknown model {request.model!r}: the only model is 'qa'")
        ask = to_ask(request)
        if not request.stream:
            return completion_for(answer_for(engine, ask))
        items = stream_for(engine, ask)
        # The first step runs here, not in the response: a bad filter or a failing model is
        # still an HTTP error, as on /api/ask.
        first = first_item(items)
        return StreamingResponse(
            closing(_events(first, items)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router


def completion_for(answer: Answer) -> ChatCompletion:
    """The Answer as one OpenAI chat completion."""
    return ChatCompletion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        choices=[
            Choice(message=ReplyMessage(content=reply_text(answer)), finish_reason=finish(answer))
        ],
        citations=answer.citations,
    )


def finish(answer: Answer) -> Literal["stop", "length", "content_filter"]:
    """OpenAI's finish_reason for an answer: a whole one stopped; a cut one says why."""
    if not answer.incomplete:
        return "stop"
    return "content_filter" if answer.incomplete_reason == "content_filter" else "length"


KEEP_ALIVE = ": qa is answering\n\n"
"""An SSE comment (ignored by clients) sent while the answer is drafted."""


def _events(first: StreamItem | None, items: Iterator[StreamItem]) -> Iterator[str]:
    """A keep-alive comment per draft piece, then the completion's chunks; a failure after
    the headers went out is an OpenAI error event, which the SDK raises as an APIError."""
    try:
        for item in chained(first, items):
            if isinstance(item, Answer):
                yield from _chunks(completion_for(item))
                return
            yield KEEP_ALIVE
    except Exception as exc:  # headers are gone: the error travels as an event
        error = upstream_error(exc)
        body = {"message": friendly(exc), "type": error.type, "param": None, "code": None}
        yield sse_event(None, {"error": body})


def _chunks(completion: ChatCompletion) -> Iterator[str]:
    """The completion as ``chat.completion.chunk`` events: the role, the answer, the sources,
    then an empty delta with ``finish_reason`` and the citations, then ``[DONE]``."""
    choice = completion.choices[0]
    text = choice.message.content
    answer, sep, sources = text.partition(f"\n\n{SOURCES_HEADING}")
    pieces = [answer, sep + sources] if sep else [answer]
    base = {
        "id": completion.id,
        "object": "chat.completion.chunk",
        "created": completion.created,
        "model": completion.model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return sse_event(None, {**base, "choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    for piece in pieces:
        yield chunk({"content": piece})
    citations = [c.model_dump(mode="json") for c in completion.citations]
    yield chunk({}, choice.finish_reason, citations=citations)
    yield "data: [DONE]\n\n"
