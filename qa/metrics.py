"""The metrics of ``qa eval`` as pure functions: one item's scores, and estimates over a dataset.

Per item:

- retrieval: ``first_relevant_rank``, ``recall_at`` (relevance is decided by the caller: a gold
  article id, or a gold answer string inside the retrieved chunk);
- answer: ``answer_accuracy`` (a gold string appears in the answer, SQuAD-normalised),
  ``token_f1`` (SQuAD's token F1, best over the gold strings), ``choice_correct`` (the answer
  names the right choice and no wrong one);
- citations, after ALCE (Gao et al., 2023): ``citation_scores`` with a pluggable ``SupportJudge``.

Over a dataset every metric is a ratio of sums, ``sum(num) / sum(den)``, so one seeded
bootstrap (``ratio_estimate``) gives every mean and every precision/recall its 95% interval;
latency percentiles have ``percentile_estimate``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from qa.citations import parse_claims
from qa.text import contains_answer, normalize_answer

DEFAULT_RESAMPLES = 1000
"""Bootstrap resamples: enough for stable 2.5/97.5 percentiles at a few ms per metric."""


# -- answers ----------------------------------------------------------------------------------


def plain_text(answer: str) -> str:
    """The answer without its [n] markers, sentence by sentence as the citation parser sees it.

    >>> plain_text("Xi spoke [1]. He left [2][3].")
    'Xi spoke. He left.'
    """
    return " ".join(claim.text for claim in parse_claims(answer))


def answer_accuracy(answer: str, golds: Sequence[str]) -> float:
    """1.0 when any gold string appears in the answer (SQuAD-normalised, on word boundaries).

    >>> answer_accuracy("The talks were held in Beijing [1].", ["beijing"])
    1.0
    """
    text = plain_text(answer)
    return 1.0 if any(contains_answer(text, gold) for gold in golds) else 0.0


def token_f1(answer: str, golds: Sequence[str]) -> float:
    """SQuAD's token F1 between the answer and the best-matching gold string.

    >>> round(token_f1("in Beijing on Wednesday", ["Beijing"]), 2)
    0.4
    """
    predicted = normalize_answer(plain_text(answer)).split()
    return max((_f1(predicted, normalize_answer(gold).split()) for gold in golds), default=0.0)


def _f1(predicted: list[str], gold: list[str]) -> float:
    if not predicted or not gold:
        return float(predicted == gold)  # SQuAD: both empty counts as a match
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def choice_correct(answer: str, choices: Sequence[str], correct: str) -> float:
    """1.0 when the answer names the correct choice and no wrong one.

    A choice counts as named only where it is not part of a longer choice that is also named,
    so "New York" in the answer does not also name a choice "York".

    >>> choice_correct("Talks took place in Beijing [1].", ["Beijing", "Moscow"], "Beijing")
    1.0
    >>> choice_correct("Beijing, then Moscow.", ["Beijing", "Moscow"], "Beijing")
    0.0
    """
    named = named_choices(answer, choices)
    target = normalize_answer(correct)
    wrong = {c for c in named if c != target}
    return 1.0 if target in named and not wrong else 0.0


def named_choices(answer: str, choices: Sequence[str]) -> set[str]:
    """The normalised choices the answer mentions, longest match first."""
    tokens = normalize_answer(plain_text(answer)).split()
    taken = [False] * len(tokens)
    named: set[str] = set()
    options = sorted({normalize_answer(c) for c in choices if normalize_answer(c)}, key=len)
    for option in reversed(options):  # longest first, so it claims its words before a part can
        needle = option.split()
        for i in range(len(tokens) - len(needle) + 1):
            if tokens[i : i + len(needle)] == needle and not any(taken[i : i + len(needle)]):
                named.add(option)
                taken[i : i + len(needle)] = [True] * len(needle)
    return named


# -- retrieval --------------------------------------------------------------------------------


def first_relevant_rank(relevant: Sequence[bool]) -> int | None:
    """The 1-based rank of the first relevant passage, or None when none is relevant."""
    return next((rank for rank, hit in enumerate(relevant, 1) if hit), None)


def hit_at(rank: int | None, k: int) -> float:
    """1.0 when the first relevant passage is within the top ``k``."""
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    """1/rank of the first relevant passage (0.0 when there is none): MRR's per-item term."""
    return 1.0 / rank if rank else 0.0


