"""Answerers: turn a question and numbered sources into a draft with [n] markers.

The draft is streamed as text deltas; ``qa.citations.resolve`` verifies it afterwards, so an
answerer never has to be trusted about its citations. The offline ``ExtractiveAnswerer`` is the
default; the LLM answerer is used when a chat model is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

import numpy as np

from qa.citations import CANNOT_ANSWER
from qa.embeddings import Embedder
from qa.factoids import (
    SAME_NOUN,
    Ask,
    Kind,
    asked_kind,
    counts_in_compound,
    find_candidates,
    read_question,
    speaker_of,
)
from qa.factoids import Candidate as Factoid
from qa.models import Source
from qa.passages import quotable_sentences
from qa.rerank import query_vector, sentence_vectors
from qa.settings import AnswerSettings, Settings
from qa.sorts import PERSON_NOUNS, TITLE_WORDS
from qa.text import (
    adverb_base,
    content_terms,
    fold,
    holds_span,
    restore_case,
    stem,
    weighted_coverage,
    with_adverb_bases,
    with_demonyms,
    with_word_forms,
    words,
)


class Answerer(Protocol):
    """Streams a draft answer that cites ``sources`` by their numbers."""

    @property
    def name(self) -> str: ...

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]: ...


_SPEECH = frozenset(
    """said say says saying added told tells stated states declared announced warned urged
    argued claimed insisted noted explained wrote called calls asked replied remarked vowed
    pledged promised accused condemned praised criticized criticised described texted tweeted
    posted messaged emailed predicted""".split()
)

# Verbs that carry little of what a question is about ("Where were the talks held?").
_LIGHT_VERBS = frozenset(
    stem(w)
    for w in """held hold happen happened take took taken make made get got give gave go went
    come came use used become became mean meant do know known name named""".split()
)
# The words of "how much", "how many": the question's form, never its topic. (qa.chat's
# _ASKING is wider: there "how long", "what year" ask too, and give a follow-up no topic.)
_ASKING = frozenset({"much", "many"})
_NOT_FOCUS = _LIGHT_VERBS | _ASKING


@dataclass(frozen=True)
class Candidate:
    """A sentence of a source, scored against the question."""

    source: Source
    start: int  # offset in the chunk text
    end: int
    text: str
    similarity: float
    score: float
    focus: float = 0.0  # weighted share of the question's focus terms it holds
    position: int = 0  # its place among the source's quotable sentences
    terms: frozenset[str] = frozenset()  # its terms as focus terms match them (_sentence_terms)


@dataclass(frozen=True)
class Plan:
    """What the offline answer will say: the short answer (verbatim from the first sentence),
    the sentences it quotes, or a refusal that quotes the nearest sentence."""

    sentences: list[Candidate]
    short: str | None = None
    refused: bool = False
    confidence: float = 0.0  # for a factoid: the chosen sentence's value (see _factoid)
    coverage: float = 0.0  # and the share of the question's terms around it
    repeated: bool = False  # and whether another sentence holds the same short answer


@dataclass(frozen=True)
class QuestionShape:
    """What the offline answerer reads out of a question."""

    speaker: tuple[str, ...]  # content words naming who spoke, for "what did X say ..."
    focus: tuple[str, ...]  # the remaining content terms: what the question is about
    kind: Kind | None = None  # the short answer's kind (``qa.factoids.asked_kind``)


def question_shape(question: str) -> QuestionShape:
    """Split a question into its speaker (if it asks what someone said), its focus terms and
    the kind of short answer it asks for.

    >>> question_shape("What did Xi say about sanctions?")
    QuestionShape(speaker=('xi',), focus=('sanction',), kind='quote')
    >>> question_shape("How many months was her detention extended?").kind
    'number'
    """
    kind = asked_kind(question)
    spoken = speaker_of(question)
    if spoken:
        # "Anne Heche's son": the son speaks, not Anne Heche; "Scott Keyes, founder of Scott's
        # Cheap Flights,": the name before the apposition speaks.
        named = spoken[0].split(",")[0]
        speaker = tuple(content_terms(re.split(r"[’']s\s+", named)[-1]))
        focus = tuple(t for t in _focus_terms(spoken[1]) if t not in speaker)
        return QuestionShape(speaker=speaker, focus=focus, kind=kind)
    return QuestionShape(speaker=(), focus=_focus_terms(question), kind=kind)


def _sentence_terms(sentence: str) -> set[str]:
    """A sentence's stemmed terms, with the demonyms of its countries and the adjectives of
    its adverbs, as a question's focus terms are matched against them."""
    return with_word_forms(with_adverb_bases(with_demonyms(set(content_terms(sentence)))))


