"""The support check the engine runs on every cited claim, built from Settings.

The rules (``qa.support``) decide most claims alone. A claim they leave undecided (no
contradiction found, but words or names the passage does not hold) is a rewording when the
bundled encoder finds it close enough to the passage's sentence; with ``QA_VERIFY=llm`` the chat
model is asked instead, with the citation judge's prompt (``prompts/judge.md``), and the encoder
is the fallback when that call fails.
"""

from __future__ import annotations

import logging

import numpy as np

from qa.citations import SupportCheck
from qa.embeddings import Embedder
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
    """The chat model's yes/no on one claim and one passage sentence; None when the call fails
    (the answer still comes, with the claim judged by the encoder)."""
    from qa.judges import LLMJudge

    judge = LLMJudge(settings)

    def entail(claim: str, text: str) -> bool | None:
        try:
            return judge.supports(claim, [text])
        except Exception as exc:  # a verification call must not lose the answer
            log.warning("QA_VERIFY=llm: the entailment call failed (%s); using the encoder", exc)
            return None

    return entail
