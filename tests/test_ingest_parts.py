"""Long articles are ingested in committed parts: a kill, Ctrl-C or SIGTERM keeps the parts
written, says exactly what it kept, and the next run resumes at the first missing chunk without
encoding the kept parts again; the end state is exactly an uninterrupted run's.

The subprocess tests run the real pipeline (``ingest_worker.py``, or the real ``qa`` CLI) with the
fast test encoder, small chunks (``chunking.size`` 100) and parts of 50 chunks, so a "big file" of
600 chunks takes a few seconds and has twelve points at which to stop it.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chroma_server import chroma_server
from conftest import HashingEmbedder, write
from ingest_worker import start_worker
from serve_process import clean_env
from test_crash import snapshot

from qa.articles import read_file
from qa.chunking import chunk_article
from qa.ingest import IngestInterrupted, ingest
from qa.models import Article
from qa.settings import Settings
from qa.store import Store, Writer
from qa.webui import render_stats

pytestmark = pytest.mark.integration

PART = 50
CHUNK_SIZE = 100
WORDS = [f"{a}{b}" for a in ("harbour", "levy", "ferry", "quarry", "tariff") for b in "abcdefgh"]


def big_text(sentences: int = 600) -> str:
    """One dated article of ``sentences`` distinct sentences: one chunk each at size 100."""
    rng = random.Random(sentences)
    body = " ".join(
        f"Clause {i} names the {rng.choice(WORDS)} {rng.choice(WORDS)} and {rng.choice(WORDS)}."
        for i in range(sentences)
    )
    return f"date 2023-04-03 Harbour board minutes\n\n{body}\n"


def small_text(i: int) -> str:
    return f"date 2023-04-0{i} Ferry note {i}\n\nThe ferry {WORDS[i]} sailed at noon on day {i}.\n"


def make_corpus(folder: Path, *, smalls: int = 0) -> Path:
    """``big.txt``, after ``smalls`` one-chunk files that sort (and so are written) first."""
    for i in range(smalls):
        write(folder / f"a{i}.txt", small_text(i + 1))
    write(folder / "big.txt", big_text())
    return folder


def big_chunks(corpus: Path) -> int:
    [article] = [a for a in read_file(corpus / "big.txt") if isinstance(a, Article)]
    return len(chunk_article(article, size=CHUNK_SIZE))


def ingest_worker(data_dir: Path, corpus: Path, *url: str) -> subprocess.Popen[str]:
    """The worker with parts of ``PART`` chunks (``url``: ``--url URL`` for a Chroma server)."""
    return start_worker(
        "--part", str(PART), "--chunk-size", str(CHUNK_SIZE), *url, str(data_dir), str(corpus)
    )


def wait_for_parts(process: subprocess.Popen[str], parts: int) -> list[str]:
    """Read the process's output until it has said ``parts`` parts are saved."""
    assert process.stdout is not None
    seen: list[str] = []
    while sum(line.startswith("saved ") for line in seen) < parts:
        line = process.stdout.readline()
        assert line, f"the ingest ended before saving {parts} parts: {seen[-5:]}"
        seen.append(line)
    return seen


def finish(process: subprocess.Popen[str]) -> list[str]:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return out.strip().splitlines()


def settings_for(data_dir: Path, url: str | None = None) -> Settings:
    return Settings(
        data_dir=data_dir,
        chunking={"size": CHUNK_SIZE},
        ingest={"part_chunks": PART},
        chroma={"url": url},
    )


def check(data_dir: Path, *url: str) -> dict[str, Any]:
    return dict(json.loads(finish(start_worker("--check", *url, str(data_dir)))[-1]))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("big"))


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The index an uninterrupted ingest builds, and how many texts it encoded."""
    data_dir = tmp_path_factory.mktemp("reference")
    lines = finish(ingest_worker(data_dir, corpus))
    assert lines[-1] == "1 added, 0 updated, 0 unchanged, 0 skipped"
    assert lines[-2] == f"embedded {big_chunks(corpus)}"
    return snapshot(settings_for(data_dir))


@pytest.fixture(params=["embedded", "server"])
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """No URL (the embedded store), or a real ``chroma run`` server of this test's own."""
    if request.param == "embedded":
        yield None
        return
    with chroma_server(tmp_path / "db") as url:
        yield url


