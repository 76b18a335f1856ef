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
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from qa.citations import CANNOT_ANSWER, without_markers
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
    """The model server failed in a way the user can fix; the message names the setting.

    ``transient``: trying again later may work (a timeout, a lost connection, a 429 or 5xx);
    false when a setting must change first (a wrong key or model, a prompt too long).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class CallTooLongError(Exception):
    """A model call still unfinished ``QA_LLM_TIMEOUT`` seconds after it was sent, though the
    server kept sending bytes (SSE keep-alive comments, a trickle), so no read timed out."""


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
    turns = [f"{names[m.role]}: {m.content.strip()}" for m in history if m.role in names]
    return "\n\n".join(recent_turns(turns, HISTORY_CHARS))


HISTORY_CHARS = 6000
"""The most of a conversation the condense prompt shows (about 1,500 tokens): a long chat must
not overflow the model's context, and the latest turns are the ones a follow-up refers to."""


def recent_turns(turns: Sequence[str], budget: int) -> list[str]:
    """The latest ``turns`` that fit in ``budget`` characters, oldest first; the latest turn
    alone is cut to the budget (its opening kept) when it is longer.

    >>> recent_turns(["User: a", "Assistant: " + "b" * 50, "User: c"], 70)
    ['Assistant: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'User: c']
    """
    kept: list[str] = []
    used = 0
    for turn in reversed(turns):
        if used + len(turn) > budget:
            if not kept:
                kept.append(turn[: budget - 1] + "…")
            break
        kept.append(turn)
        used += len(turn) + 2
    return kept[::-1]


# -- reasoning blocks -------------------------------------------------------------------------

_THINK = re.compile(r"<(think|thinking)>.*?(?:</\1>|\Z)", re.IGNORECASE | re.DOTALL)
_OPEN_TAGS = ("<think>", "<thinking>")
_CLOSE = re.compile(r"</think(?:ing)?>", re.IGNORECASE)
_OPEN = re.compile(r"<think(?:ing)?>", re.IGNORECASE)


def strip_reasoning(text: str) -> str:
    """A reply without its reasoning: the ``<think>…</think>`` blocks that reasoning models
    (DeepSeek-R1, Qwen3) write into the text when the server has no reasoning parser, an
    unclosed one (cut off while thinking), and what comes before a lone ``</think>`` (chat
    templates that put the opening tag in the prompt).

    >>> strip_reasoning("<think>He is 70? No.</think>\\n\\nLukashenko, since 1994 [1].")
    'Lukashenko, since 1994 [1].'
    >>> strip_reasoning("Let me see.</think> yes")
    'yes'
    """
    text = _THINK.sub("", text)
    close = _CLOSE.search(text)
    if close:
        text = text[close.end() :]
    return text.strip()


class ReasoningFilter:
    """Hides ``<think>…</think>`` blocks from a stream of deltas, wherever they are split: text
    that may be the start of a tag is held back until the next delta settles it.

    >>> hide = ReasoningFilter()
    >>> [hide.feed(d) for d in ["<thi", "nk>Hmm [1].</th", "ink>\\n\\nXi met", " Lukashenko."]]
    ['', '', 'Xi met', ' Lukashenko.']
    >>> hide.hid
    True
    """

    def __init__(self) -> None:
        self._held = ""
        self._inside = False
        self._started = False  # visible text has been let through (leading blank lines dropped)
        self.hid = False

    def feed(self, delta: str) -> str:
        self._held += delta
        shown: list[str] = []
        while True:
            if self._inside:
                close = _CLOSE.search(self._held)
                if close is None:
                    self._held = self._held[-len("</thinking>") :]  # a close tag split in two
                    break
                self._held, self._inside = self._held[close.end() :], False
                continue
            opening = _OPEN.search(self._held)
            if opening is not None:
                shown.append(self._held[: opening.start()])
                self._held, self._inside, self.hid = self._held[opening.end() :], True, True
                continue
            cut = _partial_tag(self._held)
            shown.append(self._held[:cut])
            self._held = self._held[cut:]
            break
        return self._show("".join(shown))

    def flush(self) -> str:
        """What is left at the end of the stream (nothing, inside an unclosed block)."""
        rest = "" if self._inside else self._held
        self._held = ""
        return self._show(rest)

    def _show(self, text: str) -> str:
        if not self._started:
            text = text.lstrip()
            self._started = bool(text)
        return text


