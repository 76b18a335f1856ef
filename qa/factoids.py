"""What a question asks for, and the words of a sentence that could be it: rules, not a model.

``asked_kind`` reads the wh-phrase ("who", "how many", "in which town", "what did X say");
``find_candidates`` returns the spans of a sentence of that kind that the question does not
already contain: a person's or organisation's name, a place, a date or time, a number or an
amount, or quoted words, leaving out those ``qa.sorts`` shows to be of another sort than asked
(a team for "which quarterback", a weight for "how much did it cost"). The offline answerer
leads its answer with the best of them, and refuses when none is left.

Why rules: the one English NER model people install from PyPI (spaCy's en_core_web_sm) is not
published there by its authors (only unofficial re-uploads are), nothing may be downloaded at run
time, and news prose marks its names with capitals and its numbers with digits, which a few
regular expressions read in microseconds per sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from qa.sorts import (
    CHANGE_Q,
    COMMON_ABBREVIATIONS,
    CONFLICTS,
    COUNTRIES,
    FITS,
    IRREGULAR_PAST,
    MONEY_Q,
    ORG_WORDS,
    PERSON_NOUNS,
    PLACE_WORDS,
    PLACES,
    STATES,
    TITLE_WORDS,
    Sort,
    agreement,
    asked_sort,
    counted_event,
    followed_by_region,
    is_share,
    names_a_person,
    team_of_a_place,
    titled_name,
)
from qa.stance import asks_what_happened, may_hedge, reports_poll, stated
from qa.text import STOPWORDS, content_terms, fold, stem, with_demonyms

Kind = Literal["person", "name", "place", "date", "number", "quote"]

_SPEAKER = re.compile(
    r"^\s*what\s+(?:did|does|has|have|had|do|will|is|was)\s+(.+?)\s+"
    r"(?:say|said|tell|told|think|thought|claim|claimed|state|announce|announced|write|wrote|"
    r"argue|argued|warn|warned|mean|call|called|propose|proposed|describe|described|"
    r"text|texted|tweet|tweeted|post|posted|message|messaged|email|emailed|vow|vowed|"
    r"promise|promised|pledge|pledged|predict|predicted)\b(.*)$",
    re.IGNORECASE,
)
# "How did Ed Smith describe the sequoia groves?": the words he used are the short answer; the
# sentences are chosen on all the question's words (the thing described is often "the move").
_DESCRIBES = re.compile(
    r"^\s*how\s+(?:did|does|do|has|have|had|will|would)\s+.+?\s+"
    r"(?:describe|described|characteri[sz]e|characteri[sz]ed|sum\s+up)\b",
    re.IGNORECASE,
)
# "What was the House vote count?", "the final score", "By what vote": a tally is asked.
_TALLY_ASKED = (
    r"\bwhat\s+(?:is|was|were)\s+the\s+(?:\w+\s+){0,2}(?:score|scoreline|vote|tally)\b|"
    r"\bby\s+what\s+(?:vote|margin|score)\b"
)
_NUMBER_Q = re.compile(
    r"\bhow\s+(?:many|much|long|old|far|fast|big|large|high|tall|often|deep|heavy|wide|strong)\b|"
    # "What annual US inflation rate": up to three words of the noun phrase, no verb or small
    # word among them ("What happened to the price?" asks no number)
    r"\bwhat\s+(?:(?!(?:is|was|are|were|did|does|do|will|has|had|have|would|could|can|to|the|"
    r"a|an|of|in|on|for|with|about|at|by|from)\b)(?![\w’'.-]+ed\s)[\w’'.-]+\s+){0,3}?"
    r"(?:percentage|percent|share|proportion|number|age|amount|price|"
    r"score|speed|size|distance|sum|margin|rate|temperature|total)\b|\bby\s+how\s+much\b|"
    # "What was the US average diesel price", "What was China's birth rate"
    r"\bwhat\s+(?:is|was|are|were|will\s+be)\s+(?:the\s+)?(?:[\w’'.-]+\s+){0,4}?"
    r"(?:price|cost|value|salary|rate)\b|"
    rf"{_TALLY_ASKED}|"
    # "On what bond were they released?", "What average annual salary does it carry?"
    r"\bwhat\s+(?:[a-z]+\s+){0,2}(?:salary|bond|bail|fine|fee|budget|payout|wage|bonus|ransom|"
    r"reward|bounty|valuation)\b",
    re.I,
)
_DATE_Q = re.compile(
    r"^\s*when\b|\bsince\s+when\b|\b(?:what|which)\s+(?:date|day|month|year|time|hour)s?\b|"
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
# "Which *Texas Department of Criminal Justice* spokesperson": a name before the noun asked.
_NAMED_BY = r"(?:(?-i:[A-Z][\w.&’'-]*)\s+(?:(?:of|for|and|the)\s+)?){0,6}"
# The person nouns of qa.sorts, longest first so that "spokeswoman" is not read as "spokes".
_PERSON_NOUNS = "|".join(re.escape(n) for n in sorted(PERSON_NOUNS, key=len, reverse=True))
_PERSON_NOUN = re.compile(_PERSON_NOUNS, re.I)
# Words that end the wh-phrase before a person noun: "Which race *did* cyclist ... win", "in
# which *a* diner found".
_NOT_MODIFIER = r"(?:a|an|the|did|does|do|is|was|were|are|will|would|has|had|have|can|could)"
_PERSON_Q = re.compile(
    rf"^\s*(?:who|whom|whose)\b|\b(?:who|whom)\s+(?:did|does|is|was|were|will|has|had)\b|"
    rf"\bwhat\s+(?:is|was|are|were)\s+the\s+names?\s+of\b|"
    rf"\b(?:which|what)\s+{_NAMED_BY}(?:(?!{_NOT_MODIFIER}\b)\w+\s+){{0,2}}(?:{_PERSON_NOUNS})\b",
    re.I,
)
# "which team", "what company", "what is the name": not "what happened", "what did they do".
_NAME_Q = re.compile(
    r"\bwhich\s+\w+|\bwhat\s+(?:is|was)\s+the\s+names?\b|\bwhat\s+(?:\d{4}\s+)?(?!(?:is|was|are|were|did|"
    r"does|do|has|have|had|will|would|can|could|should|may|might|must|happened|happens|"
    r"happen|caused|causes|made|makes|led|leads|prompted|kind|sort|type|about|if|else|went|"
    r"changed|remains|comes|came|goes|exactly|really|now|then|else)\b)[a-z]+\s+\w+",
    re.I,
)
_NOT_FACTOID = re.compile(
    r"^\s*(?:why|how\s+(?:did|does|do|is|are|was|were|can|could|will))\b", re.I
)
# "Who is Alexander Lukashenko?", "Who was James Webb, the telescope's namesake?"
_DEFINITION = re.compile(
    r"^\s*(?i:who|what)\s+(?:is|was|are|were)\s+((?:[A-Z][\w.'’-]*\s*)+)(?:,\s.*)?\?*$"
)


def asked_kind(question: str) -> Kind | None:
    """The kind of short answer ``question`` asks for, or None (why, how, what is X).

    >>> asked_kind("Where in Bangladesh did the fire kill 49 people?")
    'place'
    >>> asked_kind("How many people died?"), asked_kind("What did Xi say about sanctions?")
    ('number', 'quote')
    >>> asked_kind("Who is Alexander Lukashenko?") is None
    True
    """
    if _SPEAKER.match(question) or _DESCRIBES.match(question):
        return "quote"
    if _DEFINITION.match(question.strip()):
        return None
    if _NOT_FACTOID.match(question) and not _NUMBER_Q.search(question):
        return None
    if _NUMBER_Q.search(question):
        return "number"
    if _DATE_Q.search(question):
        return "date"
    if names_a_person(question):
        return "person"  # "Which Bay County couple": a couple, whatever place names it
    for kind, pattern in (("place", _PLACE_Q), ("person", _PERSON_Q), ("name", _NAME_Q)):
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
    rf"\b{_WEEKDAY}s?\b|\b(?:1[89]\d\d|20\d\d)s?\b|"
    r"\b\d{1,2}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)|\b(?:noon|midnight)\b"
)
_CLOCK = re.compile(r"\d(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am|pm)$|noon|midnight")
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds|thousands|dozens|hundred|thousand|dozen|half)"
)
# Units after "3 in 10" that make it a count over a span, not a share.
_MEASURE_AFTER = (
    r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|games?|matches|races?|seasons?|"
    r"starts?|attempts?|innings|tries|shots)\b"
)
_SCALE = r"(?:million|billion|trillion|thousand|hundred|m|bn|k|%|percent|per\s+cent)"
_NUMBER = re.compile(
    r"(?:\b(?:about|around|roughly|nearly|almost|approximately|some|over|under|at\s+least|"
    r"up\s+to|more\s+than|less\s+than|fewer\s+than|an\s+estimated)\s+)?"
    rf"(?:(?:[$£€¥]\s?|\b)\d[\d,]*(?:\.\d+)?(?:\s?{_SCALE}\b|%)?|"
    rf"\b{_NUMBER_WORD}(?:[- ]{_NUMBER_WORD})*(?:\s+{_SCALE}\b)?)"
    r"(?:[- ]and[- ]a[- ]half\b)?"  # "five-and-a-half hours"
    r"(?:-(?:year|month|week|day|hour|minute|match|game|point|yard|mile|foot|inch|pound|ton|"
    r"tonne|kilogram|gram|ounce|gallon|acre|meter|metre|kilometer|story)s?(?:-old)?|"
    r"-(?:thirds?|quarters?|fifths?|tenths?)\b)?"  # "two-thirds": a share, not "two"
    # "2 out of every 3", "one in five": a share written as a ratio, read whole. "in" only
    # before a small number that no unit follows ("3 in 10 games" counts goals).
    rf"(?:\s+out\s+of\s+(?:every\s+)?(?:\d[\d,]*|{_NUMBER_WORD})\b|"
    rf"\s+in\s+(?:every\s+)?(?:\d{{1,3}}|{_NUMBER_WORD})\b(?![\d,.]|\s+{_MEASURE_AFTER}))?"
    r"(?:\s+(?P<unit>[a-z]+))?",
    re.I,
)
_UNITS = frozenset(
    """people persons years months weeks days hours minutes seconds miles kilometers km meters
    metres feet inches pounds kilograms kg grams tons tonnes acres points goals games matches
    percent dollars euros votes seats cases deaths homes houses buildings firefighters
    students children patients workers employees jobs times members troops soldiers mph kph
    knots degrees births""".split()
)
_CAP = r"(?:[A-Z][\w’'.&-]*|\d+(?:st|nd|rd|th)?)"
# A run of capitalised words, joined by spaces, hyphens or slashes ("Dallas/Fort Worth" is one
# metro area), with the small words that join a name's parts.
_RUN = re.compile(
    rf"[A-Z][\w’'.&-]*(?:(?:\s+|-|/)(?:(?:of|de|del|da|von|van|der|den|al|bin|la|le|du|and|for|"
    rf"the|on)\s+)*{_CAP})*"
)
_QUOTED = re.compile(r"“([^”]{3,})”|\"([^\"]{3,})\"")
_TITLES = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col sgt capt president prime minister secretary
    king queen prince princess pope chancellor judge justice mayor governor senator coach
    chief ceo officer director head former late the a an st saint""".split()
)
# Words after a name that do not make it a modifier ("Ukraine and", "Texas said").
_NOT_MODIFIED = frozenset("and or on in at to by for from with is was has had will said".split())
_PLACE_BEFORE = re.compile(r"(?:\b(?:in|at|near|from|to|outside|into|across|of)\s+(?:the\s+)?)$")
_CALENDAR = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday""".split()
)


@dataclass(frozen=True)
class Ask:
    """What a factual question asks for: the kind, the noun it names ("which *court*", "how
    many *firefighters*"), a detail of a date ("year", "time") and the question's own words."""

    kind: Kind
    words: frozenset[str]
    noun: str | None = None
    detail: str | None = None
    sort: Sort | None = None  # the sort of thing asked for (``qa.sorts``): a person, money ...
    happened: bool = True  # it asks what happened, not what may ("qa.stance")
    per: str | None = None  # the period of a rate asked for: "how much per *year*"
    event: re.Pattern[str] | None = None  # what a count counts: the dead ("qa.sorts")
    acronyms: frozenset[str] = frozenset()  # its words written in capitals ("US", "WHO")
    years: frozenset[str] = frozenset()  # years it names after its wh-word ("... in 2022?")
    polled: bool = False  # it asks what a poll or survey found
    qualifier: str | None = None  # the name before its noun: "NAACP" of "which NAACP leader"
    opening: str | None = None  # the preposition it opens with: "From whom", "By how much"
    agents: frozenset[str] = frozenset()  # "Who hosted ...?": the host, who hosts
    tally: bool = False  # "What was the House vote count?": a tally like "220-207"
    places: frozenset[str] = frozenset()  # countries and US states it names after its wh-word


_ASKED_NOUN = re.compile(
    r"\b(?:which|what|how\s+many|how\s+much)\s+(?:[\w’'-]+\s+){0,2}?([a-z]+)\b"
    r"(?=\s+(?:did|does|do|is|was|were|will|has|had|are|have|of|in|to|had)\b|\s*[?,])",
    re.I,
)


def read_question(question: str) -> Ask | None:
    """The ``Ask`` of a short factual question, None for any other question.

    >>> read_question("Which German court sentenced him?").noun
    'court'
    >>> read_question("In what year did Pat Bowlen die?").detail
    'year'
    """
    kind = asked_kind(question)
    if kind is None:
        return None
    lowered = question.lower()
    detail = None
    if kind == "date":
        detail = next(
            (
                d
                for d in ("year", "time", "month", "date")
                if re.search(rf"\b(?:what|which)\s+{d}\b", lowered)
            ),
            "time" if re.search(r"\b(?:what|which)\s+hour\b", lowered) else None,
        )
    elif kind == "number" and MONEY_Q.search(lowered) and not CHANGE_Q.search(lowered):
        detail = "money"  # not "how much did prices rise": by a sum or by a share
    noun = _asked_noun(question)
    rate = _RATE_Q.search(question) if kind == "number" else None
    per = (rate.group(1) or rate.group(2)).lower() if rate else None
    if per is not None and noun == per:
        noun = None  # "How much more per month was ...": the rate's period names no answer
    tally = kind == "number" and _TALLY_Q.search(question) is not None
    if tally:
        detail = None  # "What was the vote on the budget?" asks for a tally, not a sum
    sort = None if tally else asked_sort(question, kind, noun, detail)
    happened = asks_what_happened(question)
    event = counted_event(question) if kind == "number" else None
    # "a US drone strike" names the United States; "at Wimbledon" names no "Ajla Tomljanovic".
    acronyms = frozenset(
        fold(t).replace(".", "") for t in re.findall(r"\b[A-Z][A-Z.]+", question) if len(t) > 1
    ) | _name_initials(question)
    words = frozenset(_fold_words(question))
    # "When is the runoff in 2022?" dates the answer; "Before the case in July 2022, when was
    # the last one?" only sets the scene: a year counts after the wh-word.
    wh = re.search(r"\b(?:when|what|which|how|who|where)\b", question, re.I)
    years = _years_asked(question[wh.end() if wh else 0 :])
    if re.search(r"\bsince\s+(?:when|what)\b", lowered):
        years = frozenset()  # "Since when had inflation not risen as fast as in 2021?": before it
    polled = reports_poll(question)
    qualifier = _qualifier(question, noun)
    opening = _OPENING.match(question)
    return Ask(
        kind,
        words,
        noun,
        detail,
        sort,
        happened,
        per,
        event,
        acronyms,
        years,
        polled,
        qualifier,
        opening.group(1).lower() if opening else None,
        _agent_nouns(question) if kind == "person" else frozenset(),
        tally,
        _places_asked(question[wh.end() if wh else 0 :]),
    )


_TALLY_Q = re.compile(_TALLY_ASKED, re.I)
_OPENING = re.compile(
    r"^\s*(from|to|with|by|for|against|on|at)\s+(?:whom|what|which|how\s+(?:much|many))\b", re.I
)
_AUXILIARIES = frozenset("did does do is was were will has had have would could can".split())
# "Who hosted", "Who will host", "Who has been named": the verb after "who" and its helpers.
_WHO_DID = re.compile(
    rf"^\s*who\s+(?:(?:{'|'.join(sorted(_AUXILIARIES | {'be', 'been', 'being'}))})\s+){{0,2}}"
    r"([a-z]+)\b",
    re.I,
)
_IRREGULAR_AGENTS = {
    "won": "winner",
    "wins": "winner",
    "led": "leader",
    "leads": "leader",
    "wrote": "writer",
    "sang": "singer",
    "shot": "shooter",
    "built": "builder",
    "bought": "buyer",
    "sold": "seller",
    "taught": "teacher",
    "drove": "driver",
    "fought": "fighter",
    "ran": "runner",
    "made": "maker",
    "beat": "winner",
}


def _agent_nouns(question: str) -> frozenset[str]:
    """What news calls the one who did what a "who" question asks about: "Who hosted the
    Grammys?" is answered by "host Trevor Noah", "Who designed it?" by "designer ..."."""
    match = _WHO_DID.match(question)
    if match is None:
        return frozenset()
    verb = match.group(1).lower()
    if verb in _AUXILIARIES or verb in STOPWORDS:  # "Who is the CEO": no deed asked
        return frozenset()
    if verb in _IRREGULAR_AGENTS:
        return frozenset({_IRREGULAR_AGENTS[verb]})
    bases = {
        verb[: -len(ending)]
        for ending in ("ed", "d", "es", "s", "ing")
        if verb.endswith(ending) and len(verb) - len(ending) >= 3
    }
    agents = set()
    for base in bases:
        agents |= {base, base + "er", base + "or", base + "r"}
    return frozenset(agents - _AUXILIARIES - {verb})


def _qualifier(question: str, noun: str | None) -> str | None:
    """The capitalised word right before the asked noun ("NAACP" in "Which NAACP leader",
    "French" in "Which French president", "Giuliani" in "Rudy Giuliani's attorney") or right
    after it ("JetBlue" in "the CEO of JetBlue"), folded."""
    if noun is None:
        return None
    found = re.search(
        rf"(?<!^)\b([A-Z][\w.&-]*?)(?:[’']s)?\s+(?i:{re.escape(noun)})\b", question.strip()
    ) or re.search(rf"\b(?i:{re.escape(noun)})\s+(?:of|at)\s+(?:the\s+)?([A-Z][\w.&-]*)", question)
    # "Whom did the Miami Dolphins hire as head coach": the body that hires names the post.
    found = found or (_HIRER.search(question) if _HIRED_AS.search(question) else None)
    return fold(found.group(1)).strip(".") if found else None


_HIRER = re.compile(
    r"\b(?:did|does|do|will|has|have|had|were|was|are|is)\s+(?:the\s+)?(?:[A-Z][\w.&-]*\s+)*"
    r"([A-Z][\w.&-]*)\s+(?:hire|hiring|name|naming|appoint|appointing|pick|picking|choose|"
    r"choosing|select|selecting|tap|tapping|promote|promoting|install|installing)\b"
)


_PERIODS = r"(year|season|month|week|day|hour|game|match)"
# "per year", "a season": not "a week of formula", "a year ago"; "per 1,000 people".
_RATE_Q = re.compile(
    rf"\b(?:per|a|an|each)\s+{_PERIODS}\b(?!\s+(?:of|ago|earlier|later|before|after)\b)"
    r"|\bper\s+(\d[\d,]*)\b",
    re.I,
)
_YEARLY = re.compile(r"^\s*(?:annual(?:ly)?|yearly)\b|\b(?:annual|yearly)\s+$", re.I)


def _states_rate(sentence: str, candidate: Candidate, per: str) -> bool:
    """Whether the number is given per ``per`` ("$29 million per year", "a year", "annual")."""
    after = sentence[candidate.end : candidate.end + 30]
    if re.match(rf"\s*(?:[\w-]+\s+)?(?:per|a|an|each|every)\s+{re.escape(per)}\b", after, re.I):
        return True
    if per in ("game", "match") and _AVERAGED.search(sentence[: candidate.start]):
        return True  # "James averaged 30.3 points": a player's average is per game
    before = sentence[max(0, candidate.start - 12) : candidate.start]
    return per == "year" and bool(_YEARLY.search(after[:12]) or _YEARLY.search(before))


def _years_asked(text: str) -> frozenset[str]:
    """The years a question dates its answer by: "When is the runoff in 2022?", "the 2022
    Australian Open final". Not a year that names a common thing ("the 2013 data breach" was
    revealed in 2016), nor one in a clause after a comma ("..., later found in October 2017")."""
    main = text.split(",", 1)[0]
    return frozenset(
        year.group()
        for year in _YEAR.finditer(main)
        if not re.match(r"\s+(?!(?:to|and|or|for|in|on|at)\b)[a-z]", main[year.end() :])
    )


_AVERAGED = re.compile(r"\baverag(?:ed|es|ing)\s+(?:a\s+|an\s+|about\s+|nearly\s+)?$", re.I)


# The head of the noun phrase a question names its answer by: "the name of the *son* of",
# "Who is the JetBlue *CEO*", "Roughly how many *firefighters* fought".
_NAME_OF = re.compile(r"\bnames?\s+of\s+(.+)", re.I)
# "Who is the JetBlue CEO", "Who was Rudy Giuliani's attorney", "Who became the first president"
_WHO_IS = re.compile(
    r"^\s*(?i:who\s+(?:is|was|are|were|became|becomes|(?:will|would|has|had)\s+(?:be|been|become))\s+)"
    r"(?:(?i:the|a|an)\s+|(?:[A-Z][\w.-]*\s+){0,3}"
    r"[A-Z][\w.-]*[’']s\s+)(.+)"
)
_WH_NOUN = re.compile(r"\b(?:which|what|how\s+many|how\s+much)\s+(.+)", re.I)
_PHRASE_END = frozenset(
    """of who whom that which whose for at in on to from with by after before during when where per
    did does do is was were will has had are have would could can should""".split()
)
_NOT_NOUNS = frozenset(
    "did does do is was were time year date day name him her them it us more less".split()
)
# Verbs in the present that take "to" after them ("Which countries want to join"), read as the
# noun asked when the wh-phrase runs on to "to".
_TAKES_TO = frozenset(
    """want wants plan plans hope hopes need needs try tries agree agrees decide decides refuse
    refuses intend intends aim aims seek seeks wish wishes expect expects threaten threatens
    promise promises fail fails tend tends continue continues""".split()
)
# "Which two brothers": how many are asked for, not what.
_COUNTING = frozenset(
    """two three four five six seven eight nine ten both several former then current new
    late acting interim incoming outgoing longtime""".split()
)


def _asked_noun(question: str) -> str | None:
    for pattern in (_NAME_OF, _WHO_IS):
        match = pattern.search(question)
        if match:
            head = _phrase_head(match.group(1))
            if head:
                return head
    counted = _counted_noun(question)
    if counted:
        return counted
    hired = _HIRED_AS.search(question)
    posts = [w for w in hired.group(1).lower().split() if w in TITLE_WORDS] if hired else []
    if posts:
        return posts[-1]  # "Whom did they hire as head coach": a coach
    owner = re.search(r"\b(?i:which|what)\s+([a-z]+)[’']s\b", question)
    if owner:
        return owner.group(1)  # "which country's laboratory": a country
    found = _ASKED_NOUN.search(question)
    if (
        found
        and found.group(1)[0].islower()
        and found.group(1) not in _PHRASE_END | _NOT_NOUNS
        and not _is_past_verb(found.group(1))  # "Which Delta executive *said* in March"
        # "Which countries *want* to join NATO": a verb that takes "to", not the noun asked
        and not (
            found.group(1).lower() in _TAKES_TO
            and re.match(r"\s+to\b", question[found.end(1) :]) is not None
        )
        # nor a word after the question's verb ("Which candidate came *fourth* in")
        and not any(
            _is_past_verb(w) or w.lower() in _AUXILIARIES for w in found.group(0).split()[1:-1]
        )
    ):
        return found.group(1).lower()
    # "which German *court* sentenced", "how many *firefighters* fought": its first common noun.
    match = _WH_NOUN.search(question)
    tokens = re.findall(r"[\w’'-]+|[,?]", match.group(1)) if match else []
    for at, token in enumerate(tokens):
        folded = token.lower()
        if _inside_name(tokens, at):
            continue  # "Department *of* Criminal Justice spokesperson"
        if token in {",", "?"} or folded in _PHRASE_END:
            break
        following = tokens[at + 1] if at + 1 < len(tokens) else ""
        # "Which former Trump Energy *Secretary*", not "Justice" before "spokesperson"
        if token[0].isupper() and folded in TITLE_WORDS and not _PERSON_NOUN.fullmatch(following):
            return str(folded)
        if token[0].islower() and folded not in _COUNTING | STOPWORDS:
            folded = re.sub(r"[’']s$", "", _run_head(tokens, at).lower())
            return None if folded in _NOT_NOUNS else folded
    return None


def _run_head(tokens: Sequence[str], at: int) -> str:
    """The last noun of the run of common words from ``tokens[at]``: "prime *minister*",
    "pop *star*", "annual US inflation *rate*" (an acronym may stand inside), up to the
    question's verb ("Which Russian lawmaker *warned*", "Which Japanese prime minister stood")."""
    head = at
    step = at + 1
    while step < len(tokens):
        word = tokens[step]
        if word.isupper() and len(word) > 1 and step + 1 < len(tokens):
            step += 1  # "annual US inflation rate": the acronym modifies what follows
            continue
        after = tokens[step + 1] if step + 1 < len(tokens) else "?"
        noun_like = (
            word[:1].islower()
            and word.lower() not in _PHRASE_END | STOPWORDS
            and not _is_past_verb(word)
            and not _is_adverb(word)  # "Which coach *mistakenly* texted", "which reporter first"
            # "Which company owns the team": a word in -s before a determiner is a verb.
            and not (word.endswith("s") and after.lower() in _DETERMINERS)
            and not (word.lower() in _TAKES_TO and after.lower() == "to")  # "countries *want* to"
        )
        if not noun_like:
            break
        head = step
        step += 1
    return tokens[head]


_DETERMINERS = frozenset("the a an his her its their our my this that these those".split())


def _is_adverb(word: str) -> bool:
    lowered = word.lower()
    return lowered in _ADVERBS or (lowered.endswith("ly") and len(lowered) > 4)


_ADVERBS = frozenset("first also just still never ever later then now once already again".split())


def _is_past_verb(word: str) -> bool:
    """A past tense: the question's verb, not the noun it asks for."""
    lowered = word.lower()
    return lowered in IRREGULAR_PAST or (lowered.endswith("ed") and len(lowered) > 4)


def _inside_name(tokens: Sequence[str], at: int) -> bool:
    """Whether ``tokens[at]`` is "of", "for" or "and" between two capitalised words."""
    return (
        0 < at < len(tokens) - 1
        and tokens[at] in {"of", "for", "and"}
        and tokens[at - 1][0].isupper()
        and tokens[at + 1][0].isupper()
    )


# "Whom did they hire as head coach", "Who was named to be the new CEO": the post asked.
_HIRED_AS = re.compile(
    r"^\s*(?:who|whom)\b.*?\b(?:hire[sd]?|hiring|name[sd]?|naming|appoint(?:s|ed|ing)?|"
    r"pick(?:s|ed)?|cho(?:o)?se[sn]?|select(?:s|ed)?|tap(?:s|ped)?|promot(?:e|es|ed)|"
    r"install(?:s|ed)?)\b(?:\s+[\w’'-]+){0,4}?\s+(?:as|to\s+be)\s+(?:the\s+|its\s+|their\s+|"
    r"a\s+|an\s+)?"
    r"((?:[a-z]+\s+){0,2}[a-z]+)",
    re.I,
)
_PLURALS = frozenset("people men women children police staff crew".split())


def _counted_noun(question: str) -> str | None:
    """What "how many" counts: the first plural among the next five words ("How many medical
    *professionals* tried to ...", not the verb after them)."""
    match = re.search(r"\bhow\s+many\s+((?:[a-z][\w’'-]*\s*){1,5})", question, re.I)
    tokens: list[str] = match.group(1).split() if match else []
    for at, token in enumerate(tokens):
        folded = token.lower()
        if token.isupper():
            continue  # "How many US states": "US" is a name, not a plural
        if _is_plural(folded) and not (token[0].isupper() and _plural_follows(tokens[at + 1 :])):
            return folded  # "How many Texas prison units": a name before the noun is no plural
        if folded in _PHRASE_END:
            break
    return None


def _is_plural(word: str) -> bool:
    return word in _PLURALS or (word.endswith("s") and not word.endswith("ss"))


def _plural_follows(tokens: Sequence[str]) -> bool:
    for token in tokens:
        if token.lower() in _PHRASE_END:
            return False
        if token[0].islower() and _is_plural(token):
            return True
    return False


def _phrase_head(text: str) -> str | None:
    """The last word of the noun phrase ``text`` starts with (words up to a preposition, a
    relative pronoun, a verb of the question or a comma)."""
    head = None
    for token in re.findall(r"[\w’'-]+|[,?]", text):
        folded = token.lower()
        if token in {",", "?"} or folded in _PHRASE_END or folded in STOPWORDS - {"the"}:
            break
        if head is not None and token[0].islower() and _is_past_verb(folded):
            break  # "the name of the man *killed* in the attack": a man
        if folded not in {"the", "a", "an"} and not token[0].isdigit():
            head = folded
    return None if head in _NOT_NOUNS else head


def _fold_words(text: str) -> list[str]:
    # "Ghana's" in a question names Ghana: the possessive is not part of the word.
    folded = (fold(t).strip(".,'’-") for t in re.findall(r"[\w’'.,$£€%-]+", text))
    return [re.sub(r"['’]s$", "", t) for t in folded]


def find_candidates(sentence: str, ask: Ask) -> list[Candidate]:
    """Spans of ``sentence`` of the kind asked holding a word the question does not, best
    fitting first.

    >>> s = "The fire broke out at a depot in Sitakunda, about 40 km from Chittagong."
    >>> ask = read_question("Where did the depot fire break out?")
    >>> [c.text for c in find_candidates(s, ask)][:2]
    ['Sitakunda', 'Chittagong']
    """
    if ask.kind == "quote":
        found = _quotes(sentence)
    elif ask.kind == "number":
        found = _numbers(sentence, ask)
    elif ask.kind == "date":
        found = _dates(sentence, ask)
    else:
        found = _names(sentence, ask.kind)
        if ask.sort == "work":
            found += _titles(sentence, found)
        if ask.noun in _HANDLE_NOUNS:  # "What Twitter account did a fan start?": @payusback
            found += [
                Candidate(m.start(), m.end(), m.group(), 1.0) for m in _HANDLE.finditer(sentence)
            ]
    if ask.event is not None and not ask.event.search(sentence):
        return []  # a sentence about an evacuation counts no dead
    if ask.kind == "number" and ask.happened and not ask.polled and reports_poll(sentence):
        return []  # a poll's 51% forecasts the vote the question asks about
    other_years = ask.kind != "date" and _dated_otherwise(sentence, ask)
    other_place = ask.kind != "place" and ask.sort != "place" and _placed_otherwise(sentence, ask)
    fresh = []
    # Quoted words are what someone said, whatever mood they are in; the date or the place an
    # article gives ahead ("will take place May 27 in New Castle") is, as a rule, where it was.
    factual = ask.happened and ask.kind not in ("quote", "date", "place") and may_hedge(sentence)
    for candidate in found:
        share = _new_share(candidate.text, ask)
        if share <= 0:
            continue  # a span the question already says is no answer; a partly new one is less
        if _other_qualifier(sentence, candidate, ask):
            continue  # "former Soviet leader Joseph Stalin" for "which NAACP leader"
        if ask.sort == "age" and _age_of_another(sentence, candidate, ask):
            continue  # "22-year-old Bank of America Stadium" for how old the team's owner was
        agrees = agreement(ask.sort, sentence, candidate.start, candidate.end, ask.noun)
        if agrees == CONFLICTS:
            continue  # a team for "which quarterback", a weight for "how much did it cost"
        if ask.sort == "duration" and _other_time_unit(candidate.text, ask.noun):
            continue  # "more than 12 minutes" does not say how many hours a match lasted
        if ask.per and not _states_rate(sentence, candidate, ask.per):
            continue  # a contract's total for "how much per year"
        if factual and not stated(sentence, candidate.start, candidate.end):
            continue  # "faces up to 20 years" for the sentence he got, "either X or Y" for who won
        fit = candidate.fit * (0.5 + 0.5 * share)
        if ask.kind == "place" and ask.noun in _FINE_PLACES and candidate.text in _WIDE:
            fit *= 0.6  # "which town": not the country or state the story is in
        if ask.noun:
            # "Neuruppin Regional *Court*", "Vogue *magazine*", "100 *firefighters*", "Tony's
            # *son*": the noun the question names the answer by, next to it or nearby.
            nearness = _noun_nearness(sentence, candidate, ask)
            if nearness == 0 and agrees == FITS and ask.sort in ("work", "organisation"):
                # A title in quotation marks is written as the song or show asked; "the cover
                # of Vogue" names the magazine.
                nearness = 1
            fit += (0.0, NEAR_NOUN_BONUS, NEXT_TO_NOUN_BONUS)[nearness]
            if nearness < 2 and ask.sort == "count" and _counts_another(sentence, candidate, ask):
                fit *= OTHER_COUNT_FACTOR  # "21 billion scam calls" for "how many customers"
        if _named_as_asked(sentence, candidate, ask):
            fit += NEXT_TO_NOUN_BONUS
        if other_years:
            fit *= OTHER_YEAR_FACTOR  # "won the Stanley Cup in 2009, 2016 and 2017" for 2022
        if other_place:
            fit *= OTHER_PLACE_FACTOR  # "1,000 deaths in Portugal and Spain" for Texas's
        fresh.append(replace(candidate, fit=fit))
    nearest = _named_before_asked_number(sentence, fresh, ask)
    if nearest is not None:  # "Which bank's shares fell nearly 7%?": "Goldman Sachs falling
        # nearly 7%", not "JP Morgan down more than 4%" in the same sentence
        fresh = [replace(c, fit=c.fit + NEAR_NOUN_BONUS) if c is nearest else c for c in fresh]
    if ask.kind == "date" and "since" in ask.words:
        # "Since when had inflation not risen as fast?": the date a sentence says it is since
        # ("the fastest increase since June 1982"), not the report's "Wednesday".
        fresh = [
            replace(c, fit=c.fit + NEXT_TO_NOUN_BONUS) if _SINCE.search(sentence, 0, c.start) else c
            for c in fresh
        ]
    return sorted(fresh, key=lambda c: c.fit, reverse=True)


_SINCE = re.compile(r"\bsince\s+(?:at\s+least\s+|as\s+early\s+as\s+)?$", re.I)

OTHER_YEAR_FACTOR = 0.5
OTHER_PLACE_FACTOR = 0.5


def named_places(text: str) -> frozenset[str]:
    """The countries and US states ``text`` names, one name for each ("U.S." and "America"
    are "united states"), continents left out.

    >>> sorted(named_places("Deaths in Texas, the U.S. and South Korea"))
    ['south korea', 'texas', 'united states']
    """
    return frozenset(
        _PLACE_ALIASES.get(m.group(), m.group().lower()) for m in _place_names().finditer(text)
    )


def _places_asked(text: str) -> frozenset[str]:
    """The places a question places its answer in: those its main clause names, not one that
    sets the scene after "when", "after" ... ("... on the morning when Hurricane Grace hit
    Mexico?")."""
    # A follow-up's carried subject ("When were the first cases recorded? (Ghana, Marburg)")
    # names the story, not where its answer is: only the question itself counts.
    return named_places(_SUBORDINATE.split(text.split("?", 1)[0], 1)[0])


_SUBORDINATE = re.compile(
    r"\b(?:when|while|after|before|as|since|because|which|that|who|whose|where|until)\b", re.I
)


def _placed_otherwise(sentence: str, ask: Ask) -> bool:
    """True when the question places its answer in a country or a US state ("How many deaths
    did Texas record?") and the sentence names others only ("1,000 deaths in Portugal and
    Spain"); its people's word ("Texans", "Chinese") counts as naming the place."""
    if not ask.places:
        return False
    named = named_places(sentence)
    if not named or named & ask.places:
        return False
    # A US state is in the United States: "U.S. Capitol Police" for a North Carolina man, and
    # "in Texas" for a question about the US.
    if named == {"united states"} and ask.places & _STATE_NAMES:
        return False
    if "united states" in ask.places and named <= _STATE_NAMES:
        return False
    terms = set(content_terms(sentence))
    return not any(with_demonyms({stem(p)}) - {stem(p)} & terms for p in ask.places)


@functools.cache
def _place_names() -> re.Pattern[str]:
    names = sorted((COUNTRIES | STATES) - _CONTINENTS, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, names)) + r")(?![\w’'])")


