"""Shared fixtures: an isolated environment per test, the real bundled encoder loaded once per
session, a fast deterministic encoder for tests about plumbing, and small hand-made corpora."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from qa.embeddings import LocalEmbedder, Vectors
from qa.engine import Engine
from qa.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "examples" / "articles"
SAMPLE_ARTICLE = SAMPLE_DIR / "2023-03-01-xi-lukashenko-peace-deal.txt"
SHARED_DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
ARCHIVE_2022 = {
    "2022-03-14-brackenmoor-mayor.txt": (
        "date 2022-03-14 Brackenmoor elects Tobias Wrenfield as mayor\n\n"
        "The mill town of Brackenmoor elected Tobias Wrenfield as its mayor on Thursday after "
        "a close count.\n\nWrenfield promised to repave the fish market before the summer fair."
    ),
    "2022-06-27-brackenmoor-mayor.txt": (
        "date 2022-06-27 Brackenmoor elects Ottilie Hask as mayor\n\n"
        "The mill town of Brackenmoor elected Ottilie Hask as its mayor on Thursday after a "
        "close count.\n\nHask promised to rebuild the old footbridge before the winter floods."
    ),
}
"""A hand-made archive from 2022: the same event a few months apart, so only the reference
date of "last week" tells which one a question means."""
LAST_WEEK_MAYOR = "Who was elected mayor of Brackenmoor last week?"


def with_test_model(settings: Settings, base_url: str) -> Settings:
    """``settings`` answered by the OpenAI-compatible test server at ``base_url``
    (tests/openai_server.py), with no retries."""
    llm = settings.llm.model_copy(
        update={"provider": "openai", "model": "test-model", "max_retries": 0}
    )
    return settings.model_copy(update={"llm": llm, "openai_base_url": base_url})


def long_article(paragraphs: int = 240) -> str:
    """One hand-made article long enough to take several encoder steps (many chunks)."""
    body = "\n\n".join(
        f"Item {i} of the Brackenmoor council minutes: the members debated the repair of "
        f"culvert number {i} near the weir, its cost of {i * 1250} pounds, and who should pay "
        f"for it. Councillor Hask asked for a survey before the vote on item {i}."
        for i in range(paragraphs)
    )
    return f"date 2022-05-02 Brackenmoor council minutes\n\n{body}"


# The ONNX graph the encoder is exported to, and any other XDG cache, go here rather than to the
# developer's ~/.cache. One folder for all runs of this checkout (ignored by git): exporting the
# graph costs about 15 s of CPU (minutes on a busy machine), too much to pay on every run. Tests
# about the export itself point XDG_CACHE_HOME at their own empty folder.
TEST_CACHE = REPO / ".pytest_cache" / "xdg-cache"

# Fixtures that load the real encoder: a test that uses one is slow, whatever its file says.
SLOW_FIXTURES = frozenset({"real_embedder"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``-m "not slow and not integration"`` (the edit-loop tier) leaves out every test that
    loads the real encoder, not only the files marked slow."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache() -> Iterator[Path]:
    """XDG_CACHE_HOME for the whole run (subprocesses inherit it)."""
    TEST_CACHE.mkdir(parents=True, exist_ok=True)
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(TEST_CACHE)
    yield TEST_CACHE
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No QA_* or OPENAI_* variable or .env file from the developer's machine leaks in."""
    for name in list(os.environ):
        if name.startswith(("QA_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def archive() -> dict[str, str]:
    """The development articles' texts by id, read at run time (they are not ours to copy)."""
    path = SHARED_DATA / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not here (CI has ../shared/data beside the clone)")
    lines = path.read_text(encoding="utf-8").splitlines()
    return {a["id"]: a["text"] for a in map(json.loads, lines)}


def real_sentence(text: str, fragment: str) -> str:
    """The sentence of a real article that holds ``fragment`` (found at run time, not copied)."""
    from qa.chunking import split_sentences

    found = [s.of(text) for s in split_sentences(text) if fragment in s.of(text)]
    assert found, f"no sentence holds {fragment!r}"
    return found[0]


@pytest.fixture(scope="session")
def real_embedder() -> LocalEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    embedder = LocalEmbedder()
    embedder.embed_query("warm up")
    return embedder


class HashingEmbedder:
    """A deterministic bag-of-words encoder: fast, and similar texts get similar vectors."""

    def __init__(self, model_id: str = "test/hashing-64", dim: int = 64) -> None:
        self._model_id = model_id
        self._dim = dim
        self.calls: list[int] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                out[row, digest[0] % self._dim] += 1.0
            out[row, -1] += 0.01  # never the zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_query(self, text: str) -> Vectors:
        return self.embed_documents([text])[0]

    @property
    def embedded(self) -> int:
        """How many texts were embedded in all."""
        return sum(self.calls)


class CountingEmbedder:
    """Wraps a real encoder and counts the texts it embeds."""

    def __init__(self, inner: LocalEmbedder) -> None:
        self._inner = inner
        self.embedded = 0

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        self.embedded += len(texts)
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> Vectors:
        return self._inner.embed_query(text)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Offline settings with the index in this test's own folder."""
    return Settings(data_dir=tmp_path / "data", llm={"provider": "extractive"})


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def engine(settings: Settings, real_embedder: LocalEmbedder) -> Engine:
    """An engine over an empty index, with the real encoder."""
    return Engine(settings, embedder=real_embedder)


@pytest.fixture
def sample_engine(engine: Engine) -> Engine:
    """An engine with the bundled sample article ingested."""
    report = engine.ingest([SAMPLE_DIR])
    assert report.added, report.summary()
    return engine


def write(path: Path, text: str | bytes) -> Path:
    """Create ``path`` (and its folders) with ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def news_dir(tmp_path: Path) -> Iterator[Path]:
    """Three small dated articles from two sources."""
    folder = tmp_path / "news"
    write(
        folder / "a.txt",
        "date 2023-01-10 Storm hits coast\n\nA storm hit the coast on "
        "Tuesday. Officials said 300 homes lost power.\n",
    )
    write(
        folder / "b.txt",
        "date 2023-02-20 Budget passes\n\nThe parliament passed the budget "
        "on Monday. The finance minister said taxes will not rise.\n",
    )
    write(
        folder / "c.jsonl",
        '{"id": "c1", "title": "Rocket launch delayed", "date": '
        '"2023-03-05", "source": "space.example", "url": "https://space.example/c1", "text": '
        '"The rocket launch was delayed by strong winds. Engineers said the next window '
        'opens Friday."}\n',
    )
    yield folder