def _partial_tag(text: str) -> int:
    """Where a trailing, unfinished ``<think>`` tag starts in ``text`` (else its length)."""
    start = text.rfind("<")
    tail = text[start:].lower()
    if start >= 0 and any(tag.startswith(tail) for tag in _OPEN_TAGS):
        return start
    return len(text)


# -- the model ----------------------------------------------------------------------------------


def chat_model(settings: Settings) -> Any:
    """A ``ChatOpenAI`` for the configured server and model (imported only when used)."""
    from langchain_openai import ChatOpenAI

    llm = settings.llm
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else _NO_KEY
    return ChatOpenAI(
        model=llm.model,
        temperature=llm.temperature,
        # A read timeout: the longest silence. The whole call is bounded by `deadline_client`.
        timeout=llm.timeout,
        # The OpenAI client retries 408/429/5xx and lost connections with exponential backoff,
        # honouring Retry-After; what is left after max_retries is explained by `explain`.
        max_retries=llm.max_retries,
        base_url=settings.openai_base_url,
        api_key=key,
        http_client=deadline_client(llm.timeout),
    )


def deadline_client(seconds: float) -> Any:
    """The OpenAI client's own httpx client, with each call's reply bounded as a whole: a
    server that keeps sending keep-alive comments, or a byte now and then, never trips a read
    timeout, so the reply's bytes are checked against the clock as they arrive."""
    import openai

    bounded = _deadline_stream()

    def stamp(request: Any) -> None:
        request.extensions["qa_deadline"] = time.monotonic() + seconds

    def bound(response: Any) -> None:
        deadline = response.request.extensions.get("qa_deadline")
        if deadline is not None:
            response.stream = bounded(response.stream, deadline, seconds)

    return openai.DefaultHttpxClient(event_hooks={"request": [stamp], "response": [bound]})


@functools.cache
def _deadline_stream() -> type:
    """A response body that raises ``CallTooLongError`` when bytes still arrive past the deadline,
    built on the byte stream of the httpx the OpenAI client uses (openai 3 uses httpx2)."""
    import importlib

    import openai

    http = importlib.import_module(openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0])

    class DeadlineStream(http.SyncByteStream):  # type: ignore[misc,name-defined]
        def __init__(self, stream: Any, deadline: float, seconds: float) -> None:
            self._stream = stream
            self._deadline = deadline
            self._seconds = seconds

        def __iter__(self) -> Iterator[bytes]:
            for data in self._stream:
                if time.monotonic() > self._deadline:
                    msg = f"the reply was not finished within {self._seconds:g} s"
                    raise CallTooLongError(msg)
                yield data

        def close(self) -> None:
            self._stream.close()

    return DeadlineStream


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
        """Stream the answer's text, without the model's ``<think>`` reasoning; raise
        ``IncompleteAnswerError`` after the last delta when the server did not end the reply
        normally, and ``LLMError`` when the reply holds no words at all."""
        inputs = {"sources": format_sources(sources), "question": question}
        hide = ReasoningFilter()
        shown = ""
        finish: str | None = None
        with _explained(self._settings) as call:
            for chunk in self.chain().stream(inputs):
                call.streaming = True
                finish = chunk.response_metadata.get("finish_reason") or finish
                delta = hide.feed(str(chunk.text))
                if delta:
                    shown += delta
                    yield delta
        rest = hide.flush()
        if rest:
            shown += rest
            yield rest
        if not has_words(shown):
            raise LLMError(self._no_answer(shown, thought=hide.hid, finish=finish))
        if not normal_finish(finish):
            raise IncompleteAnswerError(_unfinished(finish, self._settings), finish=finish)

    def _no_answer(self, shown: str, *, thought: bool, finish: str | None) -> str:
        where = f"the model {self.name!r} at {_where(self._settings)}"
        if thought:
            ran_out = " (it ran out of output tokens)" if not normal_finish(finish) else ""
            return (
                f"{where} reasoned (<think>) but gave no answer{ran_out}; try again, or set "
                "QA_LLM_MODEL to a model that answers after its reasoning"
            )
        got = f" ({shown.strip()!r})" if shown.strip() else ""
        return (
            f"{where} returned an empty answer{got}; check QA_LLM_MODEL (is it a chat model?) "
            "and OPENAI_BASE_URL"
        )


