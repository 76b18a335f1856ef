"""Concurrent writers cannot hurt each other: a pending batch belongs to the ingest writing it,
and only a dead writer's batches are repaired.

The repro from issue 16: ingest A (100 articles) runs while small ingests run one after another
beside it and a reader asks questions; A must end with all 100 articles there and committed, and
so must every small ingest. Run in separate processes against the embedded store and against a
real ``chroma run`` server (the shared-by-several-machines case).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from chroma_server import chroma_server, chroma_server_process
from conftest import HashingEmbedder, write
from ingest_worker import start_worker
from serve_process import clean_env

from qa.articles import Article, read_file
from qa.ingest import ingest
from qa.settings import Settings
from qa.store import LEASE_SECONDS, Store, StoreUnavailableError, Writer

pytestmark = pytest.mark.integration

BIG = 100
SMALL_RUNS = 6


WORDS = [f"{a}{b}" for a in ("storm", "vote", "river", "bridge", "budget") for b in "klmnoprstu"]


def article(i: int, tag: str) -> str:
    """Six sentences of words drawn for this article, so each has its own vector."""
    rng = random.Random(f"{tag}{i}")
    sentences = " ".join(
        " ".join(rng.choice(WORDS) for _ in range(8)).capitalize() + "." for _ in range(6)
    )
    return f"date 2023-02-{i % 28 + 1:02d} Report {tag}{i}\n\n{sentences}\n"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("corpora")
    for i in range(BIG):
        write(root / "big" / f"a{i:03d}.txt", article(i, "a"))
    smalls = []
    for run in range(SMALL_RUNS):
        for i in range(2):
            write(root / f"small{run}" / f"s{i}.txt", article(i, f"s{run}x"))
        smalls.append(root / f"small{run}")
    return root / "big", smalls


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return out.strip().splitlines()[-1]


def run_side_by_side(
    store_args: list[str], big: Path, smalls: list[Path]
) -> tuple[str, list[str], str]:
    """Start the big ingest and a reader; run the small ingests one after another beside them."""
    reader = start_worker("--ask", *store_args, stdin=subprocess.PIPE)
    writer = start_worker(*store_args, str(big))
    assert writer.stdout is not None
    writer.stdout.readline()  # "progress 0 100": it has started
    small_summaries = [finish(start_worker(*store_args, str(path))) for path in smalls]
    big_summary = finish(writer)
    return big_summary, small_summaries, finish(reader)  # closing its stdin stops the reader


def check(store_args: list[str]) -> dict[str, Any]:
    process = start_worker("--check", *store_args)
    return dict(json.loads(finish(process)))


def assert_nothing_lost(got: dict[str, Any], big: Path, smalls: list[Path]) -> None:
    records = got["records"]
    expected = [f"a{i:03d}" for i in range(BIG)]
    names = sorted(
        Path(r["source"]).stem for r in records.values() if Path(r["source"]).parent == big
    )
    assert names == expected, f"{BIG - len(names)} of the big ingest's articles are missing"
    for rid, record in records.items():
        assert record["state"] == "done", (rid, record)
        assert record["stored"] == record["chunks"] > 0, (rid, record)
    assert len(records) == BIG + 2 * len(smalls)
    assert got["orphans"] == []
    assert [records[i]["source"] for i in got["unfound"]] == []


def test_a_big_ingest_beside_small_ones_and_a_reader_loses_nothing_embedded(
    corpora: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    big, smalls = corpora
    store_args = [str(tmp_path / "data")]
    big_summary, small_summaries, asked = run_side_by_side(store_args, big, smalls)
    assert big_summary.startswith(f"{BIG} added,"), big_summary
    assert all(s.startswith("2 added,") for s in small_summaries), small_summaries
    assert asked.startswith("asked ")
    assert_nothing_lost(check(store_args), big, smalls)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("writers-server") / "db") as url:
        yield url


def test_a_big_ingest_beside_small_ones_and_a_reader_loses_nothing_on_a_server(
    corpora: tuple[Path, list[Path]], server_url: str, tmp_path: Path
) -> None:
    big, smalls = corpora
    store_args = ["--url", server_url, str(tmp_path / "data")]
    big_summary, small_summaries, asked = run_side_by_side(store_args, big, smalls)
    assert big_summary.startswith(f"{BIG} added,"), big_summary
    assert all(s.startswith("2 added,") for s in small_summaries), small_summaries
    assert asked.startswith("asked ")
    assert_nothing_lost(check(store_args), big, smalls)


class TestLease:
    """Who counts as dead: judged in one process by planting another machine's writer."""

    def plant(self, store: Store, *, expires_in: float) -> Writer:
        """A writer on another machine (its pid means nothing here) and one pending article."""
        other = Writer(id="elsewhere", host="another-machine", pid=1)
        store._renew(other)
        store._state.update(
            ids=["writer:elsewhere"], metadatas=[{"expires": store._now() + expires_in}]
        )
        return other

    def test_a_live_writers_pending_batch_is_left_alone_and_its_article_skipped_by_name(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        embedder = HashingEmbedder()
        store = Store.open(settings, model_id=embedder.model_id)
        path = write(tmp_path / "in" / "a.txt", article(1, "lease"))
        [item] = list(read_file(path))
        assert isinstance(item, Article)
        other = self.plant(store, expires_in=LEASE_SECONDS)
        store.begin([(item, str(path), 1)], other)

        report = ingest([path], settings=settings, store=store, embedder=embedder)
        assert report.repaired == []
        [skipped] = report.skipped
        assert "being written by another ingest (pid 1 on another-machine)" in skipped.reason
        assert store.records()[item.id].writer == "elsewhere"

    def test_a_writer_whose_lease_expired_is_dead_and_its_batch_is_repaired(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        embedder = HashingEmbedder()
        store = Store.open(settings, model_id=embedder.model_id)
        path = write(tmp_path / "in" / "a.txt", article(1, "lease"))
        [item] = list(read_file(path))
        assert isinstance(item, Article)
        store.begin([(item, str(path), 1)], self.plant(store, expires_in=-1.0))

        report = ingest([path], settings=settings, store=store, embedder=embedder)
        assert report.repaired == [item.id]
        assert report.added == [item.id]
        assert store.records()[item.id].state == "done"

    def test_a_writer_stalled_past_its_lease_does_not_count_what_another_run_took_over(
        self, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        embedder = HashingEmbedder()
        store = Store.open(settings, model_id=embedder.model_id)
        path = write(tmp_path / "in" / "a.txt", article(1, "stalled"))
        write_chunks = store.write_chunks

        def stalled(*args: Any, **kwargs: Any) -> None:
            # Paused (Ctrl-Z, a sleeping laptop) past the lease: another run's repair settles
            # this writer's pending rows before its chunks land.
            store._settle(store._pending())
            write_chunks(*args, **kwargs)

        monkeypatch.setattr(store, "write_chunks", stalled)
        report = ingest([path], settings=settings, store=store, embedder=embedder)
        assert report.added == [] and report.saved == 0
        assert len(report.taken) == 1
        assert "1 not written: this run stalled past its lease" in report.summary()
        assert report.file_outcome(path) == "1 not written (another run took it over)"
        assert store.records() == {}

    def test_a_finished_writer_leaves_no_lease_behind(self, settings: Settings) -> None:
        store = Store.open(settings, model_id=HashingEmbedder().model_id)
        with store.writing() as writer:
            assert store.live_writer(writer.id) == writer
        assert store.live_writer(writer.id) is None


class TestServerKilledMidIngest:
    """A Chroma server killed during an ingest: one line naming what to do, from the Python
    API and the CLI alike, and an index that a rerun finishes."""

    def corpus(self, folder: Path) -> Path:
        for i in range(150):
            write(folder / f"k{i:03d}.txt", article(i, "k"))
        return folder

    def test_python_api_raises_one_line_and_a_rerun_finishes(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        corpus = self.corpus(tmp_path / "in")
        monkeypatch.setattr(sys.modules["qa.ingest"], "_ARTICLES_PER_BATCH", 10)
        db = tmp_path / "db"
        with chroma_server_process(db) as (url, server):
            real_commit = Store.commit

            def commit_then_kill(self: Store, ids: Sequence[str], writer: Writer) -> set[str]:
                committed = real_commit(self, ids, writer)
                server.kill()  # after the first batch is committed
                server.wait()
                return committed

            monkeypatch.setattr(Store, "commit", commit_then_kill)
            settings = Settings(data_dir=tmp_path / "data", chroma={"url": url})
            with pytest.raises(StoreUnavailableError) as error:
                ingest([corpus], settings=settings, embedder=HashingEmbedder())
        message = str(error.value)
        assert "\n" not in message
        assert message.startswith(f"lost the Chroma server at {url} (")
        assert "(10 new or changed articles saved, of 150 read)" in message
        assert message.endswith("start the server again and run the same command to finish")

        monkeypatch.setattr(Store, "commit", real_commit)
        with chroma_server(db) as url:
            settings = Settings(data_dir=tmp_path / "data", chroma={"url": url})
            report = ingest([corpus], settings=settings, embedder=HashingEmbedder())
            assert (len(report.unchanged), len(report.added) + len(report.updated)) == (10, 140)
            store = Store.open(settings, model_id=HashingEmbedder().model_id)
            records = store.records()
            assert len(records) == 150 and {r.state for r in records.values()} == {"done"}
            assert store.count_chunks() == sum(r.chunks for r in records.values())

    def test_cli_prints_one_line_and_exits_1(self, tmp_path: Path) -> None:
        corpus = self.corpus(tmp_path / "in")
        with chroma_server_process(tmp_path / "db") as (url, server):
            env = clean_env()
            env |= {
                "QA_CHROMA_URL": url,
                "QA_DATA_DIR": str(tmp_path / "data"),
                "KILL_PID": str(server.pid),
            }
            done = subprocess.run(
                [sys.executable, "-c", CLI_KILLING_THE_SERVER, "ingest", str(corpus)],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
            server.wait()
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"error: lost the Chroma server at {url} (")
        assert lines[0].endswith("run the same command to finish")


# The real `qa` CLI with the fast test encoder, killing the server after its first commit.
CLI_KILLING_THE_SERVER = f"""
import os, signal, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from conftest import HashingEmbedder
import qa.engine
qa.engine.make_embedder = lambda settings: HashingEmbedder()
import qa.ingest
qa.ingest._ARTICLES_PER_BATCH = 10
from qa.store import Store
real_commit = Store.commit
def commit_then_kill(self, ids, writer):
    committed = real_commit(self, ids, writer)
    os.kill(int(os.environ["KILL_PID"]), signal.SIGKILL)
    return committed
Store.commit = commit_then_kill
from qa.cli import app
sys.argv[0] = "qa"
app()
"""


OPEN_AT = """
import sys, time
from pathlib import Path
import chromadb  # imported before the start line, so the openers really meet
from qa.settings import Settings
from qa.store import Store
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
Store.open(Settings(data_dir=Path(sys.argv[1])), model_id="test-model")
print("opened")
"""


def test_processes_opening_a_new_data_dir_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    # Chroma creates its tables on first open without a lock of its own: before openers took
    # turns, some of several processes failed with "table collections already exists".
    import time

    start = time.time() + 8  # after every process has imported chromadb
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT, str(tmp_path / "data"), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    for opener in openers:
        out, err = opener.communicate(timeout=120)
        assert opener.returncode == 0 and out.strip() == "opened", err[-500:]
