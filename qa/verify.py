"""The support check the engine runs on every cited claim, built from Settings.

The rules (``qa.support``) decide most claims alone. A claim they leave undecided (no
contradiction found, but words or names the passage does not hold) is a rewording when the
bundled encoder finds it close enough to the passage's sentence; with ``QA_VERIFY=llm`` the chat
model is asked instead, with the citation judge's prompt (``prompts/judge.md``), and the encoder
is the fallback when that call fails: after one failure the model is not asked again for the
same answer (``for_one_answer``), and the answer's warning says so.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from qa.citations import SupportCheck
from qa.embeddings import Embedder
from qa.errors import friendly
from qa.settings import LOCAL_EMBEDDING_MODEL, Settings
from qa.support import Entailment, Similarity

log = logging.getLogger(__name__)


def make_support_check(settings: Settings, embedder: Embedder | None) -> SupportCheck:
    """Rules + encoder similarity, + the chat model's entailment with ``QA_VERIFY=llm``.

    The similarity thresholds were set with all-MiniLM-L6-v2; another encoder (an OpenAI
    embedding model) is not used for them, so its claims are decided by the rules (and the chat
    model, if configured) alone.
    """
    similarity = None
    if embedder is not None and embedder.model_id == LOCAL_EMBEDDING_MODEL:
        similarity = encoder_similarity(embedder)
    entail = None
    if settings.verify == "llm":
        if settings.llm.provider == "extractive":
            msg = (
                "QA_VERIFY=llm needs a chat model, but QA_LLM=extractive turns it off: unset "
                "QA_LLM to use the model at OPENAI_BASE_URL, or unset QA_VERIFY"
            )
            raise ValueError(msg)
        if not settings.uses_llm:
            msg = (
                "QA_VERIFY=llm needs a chat model: set OPENAI_API_KEY or OPENAI_BASE_URL "
                "(and QA_LLM_MODEL), or unset QA_VERIFY"
            )
            raise ValueError(msg)
        entail = llm_entailment(settings)
    return SupportCheck(similarity=similarity, entail=entail)


def encoder_similarity(embedder: Embedder) -> Similarity:
    from qa.rerank import sentence_vectors

    def similarity(claim: str, text: str) -> float:
        vectors = sentence_vectors(embedder, [claim, text])
        return float(np.dot(vectors[0], vectors[1]))

    return similarity


def llm_entailment(settings: Settings) -> Entailment:
    """The chat model's yes/no on one claim and one passage sentence. A failed call raises
    ``qa.llm.LLMError``; ``for_one_answer`` turns that into the encoder's judgement."""
    from qa.judges import LLMJudge

    judge = LLMJudge(settings)

    def entail(claim: str, text: str) -> bool | None:
        return judge.supports(claim, [text])

    return entail


class JudgeOnce:
    """One answer's calls to the ``QA_VERIFY=llm`` model: after the first failure it is not
    called again, since a dead server would be asked (and waited for, with retries) once per
    claim. ``failure`` is that first failure's one line."""

    def __init__(self, entail: Entailment) -> None:
        self._entail = entail
        self.failure: str | None = None

    def __call__(self, claim: str, text: str) -> bool | None:
        if self.failure is not None:
            return None
        try:
            return self._entail(claim, text)
        except Exception as exc:  # a verification call must not lose the answer
            self.failure = friendly(exc)
            log.warning(
                "QA_VERIFY=llm: %s; this answer's other claims are checked without the model",
                self.failure,
            )
            return None

    def warning(self) -> str | None:
        """The note for the answer's reader when the model could not check its claims."""
        if self.failure is None:
            return None
        return (
            "The chat model could not check this answer's claims (QA_VERIFY=llm), so the "
            f"rules and the encoder did: {self.failure}."
        )


def for_one_answer(check: SupportCheck) -> tuple[SupportCheck, JudgeOnce | None]:
    """``check`` for the claims of one answer, and its model's ``JudgeOnce`` (None without
    ``QA_VERIFY=llm``)."""
    if check.entail is None:
        return check, None
    once = JudgeOnce(check.entail)
    return replace(check, entail=once), once
