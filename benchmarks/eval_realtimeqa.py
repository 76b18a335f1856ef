"""``qa eval`` on the realtimeqa-2022 development set: the headline metrics with 95% intervals.

    .venv/bin/python benchmarks/eval_realtimeqa.py [--data ../shared/data/realtimeqa-2022]
        [--limit N] [--judge lexical|embedding|llm] [--report DIR]

The 1,487 articles are ingested once into ``benchmarks/.cache/eval-<key>/`` (git-ignored), keyed
by the content hash of ``articles.jsonl`` and the chunking settings; a rerun embeds nothing
(delete the folder after changing how articles are chunked). All 240 questions are
asked as ``qa eval`` asks them (each with its ``date`` as the reference date, offline answerer
unless a chat model is configured), and the report (report.json, report.md, plots) goes to
``benchmarks/.cache/eval-realtimeqa/`` unless ``--report`` says otherwise.

The questions are multiple choice; the engine sees only the question, and ``choice_accuracy``
scores whether its answer names the right choice and no wrong one. 53 of the 240 answers occur
in no article (``answer_in_corpus: false``): the figures are also given over the questions whose
gold string occurs in an indexed chunk.
These are development figures: the set is what retrieval and answering are tuned on, never a
held-out test.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
CACHE = REPO / "benchmarks" / ".cache"
HEADLINE = (
    "hit@1",
    "hit@4",
    "hit@10",
    "mrr",
    "answer_accuracy",
    "choice_accuracy",
    "answer_f1",
    "citation_recall",
    "citation_precision",
    "refusal_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)

sys.path.insert(0, str(REPO))

from qa.engine import Engine  # noqa: E402
from qa.evaluation import EvalItem, Progress, aggregate, evaluate, load_dataset  # noqa: E402
from qa.judges import judge_name  # noqa: E402
from qa.reports import fmt, write_report  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.text import normalize_answer  # noqa: E402


def content_key(path: Path, *parts: object) -> str:
    """Hash of the file's bytes and ``parts``: the index folder changes when either does."""
    digest = hashlib.sha256(path.read_bytes())
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()[:12]


def cached_engine(data: Path, settings: Settings, *, ingest: bool = True) -> Engine:
    """An engine over the development set's articles, ingested once into the cache.

    ``ingest=False`` opens the cache as it is: an interrupted ingest leaves a consistent index
    of the articles finished so far, which is enough to try the runner, not to quote figures.
    """
    articles = data / "articles.jsonl"
    key = content_key(articles, settings.chunking.size, settings.chunking.overlap)
    folder = CACHE / f"eval-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    engine = Engine(settings.model_copy(update={"data_dir": folder}))
    # A second run started meanwhile waits for the first one's ingest rather than write alongside.
    with (CACHE / f"eval-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ingest:
            engine.store.repair()  # drop what a killed ingest left half-written
            return engine
        clock = time.perf_counter()
        from tqdm import tqdm

        with tqdm(unit="article", desc="ingest", file=sys.stderr, leave=False) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = engine.ingest([articles], on_progress=progress)
        if report.chunks_embedded:
            print(
                f"ingested in {time.perf_counter() - clock:.0f} s: {report.summary()}",
                file=sys.stderr,
            )
    return engine


def answer_in_index(engine: Engine, items: Sequence[EvalItem]) -> set[str]:
    """Ids of the items whose gold string occurs in some indexed chunk (as ``contains_answer``
    decides it; the chunks are normalised once here rather than once per question)."""
    haystack = " " + " ".join(normalize_answer(c.text) for c in engine.store.iter_chunks()) + " "
    return {
        item.id
        for item in items
        if any(f" {normalize_answer(g)} " in haystack for g in item.answer if normalize_answer(g))
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="Only the first N questions.")
    parser.add_argument("--judge", default="lexical", help="lexical, embedding or llm")
    parser.add_argument("--report", type=Path, default=CACHE / "eval-realtimeqa")
    parser.add_argument(
        "--no-ingest", action="store_true", help="Use the cached index as it is (maybe partial)."
    )
    parser.add_argument(
        "--indexed-only",
        action="store_true",
        help="Ask only the questions whose gold string occurs in the index (for a partial one).",
    )
    args = parser.parse_args(argv)

    questions = args.data / "questions.jsonl"
    settings = Settings()
    engine = cached_engine(args.data, settings, ingest=not args.no_ingest)
    items = load_dataset(questions)
    findable = answer_in_index(engine, items)
    if args.indexed_only:
        items = [item for item in items if item.id in findable]
    items = items[: args.limit]

    from tqdm import tqdm

    bar = tqdm(total=len(items), unit="q", file=sys.stderr)

    def progress(p: Progress) -> None:
        bar.set_postfix_str(f"accuracy {p.accuracy:.3f}" if p.accuracy is not None else "")
        bar.update(p.done - bar.n)

    report = evaluate(items, engine=engine, judge=judge_name(args.judge), on_progress=progress)
    bar.close()
    what = " (questions answerable from the index)" if args.indexed_only else ""
    report.dataset.path = f"{questions}{what}"
    write_report(report, args.report)

    in_index = [r for r in report.items if r.id in findable]
    subset = aggregate(in_index)
    corpus = report.corpus
    total = sum(1 for line in (args.data / "articles.jsonl").open(encoding="utf-8") if line.strip())
    print(
        f"\nrealtimeqa-2022 (DEVELOPMENT figures, not held-out): {report.count} questions, "
        f"{corpus.get('articles')} articles, {corpus.get('chunks')} chunks; "
        f"answerer {report.models['answerer']}, judge {report.models['judge']}"
    )
    if (corpus.get("articles") or 0) < total:
        print(
            f"PARTIAL INDEX: {corpus.get('articles')} of {total} articles ingested; these are not "
            "the benchmark's figures (missing articles lower retrieval, fewer distractors raise it)"
        )
    print(f"{'metric':<20} {'all questions':<36} answer in the index ({len(in_index)})")
    for name in HEADLINE:
        print(f"{name:<20} {fmt(report.metrics.get(name)):<36} {fmt(subset.get(name))}")
    print(f"\nreport: {args.report / 'report.md'}")


if __name__ == "__main__":
    main()