_CONTINENTS = frozenset("Europe Asia Africa Antarctica".split())
_STATE_NAMES = frozenset(state.lower() for state in STATES)  # as ``named_places`` gives them
_PLACE_ALIASES = {
    **dict.fromkeys(["US", "U.S.", "USA", "America", "United States"], "united states"),
    **dict.fromkeys(["UK", "U.K.", "Britain", "Great Britain", "United Kingdom"], "united kingdom"),
}
# A year after these words dates something else than the sentence's deed: "the team's first
# Stanley Cup *since* 2001" is this year's win, and "his first title since May 2021" this one.
_REFERENCE_YEAR = re.compile(
    r"\b(?:since|before|after|until|than|from)\s+(?:(?:in|on|at|during)\s+)?"
    r"(?:(?:early|late|mid)-?\s*)?"
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?(?:\d{1,2},?\s+)?$",
    re.I,
)


def _dated_otherwise(sentence: str, ask: Ask) -> bool:
    """True when the question dates its answer by a year ("Who won the Stanley Cup in 2022?")
    and the sentence dates its deed by other years only ("won the Stanley Cup in 2009, 2016
    and 2017")."""
    if not ask.years:
        return False
    years = {
        m.group()
        for m in _YEAR.finditer(sentence)
        if not _REFERENCE_YEAR.search(sentence, max(0, m.start() - 20), m.start())
    }
    return bool(years) and not years & ask.years


