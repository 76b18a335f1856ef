"""HTTP API latency: REST ``/api/ask`` (JSON and SSE), OpenAI-compatible ``/v1`` (plain and
streamed) and Gradio's ``ask``, each beside in-process ``Engine.ask`` in the same run.

    .venv/bin/python benchmarks/api.py [--articles 50] [--questions 40]

Ingests the first ``--articles`` dev-corpus articles (plus the bundled sample) into a temporary
index, starts ``qa serve`` on it (its own process, on 127.0.0.1, as deployed) and asks the first
``--questions`` dev questions one at a time, the paths interleaved question by question so drift
hits all of them alike: in this process through ``Engine.ask`` (the baseline), then over HTTP
through each client. Printed per path: p50 and p95 latency, p50 ratio to the in-process p50, the
median per-question overhead, time to the first byte of a stream, and how many answers differ
from the in-process one (they must not).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
SAMPLE_DIR = REPO / "examples" / "articles"

sys.path.insert(0, str(REPO))

from load import free_port  # noqa: E402  (benchmarks/, this script's folder)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_", "GRADIO_"))}
    env |= {"QA_DATA_DIR": str(data_dir), "QA_LLM": "extractive", "GRADIO_SERVER_PORT": str(port)}
    qa = Path(sys.executable).with_name("qa")
    process = subprocess.Popen(
        [str(qa), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"qa serve exited with {process.returncode}"
            raise RuntimeError(msg)
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    msg = "qa serve did not come up in time"
    raise RuntimeError(msg)


Timed = tuple[float, float | None, str]  # total ms, first-byte ms (streams), answer text


def clients(url: str) -> dict[str, Callable[[str], Timed]]:
    """One callable per path: question -> (total ms, time to first data ms, answer text)."""
    import httpx
    from gradio_client import Client
    from openai import OpenAI

    http = httpx.Client(base_url=url, timeout=120)  # keep-alive, as a real client would
    openai = OpenAI(base_url=f"{url}/v1", api_key="-", max_retries=0)
    gradio = Client(url + "/", verbose=False)

    def rest(question: str) -> Timed:
        start = time.perf_counter()
        text = http.post("/api/ask", json={"question": question}).json()["text"]
        return (time.perf_counter() - start) * 1000, None, text

    def rest_sse(question: str) -> Timed:
        start = time.perf_counter()
        first = None
        text = ""
        with http.stream("POST", "/api/ask", json={"question": question, "stream": True}) as r:
            event = ""
            for line in r.iter_lines():
                if first is None and line.startswith("data: "):
                    first = (time.perf_counter() - start) * 1000
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "answer":
                    text = json.loads(line[6:])["text"]
        return (time.perf_counter() - start) * 1000, first, text

    def v1(question: str) -> Timed:
        start = time.perf_counter()
        reply = openai.chat.completions.create(
            model="qa", messages=[{"role": "user", "content": question}]
        )
        content = reply.choices[0].message.content or ""
        return (time.perf_counter() - start) * 1000, None, content.split("\n\nSources:")[0]

    def v1_stream(question: str) -> Timed:
        start = time.perf_counter()
        first = None
        parts = []
        for chunk in openai.chat.completions.create(
            model="qa", messages=[{"role": "user", "content": question}], stream=True
        ):
            piece = chunk.choices[0].delta.content if chunk.choices else None
            if piece and first is None:
                first = (time.perf_counter() - start) * 1000
            parts.append(piece or "")
        text = "".join(parts).split("\n\nSources:")[0]
        return (time.perf_counter() - start) * 1000, first, text

    def gradio_ask(question: str) -> Timed:
        start = time.perf_counter()
        text = gradio.predict(question, api_name="/ask")["text"]
        return (time.perf_counter() - start) * 1000, None, text

    return {
        "REST /api/ask": rest,
        "REST /api/ask SSE": rest_sse,
        "/v1 chat.completions": v1,
        "/v1 stream": v1_stream,
        "gradio_client /ask": gradio_ask,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50, help="dev articles to index")
    parser.add_argument("--questions", type=int, default=40, help="dev questions to ask")
    args = parser.parse_args()

    from qa.engine import Engine
    from qa.settings import Settings

    with tempfile.TemporaryDirectory(prefix="qa-bench-api-") as tmp:
        subset = Path(tmp) / "subset.jsonl"
        with (DATA / "articles.jsonl").open(encoding="utf-8") as lines:
            subset.write_text("".join(next(lines) for _ in range(args.articles)), "utf-8")
        settings = Settings(data_dir=Path(tmp) / "data", llm={"provider": "extractive"})
        engine = Engine(settings)
        report = engine.ingest([subset, SAMPLE_DIR])
        print(f"index: {report.summary()}, {engine.stats()['chunks']} chunks")
        rows = [json.loads(line) for line in (DATA / "questions.jsonl").open(encoding="utf-8")]
        questions = [r["question"] for r in rows[: args.questions]]

        port = free_port()
        server = start_server(settings.data_dir, port)
        try:
            paths = clients(f"http://127.0.0.1:{port}")
            # Warm both sides alike: lazy parts, connections, and the sentence-vector cache
            # (a question asked before is cheaper; every timed ask below is such a repeat).
            for question in questions:
                engine.ask(question)
                paths["REST /api/ask"](question)
            local: list[float] = []
            totals: dict[str, list[float]] = {name: [] for name in paths}
            firsts: dict[str, list[float]] = {name: [] for name in paths}
            overhead: dict[str, list[float]] = {name: [] for name in paths}
            differ: dict[str, int] = dict.fromkeys(paths, 0)
            names = list(paths)
            for turn, question in enumerate(questions):
                start = time.perf_counter()
                expected = engine.ask(question).text
                base = (time.perf_counter() - start) * 1000
                local.append(base)
                for name in names[turn % len(names) :] + names[: turn % len(names)]:
                    call = paths[name]
                    total, first, text = call(question)
                    totals[name].append(total)
                    overhead[name].append(total - base)
                    if first is not None:
                        firsts[name].append(first)
                    differ[name] += text != expected
        finally:
            server.terminate()
            server.wait(timeout=30)

    base_p50 = statistics.median(local)
    print(f"\n{len(questions)} questions, one at a time, paths interleaved per question")
    print(
        f"{'path':24} {'p50 ms':>8} {'p95 ms':>8} {'p50 ratio':>10} {'overhead':>9} "
        f"{'1st byte':>9} {'differ':>7}"
    )
    print(
        f"{'in-process Engine.ask':24} {base_p50:8.1f} {percentile(local, 95):8.1f} "
        f"{1.0:10.2f} {'':>9} {'':>9} {'':>7}"
    )
    for name in totals:
        first = f"{statistics.median(firsts[name]):9.1f}" if firsts[name] else f"{'':>9}"
        print(
            f"{name:24} {statistics.median(totals[name]):8.1f} "
            f"{percentile(totals[name], 95):8.1f} "
            f"{statistics.median(totals[name]) / base_p50:10.2f} "
            f"{statistics.median(overhead[name]):+9.1f} {first} {differ[name]:7d}"
        )
    print(
        "\noverhead: median over questions of (HTTP path - in-process) for the same question, ms;"
        " 1st byte: median time to the first streamed data"
    )


if __name__ == "__main__":
    main()