def _focus_terms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(adverb_base(t) for t in content_terms(text) if t not in _NOT_FOCUS))


class ExtractiveAnswerer:
    """Answers offline by quoting the sentences of the sources that answer the question.

    Each sentence of the passages is scored by meaning (cosine of its embedding to the
    question's), by the question's focus terms it contains (rarer terms count more), and, for
    "what did X say" questions, by whether it attributes speech to X. For a short factual
    question (who, where, when, how many, which ...) the answer is the sentence, among those
    near the best ones, that holds a candidate of the asked kind the question does not already
    say (``qa.factoids``); that candidate leads the answer. When no sentence holds one next to
    the question's own terms, or nothing scores above ``min_relevance``, it refuses and cites
    the nearest sentence.
    """

    name = "extractive"

    def __init__(self, embedder: Embedder, settings: AnswerSettings | None = None) -> None:
        self._embedder = embedder
        self._settings = settings or AnswerSettings()

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]:
        plan = self.select(question, sources)
        if plan.refused:
            nearest = "".join(f" {_quoted(c)}" for c in plan.sentences)
            yield CANNOT_ANSWER + nearest
            return
        parts = []
        if plan.short is not None:
            parts.append(f"{plan.short} [{plan.sentences[0].source.n}].")
        parts.extend(_quoted(c) for c in plan.sentences)
        for i, part in enumerate(parts):
            yield ("" if i == 0 else " ") + part

    def select(self, question: str, sources: Sequence[Source]) -> Plan:
        """The short answer and the sentences the answer will quote; ``refused`` with the
        nearest sentence when the passages do not hold the answer."""
        question = _as_cased(question, sources)
        candidates, shape = self._scored(question, sources)
        if not candidates:
            return Plan(sentences=[], refused=True)
        nearest = Plan(sentences=candidates[:1], refused=True)
        if candidates[0].score < self._settings.min_relevance:
            return nearest
        ask = read_question(question)
        if ask is not None and ask.kind != "quote":
            plan = self._factoid(ask, shape, candidates)
            s = self._settings
            # One margin, not two cut-offs: a sure candidate in a sentence that words the
            # question differently stands, and a weak one among the question's words does not.
            margin = (
                plan.confidence
                + s.coverage_weight * plan.coverage
                + s.repeat_weight * plan.repeated
            )
            if margin < s.answer_threshold or plan.coverage < s.answer_coverage:
                return replace(
                    nearest,
                    confidence=plan.confidence,
                    coverage=plan.coverage,
                    repeated=plan.repeated,
                )
            return plan
        if not self._answerable(shape, candidates):
            return nearest
        chosen = self._best_sentences(candidates, self._settings.max_sentences)
        spoken = _spoken_by(shape.speaker, candidates) if shape.speaker else []
        goes_on: list[Candidate] = []
        # "What did Xi say about sanctions?": the answer leads with the speaker's own words,
        # even when another sentence holds "sanctions" (what China accused others of is not
        # Xi speaking); that sentence may follow as context. Failing that, the best sentence
        # that names the speaker leads.
        lead = spoken[0] if spoken else None
        if lead is None and shape.speaker and chosen:
            top = chosen[0]
            named = _attribution(shape.speaker, top.text, set(content_terms(top.text))) > 0
            lead = top if named else None
        if lead is not None:
            # "...said the criminal case won't help her. "My husband is already dead," she
            # said.": the words asked for often follow the sentence that names the speaker.
            goes_on = _speaker_goes_on(lead, candidates)[: self._settings.max_sentences - 1]
            rest = [c for c in candidates if c is not lead and c not in goes_on]
            slots = self._settings.max_sentences - 1 - len(goes_on)
            # Then, when the speaker's words so far do not touch the topic, the best sentence
            # that does ("... condemning sanctions against Russia"), and the speaker's other
            # quoted words, before any other sentence.
            on_topic = any(c.focus > 0 for c in (lead, *goes_on))
            topical = [] if on_topic else [c for c in rest if c.focus > 0][:1]
            quoted = [c for c in spoken if c in rest and _QUOTE_MARK.search(c.text)]
            more = (topical + [c for c in quoted if c not in topical])[:slots]
            others = [c for c in rest if c not in more]
            # Then the best of the rest that is context: from the speaker's story, or on the
            # question's topic (another story's sentence that is neither says nothing of it).
            story = lead.source.chunk.article_id
            others = [c for c in others if c.focus > 0 or c.source.chunk.article_id == story]
            more += self._best_sentences(others, slots - len(more)) if len(more) < slots else []
            chosen = [lead, *goes_on, *more]
        elif (
            _WHY.search(question)
            and chosen
            and not _CAUSE.search(chosen[0].text)
            and chosen[0].similarity >= self._settings.restates_similarity
        ):
            # "Muldoon said the fire was caused by humans. "As you all know, there was no
            # lightning on that day."": a sentence that states what is asked without a reason
            # is often explained by the next one.
            after = _passage_sentences(chosen[0], candidates).get(chosen[0].position + 1)
            if after is not None and after not in chosen:
                chosen = _with_reason_after(chosen, after, self._settings.max_sentences)
        short = None
        if shape.kind == "quote":
            # The speaker's words: in the lead sentence, else in the quotations after it.
            said = chosen[: 1 + len(goes_on)]
            quotes = [q for c in said for q in find_candidates(c.text, ask)] if ask else []
            short = quotes[0].text if quotes else None
        return Plan(sentences=chosen, short=short)

    def _factoid(self, ask: Ask, shape: QuestionShape, candidates: Sequence[Candidate]) -> Plan:
        """The sentence holding the best answer of the asked kind, read in its context: a
        sentence two below the one that matches the question ("The fire broke out in
        Sitakunda") is lifted by it. Its ``confidence`` and ``coverage`` decide whether the
        answer stands (``select``)."""
        s = self._settings
        context = _context_scores(candidates, s.context_window)
        picks: list[tuple[float, Candidate, Factoid, float]] = []
        for candidate, (lift, coverage) in zip(candidates, context, strict=True):
            base = candidate.score + s.context_weight * lift
            if _before_the_year_asked(candidate, ask):
                continue
            for found in _candidates_in(candidate.text, ask):
                if not holds_span(candidate.text, found.text) and not counts_in_compound(
                    candidate.text, found, ask.noun
                ):
                    continue  # "1" of "1.14.2022": part of a longer token answers nothing
                near = _proximity(candidate.text, found, shape.focus)
                value = base + s.fit_weight * found.fit + s.proximity_weight * near
                picks.append((value, candidate, found, coverage))
        best = max(picks, key=lambda p: p[0], default=None)
        if best is None:
            return Plan(sentences=[], refused=True)
        value, sentence, pick, coverage = best
        # Said again elsewhere in the passages ("shot ... at a friend's home in Austin", "a
        # 34-year-old Austin resident"): the articles surely say it. Only the chosen answer is
        # checked; as a term in choosing it, repetition promotes a story's recurring names.
        key = fold(pick.text)
        repeated = any(c is not sentence and fold(f.text) == key for _, c, f, _ in picks)
        chosen = [sentence]
        if s.factoid_sentences > 1:
            rest = [c for c in candidates if c is not sentence]
            chosen += self._best_sentences(rest, s.factoid_sentences - 1)
        return Plan(
            sentences=chosen,
            short=_full_name(pick.text, sentence, candidates, ask),
            confidence=value,
            coverage=coverage,
            repeated=repeated,
        )

    def _best_sentences(self, candidates: Sequence[Candidate], limit: int) -> list[Candidate]:
        chosen: list[Candidate] = []
        if not candidates:
            return chosen
        best = candidates[0].score
        for candidate in candidates:
            if len(chosen) == limit or candidate.score < self._settings.keep_ratio * best:
                break
            if not any(_near_duplicate(candidate.text, c.text) for c in chosen):
                chosen.append(candidate)
        return chosen

    def _answerable(self, shape: QuestionShape, candidates: Sequence[Candidate]) -> bool:
        """Refuse when what the question is about (its rarest focus terms) appears nowhere in
        the passages and nothing is close in meaning."""
        if not shape.focus:
            return True
        terms = [c.terms for c in candidates]
        found = weighted_coverage(_rarity_weights(shape.focus, terms), set().union(*terms))
        return (
            found >= self._settings.focus_coverage
            or max(c.similarity for c in candidates) >= self._settings.close_similarity
        )

    def score(self, question: str, sources: Sequence[Source]) -> list[Candidate]:
        """Every quotable sentence of ``sources`` with its score, best first."""
        return self._scored(_as_cased(question, sources), sources)[0]

    def _scored(
        self, question: str, sources: Sequence[Source]
    ) -> tuple[list[Candidate], QuestionShape]:
        """``score``, and the question's shape read beside the passages (a speaker asked by
        role is named in them)."""
        raw: list[tuple[Source, int, int, str, int]] = []
        seen: set[tuple[str, int]] = set()
        for source in sources:
            text = source.chunk.text
            title = words(source.chunk.title)
            position = 0
            for span in quotable_sentences(text):
                sentence = span.of(text)
                said = words(sentence)
                where = (source.chunk.article_id, source.chunk.start + span.start)
                # Overlapping passages repeat sentences; headings, bylines, the article's own
                # questions ("Which landmark is riddled with rust?" in a quiz) and its title
                # line (a web page's headline, shown with every citation anyway) answer nothing.
                if (
                    where not in seen
                    and len(said) >= 4
                    and not _is_question(sentence)
                    and said != title
                ):
                    seen.add(where)
                    raw.append((source, span.start, span.end, sentence, position))
                    position += 1
        if not raw:
            return [], question_shape(question)
        shape = _with_role_holder(question, [r[3] for r in raw])
        terms = [_sentence_terms(r[3]) for r in raw]
        weights = _rarity_weights(shape.focus, terms)
        focus = [weighted_coverage(weights, t) for t in terms]
        attribution = [
            _attribution(shape.speaker, r[3], t) for r, t in zip(raw, terms, strict=True)
        ]
        ask = read_question(question)
        described = _WHO_IS_NAMED.match(question)
        if _WHY.search(question):
            # A reason is what a why-question asks for: the sentence that gives one
            # ("because they came with a pepper garnish", "sparked by downed power lines").
            typed = [_CAUSE.search(r[3]) is not None for r in raw]
        elif described:
            # "Who is Rudy Giuliani?": the sentence that says what he is ("Trump lawyer Rudy
            # Giuliani", "Giuliani, the former mayor, ..."), not any that names him.
            typed = [describes(r[3], described.group(1)) for r in raw]
        else:
            typed = [bool(ask and ask.kind != "quote" and _candidates_in(r[3], ask)) for r in raw]
        # Embedding is the expensive part: only the lexically most promising sentences are
        # embedded (the retriever's reranker has usually embedded them already: cached).
        budget = self._settings.embed_budget
        order = sorted(
            range(len(raw)),
            key=lambda i: focus[i] + attribution[i] + self._settings.slot_weight * typed[i],
            reverse=True,
        )
        embedded = sorted(order[:budget])
        vectors = sentence_vectors(self._embedder, [raw[i][3] for i in embedded])
        cosines = vectors @ query_vector(self._embedder, question)  # the retriever's: cached
        found = dict(zip(embedded, (float(x) for x in cosines), strict=True))
        floor = min(found.values())
        scored = []
        for i, (source, start, end, sentence, position) in enumerate(raw):
            similarity = float(found.get(i, floor))
            score = _combine(similarity, focus[i], attribution[i], has_speaker=bool(shape.speaker))
            if typed[i]:
                score += self._settings.slot_weight
            scored.append(
                Candidate(
                    source,
                    start,
                    end,
                    sentence,
                    similarity,
                    score,
                    focus[i],
                    position,
                    frozenset(terms[i]),
                )
            )
        return sorted(scored, key=lambda c: c.score, reverse=True), shape


