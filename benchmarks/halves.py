"""Figures of a ``qa eval`` report on a check set's article halves, the way the fresh sets are
used: half A is development data (read and tuned on), half B stays blind.

    .venv/bin/python benchmarks/halves.py examples/eval/news-open-fresh4.jsonl out/fresh4 \
        [--half whole|A|B ...] [--misses]

A set is split by article (``article_halves``): the items about the 1st, 3rd, 5th ... article in
order of first appearance in the file are half A, the others half B, so that no article is read
on one side and measured on the other. Printed per half: accuracy over the answerable items,
short-answer F1, refusal precision and recall, with their counts. ``--misses`` lists the
wrong items of half A only: half B's errors are never printed (examples/eval/README.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.evaluation import EvalItem, ItemResult, load_dataset, load_report

Half = Literal["A", "B"]


def article_halves(items: Sequence[EvalItem]) -> dict[str, Half]:
    """Each item's half: A for the items about the 1st, 3rd, 5th ... article in order of first
    appearance (an item's first ``article_ids`` entry), B for the rest."""
    article = {item.id: item.article_ids[0] if item.article_ids else "" for item in items}
    order = {name: place for place, name in enumerate(dict.fromkeys(article.values()))}
    return {key: "A" if order[name] % 2 == 0 else "B" for key, name in article.items()}


def figures(results: Sequence[ItemResult]) -> str:
    """Accuracy, F1 and refusal precision/recall of ``results``, with counts."""
    answerable = [r for r in results if not r.unanswerable]
    unanswerable = [r for r in results if r.unanswerable]
    right = sum(r.accuracy or 0 for r in answerable)
    f1 = sum(r.f1 or 0 for r in answerable) / max(len(answerable), 1)
    refused = [r for r in results if r.refused]
    refused_right = sum(r.unanswerable for r in refused)
    return (
        f"accuracy {right / max(len(answerable), 1):.3f} ({right:.0f}/{len(answerable)}), "
        f"F1 {f1:.3f}, refusal P {refused_right}/{len(refused)} R "
        f"{refused_right}/{len(unanswerable)}"
    )


def is_miss(result: ItemResult) -> bool:
    """A wrong item: an answerable question answered wrongly, or an unanswerable one answered."""
    if result.unanswerable:
        return not result.refused
    return (result.accuracy or 0) < 1


def development_misses(results: Sequence[ItemResult], halves: dict[str, Half]) -> list[ItemResult]:
    """The wrong items of half A; half B's stay unread."""
    return [r for r in results if halves[r.id] == "A" and is_miss(r)]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("report", type=Path, help="the directory `qa eval --report` wrote")
    parser.add_argument("--half", action="append", choices=["whole", "A", "B"])
    parser.add_argument("--misses", action="store_true", help="list half A's wrong items")
    args = parser.parse_args(argv)
    halves = article_halves(load_dataset(args.dataset))
    results = load_report(args.report / "report.json").items
    for name in args.half or ["whole", "A", "B"]:
        chosen = [r for r in results if name == "whole" or halves[r.id] == name]
        print(f"{name}: {figures(chosen)}")
    if args.misses:
        for result in development_misses(results, halves):
            print(f"\n{result.id}: {result.question}\n  gold: {result.gold}")
            print(f"  answer: {result.answer[:300]}")


if __name__ == "__main__":
    main()