_TIME_UNITS = frozenset("second minute hour day week month year decade century".split())


def _time_unit(word: str | None) -> str | None:
    singular = re.sub(r"(?:ies|s)$", lambda m: "y" if m.group() == "ies" else "", word or "")
    return singular if singular in _TIME_UNITS else None


def _other_time_unit(text: str, noun: str | None) -> bool:
    """True when the question counts in one unit of time ("how many hours") and the span
    measures in another ("12 minutes")."""
    asked = _time_unit(noun)
    words = text.lower().split()
    own = _time_unit(words[-1]) if words else None
    return asked is not None and own is not None and own != asked


def _named_before_asked_number(
    sentence: str, found: Sequence[Candidate], ask: Ask
) -> Candidate | None:
    """Of two or more candidates, the one right before (within a few words) a number the
    question states, when the sentence states it too."""
    if ask.kind == "number" or len(found) < 2:
        return None
    dated = any(_MONTH_IN.fullmatch(w) for w in ask.words)  # "January 18": a day, no anchor
    asked = [
        w
        for w in ask.words
        if re.fullmatch(r"[$£€]?\d[\d,.]*%?", w)  # a number, not "BZ4X"
        and not _YEAR.fullmatch(w)
        and not (dated and re.fullmatch(r"\d{1,2}", w))
    ]
    spots = [
        m.start()
        for w in asked
        for m in re.finditer(rf"(?<![\w.]){re.escape(w)}(?![\w])", sentence, re.I)
    ]
    if not spots:
        return None
    # The name the number is said of comes before it ("Goldman Sachs falling nearly 7%").
    before = [(spot - c.end, c) for spot in spots for c in found if 0 <= spot - c.end <= 30]
    return min(before, key=lambda gap: gap[0])[1] if before else None


