"""Answerers: turn a question and numbered sources into a draft with [n] markers.

The draft is streamed as text deltas; ``qa.citations.resolve`` verifies it afterwards, so an
answerer never has to be trusted about its citations. The offline ``ExtractiveAnswerer`` is the
default; the LLM answerer is used when a chat model is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.chunking import split_sentences
from qa.citations import CANNOT_ANSWER
from qa.embeddings import Embedder
from qa.models import Source
from qa.rerank import query_vector, sentence_vectors
from qa.settings import AnswerSettings, Settings
from qa.text import content_terms, stem, words


class Answerer(Protocol):
    """Streams a draft answer that cites ``sources`` by their numbers."""

    @property
    def name(self) -> str: ...

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]: ...


_SPEECH = frozenset(
    """said say says saying added told tells stated states declared announced warned urged
    argued claimed insisted noted explained wrote called calls asked replied remarked vowed
    pledged promised accused condemned praised criticized criticised described""".split()
)
_SPEAKER_QUESTION = re.compile(
    r"^\s*what\s+(?:did|does|has|have|had|do|will|is|was)\s+(.+?)\s+"
    r"(?:say|said|tell|told|think|thought|claim|claimed|state|announce|announced|write|wrote|"
    r"argue|argued|warn|warned|mean|call|called|propose|proposed)\b(.*)$",
    re.IGNORECASE,
)


# Verbs that carry little of what a question is about ("Where were the talks held?").
_LIGHT_VERBS = frozenset(
    stem(w)
    for w in """held hold happen happened take took taken make made get got give gave go went
    come came use used become became mean meant do know known""".split()
)


@dataclass(frozen=True)
class Candidate:
    """A sentence of a source, scored against the question."""

    source: Source
    start: int  # offset in the chunk text
    end: int
    text: str
    similarity: float
    score: float


@dataclass(frozen=True)
class QuestionShape:
    """What the offline answerer reads out of a question."""

    speaker: tuple[str, ...]  # content words naming who spoke, for "what did X say ..."
    focus: tuple[str, ...]  # the remaining content terms: what the question is about
    expects: str | None = None  # a short factual answer's type: number, time, name, entity


# What a short factual question asks for, read from its wh-phrase (first match wins).
_EXPECTS = (
    ("number", re.compile(r"\bhow\s+(?:many|much|old|long|far|big|large|high|tall|often)\b|"
                          r"\bwhat\s+(?:percentage|percent|share|number|age|amount|year)\b", re.I)),
    ("time", re.compile(r"\b(?:when|since\s+when|what\s+(?:date|day|month|time))\b", re.I)),
    ("name", re.compile(r"\b(?:who|whom|whose)\b", re.I)),
    ("entity", re.compile(r"\b(?:which|what|where|name)\b", re.I)),
)  # fmt: skip
_NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred thousand million billion trillion half dozen percent""".split()
)
_TIME_WORDS = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
_TOKEN = re.compile(r"[\w’'&.-]+")


def question_shape(question: str) -> QuestionShape:
    """Split a question into its speaker (if it asks what someone said), its focus terms and,
    for a short factual question, the type of answer it expects.

    >>> question_shape("What did Xi say about sanctions?")
    QuestionShape(speaker=('xi',), focus=('sanction',), expects=None)
    >>> question_shape("How many months was her detention extended?").expects
    'number'
    """
    match = _SPEAKER_QUESTION.match(question)
    if match:
        speaker = tuple(content_terms(match.group(1)))
        focus = tuple(t for t in _focus_terms(match.group(2)) if t not in speaker)
        return QuestionShape(speaker=speaker, focus=focus)
    expects = None
    if not re.match(r"\s*(?:why|how\s+(?:did|does|do|is|are|was|were|can|could|will))\b",
                    question, re.I):  # fmt: skip
        expects = next((kind for kind, pattern in _EXPECTS if pattern.search(question)), None)
    return QuestionShape(speaker=(), focus=_focus_terms(question), expects=expects)


