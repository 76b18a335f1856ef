"""Follow-ups with an elided subject over the whole development archive: does the follow-up
retrieve and answer from the story the conversation is about?

    QA_DATA_DIR=/path/to/archive-index .venv/bin/python benchmarks/followups.py

Each line of ``examples/eval/news-followups.jsonl`` is a short follow-up ("How many firefighters
fought the fire?") after a question about a named story and qa's short answer to it. Two
rewrites are compared in the same run, offline answerer: the pronoun rule alone
(``replace_pronoun``, what qa did before elided subjects were handled) and ``carry_subject``
(pronouns, then elided subjects). Figures: the gold article first among the retrieved passages
(hit@1), among the first four articles (hit@4), a gold answer string in the answer text. Also
how many of the development questions that stand on their own (news-open, news-open-check,
RealTimeQA) either rule rewrites after an unrelated conversation. Development figures: the set
was written while building the rule.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "realtimeqa-2022"
sys.path.insert(0, str(REPO))

from qa.chat import carry_subject, replace_pronoun  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation import EvalItem, load_dataset, names_article  # noqa: E402
from qa.models import Message  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.text import contains_answer  # noqa: E402

Rule = Callable[[str, Sequence[Message]], str]
RULES: dict[str, Rule] = {"pronoun rule only": replace_pronoun, "carry_subject": carry_subject}
UNRELATED = [
    Message(role="user", content="Who did Elena Rybakina beat in the 2022 Wimbledon final?"),
    Message(role="assistant", content="Ons Jabeur [1]."),
]


def score(engine: Engine, items: list[EvalItem]) -> tuple[int, int, int]:
    first = top4 = answered = 0
    for item in items:
        answer = engine.ask(item.question, item.history, as_of=item.date)
        articles: list[bool] = []
        seen: set[str] = set()
        for source in answer.passages:
            if source.chunk.article_id not in seen:
                seen.add(source.chunk.article_id)
                articles.append(any(names_article(g, source.chunk) for g in item.article_ids or ()))
        first += bool(articles[:1] and articles[0])
        top4 += any(articles[:4])
        answered += any(contains_answer(answer.text, gold) for gold in item.answer)
    return first, top4, answered


def standalone_questions() -> list[str]:
    paths = [REPO / "examples/eval/news-open.jsonl", REPO / "examples/eval/news-open-check.jsonl"]
    if (SHARED / "questions.jsonl").exists():
        paths.append(SHARED / "questions.jsonl")
    return [json.loads(line)["question"] for p in paths for line in p.open(encoding="utf-8")]


def main() -> None:
    items = load_dataset(REPO / "examples/eval/news-followups.jsonl")
    settings = Settings(llm={"provider": "extractive"})
    engine = Engine(settings)
    standalone = standalone_questions()
    print(
        f"{len(items)} follow-ups, {engine.stats()['articles']} articles; "
        f"{len(standalone)} standalone questions"
    )
    for name, rule in RULES.items():
        engine = Engine(settings, embedder=engine.embedder, store=engine.store, condenser=rule)
        rewritten = sum(rule(i.question, i.history) != i.question for i in items)
        first, top4, answered = score(engine, items)
        wrong = sum(rule(q, UNRELATED) != q.strip() for q in standalone)
        print(
            f"{name:18} follow-ups rewritten {rewritten}/{len(items)}  hit@1 {first}/{len(items)}"
            f"  hit@4 {top4}/{len(items)}  answer {answered}/{len(items)}  "
            f"standalone rewritten {wrong}/{len(standalone)}"
        )


if __name__ == "__main__":
    main()
