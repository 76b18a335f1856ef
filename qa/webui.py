"""The chat UI: what ``qa serve`` and ``ui.py`` show, as plain functions over an ``Engine``.

The parts that decide something (HTML for answers and their sources, upload checks, the JSON the
``ask`` endpoint returns) are plain functions, tested without a browser; ``qa.webapp`` only lays
out Gradio components and wires them to ``ChatUI``'s handlers. Nothing here imports Gradio.

Every string that comes from an article, a question or a file name is untrusted: it reaches HTML
only through ``html.escape``. Gradio sanitizes chat messages as well, but we do not rely on it.

>>> from qa import Engine, Settings                      # doctest: +SKIP
>>> ui = ChatUI.for_engine(Engine(Settings()))           # doctest: +SKIP
>>> ui.ask("What did Xi say about sanctions?")["citations"][0]["quote"]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import shutil
import threading
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path, PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from qa.articles import SUPPORTED_SUFFIXES
from qa.chat import was_rewritten
from qa.dates import days_before, parse_date
from qa.errors import friendly
from qa.models import Answer, AnswerStream, Citation, Query, is_blank, storable_text
from qa.settings import Settings
from qa.syndication import also_ran_in

if TYPE_CHECKING:
    from qa.engine import Engine
    from qa.ingest import IngestReport

log = logging.getLogger(__name__)

API_FIELDS = frozenset(
    {
        "text",
        "citations",
        "refused",
        "question",
        "unsupported",
        "warning",
        "incomplete",
        "answerer",
        "timings",
    }
)
"""The ``Answer`` fields the ``ask`` endpoint returns: the documented JSON contract."""

UPLOAD_FOLDER = "uploads"
_CONTEXT_CHARS = 400  # article text shown on each side of a quote, at most
_SHORT_CONTEXT = 80  # less context than this on a side pulls in the neighbouring paragraph
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")  # [1] or [1, 3], as qa.citations writes them
_PARTIAL_MARKER = re.compile(r"\[[\d,\s]*$")  # "[1" of a marker still streaming in
_LAST_WORD = re.compile(r"(\S*)\s*$")  # the word a marker follows, and the space between
_SAFE_NAME = re.compile(r"[^\w.-]+")
# A stem of at most 60 characters keeps a name within 255 bytes in any script.
_STEM_CHARS = 60

ChatMessage = dict[str, str]  # the OpenAI/Gradio messages format, as Gradio passes it
ProgressFn = Callable[[float, str], None]


# -- rendering -----------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def cite_id(turn: int, n: int) -> str:
    """The HTML id of citation ``n`` of answer ``turn``: unique within one chat page."""
    return f"qa-t{turn}-c{n}"


def render_question(question: str) -> str:
    """A user's question as chat HTML: shown exactly as typed, never interpreted."""
    return f'<div class="qa-question">{_e(question)}</div>'


def render_pending() -> str:
    return '<div class="qa-answer qa-pending">Searching the articles…</div>'


def render_queued(question: str) -> str:
    """A question waiting for the answer before it: shown as sent, marked as waiting."""
    return (
        f'<div class="qa-question qa-queued">{_e(question)}'
        '<div class="qa-queue-note">Waiting: asked when the answer above ends</div></div>'
    )


def render_notice(message: str) -> str:
    return f'<div class="qa-answer qa-notice">{_e(message)}</div>'


def render_draft(draft: str) -> str:
    """A streaming draft. Its markers number the retrieved passages, not the final citations
    (those are renumbered once verified), so they are hidden until the answer is final."""
    text = _PARTIAL_MARKER.sub("", _MARKER.sub("", draft)).strip() or "…"
    return f'<div class="qa-answer qa-streaming">{_paragraphs(text)}</div>'


def render_error(message: str) -> str:
    return f'<div class="qa-answer qa-error"><strong>Could not answer:</strong> {_e(message)}</div>'


def render_answer(
    answer: Answer,
    *,
    turn: int,
    article_text: Callable[[str], str | None] | None = None,
    asked: str | None = None,
) -> str:
    """One answer bubble: the text with [n] footnote links, any caveat, then its sources.

    A refusal is drawn as a notice, not as an answer; the passage it cites, if any, is shown
    under "Nearest source", never as the answer's source. ``asked`` is the
    question as typed: when a follow-up was rewritten into a standalone question for retrieval,
    the bubble says how it was understood.
    """
    meta = []
    if asked and was_rewritten(asked, answer.question):
        meta.append(f"understood as: {_e(answer.question)}")
    took = answer.timings.get("total_ms")
    meta.append(
        f"answered by {_e(answer.answerer or 'qa')}"
        + (f" in {took / 1000:.1f} s" if took is not None else "")
    )
    footer = f'<div class="qa-meta">{" · ".join(meta)}</div>'
    if answer.refused:
        parts = [
            '<div class="qa-answer qa-refusal">',
            '<div class="qa-refusal-label">No answer in the articles</div>',
            _paragraphs(answer.text, answer.citations, turn),
        ]
        if answer.warning:
            parts.append(f'<p class="qa-warning">{_e(answer.warning)}</p>')
        parts.append("</div>")
        if answer.citations:
            parts.append(
                render_sources(answer.citations, turn=turn, article_text=article_text, nearest=True)
            )
        parts.append(footer)
        return "".join(parts)
    parts = [
        '<div class="qa-answer">'
        f"{_paragraphs(answer.text, answer.citations, turn, lead=_short(answer))}</div>",
    ]
    if answer.warning:
        parts.append(f'<p class="qa-warning">⚠ {_e(answer.warning)}</p>')
    if answer.citations:
        parts.append(render_sources(answer.citations, turn=turn, article_text=article_text))
    parts.append(footer)
    return "".join(parts)