def recall_at(retrieved_ids: Sequence[str], gold_ids: Sequence[str], k: int) -> float:
    """Share of the gold articles found among the top ``k`` retrieved passages.

    >>> recall_at(["a", "b", "a", "c"], ["a", "c"], 2)
    0.5
    """
    gold = set(gold_ids)
    if not gold:
        msg = "recall@k needs at least one gold article id"
        raise ValueError(msg)
    return len(gold & set(retrieved_ids[:k])) / len(gold)


# -- citations (ALCE) -------------------------------------------------------------------------


class SupportJudge(Protocol):
    """Decides whether evidence passages, taken together, support (entail) a claim."""

    @property
    def name(self) -> str: ...

    def supports(self, claim: str, evidence: Sequence[str]) -> bool: ...


@dataclass(frozen=True)
class CitationScores:
    """One answer's ALCE citation scores; None where the answer gives nothing to score."""

    recall: float | None  # supported sentences / sentences (None: no sentence)
    precision: float | None  # relevant citations / citations (None: no citation)
    sentences: int
    citations: int


def citation_scores(
    answer: str, evidence: Mapping[int, str], judge: SupportJudge
) -> CitationScores:
    """ALCE citation recall and precision of an answer with inline [n] markers.

    ``evidence`` maps each marker number to the text it cites (the cited passage). A sentence
    has recall 1 when it cites something and its cited passages together support it. A
    citation is precise when its sentence has recall 1 and the citation either supports the
    sentence on its own or is needed: the other citations without it no longer do.
    Markers with no evidence count as citations that support nothing.

    >>> class Words:
    ...     name = "words"
    ...     def supports(self, claim, evidence):
    ...         return all(w in " ".join(evidence) for w in claim.rstrip(".").split())
    >>> citation_scores("Xi spoke [1]. He left [2].", {1: "Xi spoke", 2: "x"}, Words())
    CitationScores(recall=0.5, precision=0.5, sentences=2, citations=2)
    """
    claims = parse_claims(answer)
    supported = 0
    precise = 0
    cited = 0
    for claim in claims:
        passages = [evidence.get(n, "") for n in claim.markers]
        cited += len(passages)
        if not passages or not judge.supports(claim.text, passages):
            continue
        supported += 1
        for i, passage in enumerate(passages):
            rest = passages[:i] + passages[i + 1 :]
            if judge.supports(claim.text, [passage]) or not (
                rest and judge.supports(claim.text, rest)
            ):
                precise += 1
    return CitationScores(
        recall=supported / len(claims) if claims else None,
        precision=precise / cited if cited else None,
        sentences=len(claims),
        citations=cited,
    )


# -- estimates over a dataset -----------------------------------------------------------------


class Estimate(BaseModel):
    """A metric over a dataset: its value, how many items it rests on, and a 95% interval."""

    model_config = ConfigDict(frozen=True)

    value: float
    count: int = Field(description="Items the metric is computed over.")
    ci_low: float = Field(description="2.5th percentile of the bootstrap distribution.")
    ci_high: float = Field(description="97.5th percentile of the bootstrap distribution.")


def ratio_estimate(
    num: Sequence[float],
    den: Sequence[float],
    *,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> Estimate | None:
    """``sum(num) / sum(den)`` with a seeded percentile-bootstrap 95% interval over items.

    A mean over applicable items is ``num = score, den = 1`` (0 where it does not apply); a
    precision is ``num = true positive, den = predicted positive``. None when ``sum(den)`` is 0:
    a metric that cannot be computed is null, not zero.

    >>> ratio_estimate([1, 0, 1, 1], [1, 1, 1, 1]).value
    0.75
    >>> ratio_estimate([0, 0], [0, 0]) is None
    True
    """
    n_arr = np.asarray(num, dtype=float)
    d_arr = np.asarray(den, dtype=float)
    if n_arr.shape != d_arr.shape:
        msg = f"num and den differ in length: {n_arr.shape} vs {d_arr.shape}"
        raise ValueError(msg)
    total = float(d_arr.sum())
    if total == 0:
        return None
    value = float(n_arr.sum()) / total
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(n_arr), size=(resamples, len(n_arr)))
    nums, dens = n_arr[picks].sum(axis=1), d_arr[picks].sum(axis=1)
    ok = dens > 0  # a resample with no applicable item has no value: leave it out
    low, high = np.percentile(nums[ok] / dens[ok], [2.5, 97.5])
    return Estimate(
        value=value, count=int(np.count_nonzero(d_arr)), ci_low=float(low), ci_high=float(high)
    )


