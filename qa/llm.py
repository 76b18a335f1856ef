"""The LLM path: any OpenAI-compatible chat model through langchain-openai's ``ChatOpenAI``.

``LLMAnswerer`` streams a draft whose sentences cite the numbered sources ([n]);
``qa.citations.resolve`` verifies it afterwards, so the model is never trusted about its
citations. ``LLMCondenser`` rewrites a follow-up into a standalone question. Both build their
chains from the prompt files in ``prompts/`` (shipped as ``qa.prompts``) and turn every failure
of the model server into one ``LLMError`` line that names the setting to fix.

>>> settings = Settings(llm={"provider": "openai", "model": "llama3.1"},
...                     openai_base_url="http://localhost:11434/v1")       # doctest: +SKIP
>>> "".join(LLMAnswerer(settings).draft("Who met Xi?", sources))           # doctest: +SKIP
'Alexander Lukashenko met Xi Jinping in Beijing [1].'
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from qa.citations import CANNOT_ANSWER
from qa.errors import IncompleteAnswerError, QAError
from qa.models import Message, Source
from qa.settings import Settings

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessageChunk
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import Runnable

ANSWER_PROMPT = "answer.md"
CONDENSE_PROMPT = "condense.md"
_VARIABLES = {
    ANSWER_PROMPT: frozenset({"sentinel", "sources", "question"}),
    CONDENSE_PROMPT: frozenset({"history", "question"}),
}
_ROLE_MARKER = re.compile(r"^<!--\s*(system|user)\s*-->\s*$", re.MULTILINE)
_NO_KEY = "not-needed"
"""Sent as the key to servers that need none (Ollama, llama.cpp): the OpenAI client insists on
having one, and a server that ignores it is happy with any."""


class LLMError(QAError):
    """The model server failed in a way the user can fix; the message names the setting."""


# -- prompts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptFile:
    """A prompt template read from ``prompts/``: the system and user messages."""

    name: str
    system: str
    user: str

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(self.template().input_variables)

    def template(self) -> ChatPromptTemplate:
        from langchain_core.prompts import ChatPromptTemplate

        return ChatPromptTemplate.from_messages([("system", self.system), ("human", self.user)])


@functools.cache
def load_prompt(name: str) -> PromptFile:
    """Read ``prompts/<name>`` (from a checkout or the installed wheel) and check its variables.

    The file holds an optional note for maintainers, then ``<!-- system -->`` and
    ``<!-- user -->`` sections; variables are ``{name}`` and literal braces ``{{ }}``.

    >>> sorted(load_prompt("condense.md").variables)
    ['history', 'question']
    """
    try:
        text = resources.files("qa.prompts").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        msg = f"prompts/{name} is missing: reinstall qa (the prompts ship inside the package)"
        raise QAError(msg) from exc
    return parse_prompt(name, text)


def parse_prompt(name: str, text: str) -> PromptFile:
    """Split a prompt file into its messages and check its variables against what qa fills in."""
    where = f"prompts/{name}"
    parts = _ROLE_MARKER.split(text)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"} or not all(sections.values()):
        msg = f"{where} needs a '<!-- system -->' and a '<!-- user -->' section, each non-empty"
        raise QAError(msg)
    prompt = PromptFile(name=name, system=sections["system"], user=sections["user"])
    try:
        found = prompt.variables
    except (ValueError, KeyError) as exc:
        msg = f"{where} is not a valid template ({exc}); write literal braces as {{{{ }}}}"
        raise QAError(msg) from exc
    expected = _VARIABLES.get(name)
    if expected is not None and found != expected:
        missing, unknown = sorted(expected - found), sorted(found - expected)
        msg = (
            f"{where} must use the variables {sorted(expected)}; "
            f"missing {missing}, unknown {unknown}"
        )
        raise QAError(msg)
    return prompt


def format_sources(sources: Sequence[Source]) -> str:
    """The numbered ``<source>`` blocks of the answer prompt: title, date, then the text as data.

    An article cannot close its block early or open a fake one: tag-like text inside it is
    defused, so everything between the real tags stays data.

    >>> from qa.models import StoredChunk
    >>> chunk = StoredChunk(id="a:0", article_id="a", text="Xi met Lukashenko.", start=0,
    ...     end=18, index=0, title="Summit", date=None, source="a.txt", url=None)
    >>> print(format_sources([Source(n=1, chunk=chunk, score=1.0)]))
    <source id="1" title="Summit" date="undated">
    Xi met Lukashenko.
    </source>
    """
    blocks = []
    for source in sources:
        chunk = source.chunk
        when = chunk.date.isoformat() if chunk.date else "undated"
        title = _defuse(chunk.title).replace('"', "'")
        blocks.append(
            f'<source id="{source.n}" title="{title}" date="{when}">\n'
            f"{_defuse(chunk.text).strip()}\n</source>"
        )
    return "\n\n".join(blocks)


def _defuse(text: str) -> str:
    return re.sub(r"<(/?)(source)", r"‹\1\2", text, flags=re.IGNORECASE)


def format_history(history: Sequence[Message]) -> str:
    """The conversation as the condense prompt shows it: one ``User:``/``Assistant:`` paragraph
    per turn, oldest first (system messages are the app's, not the conversation's)."""
    names = {"user": "User", "assistant": "Assistant"}
    return "\n\n".join(f"{names[m.role]}: {m.content.strip()}" for m in history if m.role in names)


# -- the model ----------------------------------------------------------------------------------


def chat_model(settings: Settings) -> Any:
    """A ``ChatOpenAI`` for the configured server and model (imported only when used)."""
    from langchain_openai import ChatOpenAI

    llm = settings.llm
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else _NO_KEY
    return ChatOpenAI(
        model=llm.model,
        temperature=llm.temperature,
        timeout=llm.timeout,
        # The OpenAI client retries 408/429/5xx and lost connections with exponential backoff,
        # honouring Retry-After; what is left after max_retries is explained by `explain`.
        max_retries=llm.max_retries,
        base_url=settings.openai_base_url,
        api_key=key,
    )


class LLMAnswerer:
    """Drafts answers with a chat model, streamed token by token.

    The prompt (``prompts/answer.md``) numbers the sources [1]..[k] and asks for a [n] on every
    sentence, exact quotes, and ``CANNOT_ANSWER`` when the sources do not hold the answer.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._prompt = load_prompt(ANSWER_PROMPT)  # a broken prompt fails now, not mid-question
        self._chain: Runnable[dict[str, str], BaseMessageChunk] | None = None

    @property
    def name(self) -> str:
        return self._settings.llm.model

    def chain(self) -> Runnable[dict[str, str], BaseMessageChunk]:
        """``prompt | model``: input ``{"sources": ..., "question": ...}``; streams message
        chunks, whose metadata carries the ``finish_reason`` that says the answer is whole."""
        if self._chain is None:
            prompt = self._prompt.template().partial(sentinel=CANNOT_ANSWER)
            self._chain = prompt | chat_model(self._settings)
        return self._chain

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]:
        """Stream the answer's text; raise ``IncompleteAnswerError`` after the last delta when the
        server ended the stream without saying the answer was finished."""
        inputs = {"sources": format_sources(sources), "question": question}
        produced = False
        finish: str | None = None
        with _explained(self._settings) as call:
            for chunk in self.chain().stream(inputs):
                call.streaming = True
                finish = chunk.response_metadata.get("finish_reason") or finish
                delta = str(chunk.text)
                if delta:
                    produced = True
                    yield delta
        if not produced:
            msg = (
                f"the model {self.name!r} at {_where(self._settings)} returned an empty answer; "
                "check QA_LLM_MODEL (is it a chat model?) and OPENAI_BASE_URL"
            )
            raise LLMError(msg)
        if finish != "stop":
            raise IncompleteAnswerError(_unfinished(finish, self._settings))