_HANDLE_NOUNS = frozenset({"account", "handle", "username"})
_HANDLE = re.compile(r"(?<![\w@.])@\w{2,}")
NEAR_NOUN_BONUS = 0.3
NEXT_TO_NOUN_BONUS = 0.6
_WIDE = COUNTRIES | STATES
_FINE_PLACES = frozenset(
    """city town village neighborhood neighbourhood district suburb borough county region
    province area station street venue stadium arena airport hospital prison park site
    location community camp port""".split()
)


# Nouns news prose uses for one another: the question's "lawyer" is the article's "attorney".
SAME_NOUN: dict[str, tuple[str, ...]] = {
    "lawyer": ("attorney", "counsel"),
    "attorney": ("lawyer", "counsel"),
    "ceo": ("chief executive",),
    "spokesperson": ("spokesman", "spokeswoman"),
    "spokesman": ("spokesperson", "spokeswoman"),
    "spokeswoman": ("spokesperson", "spokesman"),
    "film": ("movie",),
    "movie": ("film",),
    "company": ("firm",),
    "firm": ("company",),
    "nomination": ("nod",),
    "city": ("capital",),
}


def counts_in_compound(sentence: str, candidate: Candidate, noun: str | None) -> bool:
    """True for a count joined to the noun asked ("the 11-date tour" for "How many dates"):
    the number is not a whole token of the sentence, yet it is the answer.

    >>> ask = read_question("How many dates are on the tour?")
    >>> found = find_candidates("She will play the 11-date tour.", ask)[0]
    >>> found.text, counts_in_compound("She will play the 11-date tour.", found, ask.noun)
    ('11', True)
    """
    if noun is None:
        return False
    singular = noun[:-1] if noun.endswith("s") else noun
    after = sentence[candidate.end : candidate.end + len(singular) + 2].lower()
    return re.match(rf"-{re.escape(singular)}s?\b", after) is not None


