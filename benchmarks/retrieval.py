"""Retrieval and offline-answer quality on the dev set: qa beside the plain LangChain recipe.

    .venv/bin/python benchmarks/retrieval.py [--data ../shared/data/realtimeqa-2022]

Both sides index the same articles with the same encoder (the bundled all-MiniLM-L6-v2):

- baseline: RecursiveCharacterTextSplitter(1000, 200), the encoder wrapped as LangChain
  ``Embeddings``, ``langchain_chroma.Chroma.similarity_search``; its top passages are handed
  to qa's offline answerer, so the answer accuracies compare retrieval, not answerers;
- qa: ``Engine`` with the settings' defaults (``qa ask`` as a user runs it, offline answerer).

Figures, over the questions whose answer string occurs in the corpus: hit@k (a gold answer
string in the top-k passages), answer accuracy (the gold string in the offline answer), and the
median warm latency of one query (baseline: search only; qa: the whole ``ask``). Each question's
``date`` is passed as the reference date for relative dates ("this week").

Indexes are cached under ``benchmarks/.cache/`` keyed by the content hash of the articles file
and the chunking settings, so a rerun embeds nothing. These are development figures: the set is
also what the defaults were tuned on.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "realtimeqa-2022"
CACHE = REPO / "benchmarks" / ".cache"
KS = (1, 4, 10)

sys.path.insert(0, str(REPO))

from qa.answering import ExtractiveAnswerer  # noqa: E402
from qa.embeddings import CachingEmbedder, Embedder, LocalEmbedder  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.models import Source, StoredChunk  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.text import contains_answer, content_terms, normalize_answer  # noqa: E402


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answer: str
    date: date | None


@dataclass(frozen=True)
class Passage:
    title: str
    text: str


@dataclass(frozen=True)
class Figures:
    name: str
    chunks: int
    hits: dict[int, float]
    accuracy: float
    p50_ms: float
    count: int
    passages: list[list[Passage]]

    def row(self) -> str:
        hits = "  ".join(f"{self.hits[k]:.3f}" for k in KS)
        return (
            f"{self.name:<24} {self.chunks:>7}  {hits}   {self.accuracy:.3f}   {self.p50_ms:7.1f}"
        )


def load_questions(data: Path) -> list[Question]:
    """The questions whose answer occurs somewhere in the corpus."""
    result = []
    with (data / "questions.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("answer_in_corpus"):
                when = record.get("date")
                result.append(
                    Question(
                        id=record["id"],
                        text=record["question"],
                        answer=record["answer"],
                        date=date.fromisoformat(when) if when else None,
                    )
                )
    return result


def content_key(path: Path, *parts: object) -> str:
    digest = hashlib.sha256(path.read_bytes())
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()[:12]


def hit_rates(passages: Sequence[Sequence[str]], questions: Sequence[Question]) -> dict[int, float]:
    return {
        k: sum(
            any(contains_answer(text, q.answer) for text in found[:k])
            for found, q in zip(passages, questions, strict=True)
        )
        / len(questions)
        for k in KS
    }


def passage_hit_rates(
    passages: Sequence[Sequence[Passage]], questions: Sequence[Question]
) -> dict[int, float]:
    """``hit_rates`` on the passages' texts (titles are not part of a passage's text)."""
    return hit_rates([[p.text for p in found] for found in passages], questions)


class TopicJudge:
    """Whether a passage is about a question, to tell a real hit from a coincidence.

    The gold answer is a quiz option ("6", "TRUE", "Wales"), and the corpus is what a web search
    returned, so many answer strings also occur in passages that have nothing to do with the
    question. A passage is on topic when its title and text hold at least ``threshold`` of the
    question's content terms, each weighted by its IDF over the articles. The threshold is a
    loose bar (0.3; stricter ones only lower the ceiling further), and the figures it gives are
    diagnostics beside hit@k, not a replacement for it.
    """

    def __init__(self, articles: Sequence[tuple[str, str]], threshold: float = 0.3) -> None:
        frequency: dict[str, int] = {}
        for title, text in articles:
            for term in set(content_terms(f"{title}\n{text}")):
                frequency[term] = frequency.get(term, 0) + 1
        self._idf = {t: math.log(1 + len(articles) / (1 + n)) for t, n in frequency.items()}
        self._unseen = math.log(1 + len(articles))
        self.threshold = threshold

    def coverage(self, question: str, passage: Passage) -> float:
        terms = set(content_terms(question))
        weights = {t: self._idf.get(t, self._unseen) for t in terms}
        total = sum(weights.values())
        if not total:
            return 0.0
        held = set(content_terms(f"{passage.title}\n{passage.text}"))
        return sum(w for t, w in weights.items() if t in held) / total

    def on_topic_hit(self, question: Question, passage: Passage) -> bool:
        return contains_answer(passage.text, question.answer) and (
            self.coverage(question.text, passage) >= self.threshold
        )


def on_topic_hit_rates(
    passages: Sequence[Sequence[Passage]], questions: Sequence[Question], judge: TopicJudge
) -> dict[int, float]:
    """hit@k counting only gold passages that are also about the question."""
    first: list[int | None] = []
    for found, q in zip(passages, questions, strict=True):
        ranks = (r for r, p in enumerate(found[: max(KS)], 1) if judge.on_topic_hit(q, p))
        first.append(next(ranks, None))
    return {k: sum(r is not None and r <= k for r in first) / len(questions) for k in KS}


def findable(engine: Engine, questions: Sequence[Question], judge: TopicJudge) -> list[Question]:
    """The questions that some passage of qa's index answers on topic: the ones any retriever
    could get right for a reason. The rest only have their answer string in unrelated text."""
    needles = {q.id: f" {normalize_answer(q.answer)} " for q in questions}
    found: set[str] = set()
    for chunk in engine.store.iter_chunks():
        haystack = f" {normalize_answer(chunk.text)} "
        passage = Passage(chunk.title, chunk.text)
        for q in questions:
            if (
                q.id not in found
                and needles[q.id] in haystack
                and judge.coverage(q.text, passage) >= judge.threshold
            ):
                found.add(q.id)
    return [q for q in questions if q.id in found]


def load_articles(data: Path) -> list[tuple[str, str]]:
    with (data / "articles.jsonl").open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    return [(r.get("title") or "", r["text"]) for r in records]


# -- the plain LangChain recipe ---------------------------------------------------------------


def langchain_baseline(
    data: Path,
    questions: Sequence[Question],
    embedder: LocalEmbedder,
    *,
    answer_k: int,
    subset: set[str] | None = None,
) -> Figures:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    class MiniLM(Embeddings):
        """The same bundled encoder qa uses, as LangChain ``Embeddings``."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_documents(texts).tolist()  # type: ignore[no-any-return]

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()  # type: ignore[no-any-return]

    articles_path = data / "articles.jsonl"
    folder = CACHE / f"langchain-{content_key(articles_path, 1000, 200)}"
    done_marker = folder / "COMPLETE"
    store = Chroma(
        collection_name="baseline",
        embedding_function=MiniLM(),
        persist_directory=str(folder),
    )
    if subset is None and not done_marker.exists():
        # Resumable: chunk ids are deterministic and chunks already stored are not re-embedded.
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=1000, chunk_overlap=200, add_start_index=True
        )
        documents = []
        with articles_path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                documents.append(
                    Document(
                        page_content=record["text"],
                        metadata={
                            "id": record["id"],
                            "title": record.get("title") or "",
                            "source": record.get("source") or "",
                        },
                    )
                )
        pieces = splitter.split_documents(documents)
        ids = [_piece_key(p.metadata) for p in pieces]
        stored = {_piece_key(m) for m in store.get(include=["metadatas"])["metadatas"]}
        todo = [(i, p) for i, p in zip(ids, pieces, strict=True) if i not in stored]
        print(f"baseline: embedding {len(todo)} of {len(pieces)} chunks", file=sys.stderr)
        for start in range(0, len(todo), 500):
            part = todo[start : start + 500]
            store.add_documents([p for _, p in part], ids=[i for i, _ in part])
        done_marker.write_text("ok\n")
    chunks = store._collection.count()
    where: dict[str, Any] | None = None
    if subset is not None:
        where = {"id": {"$in": sorted(subset)}}
        chunks = len(store.get(where=where, include=[])["ids"])

    answerer = ExtractiveAnswerer(embedder)
    store.similarity_search("warm up", k=10)
    passages: list[list[Passage]] = []
    latencies: list[float] = []
    correct = 0
    for q in questions:
        clock = time.perf_counter()
        docs = store.similarity_search(q.text, k=10, filter=where)
        latencies.append((time.perf_counter() - clock) * 1000)
        passages.append([Passage(d.metadata.get("title", ""), d.page_content) for d in docs])
        sources = [
            Source(n=i, chunk=_as_chunk(d.page_content, d.metadata, i), score=0.0)
            for i, d in enumerate(docs[:answer_k], 1)
        ]
        draft = "".join(answerer.draft(q.text, sources))
        correct += contains_answer(draft, q.answer)
    return Figures(
        name="langchain 1000/200 dense",
        chunks=chunks,
        hits=passage_hit_rates(passages, questions),
        accuracy=correct / len(questions),
        p50_ms=statistics.median(latencies),
        count=len(questions),
        passages=passages,
    )


