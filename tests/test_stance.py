"""Whether a sentence states a candidate as what happened (qa/stance.py): a penalty someone
*faces* is not the sentence he got, a name in "either X or Y" is not who won, a crowd that is
*set to* come is not the crowd that came; a question about a possibility is answered by them.

The sentences are read at run time from the development articles in ../shared (copyrighted:
not copied here).
"""

from __future__ import annotations

import pytest
from conftest import real_sentence

from qa.answering import ExtractiveAnswerer
from qa.embeddings import LocalEmbedder
from qa.factoids import find_candidates, read_question
from qa.models import Source, StoredChunk
from qa.stance import asks_what_happened, stated

BALWANI = "36820291c775"  # the Theranos COO found guilty: "faces up to 20 years in prison"
SUCCESSION = "63fde3e48f61"  # Boris Johnson to be succeeded "by either Rishi Sunak or Liz Truss"


def candidates(question: str, sentence: str) -> list[str]:
    ask = read_question(question)
    assert ask is not None, question
    return [c.text for c in find_candidates(sentence, ask)]


def source(text: str) -> Source:
    chunk = StoredChunk("a1:0", "a1", text, 0, len(text), 0, "Title", None, "src", None)
    return Source(n=1, chunk=chunk, score=1.0)


class TestWhatTheQuestionAsks:
    @pytest.mark.parametrize(
        ("question", "happened"),
        [
            ("How many years in prison was Balwani sentenced to?", True),
            ("Who won the Conservative Party leadership race?", True),
            ("How many fans watched the final?", True),
            ("How many years in prison could Balwani face?", False),
            ("Who will succeed Boris Johnson as prime minister?", False),
            ("How many fans are expected at the final?", False),
        ],
    )
    def test_a_question_about_a_possibility_is_told_from_one_about_a_fact(
        self, question: str, happened: bool
    ) -> None:
        assert asks_what_happened(question) is happened


class TestStated:
    def test_a_penalty_he_faces_is_not_the_sentence_he_got(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[BALWANI], "faces up to")
        sentenced = "How many years in prison was Sunny Balwani sentenced to?"
        could = "How many years in prison could Sunny Balwani face?"
        assert "up to 20 years" not in candidates(sentenced, sentence)
        assert "up to 20 years" in candidates(could, sentence)

    def test_two_alternatives_are_not_who_won(self, archive: dict[str, str]) -> None:
        sentence = real_sentence(archive[SUCCESSION], "either Rishi Sunak or Liz Truss")
        won = "Who won the Conservative Party leadership race to succeed Boris Johnson?"
        will = "Who will succeed Boris Johnson as prime minister?"
        assert not {"Rishi Sunak", "Liz Truss"} & set(candidates(won, sentence))
        assert "Rishi Sunak" in candidates(will, sentence)

    def test_a_forecast_crowd_is_not_the_crowd(self) -> None:
        # The shape of a preview's sentence; the match report's "a crowd of 87,192" stands.
        preview = "Around 87,000 fans are set to be at Wembley for the final."
        report = "The final was watched by a crowd of 87,192 at Wembley."
        assert not stated(preview, 0, len("Around 87,000 fans"))
        start = report.index("87,192")
        assert stated(report, start, start + len("87,192"))

    def test_a_place_or_a_date_given_ahead_is_where_and_when_it_was(self) -> None:
        # A preview's schedule answers "where was it held"; its forecast crowd does not answer
        # "how many came".
        sentence = "About 300 mourners are expected at the funeral, set to be held in New Castle."
        assert "New Castle" in candidates("Where was the funeral held?", sentence)
        assert candidates("How many mourners attended the funeral?", sentence) == []

    def test_a_sentence_that_states_its_number_keeps_it(self) -> None:
        sentence = "He was sentenced on Monday to 13 years in prison."
        assert candidates("How many years in prison was he sentenced to?", sentence) == ["13 years"]


class TestRefusal:
    @pytest.mark.parametrize(
        ("question", "article"),
        [
            ("How many years in prison was former Theranos COO Sunny Balwani sentenced to?",
             BALWANI),
            ("Who won the Conservative Party leadership race to succeed Boris Johnson as prime "
             "minister?", SUCCESSION),
        ],
    )  # fmt: skip
    def test_a_real_article_that_only_says_what_may_be_is_refused_with_the_nearest(
        self, archive: dict[str, str], real_embedder: LocalEmbedder, question: str, article: str
    ) -> None:
        plan = ExtractiveAnswerer(real_embedder).select(question, [source(archive[article])])
        assert plan.refused
        assert plan.sentences  # the nearest sentence is cited

    def test_the_same_article_answers_what_may_be(
        self, archive: dict[str, str], real_embedder: LocalEmbedder
    ) -> None:
        question = "How many years in prison could former Theranos COO Sunny Balwani face?"
        plan = ExtractiveAnswerer(real_embedder).select(question, [source(archive[BALWANI])])
        assert not plan.refused
        assert plan.short == "up to 20 years"
