"""The hand-written news gold sets (development, check and four fresh ones) load with qa's own
loader, spread over the question types, never share an article, and every gold answer is a short
string found verbatim in the article it names."""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SHARED_DATA

from qa.chat import names_in
from qa.evaluation import load_dataset

EVAL_DIR = REPO / "examples" / "eval"
DEVELOPMENT_SET = EVAL_DIR / "news-open.jsonl"
CHECK_SET = EVAL_DIR / "news-open-check.jsonl"
FRESH_SET = EVAL_DIR / "news-open-fresh.jsonl"
FRESH2_SET = EVAL_DIR / "news-open-fresh2.jsonl"
FRESH3_SET = EVAL_DIR / "news-open-fresh3.jsonl"
FRESH4_SET = EVAL_DIR / "news-open-fresh4.jsonl"
ANSWERABLE_TYPES = {"who", "how-many", "how-much", "when", "where", "which", "what-said", "why"}
# Gold answers are names, numbers, places or a few quoted words, never passages: the articles are
# copyrighted and only a short answer string may be copied into the repository.
MAX_GOLD_WORDS = 12

# (file, fewest answerable questions, fewest unanswerable ones): the floors each set was written to.
SETS = [
    pytest.param(DEVELOPMENT_SET, 110, 30, id="news-open"),
    pytest.param(CHECK_SET, 40, 12, id="news-open-check"),
    pytest.param(FRESH_SET, 80, 25, id="news-open-fresh"),
    pytest.param(FRESH2_SET, 120, 30, id="news-open-fresh2"),
    pytest.param(FRESH3_SET, 150, 30, id="news-open-fresh3"),
    pytest.param(FRESH4_SET, 200, 30, id="news-open-fresh4"),
]


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def archive() -> dict[str, dict[str, Any]]:
    articles = SHARED_DATA / "articles.jsonl"
    if not articles.exists():
        pytest.skip(f"{articles} is not here (CI has ../shared/data beside the clone)")
    lines = articles.read_text(encoding="utf-8").splitlines()
    return {a["id"]: a for a in map(json.loads, lines)}


@pytest.mark.parametrize(("path", "answerable", "unanswerable"), SETS)
def test_the_set_loads_with_qas_loader_and_has_both_kinds_of_question(
    path: Path, answerable: int, unanswerable: int
) -> None:
    items = load_dataset(path)

    assert len({item.id for item in items}) == len(items)
    assert sum(not item.unanswerable for item in items) >= answerable
    assert sum(item.unanswerable for item in items) >= unanswerable
    assert all(item.article_ids and item.date for item in items)
    assert all(item.answer == [] for item in items if item.unanswerable)


@pytest.mark.parametrize(("path", "answerable", "unanswerable"), SETS)
def test_questions_spread_over_every_type_and_none_is_asked_twice(
    path: Path, answerable: int, unanswerable: int
) -> None:
    rows = records(path)
    types = Counter(row["type"] for row in rows)
    answerable_rows = [row for row in rows if not row.get("unanswerable")]
    smallest_share = 0.5 / len(ANSWERABLE_TYPES)  # no type under half its even share

    assert set(types) == ANSWERABLE_TYPES | {"unanswerable"}
    assert all((row["type"] == "unanswerable") == bool(row.get("unanswerable")) for row in rows)
    assert min(types[t] for t in ANSWERABLE_TYPES) >= smallest_share * len(answerable_rows)
    normalised = [re.sub(r"\W+", " ", row["question"].lower()).strip() for row in rows]
    assert [q for q, n in Counter(normalised).items() if n > 1] == []


@pytest.mark.parametrize(("path", "answerable", "unanswerable"), SETS)
def test_every_gold_answer_is_short_and_verbatim_in_the_article_it_names(
    path: Path, answerable: int, unanswerable: int, archive: dict[str, dict[str, Any]]
) -> None:
    for row in records(path):
        named = [archive.get(article_id) for article_id in row["article_ids"]]
        assert all(named), f"{row['id']} names an article the archive lacks: {row['article_ids']}"
        assert row["date"] == named[0]["date"].replace("/", "-"), row["id"]
        for gold in row["answer"]:
            assert len(gold.split()) <= MAX_GOLD_WORDS, f"{row['id']}: {gold!r} is a passage"
            assert any(gold in article["text"] for article in named), f"{row['id']}: {gold!r}"


NAMED_SETS = {
    "development": DEVELOPMENT_SET,
    "check": CHECK_SET,
    "fresh": FRESH_SET,
    "fresh2": FRESH2_SET,
    "fresh3": FRESH3_SET,
    "fresh4": FRESH4_SET,
}


@pytest.mark.parametrize(
    ("first", "second"),
    [(NAMED_SETS[a], NAMED_SETS[b]) for a, b in combinations(NAMED_SETS, 2)],
    ids=[f"{b}-vs-{a}" for a, b in combinations(NAMED_SETS, 2)],
)
def test_no_two_sets_name_the_same_article_or_ask_the_same_question(
    first: Path, second: Path
) -> None:
    """Each later set asks about articles no earlier set names, so it measures questions the
    answerer was not tuned on."""
    first_articles = {a for row in records(first) for a in row["article_ids"]}
    second_articles = {a for row in records(second) for a in row["article_ids"]}

    assert second_articles.isdisjoint(first_articles)
    questions = {row["question"] for row in records(first)}
    assert questions.isdisjoint(row["question"] for row in records(second))


def test_the_standalone_development_questions_name_nothing_and_are_not_repeated() -> None:
    """The follow-up benchmark's nameless standalone questions (no gold answers: not an eval
    set): names would make them easy (a question that names anything is never given the
    conversation's topic)."""
    rows = records(EVAL_DIR / "news-standalone-dev.jsonl")
    questions = [row["question"] for row in rows]

    assert len(questions) >= 40
    assert len({row["id"] for row in rows}) == len(set(questions)) == len(questions)
    assert [q for q in questions if names_in(q)] == []
