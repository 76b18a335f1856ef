"""What a question asks for, and the words of a sentence that could be it: rules, not a model.

``asked_kind`` reads the wh-phrase ("who", "how many", "in which town", "what did X say");
``find_candidates`` returns the spans of a sentence of that kind that the question does not
already contain: a person's or organisation's name, a place, a date or time, a number or an
amount, or quoted words. The offline answerer leads its answer with the best of them.

Why rules: the one English NER model people install from PyPI (spaCy's en_core_web_sm) is not
published there by its authors (only unofficial re-uploads are), nothing may be downloaded at run
time, and news prose marks its names with capitals and its numbers with digits, which a few
regular expressions read in microseconds per sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qa.text import STOPWORDS, fold

Kind = Literal["person", "name", "place", "date", "number", "quote"]

_SPEAKER = re.compile(
    r"^\s*what\s+(?:did|does|has|have|had|do|will|is|was)\s+(.+?)\s+"
    r"(?:say|said|tell|told|think|thought|claim|claimed|state|announce|announced|write|wrote|"
    r"argue|argued|warn|warned|mean|call|called|propose|proposed|describe|described)\b(.*)$",
    re.IGNORECASE,
)
_NUMBER_Q = re.compile(
    r"\bhow\s+(?:many|much|long|old|far|fast|big|large|high|tall|often|deep|heavy|wide)\b|"
    r"\bwhat\s+(?:\w+\s+)?(?:percentage|percent|share|proportion|number|age|amount|price|"
    r"score|speed|size|distance|sum|margin|rate|temperature|total)\b|\bby\s+how\s+much\b",
    re.I,
)
_DATE_Q = re.compile(
    r"^\s*when\b|\bsince\s+when\b|\b(?:what|which)\s+(?:date|day|month|year|time|hour)\b|"
    r"\bwhen\s+(?:did|does|do|is|was|were|will|has|had|are)\b",
    re.I,
)
_PLACE_NOUNS = (
    r"city|town|village|country|state|region|county|province|area|neighbou?rhood|district|"
    r"island|continent|port|street|venue|stadium|arena|airport|station|location|place|site|"
    r"hospital|prison|park|lake|river|mountain|capital|community|suburb|borough|camp"
)
_PLACE_Q = re.compile(
    rf"^\s*where\b|\bwhere\s+(?:did|does|do|is|was|were|will|has|had|are)\b|"
    rf"\b(?:which|what)\s+(?:\w+\s+){{0,2}}(?:{_PLACE_NOUNS})\b",
    re.I,
)
_PERSON_NOUNS = (
    r"person|man|woman|men|women|people|son|daughter|player|actor|actress|singer|official|"
    r"leader|politician|minister|senator|judge|coach|manager|ceo|executive|founder|"
    r"president|candidate|driver|athlete|artist|author|writer|star|member|suspect|"
    r"victim|doctor|scientist|researcher|director|owner|chief|spokesperson|spokesman|"
    r"spokeswoman|commissioner|governor|mayor|husband|wife|brother|sister|father|mother|"
    r"reporter|lawyer|attorney|quarterback|pitcher|striker|goalkeeper|golfer|boxer|champion"
)
_PERSON_Q = re.compile(
    rf"^\s*(?:who|whom|whose)\b|\b(?:who|whom)\s+(?:did|does|is|was|were|will|has|had)\b|"
    rf"\bwhat\s+(?:is|was|are|were)\s+the\s+names?\s+of\b|"
    rf"\b(?:which|what)\s+(?:\w+\s+){{0,2}}(?:{_PERSON_NOUNS})\b",
    re.I,
)
_NAME_Q = re.compile(r"\b(?:which|what)\s+\w+|\bwhat\s+(?:is|was)\s+the\s+name\b", re.I)
_NOT_FACTOID = re.compile(
    r"^\s*(?:why|how\s+(?:did|does|do|is|are|was|were|can|could|will))\b", re.I
)
_DEFINITION = re.compile(r"^\s*(?i:who|what)\s+(?:is|was|are|were)\s+((?:[A-Z][\w.'’-]*\s*)+)\?*$")


def asked_kind(question: str) -> Kind | None:
    """The kind of short answer ``question`` asks for, or None (why, how, what is X).

    >>> asked_kind("Where in Bangladesh did the fire kill 49 people?")
    'place'
    >>> asked_kind("How many people died?"), asked_kind("What did Xi say about sanctions?")
    ('number', 'quote')
    >>> asked_kind("Who is Alexander Lukashenko?") is None
    True
    """
    if _SPEAKER.match(question):
        return "quote"
    if _DEFINITION.match(question.strip()):
        return None
    if _NOT_FACTOID.match(question) and not _NUMBER_Q.search(question):
        return None
    for kind, pattern in (
        ("number", _NUMBER_Q),
        ("date", _DATE_Q),
        ("place", _PLACE_Q),
        ("person", _PERSON_Q),
        ("name", _NAME_Q),
    ):
        if pattern.search(question):
            return kind  # type: ignore[return-value]
    return None


def speaker_of(question: str) -> tuple[str, str] | None:
    """For "what did X say about Y", ``(X, Y)``."""
    match = _SPEAKER.match(question)
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class Candidate:
    """A span of a sentence that could answer the question, and how well it fits the kind."""

    start: int
    end: int
    text: str
    fit: float  # 0..1: 1 for a span that is surely of the kind asked


_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Mar\.|April|Apr\.|May|June|July|"
    r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|"
    rf"\b\d{{1,2}}\s+{_MONTH}(?:,?\s+\d{{4}})?\b|\b{_MONTH}\s+\d{{4}}\b|"
    rf"\b(?:early|mid|late)[- ]{_MONTH}\b|"
    rf"\b{_WEEKDAY}\b|\b(?:1[89]\d\d|20\d\d)s?\b|"
    r"\b\d{1,2}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)|\b(?:noon|midnight)\b"
)
_CLOCK = re.compile(r"\d(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am|pm)$|noon|midnight")
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|thousand|dozen|dozens|hundreds|thousands|half)"
)
_SCALE = r"(?:million|billion|trillion|thousand|hundred|m|bn|k|%|percent|per\s+cent)"
_NUMBER = re.compile(
    r"(?:\b(?:about|around|roughly|nearly|almost|approximately|some|over|under|at\s+least|"
    r"up\s+to|more\s+than|less\s+than|fewer\s+than|an\s+estimated)\s+)?"
    rf"(?:(?:[$£€¥]\s?|\b)\d[\d,]*(?:\.\d+)?(?:\s?{_SCALE}\b|%)?|"
    rf"\b{_NUMBER_WORD}(?:[- ]{_NUMBER_WORD})*(?:\s+{_SCALE}\b)?)"
    r"(?:-(?:year|month|week|day|hour|minute|match|game|point|yard|mile|foot|inch)s?(?:-old)?)?"
    r"(?:\s+(?P<unit>[a-z]+))?",
    re.I,
)
_UNITS = frozenset(
    """people persons years months weeks days hours minutes seconds miles kilometers km meters
    metres feet inches pounds kilograms kg grams tons tonnes acres points goals games matches
    percent dollars euros votes seats cases deaths homes houses buildings firefighters
    students children patients workers employees jobs times members troops soldiers""".split()
)
_CAP = r"(?:[A-Z][\w’'.&-]*|\d+(?:st|nd|rd|th)?)"
_RUN = re.compile(
    rf"[A-Z][\w’'.&-]*(?:(?:\s+|-)(?:(?:of|de|del|da|von|van|der|den|al|bin|la|le|du|and|for|"
    rf"the|on)\s+)*{_CAP})*"
)
_QUOTED = re.compile(r"“([^”]{3,})”|\"([^\"]{3,})\"")
_TITLES = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col sgt capt president prime minister secretary
    king queen prince princess pope chancellor judge justice mayor governor senator coach
    chief ceo officer director head former late the a an st saint""".split()
)
_ORG_WORDS = frozenset(
    """university college school court committee council department ministry agency company
    corp corporation inc ltd llc group bank party association club team fund foundation
    institute hospital center centre museum board commission service services network news
    times post journal airlines airline organization organisation administration office
    police army navy force league federation union house senate congress parliament""".split()
)
_PLACE_BEFORE = re.compile(r"(?:\b(?:in|at|near|from|to|outside|into|across|of)\s+(?:the\s+)?)$")
_CALENDAR = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday""".split()
)


def find_candidates(sentence: str, kind: Kind, asked: set[str]) -> list[Candidate]:
    """Spans of ``sentence`` of ``kind`` holding a word the question (``asked``: its folded
    words) does not, best fitting first.

    >>> s = "The fire broke out at a depot in Sitakunda, about 40 km from Chittagong."
    >>> [c.text for c in find_candidates(s, "place", {"fire", "depot", "where"})][:2]
    ['Sitakunda', 'Chittagong']
    """
    if kind == "quote":
        found = _quotes(sentence)
    elif kind == "number":
        found = _numbers(sentence)
    elif kind == "date":
        found = _dates(sentence)
    else:
        found = _names(sentence, kind)
    fresh = [c for c in found if _new_words(c.text, asked)]
    return sorted(fresh, key=lambda c: c.fit, reverse=True)


def _new_words(text: str, asked: set[str]) -> bool:
    tokens = [fold(t).strip(".,'’-") for t in re.findall(r"[\w’'.,-]+", text)]
    return any(t and t not in asked and t not in _TITLES and t not in STOPWORDS for t in tokens)


def _quotes(sentence: str) -> list[Candidate]:
    found = []
    for match in _QUOTED.finditer(sentence):
        group = 1 if match.group(1) is not None else 2
        start, end = match.span(group)
        text = sentence[start:end].strip(" ,.")
        if len(text.split()) >= 2:
            start = sentence.index(text, start)
            found.append(Candidate(start, start + len(text), text, min(1.0, len(text) / 80)))
    return found


def _numbers(sentence: str) -> list[Candidate]:
    found = []
    for match in _NUMBER.finditer(sentence):
        start, end = match.span()
        unit = match.group("unit")
        if unit is not None and unit.lower() not in _UNITS:
            end = match.start("unit")
        text = sentence[start:end].rstrip(" ,.")
        bare = text.lower()
        if not text or bare in {"one", "half"} or _CLOCK.search(bare):
            continue
        is_year = re.fullmatch(r"(?:1[89]|20)\d\d", bare) is not None
        has_digit = any(c.isdigit() for c in text)
        fit = 0.4 if is_year else (1.0 if has_digit else 0.7)
        found.append(Candidate(start, start + len(text), text, fit))
    return found


def _dates(sentence: str) -> list[Candidate]:
    found = []
    for match in _DATE.finditer(sentence):
        text = match.group()
        fit = 1.0 if any(c.isdigit() for c in text) and not text.isdigit() else 0.7
        found.append(Candidate(match.start(), match.end(), text, fit))
    return found


def _names(sentence: str, kind: Kind) -> list[Candidate]:
    found = []
    for match in _RUN.finditer(sentence):
        start, end = match.span()
        text = match.group()
        words = text.split()
        # The sentence's first word is capitalised whatever it is: drop it when it is common.
        while words and (fold(words[0]) in STOPWORDS or fold(words[0]).rstrip(".") in _TITLES):
            start = sentence.index(words[1], start) if len(words) > 1 else end
            words = words[1:]
        while words and fold(words[-1]).strip(".,") in STOPWORDS | {"and", "of"}:
            words = words[:-1]
        text = " ".join(words).rstrip(".,’'")
        if text.endswith(("’s", "'s")):
            text = text[:-2]
        if not text or all(fold(w).strip(".,") in _CALENDAR for w in text.split()):
            continue
        if text not in sentence[start:]:
            continue
        start = sentence.index(text, start)
        found.append(
            Candidate(start, start + len(text), text, _name_fit(sentence, start, text, kind))
        )
    return found


def _name_fit(sentence: str, start: int, text: str, kind: Kind) -> float:
    words = text.split()
    org = fold(words[-1]).strip(".,") in _ORG_WORDS or any(fold(w) in _ORG_WORDS for w in words)
    placed = _PLACE_BEFORE.search(sentence[max(0, start - 12) : start]) is not None
    if kind == "person":
        if org:
            return 0.2
        return 0.9 if 2 <= len(words) <= 4 else 0.6
    if kind == "place":
        return 0.9 if placed else (0.3 if org else 0.5)
    return 0.7 if len(words) >= 2 else 0.6