def _short(answer: Answer) -> str:
    return (getattr(answer, "short_answer", None) or "").strip()


def _paragraphs(
    text: str, citations: Sequence[Citation] = (), turn: int = 0, *, lead: str = ""
) -> str:
    """Paragraphs with [n] links. ``lead`` is the short answer: in bold where the text starts
    with it, else as a bold line of its own above the text."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    html_paragraphs = [_linked(p, citations, turn) for p in paragraphs]
    if lead and paragraphs and paragraphs[0].startswith(lead):
        rest = paragraphs[0][len(lead) :]
        html_paragraphs[0] = f'<strong class="qa-short">{_e(lead)}</strong>' + _linked(
            rest, citations, turn
        )
    elif lead:
        html_paragraphs.insert(0, f'<strong class="qa-short">{_e(lead)}</strong>')
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in html_paragraphs)


def _linked(text: str, citations: Sequence[Citation], turn: int) -> str:
    """Escape ``text`` and turn each [n] that names a citation into a footnote link."""
    known = {c.n for c in citations}
    out: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        # The marker stays on the line of the word it follows: that word and the marker are
        # one unbreakable span (the space between them would otherwise be a break).
        before = text[last : match.start()]
        cut = _LAST_WORD.search(before)
        head, tail = (before[: cut.start()], cut.group(1)) if cut else (before, "")
        out.append(_e(head))
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        links = []
        for n in numbers:
            if n in known:
                links.append(
                    f'<a class="qa-cite" href="#{cite_id(turn, n)}" title="source {n}">[{n}]</a>'
                )
            else:  # a marker without a citation stays visible as text, never a dead link
                links.append(f"[{n}]")
        out.append(f'<span class="qa-nobr">{_e(tail)}<sup>{"".join(links)}</sup></span>')
        last = match.end()
    out.append(_e(text[last:]))
    return "".join(out)


def quote_in_context(
    article: str | None, citation: Citation, *, context: int = _CONTEXT_CHARS
) -> tuple[str, str, str]:
    """``(before, quote, after)``: the quote inside its paragraph of the article.

    The paragraph is the article's line holding the quote. News paragraphs are often a single
    sentence, and then the quote alone says little: when the paragraph adds fewer than
    ``_SHORT_CONTEXT`` characters on a side, the neighbouring paragraph on that side is shown
    too. Each side is trimmed to ``context`` characters at a word boundary. When the article
    text is unavailable or no longer holds the quote at its offsets (it changed since the
    answer), the quote is shown alone.

    >>> from qa.models import Citation
    >>> c = Citation(n=1, article_id="a", title="t", date=None, source="s", chunk_id="a:0",
    ...              quote="He left.", start=10, end=18)
    >>> quote_in_context("Xi spoke. He left. They met.", c)
    ('Xi spoke. ', 'He left.', ' They met.')
    """
    if not article or article[citation.start : citation.end] != citation.quote:
        return "", citation.quote, ""
    start = _line_start(article, citation.start)
    if citation.start - start < _SHORT_CONTEXT and start > 0:
        start = _line_start(article, len(article[:start].rstrip("\n")))
    end = _line_end(article, citation.end)
    if end - citation.end < _SHORT_CONTEXT and end < len(article):
        end = _line_end(article, end + len(article[end:]) - len(article[end:].lstrip("\n")))
    before = article[start : citation.start]
    after = article[citation.end : end]
    if len(before) > context:
        cut = before[-context:]
        before = "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut
    if len(after) > context:
        cut = after[:context]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"
    return before, citation.quote, after


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end == -1 else end


def _context_html(text: str) -> str:
    """Escaped context; paragraph breaks kept as line breaks."""
    return re.sub(r"\n+", "<br>", _e(text))


def display_source(source: str) -> str:
    """A short label for an article's source: the file name of a path, else the source as is."""
    if "://" in source or not ("/" in source or "\\" in source):
        return source
    return PurePosixPath(source.replace("\\", "/")).name or source


def distinct_labels(sources: Sequence[str]) -> list[str]:
    """``display_source`` of each source, with as many parent folders as it takes to tell
    apart sources that share a file name ("a/news.txt", "b/news.txt").

    >>> distinct_labels(["/x/a/news.txt", "/x/b/news.txt", "/x/a/other.txt"])
    ['a/news.txt', 'b/news.txt', 'other.txt']
    """
    labels = [display_source(s) for s in sources]
    parts = [PurePosixPath(s.replace("\\", "/")).parts for s in sources]
    for depth in range(2, max((len(p) for p in parts), default=0) + 1):
        counts = Counter(labels)
        clashing = [
            i for i, label in enumerate(labels) if counts[label] > 1 and "://" not in sources[i]
        ]
        if not clashing:
            break
        for i in clashing:
            labels[i] = "/".join(parts[i][-depth:]).removeprefix("//")
    return labels


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url)
    return url if parsed.scheme in {"http", "https"} and parsed.netloc else None


def site_name(citation: Citation) -> str:
    """Who published an article, as a reader names it: the URL's host without ``www.``, else
    the file name or the source as stored.

    >>> site_name(Citation(n=1, article_id="a", title="t", date=None, chunk_id="a:0", quote="q",
    ...                    source="https://www.news.example/x", start=0, end=1))
    'news.example'
    """
    for candidate in (citation.url, citation.source):
        host = urlparse(candidate or "").hostname if "://" in (candidate or "") else None
        if host:
            return host.removeprefix("www.")
    return display_source(citation.source)


