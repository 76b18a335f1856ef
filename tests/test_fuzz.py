"""Bad input at scale: property-based tests on the readers, the chunker and ingest.

Whatever bytes a file holds (arbitrary binary, huge lines, zero-width and right-to-left marks,
other encodings, JSON and HTML nested up to 100,000 levels, records whose fields hold anything),
reading never raises, every file that yields no article is reported by name with a one-line
reason, the good file beside it is still read, and every chunk's offsets slice exactly its text
out of the article. Runs are derandomised and example counts bounded, so CI sees the same
examples every time and the module stays fast.
"""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from conftest import HashingEmbedder
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.articles import SUPPORTED_SUFFIXES, Skipped, read_articles, read_file
from qa.chunking import chunk_article, split_sentences
from qa.ingest import ingest
from qa.models import Article
from qa.settings import Settings
from qa.store import Store

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that break naive text handling: zero-width, bidi controls, combining marks,
# odd whitespace and line separators, surrogates-adjacent astral characters.
TRICKY = (
    "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2069\u0301\u0654\u00a0\u2028\u2029\u3000\x0b\x0c\x1c\x85\r\t"
)
RTL_WORDS = ["שלום", "עולם", "مرحبا", "بالعالم", "سلام"]
tricky_text = st.lists(
    st.one_of(
        st.sampled_from(list(TRICKY)),
        st.sampled_from(list("abc XYZ.!?\n\"“”'’()[]…0123456789")),
        st.sampled_from(RTL_WORDS),
        st.characters(codec="utf-8"),
    ),
    max_size=200,
).map("".join)
suffixes = st.sampled_from(sorted(SUPPORTED_SUFFIXES))


def nested_html(depth: int, inner: str) -> str:
    return (
        "<html><head><title>T</title></head><body>"
        + "<div><p>" * depth
        + inner
        + "</p></div>" * depth
        + "</body></html>"
    )


def file_contents() -> st.SearchStrategy[bytes]:
    text = tricky_text
    return st.one_of(
        st.binary(max_size=600),
        text.map(lambda t: t.encode("utf-8")),
        text.map(lambda t: t.encode("utf-16")),
        text.map(lambda t: t.encode("latin-1", errors="replace")),
        text.map(lambda t: ("é" + t).encode("cp1252", errors="replace") + "ü".encode()),
        st.builds(
            lambda t, n: ("date 2023-01-01 " + t + "\n" + "word " * n).encode(),
            text,
            st.integers(0, 30_000),
        ),
        st.builds(
            lambda t, n: ("x" * n + t).encode(), text, st.integers(0, 200_000)
        ),  # one huge line, no spaces
        st.builds(lambda t, d: nested_html(d, t).encode(), text, st.integers(1, 3000)),
        st.lists(
            st.one_of(
                st.builds(
                    lambda t, d: json.dumps({"title": t, "text": t, "date": d}),
                    text,
                    st.one_of(st.none(), st.text(max_size=12), st.integers()),
                ),
                text,
            ),
            max_size=5,
        ).map(lambda lines: "\n".join(lines).encode()),
    )


def nested_json(depth: int, pattern: int, inner: str) -> str:
    """``inner`` wrapped ``depth`` times in lists or objects (bit ``i % 16`` of ``pattern``)."""
    opens = "".join('{"x": ' if pattern >> (i % 16) & 1 else "[" for i in range(depth))
    closes = "".join("}" if pattern >> (i % 16) & 1 else "]" for i in reversed(range(depth)))
    return opens + inner + closes


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), tricky_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["text", "title", "date", "url", "id", "x"]), inner),
    ),
    max_leaves=20,
)
json_records = st.fixed_dictionaries(
    {"text": tricky_text},
    optional={field: json_values for field in ("title", "date", "url", "id", "source")},
)


