"""Support judges for the citation metrics: do these passages back up this sentence?

``qa eval --judge lexical`` (the default, offline), ``--judge embedding`` (offline, the
configured encoder) or ``--judge llm`` (the configured OpenAI-compatible chat model, asked the
NLI question ALCE asks its TRUE model). All three satisfy ``qa.metrics.SupportJudge``.

The lexical judge counts content words, much like the engine's own citation check, so it mostly
confirms what the engine already verified: citation recall then measures how many answer
sentences lost their citation. The LLM judge is the independent one.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Sequence
from typing import Any, Literal, cast, get_args

import numpy as np

from qa.chunking import split_sentences
from qa.embeddings import Embedder
from qa.errors import QAError
from qa.metrics import SupportJudge
from qa.settings import Settings
from qa.text import claim_coverage

log = logging.getLogger(__name__)

JudgeName = Literal["lexical", "embedding", "llm"]
JUDGE_PROMPT = "judge.md"

LEXICAL_THRESHOLD = 0.65
"""Share of the claim's content terms the cited passages must hold: the bar the engine's
verifier sets for a claim that condenses several sentences of one passage."""

EMBEDDING_THRESHOLD = 0.7
"""Cosine (all-MiniLM-L6-v2) between the claim and its closest cited sentence; paraphrases of
one sentence score about 0.7-0.9 on the sample article, unrelated news sentences below 0.5."""


class LexicalJudge:
    """Supported when the cited passages together contain most of the claim's content terms.

    >>> LexicalJudge().supports("Xi met Lukashenko in Beijing.", ["Xi met Lukashenko in Beijing."])
    True
    """

    name = "lexical"

    def __init__(self, threshold: float = LEXICAL_THRESHOLD) -> None:
        self.threshold = threshold

    def supports(self, claim: str, evidence: Sequence[str]) -> bool:
        return claim_coverage(claim, " ".join(evidence)) >= self.threshold


class EmbeddingJudge:
    """Supported when some cited sentence is close in meaning to the claim."""

    name = "embedding"

    def __init__(self, embedder: Embedder, threshold: float = EMBEDDING_THRESHOLD) -> None:
        self._embedder = embedder
        self.threshold = threshold

    def supports(self, claim: str, evidence: Sequence[str]) -> bool:
        sentences = [s.of(text) for text in evidence for s in split_sentences(text)]
        if not sentences or not claim.strip():
            return False
        vectors = self._embedder.embed_documents([claim, *sentences])
        return float(np.max(vectors[1:] @ vectors[0])) >= self.threshold


class LLMJudge:
    """Asks a chat model whether the passages entail the claim (prompt: ``prompts/judge.md``).

    ``model`` is any LangChain chat model; by default the one the settings configure.
    Verdicts are cached per (claim, passages), since citation precision asks again.
    """

    def __init__(self, settings: Settings, *, model: Any = None) -> None:
        from qa.llm import chat_model, load_prompt

        prompt = load_prompt(JUDGE_PROMPT)
        if prompt.variables != {"claim", "evidence"}:
            msg = f"prompts/{JUDGE_PROMPT} must use exactly the variables claim and evidence"
            raise QAError(msg)
        self._settings = settings
        self._chain = prompt.template() | (model if model is not None else chat_model(settings))
        self.name = f"llm:{getattr(model, 'model_name', None) or settings.llm.model}"
        self._verdict = functools.lru_cache(maxsize=4096)(self._ask)

    def supports(self, claim: str, evidence: Sequence[str]) -> bool:
        """The model's verdict; a reply that is no verdict counts as not supported (logged).
        A failed call raises ``qa.llm.LLMError``, one line naming the setting to fix."""
        return self._verdict(claim, tuple(evidence))

    def _ask(self, claim: str, evidence: tuple[str, ...]) -> bool:
        from qa.llm import JUDGE, _explained

        passages = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(evidence, 1))
        with _explained(self._settings, task=JUDGE):
            reply = self._chain.invoke({"claim": claim, "evidence": passages})
        text = str(getattr(reply, "content", reply))
        verdict = read_verdict(text)
        if verdict is None:
            log.warning("the judge's reply is not a yes or no, so not supported: %.200r", text)
        return bool(verdict)


_VERDICT_WORD = re.compile(
    r"\b(?:not\s+(?:entailed|supported)|unsupported|contradict\w*|neutral|no|false|"
    r"yes|true|entail(?:ed|s|ment)?|support(?:ed|s)?)\b"
)
_NEGATIVE = re.compile(r"not\s|unsupported|contradict|neutral|no$|false")
_JSON_KEYS = ("entailed", "entailment", "supported", "support", "verdict", "answer", "label")


def read_verdict(reply: str) -> bool | None:
    """A judge's yes or no, however it is dressed: reasoning (``<think>``), markdown, a label
    word (``SUPPORTED``, ``Entailed``, ``True``) or JSON (``{"entailed": true}``). None when the
    reply holds no verdict, or both (``Yes, ... Actually, no.``): the caller decides.

    >>> [read_verdict(r) for r in ["Yes.", "**SUPPORTED**", '{"entailed": true}', "Not entailed"]]
    [True, True, True, False]
    >>> read_verdict("<think>yes, hmm</think> no"), read_verdict("Yes, it is not entailed. No.")
    (False, None)
    """
    from qa.llm import strip_reasoning

    text = strip_reasoning(reply).strip().strip("`")
    text = re.sub(r"^json\s*", "", text, flags=re.IGNORECASE)
    found = _json_verdict(text)
    if found is not None:
        return found
    words = {not _NEGATIVE.match(w) for w in _VERDICT_WORD.findall(text.lower())}
    return words.pop() if len(words) == 1 else None


def _json_verdict(text: str) -> bool | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict):
        values = [data[k] for k in _JSON_KEYS if k in data] or list(data.values())
        data = values[0] if len(values) == 1 else None
    if isinstance(data, bool):
        return data
    return read_verdict(data) if isinstance(data, str) else None


def judge_name(value: str) -> JudgeName:
    """``value`` checked as a judge name (as typed on the command line)."""
    for name in get_args(JudgeName):
        if value.strip().lower() == name:
            return cast(JudgeName, name)
    msg = f"unknown judge {value!r}: use lexical, embedding or llm"
    raise ValueError(msg)


def make_judge(
    name: JudgeName, settings: Settings, embedder: Embedder | None = None
) -> SupportJudge:
    """The judge called ``name``; ``embedding`` needs the engine's encoder."""
    if name == "lexical":
        return LexicalJudge()
    if name == "embedding":
        if embedder is None:
            msg = "the embedding judge needs an encoder: pass the engine's embedder"
            raise ValueError(msg)
        return EmbeddingJudge(embedder)
    if name == "llm":
        if settings.llm.provider == "extractive":
            msg = (
                "--judge llm needs a chat model, but QA_LLM=extractive turns it off: unset "
                "QA_LLM to use the model at OPENAI_BASE_URL, or use --judge lexical"
            )
            raise QAError(msg)
        if not settings.uses_llm:
            msg = (
                "--judge llm needs a chat model: set OPENAI_API_KEY or OPENAI_BASE_URL "
                "(and QA_LLM_MODEL), or use --judge lexical"
            )
            raise QAError(msg)
        return LLMJudge(settings)
    msg = f"unknown judge {name!r}: use lexical, embedding or llm"
    raise ValueError(msg)