NORMAL_FINISHES = frozenset({"stop", "eos", "eos_token", "stop_sequence", "end_turn"})
"""``finish_reason`` values that mean the model ended its reply itself: OpenAI's ``stop`` and
what other servers send for it (older TGI ``eos_token``, ``stop_sequence``, Anthropic-style
``end_turn``), in any case. ``length`` and ``content_filter`` are cut answers."""


def normal_finish(reason: str | None) -> bool:
    """Whether the server's ``finish_reason`` says the reply is whole.

    >>> [normal_finish(r) for r in ["stop", "STOP", "eos_token", "length", None]]
    [True, True, True, False, False]
    """
    return reason is not None and reason.strip().lower() in NORMAL_FINISHES


def has_words(text: str) -> bool:
    """Whether a reply says anything: blanks, punctuation and citation markers alone ("...",
    "[1].") do not.

    >>> [has_words(t) for t in ["...", "[1].", "[1, 2] 【3】", "1994 [1]."]]
    [False, False, False, True]
    """
    return any(ch.isalnum() for ch in without_markers(text))


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
        """The standalone question, or ``""`` when the reply holds none (the caller then uses
        the offline rule)."""
        inputs = {"history": format_history(history), "question": question}
        with _explained(self._settings, task=REWRITE):
            rewritten = self.chain().invoke(inputs)
        return clean_question(rewritten)


_LABEL = re.compile(
    r"^(?:here\s+is\s+)?(?:the\s+)?(?:standalone|rewritten|reformulated|revised)?\s*"
    r"(?:follow-up\s+)?question\s*(?:is)?\s*:\s*",
    re.IGNORECASE,
)
_PREAMBLE = re.compile(r"^(?:sure|okay|ok|certainly|of course|here)\b.*?[:.!]\s*", re.IGNORECASE)


def clean_question(reply: str) -> str:
    """The question in a model's rewrite: without its reasoning, preamble, label, markdown and
    quotes; ``""`` when no question is left.

    >>> clean_question("Sure! Here is the rewritten question:\\n\\nSince when has he ruled?")
    'Since when has he ruled?'
    >>> clean_question("**Standalone question:** Since when has Lukashenko ruled?")
    'Since when has Lukashenko ruled?'
    >>> clean_question("<think>He is Lukashenko.</think>")
    ''
    """
    for raw in strip_reasoning(reply).splitlines():
        line = raw.replace("**", "").replace("__", "").strip().lstrip("#>-* ").strip()
        line = _LABEL.sub("", line)
        if not line.endswith("?"):
            line = _PREAMBLE.sub("", line)
        line = _LABEL.sub("", line).strip().strip("\"'“”‘’`").strip()
        if has_words(line) and not line.endswith(":"):
            return line
    return ""


# -- faults -----------------------------------------------------------------------------------


def _where(settings: Settings) -> str:
    return settings.openai_base_url or "api.openai.com"


