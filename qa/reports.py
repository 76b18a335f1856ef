"""Write an ``EvalReport`` out: ``report.json``, ``report.md``, PNG plots, a ragas dataset;
and the text of ``qa eval --compare``.

matplotlib is imported only when a plot is drawn (Agg backend: no display needed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.evaluation import EvalReport, ItemResult, MetricChange
from qa.metrics import Estimate

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
HIT_PLOT = "hit_at_k.png"
METRICS_PLOT = "metrics.png"
RAGAS_JSONL = "ragas.jsonl"
WORST = 10
"""Failures listed in report.md: enough to see a pattern, few enough to read."""

_SHARES = (
    "hit@1",
    "hit@4",
    "hit@10",
    "mrr",
    "answer_accuracy",
    "answer_f1",
    "answer_f1_text",
    "choice_accuracy",
    "citation_recall",
    "citation_precision",
    "refusal_precision",
    "refusal_recall",
)
"""Metrics in [0, 1], drawn together on the bar chart (latencies have their own unit)."""


def write_report(report: EvalReport, directory: str | Path) -> list[Path]:
    """Write every report file into ``directory`` (created if needed); returns their paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / REPORT_JSON, folder / REPORT_MD, folder / RAGAS_JSONL]
    written[0].write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    written[1].write_text(render_markdown(report), encoding="utf-8")
    written[2].write_text(ragas_jsonl(report.items), encoding="utf-8")
    written.append(plot_hit_curve(report, folder / HIT_PLOT))
    written.append(plot_metrics(report, folder / METRICS_PLOT))
    return written


def fmt(metric: Estimate | None, *, digits: int = 3) -> str:
    """``0.538 [0.348, 0.720] n=26``, or ``n/a`` for a metric that could not be computed."""
    if metric is None:
        return "n/a"
    return (
        f"{metric.value:.{digits}f} [{metric.ci_low:.{digits}f}, {metric.ci_high:.{digits}f}]"
        f" n={metric.count}"
    )


def format_summary(report: EvalReport) -> str:
    """The metrics as the terminal shows them after a run."""
    lines = [f"{report.count} questions, judge {report.models['judge']}"]
    lines += [f"{name:<20} {fmt(metric)}" for name, metric in report.metrics.items()]
    if report.errors:
        first = next(item for item in report.items if item.error)
        lines.append(
            f"{report.errors} question(s) failed with an error and are scored as no answer; "
            f"the first, {first.id}: {first.error}"
        )
    if report.judge_errors:
        first = next(item for item in report.items if item.judge_error)
        lines.append(
            f"the judge failed on {report.judge_errors} answer(s), left out of the citation "
            f"metrics; the first, {first.id}: {first.judge_error}"
        )
    return "\n".join(lines)


def render_markdown(report: EvalReport) -> str:
    """The human report: provenance, the metrics table, latency per stage, worst failures."""
    relevance = ", ".join(f"{n} by {mode}" for mode, n in report.relevance.items() if n)
    lines = [
        f"# qa eval: {Path(report.dataset.path).name}",
        "",
        f"- {report.count} questions; {report.created:%Y-%m-%d %H:%M} UTC; qa {report.qa_version}"
        f", commit {(report.git_commit or 'unknown')[:10]}"
        + (" (uncommitted changes)" if report.git_dirty else ""),
        f"- corpus: {report.corpus.get('articles', '?')} articles, "
        f"{report.corpus.get('chunks', '?')} chunks",
        f"- models: embedding {report.models['embedding']}, answerer {report.models['answerer']}"
        f", citation judge {report.models['judge']}",
        f"- retrieval relevance: {relevance or 'no answerable items'}",
        *(
            [f"- **{report.errors} question(s) failed with an error**, scored as no answer"]
            if report.errors
            else []
        ),
        *(
            [
                f"- **the citation judge failed on {report.judge_errors} answer(s)**, left out "
                "of the citation metrics"
            ]
            if report.judge_errors
            else []
        ),
        f"- intervals: 95% percentile bootstrap, {report.bootstrap['resamples']} resamples, "
        f"seed {report.bootstrap['seed']}",
        "",
        "| metric | value | 95% interval | n |",
        "|---|---:|---:|---:|",
    ]
    for name, metric in report.metrics.items():
        if metric is None:
            lines.append(f"| {name} | n/a | | 0 |")
        else:
            lines.append(
                f"| {name} | {metric.value:.3f} | {metric.ci_low:.3f} – {metric.ci_high:.3f}"
                f" | {metric.count} |"
            )
    lines += ["", "## Latency per stage (ms)", "", "| stage | p50 | p95 |", "|---|---:|---:|"]
    for stage, quantiles in report.stage_latency.items():
        p50, p95 = quantiles.get("p50"), quantiles.get("p95")
        lines.append(f"| {stage} | {_ms(p50)} | {_ms(p95)} |")
    lines += ["", f"## Worst failures (up to {WORST})", ""]
    failures = worst_failures(report.items)
    if not failures:
        lines.append("None: every answerable question was answered and every other refused.")
    for item in failures:
        lines += _failure(item)
    return "\n".join(lines) + "\n"


def worst_failures(items: Sequence[ItemResult], limit: int = WORST) -> list[ItemResult]:
    """Wrong answers (lowest F1 first, unanswerable questions answered among them), then
    questions refused that had an answer, worst retrieval first."""

    def badness(item: ItemResult) -> tuple[int, float, int]:
        rank = item.first_relevant_rank or 10_000
        if item.unanswerable:
            return (0, 0.0, rank)
        return (1 if item.refused else 0, item.f1 or 0.0, -rank)

    failed = [
        i
        for i in items
        if (i.unanswerable and not i.refused) or (not i.unanswerable and not i.accuracy)
    ]
    return sorted(failed, key=badness)[:limit]