def has_answer_slot(expects: str | None, sentence: str, question_words: set[str]) -> bool:
    """Whether ``sentence`` holds something of the expected type that the question does not
    already say: a number for "how many", a date for "when", a name for "who"."""
    if expects is None:
        return False
    # Sentence-final and abbreviation dots belong to no token: "in 1994." holds a year.
    tokens = [t.strip(".-'’&") for t in _TOKEN.findall(sentence)]
    tokens = [t for t in tokens if t]
    new = [t for t in tokens if fold_word(t) not in question_words]
    numbers = any(any(c.isdigit() for c in t) or fold_word(t) in _NUMBER_WORDS for t in new)
    if expects == "number":
        return numbers
    if expects == "time":
        return any(fold_word(t) in _TIME_WORDS or re.fullmatch(r"(?:19|20)\d\d", t) for t in new)
    # A capitalised day or month ("sworn in Thursday") is when, not who or which.
    names = any(
        t[0].isupper() and fold_word(t) not in _TIME_WORDS
        for i, t in enumerate(tokens)
        if i > 0 and t in new
    )
    return names if expects == "name" else names or numbers


def fold_word(token: str) -> str:
    found = words(token)
    return found[0] if found else ""


def _focus_terms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in content_terms(text) if t not in _LIGHT_VERBS))


class ExtractiveAnswerer:
    """Answers offline by quoting the sentences of the sources that best answer the question.

    Each sentence is scored by meaning (cosine of its embedding to the question's), by the
    question's focus terms it contains (rarer terms count more), and, for "what did X say"
    questions, by whether it attributes speech to X. Below ``min_relevance`` it refuses.
    """

    name = "extractive"

    def __init__(self, embedder: Embedder, settings: AnswerSettings | None = None) -> None:
        self._embedder = embedder
        self._settings = settings or AnswerSettings()

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]:
        chosen = self.select(question, sources)
        if not chosen:
            yield CANNOT_ANSWER
            return
        for i, candidate in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"{candidate.text} [{candidate.source.n}]"

    def select(self, question: str, sources: Sequence[Source]) -> list[Candidate]:
        """The sentences the answer will quote, best first; empty means refuse."""
        candidates = self.score(question, sources)
        if not candidates or not self._answerable(question, candidates):
            return []
        best = candidates[0].score
        shape = question_shape(question)
        limit = self._settings.max_sentences
        if shape.expects is not None:
            # A short factual question is answered by the shortest of the best sentences
            # (within ``factoid_margin`` of the best) that holds an answer of the right type.
            limit = self._settings.factoid_sentences
            floor = (1 - self._settings.factoid_margin) * best
            close = [c for c in candidates if c.score >= floor]
            asked = set(words(question))
            typed = [c for c in close if has_answer_slot(shape.expects, c.text, asked)]
            lead = min(typed or close[:1], key=lambda c: len(c.text))
            candidates = [lead, *(c for c in candidates if c is not lead)]
        chosen: list[Candidate] = []
        for candidate in candidates:
            if len(chosen) == limit or candidate.score < 0.8 * best:
                break
            if not any(_near_duplicate(candidate.text, c.text) for c in chosen):
                chosen.append(candidate)
        return chosen

    def _answerable(self, question: str, candidates: Sequence[Candidate]) -> bool:
        """Refuse when the best sentence scores low, or when what the question is about (its
        rarest focus terms) appears nowhere in the passages and nothing is close in meaning."""
        if candidates[0].score < self._settings.min_relevance:
            return False
        shape = question_shape(question)
        if not shape.focus:
            return True
        terms = [set(content_terms(c.text)) for c in candidates]
        found = _focus_coverage(_rarity_weights(shape.focus, terms), set().union(*terms))
        return found >= 0.5 or max(c.similarity for c in candidates) >= 0.6

    def score(self, question: str, sources: Sequence[Source]) -> list[Candidate]:
        """Every sentence of ``sources`` with its score, best first."""
        raw: list[tuple[Source, int, int, str]] = []
        seen: set[tuple[str, int]] = set()
        for source in sources:
            text = source.chunk.text
            for span in split_sentences(text):
                sentence = span.of(text)
                where = (source.chunk.article_id, source.chunk.start + span.start)
                # Overlapping chunks repeat sentences; headings, bylines and the article's own
                # questions ("Which landmark is riddled with rust?" in a news quiz) answer nothing.
                if where not in seen and len(words(sentence)) >= 4 and not _is_question(sentence):
                    seen.add(where)
                    raw.append((source, span.start, span.end, sentence))
        if not raw:
            return []
        shape = question_shape(question)
        terms = [set(content_terms(r[3])) for r in raw]
        weights = _rarity_weights(shape.focus, terms)
        focus = [_focus_coverage(weights, t) for t in terms]
        attribution = [
            _attribution(shape.speaker, r[3], t) for r, t in zip(raw, terms, strict=True)
        ]
        # Embedding is the expensive part: only the lexically most promising sentences are
        # embedded (the retriever's reranker has usually embedded them already: cached).
        budget = self._settings.embed_budget
        order = sorted(range(len(raw)), key=lambda i: focus[i] + attribution[i], reverse=True)
        embedded = sorted(order[:budget])
        vectors = sentence_vectors(self._embedder, [raw[i][3] for i in embedded])
        cosines = vectors @ query_vector(self._embedder, question)  # the retriever's: cached
        found = dict(zip(embedded, (float(x) for x in cosines), strict=True))
        floor = min(found.values())
        asked = set(words(question))
        scored = []
        for i, (source, start, end, sentence) in enumerate(raw):
            similarity = float(found.get(i, floor))
            score = _combine(similarity, focus[i], attribution[i], has_speaker=bool(shape.speaker))
            if has_answer_slot(shape.expects, sentence, asked):
                score += self._settings.slot_weight
            scored.append(Candidate(source, start, end, sentence, similarity, score))
        return sorted(scored, key=lambda c: c.score, reverse=True)


