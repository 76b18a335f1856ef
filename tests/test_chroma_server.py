"""Server mode: the core engine and ingest behaviour against a real ``chroma run`` on 127.0.0.1.

The core test classes of test_ingest.py and test_engine.py are re-run here unchanged; only their
``settings`` fixture differs (``QA_CHROMA_URL`` set, one collection per test on one shared
server). Token auth is tested through a token-checking proxy, because Chroma 1.x's server has no
auth of its own (see tests/chroma_server.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_engine
import test_ingest
import test_syndication
from chroma_server import TokenProxy, chroma_server, chroma_server_process
from conftest import SAMPLE_DIR, HashingEmbedder, write
from http_server import free_port

from qa.engine import Engine
from qa.ingest import ingest
from qa.keyword_index import KeywordIndex
from qa.settings import Settings
from qa.store import Store, StoreUnavailableError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Chroma server for the module; tests keep apart by collection name."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as url:
        yield url


def server_settings(url: str, data_dir: Path, token: str | None = None) -> Settings:
    collection = f"t-{uuid.uuid4().hex[:12]}"
    return Settings(
        data_dir=data_dir,
        llm={"provider": "extractive"},
        chroma={"url": url, "token": token, "collection": collection},
    )


def qa_stats(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``qa stats`` in a clean environment plus ``env``, over a data folder in ``tmp_path``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", "stats"],
        capture_output=True,
        text=True,
        env=clean | {"QA_DATA_DIR": str(tmp_path / "data"), **env},
        timeout=120,
        check=False,
    )


class OnServer:
    """Mixin: the inherited tests get settings that point at the Chroma server."""

    @pytest.fixture
    def settings(self, chroma_url: str, tmp_path: Path) -> Settings:
        return server_settings(chroma_url, tmp_path / "data")


class TestIncrementalOnServer(OnServer, test_ingest.TestIncremental):
    pass


class TestBadInputOnServer(OnServer, test_ingest.TestBadInput):
    pass


class TestInterruptedOnServer(OnServer, test_ingest.TestInterrupted):
    pass


class TestModelGuardOnServer(OnServer, test_ingest.TestModelGuard):
    pass


class TestCopiesOnServer(OnServer, test_syndication.TestCopiesFindEachOther):
    pass


@pytest.mark.slow
class TestSpeakerQuestionsOnServer(OnServer, test_engine.TestSpeakerQuestions):
    pass


@pytest.mark.slow
class TestRefusalsOnServer(OnServer, test_engine.TestRefusals):
    pass


@pytest.mark.slow
class TestFiltersOnServer(OnServer, test_engine.TestFilters):
    pass


class TestServerIsTheStore:
    def test_data_lives_on_the_server_not_in_the_data_dir(
        self, chroma_url: str, tmp_path: Path
    ) -> None:
        settings = server_settings(chroma_url, tmp_path / "data")
        engine = Engine(settings, embedder=HashingEmbedder())
        engine.ingest([SAMPLE_DIR])
        assert not (tmp_path / "data" / "chroma").exists()
        # A second process-like client (fresh Engine, other data dir) sees the same corpus.
        other = Engine(
            settings.model_copy(update={"data_dir": tmp_path / "elsewhere"}),
            embedder=HashingEmbedder(),
        )
        assert other.stats()["articles"] == 1
        assert other.stats()["chunks"] == engine.stats()["chunks"] > 0

    def test_keyword_index_of_another_node_follows_an_ingest_made_elsewhere(
        self, chroma_url: str, tmp_path: Path, news_dir: Path
    ) -> None:
        base = server_settings(chroma_url, tmp_path / "node-a")
        node_a = base.model_copy(
            update={"retrieval": base.retrieval.model_copy(update={"keyword_refresh_seconds": 0.0})}
        )
        node_b = node_a.model_copy(update={"data_dir": tmp_path / "node-b"})
        ingest([news_dir], settings=node_a, embedder=HashingEmbedder())
        b_store = Store.open(node_b, model_id=HashingEmbedder().model_id)
        b_index = KeywordIndex(node_b, b_store)
        assert not b_index.search("Quillhaven mayor", 4)

        write(news_dir / "d.txt", "date 2023-04-01 Vote\n\nQuillhaven elected a new mayor.\n")
        ingest([news_dir], settings=node_a, embedder=HashingEmbedder())
        hits = b_index.search("Quillhaven mayor", 4)
        assert [h.chunk_id for h in hits][:1] == [
            c.id for c in b_store.iter_chunks() if "Quillhaven" in c.text
        ]


class TestToken:
    def test_token_is_sent_and_a_proxy_that_requires_it_lets_qa_through(
        self, chroma_url: str, tmp_path: Path
    ) -> None:
        with TokenProxy(chroma_url, "s3cret") as proxy:
            settings = server_settings(proxy.url, tmp_path / "data", token="s3cret")
            embedder = HashingEmbedder()
            report = ingest([SAMPLE_DIR], settings=settings, embedder=embedder)
            assert len(report.added) == 1
            answer = Engine(settings, embedder=embedder).ask("What did Xi say about sanctions?")
            assert answer.citations
            assert proxy.forwarded > 0 and proxy.refused == 0

    def test_missing_or_wrong_token_is_one_clear_error(
        self, chroma_url: str, tmp_path: Path
    ) -> None:
        with TokenProxy(chroma_url, "s3cret") as proxy:
            for token in (None, "wrong"):
                settings = server_settings(proxy.url, tmp_path / "data", token=token)
                with pytest.raises(StoreUnavailableError, match="QA_CHROMA_TOKEN"):
                    Store.open(settings, model_id="test/hashing-64")
            assert proxy.refused == 2


class TestUnreachable:
    def test_api_raises_store_unavailable_naming_the_url_and_the_fix(self, tmp_path: Path) -> None:
        url = f"http://127.0.0.1:{free_port()}"
        settings = server_settings(url, tmp_path / "data")
        with pytest.raises(StoreUnavailableError) as error:
            Store.open(settings, model_id="test/hashing-64")
        message = str(error.value)
        assert url in message and "chroma run" in message and "QA_CHROMA_URL" in message

    def test_cli_prints_one_line_and_exits_1(self, tmp_path: Path) -> None:
        url = f"http://127.0.0.1:{free_port()}"
        result = qa_stats(tmp_path, QA_CHROMA_URL=url)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: cannot reach the Chroma server at " + url)

    def test_a_server_lost_between_questions_is_one_line_everywhere(self, tmp_path: Path) -> None:
        from fastapi.testclient import TestClient

        from qa.server import build_http

        with chroma_server_process(tmp_path / "db") as (url, server):
            settings = server_settings(url, tmp_path / "data")
            engine = Engine(settings, embedder=HashingEmbedder())
            engine.ingest([SAMPLE_DIR])
            assert engine.ask("What did Xi say about sanctions?").citations
            server.kill()  # between two questions
            server.wait()
            with pytest.raises(StoreUnavailableError) as lost:
                engine.ask("Since when has Lukashenko been president?")
            assert str(lost.value).startswith(f"lost the Chroma server at {url} (")
            assert str(lost.value).endswith("start the server again, then ask again")
            http = TestClient(build_http(engine), raise_server_exceptions=False)
            reply = http.post("/api/ask", json={"question": "Who is Lukashenko?"})
            assert reply.status_code == 503
            assert reply.json()["error"].startswith("lost the Chroma server")
            openai = http.post(
                "/v1/chat/completions",
                json={"model": "qa", "messages": [{"role": "user", "content": "Who is Xi?"}]},
            )
            assert openai.status_code == 503
            assert openai.json()["error"]["message"].startswith("lost the Chroma server")
            for listing in ("/api/articles", "/api/stats"):
                reply = http.get(listing)
                assert reply.status_code == 503, listing
                assert reply.json()["error"].startswith("lost the Chroma server")

    @pytest.mark.parametrize("name", ["k9", "news 2023", "-news", "a..b"])
    def test_a_collection_name_chroma_refuses_is_one_line_naming_the_setting(
        self, tmp_path: Path, name: str
    ) -> None:
        result = qa_stats(tmp_path, QA_CHROMA_COLLECTION=name)
        assert result.returncode == 1
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: invalid setting (chroma.collection: {name!r} is not a")
        assert "QA_" in line

    def test_a_url_that_is_not_http_is_refused(self, tmp_path: Path) -> None:
        settings = server_settings("localhost:8000", tmp_path / "data")
        with pytest.raises(ValueError, match="not an http"):
            Store.open(settings, model_id="test/hashing-64")