def json_documents() -> st.SearchStrategy[str]:
    """Valid, broken and absurdly deep JSON, as one document."""
    record_text = json_records.map(json.dumps)
    deep = st.builds(nested_json, st.integers(0, 100_000), st.integers(0, 2**16 - 1), record_text)
    return st.one_of(
        json_values.map(json.dumps),
        st.lists(json_records, max_size=4).map(json.dumps),
        deep,
        st.builds(lambda doc, cut: doc[: len(doc) * cut // 100], deep, st.integers(0, 100)),
        st.text(alphabet='[]{}":,1 \\', max_size=3_000),  # bracket soup
        st.builds(lambda n: "9" * n, st.integers(4_000, 6_000)),  # past the int digit limit
    )


HTML_TAGS = ["div", "p", "span", "b", "ul", "li", "table", "tr", "td", "section", "article"]


def hostile_html() -> st.SearchStrategy[str]:
    """Tags nested up to 5,000 deep, closed or not, around text."""
    return st.builds(
        lambda tags, depth, closed, text: (
            "<html><body>"
            + "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
            + text
            + (
                "".join(f"</{tags[i % len(tags)]}>" for i in reversed(range(depth)))
                if closed
                else ""
            )
            + "</body></html>"
        ),
        st.lists(st.sampled_from(HTML_TAGS), min_size=1, max_size=5),
        st.integers(0, 5_000),
        st.booleans(),
        st.one_of(tricky_text, st.just("A sentence of article text. " * 30)),
    )


def hostile_files() -> st.SearchStrategy[tuple[str, str]]:
    """(suffix, text) pairs: structures made to break parsers, in the format they target."""
    return st.one_of(
        st.tuples(st.just(".json"), json_documents()),
        st.tuples(st.just(".jsonl"), st.lists(json_documents(), max_size=4).map("\n".join)),
        st.tuples(st.sampled_from([".html", ".htm"]), hostile_html()),
        st.tuples(st.sampled_from([".txt", ".md"]), tricky_text),
        st.tuples(
            st.just(".md"),
            st.builds(lambda v: f"---\ntitle: {json.dumps(v)}\n---\nBody.", json_values),
        ),
    )


def write_file(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


class TestReaders:
    @FUZZ
    @given(data=file_contents(), suffix=suffixes)
    @example(data=b"[]", suffix=".json")
    @example(data=b'[{"text": "ok"}, 3, {"text": ""}]', suffix=".json")
    @example(data=b"null", suffix=".json")
    @example(data=b'"just a string"', suffix=".jsonl")
    @example(data=b"<html><body></body></html>", suffix=".html")
    @example(data=nested_html(20_000, "Deep text. " * 20).encode(), suffix=".html")
    @example(data=b"---\ntitle: [unclosed\n---\nbody", suffix=".md")
    @example(data=b"---\ndate: 99999-99-99\n---\nbody", suffix=".md")
    @example(data="\u200b\u200f\u202e".encode(), suffix=".txt")
    @example(data=b"date 2023-02-30 Bad day\nText.", suffix=".txt")
    @example(data=b"\xff\xfeh\x00i\x00", suffix=".txt")
    def test_any_bytes_give_articles_or_reasons_never_an_exception(
        self, tmp_path: Path, data: bytes, suffix: str
    ) -> None:
        path = write_file(tmp_path / "in", f"file{suffix}", data)
        results = list(read_file(path))
        assert results, "a file must yield an article or say why it did not"
        for item in results:
            assert_article_or_named_skip(item, path)

    @FUZZ
    @given(files=st.lists(hostile_files(), min_size=1, max_size=3))
    def test_hostile_structures_are_named_skips_and_the_good_file_beside_them_is_read(
        self, tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, str]]
    ) -> None:
        folder = tmp_path_factory.mktemp("hostile")
        good = write_file(folder, "good.txt", b"date 2023-01-01 Fine\n\nA fine article.\n")
        paths = {
            str(write_file(folder, f"f{i}{suffix}", text.encode("utf-8", "surrogatepass"))): i
            for i, (suffix, text) in enumerate(files)
        }
        results = list(read_articles([folder]))
        assert any(isinstance(r, Article) and r.source == str(good) for r in results)
        for item in results:
            if isinstance(item, Skipped):
                assert item.path in paths, item
                assert_article_or_named_skip(item, Path(item.path))
            else:
                assert_article_or_named_skip(item, Path(item.source))
                item.content_hash  # noqa: B018 -- storable: every string encodes as UTF-8


def assert_article_or_named_skip(item: Article | Skipped, path: Path) -> None:
    if isinstance(item, Skipped):
        assert item.path == str(path)
        assert item.reason.strip() and "\n" not in item.reason and len(item.reason) < 400
    else:
        assert isinstance(item, Article)
        assert item.text.strip() and item.title.strip()
        assert "\r" not in item.text and "\x00" not in item.text


class TestChunker:
    @FUZZ
    @given(text=tricky_text.filter(lambda t: t.strip()), size=st.integers(100, 1200))
    def test_offsets_always_slice_the_article(self, text: str, size: int) -> None:
        article = Article(id="a", title="T", date=date(2023, 1, 1), source="s", text=text)
        chunks = chunk_article(article, size=size, overlap=1)
        assert [c.index for c in chunks] == list(range(len(chunks)))
        assert len({c.id for c in chunks}) == len(chunks)
        for chunk in chunks:
            assert 0 <= chunk.start < chunk.end <= len(text)
            assert text[chunk.start : chunk.end] == chunk.text
            assert chunk.text.strip()

    @FUZZ
    @given(
        text=st.builds(
            lambda a, b, n: a + "y" * n + b,
            tricky_text,
            tricky_text,
            st.integers(0, 50_000),
        )
    )
    def test_huge_lines_are_cut_to_size_and_nothing_is_lost(self, text: str) -> None:
        article = Article(id="a", title="T", date=None, source="s", text=text)
        size = 300
        chunks = chunk_article(article, size=size, overlap=0)
        for chunk in chunks:
            assert len(chunk.text) <= size
            assert text[chunk.start : chunk.end] == chunk.text
        covered = {i for c in chunks for i in range(c.start, c.end)}
        missing = [i for i in range(len(text)) if not text[i].isspace() and i not in covered]
        assert not missing, "every non-space character is in some chunk"

    @FUZZ
    @given(text=tricky_text)
    def test_sentence_spans_are_ordered_disjoint_and_trimmed(self, text: str) -> None:
        spans = split_sentences(text)
        for before, after in itertools.pairwise(spans):
            assert before.end <= after.start
        for span in spans:
            piece = span.of(text)
            assert piece and piece == piece.strip()


@pytest.mark.slow
class TestIngestSurvives:
    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        files=st.lists(st.tuples(file_contents(), suffixes), min_size=1, max_size=6),
    )
    def test_a_folder_of_fuzzed_files_ingests_and_reports_each_bad_one(
        self, tmp_path_factory: pytest.TempPathFactory, files: list[tuple[bytes, str]]
    ) -> None:
        root = tmp_path_factory.mktemp("fuzz")
        good = write_file(root / "in", "good.txt", b"date 2023-01-01 Fine\n\nA fine article.\n")
        paths = [write_file(root / "in", f"f{i}{sfx}", data) for i, (data, sfx) in enumerate(files)]
        settings_ = Settings(data_dir=root / "data", llm={"provider": "extractive"})
        embedder = HashingEmbedder()
        report = ingest([root / "in"], settings=settings_, embedder=embedder)

        assert report.file_outcome(good) == "1 added"
        for path in paths:
            assert report.file_outcome(path) != "no articles found", path
        store = Store.open(settings_, model_id=embedder.model_id)
        records = store.records()
        assert {r.state for r in records.values()} == {"done"}
        texts = {r.id: store.article_text(r.id) for r in records.values()}
        for chunk in store.iter_chunks():
            article_text = texts[chunk.article_id]
            assert article_text is not None
            assert article_text[chunk.start : chunk.end] == chunk.text
