"""The eval runner: a JSONL file of questions with gold answers in, an ``EvalReport`` out.

Each item is asked through the real ``Engine`` (its ``date`` is the reference date for relative
dates, its ``history`` the earlier turns) and scored with ``qa.metrics``; the report holds every
metric with its count and a 95% bootstrap interval, the run's settings, corpus and models, and
the per-item results the Markdown report and the plots are drawn from (``qa.reports``).

>>> report = evaluate("examples/eval/sample.jsonl", engine=Engine(Settings()))  # doctest: +SKIP
>>> report.metrics["answer_accuracy"].value                                     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from qa.articles import stable_id
from qa.engine import Engine
from qa.errors import QAError, friendly
from qa.judges import JudgeName, make_judge
from qa.metrics import (
    DEFAULT_RESAMPLES,
    CitationScores,
    Estimate,
    SupportJudge,
    answer_accuracy,
    choice_correct,
    citation_scores,
    first_relevant_rank,
    hit_at,
    paired_difference,
    paired_percentile_difference,
    percentile_estimate,
    ratio_estimate,
    recall_at,
    reciprocal_rank,
    token_f1,
)
from qa.models import Answer, Message, Source, StoredChunk, is_blank
from qa.text import contains_answer

KS = (1, 4, 10)
"""The ranks hit@k is reported at (the DESIGN's report keys); retrieval ranks to the largest."""

Relevance = Literal["article_ids", "answer_string"]


class EvalItem(BaseModel):
    """One line of an eval dataset.

    ``answer`` is the gold string or a list of accepted strings; ``unanswerable: true`` marks a
    question the corpus does not answer (the engine should refuse). With ``choices``, the gold
    answer must be one of them. ``date`` is the day the question is asked on.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = ""
    question: str = Field(min_length=1)
    answer: list[str] = Field(default_factory=list)
    choices: list[str] | None = None
    article_ids: list[str] | None = None
    unanswerable: bool = False
    history: list[Message] = Field(default_factory=list)
    date: dt.date | None = None
    answer_in_corpus: bool | None = Field(
        None, description="realtimeqa: whether the gold string occurs in any article."
    )

    @field_validator("question")
    @classmethod
    def _asks_something(cls, question: str) -> str:
        if is_blank(question):
            msg = "the question is blank"
            raise ValueError(msg)
        return question

    @field_validator("answer", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _gold_is_usable(self) -> EvalItem:
        if not self.unanswerable and not any(a.strip() for a in self.answer):
            msg = "an answerable item needs a gold 'answer' (or set 'unanswerable': true)"
            raise ValueError(msg)
        if self.choices and not self.correct_choice:
            msg = f"none of the gold answers {self.answer} is among the choices {self.choices}"
            raise ValueError(msg)
        return self

    @property
    def correct_choice(self) -> str | None:
        return next((a for a in self.answer if a in (self.choices or ())), None)


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read a JSONL eval dataset; an error names the file and line at fault.

    Items without an ``id`` get ``<file stem>:<line>``.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        msg = f"cannot read the eval dataset {path}: {exc.strerror or exc}"
        raise QAError(msg) from exc
    except UnicodeDecodeError as exc:
        row = path.read_bytes()[: exc.start].count(b"\n") + 1
        msg = f"{path}:{row}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); save it as UTF-8"
        raise QAError(msg) from exc
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            item = EvalItem.model_validate(raw)
        except (json.JSONDecodeError, ValidationError) as exc:
            if isinstance(exc, ValidationError):
                detail = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors()
                )
            else:
                detail = exc.msg
            msg = f"{path}:{number}: not a valid eval item ({detail})"
            raise QAError(msg) from exc
        items.append(item if item.id else item.model_copy(update={"id": f"{path.stem}:{number}"}))
    if not items:
        msg = f"{path} holds no questions: write one JSON object per line"
        raise QAError(msg)
    return items


# -- results ----------------------------------------------------------------------------------


class RetrievedPassage(BaseModel):
    """One passage of an item's ranking, and whether it counts as relevant."""

    model_config = ConfigDict(frozen=True)

    rank: int
    article_id: str
    chunk_id: str
    title: str
    score: float
    relevant: bool
    snippet: str = Field("", description="The passage's opening words, to recognise it by.")


class ItemResult(BaseModel):
    """What happened to one eval item, and its scores (None where a score does not apply)."""

    id: str
    question: str
    standalone: str = Field("", description="The standalone question the engine retrieved with.")
    gold: list[str]
    choices: list[str] | None = None
    unanswerable: bool = False
    answer: str
    refused: bool
    unsupported: int = Field(0, description="Answer sentences no passage supported.")
    retrieved: list[RetrievedPassage] = Field(default_factory=list)
    contexts: list[str] = Field(
        default_factory=list, description="Texts of the passages the answerer was given."
    )
    relevance: Relevance | None = None
    first_relevant_rank: int | None = None
    recall: dict[int, float] | None = Field(None, description="recall@k, with gold article ids.")
    accuracy: float | None = None
    f1: float | None = Field(
        None, description="Token F1 of the short answer when there is one, else of the text."
    )
    f1_text: float | None = Field(
        None, description="Token F1 of the whole answer text (the answer_f1 of earlier runs)."
    )
    short_answer: str | None = None
    choice_correct: float | None = None
    citation_recall: float | None = None
    citation_precision: float | None = None
    citations: int = 0
    timings: dict[str, float] = Field(default_factory=dict)
    error: str | None = Field(
        None, description="Why the engine failed on it (scored as no answer)."
    )
    judge_error: str | None = Field(
        None,
        description="Why the citation judge could not score the answer (its citation recall "
        "and precision are then left out, not counted as zero).",
    )


def score_item(
    item: EvalItem,
    answer: Answer,
    ranking: Sequence[Source],
    judge: SupportJudge,
    *,
    ks: Sequence[int] = KS,
) -> ItemResult:
    """Score one answered item; ``ranking`` is the engine's retrieval to depth ``max(ks)``."""
    relevance: Relevance | None = None
    if not item.unanswerable:
        relevance = "article_ids" if item.article_ids else "answer_string"
    relevant = [_is_relevant(item, relevance, s) for s in ranking]
    rank = first_relevant_rank(relevant) if relevance else None
    recall = None
    if relevance == "article_ids" and item.article_ids:
        # Each retrieved article under the gold name it answers to, so recall counts golds.
        ids = [
            next((g for g in item.article_ids if names_article(g, s.chunk)), s.chunk.article_id)
            for s in ranking
        ]
        recall = {k: recall_at(ids, item.article_ids, k) for k in ks}

    accuracy = f1 = f1_text = choice = None
    if not item.unanswerable:
        accuracy = answer_accuracy(answer.text, item.answer)
        f1_text = token_f1(answer.text, item.answer)
        f1 = token_f1(answer.short_answer, item.answer) if answer.short_answer else f1_text
        if item.choices and item.correct_choice:
            choice = choice_correct(answer.text, item.choices, item.correct_choice)

    cited, judge_error = _judged(answer, judge)
    return ItemResult(
        id=item.id,
        question=item.question,
        standalone=answer.question,
        gold=item.answer,
        choices=item.choices,
        unanswerable=item.unanswerable,
        answer=answer.text,
        refused=answer.refused,
        unsupported=len(answer.unsupported),
        retrieved=[
            RetrievedPassage(
                rank=s.n,
                article_id=s.chunk.article_id,
                chunk_id=s.chunk.id,
                title=s.chunk.title,
                score=round(s.score, 4),
                relevant=hit,
                snippet=_snippet(s.chunk.text),
            )
            for s, hit in zip(ranking, relevant, strict=True)
        ],
        contexts=[p.chunk.text for p in answer.passages],
        relevance=relevance,
        first_relevant_rank=rank,
        recall=recall,
        accuracy=accuracy,
        f1=f1,
        f1_text=f1_text,
        short_answer=answer.short_answer,
        choice_correct=choice,
        citation_recall=cited.recall if cited else None,
        citation_precision=cited.precision if cited else None,
        citations=cited.citations if cited else 0,
        timings=answer.timings,
        judge_error=judge_error,
    )


def _judged(answer: Answer, judge: SupportJudge) -> tuple[CitationScores | None, str | None]:
    """The answer's citation scores, or why the judge failed (the run goes on without them)."""
    if answer.refused:
        return None, None
    try:
        return citation_scores(answer.text, _evidence(answer), judge), None
    except QAError as exc:  # the LLM judge's server failed: lose this score, not the run
        return None, friendly(exc)


def names_article(gold: str, chunk: StoredChunk) -> bool:
    """Whether a dataset's name for an article names the one ``chunk`` comes from: qa's own id,
    or the article as its user knows it: the record's ``id`` in a JSON file, its URL, or the
    path of its file (relative to the working directory)."""
    if gold in (chunk.article_id, chunk.url, chunk.source):
        return True
    keys = {f"id:{gold}", gold}
    if "://" not in gold:
        keys.add(str(Path(gold).expanduser().resolve()))
    return any(stable_id(key) == chunk.article_id for key in keys)


def _is_relevant(item: EvalItem, relevance: Relevance | None, source: Source) -> bool:
    if relevance == "article_ids":
        return any(names_article(g, source.chunk) for g in item.article_ids or ())
    if relevance == "answer_string":
        return any(contains_answer(source.chunk.text, gold) for gold in item.answer)
    return False


def _snippet(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


def _evidence(answer: Answer) -> dict[int, str]:
    """Marker number -> the passage it cites (ALCE judges the whole passage, not the quote)."""
    return {
        c.n: next(
            (
                p.chunk.text
                for p in answer.passages
                if p.chunk.article_id == c.article_id and p.chunk.start <= c.start < p.chunk.end
            ),
            c.quote,
        )
        for c in answer.citations
    }


# -- metrics over a run -----------------------------------------------------------------------


def aggregate(
    results: Sequence[ItemResult],
    *,
    ks: Sequence[int] = KS,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> dict[str, Estimate | None]:
    """Every metric of the report, by the names report.json and docs/evaluation.md use (None: not
    computable)."""

    metrics: dict[str, Estimate | None] = {
        name: ratio_estimate(num, den, seed=seed, resamples=resamples)
        for name, (num, den) in item_ratios(results, ks).items()
    }
    totals = [r.timings["total_ms"] for r in results if "total_ms" in r.timings]
    metrics["latency_p50_ms"] = percentile_estimate(totals, 50, seed=seed, resamples=resamples)
    metrics["latency_p95_ms"] = percentile_estimate(totals, 95, seed=seed, resamples=resamples)
    return metrics


LATENCY_PERCENTILES = {"latency_p50_ms": 50, "latency_p95_ms": 95}

ItemRatios = dict[str, tuple[list[float], list[float]]]


def item_ratios(results: Sequence[ItemResult], ks: Sequence[int] = KS) -> ItemRatios:
    """Each ratio metric as ``(num, den)`` per item, so that the metric is ``sum(num) /
    sum(den)``: a mean over the items it applies to is ``(score, 1)``, and ``(0, 0)`` where it
    does not apply. Both the estimates and the paired comparison of two runs start here."""

    def mean(values: Iterable[float | None]) -> tuple[list[float], list[float]]:
        pairs = [(v or 0.0, 0.0 if v is None else 1.0) for v in values]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def ratio(pairs: Iterable[tuple[float, float]]) -> tuple[list[float], list[float]]:
        listed = list(pairs)
        return [p[0] for p in listed], [p[1] for p in listed]

    ranked = [r.first_relevant_rank if r.relevance else None for r in results]
    found: ItemRatios = {}
    for k in ks:
        found[f"hit@{k}"] = mean(
            hit_at(rank, k) if r.relevance else None
            for r, rank in zip(results, ranked, strict=True)
        )
    for k in ks:
        found[f"recall@{k}"] = mean(r.recall.get(k) if r.recall else None for r in results)
    found["mrr"] = mean(
        reciprocal_rank(rank) if r.relevance else None
        for r, rank in zip(results, ranked, strict=True)
    )
    found["answer_accuracy"] = mean(r.accuracy for r in results)
    found["answer_f1"] = mean(r.f1 for r in results)  # on the short answer when there is one
    found["answer_f1_text"] = mean(r.f1_text for r in results)  # earlier runs' answer_f1
    found["choice_accuracy"] = mean(r.choice_correct for r in results)
    found["citation_recall"] = mean(r.citation_recall for r in results)
    found["citation_precision"] = mean(r.citation_precision for r in results)
    found["refusal_precision"] = ratio(
        (float(r.refused and r.unanswerable), float(r.refused)) for r in results
    )
    found["refusal_recall"] = ratio(
        (float(r.refused and r.unanswerable), float(r.unanswerable)) for r in results
    )
    found["refusal_rate"] = mean(float(r.refused) for r in results)
    return found


def stage_latency(
    results: Sequence[ItemResult], *, seed: int = 0, resamples: int = DEFAULT_RESAMPLES
) -> dict[str, dict[str, Estimate | None]]:
    """p50 and p95 of each stage the engine timed (``condense_ms``, ``retrieve_ms``, ...)."""
    stages = dict.fromkeys(stage for r in results for stage in r.timings)
    return {
        stage: {
            f"p{q}": percentile_estimate(
                [r.timings[stage] for r in results if stage in r.timings],
                q,
                seed=seed,
                resamples=resamples,
            )
            for q in (50, 95)
        }
        for stage in stages
    }


# -- the report -------------------------------------------------------------------------------


class DatasetInfo(BaseModel):
    path: str
    sha256: str | None
    items: int


class EvalReport(BaseModel):
    """A whole run: what was measured, on what, with which models, and every item's result."""

    qa_version: str
    created: datetime
    git_commit: str | None
    git_dirty: bool | None = Field(None, description="The working tree had uncommitted changes.")
    dataset: DatasetInfo
    settings: dict[str, Any]
    corpus: dict[str, Any]
    models: dict[str, str]
    ks: list[int]
    relevance: dict[str, int] = Field(
        description="How many items' retrieval was judged by gold article ids / answer strings."
    )
    bootstrap: dict[str, Any]
    count: int
    errors: int = Field(0, description="Questions the engine failed on, scored as no answer.")
    judge_errors: int = Field(
        0, description="Answers the citation judge failed on, left out of the citation metrics."
    )
    metrics: dict[str, Estimate | None]
    stage_latency: dict[str, dict[str, Estimate | None]]
    items: list[ItemResult]

    def value(self, name: str) -> float | None:
        """The metric's value, or None when it could not be computed."""
        metric = self.metrics.get(name)
        return metric.value if metric else None


@dataclass(frozen=True)
class Progress:
    """Passed after each item: how far the run is and its running answer accuracy."""

    done: int
    total: int
    accuracy: float | None


def evaluate(
    dataset: str | Path | Sequence[EvalItem],
    *,
    engine: Engine,
    judge: JudgeName | SupportJudge = "lexical",
    ks: Sequence[int] = KS,
    limit: int | None = None,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    on_progress: Callable[[Progress], None] | None = None,
) -> EvalReport:
    """Ask every item through ``engine`` and measure the answers; see the module docstring.

    ``judge`` decides citation support (``"lexical"``, ``"embedding"``, ``"llm"`` or any
    ``SupportJudge``); ``limit`` takes the first items only; ``seed`` and ``resamples`` fix the
    bootstrap, so the same answers always give the same intervals.
    """
    path = None
    if isinstance(dataset, str | Path):
        path = Path(dataset)
        items = load_dataset(path)
    else:
        items = list(dataset)
    if limit is not None:
        if limit < 1:
            msg = f"limit must be at least 1 (got {limit}); leave it out to run every question"
            raise ValueError(msg)
        items = items[:limit]
    if engine.store.count_chunks() == 0:
        msg = "the index is empty: add the articles with `qa ingest PATH` before evaluating"
        raise QAError(msg)
    if items:
        # Load the encoder and build derived indexes (BM25) before any clock runs: the latency
        # metrics describe warm questions, not the first one paying for start-up.
        engine.retrieve(items[0].question, k=1, as_of=items[0].date)
    support = (
        make_judge(judge, engine.settings, engine.embedder) if isinstance(judge, str) else judge
    )
    depth = max(ks)
    results: list[ItemResult] = []
    correct = scored = 0
    for done, item in enumerate(items, 1):
        history = list(item.history) or None
        error = None
        try:
            answer = engine.ask(item.question, history, as_of=item.date)
            # Rank deeper from the standalone question ask used: no second condense call.
            ranking = engine.retrieve(answer.question, k=depth, as_of=item.date)
        except QAError as exc:
            if not results:
                raise  # the first question failing is a setup problem: say so before a long run
            # One failed call (a model timeout) must not lose a long run: score it as no answer.
            error = friendly(exc)
            ranking, answer = [], Answer(text="", question=item.question)
        result = score_item(item, answer, ranking, support, ks=ks)
        if error:
            result = result.model_copy(update={"error": error})
        results.append(result)
        if result.accuracy is not None:
            scored += 1
            correct += int(result.accuracy)
        if on_progress:
            on_progress(Progress(done, len(items), correct / scored if scored else None))

    relevance = {"article_ids": 0, "answer_string": 0}
    for r in results:
        if r.relevance:
            relevance[r.relevance] += 1
    commit, dirty = _git_state()
    return EvalReport(
        qa_version=_version(),
        created=datetime.now(UTC),
        git_commit=commit,
        git_dirty=dirty,
        dataset=DatasetInfo(
            path=str(path) if path else "<in memory>",
            sha256=_sha256(path) if path else None,
            items=len(items),
        ),
        settings=engine.settings.model_dump(mode="json"),  # secrets dump as '**********'
        corpus=engine.stats(),
        models={
            "embedding": engine.embedder.model_id,
            "answerer": engine.answerer.name,
            "judge": support.name,
        },
        ks=list(ks),
        relevance=relevance,
        bootstrap={"resamples": resamples, "seed": seed, "confidence": 0.95},
        count=len(results),
        errors=sum(1 for r in results if r.error),
        judge_errors=sum(1 for r in results if r.judge_error),
        metrics=aggregate(results, ks=ks, seed=seed, resamples=resamples),
        stage_latency=stage_latency(results, seed=seed, resamples=resamples),
        items=results,
    )


def load_report(path: str | Path) -> EvalReport:
    """Read a ``report.json`` written by ``qa eval --report``."""
    path = Path(path)
    try:
        return EvalReport.model_validate_json(path.read_bytes())
    except OSError as exc:
        msg = f"cannot read the report {path}: {exc.strerror or exc}"
        raise QAError(msg) from exc
    except ValidationError as exc:
        msg = f"{path} is not a qa eval report.json ({exc.error_count()} problem(s))"
        raise QAError(msg) from exc


# -- comparing runs ---------------------------------------------------------------------------


class MetricChange(BaseModel):
    """One metric in two runs, and the paired difference ``new - old`` over the items both runs
    scored; ``beyond_noise`` when that difference's 95% interval excludes zero."""

    name: str
    old: Estimate | None
    new: Estimate | None
    difference: Estimate | None = Field(
        None, description="new - old over the shared items, with a paired-bootstrap interval."
    )

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return self.new.value - self.old.value

    @property
    def beyond_noise(self) -> bool | None:
        if self.difference is None:
            return None
        return self.difference.ci_low > 0 or self.difference.ci_high < 0


def compare(
    old: EvalReport, new: EvalReport, *, seed: int = 0, resamples: int = DEFAULT_RESAMPLES
) -> list[MetricChange]:
    """Every metric of either run, old beside new, in the new report's order, with the paired
    bootstrap of the per-item differences over the items (matched by id) both runs scored.

    Both runs usually score the same questions, so their results are paired: resampling the
    items once for both runs tests the change itself, where two separate intervals would call a
    consistent small gain noise.
    """
    old_by_id = {item.id: item for item in old.items}
    pairs = [(old_by_id[item.id], item) for item in new.items if item.id in old_by_id]
    olds, news = [p[0] for p in pairs], [p[1] for p in pairs]
    ks = [k for k in new.ks if k in old.ks]
    old_ratios, new_ratios = item_ratios(olds, ks), item_ratios(news, ks)
    differences: dict[str, Estimate | None] = {
        name: paired_difference(old_ratios[name], new_ratios[name], seed=seed, resamples=resamples)
        for name in new_ratios
    }
    timed = [(o, n) for o, n in pairs if "total_ms" in o.timings and "total_ms" in n.timings]
    for name, q in LATENCY_PERCENTILES.items():
        differences[name] = paired_percentile_difference(
            [o.timings["total_ms"] for o, _ in timed],
            [n.timings["total_ms"] for _, n in timed],
            q,
            seed=seed,
            resamples=resamples,
        )
    names = list(dict.fromkeys([*new.metrics, *old.metrics]))
    return [
        MetricChange(
            name=n,
            old=old.metrics.get(n),
            new=new.metrics.get(n),
            difference=differences.get(n) if pairs else None,
        )
        for n in names
    ]


# -- provenance -------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qa")
    except PackageNotFoundError:
        return "unknown"


def _git_state() -> tuple[str | None, bool | None]:
    """The checkout's commit and whether it had uncommitted changes (None outside git)."""
    repo = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit or None, bool(status.strip())
