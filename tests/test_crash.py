"""Crash safety: an ingest killed with SIGKILL at random points, then restarted, ends with exactly
the index an uninterrupted ingest builds: no lost article, no duplicate or stale chunk.

Also: a failure inside the ingest pipeline's threads surfaces as the exception, never a hang.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import HashingEmbedder, write

from qa.ingest import ingest
from qa.models import Chunk
from qa.settings import Settings
from qa.store import Store

pytestmark = pytest.mark.integration

WORKER = Path(__file__).with_name("ingest_worker.py")
SEEDS = (7, 11, 2026)
KILLS_PER_SEED = 2


def make_corpus(folder: Path, n: int = 24) -> Path:
    """``n`` articles of a few sentences: half as .txt files, half in one .jsonl."""
    rng = random.Random(0)
    words = "storm budget rocket council river vote strike harbour vaccine bridge".split()
    lines = []
    for i in range(n):
        sentences = " ".join(
            f"The {rng.choice(words)} report number {i}-{j} was published on Monday."
            for j in range(rng.randint(3, 40))
        )
        if i % 2:
            write(
                folder / f"a{i:02d}.txt",
                f"date 2023-01-{i % 28 + 1:02d} Title {i}\n\n{sentences}\n",
            )
        else:
            lines.append(json.dumps({"id": f"j{i}", "title": f"Record {i}", "text": sentences}))
    write(folder / "records.jsonl", "\n".join(lines) + "\n")
    return folder


def snapshot(settings: Settings) -> dict[str, Any]:
    """Everything the index holds, in a comparable form (vectors rounded)."""
    store = Store.open(settings, model_id=HashingEmbedder().model_id)
    chunks = sorted(
        (c.id, c.article_id, c.text, c.start, c.end, c.index) for c in store.iter_chunks()
    )
    records = sorted(
        (r.id, r.content_hash, r.chunks, r.state, r.title) for r in store.records().values()
    )
    got = store._chunks.get(include=["embeddings"])
    vectors = {
        cid: np.round(np.asarray(v), 5).tolist()
        for cid, v in zip(got["ids"], got["embeddings"], strict=True)
    }
    return {"chunks": chunks, "records": records, "vectors": vectors}


def run_worker(data_dir: Path, corpus: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir), str(corpus)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def kill_at_random_point(process: subprocess.Popen[str], rng: random.Random, batches: int) -> str:
    """Let the worker commit a random number of batches, wait a random few ms, SIGKILL it."""
    wanted = rng.randint(0, batches - 1)
    assert process.stdout is not None
    seen = 0
    while seen < wanted:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("committed"):
            seen += 1
    try:
        process.wait(timeout=rng.uniform(0.0, 0.08))
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return f"after {seen} batches (rc {process.returncode})"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The index an uninterrupted ingest builds (in a subprocess too, the same way)."""
    data_dir = tmp_path_factory.mktemp("reference")
    process = run_worker(data_dir, corpus)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert out.strip().splitlines()[-1] == "24 added, 0 updated, 0 unchanged, 0 skipped"
    return snapshot(Settings(data_dir=data_dir))


@pytest.mark.parametrize("seed", SEEDS)
def test_sigkill_at_random_points_then_restart_ends_identical_to_uninterrupted(
    seed: int, corpus: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    kills = [
        kill_at_random_point(run_worker(data_dir, corpus), rng, batches=12)
        for _ in range(KILLS_PER_SEED)
    ]
    finished = run_worker(data_dir, corpus)
    _out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, f"{kills}: {err}"

    got = snapshot(Settings(data_dir=data_dir))
    assert got["records"] == reference["records"], kills
    assert got["chunks"] == reference["chunks"], kills
    assert got["vectors"] == reference["vectors"], kills
    assert {state for _, _, _, state, _ in got["records"]} == {"done"}
    ids = [c[0] for c in got["chunks"]]
    assert len(ids) == len(set(ids))  # no duplicate chunk


def test_the_kills_really_interrupt_the_ingest(corpus: Path, tmp_path: Path) -> None:
    """Guard against a test that cannot fail: a kill after one batch leaves work unfinished."""
    data_dir = tmp_path / "data"
    process = run_worker(data_dir, corpus)
    assert process.stdout is not None
    for line in process.stdout:  # progress lines come first; wait for the first saved batch
        if line.startswith("committed"):
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    store = Store.open(Settings(data_dir=data_dir), model_id=HashingEmbedder().model_id)
    done = [r for r in store.records().values() if r.state == "done"]
    assert 0 < len(done) < 24


class TestPipeline:
    def test_progress_is_reported_from_the_calling_thread_and_ends_at_the_total(
        self, settings: Settings, corpus: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sys.modules["qa.ingest"], "_ARTICLES_PER_BATCH", 5)
        calls: list[tuple[int, int, str]] = []
        ingest(
            [corpus],
            settings=settings,
            embedder=HashingEmbedder(),
            on_progress=lambda done, total: calls.append(
                (done, total, threading.current_thread().name)
            ),
        )
        assert calls[0][:2] == (0, 24) and calls[-1][:2] == (24, 24)
        assert [done for done, _, _ in calls] == sorted({done for done, _, _ in calls})
        assert {name for _, _, name in calls} == {threading.current_thread().name}

    def test_a_failing_store_write_raises_instead_of_hanging(
        self, settings: Settings, corpus: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(self: Store, *args: object, **kwargs: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(Store, "write_chunks", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            ingest([corpus], settings=settings, embedder=HashingEmbedder())

    def test_a_failing_chunker_raises_and_nothing_is_left_half_written(
        self, settings: Settings, corpus: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        calls = 0

        def flaky(*args: object, **kwargs: object) -> Sequence[Chunk]:
            nonlocal calls
            calls += 1
            if calls > 10:
                raise ValueError("chunker bug")
            return real(*args, **kwargs)  # type: ignore[arg-type]

        ingest_module = sys.modules["qa.ingest"]
        real = ingest_module.chunk_article
        monkeypatch.setattr(ingest_module, "chunk_article", flaky)
        with pytest.raises(ValueError, match="chunker bug"):
            ingest([corpus], settings=settings, embedder=HashingEmbedder())
        store = Store.open(settings, model_id=HashingEmbedder().model_id)
        assert {r.state for r in store.records().values()} <= {"done"}