_WHO_IS_NAMED = re.compile(
    r"^\s*(?i:who)\s+(?i:is|was|are|were)\s+([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)\s*\??\s*$"
)
# After a name: an apposition that says what one is ("Giuliani, the former mayor", "Holmes,
# who founded Theranos") or a copula ("Griner is a two-time Olympic champion").
_SAYS_WHAT = re.compile(r"(?:,\s+(?:a|an|the|who|whose)\b|\s+(?:is|was)\s+(?:a|an|the)\b)")
# Before a name: a title or a noun for a person ("Judge", "lawyer", "star").
_ROLE_NOUNS = TITLE_WORDS | PERSON_NOUNS


def describes(sentence: str, name: str) -> bool:
    """True when ``sentence`` says what the person ``name`` is: a role before the name ("WNBA
    star Brittney Griner", "Judge Ketanji Brown Jackson") or an apposition or copula after it.
    The surname alone counts where no other first name comes before it ("Cherelle Griner, the
    wife of ..." describes Cherelle, not Brittney).

    >>> describes("Trump lawyer Rudy Giuliani spoke on Monday.", "Rudy Giuliani")
    True
    >>> describes("Cherelle Griner, the wife of Brittney Griner, spoke.", "Brittney Griner")
    False
    """
    surname = name.split()[-1]
    for found in re.finditer(rf"\b(?:{re.escape(name)}|{re.escape(surname)})\b", sentence):
        before = sentence[max(0, found.start() - 40) : found.start()]
        if found.group() == surname != name and re.search(r"[A-Z][\w’'.-]*\s+$", before):
            continue  # another person of that surname
        word = re.search(r"([A-Za-z-]+)\.?\s+$", before)
        role = word is not None and fold(word.group(1)) in _ROLE_NOUNS
        if role or _SAYS_WHAT.match(sentence, found.end()):
            return True
    return False