def _failure(item: ItemResult) -> list[str]:
    gold = "(unanswerable: should refuse)" if item.unanswerable else " | ".join(item.gold)
    answer = " ".join(item.answer.split())
    lines = [
        f"### {item.id}",
        "",
        f"- **question**: {item.question}",
        f"- **gold**: {gold}",
        f"- **answer**: {answer}",
    ]
    if item.error:
        lines.append(f"- **error**: {item.error}")
    if item.judge_error:
        lines.append(f"- **judge error**: {item.judge_error}")
    if item.standalone and item.standalone != item.question:
        lines.append(f"- **standalone question**: {item.standalone}")
    if item.retrieved:
        rank = item.first_relevant_rank
        lines.append(f"- **retrieved** (first relevant at rank {rank if rank else 'none'}):")
        for p in item.retrieved[:4]:
            mark = " ✓" if p.relevant else ""
            lines.append(f"  {p.rank}. {p.title} `{p.chunk_id}` ({p.score:.3f}){mark}")
            if p.snippet:
                lines.append(f"     > {p.snippet}")
    lines.append("")
    return lines


def _ms(metric: Estimate | None) -> str:
    return "n/a" if metric is None else f"{metric.value:.1f}"


def ragas_jsonl(items: Sequence[ItemResult]) -> str:
    """The run as ragas' single-turn samples (``EvaluationDataset.from_jsonl`` reads it):
    ``user_input``, ``retrieved_contexts``, ``response``, ``reference``."""
    rows = [
        {
            "user_input": item.standalone or item.question,
            "retrieved_contexts": item.contexts,
            "response": item.answer,
            "reference": item.gold[0] if item.gold else "",
        }
        for item in items
    ]
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


# -- plots ------------------------------------------------------------------------------------


def plot_hit_curve(report: EvalReport, path: Path) -> Path:
    """hit@k for k = 1 .. the retrieval depth, from the per-item ranks, with the reported
    points and their intervals marked."""
    plt = _pyplot()
    scored = [i for i in report.items if i.relevance]
    depth = max(report.ks)
    fig, ax = plt.subplots(figsize=(6, 4))
    if scored:
        ks = list(range(1, depth + 1))
        curve = [
            sum(1 for i in scored if i.first_relevant_rank and i.first_relevant_rank <= k)
            / len(scored)
            for k in ks
        ]
        ax.plot(ks, curve, marker=".", color="tab:blue")
        for k in report.ks:
            metric = report.metrics.get(f"hit@{k}")
            if metric:
                ax.errorbar(
                    [k],
                    [metric.value],
                    yerr=[[metric.value - metric.ci_low], [metric.ci_high - metric.value]],
                    fmt="o",
                    color="tab:orange",
                    capsize=4,
                )
    else:
        ax.text(0.5, 0.5, "no answerable items", ha="center", transform=ax.transAxes)
    ax.set(xlabel="k (passages retrieved)", ylabel="hit@k", ylim=(0, 1.05))
    ax.set_title(f"hit@k, {len(scored)} questions ({_relevance_label(report)})", fontsize=10)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_metrics(report: EvalReport, path: Path) -> Path:
    """One bar per metric in [0, 1] with its 95% interval; metrics that are null are left out."""
    plt = _pyplot()
    shown = [(n, m) for n in _SHARES if (m := report.metrics.get(n)) is not None]
    fig, ax = plt.subplots(figsize=(8, 4))
    if shown:
        names = [f"{n}\n(n={m.count})" for n, m in shown]
        values = [m.value for _, m in shown]
        errors = [
            [max(m.value - m.ci_low, 0.0) for _, m in shown],
            [max(m.ci_high - m.value, 0.0) for _, m in shown],
        ]
        ax.bar(range(len(shown)), values, yerr=errors, capsize=3, color="tab:blue", alpha=0.8)
        ax.set_xticks(range(len(shown)), names, rotation=45, ha="right", fontsize=8)
    ax.set(ylim=(0, 1.05), ylabel="value (95% bootstrap interval)")
    ax.set_title(f"{Path(report.dataset.path).name}: {report.count} questions", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def _relevance_label(report: EvalReport) -> str:
    modes = [mode.replace("_", " ") for mode, n in report.relevance.items() if n]
    return "relevant = " + " / ".join(modes) if modes else "no relevance"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    plt = _pyplot()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# -- comparing runs ---------------------------------------------------------------------------


def format_comparison(changes: Sequence[MetricChange]) -> str:
    """One line per metric: old, new, the change with its paired 95% interval, and whether
    that interval excludes zero (the change is beyond the noise of these items)."""
    lines = [
        f"{'metric':<20} {'old':>9} {'new':>9} {'change':>9}  {'paired 95% interval':<19}  real?"
    ]
    for change in changes:
        old = f"{change.old.value:.3f}" if change.old else "n/a"
        new = f"{change.new.value:.3f}" if change.new else "n/a"
        delta = f"{change.delta:+.3f}" if change.delta is not None else ""
        d = change.difference
        interval = f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}]" if d else ""
        verdict = {None: "", True: "yes", False: "no (within noise)"}[change.beyond_noise]
        lines.append(f"{change.name:<20} {old:>9} {new:>9} {delta:>9}  {interval:<19}  {verdict}")
    return "\n".join(lines)
