"""Dates in questions: "this week", "in March 2023", "last year" -> a window of publication dates.

A news question's date words say when the *articles* about it were published, give or take:
a report on "last year's" figures is published this year, and an event "in March" is written up
in early April too. So a resolved window is a preference by default (retrieval favours articles
inside it) and becomes a hard filter only when the settings ask for it.

Resolution is a small set of rules rather than a general date parser: the phrases news questions
use are few, rules are exact and fast (this runs on every question), and a phrase they do not
know simply yields no window, which is the safe failure.

>>> resolve_dates("What did NATO decide this week?", date(2022, 7, 1))
DateWindow(since=datetime.date(2022, 6, 24), until=datetime.date(2022, 7, 1), phrase='this week')
"""

from __future__ import annotations

import calendar
import re
import reprlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "few": 3, "several": 5, "couple of": 2,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = 60
_SHORT_REPR.maxother = 60
_SHORT_REPR.maxlevel = 2  # a quoted value stays one short line, however it nests
_SHORT_REPR.maxlist = _SHORT_REPR.maxdict = 4


def short_repr(value: Any) -> str:
    """``repr`` cut to one short line, for quoting untrusted values in error messages."""
    return _SHORT_REPR.repr(value)


def parse_date(value: Any, *, what: str = "date") -> date | None:
    """A real ``date`` from ISO strings, common written forms and timestamps; ``None`` if empty.

    A value that is not a date raises a ``ValueError`` whose message starts with ``what`` (the
    field's name: "since", "until", an article's "date").

    >>> parse_date("2023-03-01")
    datetime.date(2023, 3, 1)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_date(value, what)
    if not isinstance(value, str):
        raise ValueError(f"{what} {short_repr(value)} is not a date")
    text = value.strip()
    if len(text) > 100:  # no date is this long; dateutil would spend seconds on it
        raise ValueError(f"{what} {short_repr(value)} is not a date; write it as YYYY-MM-DD")
    try:
        return (
            date.fromisoformat(text[:10])
            if re.match(r"^\d{4}-\d{2}-\d{2}", text)
            else (_parse_loose_date(text, end=what == "until"))
        )
    except ValueError as exc:
        raise ValueError(
            f"{what} {short_repr(value)} does not parse; write it as YYYY-MM-DD"
        ) from exc


def _number_date(value: float, what: str) -> date:
    """A number as a date: 2022 is a year (its first day, or its last for an "until"), 20220705
    a day written as digits, as JSON feeds write it; a number from 10**9 up a Unix timestamp
    (UTC), in milliseconds when too large for seconds (JavaScript's). Anything else is refused:
    86400 is no one's publication date."""
    if float(value).is_integer() and 1000 <= value <= 9999:
        return date(int(value), 12, 31) if what == "until" else date(int(value), 1, 1)
    if float(value).is_integer() and 19000101 <= value <= 29991231:
        digits = str(int(value))
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            pass
    if abs(value) < 1e9:
        msg = f"{what} {value} is not a date: give YYYY-MM-DD, a year, or a Unix timestamp"
        raise ValueError(msg)
    seconds = value / 1000 if abs(value) >= 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).date()
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"{what} {value} is not a valid timestamp") from exc


def _parse_loose_date(text: str, *, end: bool = False) -> date:
    """A date written loosely ("1 March 2023", "Mar 1, 2023 10:00 GMT"). A year alone or a month
    and year is the period's first day, or its last when ``end`` (an "until"); a date without
    a year is refused rather than given this year's (as dateutil would)."""
    from dateutil import parser as date_parser  # imported here: only for unusual date formats

    try:
        early = date_parser.parse(text, fuzzy=False, default=datetime(2000, 1, 1)).date()
        late = date_parser.parse(text, fuzzy=False, default=datetime(2001, 12, 31)).date()
    except (ValueError, OverflowError) as exc:
        raise ValueError(text) from exc
    if early.year != late.year:
        raise ValueError(f"{text} names no year")
    if early == late or not end:
        return early
    if early.month != late.month:
        return date(early.year, 12, 31)  # a year alone
    return date(early.year, early.month, calendar.monthrange(early.year, early.month)[1])


@dataclass(frozen=True)
class DateWindow:
    """Publication dates (inclusive) that the question's date words point at."""

    since: date
    until: date
    phrase: str  # the words it was read from, for explanations and tests

    def contains(self, day: date | None) -> bool:
        return day is not None and self.since <= day <= self.until


def resolve_dates(question: str, as_of: date) -> DateWindow | None:
    """The window of publication dates that ``question``'s date words mean, seen from ``as_of``.

    The most specific phrase wins (a month and year over "recently"). ``None`` when the question
    names no time.

    >>> resolve_dates("Who won the election in March 2023?", date(2023, 6, 1)).since
    datetime.date(2023, 3, 1)
    """
    text = question.lower()
    for rule in _RULES:
        try:
            window = rule(text, as_of)
        except (OverflowError, ValueError):
            continue  # "last year" seen from the year 1: a time no calendar date can hold
        if window is not None:
            return window
    return None


def days_before(day: date, days: int) -> date:
    """``day`` less ``days``, or the first date there is ("3000 years ago" is before it).

    >>> days_before(date(2023, 3, 1), 28)
    datetime.date(2023, 2, 1)
    >>> days_before(date(2023, 3, 1), 3000 * 365)
    datetime.date(1, 1, 1)
    """
    return date.min if days >= (day - date.min).days else day - timedelta(days=days)


def _window(since: date, until: date, phrase: str) -> DateWindow:
    return DateWindow(since=since, until=until, phrase=phrase)


