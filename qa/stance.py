"""Whether a sentence states a candidate answer as what happened: rules, not a model.

A sentence can hold a name or a number of the sort a question asks for and still not say it is
the answer: "Balwani faces up to 20 years in prison" (a possible sentence, not the one he got),
"Around 87,000 fans are set to be at Wembley" (a forecast, not the crowd), "succeeded by either
Rishi Sunak or Liz Truss" (two alternatives, not the winner). ``stated`` reads the few words
around a candidate for those marks; the answerer never answers a question about what happened
with a candidate the sentence only offers as possible, expected or one of alternatives, and
refuses when no other candidate is left. A question that itself asks about a possibility or a
forecast ("How many years could he face?", "Who will succeed her?") is answered by them.

Why rules: English marks these with a handful of words (modals, "faces", "set to", "either ...
or") in the clause of the candidate, which a few regular expressions read in microseconds.
"""

from __future__ import annotations

import re

# A question about a possibility, a plan, a requirement or a forecast: such candidates answer
# it. "May" in capitals is the month ("in May 2022").
_OPEN_QUESTION = re.compile(
    r"\b(?:will|would|could|might|(?-i:may)|can|should|shall|must|needs?|needed|requires?|"
    r"required|expected|expects?|set\s+to|faces?|"
    r"facing|up\s+to|maximum|max|possible|potential(?:ly)?|predicted|predicts?|forecasts?|"
    r"projected|likely|plans?|planned|planning|hopes?|proposed|proposes?|going\s+to)\b",
    re.I,
)
# Words before a candidate in its clause that make it a possibility: "faces up to 20 years",
# "could cost $2 million", "is expected to draw 80,000", "either Rishi Sunak or ...".
# Lower case only: "May" is a month.
_POSSIBLE_WORDS = (
    r"face|faces|facing|could|might|may|would|set\s+to|expected\s+to|projected\s+to|"
    r"predicted\s+to|likely\s+to|poised\s+to|slated\s+to|due\s+to\s+be|[Ee]ither"
)
_POSSIBLE_BEFORE = re.compile(rf"\b(?:{_POSSIBLE_WORDS})(?:\s+[\w’'$£€%.,-]+){{0,4}}?\s*$")
# Words after a candidate that make it the subject of a forecast: "87,000 fans are set to be".
_FORECAST_WORDS = r"set\s+to|expected|projected|predicted|likely|poised|slated|due"
_FORECAST_MODALS = r"will|could|might|may"
_FORECAST_AFTER = re.compile(
    rf"^(?:\s+[\w’'-]+){{0,2}}?\s+(?:are|is|were|was)\s+(?:{_FORECAST_WORDS})\b|"
    rf"^(?:\s+[\w’'-]+){{0,2}}?\s+(?:{_FORECAST_MODALS})\b"
)
# "... or Liz Truss": the candidate is one of alternatives the sentence names.
_ALTERNATIVE = r"\s+or\s+[A-Z]"
_ALTERNATIVE_AFTER = re.compile(rf"^{_ALTERNATIVE}")
# Any of the words above, anywhere: a sentence without one states all its candidates.
_ANY_MARK = re.compile(
    rf"\b(?:{_POSSIBLE_WORDS}|{_FORECAST_WORDS}|{_FORECAST_MODALS})\b|{_ALTERNATIVE}"
)
_CLAUSE_END = re.compile(r"[.;:!?—–()\"“”]|,\s|\b(?:but|while|whereas|after|before|and)\s")


def asks_what_happened(question: str) -> bool:
    """True unless the question asks about a possibility, a plan or a forecast.

    >>> asks_what_happened("How many years in prison was Balwani sentenced to?")
    True
    >>> asks_what_happened("How many years in prison could Balwani face?")
    False
    """
    return _OPEN_QUESTION.search(question) is None


# Polls and surveys project outcomes: "Polling showed Macron would win by 51% to 49%" is no
# result of the vote.
_POLL = re.compile(r"\b(?:poll|polls|polling|pollsters?|survey|surveys|projections?)\b", re.I)


def reports_poll(text: str) -> bool:
    """True when ``text`` speaks of a poll, a survey or a projection: in a sentence, its numbers
    forecast an outcome ("Polling showed Macron would win by just 51% to 49%"); in a question,
    it asks for such numbers.

    >>> reports_poll("Polling showed Macron would win by just 51% to 49%.")
    True
    >>> reports_poll("What share of the vote did Macron win in the runoff?")
    False
    """
    return _POLL.search(text) is not None


def may_hedge(sentence: str) -> bool:
    """False when ``sentence`` holds none of the words ``stated`` looks for (most sentences):
    then every candidate in it is stated, and none needs reading."""
    return _ANY_MARK.search(sentence) is not None


def stated(sentence: str, start: int, end: int) -> bool:
    """False when ``sentence`` offers the span ``sentence[start:end]`` only as possible,
    expected or one of alternatives, True when it states it.

    >>> s = "Balwani faces up to 20 years in prison and a fine of $250,000."
    >>> stated(s, s.index("up to 20"), s.index(" in prison"))
    False
    >>> s = "He was sentenced to 13 years in prison."
    >>> stated(s, s.index("13"), s.index(" in prison"))
    True
    """
    before = _clause_before(sentence[:start])
    after = sentence[end:]
    if _POSSIBLE_BEFORE.search(before):
        return False
    if _FORECAST_AFTER.match(_clause_after(after)):
        return False
    return _ALTERNATIVE_AFTER.match(after) is None


def _clause_before(text: str) -> str:
    """The words of ``text``'s last clause (what follows its last clause boundary)."""
    ends = list(_CLAUSE_END.finditer(text))
    return text[ends[-1].end() :] if ends else text


def _clause_after(text: str) -> str:
    found = _CLAUSE_END.search(text)
    return text[: found.start()] if found else text