_ENDS_A_SENTENCE = re.compile(r"[.!?…][\"”’')\]]*$")


def _quoted(sentence: Candidate) -> str:
    """A quoted sentence and its marker. A heading or caption quoted without a full stop gets
    one after its marker: the sentence quoted next must not read as its continuation (nor be
    judged with it as one claim): "Stores closed due to rodents [1]."."""
    marker = f"[{sentence.source.n}]"
    if _ENDS_A_SENTENCE.search(sentence.text):
        return f"{sentence.text} {marker}"
    return f"{sentence.text} {marker}."


def _as_cased(question: str, sources: Sequence[Source]) -> str:
    """A question typed in lower case, cased as its passages write its words: names, titles
    and acronyms are read by their capitals."""
    return restore_case(question, (s.chunk.text for s in sources))


def _full_name(name: str, sentence: Candidate, candidates: Sequence[Candidate], ask: Ask) -> str:
    """A surname picked for "who" ("Perry texted Meadows again") as the passage first gave it
    ("former Energy Secretary Rick Perry"): the name a reader asked for."""
    if ask.kind != "person" or " " in name:
        return name
    for other in candidates:
        if other.source is not sentence.source:
            continue
        for found in _candidates_in(other.text, ask):
            words = found.text.split()
            if len(words) in (2, 3) and words[-1] == name:
                return found.text
    return name