# The words that make a bare month name a month ("in May", not "may"); "from" when open-ended.
_BEFORE_A_MONTH = frozenset("in since last this early late mid during".split())
# How long a month's and a year's news run on after it ends.
_MONTH_REPORTED = timedelta(days=14)
_YEAR_REPORTED = timedelta(days=90)


def _month_year(text: str, as_of: date) -> DateWindow | None:
    """ "in March 2023", "March 2023", "March of 2023", and "in March" (the latest March)."""
    match = re.search(rf"\b{_MONTH}(?:\s+(?:of\s+)?(?P<year>(?:19|20)\d\d))?\b", text)
    if match is None:
        return None
    month = _MONTHS[match.group("month").lower()]
    year_text = match.group("year")
    open_ended = _runs_to_now(text, match)
    if year_text is None:
        # A bare "may" is usually the verb; other bare month names need "in"/"since"/"last".
        before = text[: match.start()].split()[-1:] or [""]
        named = before[0] in _BEFORE_A_MONTH or (before[0] == "from" and open_ended)
        if not named:
            return None
        year = as_of.year if month <= as_of.month else as_of.year - 1
    else:
        year = int(year_text)
    last = calendar.monthrange(year, month)[1]
    start = date(year, month, 1)
    if open_ended and start <= as_of:
        return _window(start, as_of, match.group(0))
    # A month's news runs on into the next: "the December 2021 CPI report" came out in January.
    end = date(year, month, last)
    return _window(start, max(end, min(end + _MONTH_REPORTED, as_of)), match.group(0))


def _runs_to_now(text: str, match: re.Match[str]) -> bool:
    """ "since February", "from 2009" with no end named ("from 2008 to 2016"): a span up to
    the reference date, reported on all along it, not a month or year of reports."""
    before = text[: match.start()].split()[-1:] or [""]
    opened = before[0] in {"since", "from"} or match.group(0).startswith(("since", "from"))
    closed = re.match(r"\s*(?:to|until|till|through|thru|and|-|–)\b", text[match.end() :])
    return opened and closed is None


def _day_month(text: str, as_of: date) -> DateWindow | None:
    """ "on July 4", "July 4, 2022": that day and the two days it is reported on."""
    match = re.search(
        rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b",
        text,
    )
    if match is None:
        return None
    month = _MONTHS[match.group("month").lower()]
    year = int(match.group("year")) if match.group("year") else None
    try:
        start = date(year or as_of.year, month, int(match.group("day")))
    except ValueError:
        return None
    if year is None and start > as_of:
        if start - as_of <= timedelta(days=90):
            # A coming date ("through July 4") is announced in this week's news.
            return _window(days_before(as_of, 7), as_of, match.group(0))
        start = (
            start.replace(year=as_of.year - 1)
            if not (start.month == 2 and start.day == 29)
            else start
        )
    return _window(start, start + timedelta(days=2), match.group(0))


def _year(text: str, as_of: date) -> DateWindow | None:
    """ "in 2021", "this year", "last year"."""
    for found in re.finditer(r"\b(?:in|since|from|during|of)\s+((?:19|20)\d\d)\b", text):
        year = int(found.group(1))
        open_ended = _runs_to_now(text, found)
        if found.group(0).startswith("from") and not open_ended:
            continue  # "from 2008 to 2016": a span the articles of no one year cover
        if year <= as_of.year:
            # A year's news runs on into the next one's first quarter: "births fell to a record
            # low in 2021"; a year's reports and tallies come out in January to March.
            last = date(year, 12, 31) + _YEAR_REPORTED
            end = as_of if open_ended else min(last, as_of)
            return _window(date(year, 1, 1), end, found.group(0))
    if match := re.search(r"\bthis year\b", text):
        return _window(date(as_of.year, 1, 1), as_of, match.group(0))
    if match := re.search(r"\blast year\b", text):
        # Last year's events are reported on until well into this year.
        return _window(date(as_of.year - 1, 1, 1), as_of, match.group(0))
    return None


def _relative(text: str, as_of: date) -> DateWindow | None:
    """ "today", "yesterday", "this week", "last week", "this month", "last month",
    "in the past three days", "two weeks ago"."""
    fixed = {
        "today": 1,
        "tonight": 1,
        "yesterday": 2,
        "this weekend": 4,
        "last weekend": 9,
        "this week": 7,
        "past week": 7,
        "last week": 14,
        "this month": 31,
        "past month": 31,
        "last month": 62,
    }
    for phrase, days in fixed.items():
        if re.search(rf"\b{phrase}\b", text):
            if phrase == "this month":
                return _window(min(as_of.replace(day=1), days_before(as_of, 7)), as_of, phrase)
            return _window(days_before(as_of, days), as_of, phrase)
    count = r"(?P<n>\d+|" + "|".join(_NUMBER_WORDS) + r")"
    units = r"(?P<unit>day|week|month|year)s?"
    for pattern in (rf"\b(?:past|last)\s+{count}\s+{units}\b", rf"\b{count}\s+{units}\s+ago\b"):
        if match := re.search(pattern, text):
            n = match.group("n")
            amount = int(n) if n.isdigit() else _NUMBER_WORDS[n]
            days = amount * _UNIT_DAYS[match.group("unit")]
            # "two weeks ago" is a point in time; reports follow it for a few days.
            slack = days + 7 if "ago" in match.group(0) else days
            return _window(days_before(as_of, slack), as_of, match.group(0))
    return None


def _recent(text: str, as_of: date) -> DateWindow | None:
    """ "recently", "recent", "latest", "new", "just": news of about the last month."""
    if match := re.search(r"\b(?:recent(?:ly)?|latest|just|newly)\b", text):
        return _window(days_before(as_of, 31), as_of, match.group(0))
    return None


_RULES = (_day_month, _month_year, _relative, _year, _recent)
