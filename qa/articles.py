"""Read article files into ``Article`` records: .txt, .md, .html, .json and .jsonl.

A file, a folder (recursive) or a glob goes in; ``Article``s come out, and every file or record
that cannot be read comes out as a ``Skipped`` with the reason, so one bad file never stops the
rest. Reading is pure: nothing here touches the index.

Hostile input is bounded before it reaches a parser that could blow up on it: JSON nesting depth
(the stdlib parser recurses and dies at Python's recursion limit), HTML depth (libxml2 silently
drops everything below level 256), the length of lines the title regexes look at, and the size of
the values taken from a record. Whatever still fails inside a reader becomes a ``Skipped`` too.
"""

from __future__ import annotations

import codecs
import errno
import glob
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from qa.dates import parse_date, short_repr
from qa.models import Article, storable_text

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"})
MAX_FILE_BYTES = 50 * 1024 * 1024
# An article record needs three or four levels; 64 leaves room for any sane export format and
# stays far below the ~1000 frames at which the stdlib JSON parser raises RecursionError.
MAX_JSON_DEPTH = 64
# libxml2's own limit: below it, an HTML parser keeps the tree; above it, content is dropped.
MAX_HTML_DEPTH = 256
# A title, date or id longer than this is not one (and the regexes that find them stay linear).
MAX_FIELD_CHARS = 1_000

# The sample format: first line "date YYYY-MM-DD <title>", leading whitespace allowed.
_TXT_HEADER = re.compile(r"^\s*date\s+(\S+)\s*(.*)$", re.IGNORECASE)
# Horizontal whitespace only, and possessive: a line of thousands of spaces must not backtrack.
_MD_HEADING = re.compile(r"^[ \t]{0,3}+#{1,6}+[ \t]++([^\n]*)$", re.MULTILINE)
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_JSON_INNERMOST = re.compile(r"\[\]|\{\}")


@dataclass(frozen=True)
class Skipped:
    """A file (or one record of it) that was not read, and why."""

    path: str
    reason: str
    record: str | None = None  # "line 7" in a JSON Lines file, "record 2" in a JSON list

    def __str__(self) -> str:
        where = f"{self.path} ({self.record})" if self.record else self.path
        return f"{where}: {self.reason}"


class ArticleError(ValueError):
    """Raised inside a reader for input that cannot become an Article; becomes a Skipped."""


def stable_id(*parts: str) -> str:
    """A short id that depends only on ``parts`` (the URL, explicit id or path)."""
    # surrogatepass: a lone surrogate from a JSON escape must not crash hashing (same ids otherwise)
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def article_date(value: Any) -> date | None:
    """``qa.dates.parse_date`` for a reader: a bad date is an ``ArticleError`` (a Skipped)."""
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ArticleError(str(exc)) from exc


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Files named by ``paths``: files as given, folders recursively, globs expanded, each once
    however often it is named ("qa ingest news news/a.txt").

    Hidden files and folders are passed over; a path that matches nothing, and a symbolic link
    that loops, is broken or names a folder (links to folders are not followed), is a ``Skipped``.
    """
    seen: set[object] = set()
    for found in _expand(paths):
        key = found.resolve() if isinstance(found, Path) else (found.path, found.reason)
        if key not in seen:
            seen.add(key)
            yield _unnamed(found) if isinstance(found, Path) else found


def _unnamed(path: Path) -> Path | Skipped:
    """A file whose name is not UTF-8 (bytes from another system's encoding) cannot be stored
    as an article's source, nor found again under a repaired name: skipped, named readably."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        reason = "the file name is not valid UTF-8: rename the file, then ingest again"
        return Skipped(shown, reason)
    return path


def _expand(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_file():
            yield path
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(part.startswith(".") for part in rel):
                    continue
                if child.is_file():
                    yield child
                elif child.is_symlink():
                    yield Skipped(str(child), _unfollowed_link(child))
        elif path.is_symlink():
            yield Skipped(str(raw), _unfollowed_link(path))
        elif glob.has_magic(str(raw)):
            matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True))  # noqa: PTH207
            files = [m for m in matches if m.is_file()]
            if not files:
                yield Skipped(str(raw), "the pattern matches no files")
            yield from files
        else:
            yield Skipped(str(raw), "no such file or folder")