def _named_as_asked(sentence: str, candidate: Candidate, ask: Ask) -> bool:
    """True when the word before the candidate says it is the one asked for: "host Trevor
    Noah" for "Who hosted ...?", "from Jerry Richardson" for "From whom did Tepper buy it?",
    "by two-thirds" for "By how much did they cut it?", "on a $100,000 bond" for "On what
    bond ...?"."""
    before = sentence[max(0, candidate.start - 30) : candidate.start]
    agent = re.search(r"([A-Za-z-]+)\s+$", before)
    if ask.kind == "person" and agent and agent.group(1).lower() in ask.agents:
        wider = sentence[max(0, candidate.start - 80) : candidate.start]
        before_agent = wider[: len(wider) - len(agent.group())]
        # "will receive Presidential Medal", "to host Trevor Noah": the word is the verb, and
        # what follows it is its object, not its doer.
        if not re.search(r"(?:er|or)$", agent.group(1)) and _VERB_BEFORE.search(before_agent):
            return False
        return not _agent_of_another(before_agent, ask)
    word = re.search(r"([A-Za-z-]+)\s+(?:(?:a|an|the)\s+)?$", before)
    opening = word.group(1).lower() if word else None
    if ask.opening == "by" and ask.kind == "number" and opening in ("up", "down"):
        # "airfares are up 37.8%", "eggs up 32.2%" say by how much what is asked about rose;
        # "citrus fruit up 6.5%" says it of something else. (Not "rose 8.6%": "the consumer
        # price index rose" would then tell how much egg prices did.)
        changed = _CHANGED.search(before)
        asked = {stem(word) for word in ask.words} - _MEASURED
        return changed is not None and stem(fold(changed.group(1))) in asked
    return opening is not None and opening == ask.opening and opening in _TELLING[ask.kind]