def _context_scores(candidates: Sequence[Candidate], window: int) -> list[tuple[float, float]]:
    """For each sentence: the best score of the sentences within ``window`` of it in its
    passage (the lift its context gives it), and the focus coverage of it and that context
    together (are the question's terms around it?)."""
    by_place = {(c.source.n, c.position): c for c in candidates}
    result = []
    for c in candidates:
        near = [
            by_place[(c.source.n, p)]
            for p in range(c.position - window, c.position + window + 1)
            if (c.source.n, p) in by_place
        ]
        lift = max((n.score for n in near if n is not c), default=0.0)
        result.append(
            (lift, max(c.focus, max((n.focus for n in near), default=0.0) * 0.8 + 0.2 * c.focus))
        )
    return result


def _before_the_year_asked(sentence: Candidate, ask: Ask) -> bool:
    """A sentence of an article published before the year a past-tense question asks about
    ("Who won the 2022 US Open?" over a 2021 preview) cannot report what happened then, unless
    it names that year itself ("the 2022 Cup will be held in Qatar")."""
    published = sentence.source.chunk.date
    if not (ask.years and ask.happened and published):
        return False
    asked = min(int(y) for y in ask.years)
    return published.year < asked and not any(y in sentence.text for y in ask.years)


def _proximity(sentence: str, candidate: Factoid, focus: Sequence[str]) -> float:
    """Closeness of a candidate to the question's terms in the sentence (1: next to one)."""
    tokens = _stemmed_tokens(sentence)
    wanted = set(focus)
    places = [i for i, (_, term) in enumerate(tokens) if term in wanted]
    if not places:
        return 0.0
    at = next((i for i, (start, _) in enumerate(tokens) if start >= candidate.start), len(tokens))
    distance = min(abs(at - p) for p in places)
    return 0.5 / (1 + distance / 4)