class LLMCondenser:
    """Rewrites a follow-up into a standalone question with the chat model
    (``prompts/condense.md``). Called only when there is a history."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._prompt = load_prompt(CONDENSE_PROMPT)
        self._chain: Runnable[dict[str, str], str] | None = None

    def chain(self) -> Runnable[dict[str, str], str]:
        if self._chain is None:
            from langchain_core.output_parsers import StrOutputParser

            self._chain = self._prompt.template() | chat_model(self._settings) | StrOutputParser()
        return self._chain

    def __call__(self, question: str, history: Sequence[Message]) -> str:
        inputs = {"history": format_history(history), "question": question}
        with _explained(self._settings):
            rewritten = self.chain().invoke(inputs)
        return _clean_question(rewritten) or question


def _clean_question(text: str) -> str:
    """The model's rewrite without the labels and quotes models like to add; one line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", lines[0], flags=re.IGNORECASE)
    return line.strip().strip("\"'“”`*").strip()


# -- faults -----------------------------------------------------------------------------------


def _where(settings: Settings) -> str:
    return settings.openai_base_url or "api.openai.com"


@dataclass
class _Call:
    streaming: bool = False  # the server has started sending the answer


@contextmanager
def _explained(settings: Settings) -> Iterator[_Call]:
    """Re-raise any failure of the model call as one ``LLMError`` line (see ``explain``)."""
    call = _Call()
    try:
        yield call
    except QAError:
        raise
    except Exception as exc:
        raise explain(exc, settings, mid_answer=call.streaming) from exc


