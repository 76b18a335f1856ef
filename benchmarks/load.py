"""Load: 20 concurrent conversations against the Python API and the running UI's ``ask`` endpoint.

    .venv/bin/python benchmarks/load.py [--clients 20] [--questions 200] [--articles 100]
                                        [--no-ui]

Ingests the first ``--articles`` articles of the dev corpus (plus the bundled sample) into a
temporary index, then, for each target:

- ``python``: ``Engine.ask`` from ``--clients`` threads sharing one Engine (as ``qa serve``
  does);
- ``ui``: ``python ui.py`` started on 127.0.0.1 (a separate process, as deployed), driven through
  ``gradio_client`` with one ``Client`` per simulated user.

Each conversation is a question, optionally with a history (follow-ups are condensed with it),
and optionally a date filter. Before the load, every distinct case is answered once, one at a
time: that is the expected answer. Under load each answer must equal it exactly (text, cited
chunks and offsets, refusal): a difference is **cross-talk** (an answer shaped by another
conversation's question, history or filters). Printed: throughput (answers/s), p50/p95 latency,
errors and cross-talk counts, each beside the same cases run sequentially in the same run
(the baseline). ``run_load`` is also what tests/test_load.py runs at a small size.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
SAMPLE_DIR = REPO / "examples" / "articles"

sys.path.insert(0, str(REPO))

from memory import peak_rss_mb  # noqa: E402  (benchmarks/, this script's folder)


@dataclass(frozen=True)
class Case:
    """One conversation turn as a user sends it."""

    question: str
    history: tuple[tuple[str, str], ...] = ()
    since: str | None = None
    until: str | None = None

    def history_messages(self) -> list[dict[str, str]] | None:
        return [{"role": r, "content": c} for r, c in self.history] or None


@dataclass
class LoadReport:
    clients: int
    answers: int
    wall_s: float
    latencies_ms: list[float]
    errors: list[str] = field(default_factory=list)
    crosstalk: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.answers / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    def line(self, label: str) -> str:
        return (
            f"{label:28s} {self.clients:3d} clients {self.answers:5d} answers "
            f"{self.throughput:7.2f}/s  p50 {self.percentile(50):7.0f} ms  "
            f"p95 {self.percentile(95):7.0f} ms  errors {len(self.errors)}  "
            f"cross-talk {len(self.crosstalk)}"
        )


Call = Callable[[Case], Hashable]


def run_load(
    call_for_client: Callable[[int], Call],
    cases: Sequence[Case],
    *,
    clients: int,
    answers: int,
    expected: dict[Case, Hashable],
    timeout: float = 600.0,
) -> LoadReport:
    """``clients`` threads, each with its own ``call`` (its own connection), ask ``answers``
    questions in all (client ``i`` takes cases ``i, i + clients, ...`` round the list), all
    starting at once. Each result is checked against ``expected``."""
    schedule = [cases[n % len(cases)] for n in range(answers)]
    latencies: list[float] = []
    errors: list[str] = []
    crosstalk: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        call = call_for_client(index)
        start_line.wait()
        for case in schedule[index::clients]:
            clock = time.perf_counter()
            try:
                got = call(case)
            except Exception as exc:
                with lock:
                    errors.append(f"{case.question[:40]!r}: {type(exc).__name__}: {exc}")
                continue
            elapsed = (time.perf_counter() - clock) * 1000
            with lock:
                latencies.append(elapsed)
                if got != expected[case]:
                    crosstalk.append(f"client {index}: {case.question[:50]!r}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait(timeout=timeout)
    clock = time.perf_counter()
    for thread in threads:
        thread.join(timeout=timeout)
    wall = time.perf_counter() - clock
    return LoadReport(clients, len(latencies), wall, latencies, errors, crosstalk)


def sequential(call: Call, cases: Sequence[Case], answers: int) -> LoadReport:
    """The baseline: the same number of answers, one at a time, by one client."""
    latencies = []
    clock = time.perf_counter()
    for n in range(answers):
        t = time.perf_counter()
        call(cases[n % len(cases)])
        latencies.append((time.perf_counter() - t) * 1000)
    return LoadReport(1, answers, time.perf_counter() - clock, latencies)


def answer_key(answer: Any) -> Hashable:
    """What must not differ between two answers to the same case (Answer or the API's dict)."""
    if isinstance(answer, dict):
        cites = tuple((c["chunk_id"], c["start"], c["end"]) for c in answer["citations"])
        return answer["text"], cites, answer["refused"], answer["question"]
    cites = tuple((c.chunk_id, c.start, c.end) for c in answer.citations)
    return answer.text, cites, answer.refused, answer.question


def python_call(engine: Any) -> Call:
    def call(case: Case) -> Hashable:
        return answer_key(
            engine.ask(case.question, case.history_messages(), since=case.since, until=case.until)
        )

    return call


def ui_call(url: str) -> Call:
    from gradio_client import Client

    client = Client(url, verbose=False)

    def call(case: Case) -> Hashable:
        result = client.predict(
            case.question, case.history_messages(), case.since, case.until, api_name="/ask"
        )
        return answer_key(result)

    return call


def dev_cases(limit: int) -> list[Case]:
    """Questions of the dev set, some as follow-ups to another, some with a date window."""
    rows = [json.loads(line) for line in (DATA / "questions.jsonl").open(encoding="utf-8")]
    cases = []
    for n, row in enumerate(rows[:limit]):
        history: tuple[tuple[str, str], ...] = ()
        if n % 3 == 1:
            previous = rows[n - 1]
            history = (("user", previous["question"]), ("assistant", previous["answer"]))
        since = row["date"][:8] + "01" if n % 4 == 2 else None
        cases.append(Case(row["question"], history, since=since))
    cases.append(Case("What did Xi say about sanctions?"))
    cases.append(
        Case(
            "What did he say about the meeting?",
            (("user", "Since when has Lukashenko been president?"), ("assistant", "Since 1994.")),
        )
    )
    return cases


def start_ui(env: dict[str, str], port: int, timeout: float = 180.0) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "ui.py")],
        env=env | {"GRADIO_SERVER_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"ui.py exited with {process.returncode}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    msg = "ui.py did not come up in time"
    raise RuntimeError(msg)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ui_figures(args: argparse.Namespace, cases: Sequence[Case], settings: Any) -> None:
    """The same load through ``python ui.py`` (its own process) and gradio_client."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    env |= {"QA_DATA_DIR": str(settings.data_dir), "QA_LLM": "extractive"}
    port = free_port()
    clock = time.perf_counter()
    server = start_ui(env, port)
    print(f"ui.py up in {time.perf_counter() - clock:.1f} s (cold start, model warm-up included)")
    url = f"http://127.0.0.1:{port}/"
    try:
        first = ui_call(url)
        expected = {case: first(case) for case in cases}
        base = sequential(first, cases, min(args.questions, 2 * len(cases)))
        print(base.line("ui /ask, sequential"))
        got = run_load(
            lambda _: ui_call(url),
            cases,
            clients=args.clients,
            answers=args.questions,
            expected=expected,
        )
        print(got.line("ui /ask, concurrent"))
        for problem in (got.errors + got.crosstalk)[:5]:
            print("   ", problem)
        print(f"peak RSS of the ui.py process {peak_rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=200, help="answers per target")
    parser.add_argument("--articles", type=int, default=100, help="dev articles to index")
    parser.add_argument("--cases", type=int, default=30, help="distinct conversations")
    parser.add_argument("--no-ui", action="store_true", help="only the Python API")
    args = parser.parse_args()

    from qa.engine import Engine
    from qa.ingest import ingest
    from qa.settings import Settings

    with tempfile.TemporaryDirectory(prefix="qa-bench-load-") as tmp:
        subset = Path(tmp) / "subset.jsonl"
        with (DATA / "articles.jsonl").open(encoding="utf-8") as lines:
            subset.write_text("".join(next(lines) for _ in range(args.articles)), "utf-8")
        settings = Settings(data_dir=Path(tmp) / "data", llm={"provider": "extractive"})
        engine = Engine(settings)
        clock = time.perf_counter()
        report = ingest(
            [subset, SAMPLE_DIR], settings=settings, store=engine.store, embedder=engine.embedder
        )
        print(
            f"index: {report.summary()}, {engine.stats()['chunks']} chunks "
            f"({time.perf_counter() - clock:.0f} s)"
        )
        cases = dev_cases(args.cases)
        call = python_call(engine)
        expected = {case: call(case) for case in cases}  # also warms every lazy part

        base = sequential(call, cases, min(args.questions, 2 * len(cases)))
        print(base.line("python, sequential"))
        got = run_load(
            lambda _: call, cases, clients=args.clients, answers=args.questions, expected=expected
        )
        print(got.line("python, concurrent"))
        for problem in (got.errors + got.crosstalk)[:5]:
            print("   ", problem)

        if not args.no_ui:
            ui_figures(args, cases, settings)
    print(f"peak RSS of this process (python target) {peak_rss_mb(os.getpid()):.0f} MB")


if __name__ == "__main__":
    main()