def paired_difference(
    old: tuple[Sequence[float], Sequence[float]],
    new: tuple[Sequence[float], Sequence[float]],
    *,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> Estimate | None:
    """``new - old`` for a ratio metric (``(num, den)`` per item, as ``ratio_estimate``) measured
    on the same items in two runs, with a paired-bootstrap 95% interval: each resample draws
    items, and the same draw scores both runs, so what the items have in common cancels out.

    Two runs that score the same items are not independent samples; comparing their separate
    intervals (overlap or not) would miss changes that a paired test finds. None when the metric
    cannot be computed in either run.

    >>> d = paired_difference(([1, 0, 0, 1], [1, 1, 1, 1]), ([1, 1, 0, 1], [1, 1, 1, 1]))
    >>> d.value, d.count
    (0.25, 4)
    """
    arrays = [np.asarray(a, dtype=float) for a in (*old, *new)]
    if len({a.shape for a in arrays}) != 1:
        msg = "paired runs must score the same items: the (num, den) lengths differ"
        raise ValueError(msg)
    old_num, old_den, new_num, new_den = arrays
    if old_den.sum() == 0 or new_den.sum() == 0:
        return None
    value = new_num.sum() / new_den.sum() - old_num.sum() / old_den.sum()
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, old_num.size, size=(resamples, old_num.size))
    old_dens, new_dens = old_den[picks].sum(axis=1), new_den[picks].sum(axis=1)
    ok = (old_dens > 0) & (new_dens > 0)  # a resample where either has no value is left out
    diffs = (
        new_num[picks].sum(axis=1)[ok] / new_dens[ok]
        - old_num[picks].sum(axis=1)[ok] / old_dens[ok]
    )
    low, high = np.percentile(diffs, [2.5, 97.5])
    count = int(np.count_nonzero((old_den > 0) | (new_den > 0)))
    return Estimate(value=float(value), count=count, ci_low=float(low), ci_high=float(high))


def paired_percentile_difference(
    old: Sequence[float],
    new: Sequence[float],
    q: float,
    *,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> Estimate | None:
    """``new - old`` for the ``q``-th percentile of a per-item value (a latency) measured on the
    same items, with a paired-bootstrap 95% interval."""
    old_arr, new_arr = np.asarray(old, dtype=float), np.asarray(new, dtype=float)
    if old_arr.shape != new_arr.shape:
        msg = "paired runs must score the same items: the value lists differ in length"
        raise ValueError(msg)
    if old_arr.size == 0:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, old_arr.size, size=(resamples, old_arr.size))
    diffs = np.percentile(new_arr[picks], q, axis=1) - np.percentile(old_arr[picks], q, axis=1)
    low, high = np.percentile(diffs, [2.5, 97.5])
    return Estimate(
        value=float(np.percentile(new_arr, q) - np.percentile(old_arr, q)),
        count=int(old_arr.size),
        ci_low=float(low),
        ci_high=float(high),
    )


def percentile_estimate(
    values: Sequence[float],
    q: float,
    *,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> Estimate | None:
    """The ``q``-th percentile of ``values`` with a seeded bootstrap 95% interval."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, arr.size, size=(resamples, arr.size))
    low, high = np.percentile(np.percentile(arr[picks], q, axis=1), [2.5, 97.5])
    return Estimate(
        value=float(np.percentile(arr, q)),
        count=int(arr.size),
        ci_low=float(low),
        ci_high=float(high),
    )
