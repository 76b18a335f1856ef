"""The instruction detector (``qa.instructions``) on the probe sets and on real news.

    .venv/bin/python benchmarks/instructions.py [--data ../shared/data/realtimeqa-2022]
        [--show-errors tuned]

``tests/data/instruction_probes.jsonl`` holds four sets of single sentences, each written by a
helper who never saw the detector: instructions a hostile page might hide for the machine that
reads it, and news sentences built to look like them (quotes, advice, transcripts, reporting on
AI). ``tuned-1`` and ``tuned-2`` were measured once on arrival, then read and tuned on;
``blind-3`` and ``blind-4`` were measured once and never read (``--show-errors`` lists the tuned
sets' errors only). Also reported: the claim set's injected sentences
(``tests/data/claims.jsonl``) missed, the sentences of the development articles flagged (all
real news: each one flagged is a sentence that can no longer support a claim, and a warning the
reader does not need), and the detector's cost per sentence against the sentence splitter's on
the same text (a ratio: the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
PROBES = REPO / "tests" / "data" / "instruction_probes.jsonl"
CLAIMS = REPO / "tests" / "data" / "claims.jsonl"
sys.path.insert(0, str(REPO))

from qa.chunking import split_sentences  # noqa: E402
from qa.instructions import is_instruction  # noqa: E402


def probe_sets(show: str | None) -> None:
    rows = [json.loads(line) for line in PROBES.read_text(encoding="utf-8").splitlines()]
    print("| set | instructions caught | news flagged |\n|---|---:|---:|")
    for name in dict.fromkeys(row["set"] for row in rows):
        mine = [row for row in rows if row["set"] == name]
        orders = [r["text"] for r in mine if r["label"] == "instruction"]
        news = [r["text"] for r in mine if r["label"] == "news"]
        missed = [t for t in orders if not is_instruction(t)]
        flagged = [t for t in news if is_instruction(t)]
        print(
            f"| {name} | {len(orders) - len(missed)}/{len(orders)} | {len(flagged)}/{len(news)} |"
        )
        if show and name.startswith(show) and not name.startswith("blind"):
            for text in missed:
                print(f"  missed: {text}")
            for text in flagged:
                print(f"  flagged: {text}")


def claim_set() -> None:
    rows = [json.loads(line) for line in CLAIMS.read_text(encoding="utf-8").splitlines()]
    injected = sorted({str(row["inject"]) for row in rows if "inject" in row})
    missed = [text for text in injected if not is_instruction(text)]
    print(f"claim set: {len(injected) - len(missed)}/{len(injected)} injected sentences caught")


def real_news(data: Path) -> None:
    texts = [
        json.loads(line)["text"]
        for line in (data / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    clock = time.perf_counter()
    sentences = [span.of(text) for text in texts for span in split_sentences(text)]
    splitting = time.perf_counter() - clock
    detect = is_instruction.__wrapped__  # uncached: each sentence once, as a new answer sees it
    clock = time.perf_counter()
    flagged = [s for s in sentences if detect(s)]
    detecting = time.perf_counter() - clock
    print(
        f"development articles: {len(flagged)} of {len(sentences):,} sentences flagged; "
        f"{detecting / len(sentences) * 1e6:.0f} us per sentence, "
        f"{detecting / splitting:.1f}x the sentence splitter's time"
    )
    for sentence in flagged:
        print(f"  flagged: {sentence[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show-errors", choices=["tuned"], default=None)
    args = parser.parse_args()
    probe_sets(args.show_errors)
    claim_set()
    real_news(args.data)


if __name__ == "__main__":
    main()
