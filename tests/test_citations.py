"""Citations: markers parsed, verified against the cited passage, renumbered per answer."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.citations import (
    CANNOT_ANSWER,
    is_refusal,
    parse_claims,
    refusal_remainder,
    refusal_text,
    resolve,
    resolve_answer,
    split_short_answer,
)
from qa.models import Source, StoredChunk

ARTICLE = (
    "The minister resigned on Monday. She cited health reasons. "
    "Her deputy will take over until an election in May. Markets barely moved."
)


class TestRefusalText:
    """A refusal opens by naming, in plain English, what the articles do not say."""

    def test_a_direct_question_becomes_what_the_articles_do_not_say(self) -> None:
        assert refusal_text("Who designed Utah's new flag?") == (
            "The articles do not say who designed Utah's new flag."
        )
        assert (
            refusal_text("How many people died") == "The articles do not say how many people died."
        )

    def test_a_question_with_did_after_its_wh_phrase_is_quoted_not_garbled(self) -> None:
        for question in ("What score did Michael Owen predict?", "Who did they beat in the final?"):
            assert refusal_text(question) == f"The articles do not answer “{question}”"

    @pytest.mark.parametrize(
        "question",
        [
            "What share of the vote did Marjorie Taylor Greene win in 2020?",  # "did" far on
            "Where was the funeral held?",
            "How much will LeBron James make this season?",
            "When is the runoff?",
            "What is monkeypox?",
            "Who is Alexander Lukashenko?",
            "How many people is the former guard charged with helping murder?",
            "Which team will Brady join?",
        ],
    )
    def test_any_question_with_its_verb_before_its_subject_is_quoted(self, question: str) -> None:
        assert refusal_text(question) == f"The articles do not answer “{question}”"

    def test_a_question_asking_for_its_subject_is_said_as_it_stands(self) -> None:
        assert refusal_text("Who will start at quarterback?") == (
            "The articles do not say who will start at quarterback."
        )
        assert refusal_text("How many people were hurt?") == (
            "The articles do not say how many people were hurt."
        )
        for question in ("Who is leading the race?", "What is known about the gunman?"):
            assert (
                refusal_text(question)
                == f"The articles do not say {question[0].lower()}{question[1:-1]}."
            )

    def test_an_empty_question_gets_the_plain_refusal(self) -> None:
        assert refusal_text("  ?") == CANNOT_ANSWER


def source(n: int, start: int = 0, end: int | None = None, article_id: str = "art") -> Source:
    end = len(ARTICLE) if end is None else end
    chunk = StoredChunk(
        id=f"{article_id}:{n}",
        article_id=article_id,
        text=ARTICLE[start:end],
        start=start,
        end=end,
        index=n,
        title="Minister quits",
        date=date(2023, 1, 2),
        source="paper.example",
        url=None,
    )
    return Source(n=n, chunk=chunk, score=0.9)


class TestRefusalEcho:
    @pytest.mark.parametrize("question", ["习近平对制裁说了什么？", "ماذا قال شي؟", "Τι είπε;"])
    def test_a_question_mark_of_any_script_is_not_doubled(self, question: str) -> None:
        text = refusal_text(question)
        assert text.endswith(f"{question[:-1]}?”")

    def test_a_very_long_question_is_echoed_shortened(self) -> None:
        text = refusal_text("Why " + "very " * 2000 + "long?")
        assert len(text) < 400 and "…" in text


class TestParsing:
    def test_markers_inside_and_after_punctuation(self) -> None:
        claims = parse_claims(
            "She resigned [1]. Health was the reason.[2] Deputy takes over [1, 3]."
        )
        assert [(c.text, c.markers) for c in claims] == [
            ("She resigned.", (1,)),
            ("Health was the reason.", (2,)),
            ("Deputy takes over.", (1, 3)),
        ]

    def test_the_nearest_sentence_after_a_refusal_keeps_its_opening_quotation_mark(
        self,
    ) -> None:
        draft = f'{CANNOT_ANSWER} "Capital will leave China," said Magnus [1].'
        assert refusal_remainder(draft) == '"Capital will leave China," said Magnus [1].'
        assert refusal_remainder(f'"{CANNOT_ANSWER}" Utah adopted a flag [2].') == (
            "Utah adopted a flag [2]."
        )

    def test_an_answer_that_opens_with_the_refusal_words_is_no_refusal(self) -> None:
        draft = f"{CANNOT_ANSWER[:-1]} directly. However, the minister resigned on Monday [1]."
        assert refusal_remainder(draft) is None and not is_refusal(draft)
        for refusal in (
            CANNOT_ANSWER,
            CANNOT_ANSWER[:-1],
            f"**{CANNOT_ANSWER}**",
            f'"{CANNOT_ANSWER}"',
        ):
            assert is_refusal(refusal), refusal

    def test_a_marker_and_a_full_stop_end_a_claim_whatever_opens_the_next(self) -> None:
        # An article sentence quoted as it stands may open in lower case.
        claims = parse_claims("480,000 [1]. was just enough to outnumber deaths [1].")
        assert [(c.text, c.markers) for c in claims] == [
            ("480,000.", (1,)),
            ("was just enough to outnumber deaths.", (1,)),
        ]

    def test_a_run_of_marks_before_a_marker_stays_whole(self) -> None:
        draft = 'TELL THEM TO GO HOME !!! [1]. "TELL THEM TO GO HOME !!!" he texted [1].'
        claims = parse_claims(draft)
        assert [(c.text, c.markers) for c in claims] == [
            ("TELL THEM TO GO HOME!!!.", (1,)),
            ('"TELL THEM TO GO HOME !!!" he texted.', (1,)),
        ]
        assert split_short_answer(draft)[0] == "TELL THEM TO GO HOME!!!"

    def test_a_short_answer_keeps_the_full_stop_of_its_abbreviation(self) -> None:
        draft = "9:45 a.m. [1]. The briefing begins at 9:45 a.m. ET on Tuesday [1]."
        assert split_short_answer(draft)[0] == "9:45 a.m."
        assert split_short_answer("Sitakunda [1]. The fire broke out in Sitakunda [1].")[0] == (
            "Sitakunda"
        )

    def test_refusal_sentinel_tolerates_decoration(self) -> None:
        assert is_refusal(CANNOT_ANSWER)
        assert is_refusal(f'"{CANNOT_ANSWER}"')
        assert not is_refusal("The minister resigned [1].")


class TestResolve:
    def test_quote_is_the_supporting_sentence_with_article_offsets(self) -> None:
        tail = ARTICLE.index("Her deputy")
        result = resolve(
            "Her deputy takes over until the May election [1].", [source(1, start=tail)]
        )
        (citation,) = result.citations
        assert citation.quote == "Her deputy will take over until an election in May."
        assert ARTICLE[citation.start : citation.end] == citation.quote
        assert result.text == "Her deputy takes over until the May election [1]."
        assert not result.unsupported

    def test_numbering_follows_first_use_one_number_per_sentence(self) -> None:
        result = resolve(
            "She cited health reasons [2]. The minister resigned on Monday [2]. "
            "She cited health [2].",
            [source(1), source(2)],
        )
        assert [c.n for c in result.citations] == [1, 2]
        assert result.citations[0].quote == "She cited health reasons."
        assert result.text.endswith("She cited health [1].")

    def test_marker_out_of_range_is_dropped_and_claim_flagged(self) -> None:
        result = resolve("The minister resigned [7].", [source(1)])
        assert result.citations == []
        assert result.unsupported == ["The minister resigned."]
        assert "[7]" not in result.text

    def test_uncited_and_unsupported_claims_are_flagged(self) -> None:
        result = resolve(
            "The minister resigned [1]. Oil prices doubled [1]. She was 54.", [source(1)]
        )
        assert [c.quote for c in result.citations] == ["The minister resigned on Monday."]
        assert result.unsupported == ["Oil prices doubled.", "She was 54."]

    @pytest.mark.parametrize("marker", ["[1; 2]", "【1, 2】", "[ 1 ][ 2 ]", "[Sources 1-2]"])
    def test_marker_styles_models_write_are_read_not_left_in_the_text(self, marker: str) -> None:
        draft = f"The minister resigned on Monday and cited health reasons {marker}."
        result = resolve(draft, [source(1), source(2, article_id="wire")])
        assert result.text == "The minister resigned on Monday and cited health reasons [1][2]."

    def test_a_range_too_wide_to_mean_is_no_citation_and_leaves_no_marker(self) -> None:
        result = resolve("Oil prices doubled [1-50].", [source(1)])
        assert result.text == "Oil prices doubled."
        assert result.unsupported == ["Oil prices doubled."]

    @pytest.mark.parametrize("verdict", ["Yes", "No", "No.", "yes!", "No, he did not."])
    def test_a_bare_yes_or_no_is_never_cited_and_always_flagged(self, verdict: str) -> None:
        result = resolve(f"{verdict} [1]. The minister resigned on Monday [1].", [source(1)])
        assert [u.rstrip(".!") for u in result.unsupported] == [verdict.rstrip(".!")]
        assert not result.text.startswith(f"{verdict} [1]")
        uncited = resolve(f"{verdict}. The minister resigned on Monday [1].", [source(1)])
        assert len(uncited.unsupported) == 1

    def test_a_lone_marker_is_cited_to_nothing(self) -> None:
        result = resolve("[1]. The minister resigned on Monday [1].", [source(1)])
        assert [c.quote for c in result.citations] == ["The minister resigned on Monday."]


class TestShortAnswer:
    def test_a_short_answer_is_cited_to_the_quote_that_holds_it(self) -> None:
        short, result = resolve_answer(
            "On Monday [1]. The minister resigned on Monday [1].", [source(1)]
        )
        assert short == "On Monday"
        assert result.text == "On Monday [1]. The minister resigned on Monday [1]."
        assert result.unsupported == []

    def test_a_short_answer_no_cited_quote_holds_is_flagged_not_cited_to_a_mention(
        self,
    ) -> None:
        # "Health" is in the passage ("She cited health reasons."), but the sentence cited for
        # the rest does not say it answers anything.
        short, result = resolve_answer(
            "Health [1]. The minister resigned on Monday [1].", [source(1)]
        )
        assert short is None
        assert result.text == "Health. The minister resigned on Monday [1]."
        assert result.unsupported == ["Health."]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=4))
def test_every_quote_equals_the_article_slice(picks: list[int]) -> None:
    sentences = [
        "The minister resigned on Monday.",
        "She cited health reasons.",
        "Her deputy will take over until an election in May.",
        "Markets barely moved.",
    ]
    middle = ARTICLE.index("She cited")
    sources = [source(1, end=middle + 30), source(2, start=middle)]
    draft = " ".join(f"{sentences[p]} [{1 if p == 0 else 2}]" for p in picks)
    for citation in resolve(draft, sources).citations:
        assert ARTICLE[citation.start : citation.end] == citation.quote
