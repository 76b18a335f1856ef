"""Clean sources: what the answerer reads and what an answer may quote.

- ``quotable_sentences``: a passage's sentences without boilerplate (newsletter and subscription
  lines, "Read more", image credits, reporter contact lines) and with datelines ("Sitakunda,
  Bangladesh (CNN)", "WASHINGTON (AP) —") cut off the front, so none of them is ever quoted.
- ``expand``: the retrieved chunks of one article, with their neighbours (and the best
  article's opening), become one passage when they overlap or touch, so one paragraph is one
  source, not [1], [2] and [3].
- ``stale_dates``: a source years older than the others is marked so in the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from qa.chunking import Span, split_sentences
from qa.models import Source, StoredChunk

if TYPE_CHECKING:
    from qa.store import Store

# Lines a site wraps around every story: never the answer to anything. An appeal to subscribe
# is one; a story about subscribers ("Netflix lost 970,000 subscribers") is not.
_BOILERPLATE = re.compile(
    r"""newsletter|\bsign\ up\b|^\W*read\ more\b|\bclick\ here\b
    |^\W*(?:[A-Z][A-Z -]+:\s*)?subscribe\b|\bsubscribe\ to\ (?:our|usa\ today|[\w-]+\.com)\b
    |\bsubscrib(?:e|ing)\ (?:today|now|here|at)\b|\bbecom(?:e|ing)\ a\ (?:[\w-]+\ ){0,3}subscriber
    |\b(?:consider|purchas(?:e|ing)|buy(?:ing)?)\ a\ (?:digital\ )?subscription\b
    |\bnot\ a\ subscriber\b|\bsubscriber-only\b|^\W*for\ subscribers\b
    |\ba\ subscription\ makes\b|\bmanag(?:e|ing)\ your\ (?:newsletter\ )?subscription\b
    |\boffer\ limited\ to\ new\ subscribers\b
    |\bfollow\ (?:us|him|her|them|[a-z][\w.]*(?:\ [a-z][\w.]*){0,3})\ on\ (?:twitter|facebook)
    |\bdelivered\ (?:straight\ )?to\ your\ (?:inbox|phone)
    |\bsupport(?:ing)?\ (?:our|local|strong\ local)\ journalism
    |getty\ images|\bap\ photo\b|\bphoto(?:graph)?s?\ (?:by|courtesy|credit)
    |\bimage\ (?:credit|courtesy)|^\W*(?:photo|image|credit|caption)s?\s*:
    |\bcontributed\ to\ this\ report\b|\bfirst\ appeared\ in\b
    |\bthis\ (?:story|article)\ has\ been\ updated\b|^\W*advertisement\W*$
    |\bhide\ caption\ \d+\ of\ \d+\b
    |^\W*contact\ [a-z]\w+|\bwire\ reports\b|\ball\ rights\ reserved\b|\btext\ messages?\ here\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A site's links to its other stories, set between paragraphs: "FORMULA SHORTAGE:5 things you
# can do ...", "'YOUR ATTORNEYS MESSED UP':Alex Jones confronted ..." (a capitals label glued to
# a headline; a transcript's "BIDEN: I think ..." has a space and stays), and a video player's
# "JUST WATCHED ... Replay More Videos ..." and "MUST WATCH <title> 02:03"; a site's "► More:"
# or "Related:" link before a headline ("More:Eligible families to receive $95 more ...").
_TEASER = re.compile(
    r"^\W*[A-Z][A-Z0-9 '’&.,-]+[A-Z'’]\W*:(?=[\w'‘“\"$])|\bJUST WATCHED\b|\bReplay More Videos\b"
    r"|\bMUST WATCH\b"
    r"|^\W*(?i:more|related|read\s+more|see\s+also|also\s+read|watch|map|video|photos?|opinion|"
    r"trending|latest|recommended|in\s+pictures)\s*:\s*(?=[\w'‘“\"$])"
)
# "Sitakunda, Bangladesh (CNN)", "New York (CNN Business)", "WASHINGTON (AP) —", "(Reuters) -",
# "SYDNEY, Aug 9 (Reuters) -" (a wire dateline may carry the day of the month).
_DATELINE = re.compile(
    r"""^(?:[A-Z][\w.’'-]*(?:[ ,]+(?:[A-Z][\w.’'-]*|\d{1,2}\b)){0,4}\s*)?
    \((?:CNN(?:\s+\w+)?|AP|Reuters|AFP|UPI|Bloomberg)\)\s*(?:[-—–]+\s*)?
    |^[A-Z]{3,}[A-Z .,'-]{0,30}\s+[-—–]+\s+""",
    re.VERBOSE,
)


_MARKDOWN_HEADING = re.compile(r"#{1,6}\s")