@lru_cache(maxsize=1024)
def _candidates_in(sentence: str, ask: Ask) -> tuple[Factoid, ...]:
    """``find_candidates``, remembered: ``score`` reads every sentence for one and
    ``_factoid`` reads the best ones again."""
    return tuple(find_candidates(sentence, ask))


@lru_cache(maxsize=1024)
def _stemmed_tokens(sentence: str) -> tuple[tuple[int, str], ...]:
    """Each word token's offset and stem: read once per sentence, not once per candidate in
    it (a sentence holds several, and a question's sentences are read again by the next)."""
    return tuple(
        (t.start(), stem(fold_word(t.group()))) for t in re.finditer(r"[\w’'-]+", sentence)
    )


def fold_word(token: str) -> str:
    found = words(token)
    return found[0] if found else ""


def _is_question(sentence: str) -> bool:
    return sentence.rstrip(" \t\n\"'”’)]").endswith("?")


def _rarity_weights(focus: Sequence[str], terms: Sequence[AbstractSet[str]]) -> dict[str, float]:
    """Focus terms found in few candidate sentences weigh more (an idf over the candidates)."""
    total = len(terms)
    weights = {}
    for term in focus:
        df = sum(1 for t in terms if term in t)
        weights[term] = float(np.log((total + 1) / (df + 0.5)))
    return weights


def _attribution(speaker: Sequence[str], sentence: str, sentence_terms: set[str]) -> float:
    """How surely the sentence reports the speaker's own words.

    1.0: the speaker is the subject of a speech verb ("Xi said", "Xi added, “...", "said Xi");
    0.5: the speaker is named and someone speaks; 0.25: only named; 0.0: not named.
    """
    if not speaker or not any(s in sentence_terms for s in speaker):
        return 0.0
    tokens = words(sentence)
    # The speaker's words are stems ("Jones" -> "jon"), the sentence's tokens are not.
    names = {i for i, w in enumerate(tokens) if w in speaker or stem(w) in speaker}
    verbs = {i for i, w in enumerate(tokens) if w in _SPEECH}
    # "Xi said", "Xi added, ...", "said Xi", "said Prof. Andrew Pask" (not "said that Xi").
    if any(
        0 < v - n <= 4 or (0 < n - v <= 4 and all(t in TITLE_WORDS for t in tokens[v + 1 : n]))
        for n in names
        for v in verbs
    ):
        return 1.0
    return 0.5 if verbs or any(q in sentence for q in '“"') else 0.25


# Roles a speaker is asked by ("Giuliani's lawyer"); news names them by these words or the
# ones qa.factoids.SAME_NOUN gives ("attorney").
_SPEAKER_ROLES = frozenset(
    """lawyer attorney spokesman spokeswoman spokesperson coach manager agent publicist
    representative aide adviser""".split()
)