def _is_question(sentence: str) -> bool:
    return sentence.rstrip(" \t\n\"'”’)]").endswith("?")


def _rarity_weights(focus: Sequence[str], terms: list[set[str]]) -> dict[str, float]:
    """Focus terms found in few candidate sentences weigh more (an idf over the candidates)."""
    total = len(terms)
    weights = {}
    for term in focus:
        df = sum(1 for t in terms if term in t)
        weights[term] = float(np.log((total + 1) / (df + 0.5)))
    return weights


def _focus_coverage(weights: dict[str, float], sentence_terms: set[str]) -> float:
    if not weights:
        return 0.0
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in sentence_terms) / total


def _attribution(speaker: Sequence[str], sentence: str, sentence_terms: set[str]) -> float:
    """How surely the sentence reports the speaker's own words.

    1.0: the speaker is the subject of a speech verb ("Xi said", "Xi added, “...", "said Xi");
    0.5: the speaker is named and someone speaks; 0.25: only named; 0.0: not named.
    """
    if not speaker or not any(s in sentence_terms for s in speaker):
        return 0.0
    tokens = words(sentence)
    names = {i for i, w in enumerate(tokens) if w in speaker}
    verbs = {i for i, w in enumerate(tokens) if w in _SPEECH}
    if any(0 < v - n <= 4 or n - v == 1 for n in names for v in verbs):
        return 1.0
    return 0.5 if verbs or any(q in sentence for q in '“"') else 0.25


def _combine(similarity: float, focus: float, attribution: float, *, has_speaker: bool) -> float:
    if has_speaker:
        return 0.45 * similarity + 0.3 * focus + 0.25 * attribution
    return 0.6 * similarity + 0.4 * focus


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(content_terms(a)), set(content_terms(b))
    return bool(ta) and len(ta & tb) / len(ta | tb) > 0.8


def make_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """The offline answerer unless a chat model is configured (see ``Settings.uses_llm``)."""
    if settings.uses_llm:
        from qa.llm import LLMAnswerer  # langchain-openai is only imported when used

        return LLMAnswerer(settings)
    return ExtractiveAnswerer(embedder, settings.answer)
