"""Ingest throughput on the dev corpus: qa's whole pipeline beside the raw encoder, same run.

    .venv/bin/python benchmarks/ingest.py [--articles PATH] [--limit N] [--runtimes]

Figures (the baseline for each is measured in the same process, on the same chunk texts):

- articles, chunks;
- raw encoder chunks/s: ``LocalEmbedder.embed_documents`` on every chunk text qa embeds (title +
  chunk, exactly what ingest encodes), in one call, model already loaded;
- end-to-end ingest chunks/s: ``qa.ingest`` into a fresh temporary index (read JSONL, registry
  check, chunk, embed, write to Chroma, commit), same loaded model. **ratio = e2e / raw** (goal
  >= 0.9). The corpus is split into parts and the two sides alternate part by part (which goes
  first alternates too), because the CPU is shared and its load swings during a run;
- re-ingest of the unchanged corpus: seconds, and the speedup over the first ingest (goal >= 50x);
- peak RSS of this process (ingest included);
- ``--runtimes``: the embedding runtime choice, on a sample of the same chunk texts: torch fp32
  (sentence-transformers) at several batch sizes vs onnxruntime directly on an ONNX export of the
  bundled model (fp32, and int8 by per-channel dynamic quantisation), with the cosine of each to
  torch fp32. The fp32 graph is qa's own export (``qa.onnx_encoder``), the default runtime
  since it is at least as fast at batch 64 and much faster for a question's few short texts;
  nothing is downloaded.

The articles are read from ../shared/data (never copied into the repository).
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLES = REPO.parent / "shared" / "data" / "realtimeqa-2022" / "articles.jsonl"
CACHE = REPO / "benchmarks" / ".cache"

sys.path.insert(0, str(REPO))

from memory import peak_rss_mb  # noqa: E402  (benchmarks/, this script's folder)

from qa.articles import read_file  # noqa: E402
from qa.chunking import chunk_article  # noqa: E402
from qa.embeddings import LocalEmbedder  # noqa: E402
from qa.ingest import embedding_text, ingest  # noqa: E402
from qa.models import Article  # noqa: E402
from qa.settings import Settings  # noqa: E402


def corpus_texts(
    path: Path, limit: int | None, settings: Settings
) -> tuple[list[Article], list[str]]:
    articles = [a for a in read_file(path) if isinstance(a, Article)][:limit]
    texts = [
        embedding_text(a, c)
        for a in articles
        for c in chunk_article(a, size=settings.chunking.size, overlap=settings.chunking.overlap)
    ]
    return articles, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--parts", type=int, default=8, help="interleaved raw/e2e parts")
    parser.add_argument("--runtimes", action="store_true", help="also compare embedding runtimes")
    parser.add_argument("--skip-ingest", action="store_true", help="only the runtime comparison")
    args = parser.parse_args()

    settings0 = Settings(llm={"provider": "extractive"})
    clock = time.perf_counter()
    articles, texts = corpus_texts(args.articles, args.limit, settings0)
    read_chunk_s = time.perf_counter() - clock
    print(f"articles               {len(articles)}")
    print(f"chunks                 {len(texts)}  (read + chunk: {read_chunk_s:.1f} s)")

    clock = time.perf_counter()
    embedder = LocalEmbedder(batch_size=settings0.embedding.batch_size)
    embedder.embed_query("warm up")
    print(f"model load             {time.perf_counter() - clock:.1f} s (excluded from both sides)")

    if not args.skip_ingest:
        ingest_figures(args, embedder, texts)
    if args.runtimes:
        runtime_figures(embedder, texts)


def ingest_figures(args: argparse.Namespace, embedder: LocalEmbedder, texts: list[str]) -> None:
    """Raw encoder and end-to-end ingest, interleaved part by part so that the shared CPU's
    load swings hit both sides alike (which side goes first alternates between parts)."""
    with args.articles.open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()][: args.limit]
    settings = Settings(llm={"provider": "extractive"})
    parts = max(1, min(args.parts, len(lines)))
    raw_s = e2e_s = 0.0
    raw_n = e2e_n = 0
    with tempfile.TemporaryDirectory(prefix="qa-bench-ingest-") as tmp:
        settings = settings.model_copy(update={"data_dir": Path(tmp) / "data"})
        files: list[Path] = []
        for i in range(parts):
            part = Path(tmp) / f"part-{i:03d}.jsonl"
            part.write_text("".join(lines[i::parts]), "utf-8")
            files.append(part)
        ingest([], settings=settings, embedder=embedder)  # open the store outside the timings
        for i, part in enumerate(files):
            _, part_texts = corpus_texts(part, None, settings)

            def raw(part_texts: list[str] = part_texts) -> float:
                clock = time.perf_counter()
                embedder.embed_documents(part_texts)
                return time.perf_counter() - clock

            def e2e(part: Path = part) -> tuple[float, int]:
                clock = time.perf_counter()
                report = ingest([part], settings=settings, embedder=embedder)
                return time.perf_counter() - clock, report.chunks_embedded

            if i % 2:
                (seconds, n), raw_part = e2e(), raw()
            else:
                raw_part = raw()
                seconds, n = e2e()
            raw_s += raw_part
            raw_n += len(part_texts)
            e2e_s += seconds
            e2e_n += n
        raw_rate, e2e_rate = raw_n / raw_s, e2e_n / e2e_s
        print(f"raw encoder            {raw_rate:.1f} chunks/s ({raw_s:.1f} s)   <- baseline")
        print(f"end-to-end ingest      {e2e_rate:.1f} chunks/s ({e2e_s:.1f} s, {e2e_n} chunks)")
        print(f"ratio e2e / raw        {e2e_rate / raw_rate:.3f}   (goal >= 0.9; {parts} parts)")

        clock = time.perf_counter()
        again = ingest(files, settings=settings, embedder=embedder)
        re_s = time.perf_counter() - clock
        print(f"re-ingest unchanged    {re_s:.2f} s ({again.summary()})")
        print(f"  re-embedded          {again.chunks_embedded} chunks")
        print(f"speedup vs first       {e2e_s / re_s:.0f}x   (goal >= 50x)")
    print(f"peak RSS (this process, ingest included) {peak_rss_mb():.0f} MB")


def runtime_figures(
    embedder: LocalEmbedder, texts: Sequence[str], sample_size: int = 256, rounds: int = 2
) -> None:
    """Torch fp32 at a few batch sizes vs onnxruntime fp32 / int8, on the same sample.

    Variants run round-robin, ``rounds`` times, and the median rate of each is printed, so a
    swing in the shared CPU's load does not favour whichever ran in a quiet moment."""
    rng = np.random.default_rng(0)
    picks = rng.choice(len(texts), min(sample_size, len(texts)), replace=False)
    sample = [texts[i] for i in picks]
    variants: dict[str, Callable[[], np.ndarray]] = {}
    for batch in (8, 64):
        other = LocalEmbedder(batch_size=batch, runtime="torch")
        other._model = embedder.model  # the same loaded weights; only the batch size differs
        variants[f"torch fp32 batch {batch}"] = functools.partial(other.embed_documents, sample)
    for quantised, batch in ((False, 8), (False, 64), (True, 8)):
        encode = onnx_encoder(embedder, quantised=quantised, batch=batch)
        name = f"onnxruntime {'int8' if quantised else 'fp32'} batch {batch}"
        variants[name] = functools.partial(encode, sample)
    outputs = {name: run() for name, run in variants.items()}  # warm-up, and the vectors
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            clock = time.perf_counter()
            run()
            rates[name].append(len(sample) / (time.perf_counter() - clock))
    reference = outputs["torch fp32 batch 64"]
    print(f"embedding runtimes on {len(sample)} chunks, median of {rounds} interleaved rounds:")
    for name, got in rates.items():
        cosine = np.sum(outputs[name] * reference, axis=1)
        print(
            f"  {name:32s} {float(np.median(got)):7.1f} chunks/s   "
            f"cosine to torch fp32 b64: min {cosine.min():.5f} mean {cosine.mean():.5f}"
        )