# Words for what any figure measures: "prices are up 13%" does not say whose prices.
_MEASURED = frozenset(
    stem(w) for w in "price prices cost costs rate rates sales value values index number".split()
)
# The word before "up" or "down", past "is", "are", "have" ...: what changed.
_CHANGED = re.compile(
    r"([A-Za-z][\w’'-]*)\s+(?:(?:is|are|was|were|has|have|had)\s+)?(?:[A-Za-z-]+)\s+$"
)
_VERB_BEFORE = re.compile(
    r"\b(?:will|would|to|can|could|may|might|must|shall|should|did|does|do|not|n[’']t)\s+$", re.I
)


def _agent_of_another(before: str, ask: Ask) -> bool:
    """True when the name right before an agent noun names another deed's object than the
    question's: "Norris Trophy winner Cale Makar" did not win the Stanley Cup asked about.
    ``before`` is the text before the agent noun."""
    named = re.search(r"(?<![.!?]\s)(?<!^)((?:[A-Z][\w’'&.-]*\s+)*[A-Z][\w’'&.-]*)\s*$", before)
    if named is None:
        return False
    words = [fold(w).strip(".") for w in named.group(1).split()]
    return not any(w in ask.words for w in words)


# The opening prepositions that tell the answer's place in a sentence, by the kind asked: "on"
# or "in" precede most dates and "in" most places, so they tell nothing.
_TELLING: dict[str, frozenset[str]] = {
    "person": frozenset("from to with by for against".split()),
    "number": frozenset({"by"}),
    "place": frozenset({"at"}),
    "name": frozenset({"at"}),
    "date": frozenset(),
    "quote": frozenset(),
}


def _other_qualifier(sentence: str, candidate: Candidate, ask: Ask) -> bool:
    """True when the candidate's own title names another body or country than the question's
    ("then-US President Donald Trump" for "Which French president")."""
    if ask.qualifier is None or ask.noun is None:
        return False
    before = sentence[max(0, candidate.start - 60) : candidate.start]
    noun = re.escape(ask.noun)
    found = re.search(rf"\b([A-Z][\w.&-]*?)(?:[’']s)?[\s-]+(?i:{noun})s?\s+$", before)
    # Or in apposition after it: "Matt Smith, an analyst with data analytics firm Kpler".
    found = found or re.match(
        rf",\s+(?:an?|the)\s+(?i:{noun})\s+(?:with|at|for|of)\s+(?:[a-z]+\s+){{0,3}}"
        r"([A-Z][\w.&-]*)",
        sentence[candidate.end : candidate.end + 80],
    )
    if found is None:
        return False
    theirs = fold(found.group(1)).strip(".")
    if theirs == ask.qualifier or theirs in ask.words:
        return False
    # "Chinese President Xi Jinping" is the president of China the question asks for.
    return not with_demonyms({stem(theirs)}) & with_demonyms({stem(ask.qualifier)})


def _age_of_another(sentence: str, candidate: Candidate, ask: Ask) -> bool:
    """True when an age is given to a name the question does not say: the name right after
    "22-year-old", or the one it is set beside ("Jerry Richardson, 81, sold the team")."""
    after = _NAME_AFTER_AGE.match(sentence, candidate.end)
    beside = candidate.text.isdigit() and sentence.startswith(",", candidate.end)
    before = _NAME_BEFORE_AGE.search(sentence, 0, candidate.start) if beside else None
    named = after.group(1) if after else before.group(1) if before else None
    if named is None:
        return False
    return not any(fold(word) in ask.words for word in re.findall(r"[\w’'-]+", named))


_NAME_AFTER_AGE = re.compile(r"(?<=-old)\s+((?:[A-Z][\w’'.-]*\s*)+)")
_NAME_BEFORE_AGE = re.compile(r"((?:[A-Z][\w’'.-]*\s+)*[A-Z][\w’'.-]*),\s*$")


OTHER_COUNT_FACTOR = 0.5
_PEOPLE = frozenset({"people", "persons", "men", "women", "children"})


def _counts_another(sentence: str, candidate: Candidate, ask: Ask) -> bool:
    """True when the number counts a plural noun of its own that the question does not name
    ("more than 21 billion scam *calls*" for "how many customers"); a count of people may count
    whoever is asked."""
    words = candidate.text.split()
    last = words[-1].lower()
    counted = [last] if len(words) > 1 and last.isalpha() and not re.fullmatch(_SCALE, last) else []
    if not counted:
        counted = re.findall(r"[a-z][a-z-]*", sentence[candidate.end : candidate.end + 30])[:2]
    for word in counted:
        if word in STOPWORDS:
            return False
        if word in _PEOPLE:
            return False  # "74 people": the dead, the agents or the fans asked may be people
        if word.endswith("s") and len(word) > 3:
            return word not in ask.words and word[:-1] not in ask.words
    return False


