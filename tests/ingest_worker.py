"""A real ``qa`` ingest process for the crash and concurrency tests.

``python ingest_worker.py [--url URL] DATA_DIR PATH...`` runs the real ingest pipeline against
the embedded store under DATA_DIR (or the Chroma server at URL), with the test's HashingEmbedder
(so a run takes a second, not a minute) and two articles per batch (so there are many points at
which a kill or another writer can land). Each progress report prints ``progress DONE TOTAL``
and each batch marked done in the store prints ``committed N`` (progress moves while a batch is
still being encoded, so only the second says work is saved), so a test can aim its SIGKILL; each
part of a long article marked saved prints ``saved ARTICLE_ID N`` (its first N chunks are
committed). ``--part N`` and ``--chunk-size N`` set ``ingest.part_chunks`` and
``chunking.size``; ``--prune`` removes the articles whose files are gone (as ``qa ingest
--prune``). The last lines are ``embedded N`` (texts the encoder was given) and the
report's summary.

``python ingest_worker.py --ask [--url URL] DATA_DIR`` is a reader: it asks questions until
stdin closes, then prints how many it asked. ``--check`` prints, as JSON, what a fresh process
finds in the index: each article's state and chunks, and which articles' own first chunk dense
retrieval fails to find.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import HashingEmbedder

from qa.settings import Settings

ingest_module = importlib.import_module("qa.ingest")


def start_worker(*args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    """This script in a process of its own, without the developer's qa, OpenAI or Gradio
    settings; its output is read line by line by the test."""
    from serve_process import clean_env

    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--ask", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--prune", action="store_true")
    parser.add_argument("--part", type=int, default=500)
    parser.add_argument("--chunk-size", type=int, default=900)
    parser.add_argument("data_dir")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    ingest_module._ARTICLES_PER_BATCH = 2
    settings = Settings(
        data_dir=Path(args.data_dir),
        llm={"provider": "extractive"},
        chroma={"url": args.url},
        ingest={"part_chunks": args.part},
        chunking={"size": args.chunk_size},
    )
    if args.ask:
        ask_until_stdin_closes(settings)
        return
    if args.check:
        print(json.dumps(check(settings)), flush=True)
        return

    def progress(done: float, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    from qa.store import Store, Writer

    real_commit = Store.commit

    def commit_and_say(store: Store, article_ids: Sequence[str], writer: Writer) -> set[str]:
        committed = real_commit(store, article_ids, writer)
        print(f"committed {len(article_ids)}", flush=True)
        return committed

    Store.commit = commit_and_say  # type: ignore[method-assign]
    real_save_parts = Store.save_parts

    def save_parts_and_say(store: Store, parts: Mapping[str, int], writer: Writer) -> set[str]:
        saved = real_save_parts(store, parts, writer)
        for article_id in sorted(saved):
            print(f"saved {article_id} {parts[article_id]}", flush=True)
        return saved

    Store.save_parts = save_parts_and_say  # type: ignore[method-assign]

    embedder = HashingEmbedder()
    report = ingest_module.ingest(
        args.paths, settings=settings, embedder=embedder, on_progress=progress, prune=args.prune
    )
    print(f"embedded {embedder.embedded}", flush=True)
    print(report.summary(), flush=True)


def ask_until_stdin_closes(settings: Settings) -> None:
    import select

    from qa.engine import Engine

    engine = Engine(settings, embedder=HashingEmbedder())
    asked = 0
    while not select.select([sys.stdin], [], [], 0)[0]:
        engine.ask(f"What did the council report number {asked % 100} say?")
        asked += 1
    print(f"asked {asked}", flush=True)


def check(settings: Settings) -> dict[str, object]:
    from qa.store import Store

    embedder = HashingEmbedder()
    store = Store.open(settings, model_id=embedder.model_id)
    chunks = list(store.iter_chunks())
    per_article = Counter(c.article_id for c in chunks)
    firsts = [c for c in chunks if c.index == 0]
    vectors = embedder.embed_documents([f"{c.title}\n{c.text}" for c in firsts])
    unfound = [
        c.article_id
        for c, vector in zip(firsts, vectors, strict=True)
        if c.id not in store.nearest_ids(vector, 10)
    ]
    return {
        "records": {
            r.id: {
                "state": r.state,
                "chunks": r.chunks,
                "saved": r.saved,
                "stored": per_article[r.id],
                "source": r.source,
            }
            for r in store.records().values()
        },
        "orphans": sorted(set(per_article) - set(store.records())),
        "unfound": unfound,
    }


if __name__ == "__main__":
    main()