def _piece_key(meta: Any) -> str:
    return f"{meta['id']}:{meta['start_index']}"


def _as_chunk(text: str, meta: dict[str, Any], index: int) -> StoredChunk:
    start = int(meta.get("start_index", 0))
    return StoredChunk(
        id=f"{meta.get('id')}:{start}",
        article_id=str(meta.get("id")),
        text=text,
        start=start,
        end=start + len(text),
        index=index,
        title=str(meta.get("title", "")),
        date=None,
        source=str(meta.get("source", "")),
        url=None,
    )


# -- qa ----------------------------------------------------------------------------------------


def qa_engine(
    data: Path,
    embedder: Embedder,
    settings: Settings | None = None,
    *,
    ingest: bool = True,
    index: Path | None = None,
) -> Engine:
    """An engine over the development set, ingested (incrementally) into the benchmark cache.

    With ``ingest=False`` it only clears what an interrupted ingest left half-written.
    """
    base = settings or Settings(llm={"provider": "extractive"})
    articles_path = data / "articles.jsonl"
    key = content_key(articles_path, base.chunking.size, base.chunking.overlap)
    settings = base.model_copy(update={"data_dir": index or CACHE / f"qa-{key}"})
    engine = Engine(settings, embedder=embedder)
    CACHE.mkdir(parents=True, exist_ok=True)
    # benchmarks/eval_realtimeqa.py shares this index: one writer at a time.
    with settings.data_dir.with_name(settings.data_dir.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ingest:
            engine.store.repair()
            return engine
        report = engine.ingest([articles_path])
    if report.chunks_embedded:
        print(f"qa: {report.summary()}", file=sys.stderr, flush=True)
    return engine


def qa_figures(engine: Engine, questions: Sequence[Question], name: str = "qa") -> Figures:
    engine.ask("warm up: what happened this week?")
    passages: list[list[Passage]] = []
    latencies: list[float] = []
    correct = 0
    for q in questions:
        # Timed first and with the encoder caches emptied, so each ask pays for every forward
        # pass it needs (the query's and the answer sentences'), as a new question would.
        if isinstance(engine.embedder, CachingEmbedder):
            engine.embedder.forget()
        clock = time.perf_counter()
        answer = engine.ask(q.text, as_of=q.date)
        latencies.append((time.perf_counter() - clock) * 1000)
        correct += contains_answer(answer.text, q.answer)
        passages.append([Passage(s.chunk.title, s.chunk.text) for s in retrieve(engine, q, 10)])
    return Figures(
        name=name,
        chunks=engine.store.count_chunks(),
        hits=passage_hit_rates(passages, questions),
        accuracy=correct / len(questions),
        p50_ms=statistics.median(latencies),
        count=len(questions),
        passages=passages,
    )


def indexed_subset(
    data: Path, engine: Engine, questions: Sequence[Question]
) -> tuple[set[str], list[Question]]:
    """The articles (JSONL ids) that qa's index holds completely and the LangChain index holds
    completely too, and the questions whose answer string occurs in one of them."""
    from langchain_chroma import Chroma

    done = {r.url for r in engine.store.records().values() if r.state == "done"}
    records = [json.loads(line) for line in (data / "articles.jsonl").open(encoding="utf-8")]
    baseline = Chroma(
        collection_name="baseline",
        persist_directory=str(
            CACHE / f"langchain-{content_key(data / 'articles.jsonl', 1000, 200)}"
        ),
    )
    stored: dict[str, int] = {}
    for meta in baseline.get(include=["metadatas"])["metadatas"]:
        stored[meta["id"]] = stored.get(meta["id"], 0) + 1
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    subset = {
        r["id"]
        for r in records
        if r.get("url") in done and stored.get(r["id"], 0) == len(splitter.split_text(r["text"]))
    }
    if len(subset) < len(done):
        print(
            f"warning: qa holds {len(done)} articles, the baseline {len(subset)} of them",
            file=sys.stderr,
        )
    # contains_answer, with each article normalised once rather than once per question.
    texts = [f" {normalize_answer(r['text'])} " for r in records if r["id"] in subset]
    answerable = [
        q for q in questions if any(f" {normalize_answer(q.answer)} " in t for t in texts)
    ]
    return subset, answerable


def retrieve(engine: Engine, q: Question, k: int) -> list[Source]:
    """The top ``k`` passages qa's engine would retrieve for ``q`` (same path as ``ask``)."""
    return engine.retrieve(q.text, k=k, as_of=q.date)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--index", type=Path, help="qa's index folder (default: the cache)")
    parser.add_argument(
        "--subset",
        action="store_true",
        help="Measure on the articles both indexes already hold completely (no ingest), and "
        "the questions whose answer occurs in them: for a machine too busy to embed it all.",
    )
    args = parser.parse_args(argv)

    questions = load_questions(args.data)
    embedder = LocalEmbedder()
    embedder.embed_query("warm up")
    settings = Settings(llm={"provider": "extractive"})
    engine = qa_engine(args.data, embedder, settings, ingest=not args.subset, index=args.index)
    subset = None
    corpus = "development set"
    if args.subset:
        subset, questions = indexed_subset(args.data, engine, questions)
        corpus = f"development subset ({len(subset)} of the articles, the ones indexed so far)"
    rows = []
    if not args.skip_baseline:
        rows.append(
            langchain_baseline(
                args.data, questions, embedder, answer_k=settings.retrieval.k, subset=subset
            )
        )
    rows.append(qa_figures(engine, questions))

    print(f"\nrealtimeqa-2022 {corpus}: {len(questions)} answerable questions")
    print(f"{'':<24} {'chunks':>7}  hit@1  hit@4  hit@10   acc     p50 ms")
    for figures in rows:
        print(figures.row())
    if len(rows) == 2:
        base, ours = rows
        deltas = "  ".join(f"{ours.hits[k] - base.hits[k]:+.3f}" for k in KS)
        print(f"{'qa - baseline':<24} {'':>7}  {deltas}   {ours.accuracy - base.accuracy:+.3f}")
    print(
        "(baseline p50: similarity_search incl. the query embedding; qa p50: the whole ask "
        "with the offline answerer; development figures)"
    )
    print_miss_audit(args.data, engine, questions, rows)


def print_miss_audit(
    data: Path, engine: Engine, questions: Sequence[Question], rows: Sequence[Figures]
) -> None:
    """Where the answer string is only a coincidence, no retriever can find it for a reason:
    hit@k again, counting only passages about the question, and the ceiling that sets."""
    judge = TopicJudge(load_articles(data))
    reachable = findable(engine, questions, judge)
    keep = {q.id for q in reachable}
    print(
        f"\non topic (a gold passage also holds >= {judge.threshold:.0%} of the question's "
        f"IDF-weighted terms): {len(reachable)} of {len(questions)} questions have one in qa's "
        f"index, so on-topic hit@k is at most {len(reachable) / len(questions):.3f}"
    )
    print(f"{'':<24} {'':>7}  hit@1  hit@4  hit@10   (all {len(questions)} questions)")
    for figures in rows:
        hits = on_topic_hit_rates(figures.passages, questions, judge)
        print(f"{figures.name:<24} {'':>7}  " + "  ".join(f"{hits[k]:.3f}" for k in KS))
    print(f"{'':<24} {'':>7}  hit@1  hit@4  hit@10   (plain hit@k, the {len(reachable)} only)")
    for figures in rows:
        pairs = [(p, q) for p, q in zip(figures.passages, questions, strict=True) if q.id in keep]
        hits = passage_hit_rates([p for p, _ in pairs], [q for _, q in pairs])
        print(f"{figures.name:<24} {'':>7}  " + "  ".join(f"{hits[k]:.3f}" for k in KS))


if __name__ == "__main__":
    main()