def _noun_nearness(sentence: str, candidate: Candidate, ask: Ask) -> int:
    """2 when the noun asked (or its plural) is the word next to the candidate (inside it or one
    word away, "son Christopher", "100 firefighters"; the question's own common words may stand
    between, "55 glazed donuts"; a place may follow "of", "the community of Midpines"), 1 when
    it is within a few words, else 0 (and 0 when the question names no noun)."""
    noun = ask.noun
    if not noun:
        return 0
    singular = noun[:-1] if noun.endswith("s") and len(noun) > 3 else noun
    names = "|".join(re.escape(n) for n in (singular, *SAME_NOUN.get(singular, ())))
    pattern = re.compile(rf"\b(?:{names})(?:s|es)?\b", re.I)
    inside = sentence[candidate.start : candidate.end]
    before = re.findall(r"[\w’'-]+", sentence[max(0, candidate.start - 40) : candidate.start])
    if ask.kind == "place" and len(before) > 1 and before[-1] == "of":
        before = before[:-1]
    following = re.sub(r"^(?:[’']s)?[\s,-]*", "", sentence[candidate.end : candidate.end + 60])
    after = following.split(" ")
    for _ in range(2):
        modifier = fold(after[0])
        if len(after) == 1 or not after[0][:1].islower() or pattern.match(after[0]):
            break
        if modifier not in ask.words or modifier in STOPWORDS:
            break
        after = after[1:]
    # "Bridgetown, the capital", "Sitakunda, a town in Chittagong": the noun in apposition.
    apposed = re.match(
        r",\s+(?:the|a|an)\s+(?:[a-z-]+\s+)?([\w’'-]+)",
        sentence[candidate.end : candidate.end + 60],
    )
    next_to = (
        _heads(pattern, inside)
        or pattern.fullmatch(before[-1] if before else "")
        or (apposed is not None and pattern.fullmatch(apposed.group(1)))
        # "a 100-point season" counts points, not seasons: a compound's own unit is its noun.
        or (re.search(r"\d-[a-z]+$", candidate.text) is None and pattern.match(after[0]))
    )
    if next_to:
        return 2
    window = sentence[max(0, candidate.start - 25) : candidate.end + 25]
    return 1 if pattern.search(window) else 0


def _heads(noun: re.Pattern[str], name: str) -> bool:
    """The noun is the name's head: its last word ("Neuruppin Regional *Court*") or its first
    before "of" ("*University* of Michigan"), not a word inside ("Public Health Law Center" is
    no law; "a *nine-day* trip" counts days)."""
    words = re.split(r"[\s-]+", name)
    return bool(noun.fullmatch(words[-1])) or (
        len(words) > 2 and words[1] == "of" and bool(noun.fullmatch(words[0]))
    )


def _new_share(text: str, ask: Ask) -> float:
    """Share of the span's meaningful words that the question does not contain."""
    tokens = [t for t in _fold_words(text) if t and t not in _TITLES and t not in STOPWORDS]
    if not tokens and len(text.split()) > 1:
        tokens = _fold_words(text)  # a title of small words: "We Are", "Let It Be"
    if not tokens or _initials_asked(text, ask.acronyms):
        return 0.0
    if ask.kind == "person" and len(tokens) > 1 and tokens[-1] not in ask.words:
        return 1.0  # "Brian Daboll" is another man than the question's Brian Flores
    return sum(1 for t in tokens if t not in ask.words) / len(tokens)


def _initials_asked(text: str, asked: frozenset[str]) -> bool:
    """True when the question names the span by its initials ("United States" for "a US drone
    strike", "World Health Organization" for "WHO"), or the span is the initials of a name
    the question spells out ("JWST" for "the James Webb Space Telescope")."""
    if re.fullmatch(r"[A-Z][A-Z.]+", text):
        return fold(text).replace(".", "") in asked
    capitals = [w for w in text.split() if w[:1].isupper()]
    return len(capitals) >= 2 and _initials(capitals) in asked


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words).lower()


_NAME_RUN = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:(?:of|for|and|the)\s+)?[A-Z][\w’'-]*)+")


def _name_initials(question: str) -> frozenset[str]:
    """The initials of the names of two or more capitalised words in ``question``, with and
    without their small words ("jwst" for "James Webb Space Telescope", "doj" and "dj" for
    "Department of Justice"); not the question's first word, capitalised anyway."""
    found: set[str] = set()
    for match in _NAME_RUN.finditer(question):
        words = match.group(0).split()
        if match.start() == len(question) - len(question.lstrip()):
            words = words[1:]  # "Which James Webb ...": "Which" opens the question
        capitals = [w for w in words if w[:1].isupper()]
        if len(capitals) >= 2:
            found.update((_initials(capitals), _initials(words)))
    return frozenset(found)


def _quoted(sentence: str) -> Iterator[tuple[int, str]]:
    """Each quotation's offset and words, without the punctuation at its ends."""
    for match in _QUOTED.finditer(sentence):
        group = 1 if match.group(1) is not None else 2
        start, end = match.span(group)
        text = sentence[start:end].strip(" ,.")
        if text:
            yield sentence.index(text, start), text


def _quotes(sentence: str) -> list[Candidate]:
    return [
        Candidate(start, start + len(text), text, min(1.0, len(text) / 80))
        for start, text in _quoted(sentence)
        if len(text.split()) >= 2
    ]


def _titles(sentence: str, names: Sequence[Candidate]) -> list[Candidate]:
    """Quoted titles ("Medicine at Midnight", "Leave the Door Open"): the run of capitalised
    words stops at their small words, the quotation marks do not."""
    return [
        Candidate(start, start + len(text), text, 0.7)
        for start, text in _quoted(sentence)
        if text[:1].isupper()
        and len(text.split()) <= 8
        and not any(n.start == start and n.text == text for n in names)
    ]


# "a 3-1 victory", "beating Germany 2-1": a match's score is one answer, not two numbers.
_SCORE = re.compile(
    r"(?<![\d.,-])\d{1,3}\s?[-–]\s?\d{1,3}(?![\d%-]|[.,]\d|\s?(?:a\.m|p\.m|am\b|pm\b))"
)
_SCORE_NOUNS = frozenset({"score", "scoreline"})


_FRACTION = re.compile(r"-(?:thirds?|quarters?|fifths?|tenths?)$")
_OF_AFTER = re.compile(r"\s+of\b")
# The count of a story's sources: "two people familiar with the matter", "three sources".
_SOURCES_AFTER = re.compile(
    r"\s*(?:(?:people|persons|officials|individuals)\s+(?:familiar\s+with|close\s+to|"
    r"with\s+(?:direct\s+)?knowledge|briefed\s+on)|sources)\b",
    re.I,
)
_RANK_BEFORE = re.compile(r"\b(?:top|No\.)\s+$", re.I)
_PER_BEFORE = re.compile(r"\b(?:per|every|out\s+of(?:\s+every)?)\s+$", re.I)


def _numbers(sentence: str, ask: Ask) -> list[Candidate]:
    if ask.noun in _SCORE_NOUNS or ask.tally:
        # "What score ...?" is answered by a score: "15 goals" or "the 89th minute" is none.
        return [Candidate(m.start(), m.end(), m.group(), 1.0) for m in _SCORE.finditer(sentence)]
    found = []
    for match in _NUMBER.finditer(sentence):
        start, end = match.span()
        unit = match.group("unit")
        if unit is not None and unit.lower() not in _UNITS and unit.lower() != ask.noun:
            end = match.start("unit")
        text = sentence[start:end].rstrip(" ,.")
        bare = text.lower()
        if not text or bare == "one" or _CLOCK.search(bare):
            continue
        half_of = _OF_AFTER.match(sentence, start + len(text)) is not None
        if bare == "half" and not (ask.sort == "percent" and half_of):
            continue  # "half of the voters" answers "what share"; "half" counts nothing
        if ask.per is None and _PER_BEFORE.search(sentence[max(0, start - 16) : start]):
            continue  # "7.5 births per 1,000 people": a rate's base counts nothing
        if _RANK_BEFORE.search(sentence[max(0, start - 8) : start]):
            continue  # "the top two candidates" ranks them, it does not count them
        if _SOURCES_AFTER.match(sentence, match.start("unit") if unit else end):
            continue  # "two people familiar with the search said": who told the reporter
        is_year = re.fullmatch(r"(?:1[89]|20)\d\d", bare) is not None
        # "two-thirds" is as surely a share as "67%"; "two" alone may be any word's count.
        has_digit = any(c.isdigit() for c in text) or _FRACTION.search(text) is not None
        has_digit = has_digit or (ask.sort == "percent" and is_share(text))
        if not has_digit and ask.sort not in (None, "count"):
            # "two minutes" for "how long": a number in words with the unit asked for is as
            # sure a measure as "2 minutes"; only a count in words may be any word's.
            has_digit = agreement(ask.sort, sentence, start, start + len(text), ask.noun) == FITS
        fit = 0.4 if is_year else (1.0 if has_digit else 0.7)
        if ask.detail == "money":
            fit *= 1.0 if re.search(r"[$£€¥]|dollar|euro|pound", text, re.I) else 0.5
        found.append(Candidate(start, start + len(text), text, fit))
    return found


def _dates(sentence: str, ask: Ask) -> list[Candidate]:
    found = []
    for match in _DATE.finditer(sentence):
        text = match.group()
        if _DATE_AS_NAME.match(sentence, match.end()):
            continue  # "the Jan. 6 committee": a date that names something, not a when
        years = set(_YEAR.findall(text))
        if ask.years and years and not years & ask.years:
            continue  # "When is the runoff in 2022?": not the one "in 2017"
        fit = 1.0 if any(c.isdigit() for c in text) and not text.isdigit() else 0.7
        if ask.detail == "year":
            fit = 1.0 if re.search(r"\b\d{4}\b", text) else 0.2
        elif ask.detail == "time":
            fit = 1.0 if _CLOCK.search(text.lower()) else 0.2
        elif ask.detail == "month" and not _MONTH_IN.search(text):
            fit = 0.2
        elif ask.detail == "date" and not (_MONTH_IN.search(text) and re.search(r"\d", text)):
            fit = 0.3  # "on what date": a weekday or a year alone says less than "Jan. 10"
        found.append(Candidate(match.start(), match.end(), text, fit))
    for match in _BARE_MONTH.finditer(sentence):
        # "first briefed in April": a month on its own answers "in which month" (and, less
        # surely, "when"); "in April 2022" and "April 5" are read whole above.
        fit = 1.0 if ask.detail == "month" else 0.5
        found.append(Candidate(match.start(1), match.end(1), match.group(1), fit))
    return found


_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_DATE_AS_NAME = re.compile(
    r"\s+(?:committee|panel|hearings?|attacks?|riots?|insurrection|rioters|investigation|"
    r"probe|select\s+committee)\b",
    re.I,
)
_MONTH_NAMES = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
)
_MONTH_IN = re.compile(rf"\b(?:{_MONTH})", re.I)
# A month named on its own after the words that place something in time ("in April", "since
# March", "late last June"), not followed by a day or a year, which _DATE reads whole. "May" is
# a month only there (not "Theresa May", "it may").
_BARE_MONTH = re.compile(
    rf"\b(?:in|since|until|till|by|from|through|during|before|after|last|next|this|early|"
    rf"mid|late|of)[- ]+({_MONTH_NAMES})\b(?![ -]+\d)(?!,?\s+\d)"
)