def _unfollowed_link(link: Path) -> str:
    """Why a symbolic link that is not a readable file was not read."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "symbolic link loop (the link leads back to itself); remove it"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself); remove it"
        return f"broken symbolic link (its target {str(link.readlink())!r} does not exist)"
    if target.is_dir():
        if link.parent.resolve().is_relative_to(target):
            return "symbolic link loop (it points to a folder that contains it); not followed"
        return f"symbolic link to the folder {target}, not followed; name that folder itself"
    return "symbolic link to something that is not a regular file"


def read_articles(paths: Iterable[str | Path]) -> Iterator[Article | Skipped]:
    """Every article in ``paths``, in a stable order, with a ``Skipped`` for each failure.

    >>> items = list(read_articles(["examples/articles"]))  # doctest: +SKIP
    """
    for item in expand_paths(paths):
        if isinstance(item, Skipped):
            yield item
        else:
            yield from read_file(item)


def read_file(path: Path) -> Iterator[Article | Skipped]:
    """The articles in one file (a JSON Lines file may hold many)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(
            str(path),
            f"unsupported file type {suffix or '(none)'}; use .txt, .md, .html, .json or .jsonl",
        )
        return
    try:
        text = _read_text(path)
        if suffix == ".jsonl":
            yield from _read_jsonl(path, text)
        elif suffix == ".json":
            yield from _read_json(path, text)
        elif suffix in {".html", ".htm"}:
            yield _read_html(path, text)
        elif suffix in {".md", ".markdown"}:
            yield _read_markdown(path, text)
        else:
            yield _read_txt(path, text)
    except ArticleError as exc:
        yield Skipped(str(path), str(exc))
    except Exception as exc:  # a parser crash on this file is this file's problem, not the run's
        yield Skipped(str(path), unreadable_reason(exc))