def onnx_encoder(
    embedder: LocalEmbedder, *, quantised: bool, batch: int
) -> Callable[[Sequence[str]], np.ndarray]:
    """An encode function on onnxruntime at ``batch`` texts a pass: qa's own ONNX export of the
    bundled model (``qa.onnx_encoder``, what ``runtime="onnx"`` runs), or it quantised to int8."""
    from qa.onnx_encoder import OnnxEncoder, bundled_model_dir, export, export_path

    CACHE.mkdir(parents=True, exist_ok=True)
    fp32_path = export_path()
    int8_path = CACHE / "minilm-int8.onnx"
    if not fp32_path.exists():
        export(embedder.model, fp32_path)
    if quantised and not int8_path.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.quantization.shape_inference import quant_pre_process

        # The exporter leaves weights behind Transpose nodes; folding them into constants first
        # is what lets quantize_dynamic find (and quantise) the MatMul weights at all.
        folded = CACHE / "minilm-fp32-folded.onnx"
        quant_pre_process(str(fp32_path), str(folded), skip_symbolic_shape=True)
        quantize_dynamic(str(folded), str(int8_path), weight_type=QuantType.QInt8, per_channel=True)
    encoder = OnnxEncoder(int8_path if quantised else fp32_path, bundled_model_dir())
    return functools.partial(encoder.encode, batch_size=batch)


if __name__ == "__main__":
    main()