@dataclass
class _Call:
    streaming: bool = False  # the server has started sending the answer


ANSWER = "answer"
REWRITE = "rewrite"
JUDGE = "judge"
"""What a model call is for: a prompt too long means a different fix for each."""

_TOO_LONG_FIX = {
    ANSWER: "lower QA_RETRIEVAL_K (fewer passages) or set QA_LLM_MODEL to a model with a longer "
    "context",
    REWRITE: "start a new conversation, or set QA_LLM_MODEL to a model with a longer context",
    JUDGE: "set QA_LLM_MODEL to a model with a longer context",
}
_TOO_LONG_WHAT = {
    ANSWER: "the prompt",
    REWRITE: "the conversation sent to rewrite the follow-up",
    JUDGE: "the passages sent to check a claim",
}


@contextmanager
def _explained(settings: Settings, *, task: str = ANSWER) -> Iterator[_Call]:
    """Re-raise any failure of the model call as one ``LLMError`` line (see ``explain``)."""
    call = _Call()
    try:
        yield call
    except QAError:
        raise
    except Exception as exc:
        raise explain(exc, settings, mid_answer=call.streaming, task=task) from exc


def explain(
    exc: Exception, settings: Settings, *, mid_answer: bool = False, task: str = ANSWER
) -> LLMError:
    """One line for a failed model call: what happened, at which server, and what to change.

    ``mid_answer``: the stream had started. The client never retries a started stream, so no
    "after N attempts" then, and a timeout is a stall, not a server that never answered.
    ``task`` (``ANSWER``, ``REWRITE``, ``JUDGE``) says which fix a prompt too long needs.
    """
    import openai

    where = _where(settings)
    model = settings.llm.model
    timeout = settings.llm.timeout
    retries = 0 if mid_answer else settings.llm.max_retries
    tried = f" after {retries + 1} attempts" if retries else ""
    stalled = (
        f"the model server at {where} stopped sending for {timeout:g} s "
        "mid-answer; raise QA_LLM_TIMEOUT, or try again"
    )
    detail = _server_message(exc)
    transient = True
    if _caused_by(exc, CallTooLongError):
        text = (
            f"the model server at {where} did not finish its reply within {timeout:g} s{tried} "
            "(QA_LLM_TIMEOUT bounds each call from request to last byte); raise QA_LLM_TIMEOUT, "
            "or try again"
        )
    elif isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        transient = False
        text = (
            f"the model server at {where} rejected the API key ({exc.status_code}{detail}); "
            "set OPENAI_API_KEY to a valid key"
        )
    elif isinstance(exc, openai.NotFoundError):
        transient = False
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
            f"the model server at {where} did not answer within {timeout:g} s"
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
        transient = False
        text = (
            f"{_TOO_LONG_WHAT[task]} is too long for {model!r} at {where} "
            f"({exc.status_code}{detail}); {_TOO_LONG_FIX[task]}"
        )
    elif isinstance(exc, openai.APIStatusError):
        transient = False
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
        transient = False
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
    return LLMError(text, transient=transient)


def _unfinished(finish: str | None, settings: Settings) -> str:
    """Why a stream that did not end normally (``normal_finish``) is not a whole answer."""
    where = _where(settings)
    reason = (finish or "").strip().lower()
    if reason in {"length", "max_tokens"}:
        return (
            f"the model at {where} hit its output limit mid-answer (finish_reason: {finish}); "
            "ask a narrower question, or use a model with a larger output limit"
        )
    if reason == "content_filter":
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


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` or an exception it was raised from is a ``kind`` (the OpenAI client
    wraps what fails inside the request it retries)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _is_transport_error(exc: Exception) -> bool:
    """httpx-family errors raised while reading a stream (the OpenAI client wraps only those
    raised before the response starts)."""
    return any(
        cls.__module__.split(".")[0] in {"httpx", "httpx2", "httpcore"} for cls in type(exc).__mro__
    )
