"""benchmarks/halves.py: a check set is split by article into a development half A and a blind
half B, and half B's wrong items are never printed."""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

from qa.evaluation import EvalItem, ItemResult

sys.path.insert(0, str(REPO / "benchmarks"))

from halves import article_halves, development_misses, figures, is_miss


def item(n: int, article: str, *, unanswerable: bool = False) -> EvalItem:
    return EvalItem(
        id=f"q{n}",
        question=f"Question {n}?",
        answer=[] if unanswerable else ["gold"],
        article_ids=[article],
        unanswerable=unanswerable,
    )


def result(n: int, *, right: bool, refused: bool = False, unanswerable: bool = False) -> ItemResult:
    return ItemResult(
        id=f"q{n}",
        question=f"Question {n}?",
        gold=[] if unanswerable else ["gold"],
        unanswerable=unanswerable,
        answer="gold [1]." if right else "other [1].",
        refused=refused,
        accuracy=None if unanswerable else float(right),
        f1=None if unanswerable else float(right),
    )


def test_articles_alternate_between_the_halves_in_order_of_first_appearance() -> None:
    items = [item(1, "x"), item(2, "y"), item(3, "x"), item(4, "z"), item(5, "y")]
    assert article_halves(items) == {"q1": "A", "q2": "B", "q3": "A", "q4": "A", "q5": "B"}


def test_figures_count_accuracy_over_answerable_items_and_refusals_over_all() -> None:
    results = [
        result(1, right=True),
        result(2, right=False, refused=True),
        result(3, right=False, refused=True, unanswerable=True),
        result(4, right=False, unanswerable=True),
    ]
    assert figures(results) == "accuracy 0.500 (1/2), F1 0.500, refusal P 1/2 R 1/2"


@pytest.mark.parametrize(
    ("outcome", "missed"),
    [
        (result(1, right=True), False),
        (result(1, right=False), True),
        (result(1, right=False, refused=True, unanswerable=True), False),
        (result(1, right=False, unanswerable=True), True),  # an unanswerable one answered
    ],
)
def test_a_miss_is_a_wrong_answer_or_an_answered_unanswerable_question(
    outcome: ItemResult, missed: bool
) -> None:
    assert is_miss(outcome) is missed


def test_only_half_a_misses_are_listed() -> None:
    items = [item(1, "x"), item(2, "y"), item(3, "x")]
    results = [result(1, right=False), result(2, right=False), result(3, right=True)]
    misses = development_misses(results, article_halves(items))
    assert [r.id for r in misses] == ["q1"], "q2 is wrong too, but it is about a half-B article"
