"""A real ``qa`` ingest process for the crash test: ``python ingest_worker.py DATA_DIR PATH...``.

It runs the real ingest pipeline against the embedded store, with the test's HashingEmbedder (so
a run takes a second, not a minute) and two articles per batch (so there are many points at
which a kill can land). Each finished batch prints ``progress DONE TOTAL`` so the test can aim
its SIGKILL; the last line is the report's summary.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import HashingEmbedder

from qa.settings import Settings

ingest_module = importlib.import_module("qa.ingest")


def main() -> None:
    data_dir, *paths = sys.argv[1:]
    ingest_module._ARTICLES_PER_BATCH = 2
    settings = Settings(data_dir=Path(data_dir), llm={"provider": "extractive"})

    def progress(done: int, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    report = ingest_module.ingest(
        paths, settings=settings, embedder=HashingEmbedder(), on_progress=progress
    )
    print(report.summary(), flush=True)


if __name__ == "__main__":
    main()
