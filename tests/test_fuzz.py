"""Bad input at scale: property-based tests on the readers, the chunker and ingest.

Whatever bytes a file holds (arbitrary binary, huge lines, zero-width and right-to-left marks,
other encodings, deeply nested HTML), reading never raises, every file that yields no article is
reported with a reason, and every chunk's offsets slice exactly its text out of the article.
Runs are derandomised so CI sees the same examples every time.
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

from qa.articles import SUPPORTED_SUFFIXES, Article, Skipped, read_file
from qa.chunking import chunk_article, split_sentences
from qa.ingest import ingest
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
            if isinstance(item, Skipped):
                assert item.path == str(path) and item.reason.strip()
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
