"""Turn an answerer's draft into a cited ``Answer``: parse [n] markers, verify each claim against
the passage it cites, pick the supporting sentence as the quote, and renumber per answer.

The contract shared by the prompt, this parser and the tests:

- sources are numbered ``[1]..[k]`` in the prompt, and a claim cites them as ``[n]`` (several
  as ``[1][3]`` or ``[1, 3]``);
- a draft that is exactly ``CANNOT_ANSWER`` (or starts with it) is a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from qa.chunking import Span, split_sentences
from qa.instructions import is_instruction
from qa.models import Citation, Source
from qa.sorts import IRREGULAR_PAST
from qa.support import Entailment, Similarity, judge
from qa.text import AUXILIARIES, content_terms, holds_span, words

CANNOT_ANSWER = "The articles do not contain the answer."
"""The refusal sentinel: the prompt tells the model to reply with exactly this sentence."""

NEAREST = "The nearest the articles come:"
"""Leads the passage a refusal cites: what the articles do say near the question."""

SHORT_ANSWER_WORDS = 12
"""A first claim this short that a cited sentence contains verbatim is the short answer."""

_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass(frozen=True)
class Claim:
    """One answer sentence and the source numbers it cites."""

    text: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class Resolved:
    text: str
    citations: list[Citation]
    unsupported: list[str]


def is_refusal(draft: str) -> bool:
    """True for the sentinel, tolerating the quotes and full stops models add."""
    cleaned = draft.strip().strip("\"'“”*` ")
    return refusal_remainder(cleaned) is not None and len(cleaned) <= len(CANNOT_ANSWER) + 40


def refusal_remainder(draft: str) -> str | None:
    """For a refusal, what the draft says after the sentinel (the nearest passage it cites, or
    ''); None when the draft is not a refusal.

    >>> refusal_remainder("The articles do not contain the answer. Utah adopted a flag [2].")
    'Utah adopted a flag [2].'
    >>> refusal_remainder("Utah adopted a flag [2].") is None
    True

    The sentinel must end there: "The articles do not contain the answer directly. However,
    ..." goes on to answer.
    """
    cleaned = draft.strip().lstrip("\"'“*` ")
    sentinel = CANNOT_ANSWER.rstrip(".")
    if not cleaned.lower().startswith(sentinel.lower()):
        return None
    rest = cleaned[len(sentinel) :]
    if not re.match(r"[.\"'”*`]|\s*$", rest):
        return None
    # The sentinel's own full stop and the marks closing it ('."', '.**'), then the space: an
    # opening quotation mark after the space begins the nearest sentence and stays.
    return re.sub(r"^[.\"'”*`]*", "", rest).lstrip()


def refusal_text(question: str) -> str:
    """The sentence a refusal opens with, naming what the articles do not say.

    >>> refusal_text("Who designed Utah's new flag?")
    "The articles do not say who designed Utah's new flag."

    A question that puts its verb before its subject cannot be embedded as it stands ("do not
    say what score did Owen predict", "where was the funeral held"), and undoing the inversion
    needs the verb's past tense, so it is quoted:

    >>> refusal_text("What score did Michael Owen predict?")
    'The articles do not answer “What score did Michael Owen predict?”'
    """
    asked = question.strip().rstrip("?？؟;.!。！ ").strip()  # Latin, CJK, Arabic, Greek marks
    if not asked:
        return CANNOT_ANSWER
    if len(asked) > _ECHOED_CHARS:  # a pasted page is not repeated back in full
        asked = asked[:_ECHOED_CHARS].rsplit(maxsplit=1)[0] + " …"
    words = asked.lower().split()
    if words[0] in {"who", "what", "when", "where", "which", "how", "whose"} and not _inverted(
        asked.split()
    ):
        return f"The articles do not say {asked[0].lower()}{asked[1:]}."
    return f"The articles do not answer “{asked}?”"


_ECHOED_CHARS = 300
PHRASE_WORDS = 3  # a lead this short is an answer to the question, not a claim of its own
_DO = frozenset({"did", "does", "do"})
_AUXILIARIES = AUXILIARIES | {"must"}
_MODALS = frozenset("will would can could should may might must".split())


_BE = frozenset("is was are were".split())
# Words that open a subject: after "is" or "will" they show the verb came first.
_SUBJECT_START = frozenset(
    "the a an his her their its this that these those he she they it we".split()
)


def _inverted(asked: list[str]) -> bool:
    """Whether the question puts a verb before its subject: "what share of the vote *did*
    she win", "where *was* the funeral held", "how much *will* he make", "what *is*
    monkeypox", "how many people *is* the guard charged with killing". A subject question
    ("who will start", "how many people were hurt", "who is leading") embeds as it stands.
    ``asked`` is the question's words as typed (a capital shows a name)."""
    words = [w.lower().strip(",") for w in asked]
    verb_then_subject = any(
        words[i] in _BE | _MODALS and (words[i + 1] in _SUBJECT_START or asked[i + 1][:1].isupper())
        for i in range(1, min(len(words) - 1, 6))
    )
    return (
        any(w in _DO for w in words[1:])
        or (
            words[0] in {"when", "where", "why", "how"}
            and len(words) > 1
            and words[1] in _AUXILIARIES
        )
        or (words[0] == "how" and any(w in _MODALS for w in words[2:6]))
        or (
            words[0] in {"what", "who"}
            and len(words) > 2
            and words[1] in _BE
            and not _participle(words[2])
        )
        or verb_then_subject
    )


def _participle(word: str) -> bool:
    """ "hurt", "stolen", "leading", "killed": a verb form a subject question goes on with."""
    return word in IRREGULAR_PAST or word.endswith(("ed", "en", "wn", "ing"))


def split_short_answer(draft: str) -> tuple[str | None, str]:
    """``(short answer, rest of the draft)`` when the draft leads with a short claim that a
    later claim of it contains ("Sitakunda [1]. The fire ... in Sitakunda ... [1]."), else
    ``(None, draft)``. The caller checks that a cited sentence holds it verbatim.

    >>> split_short_answer("Sitakunda [1]. The fire broke out in Sitakunda [1].")
    ('Sitakunda', 'The fire broke out in Sitakunda [1].')
    """
    claims = parse_claims(draft)
    if len(claims) < 2 or not claims[0].markers:
        return None, draft
    # One full stop is the sentence's own; another is an abbreviation's ("9:45 a.m.").
    short = claims[0].text.removesuffix(".").strip().strip('“”"')
    if not short or (len(words(short)) > SHORT_ANSWER_WORDS and not claims[0].text.startswith("“")):
        return None, draft
    rest = " ".join(_with_markers(c.text, list(c.markers)) for c in claims[1:])
    return short, rest


def cited_verbatim(short: str, citations: list[Citation]) -> Citation | None:
    """The first citation whose quote holds ``short`` word for word, or as the count of a
    compound ("11" of "the 11-date tour").

    >>> cited_verbatim("11", [Citation(n=1, quote="She plays the 11-date tour.", article_id="a",
    ...     title="t", date=None, source="s", chunk_id="c", start=0, end=1)]).n
    1
    """
    return next(
        (c for c in citations if holds_span(c.quote, short) or _counts_compound(c.quote, short)),
        None,
    )


def cite_short_answer(short: str, citations: list[Citation]) -> tuple[str, Citation] | None:
    """``short`` and the citation whose quote holds it (``cited_verbatim``). A full name that
    every quote gives by surname alone ("Alexander Lukashenko", read in the article's title;
    "Lukashenko said ...") becomes the surname the quote holds, so the short answer is never
    cited to a sentence that does not say it; None when no quote holds either."""
    cited = cited_verbatim(short, citations)
    if cited is not None:
        return short, cited
    words = short.split()
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
        cited = cited_verbatim(words[-1], citations)
        if cited is not None:
            return words[-1], cited
    return None


def _counts_compound(quote: str, short: str) -> bool:
    if not re.fullmatch(r"\d[\d,]*", short):
        return False
    return re.search(rf"(?<![\w.,]){re.escape(short)}-[a-z]", quote) is not None


def parse_claims(draft: str) -> list[Claim]:
    """Split a draft into sentences with the markers that follow or sit inside each.

    >>> parse_claims("Xi spoke [1]. He left [2][3].")
    [Claim(text='Xi spoke.', markers=(1,)), Claim(text='He left.', markers=(2, 3))]
    """
    claims: list[Claim] = []
    draft = _markers_before_stops(normalize_markers(draft))
    for span in _claim_spans(draft):
        sentence = span.of(draft)
        markers = tuple(
            int(n) for group in _MARKER.findall(sentence) for n in re.split(r"\s*,\s*", group)
        )
        text = _MARKER.sub("", sentence).strip()
        if text:
            claims.append(Claim(text=text, markers=tuple(dict.fromkeys(markers))))
        elif markers and claims:  # a marker split off on its own: it belongs to the claim before
            last = claims[-1]
            claims[-1] = Claim(last.text, tuple(dict.fromkeys(last.markers + markers)))
    return claims


# A marker before a full stop ends a claim, whatever opens the next one: a sentence the offline
# answerer quotes may open in lower case ("480,000 [1]. was just enough to outnumber deaths").
_CLAIM_END = re.compile(r"\]\s*[.!?…]+[\"”’')]*(?=\s)")


def _claim_spans(draft: str) -> Iterator[Span]:
    """The draft's sentences, cut at every marker that closes one."""
    start = 0
    for end in _CLAIM_END.finditer(draft):
        yield from split_sentences(draft[start : end.end()], start)
        start = end.end()
    yield from split_sentences(draft[start:], start)


def normalize_markers(draft: str) -> str:
    """Rewrite the other citation styles models use into ``[n]`` / ``[n, m]``.

    >>> normalize_markers("Xi spoke 【1】, met him [^2] [Source 3], [4-6].")
    'Xi spoke [1], met him [2][3][4, 5, 6].'
    >>> normalize_markers("He left [1; 2] and came back 【1, 2】 [ 3 ] [1, 4-5].")
    'He left [1, 2] and came back [1, 2][3][1, 4, 5].'
    """
    draft = re.sub(r"\[\^(\d+)\]", r"[\1]", draft)  # footnote style
    draft = _MARKER_GROUP.sub(_canonical_group, draft)
    # "[1], [2]" and "[1] [2]" are one group of markers: no stray comma left in the sentence.
    return re.sub(r"\]\s*[,;]?\s*(?=\[\d)", "]", draft)


# Numbers in square or CJK brackets (Qwen, DeepSeek), "Source"/"Sources" before them, spaces,
# commas, semicolons and ranges between them: "[1; 2]", "【1, 2】", "[ 3 ]", "[Sources 1-3]".
_MARKER_GROUP = re.compile(
    r"(\s*)[\[【]\s*(?:sources?\s+)?(\d+(?:\s*[,;–-]\s*\d+)*)\s*[\]】]", flags=re.IGNORECASE
)


def _canonical_group(match: re.Match[str]) -> str:
    """One marker group as ``[1, 2, 3]``. A range too wide to be meant ("[1-50]") is dropped,
    so that it cannot stay in the text looking like a citation."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", match.group(2)):
        ends = [int(n) for n in re.split(r"\s*[–-]\s*", part)]
        if len(ends) == 1:
            numbers.append(ends[0])
            continue
        first, last = ends[0], ends[-1]
        if len(ends) != 2 or not 0 < last - first < 20:
            return ""
        numbers.extend(range(first, last + 1))
    return match.group(1) + "[" + ", ".join(str(n) for n in numbers) + "]"


def without_markers(text: str) -> str:
    """``text`` with its citation markers, in any style ``normalize_markers`` reads, removed."""
    return _MARKER.sub("", normalize_markers(text))


def _markers_before_stops(text: str) -> str:
    """Move '.[1]' to ' [1].' (and '!!! [1]' to ' [1]!!!') so that the splitter keeps a marker
    with its sentence."""
    return re.sub(r"([.!?…]+[\"”’']?)((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)", r"\2\1", text)


@dataclass(frozen=True)
class SupportCheck:
    """How ``resolve`` judges a claim against a passage (see ``qa.support.judge``): rules on
    names, numbers, polarity and roles, then, for a claim they leave undecided (a content word
    the passage words differently), the encoder's ``similarity`` or a chat model's ``entail``.
    With neither, undecided claims fail: nothing is cited on a guess."""

    similarity: Similarity | None = None
    entail: Entailment | None = None


def best_support(claim: str, source: Source, check: SupportCheck | None = None) -> Span | None:
    """The sentence (or two adjacent sentences) of ``source`` that supports ``claim``, if any.

    >>> from qa.store import StoredChunk
    >>> text = "The council met on Monday. It voted to approve the budget."
    >>> chunk = StoredChunk(id="a:0", article_id="a", text=text, start=0, end=len(text),
    ...     index=0, title="Budget", date=None, source="a.txt", url=None)
    >>> best_support("The council rejected the budget.", Source(n=1, chunk=chunk, score=1.0))
    >>> best_support("It voted to approve the budget.", Source(n=1, chunk=chunk, score=1.0))
    Span(start=27, end=58)
    """
    check = check or SupportCheck()
    chunk = source.chunk
    return judge(
        claim, chunk.text, title=chunk.title, similarity=check.similarity, entail=check.entail
    ).span


def find_injections(sources: Sequence[Source]) -> list[tuple[Source, str]]:
    """The sentences of ``sources`` that instruct the reader ("ignore previous instructions",
    "say that..."): never support, and a sign that an article was written to steer the model."""
    found = []
    for source in sources:
        text = source.chunk.text
        for span in split_sentences(text):
            if is_instruction(span.of(text)):
                found.append((source, span.of(text)))
    return found


def injection_warning(found: Sequence[tuple[Source, str]]) -> str | None:
    """One line naming the articles that carry instructions, quoting the first."""
    if not found:
        return None
    titles = list(dict.fromkeys(f"“{source.chunk.title}”" for source, _ in found))
    first = " ".join(found[0][1].split())
    first = first if len(first) <= 120 else first[:119] + "…"
    return (
        f"Possible prompt injection: {', '.join(titles)} contains text addressed to the "
        f"model (“{first}”); it was not accepted as support. Check this answer against the "
        "articles."
    )


def resolve(draft: str, sources: list[Source], check: SupportCheck | None = None) -> Resolved:
    """Verify and renumber the citations of ``draft`` against ``sources``.

    Markers that point at no source are dropped; each claim keeps only the markers whose
    passage supports it, renumbered 1, 2, ... in order of first use (one number per distinct
    quoted sentence); claims left with no supported marker are reported as ``unsupported``.
    """
    by_number = {s.n: s for s in sources}
    numbers: dict[tuple[str, int], int] = {}
    citations: list[Citation] = []
    unsupported: list[str] = []
    parts: list[str] = []
    for claim in parse_claims(draft):
        cited: list[int] = []
        # A claim with nothing to look up ("Yes.", "No.", a lone marker) is supported by no
        # quote: any sentence would "hold" it. A bare verdict is still a claim, so unsupported.
        says = bool(content_terms(claim.text))
        for marker in claim.markers if says else ():
            source = by_number.get(marker)
            span = best_support(claim.text, source, check) if source else None
            if source is None or span is None:
                continue
            chunk = source.chunk
            key = (chunk.article_id, chunk.start + span.start)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                citations.append(
                    Citation(
                        n=numbers[key],
                        article_id=chunk.article_id,
                        title=chunk.title,
                        date=chunk.date,
                        source=chunk.url or chunk.source,
                        url=chunk.url,
                        chunk_id=chunk.chunk_at(chunk.start + span.start),
                        quote=span.of(chunk.text),
                        start=chunk.start + span.start,
                        end=chunk.start + span.end,
                    )
                )
            if numbers[key] not in cited:
                cited.append(numbers[key])
        if not cited and (says or _VERDICT.fullmatch(claim.text)):
            unsupported.append(claim.text)
        parts.append(_with_markers(claim.text, cited))
    return Resolved(text=" ".join(parts), citations=citations, unsupported=unsupported)


# "Yes.", "No, he did not.", "True": a verdict on the question, which no quote can hold.
_VERDICT = re.compile(
    r"(?i)\s*(?:yes|no|true|false|correct|incorrect)\b"
    r"(?:[,\s]+(?:he|she|it|they|we|you|there|i)\s+\w+(?:n[’']t|\s+not)?)?[\s.,!;:…]*"
)


def resolve_answer(
    draft: str, sources: list[Source], check: SupportCheck | None = None
) -> tuple[str | None, Resolved]:
    """``resolve`` for a draft that may lead with a short answer ("Beijing [1]. Xi met
    Lukashenko in Beijing [1]."): ``(short answer, resolved)``.

    The short answer is cited only to a quote of the rest that holds it word for word
    (``cite_short_answer``). A phrase that no cited quote holds stays in the text uncited and
    is flagged: a sentence that merely mentions its words ("Moscow's invasion" for "In
    Moscow") does not say it answers the question. A longer lead is a sentence of its own (a
    quoted headline, "Kanye West drops out of Coachella [1].") and is checked as any claim is.
    """
    short, rest = split_short_answer(draft)
    if short is None:
        return None, resolve(draft, sources, check)
    resolved = resolve(rest, sources, check)
    found = cite_short_answer(short, resolved.citations)
    if found is None and len(words(short)) > PHRASE_WORDS:
        return None, resolve(draft, sources, check)
    if found is None:
        lead = f"{short}."
        text = f"{lead} {resolved.text}".strip()
        return None, replace(resolved, text=text, unsupported=[lead, *resolved.unsupported])
    short, cited = found
    return short, replace(resolved, text=f"{short} [{cited.n}]. {resolved.text}")


def _with_markers(sentence: str, numbers: list[int]) -> str:
    """Markers go before the sentence's final punctuation: ``... peacefully [1].``"""
    if not numbers:
        return sentence
    markers = "".join(f"[{n}]" for n in numbers)
    match = re.search(r"[.!?…][\"”’')]*$", sentence)
    if match and not re.search(r"[\"”’]", match.group()):
        return f"{sentence[: match.start()]} {markers}{match.group()}"
    return f"{sentence} {markers}"