def explain(exc: Exception, settings: Settings, *, mid_answer: bool = False) -> LLMError:
    """One line for a failed model call: what happened, at which server, and what to change.

    ``mid_answer``: the stream had started. The client never retries a started stream, so no
    "after N attempts" then, and a timeout is a stall, not a server that never answered.
    """
    import openai

    where = _where(settings)
    model = settings.llm.model
    retries = 0 if mid_answer else settings.llm.max_retries
    tried = f" after {retries + 1} attempts" if retries else ""
    stalled = (
        f"the model server at {where} stopped sending for {settings.llm.timeout:g} s "
        "mid-answer; raise QA_LLM_TIMEOUT, or try again"
    )
    detail = _server_message(exc)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        text = (
            f"the model server at {where} rejected the API key ({exc.status_code}{detail}); "
            "set OPENAI_API_KEY to a valid key"
        )
    elif isinstance(exc, openai.NotFoundError):
        text = (
            f"the model server at {where} has no model {model!r} (404{detail}); set QA_LLM_MODEL "
            "to a model it serves, and check that OPENAI_BASE_URL ends in /v1"
        )
    elif isinstance(exc, openai.RateLimitError):
        text = (
            f"the model server at {where} is rate-limiting requests (429{detail}){tried}; "
            "wait and retry, raise QA_LLM_MAX_RETRIES, or check the quota of OPENAI_API_KEY"
        )
    elif isinstance(exc, openai.APITimeoutError) and mid_answer:
        text = stalled
    elif isinstance(exc, openai.APITimeoutError):
        text = (
            f"the model server at {where} did not answer within {settings.llm.timeout:g} s"
            f"{tried}; raise QA_LLM_TIMEOUT, or check that OPENAI_BASE_URL points at a "
            "running server"
        )
    elif isinstance(exc, openai.APIConnectionError):
        text = (
            f"cannot reach the model server at {where}{tried}; check OPENAI_BASE_URL "
            "(is the server running?)"
        )
    elif isinstance(exc, openai.InternalServerError):
        text = (
            f"the model server at {where} failed ({exc.status_code}{detail}){tried}; try again "
            "later, or check OPENAI_BASE_URL and QA_LLM_MODEL"
        )
    elif isinstance(exc, openai.BadRequestError) and re.search(
        r"context|too long|too many tokens", detail, re.IGNORECASE
    ):
        text = (
            f"the prompt is too long for {model!r} at {where} ({exc.status_code}{detail}); lower "
            "QA_RETRIEVAL_K (fewer passages) or set QA_LLM_MODEL to a model with a longer context"
        )
    elif isinstance(exc, openai.APIStatusError):
        text = (
            f"the model server at {where} refused the request ({exc.status_code}{detail}); "
            "check QA_LLM_MODEL and OPENAI_BASE_URL"
        )
    elif isinstance(exc, openai.APIError) and type(exc) is openai.APIError:
        # An error event inside a stream that had started well.
        text = (
            f"the model server at {where} reported an error while answering ({_short(exc)}); "
            "try again, or check QA_LLM_MODEL and OPENAI_BASE_URL"
        )
    elif isinstance(exc, openai.APIError | json.JSONDecodeError | ValueError | KeyError):
        # A 200 whose body is not the OpenAI stream format: a wrong URL, a proxy page, or a
        # server that is not OpenAI-compatible.
        text = (
            f"the model server at {where} sent a malformed reply ({_short(exc)}); check that "
            "OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint"
        )
    elif _is_transport_error(exc) and "Timeout" in type(exc).__name__:
        text = stalled
    elif _is_transport_error(exc):
        text = (
            f"the connection to the model server at {where} broke off ({_short(exc)}); try "
            "again, or check OPENAI_BASE_URL"
        )
    else:
        text = f"the model call to {where} failed ({_short(exc)}); check OPENAI_BASE_URL"
    return LLMError(text)


def _unfinished(finish: str | None, settings: Settings) -> str:
    """Why a stream that ended without ``finish_reason: stop`` is not a whole answer."""
    where = _where(settings)
    if finish == "length":
        return (
            f"the model at {where} hit its output limit mid-answer (finish_reason: length); "
            "ask a narrower question, or use a model with a larger output limit"
        )
    if finish == "content_filter":
        return f"the model server at {where} cut the answer off with its content filter"
    if finish:
        return f"the model server at {where} ended the answer early (finish_reason: {finish})"
    return (
        f"the stream from the model server at {where} ended before the answer was finished "
        "(no finish_reason); try again"
    )


def _server_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else None
    return f": {_short(message)}" if message else ""


def _short(value: object, limit: int = 160) -> str:
    text = " ".join(str(value).split()) or type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_transport_error(exc: Exception) -> bool:
    """httpx-family errors raised while reading a stream (the OpenAI client wraps only those
    raised before the response starts)."""
    return any(
        cls.__module__.split(".")[0] in {"httpx", "httpx2", "httpcore"} for cls in type(exc).__mro__
    )
