"""The request and stream types every entry point shares: ``Query``, ``final_answer``."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from qa.errors import InvalidQueryError, friendly
from qa.models import Answer, AnswerStream, Message, Query, as_query, final_answer


class TestQuery:
    def test_dates_are_parsed_and_blank_options_mean_none(self) -> None:
        query = Query(question="Q?", since="2023-03-01", until=date(2023, 3, 5), sources=None)
        assert (query.since, query.until, query.sources) == (date(2023, 3, 1), date(2023, 3, 5), ())
        assert query.filters.where() is not None

    def test_a_year_or_a_month_alone_is_the_whole_period(self) -> None:
        year = Query(question="Q?", since="2023", until="2023")
        assert (year.since, year.until) == (date(2023, 1, 1), date(2023, 12, 31))
        month = Query(question="Q?", since="Feb 2024", until="February 2024")
        assert (month.since, month.until) == (date(2024, 2, 1), date(2024, 2, 29))

    def test_a_number_is_a_year_a_date_written_in_digits_or_a_timestamp(self) -> None:
        year = Query(question="Q?", since=2022, until=2022)
        assert (year.since, year.until) == (date(2022, 1, 1), date(2022, 12, 31))
        assert Query(question="Q?", since=20220705).since == date(2022, 7, 5)
        assert Query(question="Q?", since=1656676800).since == date(2022, 7, 1)
        assert Query(question="Q?", since=1656676800000).since == date(2022, 7, 1)  # milliseconds

    def test_text_that_utf8_cannot_hold_is_replaced_and_invisible_text_is_empty(self) -> None:
        query = Query(
            question="Who cut the \udcff ribbon?",
            history=[{"role": "user", "content": "And \ud800 him?"}],
        )
        assert query.question == "Who cut the \ufffd ribbon?"
        assert query.history[0].content == "And \ufffd him?"
        with pytest.raises(ValueError, match="empty"):
            Query(question="\u200b\u200b \t")

    def test_history_accepts_the_messages_format(self) -> None:
        query = Query(question="And him?", history=[{"role": "user", "content": "Who is Xi?"}])
        assert query.history == (Message(role="user", content="Who is Xi?"),)

    @pytest.mark.parametrize(
        ("options", "named"),
        [
            ({"since": "2023-13-01"}, "since '2023-13-01' does not parse; write it as YYYY-MM-DD"),
            ({"until": "soon-ish"}, "until 'soon-ish' does not parse"),
            ({"as_of": "x"}, "as_of 'x' does not parse"),
            ({"since": "March"}, "since 'March' does not parse"),  # which March?
            ({"since": "-5"}, "since '-5' does not parse"),
            ({"since": 86400}, "since 86400 is not a date: give YYYY-MM-DD, a year, or"),
            ({"k": 0}, "k must be at least 1"),
            ({"k": 51}, "k must be at most 50 (got 51), as QA_RETRIEVAL_K must"),
            ({"since": "2023-03-05", "until": "2023-03-01"}, "since 2023-03-05 is after until"),
            ({"history": [{"role": "robot", "content": "hi"}]}, "history.0.role"),
            ({"sorces": ["x"]}, "sorces"),
        ],
    )
    def test_a_bad_value_is_a_value_error_naming_the_field(
        self, options: dict[str, object], named: str
    ) -> None:
        with pytest.raises(ValueError) as raised:
            Query(question="Q?", **options)  # type: ignore[arg-type]
        assert isinstance(raised.value, ValidationError)
        assert named in friendly(raised.value)

    def test_an_empty_question_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="empty"):
            Query(question="  ")

    def test_keyword_shorthand_builds_the_same_query(self) -> None:
        built = as_query("Q?", [{"role": "user", "content": "A?"}], k=2, since="2023-03-01")
        assert built == Query(
            question="Q?", history=[Message(role="user", content="A?")], k=2, since="2023-03-01"
        )
        assert as_query(built) is built
        with pytest.raises(TypeError, match="inside the Query"):
            as_query(built, k=3)

    @pytest.mark.parametrize(
        ("options", "line"),
        [
            ({"k": -5}, "k must be at least 1 (got -5); leave it out for the settings' default"),
            (
                {"since": "2023-05-01", "until": "2023-01-01"},
                "since 2023-05-01 is after until 2023-01-01: no article can match",
            ),
        ],
    )
    def test_python_callers_get_the_same_one_line_error_as_the_cli(
        self, options: dict[str, object], line: str
    ) -> None:
        # qa.ask, qa.stream and Engine.ask's shorthand all build their Query with as_query.
        with pytest.raises(InvalidQueryError) as raised:
            as_query("Q?", **options)
        assert str(raised.value) == line
        assert isinstance(raised.value, ValueError)


class TestFinalAnswer:
    def test_the_answer_that_ends_the_stream(self) -> None:
        answer = Answer(text="Done [1].")
        assert final_answer(iter(["Do", "ne", answer])) is answer

    def test_a_stream_without_an_answer_is_an_error(self) -> None:
        with pytest.raises(RuntimeError, match="without an Answer"):
            final_answer(iter(["a", "b"]))

    def test_answer_stream_yields_the_deltas_then_holds_the_answer(self) -> None:
        answer = Answer(text="ok")
        drafts = AnswerStream(["o", "k", answer])
        assert list(drafts) == ["o", "k"]
        assert drafts.answer is answer
