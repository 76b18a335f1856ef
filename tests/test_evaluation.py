"""``qa eval``: every metric on small hand-made cases with known answers, refusal metrics through
the real engine with scripted answerers, the shipped gold set, and the reports end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REPO, SAMPLE_ARTICLE, SAMPLE_DIR, HashingEmbedder, write
from typer.testing import CliRunner

from qa.citations import CANNOT_ANSWER
from qa.engine import Engine
from qa.errors import QAError
from qa.evaluation import (
    EvalItem,
    EvalReport,
    ItemResult,
    Progress,
    aggregate,
    compare,
    evaluate,
    load_dataset,
    load_report,
)
from qa.judges import EmbeddingJudge, LexicalJudge, judge_name
from qa.metrics import (
    Estimate,
    answer_accuracy,
    choice_correct,
    citation_scores,
    first_relevant_rank,
    hit_at,
    paired_difference,
    percentile_estimate,
    ratio_estimate,
    recall_at,
    reciprocal_rank,
    token_f1,
)
from qa.models import Answer, Source
from qa.settings import Settings

SAMPLE_SET = REPO / "examples" / "eval" / "sample.jsonl"
DESIGN_KEYS = (
    "hit@1",
    "hit@4",
    "hit@10",
    "mrr",
    "answer_accuracy",
    "answer_f1",
    "citation_recall",
    "citation_precision",
    "refusal_precision",
    "refusal_recall",
    "latency_p50_ms",
    "latency_p95_ms",
)


class WordJudge:
    """Supports a claim when every one of its words occurs in the evidence: easy to reason about."""

    name = "words"

    def supports(self, claim: str, evidence: Sequence[str]) -> bool:
        text = " ".join(evidence).lower()
        return all(w in text.split() for w in claim.lower().rstrip(".").split())


def result(**fields: object) -> ItemResult:
    """An ItemResult with neutral defaults, for aggregate() cases."""
    base: dict[str, object] = {
        "id": "x",
        "question": "q?",
        "gold": ["g"],
        "answer": "",
        "refused": False,
    }
    return ItemResult.model_validate(base | fields)


# -- answers ----------------------------------------------------------------------------------


class TestAnswerMetrics:
    def test_accuracy_normalises_like_squad_and_ignores_markers(self) -> None:
        assert answer_accuracy("The talks were in Beijing [1].", ["beijing"]) == 1.0
        assert answer_accuracy("Sanctions by the U.S. [2]", ["the US"]) == 1.0
        assert answer_accuracy("Xi met Lukashenko.", ["Putin", "Lukashenko"]) == 1.0

    def test_accuracy_needs_whole_words(self) -> None:
        assert answer_accuracy("They were armed.", ["arms"]) == 0.0
        assert answer_accuracy("In 19945.", ["1994"]) == 0.0

    def test_empty_answer_and_refusal_score_zero(self) -> None:
        assert answer_accuracy("", ["Beijing"]) == 0.0
        assert token_f1("", ["Beijing"]) == 0.0
        assert answer_accuracy(CANNOT_ANSWER, ["Beijing"]) == 0.0

    def test_token_f1_known_values(self) -> None:
        # 1 common token: precision 1/3, recall 1 -> F1 = 0.5
        assert token_f1("Beijing on Wednesday [1].", ["Beijing"]) == pytest.approx(0.5)
        # the best of several gold strings counts
        assert token_f1("Beijing", ["Minsk", "Beijing"]) == 1.0
        # articles and punctuation do not count as tokens
        assert token_f1("The peace plan!", ["peace plan"]) == 1.0
        assert token_f1("Moscow", ["Beijing"]) == 0.0

    def test_choice_right_only(self) -> None:
        choices = ["Beijing", "Minsk", "Moscow"]
        assert choice_correct("They met in Beijing [1].", choices, "Beijing") == 1.0

    def test_choice_naming_a_wrong_one_too_is_wrong(self) -> None:
        choices = ["Beijing", "Minsk", "Moscow"]
        assert choice_correct("Beijing, not Moscow.", choices, "Beijing") == 0.0
        assert choice_correct("They met in Minsk.", choices, "Beijing") == 0.0
        assert choice_correct("", choices, "Beijing") == 0.0

    def test_choice_inside_a_longer_choice_is_not_named(self) -> None:
        choices = ["York", "New York", "Boston"]
        assert choice_correct("It happened in New York.", choices, "New York") == 1.0
        assert choice_correct("It happened in New York.", choices, "York") == 0.0


# -- retrieval --------------------------------------------------------------------------------


class TestRetrievalMetrics:
    def test_rank_hit_and_reciprocal_rank(self) -> None:
        rank = first_relevant_rank([False, False, True, True])
        assert rank == 3
        assert (hit_at(rank, 1), hit_at(rank, 3), hit_at(rank, 10)) == (0.0, 1.0, 1.0)
        assert reciprocal_rank(rank) == pytest.approx(1 / 3)

    def test_nothing_relevant(self) -> None:
        rank = first_relevant_rank([False, False])
        assert rank is None
        assert hit_at(rank, 10) == 0.0
        assert reciprocal_rank(rank) == 0.0
        assert first_relevant_rank([]) is None

    def test_recall_counts_distinct_gold_articles(self) -> None:
        retrieved = ["a", "a", "b", "c", "d"]
        assert recall_at(retrieved, ["a", "c"], 1) == 0.5
        assert recall_at(retrieved, ["a", "c"], 2) == 0.5  # a second chunk of a adds nothing
        assert recall_at(retrieved, ["a", "c"], 4) == 1.0
        with pytest.raises(ValueError, match="gold article"):
            recall_at(retrieved, [], 4)


# -- citations --------------------------------------------------------------------------------


class TestCitationScores:
    def test_supported_and_unsupported_sentences(self) -> None:
        scores = citation_scores(
            "Alpha beta [1]. Gamma delta [2].", {1: "alpha beta", 2: "x y"}, WordJudge()
        )
        assert (scores.recall, scores.precision) == (0.5, 0.5)
        assert (scores.sentences, scores.citations) == (2, 2)

    def test_no_citations_means_no_recall_and_no_precision(self) -> None:
        scores = citation_scores("Alpha beta. Gamma delta.", {}, WordJudge())
        assert scores.recall == 0.0
        assert scores.precision is None
        assert scores.citations == 0

    def test_empty_answer_is_not_scored(self) -> None:
        scores = citation_scores("", {}, WordJudge())
        assert scores.recall is None
        assert scores.precision is None

    def test_a_citation_needed_together_with_another_is_precise(self) -> None:
        # neither passage alone holds "alpha beta", both together do: both citations are needed
        scores = citation_scores("Alpha beta [1][2].", {1: "alpha", 2: "beta"}, WordJudge())
        assert (scores.recall, scores.precision) == (1.0, 1.0)

    def test_a_redundant_irrelevant_citation_lowers_precision_only(self) -> None:
        # [1] supports alone; [2] neither supports alone nor is needed (ALCE "irrelevant")
        scores = citation_scores("Alpha beta [1][2].", {1: "alpha beta", 2: "zzz"}, WordJudge())
        assert (scores.recall, scores.precision) == (1.0, 0.5)

    def test_a_marker_without_evidence_supports_nothing(self) -> None:
        scores = citation_scores("Alpha beta [7].", {1: "alpha beta"}, WordJudge())
        assert (scores.recall, scores.precision) == (0.0, 0.0)


class TestJudges:
    def test_lexical_judge(self) -> None:
        judge = LexicalJudge()
        evidence = ["Xi said China is keen to enhance trust and cooperation with Belarus."]
        assert judge.supports("China wants more trust and cooperation with Belarus.", evidence)
        assert not judge.supports("Putin visited Minsk on Friday.", evidence)
        assert not judge.supports("Putin visited Minsk on Friday.", [])

    def test_embedding_judge(self) -> None:
        judge = EmbeddingJudge(HashingEmbedder(), threshold=0.9)
        assert judge.supports("The storm hit the coast.", ["Rain fell. The storm hit the coast."])
        assert not judge.supports("Budget passes parliament.", ["The storm hit the coast."])
        assert not judge.supports("Budget passes parliament.", [])

    def test_llm_judge_asks_the_model_and_reads_yes_or_no(self) -> None:
        from langchain_core.messages import AIMessage
        from langchain_core.prompt_values import PromptValue
        from langchain_core.runnables import RunnableLambda

        from qa.judges import LLMJudge

        asked: list[str] = []

        def model(prompt: PromptValue) -> AIMessage:
            text = prompt.to_string()
            asked.append(text)
            return AIMessage(content="Yes." if "Beijing" in text.split("Claim:")[1] else "no")

        judge = LLMJudge(Settings(llm={"provider": "openai"}), model=RunnableLambda(model))
        evidence = ["The talks were held in Beijing."]
        assert judge.supports("They met in Beijing.", evidence)
        assert not judge.supports("They met in Minsk.", evidence)
        assert judge.supports("They met in Beijing.", evidence)  # cached: not asked again
        assert len(asked) == 2
        assert "[1] The talks were held in Beijing." in asked[0]

    def test_llm_judge_needs_a_configured_model(self, settings: Settings) -> None:
        from qa.judges import make_judge

        with pytest.raises(QAError, match="--judge lexical"):
            make_judge("llm", settings)

    def test_judge_names(self) -> None:
        assert judge_name("LLM") == "llm"
        with pytest.raises(ValueError, match="lexical, embedding or llm"):
            judge_name("oracle")


# -- estimates --------------------------------------------------------------------------------


class TestEstimates:
    def test_mean_with_interval_around_it(self) -> None:
        estimate = ratio_estimate([1, 0, 1, 1, 0, 1, 1, 1], [1] * 8)
        assert estimate is not None
        assert estimate.value == 0.75
        assert estimate.count == 8
        assert 0.0 <= estimate.ci_low < 0.75 < estimate.ci_high <= 1.0

    def test_seeded_and_deterministic(self) -> None:
        values = list(np.random.default_rng(1).random(50))
        first = ratio_estimate(values, [1] * 50, seed=3)
        assert first == ratio_estimate(values, [1] * 50, seed=3)

    def test_not_computable_is_none(self) -> None:
        assert ratio_estimate([], []) is None
        assert ratio_estimate([0, 0], [0, 0]) is None
        assert percentile_estimate([], 50) is None

    def test_ratio_counts_only_applicable_items(self) -> None:
        # a precision: 1 true positive out of 2 predicted positives, 4 items in all
        estimate = ratio_estimate([1, 0, 0, 0], [1, 1, 0, 0])
        assert estimate is not None
        assert (estimate.value, estimate.count) == (0.5, 2)

    def test_constant_values_have_a_point_interval(self) -> None:
        estimate = ratio_estimate([1, 1, 1], [1, 1, 1])
        assert estimate == Estimate(value=1.0, count=3, ci_low=1.0, ci_high=1.0)

    def test_percentiles(self) -> None:
        estimate = percentile_estimate([float(v) for v in range(1, 101)], 50)
        assert estimate is not None
        assert estimate.value == pytest.approx(50.5)
        assert estimate.ci_low <= 50.5 <= estimate.ci_high

    def test_paired_difference_of_a_ratio(self) -> None:
        ones = [1.0] * 4
        diff = paired_difference(([1, 0, 0, 1], ones), ([1, 1, 0, 1], ones))
        assert diff is not None and diff.value == 0.25 and diff.count == 4
        assert diff.ci_low >= 0.0  # no item got worse: no resample can show a loss
        assert paired_difference(([0, 0], [0, 0]), ([1, 0], [1, 1])) is None
        with pytest.raises(ValueError, match="same items"):
            paired_difference(([1], [1]), ([1, 1], [1, 1]))


class TestAggregate:
    def test_design_keys_and_nulls(self) -> None:
        metrics = aggregate(
            [
                result(relevance="answer_string", first_relevant_rank=2, accuracy=1.0, f1=0.5),
                result(relevance="answer_string", first_relevant_rank=None, accuracy=0.0, f1=0.0),
            ]
        )
        assert set(DESIGN_KEYS) <= set(metrics)
        assert metrics["hit@1"] is not None and metrics["hit@1"].value == 0.0
        assert metrics["hit@4"] is not None and metrics["hit@4"].value == 0.5
        assert metrics["mrr"] is not None and metrics["mrr"].value == pytest.approx(0.25)
        assert metrics["answer_f1"] is not None and metrics["answer_f1"].value == 0.25
        # nothing to compute these from: null, not zero
        for name in ("recall@4", "choice_accuracy", "citation_precision", "refusal_recall"):
            assert metrics[name] is None, name
        assert metrics["refusal_precision"] is None  # nothing was refused
        assert metrics["latency_p50_ms"] is None  # no timings

    def test_unanswerable_items_do_not_count_for_answers_or_retrieval(self) -> None:
        metrics = aggregate(
            [
                result(relevance="answer_string", first_relevant_rank=1, accuracy=1.0, f1=1.0),
                result(unanswerable=True, gold=[], refused=True),
            ]
        )
        assert metrics["answer_accuracy"] == Estimate(value=1.0, count=1, ci_low=1.0, ci_high=1.0)
        assert metrics["hit@1"] is not None and metrics["hit@1"].count == 1

    def test_recall_at_k_with_article_ids(self) -> None:
        metrics = aggregate(
            [
                result(
                    relevance="article_ids", first_relevant_rank=1, recall={1: 0.5, 4: 1.0, 10: 1.0}
                ),
                result(
                    relevance="article_ids", first_relevant_rank=5, recall={1: 0.0, 4: 0.0, 10: 1.0}
                ),
            ]
        )
        values = {k: metrics[f"recall@{k}"] for k in (1, 4, 10)}
        assert [v.value if v else None for v in values.values()] == [0.25, 0.5, 1.0]

    def test_refusal_precision_and_recall(self) -> None:
        metrics = aggregate(
            [
                result(unanswerable=True, refused=True),  # right refusal
                result(unanswerable=True, refused=False),  # answered the unanswerable
                result(unanswerable=False, refused=True),  # refused an answerable one
                result(unanswerable=False, refused=False),
            ]
        )
        assert metrics["refusal_precision"] is not None
        assert metrics["refusal_recall"] is not None
        assert (metrics["refusal_precision"].value, metrics["refusal_precision"].count) == (0.5, 2)
        assert (metrics["refusal_recall"].value, metrics["refusal_recall"].count) == (0.5, 2)

    def test_all_refused(self) -> None:
        items = [result(refused=True, accuracy=0.0), result(refused=True, unanswerable=True)]
        metrics = aggregate(items)
        assert metrics["refusal_recall"] is not None and metrics["refusal_recall"].value == 1.0
        assert metrics["refusal_precision"] is not None
        assert metrics["refusal_precision"].value == 0.5
        assert metrics["citation_recall"] is None  # refusals cite nothing and are not scored

    def test_latency_from_total(self) -> None:
        items = [result(timings={"retrieve_ms": t / 2, "total_ms": t}) for t in (10.0, 20.0, 30.0)]
        metrics = aggregate(items)
        assert metrics["latency_p50_ms"] is not None and metrics["latency_p50_ms"].value == 20.0


# -- datasets ---------------------------------------------------------------------------------


class TestDataset:
    def test_one_gold_string_or_many(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "set.jsonl",
            '{"question": "Where?", "answer": "Beijing"}\n\n'
            '{"id": "q2", "question": "Who?", "answer": ["Xi", "Xi Jinping"]}\n'
            '{"question": "When will Xi visit Moscow?", "unanswerable": true}\n',
        )
        items = load_dataset(path)
        assert [i.answer for i in items] == [["Beijing"], ["Xi", "Xi Jinping"], []]
        assert [i.id for i in items] == ["set:1", "q2", "set:4"]

    def test_errors_name_the_file_and_line(self, tmp_path: Path) -> None:
        bad_json = write(tmp_path / "a.jsonl", '{"question": "Q?", "answer": "x"}\n{oops\n')
        with pytest.raises(QAError, match=r"a\.jsonl:2"):
            load_dataset(bad_json)
        no_gold = write(tmp_path / "b.jsonl", '{"question": "Q?"}\n')
        with pytest.raises(QAError, match=r"b\.jsonl:1.*unanswerable"):
            load_dataset(no_gold)
        with pytest.raises(QAError, match="cannot read"):
            load_dataset(tmp_path / "missing.jsonl")
        blank = write(tmp_path / "c.jsonl", '{"question": "   ", "answer": "x"}\n')
        with pytest.raises(QAError, match=r"c\.jsonl:1.*question is blank"):
            load_dataset(blank)
        latin = write(tmp_path / "d.jsonl", b'{"question": "Q?", "answer": "x"}\n' * 2)
        latin.write_bytes(
            latin.read_bytes() + '{"question": "Où?", "answer": "x"}'.encode("latin-1")
        )
        with pytest.raises(QAError, match=r"d\.jsonl:3: not UTF-8 text \(byte 0xf9\)"):
            load_dataset(latin)

    def test_gold_must_be_a_choice(self) -> None:
        with pytest.raises(ValueError, match="among the choices"):
            EvalItem(question="Where?", answer="Paris", choices=["Beijing", "Minsk"])

    def test_realtimeqa_lines_read_as_items(self) -> None:
        line = (
            '{"id": "20220701_0", "date": "2022-07-01", "question": "Which company?", '
            '"choices": ["A", "B"], "answer": "B", "evidence": "...", "source": "CNN", '
            '"answer_in_corpus": true}'
        )
        item = EvalItem.model_validate_json(line)
        assert (item.correct_choice, str(item.date), item.answer_in_corpus) == (
            "B",
            "2022-07-01",
            True,
        )


class TestSampleGoldSet:
    """The hand-written set for the bundled article meets what issue 5 asks of it."""

    @pytest.fixture(scope="class")
    def items(self) -> list[EvalItem]:
        return load_dataset(SAMPLE_SET)

    def test_size_and_kinds(self, items: list[EvalItem]) -> None:
        assert len(items) >= 25
        assert sum(i.unanswerable for i in items) >= 6
        assert sum(bool(i.history) for i in items) >= 2
        assert any(i.question.startswith("What did Xi say") for i in items)
        assert any(i.question.startswith("What did Lukashenko say") for i in items)
        assert any(i.choices for i in items)
        assert len({i.id for i in items}) == len(items)

    def test_every_answerable_item_is_answerable_from_the_article(
        self, items: list[EvalItem]
    ) -> None:
        from qa.text import contains_answer

        article = SAMPLE_ARTICLE.read_text(encoding="utf-8")
        missing = [
            i.id
            for i in items
            if not i.unanswerable and not any(contains_answer(article, g) for g in i.answer)
        ]
        assert missing == []


# -- through the real engine ------------------------------------------------------------------


class RefuseAll:
    name = "refuse-all"

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]:
        yield CANNOT_ANSWER


class QuoteFirstSentence:
    """Always answers, quoting the first sentence of the best passage and citing it."""

    name = "quote-first"

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]:
        text = sources[0].chunk.text
        first = text.split(". ")[0].rstrip(".") + "."
        yield f"{first} [{sources[0].n}]"


class FailsOn:
    """Answers like QuoteFirstSentence, but fails (as a model timeout would) on one question."""

    name = "flaky"

    def __init__(self, word: str) -> None:
        self._word = word

    def draft(self, question: str, sources: Sequence[Source]) -> Iterator[str]:
        if self._word in question:
            msg = "the chat model timed out"
            raise QAError(msg)
        yield from QuoteFirstSentence().draft(question, sources)


NEWS_SET = [
    EvalItem(id="storm", question="How many homes lost power in the storm?", answer="300"),
    EvalItem(id="rocket", question="Why was the rocket launch delayed?", answer="strong winds"),
    EvalItem(id="mars", question="When will the Mars probe land?", unanswerable=True),
    EvalItem(id="election", question="Who won the mayoral election?", unanswerable=True),
]


def news_engine(settings: Settings, news_dir: Path, answerer: object) -> Engine:
    engine = Engine(settings, embedder=HashingEmbedder(), answerer=answerer)  # type: ignore[arg-type]
    engine.ingest([news_dir])
    return engine


class TestRefusalsThroughTheEngine:
    def test_refusing_everything(self, settings: Settings, news_dir: Path) -> None:
        report = evaluate(NEWS_SET, engine=news_engine(settings, news_dir, RefuseAll()))
        assert report.value("refusal_recall") == 1.0
        assert report.value("refusal_precision") == 0.5  # half the set was answerable
        assert report.value("refusal_rate") == 1.0
        assert report.value("answer_accuracy") == 0.0
        assert report.metrics["citation_recall"] is None

    def test_refusing_nothing(self, settings: Settings, news_dir: Path) -> None:
        report = evaluate(NEWS_SET, engine=news_engine(settings, news_dir, QuoteFirstSentence()))
        assert report.value("refusal_recall") == 0.0
        assert report.metrics["refusal_precision"] is None  # no refusal to be right about
        assert report.value("refusal_rate") == 0.0
        assert report.value("citation_recall") == 1.0  # the quoted sentence is in its passage

    def test_items_record_ranking_relevance_and_timings(
        self, settings: Settings, news_dir: Path
    ) -> None:
        report = evaluate(NEWS_SET, engine=news_engine(settings, news_dir, QuoteFirstSentence()))
        storm = next(i for i in report.items if i.id == "storm")
        assert storm.relevance == "answer_string"
        assert storm.retrieved and storm.first_relevant_rank is not None
        relevant = storm.retrieved[storm.first_relevant_rank - 1]
        assert relevant.relevant and relevant.title == "Storm hits coast"
        assert {"retrieve_ms", "answer_ms", "total_ms"} <= set(storm.timings)
        assert report.relevance == {"article_ids": 0, "answer_string": 2}
        assert report.models["answerer"] == "quote-first"
        assert report.count == 4

    def test_article_ids_take_precedence_over_answer_strings(
        self, settings: Settings, news_dir: Path
    ) -> None:
        engine = news_engine(settings, news_dir, QuoteFirstSentence())
        rocket_id = engine.retrieve("rocket launch delayed", k=1)[0].chunk.article_id
        item = EvalItem(
            question="Why was the rocket launch delayed?", answer="winds", article_ids=[rocket_id]
        )
        report = evaluate([item], engine=engine)
        assert report.items[0].relevance == "article_ids"
        assert report.relevance == {"article_ids": 1, "answer_string": 0}
        assert report.value("recall@10") == 1.0

    def test_empty_index_is_an_error(self, settings: Settings) -> None:
        engine = Engine(settings, embedder=HashingEmbedder(), answerer=RefuseAll())
        with pytest.raises(QAError, match="qa ingest"):
            evaluate(NEWS_SET, engine=engine)

    def test_a_failing_question_is_recorded_and_scored_as_no_answer(
        self, settings: Settings, news_dir: Path
    ) -> None:
        report = evaluate(NEWS_SET, engine=news_engine(settings, news_dir, FailsOn("rocket")))
        rocket = next(i for i in report.items if i.id == "rocket")
        assert rocket.error == "the chat model timed out"
        assert (rocket.accuracy, rocket.refused) == (0.0, False)
        assert report.errors == 1
        assert report.count == 4

    def test_a_failing_first_question_stops_the_run(
        self, settings: Settings, news_dir: Path
    ) -> None:
        with pytest.raises(QAError, match="timed out"):
            evaluate(NEWS_SET, engine=news_engine(settings, news_dir, FailsOn("homes")))

    def test_progress_reports_running_accuracy(self, settings: Settings, news_dir: Path) -> None:
        seen: list[Progress] = []
        evaluate(
            NEWS_SET,
            engine=news_engine(settings, news_dir, RefuseAll()),
            on_progress=seen.append,
        )
        assert [(p.done, p.total) for p in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
        assert seen[0].accuracy == 0.0
        assert seen[-1].accuracy == 0.0


# -- reports, end to end ----------------------------------------------------------------------


class TestEvalCommand:
    @pytest.fixture
    def sample_index(self, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Engine:
        """The sample article under the offline answerer, with the fast encoder so the run is quick;
        the command builds its engine through this seam."""
        engine = Engine(settings, embedder=HashingEmbedder())
        engine.ingest([SAMPLE_DIR])
        monkeypatch.setattr("qa.cli._engine", lambda: engine)
        return engine

    def test_writes_the_three_kinds_of_report_and_compares(
        self, sample_index: Engine, tmp_path: Path
    ) -> None:
        from qa.cli import app

        runner = CliRunner()
        out = tmp_path / "out"
        run = runner.invoke(app, ["eval", str(SAMPLE_SET), "--report", str(out), "--limit", "8"])
        assert run.exit_code == 0, run.output
        assert "answer_accuracy" in run.output

        report = json.loads((out / "report.json").read_text())
        assert set(DESIGN_KEYS) <= set(report["metrics"])
        assert report["count"] == 8
        assert report["metrics"]["refusal_recall"] is None  # the first 8 are all answerable
        assert {"value", "count", "ci_low", "ci_high"} <= set(report["metrics"]["hit@4"])
        assert report["corpus"]["articles"] == 1
        assert report["models"]["embedding"] == "test/hashing-64"
        assert report["settings"]["retrieval"]["k"] == 4
        assert report["git_commit"] is None or len(report["git_commit"]) == 40

        markdown = (out / "report.md").read_text()
        assert "| answer_accuracy |" in markdown and "## Worst failures" in markdown
        for png in ("hit_at_k.png", "metrics.png"):
            assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        ragas = [json.loads(line) for line in (out / "ragas.jsonl").read_text().splitlines()]
        assert len(ragas) == 8
        assert {"user_input", "retrieved_contexts", "response", "reference"} <= set(ragas[0])

        again = runner.invoke(
            app,
            ["eval", str(SAMPLE_SET), "--limit", "8", "--compare", str(out / "report.json")],
        )
        assert again.exit_code == 0, again.output
        assert "answer_accuracy" in again.output and "no (within noise)" in again.output
        assert load_report(out / "report.json").count == 8

    def test_bad_inputs_are_one_line_errors(self, sample_index: Engine, tmp_path: Path) -> None:
        from qa.cli import app

        runner = CliRunner()
        missing = runner.invoke(app, ["eval", str(tmp_path / "nope.jsonl")])
        assert missing.exit_code == 1 and "cannot read the eval dataset" in missing.output
        judge = runner.invoke(app, ["eval", str(SAMPLE_SET), "--judge", "oracle"])
        assert judge.exit_code == 1 and "unknown judge" in judge.output
        bad_old = write(tmp_path / "old.json", "{}")
        old = runner.invoke(app, ["eval", str(SAMPLE_SET), "--compare", str(bad_old)])
        assert old.exit_code == 1 and "not a qa eval report.json" in old.output
        for limit in ("0", "-1"):
            cut = runner.invoke(app, ["eval", str(SAMPLE_SET), "--limit", limit])
            assert cut.exit_code == 2 and "--limit" in cut.output
        with pytest.raises(ValueError, match="limit must be at least 1"):
            evaluate(SAMPLE_SET, engine=sample_index, limit=-2)  # not "all but the last two"

    def test_a_question_the_engine_fails_on_is_reported_and_fails_the_run(
        self, sample_index: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from qa.cli import app

        (_, second, *_) = load_dataset(SAMPLE_SET)
        answer = sample_index.ask

        def ask(question: str, *args: Any, **kwargs: Any) -> Answer:
            if question == second.question:  # a fault injected into one question
                raise QAError("the store went away")
            return answer(question, *args, **kwargs)

        monkeypatch.setattr(sample_index, "ask", ask)
        run = CliRunner().invoke(app, ["eval", str(SAMPLE_SET), "--limit", "3"])
        assert run.exit_code == 1
        assert "1 question(s) failed with an error" in run.output
        assert "the store went away" in run.output


class TestWithAChatModel:
    """``--judge llm`` end to end: a real OpenAI-compatible server on 127.0.0.1 answers the
    questions (from the sources it is given) and judges the citations."""

    def test_llm_answers_judged_by_the_llm(self, tmp_path: Path, news_dir: Path) -> None:
        from openai_server import ChatRequest, OpenAIServer, Reply, respond_from_sources

        def model(request: ChatRequest) -> Reply:
            if "Do the passages entail the claim?" not in request.prompt:
                return respond_from_sources(request)
            passages, claim = request.prompt.rsplit("Claim:", 1)
            claim = claim.split("\n")[0].strip().rstrip(".").lower()
            return Reply("Yes" if claim in passages.lower() else "No")

        with OpenAIServer(default=model) as server:
            settings = Settings(
                data_dir=tmp_path / "data",
                llm={"provider": "openai", "model": "test-model", "max_retries": 0},
                openai_base_url=server.url,
                openai_api_key="sk-test",
            )
            engine = Engine(settings, embedder=HashingEmbedder())
            engine.ingest([news_dir])
            report = evaluate(NEWS_SET[:2], engine=engine, judge="llm")
            judged = [r for r in server.requests if "entail" in r.prompt]

        assert report.models["answerer"] == "test-model"
        assert report.models["judge"] == "llm:test-model"
        assert judged, "the judge never asked the model"
        assert report.value("citation_recall") == 1.0  # quotes of the passage: entailed
        assert report.value("answer_accuracy") is not None


class TestCompare:
    def test_differences_beyond_and_within_the_intervals(
        self, settings: Settings, news_dir: Path
    ) -> None:
        refusing = evaluate(NEWS_SET, engine=news_engine(settings, news_dir, RefuseAll()))
        answering = evaluate(NEWS_SET, engine=news_engine(settings, news_dir, QuoteFirstSentence()))
        changes = {c.name: c for c in compare(refusing, answering)}
        assert changes["refusal_rate"].delta == -1.0
        assert changes["refusal_rate"].beyond_noise is True  # 1.0 [1, 1] vs 0.0 [0, 0]
        assert changes["refusal_precision"].beyond_noise is None  # null in the new run
        assert changes["hit@4"].delta == 0.0
        assert changes["hit@4"].beyond_noise is False


def run_of(correct: Sequence[bool], *, ids: Sequence[str] | None = None) -> EvalReport:
    """A report of hand-made items: item i answered correctly or not (and no timings)."""
    items = [
        result(id=ids[i] if ids else f"q{i}", accuracy=float(ok)) for i, ok in enumerate(correct)
    ]
    return EvalReport.model_construct(ks=[1, 4, 10], items=items, metrics=aggregate(items))


class TestPairedCompare:
    """``--compare`` tests the per-item differences of two runs over the same items."""

    def test_a_consistent_small_gain_is_real_though_the_intervals_overlap(self) -> None:
        before = [i % 2 == 0 for i in range(100)]  # 50 of 100 right
        after = [ok or i in {1, 3, 5, 7, 9, 11, 13, 15} for i, ok in enumerate(before)]  # +8
        old, new = run_of(before), run_of(after)
        (change,) = [c for c in compare(old, new) if c.name == "answer_accuracy"]
        assert change.delta == pytest.approx(0.08)
        assert change.old is not None and change.new is not None
        assert change.old.ci_high >= change.new.ci_low  # the unpaired test would call it noise
        assert change.difference is not None and change.difference.ci_low > 0
        assert change.beyond_noise is True

    def test_the_same_score_from_different_items_is_noise(self) -> None:
        before = [i < 50 for i in range(100)]
        after = [(i < 40) or (50 <= i < 60) for i in range(100)]  # 10 lost, 10 gained
        (change,) = [
            c for c in compare(run_of(before), run_of(after)) if c.name == "answer_accuracy"
        ]
        assert change.delta == 0.0
        assert change.difference is not None
        assert change.difference.ci_low < 0 < change.difference.ci_high
        assert change.beyond_noise is False

    def test_items_are_paired_by_id_and_unshared_items_are_left_out(self) -> None:
        old = run_of([False, False, True], ids=["a", "b", "c"])
        new = run_of([True, True, True, False], ids=["c", "b", "a", "only-new"])
        (change,) = [c for c in compare(old, new) if c.name == "answer_accuracy"]
        assert change.difference is not None
        assert change.difference.count == 3 and change.difference.value == pytest.approx(2 / 3)

    def test_no_shared_items_or_an_uncomputable_metric_gives_no_verdict(self) -> None:
        changes = {c.name: c for c in compare(run_of([True]), run_of([True], ids=["other"]))}
        assert changes["answer_accuracy"].beyond_noise is None
        same = {c.name: c for c in compare(run_of([True, False]), run_of([False, True]))}
        assert same["refusal_precision"].difference is None  # nothing refused in either run
        assert same["latency_p50_ms"].difference is None  # no timings