def _names(sentence: str, kind: Kind) -> list[Candidate]:
    found: list[Candidate] = []
    for match in _RUN.finditer(sentence):
        whole = match.group()
        # "Spirit and Frontier", "Rajapaksa and Prime Minister Ranil Wickremesinghe": each side
        # is a name of its own too (and "Arts and Sciences" stays whole as well).
        parts = [whole] + (whole.split(" and ") if " and " in whole else [])
        # "University of Melbourne's Thylacine ... Research": the owner and what it owns are
        # two names; the run that joins them is weaker than either.
        owned = _POSSESSIVE.split(whole)
        if len(owned) > 1:
            parts += owned
        at = match.start()
        for part in parts:
            text = _clean_name(part.split(), kind)
            if text is None:
                continue
            start = sentence.index(text, at)
            if any(c.start == start and c.text == text for c in found):
                continue
            fit = _name_fit(sentence, start, text, kind)
            if _POSSESSIVE.search(text):
                fit *= JOINED_BY_POSSESSIVE
            found.append(Candidate(start, start + len(text), text, fit))
    return found


_POSSESSIVE = re.compile(r"(?<=\w)[’']s\s+(?=[A-Z])")
JOINED_BY_POSSESSIVE = 0.8


# Sentence openers capitalised only because they come first: "While NFL owners were busy".
_LEADING_WORDS = frozenset(
    """while although though because unless whether unlike despite however meanwhile whereas
    amid among including besides instead perhaps nevertheless moreover furthermore today
    tomorrow yesterday tonight""".split()
)


def _clean_name(words: list[str], kind: Kind) -> str | None:
    """The name in a run of capitalised words, without what only looks like part of it."""
    # A capitalised "The", "In" or "But" is capitalised because it comes first; "US" is a name.
    while (
        words
        and not (words[0].isupper() and len(words[0]) > 1)
        and (fold(words[0]) in STOPWORDS | _LEADING_WORDS or fold(words[0]).rstrip(".") in _TITLES)
        and not (len(words) > 1 and words[1] == "of" and fold(words[0]) not in STOPWORDS)
    ):
        words = words[1:]  # but "Head of the Meadow Beach": a title word of a name stays
    if len(words) > 2 and words[0] == "No." and words[1][:1].isdigit():
        words = words[2:]  # "world No. 113 Harmony Tan": a ranking, then the name
    # "Singapore on Thursday", "Texas on May 14", "Ajla Tomljanovic 4-6": a date or a score
    # is not part of the name.
    while words and (
        fold(words[-1]).strip(".,") in STOPWORDS | _CALENDAR | {"and", "of"}
        or re.fullmatch(r"\d+(?:[-–]\d+)*", words[-1].rstrip(".,")) is not None
    ):
        words = words[:-1]
    if kind == "person":
        # "JetBlue CEO Robin Hayes", "Health Commissioner Dr. Patricia Schnabel Ruppert": the
        # person's name is what follows the last title.
        roles = [i for i, w in enumerate(words) if fold(w).strip(".,") in TITLE_WORDS]
        if roles and roles[-1] < len(words) - 1:
            words = words[roles[-1] + 1 :]
            if words[0] in {"for", "of", "on"} and len(words) > 3:
                # "Commissioner for Regulatory Affairs Judith McMeekin": the title's domain
                # runs on to the name, which is the last two words.
                words = words[-2:]
        elif roles and len(roles) == len(words):
            return None  # "Acting President", "Prime Minister": a title, not who holds it
        elif roles and roles[-1] == len(words) - 1:
            return None  # "the Tesla and SpaceX CEO": whose title it is, not a name
    text = " ".join(words).rstrip(".,’'")
    if text.endswith(("’s", "'s")):
        text = text[:-2]
    if not text or not text[0].isupper():
        return None
    if all(fold(w).strip(".,") in _CALENDAR for w in text.split()):
        return None
    if text in COMMON_ABBREVIATIONS:
        return None  # "national ID numbers": capitals, but no one's name
    if kind == "person" and " of " in text:  # "Phillip Carroll of Maryland"
        head, _, tail = text.partition(" of ")
        text = head if tail in PLACES or len(tail.split()) == 1 else text
    return text


def _name_fit(sentence: str, start: int, text: str, kind: Kind) -> float:
    words = text.split()
    folded = [fold(w).strip(".,") for w in words]
    org = any(w in ORG_WORDS or (w.endswith("s") and w[:-1] in ORG_WORDS) for w in folded)
    place = text in PLACES or any(w in PLACE_WORDS for w in folded)
    placed = _PLACE_BEFORE.search(sentence[max(0, start - 12) : start]) is not None
    first = not sentence[:start].strip(" \"“‘'(")
    if first and len(words) == 1 and not (kind == "place" and text in PLACES):
        # "Now, ..." "Teaming up ...": capitalised only because it comes first; a known place
        # ("Ghana has confirmed ...") is one wherever it stands.
        return 0.15
    if kind == "person":
        place = place and not titled_name(sentence, start, text)
        place = place and not team_of_a_place(text)  # "Tampa Bay Lightning": a team
        if org or place or (len(words) == 1 and words[0].isupper()):
            return 0.15  # "Centers for Disease Control", "NFL": not someone's name
        fit = 0.9 if 2 <= len(words) <= 4 else 0.55
        return fit * (0.6 if placed else 1.0)
    if kind == "place":
        # "in New Castle, Indiana": a name followed by its state is a town as surely as a
        # name with a place word is a place.
        after = sentence[start + len(text) : start + len(text) + 40]
        # "the Ukraine conflict", "Texas officials": the place names what the noun is about.
        following = re.match(r"\s+([a-z]{3,})\b", after)
        modifies = (
            following is not None
            and following.group(1) not in _NOT_MODIFIED
            and (not placed or sentence[:start].endswith("the "))
        )
        if place and modifies:
            return 0.6
        if place or followed_by_region(after):
            return 1.0
        return 0.85 if placed and not org else (0.4 if org else 0.5)
    return 0.7 if len(words) >= 2 else 0.6
