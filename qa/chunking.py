"""Split article text into sentences and sentence-aligned chunks with exact character offsets.

Offsets always index the article's own text: ``article.text[chunk.start:chunk.end] == chunk.text``
and the same for every sentence span, so a quote can be located and highlighted exactly.
The splitter is a small rule set tuned for news prose (abbreviations, initials, quotes); it is
fast enough to keep up with the encoder, which a full NLP pipeline is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from qa.models import Article, Chunk

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr inc co corp ltd llc
    vs etc fig jan feb mar apr jun jul aug sep sept oct nov dec mt ft approx dept est vol
    rev hon pres gen atty supt u.s u.k u.n e.u d.c a.m p.m i.e e.g u.s.a""".split()
)
# A sentence ends at . ! ? (or an ellipsis), optionally followed by closing quotes/brackets,
# before a capital, a digit or an opening quote or bracket (a straight single quote too: "...
# the Hubble's "sharp eye." 'Voyage back to the birth of the universe' ...").
_BOUNDARY = re.compile(r"""(?:[.!?]+|…)["”’')\]]*(?=\s+["“‘'(\[]?[A-Z0-9À-Þ])""")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_NUMBER_SIGN = re.compile(r"\b[Nn]o\.$")
_DIGIT_NEXT = re.compile(r"\s+\d")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in some text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


def split_sentences(text: str, offset: int = 0) -> list[Span]:
    """Sentence spans of ``text`` (shifted by ``offset``), whitespace trimmed, none empty.

    >>> t = "Mr. Xi spoke. He said “no.” Then he left."
    >>> [s.of(t) for s in split_sentences(t)]
    ['Mr. Xi spoke.', 'He said “no.”', 'Then he left.']
    """
    spans: list[Span] = []
    for block in _blocks(text):
        cursor = block.start
        for match in _BOUNDARY.finditer(text, block.start, block.end):
            if _is_abbreviation(text, block.start, match.start(), match.group()):
                continue
            if _is_number_sign(text, block.start, match):
                continue
            spans.extend(_trimmed(text, cursor, match.end()))
            cursor = match.end()
        spans.extend(_trimmed(text, cursor, block.end))
    return [Span(s.start + offset, s.end + offset) for s in spans]


def _blocks(text: str) -> Iterator[Span]:
    """Lines are boundaries, except a line that continues a hard-wrapped sentence."""
    start = 0
    for match in re.finditer(r"\n", text):
        following = text[match.end() : match.end() + 1]
        if following and (following.islower() or following in ",;)"):
            continue  # a hard wrap inside a sentence
        yield Span(start, match.start())
        start = match.end()
    yield Span(start, len(text))


def _is_abbreviation(text: str, floor: int, at: int, mark: str) -> bool:
    if not mark.startswith("."):
        return False
    before = _WORD_BEFORE.search(text[max(floor, at - 12) : at + 1])
    if before is None:
        return False
    word = before.group(1).lower().strip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _is_number_sign(text: str, floor: int, match: re.Match[str]) -> bool:
    """ "world No. 113 Harmony Tan", "the no. 1 seed": "No." before a number is the number
    sign, not a sentence's end."""
    return (
        match.group() == "."
        and _NUMBER_SIGN.search(text, max(floor, match.start() - 3), match.end()) is not None
        and _DIGIT_NEXT.match(text, match.end()) is not None
    )


def _trimmed(text: str, start: int, end: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end)] if end > start else []


def chunk_article(article: Article, *, size: int = 900, overlap: int = 1) -> list[Chunk]:
    """Sentence-aligned chunks of about ``size`` characters, each repeating the last ``overlap``
    sentences of the one before. A sentence longer than ``size`` is cut at word boundaries.

    Ids are ``<article id>:<index>``: stable for the same text and settings.
    """
    sentences = [
        piece for s in split_sentences(article.text) for piece in _fit(article.text, s, size)
    ]
    groups: list[list[Span]] = []
    current: list[Span] = []
    for sentence in sentences:
        if current and sentence.end - current[0].start > size:
            groups.append(current)
            carried = current[-overlap:] if overlap and len(current) > overlap else []
            current = [*carried] if carried and sentence.end - carried[0].start <= size else []
        current.append(sentence)
    if current:
        groups.append(current)
    return [
        Chunk(
            id=f"{article.id}:{index}",
            article_id=article.id,
            text=article.text[group[0].start : group[-1].end],
            start=group[0].start,
            end=group[-1].end,
            index=index,
        )
        for index, group in enumerate(groups)
    ]


def _fit(text: str, span: Span, size: int) -> list[Span]:
    """``span`` itself, or consecutive word-aligned pieces of at most ``size`` characters."""
    if span.end - span.start <= size:
        return [span]
    pieces: list[Span] = []
    start = span.start
    while span.end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        cut = cut if cut > start else start + size
        pieces.extend(_trimmed(text, start, cut))
        start = cut
    pieces.extend(_trimmed(text, start, span.end))
    return pieces