def test_sigkill_mid_file_then_rerun_resumes_and_ends_identical_to_uninterrupted(
    corpus: Path, reference: dict[str, Any], server_url: str | None, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    url = ("--url", server_url) if server_url else ()
    total = big_chunks(corpus)
    assert total > 10 * PART
    # A reader asks questions all along: a partly written article must not break it.
    reader = start_worker("--ask", *url, str(data_dir), stdin=subprocess.PIPE)
    killed = ingest_worker(data_dir, corpus, *url)
    wait_for_parts(killed, 3)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)

    left = check(data_dir, *url)["records"]
    [(big_id, row)] = left.items()
    assert row["state"] == "pending"  # the writer died: nobody settled it yet
    kept = row["saved"]
    assert 3 * PART <= kept < total and kept % PART == 0

    lines = finish(ingest_worker(data_dir, corpus, *url))
    assert lines[-1] == (
        "1 added, 0 updated, 0 unchanged, 0 skipped (cleaned up 1 left half-written by an "
        "interrupted run: their files are ingested again when next named) "
        f"(resumed 1 partly ingested, {kept:,} chunks already there)"
    )
    assert lines[-2] == f"embedded {total - kept}"  # the kept parts were not encoded again
    assert finish(reader)[-1].startswith("asked ")  # closing its stdin stops the reader

    got = snapshot(settings_for(data_dir, server_url))
    assert got["records"] == reference["records"]
    assert got["chunks"] == reference["chunks"]  # every chunk, none twice, none stale
    assert got["vectors"].keys() == reference["vectors"].keys()
    # Within float noise: the reference was built in the embedded store, this maybe on a server.
    for chunk_id, vector in got["vectors"].items():
        assert np.allclose(vector, reference["vectors"][chunk_id], atol=1e-4), chunk_id
    assert [state for *_, state, _ in got["records"]] == ["done"]
    assert big_id in {r[0] for r in got["records"]}


def test_a_dead_writers_parts_are_kept_as_a_partial_article_listed_as_unfinished(
    settings: Settings, tmp_path: Path
) -> None:
    """``repair`` settles a dead writer's long article: committed parts stay (and are
    searchable), the chunk written past the last saved part goes, the article is ``partial``."""
    embedder = HashingEmbedder()
    settings = settings.model_copy(update={"chunking": settings_for(tmp_path).chunking})
    store = Store.open(settings, model_id=embedder.model_id)
    path = write(tmp_path / "in" / "big.txt", big_text(120))
    [article] = [a for a in read_file(path) if isinstance(a, Article)]
    chunks = chunk_article(article, size=CHUNK_SIZE)
    dead = Writer(id="gone", host="another-machine", pid=1)  # no lease: dead
    store.begin([(article, str(path), len(chunks))], dead)
    written = chunks[: PART + 7]  # a part saved, and a few chunks of the next one
    store.write_chunks([article], written, embedder.embed_documents([c.text for c in written]))
    store._registry.update(ids=[article.id], metadatas=[{"saved": PART}])

    assert store.repair() == [article.id]
    row = store.records()[article.id]
    assert (row.state, row.saved, row.chunks) == ("partial", PART, len(chunks))
    assert sorted(c.index for c in store.iter_chunks()) == list(range(PART))
    stats = store.stats()
    assert (stats["partial"], stats["pending"], stats["articles"]) == (1, 1, 0)
    assert "<th>of which partly in (re-run resumes them)</th><td>1</td>" in render_stats(stats)
    hits = store.query(embedder.embed_query(chunks[3].text), 1)
    assert [h.chunk.id for h in hits] == [chunks[3].id]


class TestResume:
    """In one process: interrupt the encoder at a chosen step, then run again."""

    def interrupted_at(self, settings: Settings, corpus: Path, calls: int) -> IngestInterrupted:
        class StopsAfter(HashingEmbedder):
            def embed_documents(self, texts: Any) -> Any:
                if len(self.calls) == calls:
                    raise KeyboardInterrupt
                return super().embed_documents(texts)

        with pytest.raises(IngestInterrupted) as interrupted:
            ingest([corpus], settings=settings, embedder=StopsAfter())
        return interrupted.value

    def test_ctrl_c_keeps_the_committed_parts_says_so_and_the_rerun_encodes_only_the_rest(
        self, tmp_path: Path
    ) -> None:
        corpus = make_corpus(tmp_path / "in", smalls=2)
        settings = settings_for(tmp_path / "data")
        total = big_chunks(corpus)
        # Encoder steps are 32 texts: the small files are one step, then the big file's parts.
        stopped = self.interrupted_at(settings, corpus, calls=9)
        store = Store.open(settings, model_id=HashingEmbedder().model_id)
        [row] = [r for r in store.records().values() if r.state != "done"]
        # What was encoded before Ctrl-C (four parts) is written before the run stops.
        assert (row.state, row.saved) == ("partial", 4 * PART)
        assert store.count_chunks() == 2 + row.saved
        assert stopped.message == (
            f"interrupted: 2 new or changed articles saved, of 3 read, and {row.saved:,} of "
            f"{total:,} chunks of big.txt; run the same command to finish the rest "
            "(it resumes where this run stopped)"
        )
        assert stopped.exit_code == 130

        embedder = HashingEmbedder()
        report = ingest([corpus], settings=settings, embedder=embedder)
        assert embedder.embedded == total - row.saved
        assert report.added == [row.id] and len(report.unchanged) == 2
        assert report.resumed == {row.id: row.saved}
        clean = settings_for(tmp_path / "clean")
        ingest([corpus], settings=clean, embedder=HashingEmbedder())
        assert snapshot(settings) == snapshot(clean)

    def test_a_partial_article_whose_file_changed_is_written_afresh(self, tmp_path: Path) -> None:
        corpus = make_corpus(tmp_path / "in")
        settings = settings_for(tmp_path / "data")
        self.interrupted_at(settings, corpus, calls=4)
        write(corpus / "big.txt", big_text(300))

        embedder = HashingEmbedder()
        report = ingest([corpus], settings=settings, embedder=embedder)
        assert report.resumed == {} and len(report.updated) == 1
        assert embedder.embedded == big_chunks(corpus)
        clean = settings_for(tmp_path / "clean")
        ingest([corpus], settings=clean, embedder=HashingEmbedder())
        assert snapshot(settings) == snapshot(clean)

    def test_a_partial_article_chunked_otherwise_now_is_written_afresh(
        self, tmp_path: Path
    ) -> None:
        corpus = make_corpus(tmp_path / "in")
        self.interrupted_at(settings_for(tmp_path / "data"), corpus, calls=4)
        wider = Settings(data_dir=tmp_path / "data", chunking={"size": 150})

        embedder = HashingEmbedder()
        report = ingest([corpus], settings=wider, embedder=embedder)
        assert report.resumed == {}
        store = Store.open(wider, model_id=embedder.model_id)
        [row] = store.records().values()
        assert row.state == "done" and embedder.embedded == row.chunks == store.count_chunks()


