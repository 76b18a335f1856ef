"""The offline answerer: best sentences, and short factual questions answered by one short one."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import HashingEmbedder

from qa.answering import ExtractiveAnswerer, has_answer_slot, question_shape
from qa.models import Source, StoredChunk
from qa.settings import AnswerSettings

HOCKEY = (
    "After a long, tense Sunday night win over the Tampa Bay Lightning, in which they scored "
    "twice in the third period, the Colorado Avalanche now have three championships. "
    "The Colorado Avalanche now have three championships. "
    "Fans celebrated in the streets of Denver until morning."
)
SHORT = "The Colorado Avalanche now have three championships."


def source(text: str, n: int = 1) -> Source:
    chunk = StoredChunk(f"a{n}:0", f"a{n}", text, 0, len(text), 0, "Title", None, "src", None)
    return Source(n=n, chunk=chunk, score=1.0)


def answerer(**settings: Any) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(HashingEmbedder(), AnswerSettings(**settings))


class TestQuestionShape:
    @pytest.mark.parametrize(
        ("question", "expects"),
        [
            ("How many championships do the Avalanche have?", "number"),
            ("What percentage of adults disapprove?", "number"),
            ("Since when has Lukashenko been president?", "time"),
            ("Who did Raab claim to wink at?", "name"),
            ("Which company turned off the AC?", "entity"),
            ("Where did the launch occur?", "entity"),
            ("Why did prices rise?", None),
            ("What did Xi say about sanctions?", None),  # a speech question, quoted at length
        ],
    )
    def test_the_expected_answer_type(self, question: str, expects: str | None) -> None:
        assert question_shape(question).expects == expects

    def test_an_answer_slot_must_be_new_to_the_question(self) -> None:
        asked = {"how", "many", "months", "was", "detention", "extended", "by", "3"}
        assert has_answer_slot("number", "It was extended by six months.", asked)
        assert not has_answer_slot("number", "It was extended by 3 months.", asked)
        assert has_answer_slot("name", "The seat was held by Stephen Breyer.", {"whose"})
        assert not has_answer_slot(None, "Anything at all 42.", set())
        assert has_answer_slot("time", "He has led Belarus since 1994.", {"since", "when"})

    def test_a_day_or_month_is_not_a_name(self) -> None:
        asked = {"whose", "seat", "is", "she", "filling"}
        assert not has_answer_slot("name", "She was sworn in on Thursday.", asked)
        assert not has_answer_slot("entity", "The vote is due in September.", asked)
        assert has_answer_slot("name", "On Thursday she took Stephen Breyer's seat.", asked)


class TestFactoid:
    QUESTION = "How many championships do the Colorado Avalanche have?"

    def test_a_short_factual_question_gets_the_shortest_sentence_holding_the_answer(
        self,
    ) -> None:
        chosen = answerer().select(self.QUESTION, [source(HOCKEY)])
        assert [c.text for c in chosen] == [SHORT]

    def test_factoid_sentences_allows_more_context(self) -> None:
        chosen = answerer(factoid_sentences=2).select(self.QUESTION, [source(HOCKEY)])
        assert len(chosen) == 2
        assert chosen[0].text == SHORT

    def test_the_draft_cites_the_source_of_the_sentence(self) -> None:
        other = source("Snow fell in the mountains above Denver on Monday morning.", n=1)
        draft = "".join(answerer().draft(self.QUESTION, [other, source(HOCKEY, n=2)]))
        assert draft == f"{SHORT} [2]"

    def test_a_question_in_the_article_is_never_the_answer(self) -> None:
        quiz = (
            "How many championships do the Colorado Avalanche have? "
            "Readers were asked to guess before the final. "
            "The Avalanche have won three titles since moving to Denver."
        )
        scored = answerer().score(self.QUESTION, [source(quiz)])
        assert scored, "the other sentences are still candidates"
        assert all(not c.text.endswith("?") for c in scored)
        assert scored[0].text == "The Avalanche have won three titles since moving to Denver."

    def test_slot_weight_rewards_a_sentence_with_what_is_asked(self) -> None:
        def lead_score(weight: float) -> dict[str, float]:
            scored = answerer(slot_weight=weight).score(self.QUESTION, [source(HOCKEY)])
            return {c.text: c.score for c in scored}

        plain, boosted = lead_score(0.0), lead_score(0.3)
        with_slot = SHORT
        without = "Fans celebrated in the streets of Denver until morning."
        assert boosted[with_slot] - plain[with_slot] == pytest.approx(0.3)
        assert boosted[without] == pytest.approx(plain[without])


class TestBudget:
    def test_only_the_lexically_best_sentences_are_embedded(self) -> None:
        embedder = HashingEmbedder()
        text = " ".join(f"Sentence number {i} talks about weather in town {i}." for i in range(30))
        ExtractiveAnswerer(embedder, AnswerSettings(embed_budget=5)).score(
            "What about the weather?", [source(text)]
        )
        assert embedder.embedded == 1 + 5  # the question and five sentences
