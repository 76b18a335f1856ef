"""The bundled encoder on its two runtimes: onnxruntime by default, torch as the fallback."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qa.embeddings import LocalEmbedder, make_embedder
from qa.onnx_encoder import export_path
from qa.settings import Settings

pytestmark = pytest.mark.slow

TEXTS = [
    "What did Xi say about sanctions?",
    "Beijing's peace plan for Ukraine was presented at the security conference in Munich, "
    "where the foreign minister met his counterparts.",
    "Short.",
    # Longer than the model's 256-token window: both runtimes must cut it at the same place.
    " ".join(f"Paragraph {i} of a long wire story about grain exports." for i in range(60)),
]


def sharing_weights(real_embedder: LocalEmbedder, **options: Any) -> LocalEmbedder:
    """A new embedder on the weights ``real_embedder`` already loaded: it exports or falls back
    to torch without loading the model a second time."""
    embedder = LocalEmbedder(**options)
    embedder._model = real_embedder.model
    return embedder


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``XDG_CACHE_HOME`` pointing at an empty folder: no exported graph yet."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def test_onnx_vectors_match_torch(real_embedder: LocalEmbedder) -> None:
    torch_embedder = sharing_weights(real_embedder, runtime="torch")

    onnx_vectors = real_embedder.embed_documents(TEXTS)
    torch_vectors = torch_embedder.embed_documents(TEXTS)

    assert real_embedder.runtime == "onnx"
    assert torch_embedder.runtime == "torch"
    assert onnx_vectors.shape == torch_vectors.shape == (len(TEXTS), 384)
    cosines = np.sum(onnx_vectors * torch_vectors, axis=1)
    assert cosines.min() > 0.99999
    np.testing.assert_allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, rtol=1e-5)


def test_batches_do_not_change_a_text_vector(real_embedder: LocalEmbedder) -> None:
    """Padding a short text next to a long one must not leak into its vector."""
    alone = real_embedder.embed_query(TEXTS[0])
    together = real_embedder.embed_documents(TEXTS)[0]
    assert float(alone @ together) > 0.99999


def test_the_graph_is_exported_once_and_reused(
    real_embedder: LocalEmbedder, empty_cache: Path
) -> None:
    vector = sharing_weights(real_embedder).embed_query(TEXTS[0])
    graph = export_path()
    assert graph.is_relative_to(empty_cache) and graph.exists()
    assert not list(graph.parent.glob("*.part"))  # written whole, then renamed
    exported_at = graph.stat().st_mtime_ns

    second = LocalEmbedder()
    again = second.embed_query(TEXTS[0])

    assert second._model is None  # found the graph: torch was never needed
    assert graph.stat().st_mtime_ns == exported_at
    assert float(vector @ again) > 0.99999


def test_a_damaged_graph_is_exported_again(real_embedder: LocalEmbedder, empty_cache: Path) -> None:
    graph = export_path()
    graph.parent.mkdir(parents=True)
    graph.write_bytes(b"not an onnx graph")
    embedder = sharing_weights(real_embedder)

    vector = embedder.embed_query(TEXTS[0])

    assert embedder.runtime == "onnx"
    assert graph.stat().st_size > 1_000_000
    assert float(vector @ real_embedder.embed_query(TEXTS[0])) > 0.99999


def test_a_failed_export_falls_back_to_torch_and_says_how_to_fix_it(
    real_embedder: LocalEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("the cache folder cannot be created under a file")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    embedder = sharing_weights(real_embedder)

    with caplog.at_level(logging.WARNING, logger="qa.embeddings"):
        vectors = embedder.embed_documents(TEXTS[:2])

    assert embedder.runtime == "torch"
    assert vectors.shape == (2, 384)
    assert float(vectors[0] @ real_embedder.embed_query(TEXTS[0])) > 0.99999
    assert "QA_EMBEDDING_RUNTIME=torch" in caplog.text
    assert str(blocker) in caplog.text


def test_the_runtime_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_EMBEDDING_RUNTIME", "torch")
    embedder = make_embedder(Settings())
    assert isinstance(embedder, LocalEmbedder) and embedder.runtime == "torch"
    assert LocalEmbedder(device="cuda").runtime == "torch"  # onnxruntime runs on the CPU here


def test_a_new_process_with_the_graph_embeds_without_importing_torch(
    real_embedder: LocalEmbedder,
) -> None:
    real_embedder.embed_query("make sure the graph exists")
    assert real_embedder.runtime == "onnx" and export_path().exists()
    script = (
        "import sys; from qa.embeddings import LocalEmbedder; "
        "v = LocalEmbedder().embed_query('What did Xi say?'); "
        "print(v.shape[0], 'torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["384", "False"]