def is_boilerplate(sentence: str) -> bool:
    """True for the lines a site wraps around a story rather than the story itself.

    >>> is_boilerplate("Get CNN Health's weekly newsletter Sign up here.")
    True
    >>> is_boilerplate("At least 49 people were killed in the fire in Sitakunda.")
    False
    """
    return _BOILERPLATE.search(sentence) is not None or _TEASER.search(sentence) is not None


def without_dateline(text: str, span: Span) -> Span:
    """``span`` with a leading dateline cut off ("WASHINGTON (AP) — The Senate ..." -> "The
    Senate ..."); unchanged when it has none.

    >>> t = "Dhaka (CNN) A fire broke out."
    >>> without_dateline(t, Span(0, len(t))).of(t)
    'A fire broke out.'
    """
    match = _DATELINE.match(text, span.start, span.end)
    if match is None or match.end() >= span.end:
        return span
    return Span(match.end(), span.end)


def quotable_sentences(text: str) -> list[Span]:
    """The sentence spans of ``text`` an answer may quote: no boilerplate, no datelines, no
    Markdown headings (the article's title and its section names, not what it reports)."""
    spans = []
    for span in split_sentences(text):
        sentence = span.of(text)
        if is_boilerplate(sentence) or _MARKDOWN_HEADING.match(sentence):
            continue
        spans.append(without_dateline(text, span))
    return spans


def expand(
    sources: Sequence[Source], store: Store | None, *, neighbours: int, leads: int = 0
) -> list[Source]:
    """One passage per run of touching chunks of an article: the retrieved chunks plus up to
    ``neighbours`` chunks either side of each, merged when they overlap or touch, numbered again
    from 1 in the order of the best retrieved chunk they hold.

    A retrieved passage often stops a sentence or two before the one holding the answer; its
    neighbours are one store read away. So is the opening of the ``leads`` best articles: a
    news story puts who, what, when and where in its first paragraphs (the "inverted
    pyramid"), while its retrieved chunk may be one deep in it about something said later. The
    opening is read as a retrieved chunk of its own, after the retrieved ones. Without a store
    only the merging is done.
    """
    seeds = [(s.chunk.article_id, s.chunk.index, s.score) for s in sources]
    lowest = min((s.score for s in sources), default=0.0)
    for article in list(dict.fromkeys(s.chunk.article_id for s in sources))[:leads]:
        seeds.append((article, 0, lowest))
    wanted: dict[str, set[int]] = {}
    for article, index, _ in seeds:
        indexes = wanted.setdefault(article, set())
        indexes.update(range(max(0, index - neighbours), index + neighbours + 1))
    known = {(s.chunk.article_id, s.chunk.index): s.chunk for s in sources}
    missing = [
        f"{article}:{i}"
        for article, ids in wanted.items()
        for i in ids
        if (article, i) not in known
    ]
    if store is not None and missing:
        for chunk in store.chunks(missing):
            known[(chunk.article_id, chunk.index)] = chunk
    runs: dict[tuple[str, int], tuple[list[StoredChunk], float]] = {}  # by first index
    order: list[tuple[str, int]] = []
    for article, index, score in seeds:
        if (article, index) not in known:
            continue  # an opening the store does not hold (or no store to read it from)
        low, high = index, index
        while (article, low - 1) in known and low - 1 in wanted[article]:
            low -= 1
        while (article, high + 1) in known and high + 1 in wanted[article]:
            high += 1
        if (article, low) not in runs:
            members = [known[(article, i)] for i in range(low, high + 1)]
            runs[(article, low)] = (members, score)
            order.append((article, low))
    return [
        Source(n=n, chunk=merge(runs[key][0]), score=runs[key][1]) for n, key in enumerate(order, 1)
    ]


def merge(chunks: Sequence[StoredChunk]) -> StoredChunk:
    """Consecutive chunks of one article as one chunk over the span they cover.

    Chunks repeat the sentences they overlap on; the gap between chunks that merely touch is
    whitespace the chunker trimmed, restored as newlines (a sentence never spans two chunks, so
    no quote contains it) so that every offset still indexes the article's text.
    """
    first = chunks[0]
    text = first.text
    end = first.end
    parts = [(first.id, first.start)]
    for chunk in chunks[1:]:
        if chunk.end <= end:
            continue
        if chunk.start <= end:
            text += chunk.text[end - chunk.start :]
        else:
            text += "\n" * (chunk.start - end) + chunk.text
        end = chunk.end
        parts.append((chunk.id, chunk.start))
    return replace(first, text=text, end=end, parts=tuple(parts) if len(parts) > 1 else ())


def is_stale(when: date | None, newest: date | None, *, years: float) -> bool:
    """Whether a source dated ``when`` is more than ``years`` older than the newest source
    (one 2016 story among 2022 ones); an undated source is never stale.

    >>> is_stale(date(2016, 1, 1), date(2022, 6, 5), years=2)
    True
    """
    return when is not None and newest is not None and (newest - when).days > 365.25 * years