# The real `qa` CLI with the fast test encoder, saying each saved part on stdout. Each part is
# saved only after a line on stdin (or at once once stdin is closed), so a test can stop it
# between two given parts however fast the machine is.
CLI = f"""
import signal, sys
# A shell that runs the tests in the background starts its children with Ctrl-C ignored, and
# Python keeps an ignored SIGINT: put back what a terminal's qa gets, Ctrl-C -> KeyboardInterrupt.
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {str(Path(__file__).parent)!r})
from conftest import HashingEmbedder
import qa.engine
qa.engine.make_embedder = lambda settings: HashingEmbedder()
from qa.store import Store
real_save_parts = Store.save_parts
def save_parts_and_say(self, parts, writer):
    sys.stdin.readline()  # each part waits for the test's go, so a signal lands between parts
    saved = real_save_parts(self, parts, writer)
    print("saved", *sorted(saved), flush=True)
    return saved
Store.save_parts = save_parts_and_say
from qa.cli import app
sys.argv[0] = "qa"
app()
"""


def cli(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = clean_env(
        QA_DATA_DIR=str(data_dir),
        QA_CHUNKING_SIZE=str(CHUNK_SIZE),
        QA_INGEST_PART_CHUNKS=str(PART),
    )
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize(
    ("signum", "word", "code"),
    [(signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)],
)
def test_cli_stopped_by_a_signal_says_exactly_what_it_kept_and_the_rerun_resumes(
    signum: int, word: str, code: int, tmp_path: Path
) -> None:
    corpus = make_corpus(tmp_path / "in", smalls=2)
    data_dir = tmp_path / "data"
    total = big_chunks(corpus)
    process = cli(data_dir, "ingest", str(corpus))
    assert process.stdin is not None
    for _ in range(2):  # let two parts through; the third waits, embedded but not saved
        process.stdin.write("go\n")
        process.stdin.flush()
        wait_for_parts(process, 1)
    process.send_signal(signum)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == code, err

    store = Store.open(settings_for(data_dir), model_id=HashingEmbedder().model_id)
    [big] = [r for r in store.records().values() if r.origin.endswith("big.txt")]
    assert big.state == "partial" and 2 * PART <= big.saved < total
    stored = sum(1 for c in store.iter_chunks() if c.article_id == big.id)
    assert stored == big.saved  # the message's figure is what the index holds
    assert err.strip().splitlines() == [
        f"{word}: 2 new or changed articles saved, of 3 read, and {big.saved:,} of {total:,} "
        "chunks of big.txt; run the same command to finish the rest "
        "(it resumes where this run stopped)"
    ]

    lines = finish(cli(data_dir, "ingest", str(corpus)))
    assert lines[-1] == (
        "1 added, 0 updated, 2 unchanged, 0 skipped "
        f"(resumed 1 partly ingested, {big.saved:,} chunks already there)"
    )
    store = Store.open(settings_for(data_dir), model_id=HashingEmbedder().model_id)
    assert {r.state for r in store.records().values()} == {"done"}
    ids = [c.id for c in store.iter_chunks()]
    assert len(ids) == len(set(ids)) == total + 2