def _with_role_holder(question: str, sentences: Sequence[str]) -> QuestionShape:
    """The question's shape; for "What did Giuliani's lawyer say?", with the lawyer as the
    passages name him ("Giuliani's attorney, Robert Costello"): his surname takes the role's
    place among the speaker's words, so that "“It was cordial,” Costello said." is the
    lawyer speaking."""
    shape = question_shape(question)
    spoken = speaker_of(question)
    if spoken is None or len(shape.speaker) != 1 or shape.speaker[0] not in _SPEAKER_ROLES:
        return shape
    role = shape.speaker[0]
    roles = "|".join((role, *SAME_NOUN.get(role, ())))
    owner = re.split(r"[’']s\s+", spoken[0])[:-1]
    whose = rf"\b{re.escape(owner[-1].split()[-1])}[’']s\s+(?:[a-z]+\s+)?" if owner else r"\b"
    named = re.compile(rf"{whose}(?:{roles})s?,?\s+((?:[A-Z][\w’'.-]+\s+){{0,2}}[A-Z][\w’'-]+)")
    for sentence in sentences:
        found = named.search(sentence)
        if found:
            surname = stem(fold(found.group(1).split()[-1]))
            return replace(shape, speaker=(surname,))  # "Trump's lawyers said" is not him
    return shape


def _spoken_by(speaker: Sequence[str], candidates: Sequence[Candidate]) -> list[Candidate]:
    """The sentences in which ``speaker`` speaks: named as the subject of a speech verb ("Xi
    added, ..."), and the two after such a sentence in its passage."""
    attributed = {
        (c.source.n, c.position)
        for c in candidates
        if _attribution(speaker, c.text, set(content_terms(c.text))) >= 1.0
    }
    # A quote runs on past the sentence that attributes it ("...," Keyes said. "I'm not a fan
    # of either merger."): the two sentences after an attributed one are the speaker's too.
    return [
        c
        for c in candidates
        if any((c.source.n, c.position - back) in attributed for back in (0, 1, 2))
    ]


_WHY = re.compile(
    r"^\s*why\b|\bwhat\s+(?:is|was|are|were)\s+the\s+(?:\w+\s+)?(?:cause|reason|motive)s?\b|"
    r"^\s*what\s+(?:caused|led\s+to|prompted|sparked|triggered)\b",
    re.I,
)
_CAUSE = re.compile(
    r"\b(?:because|due\s+to|after|as\s+a\s+result|caused\s+by|sparked\s+by|blam(?:e|ed|es|ing)|"
    r"reasons?|led\s+to|amid|(?<!been\s)(?<!be\s)(?<!re\s)(?<!is\s)(?<!was\s)(?<!am\s)following|so\s+that|"
    r"in\s+order\s+to|citing|owing\s+to|"
    r"triggered|prompted|result\s+of|over\s+(?:concerns?|fears?))\b",
    re.I,
)

# "...," she said. / "She said ..." / a quotation running on: the same speaker still talking.
_STILL_SPEAKING = re.compile(
    r"^\s*[\"“‘']|[,.!?][\"”’']\s*(?:he|she|they)\s+(?:said|says|added|told|wrote|continued)\b|"
    r"^\s*(?:but\s+|and\s+)?(?:he|she|they)\s+(?:said|says|added|told|wrote)\b",
    re.I,
)
_QUOTE_MARK = re.compile(r"[\"“”]")


def _speaker_goes_on(lead: Candidate, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The quotations in the sentences right after ``lead`` in its passage while the same
    speaker is still talking (a pronoun says it, or the quotation runs on), at most three on."""
    after = _passage_sentences(lead, candidates)
    found = []
    for position in range(lead.position + 1, lead.position + 4):
        sentence = after.get(position)
        if sentence is None or not _STILL_SPEAKING.search(sentence.text):
            break
        if _QUOTE_MARK.search(sentence.text):
            found.append(sentence)
    return found


def _passage_sentences(lead: Candidate, candidates: Sequence[Candidate]) -> dict[int, Candidate]:
    """The scored sentences of ``lead``'s passage, by their place in it."""
    return {c.position: c for c in candidates if c.source is lead.source}


def _with_reason_after(
    chosen: Sequence[Candidate], after: Candidate, limit: int
) -> list[Candidate]:
    """``after`` quoted right after the lead, in place of the weakest chosen sentence that
    gives no reason (none gives way to it if each of them gives one)."""
    rest = list(chosen[1:])
    if len(rest) + 2 > limit:
        plain = [c for c in rest if not _CAUSE.search(c.text)]
        if not plain:
            return list(chosen)
        rest.remove(plain[-1])
    return [chosen[0], after, *rest][:limit]


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
