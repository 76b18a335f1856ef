"""Chunking: whole sentences, exact offsets, overlap, stable ids."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.chunking import chunk_article, split_sentences
from qa.models import Article


def article(text: str) -> Article:
    return Article(id="a1", title="T", date=date(2023, 1, 1), source="s", text=text)


class TestSentences:
    def test_abbreviations_initials_and_quotes(self) -> None:
        text = (
            "Mr. Smith met Dr. J. Doe in the U.S. capital. “We agreed,” he said. "
            "Talks resume on Jan. 5! Will they succeed?"
        )
        assert [s.of(text) for s in split_sentences(text)] == [
            "Mr. Smith met Dr. J. Doe in the U.S. capital.",
            "“We agreed,” he said.",
            "Talks resume on Jan. 5!",
            "Will they succeed?",
        ]

    def test_a_sentence_may_open_with_a_straight_single_quote(self) -> None:
        text = "It has a \"sharp eye.\" 'Voyage back in time' is the next film. It's done."
        assert [s.of(text) for s in split_sentences(text)] == [
            'It has a "sharp eye."',
            "'Voyage back in time' is the next film.",
            "It's done.",
        ]

    def test_no_before_a_number_is_the_number_sign_not_an_end(self) -> None:
        text = "She lost to world No. 113 Harmony Tan. The no. 1 seed won. He said No. Then left."
        assert [s.of(text) for s in split_sentences(text)] == [
            "She lost to world No. 113 Harmony Tan.",
            "The no. 1 seed won.",
            "He said No.",
            "Then left.",
        ]

    def test_lines_are_boundaries_but_hard_wraps_are_not(self) -> None:
        text = "A heading\nThe first sentence is\nwrapped here. Next one."
        assert [s.of(text) for s in split_sentences(text)] == [
            "A heading",
            "The first sentence is\nwrapped here.",
            "Next one.",
        ]


class TestChunks:
    TEXT = " ".join(f"Sentence number {i} says something about topic {i}." for i in range(60))

    def test_chunks_are_exact_slices_of_the_article(self) -> None:
        a = article(self.TEXT)
        chunks = chunk_article(a, size=300, overlap=1)
        assert len(chunks) > 5
        for c in chunks:
            assert a.text[c.start : c.end] == c.text
            assert len(c.text) <= 300
            assert c.text.endswith(".")

    def test_overlap_repeats_the_last_sentence(self) -> None:
        chunks = chunk_article(article(self.TEXT), size=300, overlap=1)
        for before, after in itertools.pairwise(chunks):
            last_sentence = split_sentences(before.text)[-1].of(before.text)
            assert after.text.startswith(last_sentence)

    def test_no_overlap(self) -> None:
        chunks = chunk_article(article(self.TEXT), size=300, overlap=0)
        assert all(b.end < a.start for b, a in itertools.pairwise(chunks))

    def test_ids_are_stable_and_ordered(self) -> None:
        first = chunk_article(article(self.TEXT), size=300)
        again = chunk_article(article(self.TEXT), size=300)
        assert (
            [c.id for c in first] == [c.id for c in again] == [f"a1:{i}" for i in range(len(first))]
        )

    def test_a_sentence_longer_than_the_chunk_is_cut_at_words(self) -> None:
        a = article("word " * 500)
        chunks = chunk_article(a, size=200, overlap=0)
        assert all(len(c.text) <= 200 and not c.text.startswith(" ") for c in chunks)
        assert "".join(c.text for c in chunks).replace(" ", "") == a.text.replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=3000),
    st.integers(min_value=100, max_value=1500),
    st.integers(min_value=0, max_value=3),
)
def test_offsets_always_slice_the_article(text: str, size: int, overlap: int) -> None:
    if not text.strip():
        return
    a = article(text)
    for c in chunk_article(a, size=size, overlap=overlap):
        assert a.text[c.start : c.end] == c.text
        assert c.text.strip() == c.text and c.text
    for s in split_sentences(text):
        assert s.of(text).strip() == s.of(text) and s.of(text)
