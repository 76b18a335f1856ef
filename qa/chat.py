"""Follow-up questions: rewrite a question into a standalone one using the chat history.

With no history the question is used as it is (no extra work, no model call). With a history, a
``Condenser`` rewrites it: ``qa.llm.LLMCondenser`` when a chat model is configured, else
``carry_subject``, an offline rule that puts the subject of the previous question in place of
the pronoun of the follow-up::

    >>> history = [{"role": "user", "content": "Who is Alexander Lukashenko?"},
    ...            {"role": "assistant", "content": "The president of Belarus [1]."}]
    >>> standalone_question("Since when has he been president?", history)
    'Since when has Alexander Lukashenko been president?'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from qa.text import STOPWORDS

if TYPE_CHECKING:
    from qa.settings import Settings


class Message(BaseModel):
    """One chat turn, in the OpenAI/Gradio messages format."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: Literal["user", "assistant", "system"]
    content: str


History = Sequence[Message | dict[str, str]]


class Condenser(Protocol):
    """Rewrites a follow-up into a question that stands on its own, given the (non-empty)
    history."""

    def __call__(self, question: str, history: Sequence[Message]) -> str: ...


def messages(history: History | None) -> list[Message]:
    """Validated messages, oldest first."""
    return [m if isinstance(m, Message) else Message.model_validate(m) for m in history or []]


def standalone_question(
    question: str, history: History | None, condense: Condenser | None = None
) -> str:
    """The question to retrieve with: unchanged without history, else rewritten by ``condense``
    (``carry_subject`` by default)."""
    question = question.strip()
    turns = [m for m in messages(history) if m.role != "system" and m.content.strip()]
    if not turns:
        return question
    return (condense or carry_subject)(question, turns).strip() or question


def make_condenser(settings: Settings) -> Condenser:
    """The chat model's rewrite when one is configured (``Settings.uses_llm``), else the rule."""
    if settings.uses_llm:
        from qa.llm import LLMCondenser  # langchain-openai is only imported when used

        return LLMCondenser(settings)
    return carry_subject


# -- the offline rule -------------------------------------------------------------------------

_PRONOUN = re.compile(r"\b(he|she|him|his|her|hers|they|them|their|theirs|it|its)\b", re.I)
_POSSESSIVE = frozenset({"his", "its", "their", "theirs", "hers"})
# Words that open a question or a request: capitalised only because they come first.
_OPENERS = STOPWORDS | frozenset(
    """describe explain list summarize summarise give show compare name define why""".split()
)
_NAME_PART = r"[A-Z][\w’'.-]*"
_NAME = re.compile(rf"{_NAME_PART}(?:\s+(?:(?:of|de|von|van|al|bin|the)\s+)?{_NAME_PART})*")


def carry_subject(question: str, history: Sequence[Message]) -> str:
    """Put the subject of the latest earlier question that names one in place of the first
    third-person pronoun of ``question``; the question is returned unchanged when it has no
    pronoun, or already names that subject.

    >>> turns = [Message(role="user", content="What did Xi say about sanctions?")]
    >>> carry_subject("What did he say about the war?", turns)
    'What did Xi say about the war?'
    >>> carry_subject("What is his peace plan?", turns)
    "What is Xi's peace plan?"
    """
    pronoun = _PRONOUN.search(question)
    if pronoun is None:
        return question
    for turn in reversed(history):
        subject = subject_of(turn.content) if turn.role == "user" else None
        if subject:
            break
    else:
        return question
    word = pronoun.group().lower()
    # "Who is X?" makes X a person: "it" in the follow-up is then about something else.
    asked_who = re.match(r"\s*who\b", turn.content, re.IGNORECASE) is not None
    if subject.lower() in question.lower() or (asked_who and word in {"it", "its"}):
        return question
    after = question[pronoun.end() :]
    possessive = word in _POSSESSIVE or (word == "her" and _followed_by_noun(after))
    replacement = f"{subject}'s" if possessive else subject
    return question[: pronoun.start()] + replacement + after


def subject_of(text: str) -> str | None:
    """The first proper name in ``text`` (a run of capitalised words, not counting the word that
    opens the sentence because it comes first).

    >>> subject_of("Who is Alexander Lukashenko?")
    'Alexander Lukashenko'
    >>> subject_of("what did the minister say?") is None
    True
    """
    for match in _NAME.finditer(text):
        parts = match.group().split()
        at_start = not text[: match.start()].strip() or text[: match.start()].rstrip()[-1] in ".?!"
        while parts and (
            parts[0].lower() in {"i", "the"} or (at_start and parts[0].lower() in _OPENERS)
        ):
            parts = parts[1:]
            at_start = False
        name = " ".join(parts).rstrip("’'")
        if name.count(".") == 1:  # "Xi." ends a sentence; "U.S." is the name
            name = name.rstrip(".")
        name = re.sub(r"['’]s$", "", name)
        if name and name.lower() not in _OPENERS:
            return name
    return None


def _followed_by_noun(after: str) -> bool:
    """ "her plan" (possessive) versus "told her about" / "asked her?" (object)."""
    following = re.match(r"\s+([\w’'-]+)", after)
    return following is not None and following.group(1).lower() not in STOPWORDS
