"""Query latency, cold start and memory at 10k / 100k (/ 1M) chunks, beside plain LangChain.

    .venv/bin/python benchmarks/query_scale.py [--sizes 10000 100000] [--questions 40]

How the large indexes are made (ingesting 100k real chunks would take hours of encoder time):

- a *seed*: the first ``--seed-chunks`` chunks of the dev corpus, encoded once with the bundled
  all-MiniLM-L6-v2 (cached in ``benchmarks/.cache/``, never in the repository);
- generated articles of 10 chunks each, every chunk a seed chunk's text with its vector perturbed
  (seed vector + Gaussian noise of the seed set's own spread, re-normalised), so the vectors keep
  the real model's anisotropy and the texts are real news prose; dates spread over two years.
  They are written straight through ``Store.begin / write_chunks / commit`` (the ingest's own
  write path) in a child process whose peak RSS is the "build" memory.

For each size a fresh *serving* child process opens the index and answers the dev questions:

- qa: ``Engine.ask`` (retrieval + offline answer, the default settings), warm (after one
  un-timed question, which also builds the BM25 index); p50 / p95;
- baseline: the plain LangChain recipe on the same collection: ``langchain_chroma.Chroma``
  (same encoder as LangChain ``Embeddings``) ``similarity_search(q, k=4)``; p50 / p95;
- peak RSS of the serving process.

Cold start: ``qa ask --json`` as a user runs it, at the smallest size, twice (the first may build
and persist the BM25 index), with the import time of ``qa.cli`` and the model load measured
apart so the note can say what dominates.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
CACHE = REPO / "benchmarks" / ".cache"
CHUNKS_PER_ARTICLE = 10

sys.path.insert(0, str(REPO))

from memory import peak_rss_mb  # noqa: E402  (benchmarks/, this script's folder)


def seed(n: int) -> tuple[list[str], np.ndarray]:
    """``n`` real chunk texts of the dev corpus and their real vectors (cached)."""
    from qa.articles import read_file
    from qa.chunking import chunk_article
    from qa.embeddings import LocalEmbedder
    from qa.ingest import embedding_text
    from qa.models import Article

    CACHE.mkdir(parents=True, exist_ok=True)
    texts_path, vectors_path = CACHE / f"seed-{n}.json", CACHE / f"seed-{n}.npy"
    if texts_path.exists() and vectors_path.exists():
        return json.loads(texts_path.read_text("utf-8")), np.load(vectors_path)
    texts: list[str] = []
    embed_texts: list[str] = []
    for article in read_file(DATA / "articles.jsonl"):
        if not isinstance(article, Article):
            continue
        for chunk in chunk_article(article):
            texts.append(chunk.text)
            embed_texts.append(embedding_text(article, chunk))
        if len(texts) >= n:
            break
    texts, embed_texts = texts[:n], embed_texts[:n]
    vectors = LocalEmbedder().embed_documents(embed_texts)
    texts_path.write_text(json.dumps(texts), "utf-8")
    np.save(vectors_path, vectors)
    return texts, vectors


def build(data_dir: Path, size: int, seed_n: int) -> None:
    """Child process: write ``size`` generated chunks into a fresh index."""
    from qa.models import Article, Chunk
    from qa.settings import LOCAL_EMBEDDING_MODEL, Settings
    from qa.store import Store

    texts, vectors = seed(seed_n)
    rng = np.random.default_rng(size)
    spread = float(np.std(vectors - vectors.mean(axis=0)))
    store = Store.open(Settings(data_dir=data_dir), model_id=LOCAL_EMBEDDING_MODEL)
    start_day = date(2021, 1, 1)
    clock = time.perf_counter()
    per_write = 200  # articles per transaction = 2,000 chunks
    for first in range(0, size // CHUNKS_PER_ARTICLE, per_write):
        articles, chunks, rows = [], [], []
        for a in range(first, min(first + per_write, size // CHUNKS_PER_ARTICLE)):
            picks = rng.integers(0, len(texts), CHUNKS_PER_ARTICLE)
            body = "\n\n".join(texts[i] for i in picks)
            article = Article(
                id=f"gen{a:07d}",
                title=f"Generated article {a}",
                date=start_day + timedelta(days=int(rng.integers(0, 730))),
                source=f"gen{a % 50}.example",
                url=None,
                text=body,
            )
            offset = 0
            for index, i in enumerate(picks):
                text = texts[i]
                chunks.append(
                    Chunk(
                        id=f"{article.id}:{index}",
                        article_id=article.id,
                        text=text,
                        start=offset,
                        end=offset + len(text),
                        index=index,
                    )
                )
                offset += len(text) + 2
            noisy = vectors[picks] + rng.normal(0, spread, (len(picks), vectors.shape[1]))
            rows.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
            articles.append(article)
        with store.writing() as writer:
            store.begin([(a, "generated", CHUNKS_PER_ARTICLE) for a in articles], writer)
            store.write_chunks(articles, chunks, np.vstack(rows).astype(np.float32))
            store.commit([a.id for a in articles], writer)
    print(
        json.dumps(
            {
                "chunks": store.count_chunks(),
                "build_s": round(time.perf_counter() - clock, 1),
                "build_peak_rss_mb": round(peak_rss_mb()),
            }
        )
    )


def serve(data_dir: Path, questions: int) -> None:
    """Child process: warm query latency of qa and of the LangChain recipe on the same index."""
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

    from qa.engine import Engine
    from qa.settings import Settings

    rows = [json.loads(line) for line in (DATA / "questions.jsonl").open(encoding="utf-8")]
    asked = [r["question"] for r in rows[:questions]]
    engine = Engine(Settings(data_dir=data_dir, llm={"provider": "extractive"}))
    clock = time.perf_counter()
    engine.ask(asked[0])  # loads the encoder, opens the store, builds or loads BM25
    first_s = time.perf_counter() - clock
    qa_ms = []
    stages: dict[str, list[float]] = {}
    for q in asked:
        clock = time.perf_counter()
        answer = engine.ask(q)
        qa_ms.append((time.perf_counter() - clock) * 1000)
        for stage, ms in answer.timings.items():
            stages.setdefault(stage, []).append(ms)

    encoder = engine.embedder

    class Wrapped(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [list(map(float, v)) for v in encoder.embed_documents(texts)]

        def embed_query(self, text: str) -> list[float]:
            return list(map(float, encoder.embed_query(text)))

    store = engine.store
    baseline = Chroma(
        collection_name=engine.settings.chroma.collection,
        embedding_function=Wrapped(),
        client=store._client,
        create_collection_if_not_exists=False,
    )
    baseline.similarity_search(asked[0], k=4)
    lc_ms = []
    for q in asked:
        clock = time.perf_counter()
        baseline.similarity_search(q, k=4)
        lc_ms.append((time.perf_counter() - clock) * 1000)
    print(
        json.dumps(
            {
                "first_question_s": round(first_s, 1),
                "qa_p50_ms": round(float(np.percentile(qa_ms, 50)), 1),
                "qa_p95_ms": round(float(np.percentile(qa_ms, 95)), 1),
                "lc_p50_ms": round(float(np.percentile(lc_ms, 50)), 1),
                "lc_p95_ms": round(float(np.percentile(lc_ms, 95)), 1),
                "serve_peak_rss_mb": round(peak_rss_mb()),
                "qa_stage_p50_ms": {k: round(float(np.median(v)), 1) for k, v in stages.items()},
            }
        )
    )


def child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def kept(data_dir: Path) -> dict[str, Any] | None:
    """The build figures of an index a ``--keep`` run finished earlier, else None (a folder
    without them is an interrupted build: start it again)."""
    done = data_dir / "build.json"
    if done.exists():
        result: dict[str, Any] = json.loads(done.read_text(encoding="utf-8"))
        return result
    if data_dir.exists():
        shutil.rmtree(data_dir)
    return None


def cold_start(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    env |= {"QA_DATA_DIR": str(data_dir), "QA_LLM": "extractive", "HF_HUB_OFFLINE": "1"}
    qa_bin = str(Path(sys.executable).with_name("qa"))
    question = "Which company is being accused of turning off the AC in its stores?"
    attempts = [
        ("first (may build BM25)", "onnx"),
        ("second", "onnx"),
        ("second, QA_EMBEDDING_RUNTIME=torch", "torch"),  # the baseline: torch as before
    ]
    for attempt, runtime in attempts:
        clock = time.perf_counter()
        out = subprocess.run(
            [qa_bin, "ask", question, "--json"],
            capture_output=True,
            text=True,
            env=env | {"QA_EMBEDDING_RUNTIME": runtime},
            check=True,
        ).stdout
        total = time.perf_counter() - clock
        timings = json.loads(out).get("timings", {})
        print(
            f"cold `qa ask --json`, {attempt}: {total:.1f} s "
            f"(in-answer stages {timings.get('total_ms', float('nan')):.0f} ms)"
        )
    clock = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import qa.cli"], check=True, env=env)
    print(f"  of which: python + import qa.cli            {time.perf_counter() - clock:.1f} s")
    for runtime in ("onnx", "torch"):
        code = (
            "import time; t=time.perf_counter(); from qa.embeddings import LocalEmbedder; "
            f"e=LocalEmbedder(runtime={runtime!r}); e.embed_query('x'); "
            "print(time.perf_counter()-t)"
        )
        load = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout
        print(f"  of which: load the encoder ({runtime:>5})       {float(load):.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--seed-chunks", type=int, default=400)
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the indexes in this folder and reuse them on later runs (default: a "
        "temporary folder, removed at the end)",
    )
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.size, args.seed_chunks)
        return
    if args.serve:
        serve(args.serve, args.questions)
        return

    clock = time.perf_counter()
    seed(args.seed_chunks)
    print(f"seed: {args.seed_chunks} real chunks encoded ({time.perf_counter() - clock:.0f} s)")
    print(
        f"{'chunks':>9} {'build s':>8} {'build RSS':>10} | {'qa p50':>8} {'qa p95':>8} | "
        f"{'LC p50':>8} {'LC p95':>8} | {'serve RSS':>9} {'1st q s':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="qa-bench-scale-") as tmp:
        folders = [(args.keep or Path(tmp)) / f"n{n}-seed{args.seed_chunks}" for n in args.sizes]
        for size, data_dir in zip(args.sizes, folders, strict=True):
            built = kept(data_dir) or child(
                "--build",
                str(data_dir),
                "--size",
                str(size),
                "--seed-chunks",
                str(args.seed_chunks),
            )
            if args.keep:
                (data_dir / "build.json").write_text(json.dumps(built), encoding="utf-8")
            served = child("--serve", str(data_dir), "--questions", str(args.questions))
            print(
                f"{int(built['chunks']):>9} {built['build_s']:>8} "
                f"{built['build_peak_rss_mb']:>8} MB | "
                f"{served['qa_p50_ms']:>5} ms {served['qa_p95_ms']:>5} ms | "
                f"{served['lc_p50_ms']:>5} ms {served['lc_p95_ms']:>5} ms | "
                f"{served['serve_peak_rss_mb']:>6} MB {served['first_question_s']:>8}",
                flush=True,
            )
            print(f"{'':>9} qa stages, median ms: {served['qa_stage_p50_ms']}", flush=True)
        cold_start(folders[0])  # the smallest index, as built above (not an empty folder)


if __name__ == "__main__":
    main()
