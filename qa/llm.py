"""The LLM answerer: any OpenAI-compatible chat model through langchain-openai.

Not built yet (issue: answers from a real LLM). Until then a configured key is refused with a
clear message rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from qa.errors import QAError
from qa.models import Source
from qa.settings import Settings


class LLMAnswerer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def name(self) -> str:
        return self._settings.llm.model

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]:
        msg = "the LLM answerer is not available yet; set QA_LLM=extractive"
        raise QAError(msg)
