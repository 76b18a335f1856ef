"""Date words in questions resolve against the reference date into a window of publication dates."""

from __future__ import annotations

from datetime import date

import pytest

from qa.dates import DateWindow, resolve_dates

TODAY = date(2022, 7, 1)  # a Friday


def window(question: str, today: date = TODAY) -> tuple[date, date] | None:
    found = resolve_dates(question, today)
    return (found.since, found.until) if found else None


class TestRelative:
    @pytest.mark.parametrize(
        ("question", "since"),
        [
            ("Which two countries did NATO invite this week?", date(2022, 6, 24)),
            ("What did the court rule last week?", date(2022, 6, 17)),
            ("Who resigned yesterday?", date(2022, 6, 29)),
            ("What happened in the past three days?", date(2022, 6, 28)),
            ("Which snake was recently caught in Florida?", date(2022, 5, 31)),
        ],
    )
    def test_relative_phrases_end_at_the_reference_date(self, question: str, since: date) -> None:
        assert window(question) == (since, TODAY)

    def test_the_reference_date_moves_the_window(self) -> None:
        assert window("What happened this week?", date(2023, 3, 10)) == (
            date(2023, 3, 3),
            date(2023, 3, 10),
        )

    def test_n_units_ago_leaves_a_week_for_the_reports(self) -> None:
        assert window("What was announced two weeks ago?") == (date(2022, 6, 10), TODAY)

    def test_a_time_before_the_calendar_begins_reaches_back_to_its_first_day(self) -> None:
        assert window("What happened 3000 years ago?") == (date.min, TODAY)
        assert window("What changed in the last 99999999999 days?") == (date.min, TODAY)
        early = date(1, 1, 5)
        assert window("Who resigned last week?", early) == (date.min, early)
        # "last year" seen from the year 1 names no date at all: no window, and no error.
        assert window("What happened last year?", early) is None


class TestCalendar:
    def test_month_and_year(self) -> None:
        assert window("Who won the election in March 2023?") == (
            date(2023, 3, 1),
            date(2023, 3, 31),
        )

    def test_a_bare_month_is_the_latest_one_not_after_today(self) -> None:
        assert window("What did the Fed do in March?") == (date(2022, 3, 1), date(2022, 4, 14))
        assert window("What did the Fed do in December?") == (
            date(2021, 12, 1),
            date(2022, 1, 14),
        )

    def test_a_months_reports_run_two_weeks_into_the_next_but_not_past_today(self) -> None:
        # "the December 2021 CPI report" was published in January.
        assert window("What did the December 2021 CPI report show?") == (
            date(2021, 12, 1),
            date(2022, 1, 14),
        )
        assert window("What happened in June 2022?", date(2022, 6, 20)) == (
            date(2022, 6, 1),
            date(2022, 6, 30),
        )
        assert window("What happened in June 2022?", date(2022, 7, 5)) == (
            date(2022, 6, 1),
            date(2022, 7, 5),
        )

    def test_a_day_is_that_day_and_the_two_after_it_when_it_is_reported(self) -> None:
        assert window("What happened on June 5?") == (date(2022, 6, 5), date(2022, 6, 7))

    def test_a_coming_day_means_this_weeks_announcements(self) -> None:
        assert window("Which retailer cut gas prices through July 4?") == (
            date(2022, 6, 24),
            TODAY,
        )

    def test_years(self) -> None:
        # A year's news runs on into the next one's first quarter: "births fell to a record low
        # in 2021", and the year's reports ("scam calls in 2021, per T-Mobile's report") come out
        # in January to March.
        assert window("Who won the cup in 2021?") == (date(2021, 1, 1), date(2022, 3, 31))
        assert window("Who won the cup in 2021?", date(2022, 1, 10)) == (
            date(2021, 1, 1),
            date(2022, 1, 10),
        )
        assert window("Who won the cup in 2020?") == (date(2020, 1, 1), date(2021, 3, 31))
        assert window("How many jobs were added this year?") == (date(2022, 1, 1), TODAY)
        # Last year's figures are published this year too.
        assert window("How much did the royals cost taxpayers last year?") == (
            date(2021, 1, 1),
            TODAY,
        )

    def test_since_or_from_a_time_runs_to_the_reference_date(self) -> None:
        # "harder to find from February 2022", asked in May: told by May's articles as much as
        # by February's.
        assert window("Why is formula harder to find from February 2022?") == (
            date(2022, 2, 1),
            TODAY,
        )
        assert window("How many sharks were tagged since 2009?") == (date(2009, 1, 1), TODAY)
        assert window("Who has led the team since March?") == (date(2022, 3, 1), TODAY)
        assert window("What has the club done from 2019?") == (date(2019, 1, 1), TODAY)

    def test_a_span_with_its_end_named_is_no_open_window(self) -> None:
        assert window("How much did prices rise from 2008 to 2016?") is None
        assert window("When do sightings peak, from August through October?") is None
        assert window("What happened in March 2022?") == (date(2022, 3, 1), date(2022, 4, 14))


class TestNoWindow:
    @pytest.mark.parametrize(
        "question",
        [
            "Who won the Stanley Cup?",
            "What may happen to prices?",  # "may" the verb, not the month
            "Which film was released in 2031?",  # after the reference date: not a past window
        ],
    )
    def test_questions_without_a_time_give_none(self, question: str) -> None:
        assert resolve_dates(question, TODAY) is None

    def test_the_window_knows_its_phrase_and_membership(self) -> None:
        found = resolve_dates("What did NATO decide this week?", TODAY)
        assert found == DateWindow(date(2022, 6, 24), TODAY, "this week")
        assert found.contains(date(2022, 6, 30))
        assert not found.contains(date(2022, 6, 1)) and not found.contains(None)
