"""Follow-up questions: rewrite a question into a standalone one using the chat history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """One chat turn, in the OpenAI/Gradio messages format."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: Literal["user", "assistant", "system"]
    content: str


History = Sequence[Message | dict[str, str]]


def messages(history: History | None) -> list[Message]:
    """Validated messages, oldest first."""
    return [m if isinstance(m, Message) else Message.model_validate(m) for m in history or []]


def standalone_question(question: str, history: History | None) -> str:
    """The question unchanged when there is no history (no extra work on a first question)."""
    if not messages(history):
        return question.strip()
    return question.strip()
