"""Follow-ups with an elided subject over the whole development archive: does the follow-up
retrieve and answer from the story the conversation is about, and is a question that stands on
its own left alone?

    QA_DATA_DIR=/path/to/archive-index .venv/bin/python benchmarks/followups.py [--before REV]

Each line of ``examples/eval/news-followups.jsonl`` is a short follow-up ("How many firefighters
fought the fire?") after a question about a named story and qa's short answer to it. The
rewrites compared in the same run, offline answerer: the pronoun rule alone
(``replace_pronoun``), ``carry_subject`` as it was at git revision ``--before`` (loaded from
that revision's ``qa/chat.py``), ``carry_subject`` now on its words alone, and the engine's
offline condenser (``carry_subject`` with the archive's evidence, ``StoryCondenser``).
Figures: the gold article first among the retrieved passages (hit@1), among the first four
articles (hit@4), a gold answer string in the answer text. Then how many questions that stand
on their own each rule rewrites: the named development questions (news-open, news-open-check,
RealTimeQA) and the nameless ones of ``examples/eval/news-standalone-dev.jsonl`` after an
unrelated conversation, and the nameless ones after each conversation of the follow-up set
(some of those pairs are fair follow-ups: "Who was arrested?" after a question about a crime).
Also the median time of one rewrite (the follow-ups and the nameless questions). Development
figures: both sets were written while building the rules.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "realtimeqa-2022"
EVAL = REPO / "examples" / "eval"
sys.path.insert(0, str(REPO))

from qa.chat import carry_subject, replace_pronoun  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation import EvalItem, load_dataset, names_article  # noqa: E402
from qa.models import Message  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.text import contains_answer  # noqa: E402

Rule = Callable[[str, Sequence[Message]], str]
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


def questions(*paths: Path) -> list[str]:
    return [
        json.loads(line)["question"]
        for p in paths
        if p.exists()
        for line in p.open(encoding="utf-8")
        if line.strip()
    ]


def rule_at(revision: str) -> Rule:
    """``carry_subject`` as ``qa/chat.py`` had it at ``revision`` (its imports resolve to
    today's ``qa``; the rule's own code is the old one)."""
    source = subprocess.run(
        ["git", "show", f"{revision}:qa/chat.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"chat_at_{revision}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{revision}:qa/chat.py", "exec"), module.__dict__)
    rule: Rule = module.carry_subject
    return rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="9b36026", help="git revision of the old rule")
    args = parser.parse_args()
    items = load_dataset(EVAL / "news-followups.jsonl")
    settings = Settings(llm={"provider": "extractive"})
    engine = Engine(settings)
    named = questions(EVAL / "news-open.jsonl", EVAL / "news-open-check.jsonl")
    named += questions(SHARED / "questions.jsonl")
    nameless = questions(EVAL / "news-standalone-dev.jsonl")
    conversations: list[list[Message]] = []
    for item in items:
        if item.history not in conversations:
            conversations.append(item.history)
    print(
        f"{len(items)} follow-ups in {len(conversations)} conversations, "
        f"{engine.stats()['articles']} articles; standalone questions: {len(named)} named, "
        f"{len(nameless)} nameless"
    )
    rules: dict[str, Rule] = {
        "pronoun rule only": replace_pronoun,
        f"carry_subject@{args.before}": rule_at(args.before),
        "carry_subject, words only": carry_subject,
        "engine (story check)": engine.condenser,
    }
    for name, rule in rules.items():
        run = Engine(settings, embedder=engine.embedder, store=engine.store, condenser=rule)
        rewritten = sum(rule(i.question, i.history) != i.question for i in items)
        took = []
        for question, history in [(i.question, i.history) for i in items] + [
            (q, UNRELATED) for q in nameless
        ]:
            clock = time.perf_counter()
            rule(question, history)
            took.append((time.perf_counter() - clock) * 1000)
        first, top4, answered = score(run, items)
        wrong = sum(rule(q, UNRELATED) != q.strip() for q in named)
        lone = sum(rule(q, UNRELATED) != q.strip() for q in nameless)
        after = sum(rule(q, c) != q.strip() for q in nameless for c in conversations)
        n = len(items)
        print(
            f"{name:28} follow-ups rewritten {rewritten}/{n}  hit@1 {first}/{n}  hit@4 {top4}/{n}"
            f"  answer {answered}/{n} | standalone rewritten: named {wrong}/{len(named)}, "
            f"nameless {lone}/{len(nameless)}, nameless after each conversation "
            f"{after}/{len(nameless) * len(conversations)} | rewrite p50 "
            f"{statistics.median(took):.2f} ms"
        )


if __name__ == "__main__":
    main()