def age_badge(when: date | None, newest: date | None) -> str | None:
    """ "3 years older" when an article is a year or more older than the newest one cited
    beside it: an old source among new ones is worth a second look.

    >>> age_badge(date(2019, 5, 1), date(2022, 6, 1))
    '3 years older'
    >>> age_badge(date(2022, 1, 1), date(2022, 6, 1)) is None
    True
    """
    if when is None or newest is None:
        return None
    years = (newest - when).days // 365
    if years < 1:
        return None
    return f"{years} year{'s' if years != 1 else ''} older"


def render_sources(
    citations: Sequence[Citation],
    *,
    turn: int,
    article_text: Callable[[str], str | None] | None = None,
    nearest: bool = False,
) -> str:
    """The sources of one answer: a compact card per cited article (site, date, title, each
    quoted sentence highlighted under its [n] anchor, the paragraph around it behind "show
    context", and where else the article was published). ``nearest``: the passages a refusal
    cites, headed as what the articles come nearest with, not as sources of an answer."""
    by_article: dict[str, list[Citation]] = {}
    for citation in sorted(citations, key=lambda c: c.n):
        by_article.setdefault(citation.article_id, []).append(citation)
    dates = [c.date for c in citations if c.date]
    newest = max(dates) if dates else None
    cards = [
        _source_card(cited, turn=turn, newest=newest, article_text=article_text)
        for cited in by_article.values()
    ]
    count = len(by_article)
    label = f"Sources ({count} article{'s' if count != 1 else ''})"
    if nearest:
        label = "Nearest source" if len(citations) == 1 else "Nearest sources"
    kind = "qa-sources qa-nearest" if nearest else "qa-sources"
    return (
        f'<div class="{kind}"><div class="qa-sources-label">{label}</div>'
        f'<div class="qa-cards">{"".join(cards)}</div></div>'
    )


def _source_card(
    cited: Sequence[Citation],
    *,
    turn: int,
    newest: date | None,
    article_text: Callable[[str], str | None] | None,
) -> str:
    first = cited[0]
    text = article_text(first.article_id) if article_text is not None else None
    title = _e(first.title or "(untitled)")
    url = _safe_url(first.url)
    if url:
        title = f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    head = [
        f'<span class="qa-date">{_e(first.date.isoformat() if first.date else "undated")}</span>'
    ]
    badge = age_badge(first.date, newest)
    if badge:
        head.append(f'<span class="qa-badge">{_e(badge)}</span>')
    head.append(f'<span class="qa-site" title="{_e(first.source)}">{_e(site_name(first))}</span>')
    quotes = []
    for c in cited:
        before, quote, after = quote_in_context(text, c)
        quotes.append(
            f'<div class="qa-quote" id="{cite_id(turn, c.n)}">'
            f'<span class="qa-quote-n">{c.n}</span><mark>{_e(quote)}</mark></div>'
        )
        if before.strip() or after.strip():
            quotes.append(
                '<details class="qa-context"><summary>show context</summary>'
                f"<div>{_context_html(before)}<mark>{_e(quote)}</mark>{_context_html(after)}"
                "</div></details>"
            )
    also = _also_in(first)
    return (
        '<div class="qa-card" data-testid="source-card">'
        f'<div class="qa-card-head">{" · ".join(head)}</div>'
        f'<div class="qa-source-title">{title}</div>'
        f"{''.join(quotes)}{also}</div>"
    )


def _also_in(citation: Citation) -> str:
    """ "also ran in: …" for the syndicated copies of an article (``qa.syndication``)."""
    line = also_ran_in(citation.also_in)
    return f'<div class="qa-also">{_e(line)}</div>' if line else ""


def render_stats(stats: Mapping[str, Any]) -> str:
    """Corpus figures as a small table."""
    first, last = stats.get("first_date"), stats.get("last_date")
    span = f"{first} to {last}" if first and last else "no dated articles"
    rows = [
        ("Articles", stats.get("articles", 0)),
        ("Chunks", stats.get("chunks", 0)),
        ("Date span", span),
        ("Sources", stats.get("sources", 0)),
        ("Embedding model", stats.get("embedding_model", "")),
    ]
    if stats.get("pending"):
        rows.append(("Unfinished (re-run ingest)", stats["pending"]))
    if stats.get("partial"):  # long files stopped midway: their finished parts are searchable
        rows.append(("of which partly in (re-run resumes them)", stats["partial"]))
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(str(v))}</td></tr>" for k, v in rows)
    return f'<table class="qa-stats">{body}</table>'


def render_feeds(rows: Sequence[tuple[str, str, str, str]], note: str | None = None) -> str:
    """Watched feeds: ``(url, last fetch, new articles, last error)`` a row."""
    parts = [f'<p class="qa-feed-note">{_e(note)}</p>'] if note else []
    if not rows:
        parts.append("<p>No feeds yet: add the URL of an RSS or Atom feed, or of a page.</p>")
        return "".join(parts)
    head = "<tr><th>Feed</th><th>Last fetch</th><th>New articles</th><th>Last error</th></tr>"
    body = "".join(
        f'<tr class="{"qa-bad" if error else "qa-ok"}"><td>{_e(url)}</td><td>{_e(when)}</td>'
        f"<td>{_e(new)}</td><td>{_e(error)}</td></tr>"
        for url, when, new, error in rows
    )
    parts.append(f'<table class="qa-ingest-results qa-feeds">{head}{body}</table>')
    return "".join(parts)


