"""The engine end to end on the bundled sample article, with the real bundled encoder, offline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLE_ARTICLE

from qa.articles import read_articles
from qa.citations import CANNOT_ANSWER, NEAREST, refusal_text
from qa.engine import Engine
from qa.models import Answer, Article

pytestmark = pytest.mark.slow


def sample_text() -> str:
    (article,) = [a for a in read_articles([SAMPLE_ARTICLE]) if isinstance(a, Article)]
    return article.text


class TestSpeakerQuestions:
    def test_xi_on_sanctions_quotes_the_relevant_sentences(self, sample_engine: Engine) -> None:
        answer = sample_engine.ask("What did Xi say about sanctions?")
        assert not answer.refused
        quotes = " ".join(c.quote for c in answer.citations)
        assert "Relevant countries should stop politicizing the global economy" in quotes
        assert "condemning sanctions against Russia" in quotes
        assert not any(
            c.quote.startswith("Chinese President Xi Jinping and his Belarusian")
            for c in answer.citations
        )
        assert "[1]" in answer.text

    def test_every_marker_has_a_citation_whose_quote_is_the_article_slice(
        self, sample_engine: Engine
    ) -> None:
        text = sample_text()
        for question in [
            "What did Xi say about sanctions?",
            "What did Lukashenko say?",
            "Since when has Lukashenko been president?",
        ]:
            answer = sample_engine.ask(question)
            assert answer.citations, question
            assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
            for citation in answer.citations:
                assert f"[{citation.n}]" in answer.text
                assert text[citation.start : citation.end] == citation.quote
                assert citation.date == date(2023, 3, 1)
                assert citation.title.startswith("Xi Jinping and Alexander Lukashenko")
                assert Path(citation.source) == SAMPLE_ARTICLE
                # Its chunk is the stored chunk that holds the quote, not just the passage's
                # first (passages are merged from neighbouring chunks).
                (chunk,) = sample_engine.store.chunks([citation.chunk_id])
                assert chunk.start <= citation.start and citation.end <= chunk.end

    def test_a_short_answer_is_cited_to_a_sentence_that_says_it(
        self, sample_engine: Engine
    ) -> None:
        # The answerer reads "Alexander Lukashenko" in the title; the sentence that answers
        # calls him "Lukashenko". The short answer is what that sentence says, cited to it.
        question = "Who said the meeting was taking place at a very complicated time?"
        answer = sample_engine.ask(question, as_of=date(2023, 3, 2))
        assert answer.short_answer == "Lukashenko"
        assert answer.text.startswith("Lukashenko [1]. ")
        first = answer.citations[0]
        assert first.quote.startswith("Lukashenko said the meeting was taking place")

    def test_since_when_finds_1994(self, sample_engine: Engine) -> None:
        answer = sample_engine.ask("Since when has Lukashenko been president?")
        assert "1994" in answer.citations[0].quote


class TestRefusals:
    @pytest.mark.parametrize(
        "question",
        [
            "What did Xi say about Taiwan's elections?",
            "Who won the 2022 World Cup?",
            "What is the population of Belarus?",
        ],
    )
    def test_unanswerable_questions_are_refused_citing_only_the_nearest_sentence(
        self, sample_engine: Engine, question: str
    ) -> None:
        answer = sample_engine.ask(question)
        assert answer.refused
        assert answer.short_answer is None
        assert answer.text.startswith(refusal_text(question))
        assert NEAREST in answer.text
        assert len(answer.citations) == 1  # what the articles do say, nearest the question
        assert answer.text.endswith("[1].") or answer.text.endswith("[1]")

    def test_a_bare_sentinel_is_a_refusal_without_citations(self, sample_engine: Engine) -> None:
        answer = sample_engine._finish(CANNOT_ANSWER, sample_engine.retrieve("Xi"), "Xi?")
        assert answer.refused and answer.citations == [] and answer.text == CANNOT_ANSWER

    def test_empty_index_refuses_and_says_what_to_do(self, engine: Engine) -> None:
        answer = engine.ask("What did Xi say?")
        assert answer.refused
        assert answer.warning and "qa ingest" in answer.warning


class TestFilters:
    def test_date_filters_exclude_articles_outside_the_range(self, sample_engine: Engine) -> None:
        inside = sample_engine.ask(
            "What did Xi say about sanctions?", since="2023-03-01", until=date(2023, 3, 1)
        )
        assert inside.citations
        before = sample_engine.ask("What did Xi say about sanctions?", until="2023-02-28")
        after = sample_engine.ask("What did Xi say about sanctions?", since="2023-03-02")
        assert before.refused and after.refused
        assert before.warning and "filters" in before.warning

    def test_source_filter(self, sample_engine: Engine) -> None:
        mine = sample_engine.ask("What did Xi say?", sources=[str(SAMPLE_ARTICLE)])
        other = sample_engine.ask("What did Xi say?", sources=["elsewhere.example"])
        assert mine.citations and other.refused

    def test_bad_date_is_a_clear_error(self, sample_engine: Engine) -> None:
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            sample_engine.ask("What did Xi say?", since="last Tuesday-ish")


class TestStreamingAndShape:
    def test_stream_yields_text_then_the_answer(self, sample_engine: Engine) -> None:
        items = list(sample_engine.stream("What did Xi say about sanctions?"))
        assert all(isinstance(i, str) for i in items[:-1]) and len(items) > 2
        final = items[-1]
        assert isinstance(final, Answer)
        assert final.question == "What did Xi say about sanctions?"
        assert {"retrieve_ms", "answer_ms", "total_ms"} <= set(final.timings)
        assert final.answerer == "extractive"

    def test_empty_question_is_rejected(self, sample_engine: Engine) -> None:
        with pytest.raises(ValueError, match="empty"):
            sample_engine.ask("   ")
