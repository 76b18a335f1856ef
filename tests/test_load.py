"""Load, small: 20 conversations at once against one shared Engine (as ``qa serve`` holds one).

Every answer under load must equal the answer the same conversation gets alone: same text,
same cited chunks and offsets, same refusal. A difference would be cross-talk between
conversations (another user's question, history or filters leaking in). The full-size run,
including the UI's ``ask`` endpoint, is benchmarks/load.py; this is its driver at a small size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE_DIR

from qa.engine import Engine

sys.path.insert(0, str(REPO / "benchmarks"))

from load import Case, python_call, run_load

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LUKASHENKO = "Since when has Lukashenko been president?"
CASES = [
    Case("What did Xi say about sanctions?"),
    Case(LUKASHENKO),
    Case("What did he say about the meeting?", (("user", LUKASHENKO), ("assistant", "1994."))),
    Case("How many homes lost power?"),
    Case("What did the finance minister say?", since="2023-02-01"),
    Case("What did the finance minister say?", until="2023-01-31"),
    Case("Why was the rocket launch delayed?"),
    Case("What did Xi say about Taiwan's elections?"),
]


@pytest.fixture
def loaded_engine(engine: Engine, news_dir: Path) -> Engine:
    engine.ingest([SAMPLE_DIR, news_dir])
    return engine


def test_twenty_conversations_at_once_get_exactly_their_own_answers(
    loaded_engine: Engine,
) -> None:
    call = python_call(loaded_engine)
    expected = {case: call(case) for case in CASES}
    # The cases really differ, so a leaked question or filter would show.
    assert len(set(expected.values())) == len(CASES)

    report = run_load(lambda _: call, CASES, clients=20, answers=60, expected=expected)

    print(report.line("load"))
    assert report.errors == []
    assert report.crosstalk == []
    assert report.answers == 60
    assert 0 < report.percentile(50) <= report.percentile(95)
