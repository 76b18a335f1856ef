"""The ``qa`` command, run as a user would: a real process, real index, real encoder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARCHIVE_2022, LAST_WEEK_MAYOR, SAMPLE_DIR, write

pytestmark = pytest.mark.slow


def qa(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    full_env |= {"QA_DATA_DIR": str(data_dir), "QA_LLM": "extractive", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        check=False,
    )


def test_ingest_ask_json_and_stats(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bad = write(tmp_path / "bad" / "broken.jsonl", "{not json\n")
    ingested = qa("ingest", str(SAMPLE_DIR), str(bad), data_dir=data)
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout.strip() == "1 added, 0 updated, 0 unchanged, 1 skipped"
    assert "broken.jsonl (line 1): malformed JSON" in ingested.stderr

    again = qa("ingest", str(SAMPLE_DIR), data_dir=data)
    assert again.stdout.strip() == "0 added, 0 updated, 1 unchanged, 0 skipped"

    asked = qa("ask", "What did Xi say about sanctions?", "--json", data_dir=data)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["refused"] is False
    assert any("stop politicizing the global economy" in c["quote"] for c in answer["citations"])
    assert answer["citations"][0]["date"] == "2023-03-01"

    refused = json.loads(
        qa("ask", "What did Xi say about Taiwan's elections?", "--json", data_dir=data).stdout
    )
    assert refused["refused"] is True and refused["short_answer"] is None
    assert len(refused["citations"]) == 1  # the nearest sentence: what the articles do say

    stats = json.loads(qa("stats", "--json", data_dir=data).stdout)
    assert stats["articles"] == 1 and stats["chunks"] >= 3
    assert stats["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_plain_ask_prints_answer_and_sources(tmp_path: Path) -> None:
    data = tmp_path / "data"
    qa("ingest", str(SAMPLE_DIR), data_dir=data)
    shown = qa("ask", "Since when has Lukashenko been president?", data_dir=data)
    assert "1994" in shown.stdout
    assert "[1] Xi Jinping and Alexander Lukashenko" in shown.stdout
    assert "(2023-03-01)" in shown.stdout


def test_as_of_sets_the_day_last_week_counts_from(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name, text in ARCHIVE_2022.items():
        write(tmp_path / "archive" / name, text)
    assert qa("ingest", str(tmp_path / "archive"), data_dir=data).returncode == 0

    def first_title(as_of: str) -> str:
        # One passage: the one retrieval ranks first, which the date words decide.
        asked = qa("ask", LAST_WEEK_MAYOR, "--as-of", as_of, "--k", "1", "--json", data_dir=data)
        assert asked.returncode == 0, asked.stderr
        return str(json.loads(asked.stdout)["citations"][0]["title"])

    assert "Ottilie Hask" in first_title("2022-07-01")
    assert "Tobias Wrenfield" in first_title("2022-03-18")


def test_errors_are_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bad_date = qa("ask", "anything", "--since", "2023-13-01", data_dir=data)
    assert bad_date.returncode == 1
    assert bad_date.stderr.strip().splitlines() == [
        "error: since '2023-13-01' does not parse; write it as YYYY-MM-DD"
    ]
    for args, line in [
        (
            ["--k", "-5"],
            "error: k must be at least 1 (got -5); leave it out for the settings' default",
        ),
        (
            ["--since", "2023-05-01", "--until", "2023-01-01"],
            "error: since 2023-05-01 is after until 2023-01-01: no article can match",
        ),
    ]:
        impossible = qa("ask", "anything", *args, data_dir=data)
        assert impossible.returncode == 1
        assert impossible.stderr.strip().splitlines() == [line]  # not "No article matches"
    bad_setting = qa("stats", data_dir=data, env={"QA_RETRIEVAL_K": "many"})
    assert bad_setting.returncode == 1
    assert "Traceback" not in bad_setting.stderr
    assert "QA_" in bad_setting.stderr and len(bad_setting.stderr.strip().splitlines()) == 1


def test_a_reader_that_stops_reading_gets_no_error(tmp_path: Path) -> None:
    # "qa stats | head -1": the pipe closes before qa writes; nothing to report, nobody to tell.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    env |= {"QA_DATA_DIR": str(tmp_path / "data"), "QA_LLM": "extractive"}
    process = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "stats"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141
    assert errors == ""
