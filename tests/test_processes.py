"""One archive, many processes: a process that keeps the index open (``qa serve``, a notebook)
goes on answering correctly, and sees the articles another process ingests, within seconds.

Real parts: the embedded Chroma store on disk, written by a real second Python process
(``ingest_worker.py``) while this one asks questions, over real development articles loaded
from ../shared/data at run time (never copied into the repo).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import SHARED_DATA, HashingEmbedder

from qa.engine import Engine
from qa.models import Answer
from qa.settings import Settings

pytestmark = pytest.mark.integration

WORKER = Path(__file__).with_name("ingest_worker.py")
DEADLINE_S = 60.0  # bounds a hang; seeing another process's write takes about a second
T = TypeVar("T")


def real_articles(n: int, skip: int = 0) -> list[dict[str, Any]]:
    """``n`` development articles (title, date, text...) read at run time."""
    path = SHARED_DATA / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is missing (the shared development data)")
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            rows.append(json.loads(line))
            if len(rows) == skip + n:
                break
    return rows[skip:]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def ingest_elsewhere(data_dir: Path, *paths: Path) -> subprocess.Popen[str]:
    """A real second process running the ingest pipeline on the same data directory."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir), *map(str, paths)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def eventually(check: Callable[[], T | None], what: str) -> T:
    """Poll ``check`` until it returns something, within a bounded deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        got = check()
        if got is not None:
            return got
        time.sleep(0.2)
    pytest.fail(f"not within {DEADLINE_S:.0f} s: {what}")


def distinctive_question(article: dict[str, Any]) -> str:
    return f"What happened: {article['title']}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        llm={"provider": "extractive"},
        chroma={"refresh_seconds": 0.5},
    )


class TestAnotherProcessIngests:
    def test_filtered_questions_are_answered_from_the_new_articles(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        first, later = real_articles(10), real_articles(10, skip=10)
        engine = Engine(settings, embedder=HashingEmbedder())
        engine.ingest([write_jsonl(tmp_path / "first.jsonl", first)])
        engine.ask("What happened?", since="2000-01-01")  # this process has the index open now

        worker = ingest_elsewhere(settings.data_dir, write_jsonl(tmp_path / "later.jsonl", later))
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output
        assert "10 added" in output

        target = later[3]
        new_ids = set()
        for row in later:
            from qa.articles import article_from_record

            new_ids.add(article_from_record(row, path=tmp_path / "later.jsonl").id)

        def answered_from_new() -> Answer | None:
            answer = engine.ask(distinctive_question(target), since="2000-01-01")
            cited = {c.article_id for c in answer.citations}
            return answer if cited & new_ids else None

        answer = eventually(answered_from_new, "a filtered answer citing a new article")
        # The new article asked about is the one found. Whether the offline answerer commits or
        # refuses citing its nearest sentence depends on the test encoder's (hashing) scores,
        # not on the store, so it is not this test's question.
        target_id = article_from_record(target, path=tmp_path / "later.jsonl").id
        assert target_id in {c.article_id for c in answer.citations}
        assert engine.stats()["articles"] == 20

    def test_askers_during_an_ingest_elsewhere_never_see_an_error(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        engine = Engine(settings, embedder=HashingEmbedder())
        engine.ingest([write_jsonl(tmp_path / "first.jsonl", real_articles(20))])
        later = write_jsonl(tmp_path / "later.jsonl", real_articles(60, skip=20))
        errors: list[str] = []
        asked = [0]
        lock = threading.Lock()
        worker = ingest_elsewhere(settings.data_dir, later)

        def asker(number: int) -> None:
            while worker.poll() is None:
                try:
                    if number % 2:
                        engine.ask("What did the company say?", since="2000-01-01")
                    else:
                        engine.ask("Who won the election?")
                except Exception as exc:  # any error at all fails the test
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                with lock:
                    asked[0] += 1

        threads = [threading.Thread(target=asker, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        output, _ = worker.communicate(timeout=300)
        for thread in threads:
            thread.join(timeout=60)
        assert worker.returncode == 0, output
        assert asked[0] > 0
        assert errors == []
        assert eventually(lambda: engine.stats()["articles"] == 80 or None, "all 80 articles")


class TestStoreErrors:
    def test_a_read_that_fails_on_every_client_is_one_line_that_says_what_to_do(
        self, settings: Settings
    ) -> None:
        from chromadb.errors import InternalError

        from qa.errors import QAError
        from qa.store import Store

        store = Store.open(settings, model_id=HashingEmbedder().model_id)
        reopened = []

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise InternalError("Error executing plan: Internal error: Error finding id")

        original = store.reopen

        def counting_reopen() -> bool:
            reopened.append(1)
            ok = original()
            store._live.chunks.query = broken  # type: ignore[method-assign]
            return ok

        store._live.chunks.query = broken  # type: ignore[method-assign]
        store.reopen = counting_reopen  # type: ignore[method-assign]
        with pytest.raises(QAError) as caught:
            store.nearest_ids(HashingEmbedder().embed_query("storm"), 4)
        message = str(caught.value)
        assert str(settings.data_dir) in message and "ask again" in message
        assert "\n" not in message
        assert reopened, "the failed read was not retried on a fresh client"
