"""The acceptance test of a live archive: a real ``qa serve`` process keeps answering while a
real ``qa ingest`` of a feed runs in another process on the same data directory.

20 people ask at once (bounded threads, the REST API) for the whole ingest, with and without
date filters: none gets an error. Then a filtered question about an article that arrived
through the feed is answered from it within seconds (polled with a bounded deadline).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SAMPLE_DIR
from feed_server import SHARED_ARTICLES, NewsSite, load_articles
from serve_process import QA, clean_env, serving_qa
from test_processes import eventually

from qa.embeddings import LocalEmbedder
from qa.engine import Engine
from qa.settings import Settings

pytestmark = pytest.mark.integration

ASKERS = 20
QUESTIONS = [
    ({"question": "What did Xi say about sanctions?"}),
    ({"question": "What did the company say?", "since": "2022-01-01"}),
    ({"question": "Who was arrested?", "since": "2022-06-01", "until": "2022-12-31"}),
    ({"question": "What happened to gas prices?"}),
]


@pytest.fixture
def live(tmp_path: Path, real_embedder: LocalEmbedder) -> Iterator[tuple[str, Path]]:
    """``qa serve`` over the sample article, on a free port; yields (url, data dir)."""
    data_dir = tmp_path / "data"
    Engine(
        Settings(data_dir=data_dir, llm={"provider": "extractive"}), embedder=real_embedder
    ).ingest([SAMPLE_DIR])
    log = tmp_path / "serve.log"
    with serving_qa(data_dir, log, QA_CHROMA_REFRESH_SECONDS="0.5") as url:
        yield url, data_dir
    if "Error finding id" in log.read_text(errors="replace"):
        pytest.fail(f"Chroma's internal error reached the server log:\n{log.read_text()[-3000:]}")


def test_askers_during_a_feed_ingest_elsewhere_get_answers_and_then_the_new_articles(
    live: tuple[str, Path], tmp_path: Path
) -> None:
    if not SHARED_ARTICLES.exists():
        pytest.skip(f"{SHARED_ARTICLES} is missing (the shared development data)")
    url, data_dir = live
    rows = load_articles(12)
    with NewsSite.of(rows) as site:
        site.linkless_item = False
        env = clean_env(QA_DATA_DIR=str(data_dir), QA_LLM="extractive", HF_HUB_OFFLINE="1")
        ingest = subprocess.Popen(
            [str(QA), "ingest", "-q", site.url("/feed.xml")],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        errors: list[str] = []
        answered = [0]
        lock = threading.Lock()

        def asker(number: int) -> None:
            with httpx.Client(base_url=url, timeout=120) as client:
                turn = number
                while ingest.poll() is None or turn == number:  # at least one question each
                    body: dict[str, Any] = QUESTIONS[turn % len(QUESTIONS)]
                    turn += 1
                    try:
                        reply = client.post("/api/ask", json=body)
                        ok = reply.status_code == 200 and "text" in reply.json()
                        problem = None if ok else f"{reply.status_code}: {reply.text[:300]}"
                    except httpx.HTTPError as exc:
                        problem = f"{type(exc).__name__}: {exc}"
                    with lock:
                        if problem:
                            errors.append(problem)
                        else:
                            answered[0] += 1

        with ThreadPoolExecutor(max_workers=ASKERS) as pool:
            list(pool.map(asker, range(ASKERS)))
        output, _ = ingest.communicate(timeout=600)
        assert ingest.returncode == 0, output
        assert "12 added" in output
        assert errors == []
        assert answered[0] >= ASKERS

        target = site.pages["story-5"]
        question = {
            "question": target.title,
            "since": target.published.date().isoformat(),
            "until": target.published.date().isoformat(),
        }

        def cited_from_feed() -> dict[str, Any] | None:
            reply = httpx.post(f"{url}/api/ask", json=question, timeout=120)
            assert reply.status_code == 200, reply.text
            answer = reply.json()
            urls = {c.get("url") for c in answer["citations"]}
            return answer if site.page_url("story-5") in urls else None

        answer = eventually(cited_from_feed, "a filtered answer citing the new feed article")
        assert not answer["refused"]