def unreadable_reason(exc: Exception) -> str:
    """The reason given for a file or record that made a reader fail in a way we did not foresee.

    >>> unreadable_reason(RecursionError("maximum recursion depth exceeded"))
    'nested too deeply to read (maximum recursion depth exceeded); flatten or re-export it'
    """
    detail = " ".join(str(exc).split())[:200] or type(exc).__name__
    if isinstance(exc, RecursionError):
        return f"nested too deeply to read ({detail}); flatten or re-export it"
    if isinstance(exc, MemoryError):
        return "too large to read into memory; split it into smaller files"
    return (
        f"could not be read ({type(exc).__name__}: {detail}); check that the file is intact, "
        "and report it if it is"
    )


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            # Exact bytes: rounded megabytes made "52 MB, over the 52 MB limit".
            raise ArticleError(
                f"file is {size:,} bytes ({size / 2**20:.1f} MiB), over the "
                f"{MAX_FILE_BYTES:,}-byte ({MAX_FILE_BYTES / 2**20:g} MiB) limit; "
                "split it into smaller files"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise ArticleError("the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Saved as "Unicode" by Windows tools: UTF-16 with its byte-order mark, NULs and all.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleError("UTF-16 text that does not decode; re-save it as UTF-8") from exc
        if not text.strip():
            raise ArticleError("the file is empty")
        return normalise_text(text)
    if b"\x00" in data[:8192]:
        raise ArticleError("binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8"
        ) from exc
    return normalise_text(text)


def normalise_text(text: str) -> str:
    """Unix newlines and no trailing blanks; everything else kept so quotes stay verbatim.

    Lone surrogates (only a JSON escape can make one) become U+FFFD: they cannot be stored as UTF-8.
    """
    text = storable_text(text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _article(
    *,
    key: str,
    title: str | None,
    when: Any,
    source: str,
    url: str | None,
    text: str,
    fallback_title: str,
) -> Article:
    body = normalise_text(text)
    if not body:
        raise ArticleError("the article has no text")
    clean_title = normalise_text(" ".join((title or "").split()))
    if len(clean_title) > MAX_FIELD_CHARS:  # a paragraph or a whole file, not a title
        clean_title = ""
    return Article(
        id=stable_id(key),
        title=clean_title or fallback_title,
        date=article_date(when),
        source=normalise_text(source),
        url=normalise_text(url) if url else None,
        text=body,
    )


def _read_txt(path: Path, text: str) -> Article:
    first, _, rest = text.partition("\n")
    header = _TXT_HEADER.match(first)
    if header:
        when, title = header.group(1), header.group(2)
        body = rest
    else:
        when, title, body = None, first.strip(), text
        if len(title) > 200:  # a first paragraph, not a title
            title = ""
    return _article(
        key=str(path.resolve()),
        title=title,
        when=when,
        source=str(path.resolve()),
        url=None,
        text=body,
        fallback_title=_title_from_name(path),
    )


def _read_markdown(path: Path, text: str) -> Article:
    import frontmatter  # python-frontmatter; yaml is only needed for .md files

    try:
        post = frontmatter.loads(text)
    except Exception as exc:  # yaml raises many types; all mean bad front matter
        raise ArticleError(f"front matter does not parse: {str(exc).splitlines()[0]}") from exc
    meta = post.metadata
    body = post.content
    title = _text_field(meta, "title") or ""
    if not title:
        heading = _MD_HEADING.search(body)
        title = heading.group(1).rstrip(" \t#") if heading else ""
    url = _text_field(meta, "url")
    return _article(
        key=str(url or path.resolve()),
        title=title,
        when=meta.get("date"),
        source=str(path.resolve()),
        url=url,
        text=body,
        fallback_title=_title_from_name(path),
    )


def _read_html(path: Path, text: str) -> Article:
    return article_from_html(
        text,
        key=str(path.resolve()),
        source=str(path.resolve()),
        fallback_title=_title_from_name(path),
    )


def article_from_html(
    text: str,
    *,
    key: str,
    source: str,
    fallback_title: str,
    url: str | None = None,
    title: str | None = None,
    when: Any = None,
) -> Article:
    """The article in an HTML page (trafilatura: main text, title, date, canonical URL).

    ``key`` identifies the article when the page names no URL; ``url``, ``title`` and ``when``
    given by the caller (a fetched URL, a feed item's title and date) win over the page's own.
    """
    import trafilatura  # heavy (lxml); only loaded when HTML is read

    _check_html_limits(text)
    extracted = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    body = getattr(extracted, "text", None) if extracted is not None else None
    if not isinstance(body, str) or not body.strip():
        raise ArticleError("no article text found in the HTML")
    page_url = url or getattr(extracted, "url", None)
    return _article(
        key=str(url or page_url or key),
        title=title or getattr(extracted, "title", None),
        when=when or getattr(extracted, "date", None),
        source=source,
        url=page_url,
        text=body,
        fallback_title=fallback_title,
    )


def _check_html_limits(text: str) -> None:
    """Refuse HTML that libxml2 would cut short (nesting past 256 levels) instead of silently
    reading whatever part of it lies above the limit."""
    from lxml import etree

    parser = etree.HTMLParser(encoding="utf-8")
    try:
        etree.fromstring(text.encode("utf-8", "surrogatepass"), parser)
    except etree.LxmlError:
        return  # no tree at all: trafilatura says "no article text found"
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            what = (
                f"nested more than {MAX_HTML_DEPTH} levels deep"
                if "depth" in entry.message
                else f"over the HTML parser's limits ({entry.message})"
            )
            raise ArticleError(
                f"HTML {what}, so part of it would be lost; save the article as plain text"
            )


def _check_json_depth(text: str) -> None:
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH`` before the recursive parser sees it.

    Measured without recursion and at C speed: strings are dropped, then each pass removes the
    innermost ``[]``/``{}`` pairs, i.e. one level. Brackets that never pair up count as levels
    too, since the parser descends into them before it finds the error.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return  # the common case, decided without a regex over the text
    brackets = _JSON_NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    for _ in range(MAX_JSON_DEPTH):
        inner = _JSON_INNERMOST.sub("", brackets)
        if inner == brackets:
            break
        brackets = inner
    unclosed = brackets.count("[") + brackets.count("{")
    if _JSON_INNERMOST.search(brackets) or unclosed > MAX_JSON_DEPTH:
        raise ArticleError(
            f"JSON nested more than {MAX_JSON_DEPTH} levels deep (an article record needs a "
            "few); check how the file was exported"
        )


def _parse_json(text: str) -> Any:
    """``json.loads`` with its nesting bounded; ``JSONDecodeError`` is left to the caller."""
    _check_json_depth(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # e.g. a number past Python's 4300-digit limit
        detail = " ".join(str(exc).split(";")[0].split())[:200]
        raise ArticleError(f"invalid JSON: {detail}; check how the file was exported") from exc


def _read_json(path: Path, text: str) -> Iterator[Article | Skipped]:
    try:
        data = _parse_json(text)
    except json.JSONDecodeError as exc:
        raise ArticleError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    records = data if isinstance(data, list) else [data]
    if not records:  # otherwise the file would vanish from the report without a word
        raise ArticleError("the JSON list is empty: no records to read")
    for number, record in enumerate(records, start=1):
        where = f"record {number}" if isinstance(data, list) else None
        yield _record_or_skip(path, where, record, number)


def _read_jsonl(path: Path, text: str) -> Iterator[Article | Skipped]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = _parse_json(line)
        except json.JSONDecodeError as exc:
            yield Skipped(
                str(path),
                f"malformed JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})",
                where,
            )
            continue
        except ArticleError as exc:
            yield Skipped(str(path), str(exc), where)
            continue
        yield _record_or_skip(path, where, record, number)


def _record_or_skip(path: Path, where: str | None, record: Any, number: int) -> Article | Skipped:
    try:
        return article_from_record(record, path=path, number=number)
    except ArticleError as exc:
        return Skipped(str(path), str(exc), where)
    except Exception as exc:  # one record's crash skips that record, not the file
        return Skipped(str(path), unreadable_reason(exc), where)


# The names news exports and APIs give each field, in order of preference: a record of a
# scraper ("headline", "body", "published_at") or of a news API ("publishedAt", "content",
# "source": {"name": ...}) reads as one with qa's own names.
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "articleBody", "article_body", "story"),
    "title": ("title", "headline"),
    "date": (
        "date",
        "published",
        "published_at",
        "publishedAt",
        "publish_date",
        "pubDate",
        "datePublished",
    ),
    "url": ("url", "link"),
    "source": ("source", "publisher", "outlet", "site_name"),
}


def article_from_record(record: Any, *, path: Path, number: int = 1) -> Article:
    """An Article from a JSON object with ``text`` and optional title/date/url/source/id
    (or another name ``RECORD_FIELDS`` gives for each)."""
    if not isinstance(record, dict):
        raise ArticleError("a record must be a JSON object with a 'text' field")
    text = _record_field(record, "text")
    if not isinstance(text, str) or not text.strip():
        names = ", ".join(f"'{n}'" for n in RECORD_FIELDS["text"])
        raise ArticleError(f"the record has no 'text' (looked for {names})")
    url = _text_field(record, _record_name(record, "url"))
    explicit_id = _text_field(record, "id")
    key = f"id:{explicit_id}" if explicit_id else (url or f"{path.resolve()}#{number}")
    source_name = _record_name(record, "source")
    source = record.get(source_name)
    if isinstance(source, dict):
        source = source.get("name")  # a news API's {"id": "cnn", "name": "CNN"}
        source = source if isinstance(source, str) and source.strip() else None
    else:
        source = _text_field(record, source_name)
    return _article(
        key=key,
        title=_text_field(record, _record_name(record, "title")),
        when=_record_field(record, "date"),
        source=str(source or url or path.resolve()),
        url=url,
        text=text,
        fallback_title=f"{_title_from_name(path)} #{number}",
    )


def _record_name(record: dict[str, Any], field: str) -> str:
    """The first of ``field``'s names the record gives a value, else ``field`` itself (a flag
    such as ``"published": true`` is no value)."""
    given = ((n, record.get(n)) for n in RECORD_FIELDS[field])
    return next(
        (n for n, v in given if v is not None and v != "" and not isinstance(v, bool)), field
    )


def _record_field(record: dict[str, Any], field: str) -> Any:
    return record.get(_record_name(record, field))


def _text_field(record: dict[str, Any], name: str) -> str | None:
    """A text field of a record or front matter: a string or number, ``None`` when absent.

    A list or object is refused by name: turning one into text could be huge (a YAML alias bomb
    expands to millions of items) and would not be a title or URL anyway.
    """
    value = record.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | date):
        raise ArticleError(f"'{name}' must be text, not {type(value).__name__} {short_repr(value)}")
    return str(value)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip() or path.name
