"""Warm ``ask`` latency of this checkout beside an earlier commit, measured in the same run.

    QA_DATA_DIR=/path/to/archive-index .venv/bin/python benchmarks/ask_speed.py --against REV

The machine is shared, so absolute times drift with the load; what this reports is the ratio
of the two codes' times on the same questions under the same conditions. ``REV`` is exported
(``git archive``) to a temporary folder, and two worker processes, one per code, open the same
index (read only) with the offline answerer. Each question goes to both workers in turn, the
order alternating from one question to the next, and only one of them works at a time, so both
see the same load. As in ``benchmarks/retrieval.py`` each timed ask starts with the encoder's
cache emptied, so it pays for every forward pass a new question needs.

Questions: ``examples/eval/news-open.jsonl`` and the RealTimeQA quiz questions whose answer is
in the corpus (``../shared/data/realtimeqa-2022``), each with its reference date. Figures: p50
of each code, the median of the per-question ratios (this / REV), and how many answers differ
(text, short answer, refusal, citations) between the two codes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "realtimeqa-2022"


@dataclass(frozen=True)
class Asked:
    set: str
    question: str
    date: str | None


def questions(limit: int | None) -> list[Asked]:
    found = []
    with (REPO / "examples/eval/news-open.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                found.append(Asked("news-open", record["question"], record.get("date")))
    with (SHARED / "questions.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("answer_in_corpus"):
                found.append(Asked("quiz", record["question"], record.get("date")))
    return found[:limit] if limit else found


# -- the worker: one code tree, questions on stdin, timings and answers on stdout --------------


def worker(tree: Path) -> None:
    sys.path.insert(0, str(tree))
    from datetime import date

    import qa
    from qa.embeddings import CachingEmbedder
    from qa.engine import Engine
    from qa.settings import Settings

    if not Path(qa.__file__).resolve().is_relative_to(tree.resolve()):
        msg = f"the worker for {tree} imported qa from {qa.__file__}"
        raise RuntimeError(msg)
    engine = Engine(Settings(llm={"provider": "extractive"}))
    engine.ask("warm up: what happened this week?")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        asked = json.loads(line)
        if isinstance(engine.embedder, CachingEmbedder):
            engine.embedder.forget()
        as_of = date.fromisoformat(asked["date"]) if asked["date"] else None
        clock = time.perf_counter()
        answer = engine.ask(asked["question"], as_of=as_of)
        ms = (time.perf_counter() - clock) * 1000
        same = [
            answer.text,
            answer.short_answer,
            answer.refused,
            [c.model_dump(mode="json") for c in answer.citations],
        ]
        print(json.dumps({"ms": ms, "answer": same}), flush=True)


class Worker:
    def __init__(self, tree: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(tree)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.read()  # ready

    def read(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            msg = f"the worker (pid {self.process.pid}) stopped; see its error above"
            raise RuntimeError(msg)
        result: dict[str, Any] = json.loads(line)
        return result

    def ask(self, asked: Asked) -> dict[str, Any]:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"question": asked.question, "date": asked.date}) + "\n")
        stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def export(rev: str, folder: Path) -> Path:
    """The ``qa`` package and prompts of ``rev``, as files (the worktree is left alone)."""
    archive = folder / "rev.tar"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "-o", str(archive), rev, "qa", "prompts"], check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "tree", filter="data")
    return folder / "tree"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--against", help="the earlier commit to compare with (e.g. main~3)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    if not args.against:
        parser.error("--against REV is required (the commit to compare this checkout with)")
    if not os.environ.get("QA_DATA_DIR"):
        parser.error("set QA_DATA_DIR to the index to ask (it is only read)")
    asked = questions(args.limit)
    with tempfile.TemporaryDirectory(prefix="qa-ask-speed-") as scratch:
        before = Worker(export(args.against, Path(scratch)))
        after = Worker(REPO)
        times: dict[str, list[tuple[float, float]]] = {}
        differ = 0
        try:
            for i, item in enumerate(asked):
                # Alternating who goes first: neither code always runs on a warmer machine.
                first, second = (before, after) if i % 2 == 0 else (after, before)
                one, two = first.ask(item), second.ask(item)
                old, new = (one, two) if first is before else (two, one)
                times.setdefault(item.set, []).append((old["ms"], new["ms"]))
                differ += old["answer"] != new["answer"]
        finally:
            before.close()
            after.close()
    load = os.getloadavg()
    print(f"warm ask, this checkout vs {args.against}, {len(asked)} questions, same run")
    print(f"{'':<10} {'n':>4}  {'p50 before':>10}  {'p50 after':>9}  {'median ratio':>12}")
    everything = [pair for pairs in times.values() for pair in pairs]
    for name, pairs in [*times.items(), ("all", everything)]:
        ratio = statistics.median(new / old for old, new in pairs)
        print(
            f"{name:<10} {len(pairs):>4}  {statistics.median(o for o, _ in pairs):>10.1f}  "
            f"{statistics.median(n for _, n in pairs):>9.1f}  {ratio:>12.3f}"
        )
    print(f"answers that differ: {differ} of {len(asked)}")
    print(f"load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)")


if __name__ == "__main__":
    main()