def answerer_label(settings: Settings) -> str:
    """Which answerer is active, in words a reader understands."""
    if settings.uses_llm:
        where = settings.openai_base_url or "api.openai.com"
        return f"Answerer: LLM **{settings.llm.model}** at {where}"
    return (
        "Answerer: **offline extractive** (quotes the articles' own sentences; set "
        "`OPENAI_API_KEY` or `OPENAI_BASE_URL` for an LLM)"
    )


_NAME = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Za-z]+)?(?:\s+[A-Z][a-z]+(?:[-'][A-Za-z]+)?){1,2}\b")
"""Two or three capitalised words in a row: a person's or a place's name in a headline."""

_SITE_AFTER = re.compile(r"\s+[|–—-]\s+[^|–—-]+$")
"""The site's name after a headline: "... | The Week UK", "... - CNN"."""
_NOT_A_NAME_START = frozenset(
    """the a an this that these those what why how who when where which here there ten nine
    eight seven six five four three two one new more most""".split()
)
"""First words of a capitalised run that is a headline's words, not a name ("The Week")."""


def _title_case(headline: str) -> bool:
    """True for a headline with nearly every longer word capitalised: its capitals name
    nothing."""
    longer = [w for w in re.findall(r"[A-Za-z][\w'’-]*", headline) if len(w) > 3]
    return len(longer) >= 3 and sum(w[0].isupper() for w in longer) >= 0.8 * len(longer)


EMPTY_LIBRARY = (
    "**The library is empty.** Open the **Library** tab and add article files "
    "(.txt .md .html .json .jsonl), or run `qa ingest PATH` — then ask about them here."
)
READY = "Ask a question about the articles in the library."


def example_questions(titles: Sequence[str], limit: int = 4) -> list[str]:
    """Questions a newcomer can click, drawn from headlines (newest first): the names they
    mention most, then the newest, each as "What do the articles say about NAME?".

    >>> example_questions(["Hask wins: Ottilie Hask elected", "Xi Jinping meets Ottilie Hask"])
    ['What do the articles say about Ottilie Hask?', 'What do the articles say about Xi Jinping?']
    """
    counts: dict[str, int] = {}
    for title in titles:
        headline = _SITE_AFTER.sub("", title)
        if _title_case(headline):
            continue  # "Ten Things You Need to Know Today": every word capitalised, no names
        # Each name once a headline, without a possessive's 's ("Ketanji Brown Jackson's").
        for name in dict.fromkeys(re.sub(r"[’']s$", "", n) for n in _NAME.findall(headline)):
            if name.split()[0].lower() not in _NOT_A_NAME_START:
                counts[name] = counts.get(name, 0) + 1
    # Most mentioned first; among equals the newest headline's (dicts keep insertion order).
    names = sorted(counts, key=lambda name: -counts[name])[:limit]
    return [f"What do the articles say about {name}?" for name in names]


# -- answers as JSON -----------------------------------------------------------------------------


def answer_json(answer: Answer) -> dict[str, Any]:
    """What the ``ask`` endpoint returns: ``text``, ``citations`` (each with ``n``, ``article_id``,
    ``title``, ``date``, ``source``, ``url``, ``chunk_id``, ``quote``, ``start``, ``end``),
    ``refused``, ``question``, ``unsupported``, ``warning``, ``incomplete``, ``answerer``,
    ``timings``."""
    return answer.model_dump(mode="json", include=set(API_FIELDS))


def make_query(
    question: str,
    history: Sequence[ChatMessage],
    since: str | None,
    until: str | None,
    sources: Sequence[str] | None,
    k: float | None,
    as_of: str | None = None,
) -> Query:
    """The ``Query`` for the page's fields: blank fields mean "no filter" (and "as of today");
    ``Query`` validates what is left."""
    return Query(
        question=question,
        history=history,
        since=(since or "").strip() or None,
        until=(until or "").strip() or None,
        sources=[s for s in sources or [] if s],
        k=None if k is None else int(k),
        as_of=(as_of or "").strip() or None,
    )


DATE_LABELS = {"since": "From", "until": "To", "as_of": "As of"}
"""The page's date fields, by ``Query`` field."""


def date_problems(since: str | None, until: str | None, as_of: str | None = None) -> dict[str, str]:
    """What is wrong with the page's date fields, by field (empty when nothing is): a value
    that is not a date, or a From after its To. Shown on the fields, instead of an answer.

    >>> date_problems("2022-07-01", "2022-06-01")["until"]
    'From 2022-07-01 is after To 2022-06-01: swap them, or clear one'
    >>> date_problems("someday", None)["since"]
    "From 'someday' is not a date: pick a day or write YYYY-MM-DD"
    """
    problems: dict[str, str] = {}
    parsed: dict[str, date | None] = {}
    for field, value in (("since", since), ("until", until), ("as_of", as_of)):
        try:
            parsed[field] = parse_date(value, what=field)
        except ValueError:
            problems[field] = (
                f"{DATE_LABELS[field]} {str(value).strip()!r} is not a date: pick a day or "
                "write YYYY-MM-DD"
            )
    first, last = parsed.get("since"), parsed.get("until")
    if first and last and first > last:
        message = f"From {first} is after To {last}: swap them, or clear one"
        problems["since"] = problems["until"] = message
    return problems


def render_date_problems(problems: Mapping[str, str]) -> str:
    """The note under the date fields: each distinct problem once."""
    messages = list(dict.fromkeys(problems.values()))
    return "".join(f'<div class="qa-field-error" role="alert">{_e(m)}</div>' for m in messages)


DATE_PRESETS = {"Last 7 days": 7, "Last 30 days": 30, "All dates": None}
"""Date-range shortcuts: days back from the "as of" day, or no range."""


def preset_range(preset: str, as_of: str | None, today: date | None = None) -> tuple[str, str]:
    """``(since, until)`` for a preset, counted back from ``as_of`` (default today);
    ``("", "")`` for all dates.

    >>> preset_range("Last 7 days", "2022-07-01")
    ('2022-06-25', '2022-07-01')
    """
    days = DATE_PRESETS[preset]
    if days is None:
        return "", ""
    try:
        end = parse_date(as_of) or today or date.today()
    except ValueError:  # the as-of field is flagged on its own; count from today meanwhile
        end = today or date.today()
    return days_before(end, days - 1).isoformat(), end.isoformat()


# -- conversations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversation:
    """One browser session's chat: what the engine sees and what the page shows.

    ``history`` holds the plain answer texts (the messages format ``Engine.stream`` takes);
    ``display`` holds the rendered bubbles. Gradio keeps one per session (``gr.State``).
    """

    history: tuple[tuple[str, str], ...] = ()
    display: tuple[tuple[str, str], ...] = ()
    answers: int = 0

    def messages(self) -> list[ChatMessage]:
        return [{"role": role, "content": content} for role, content in self.history]

    def bubbles(self) -> list[ChatMessage]:
        return [{"role": role, "content": content} for role, content in self.display]


ChatUpdate = tuple[str, list[ChatMessage], Conversation]

CONVERSATION_LOST = (
    "The server restarted, so this conversation starts again: the answers above stay on the "
    "page but are not used for follow-ups."
)


@dataclass(frozen=True)
class Asked:
    """A question as it was sent, with the filters beside it then: a question that waits its
    turn is answered as it was asked, whatever the box and the fields hold when its turn comes."""

    question: str
    since: str | None = None
    until: str | None = None
    sources: tuple[str, ...] | None = None
    k: float | None = None
    as_of: str | None = None


class Inbox:
    """One browser session's sent questions, answered one at a time in the order sent.

    Gradio hands each event of a session the object its ``gr.State`` holds, not a copy, so the
    event that takes a question (at once) and the one that answers (queued) share this one. A
    new session starts with an empty inbox (``__deepcopy__``: Gradio copies a State's initial
    value for each session, and a lock cannot be copied).
    """

    def __init__(self) -> None:
        self._waiting: deque[Asked] = deque()
        self._lock = threading.Lock()
        self._answering = False

    def __deepcopy__(self, memo: dict[int, Any]) -> Inbox:
        return Inbox()

    def put(self, asked: Asked) -> None:
        with self._lock:
            self._waiting.append(asked)

    def waiting(self) -> list[Asked]:
        return list(self._waiting)

    @property
    def answering(self) -> bool:
        return self._answering

    def claim(self) -> bool:
        """Become the session's one answerer; False when another is answering already."""
        with self._lock:
            if self._answering:
                return False
            self._answering = True
            return True

    def next(self) -> Asked | None:
        """The next question to answer; None (and no answerer) when none is waiting."""
        with self._lock:
            if self._waiting:
                return self._waiting.popleft()
            self._answering = False
            return None

    def clear(self) -> None:
        """Forget the waiting questions ("New chat"); an answer being streamed is cancelled
        by the page, which then frees the answerer's place."""
        with self._lock:
            self._waiting.clear()
            self._answering = False


@dataclass
class ChatUI:
    """The handlers behind the page, over one shared ``Engine``. Holds no per-user state."""

    engine: Engine
    upload_dir: Path  # uploads are copied here and nowhere else
    max_upload_bytes: int = 20 * 1024 * 1024

    @classmethod
    def for_engine(cls, engine: Engine) -> ChatUI:
        settings = engine.settings
        return cls(
            engine=engine,
            upload_dir=settings.data_dir / UPLOAD_FOLDER,
            max_upload_bytes=settings.ui.max_upload_mb * 1024 * 1024,
        )

    def respond(
        self,
        question: str,
        conversation: Conversation,
        since: str | None = None,
        until: str | None = None,
        sources: Sequence[str] | None = None,
        k: float | None = None,
        as_of: str | None = None,
    ) -> Iterator[ChatUpdate]:
        """Stream one answer into the chat: ``(new textbox value, bubbles, conversation)``.

        Dates that ``date_problems`` rejects are not asked with: the question stays in the box
        and the page shows the problem on the date fields instead."""
        question = storable_text((question or "").strip())
        if is_blank(question):
            yield "", conversation.bubbles(), conversation
            return
        if date_problems(since, until, as_of):
            yield question, conversation.bubbles(), conversation
            return
        turn = conversation.answers + 1
        shown = [*conversation.display, ("user", render_question(question))]
        yield "", _bubbles(shown, render_pending()), conversation
        draft = ""
        try:
            query = make_query(
                question,
                conversation.messages(),
                since,
                until,
                self.stored_sources(sources),
                k,
                as_of,
            )
            drafts = AnswerStream(self.engine.stream(query))
            for delta in drafts:
                draft += delta
                yield "", _bubbles(shown, render_draft(draft)), conversation
            final = self.public_answer(drafts.answer)
        except Exception as exc:  # shown in the chat; the page must survive any engine error
            log.exception("answering %r failed", question)
            failed = (*shown, ("assistant", render_error(friendly(exc))))
            kept = replace(conversation, display=failed)
            yield "", kept.bubbles(), kept
            return
        bubble = render_answer(final, turn=turn, article_text=self.article_text, asked=question)
        done = Conversation(
            history=(*conversation.history, ("user", question), ("assistant", final.text)),
            display=(*shown, ("assistant", bubble)),
            answers=turn,
        )
        yield "", done.bubbles(), done

    def take(
        self,
        inbox: Inbox,
        conversation: Conversation,
        shown: Sequence[Mapping[str, Any]],
        question: str,
        since: str | None = None,
        until: str | None = None,
        sources: Sequence[str] | None = None,
        k: float | None = None,
        as_of: str | None = None,
    ) -> Taken:
        """Take a question the moment it is sent: out of the box and into the session's inbox,
        with the filters beside it now. ``answer_waiting`` answers it in its turn.

        A blank question is dropped and one with bad dates stays in the box (the page shows the
        problem on the fields). With no answer under way, the chat shows the question at once,
        waiting for a free answering slot. ``shown`` is what the page's chat holds: when it
        holds messages the session does not (the server restarted), they stay, with a note."""
        text = storable_text((question or "").strip())
        if is_blank(text):
            return Taken(box="")
        if date_problems(since, until, as_of):
            return Taken(box=text)
        lost = bool(shown) and not conversation.display
        if lost:
            kept = tuple((str(m.get("role")), _message_text(m)) for m in shown)
            conversation = Conversation(
                display=(*kept, ("assistant", render_notice(CONVERSATION_LOST)))
            )
        chosen = tuple(sources) if sources else None
        inbox.put(Asked(text, since or None, until or None, chosen, k, as_of or None))
        if inbox.answering:
            # The chat as the page shows it now (the answer streaming in), with every
            # question waiting below it.
            current = [m for m in shown if "qa-queued" not in _message_text(m)]
            bubbles: list[ChatMessage] = [
                {"role": str(m.get("role")), "content": _message_text(m)} for m in current
            ]
            return Taken(box="", bubbles=bubbles + _queued_bubbles(inbox.waiting()))
        return Taken(
            box="",
            bubbles=_with_waiting(conversation.display, inbox),
            conversation=conversation if lost else None,
        )

    def answer_waiting(
        self, inbox: Inbox, conversation: Conversation
    ) -> Iterator[tuple[list[ChatMessage], Conversation]]:
        """Answer the session's waiting questions in the order sent, each streamed into the
        chat with the filters it was sent with; the ones still waiting show below it. Nothing
        when another call is answering this session's questions already."""
        if not inbox.claim():
            return
        while (asked := inbox.next()) is not None:
            updates = self.respond(
                asked.question,
                conversation,
                asked.since,
                asked.until,
                asked.sources,
                asked.k,
                asked.as_of,
            )
            for _, bubbles, state in updates:
                yield bubbles + _queued_bubbles(inbox.waiting()), state
                conversation = state

    def article_text(self, article_id: str) -> str | None:
        try:
            return self.engine.store.article_text(article_id)
        except Exception:  # the quote is still shown, just without its paragraph
            log.exception("cannot read article %s", article_id)
            return None

    def ask(
        self,
        question: str,
        history: Sequence[Mapping[str, str]] | None = None,
        since: str | None = None,
        until: str | None = None,
        sources: Sequence[str] | None = None,
        k: int | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """The ``ask`` endpoint: one answer as JSON (see ``answer_json``)."""
        if not question or not question.strip():
            msg = "the question is empty: ask something about the articles"
            raise ValueError(msg)
        if any(not isinstance(m, Mapping) for m in history or []):
            msg = 'history must be a list of {"role": "user" | "assistant", "content": ...} objects'
            raise ValueError(msg)
        messages = [
            {"role": str(m.get("role", "")), "content": str(m.get("content", ""))}
            for m in history or []
        ]
        query = make_query(question, messages, since, until, self.stored_sources(sources), k, as_of)
        return answer_json(self.public_answer(self.engine.ask(query)))

    def public_source(self, source: str) -> str:
        """How the page, the ``ask`` API, ``/api`` and ``/v1`` name a source: an uploaded file by
        its cleaned upload name, never by its path on the server; any other source as stored."""
        path = PurePath(source)
        # Any uploads folder, not only this one: a data folder copied or moved elsewhere keeps
        # the paths its uploads were stored under.
        if path.is_absolute() and path.parent.name == UPLOAD_FOLDER:
            return path.name
        return source

    def public_answer(self, answer: Answer) -> Answer:
        """``answer`` with the source of each citation and of each copy it lists (``also_in``)
        in its public form (``public_source``)."""
        citations = [
            c.model_copy(
                update={
                    "source": self.public_source(c.source),
                    "also_in": [
                        copy.model_copy(update={"source": self.public_source(copy.source)})
                        for copy in c.also_in
                    ],
                }
            )
            for c in answer.citations
        ]
        return answer.model_copy(update={"citations": citations})

    def stored_sources(self, sources: Sequence[str] | None) -> list[str] | None:
        """Source filters as the store holds them: an upload's public name becomes the paths
        stored under it (the file may be gone, or stored from where the data folder was)."""
        if not sources:
            return None
        by_name: dict[str, list[str]] = {}
        for stored in self.engine.store.sources():
            by_name.setdefault(self.public_source(stored), []).append(stored)
        return [path for source in sources for path in by_name.get(source, [source])]

    def source_choices(self) -> list[tuple[str, str]]:
        """``(label, value)`` pairs for the source filter."""
        try:
            values = self.engine.store.sources()
        except Exception:
            log.exception("cannot list sources")
            return []
        public = [self.public_source(s) for s in values]
        return sorted(zip(distinct_labels(public), public, strict=True))

    def examples(self, limit: int = 4) -> tuple[list[str], bool]:
        """Example questions from the newest articles' headlines, and whether the library holds
        any article (it may hold some with no headline to ask about), from one read. A failed
        read gives no examples and says yes: the stats line shows the error, and an
        empty-library notice would be wrong twice."""
        try:
            titles = [record.title for record in self.engine.store.articles()[:200]]
        except Exception:
            log.exception("cannot list articles")
            return [], True
        return example_questions(titles, limit), bool(titles)

    def generation(self) -> str | None:
        """The index's write generation (``Store.generation``); None when it cannot be read."""
        try:
            return self.engine.store.generation()
        except Exception:
            log.exception("cannot read the index's generation")
            return None

    def stats_html(self) -> str:
        try:
            return render_stats(self.engine.stats())
        except Exception as exc:
            return render_error(friendly(exc))

    def feeds_html(self, note: str | None = None) -> str:
        """The watched feeds (``<data_dir>/feeds.txt``) with what their last fetch found."""
        from qa.feeds import FetchLog
        from qa.watch import watched

        try:
            urls = watched(self.engine.settings)
            log = FetchLog.for_settings(self.engine.settings)
        except ValueError as exc:
            return render_error(friendly(exc))
        rows = []
        for url in urls:
            state = log.get(url)
            if state is None:
                rows.append((url, "not yet", "", ""))
                continue
            when = (state.fetched_at or "").replace("T", " ").replace("+00:00", " UTC")
            rows.append((url, when, str(state.new_articles) if state.ok else "", state.error or ""))
        return render_feeds(rows, note)

    def add_feed(self, url: str | None) -> str:
        """Watch a feed (or page) URL from now on and ingest it at once; the feeds table."""
        from qa.watch import add_feed

        url = (url or "").strip()
        try:
            added = add_feed(self.engine.settings, url)
            report = self.engine.ingest([url])
        except ValueError as exc:
            return self.feeds_html(f"Not added: {friendly(exc)}")
        except Exception as exc:
            log.exception("ingest of feed %s failed", url)
            return self.feeds_html(f"Added, but the first fetch failed: {friendly(exc)}")
        was = "Added" if added else "Already watched; fetched again"
        return self.feeds_html(f"{was}: {url} ({report.summary()})")

    def add_files(self, files: Sequence[str] | None, progress: ProgressFn | None = None) -> str:
        """Check uploaded files, copy the acceptable ones into the upload folder and ingest them.

        Returns the per-file result table. Nothing outside ``upload_dir`` is ever written.
        """
        if not files:
            return render_ingest_results([("(no files)", "choose one or more files first")])
        return render_ingest_results(self.ingest_files(files, progress))

    def ingest_files(
        self, files: Sequence[str | Path], progress: ProgressFn | None = None
    ) -> list[tuple[str, str]]:
        """``add_files`` without the HTML: ``(file name, outcome)`` in the order given.

        The REST ``/api/ingest`` uses it too, so uploads get the same checks on both paths.
        """
        note = progress or (lambda _fraction, _desc: None)
        note(0.0, "checking files")
        accepted, rejected = stage_uploads(files, self.upload_dir, self.max_upload_bytes)
        rows: list[tuple[str, str]] = list(rejected)
        if accepted:
            started = time.monotonic()

            def on_progress(done: float, total: int) -> None:
                elapsed = time.monotonic() - started
                note(done / total if total else 1.0, progress_text(done, total, elapsed))

            try:
                report = self.engine.ingest([p for _, p in accepted], on_progress=on_progress)
            except Exception as exc:
                log.exception("ingest of uploads failed")
                rows += [(name, f"failed: {friendly(exc)}") for name, _ in accepted]
                _settle_uploads(accepted, None)
            else:
                rows += [(name, report.file_outcome(path)) for name, path in accepted]
                _settle_uploads(accepted, report)
        note(1.0, "done")
        order = {Path(str(f)).name: i for i, f in enumerate(files)}
        rows.sort(key=lambda row: order.get(row[0], len(order)))
        return rows


def progress_text(done: float, total: int, elapsed: float) -> str:
    """What an ingest has done and how long it has left, from its rate so far.

    >>> progress_text(0, 150, 0.4)
    'indexing 150 articles: reading and chunking…'
    >>> progress_text(30, 150, 60.0)
    'indexing 150 articles: 20% done, about 4 min left'
    """
    what = f"indexing {total} article{'s' if total != 1 else ''}"
    if done <= 0:
        return f"{what}: reading and chunking…"
    left = elapsed / done * (total - done)
    when = f"about {left / 60:.0f} min left" if left >= 90 else f"about {max(left, 1):.0f} s left"
    return f"{what}: {done / total:.0%} done, {when}"


@dataclass(frozen=True)
class Taken:
    """What sending a question changes on the page: the box's new value, and the chat and the
    conversation when they change (None: left as they are)."""

    box: str
    bubbles: list[ChatMessage] | None = None
    conversation: Conversation | None = None


def _with_waiting(display: Sequence[tuple[str, str]], inbox: Inbox) -> list[ChatMessage]:
    """The chat with the first waiting question about to be answered, the rest queued."""
    first, *rest = inbox.waiting()
    shown = [*display, ("user", render_question(first.question))]
    return _bubbles(shown, render_pending()) + _queued_bubbles(rest)


def _queued_bubbles(waiting: Sequence[Asked]) -> list[ChatMessage]:
    return [{"role": "user", "content": render_queued(a.question)} for a in waiting]


def _message_text(message: Mapping[str, Any]) -> str:
    """A chat message's HTML as the page sends it back: a string, or a list of text parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, Mapping))


def _bubbles(shown: Sequence[tuple[str, str]], last: str) -> list[ChatMessage]:
    return [{"role": r, "content": c} for r, c in shown] + [{"role": "assistant", "content": last}]


# -- uploads -------------------------------------------------------------------------------------


def safe_filename(name: str) -> str:
    """A file name that cannot leave the folder it is joined to, and that no other name
    becomes.

    Folders, drive letters and ``..`` are dropped; characters other than letters (of any
    script), digits, ``.``, ``_`` and ``-`` become ``-``; a leading dot goes (hidden files are
    not read by ingest). A name that had to change gets a short hash of the name it was, so
    "news (1).txt" and "news [1].txt" stay two files while the same name uploaded again still
    replaces its file.

    >>> safe_filename("../../etc/passwd")
    'passwd'
    >>> safe_filename("新闻.txt")
    '新闻.txt'
    >>> safe_filename("C:\\\\Users\\\\me\\\\Xi speech (2).txt")
    'Xi-speech-2-c5b47307.txt'
    """
    base = unicodedata.normalize("NFC", PurePosixPath(name.replace("\\", "/")).name)
    path = PurePosixPath(base)
    suffix = _SAFE_NAME.sub("", path.suffix)[:12]
    stem = base[: len(base) - len(path.suffix)] if suffix else base
    cleaned = _SAFE_NAME.sub("-", stem).lstrip(".-")[:_STEM_CHARS] or "upload"
    if cleaned + suffix != base:
        digest = hashlib.sha1(base.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cleaned = f"{cleaned.rstrip('-') or 'upload'}-{digest}"
    return cleaned + suffix


def check_upload(name: str, size: int, max_bytes: int) -> str | None:
    """Why a file cannot be accepted, or None when it can."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted({".txt", ".md", ".html", ".json", ".jsonl"}))
        return f"rejected: {suffix or 'no extension'} is not an article format; upload {kinds}"
    if size > max_bytes:
        # Exact bytes: rounded megabytes made "20.0 MB is over the 20 MB limit".
        return (
            f"rejected: {size:,} bytes is over the {max_bytes:,}-byte ({max_bytes / 2**20:g} MB) "
            "upload limit (QA_UI_MAX_UPLOAD_MB)"
        )
    if size == 0:
        return "rejected: the file is empty"
    return None


def stage_uploads(
    files: Sequence[str | Path], upload_dir: Path, max_bytes: int
) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """Copy acceptable uploads into ``upload_dir``: ``([(name, copy)], [(name, reason)])``.

    ``name`` is the name the user gave (for the result table). The copy's name is
    ``safe_filename(name)``; uploading the same name again replaces the file, so ingest sees an
    update rather than a new article.
    """
    upload_dir.mkdir(parents=True, exist_ok=True)
    root = upload_dir.resolve()
    accepted: list[tuple[str, Path]] = []
    rejected: list[tuple[str, str]] = []
    used: set[str] = set()
    for file in files:
        source = Path(str(file))
        name = source.name
        try:
            size = source.stat().st_size
        except OSError as exc:
            rejected.append((name, f"rejected: cannot read the upload ({exc.strerror})"))
            continue
        problem = check_upload(name, size, max_bytes)
        if problem:
            rejected.append((name, problem))
            continue
        target_name = safe_filename(name)
        stem, suffix = PurePosixPath(target_name).stem, PurePosixPath(target_name).suffix
        number = 2
        while target_name in used:  # two uploads in one batch that clean to the same name
            target_name = f"{stem}-{number}{suffix}"
            number += 1
        used.add(target_name)
        target = root / target_name
        if target.resolve().parent != root:  # belt and braces: never write outside the folder
            rejected.append((name, "rejected: unusable file name"))
            continue
        if target.exists():  # kept until the new upload has proved readable (_settle_uploads)
            target.replace(_previous(target))
        shutil.copyfile(source, target)
        accepted.append((name, target))
    return accepted, rejected


def _previous(path: Path) -> Path:
    """Where an upload's earlier file waits while its replacement is read: a hidden name,
    which ingest passes over."""
    return path.with_name(f".{path.name}.previous")


def _settle_uploads(accepted: Sequence[tuple[str, Path]], report: IngestReport | None) -> None:
    """Keep each upload that yielded an article, and drop its earlier file. One that yielded
    none (or a run that failed: ``report`` None) goes, and the earlier file of that name comes
    back, so a bad re-upload never takes away the file of an article the library holds."""
    for _, path in accepted:
        previous = _previous(path)
        if report is not None and str(path.resolve()) in report.per_file:
            previous.unlink(missing_ok=True)
        elif previous.exists():
            previous.replace(path)
        else:
            path.unlink(missing_ok=True)


def render_ingest_results(rows: Sequence[tuple[str, str]]) -> str:
    """The per-file result table of one upload."""
    body = "".join(
        f'<tr class="{_outcome_class(result)}"><td>{_e(name)}</td><td>{_e(result)}</td></tr>'
        for name, result in rows
    )
    return (
        '<table class="qa-ingest-results"><thead><tr><th>File</th><th>Result</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _outcome_class(result: str) -> str:
    if result.startswith(("rejected", "failed")) or "skipped" in result or "no articles" in result:
        return "qa-bad"
    return "qa-ok"
