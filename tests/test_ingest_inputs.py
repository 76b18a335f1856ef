"""Small ingest promises from issue 16 item 8: a run that skipped everything fails, size
messages show figures that differ, symbolic link loops are named skips, and a file name with a
newline cannot break the CLI's citation line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import write

from qa.articles import MAX_FILE_BYTES, Skipped, expand_paths, read_file
from qa.cli import format_answer
from qa.models import Answer, Citation


def run_qa(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
    env |= {"QA_DATA_DIR": str(data_dir), "QA_LLM": "extractive"}
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_ingest_exits_1_when_every_input_was_skipped(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.txt", "")
    done = run_qa("ingest", str(empty), str(tmp_path / "missing.txt"), data_dir=tmp_path / "d")
    assert done.returncode == 1
    assert "0 added, 0 updated, 0 unchanged, 2 skipped" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == (
        "error: every input was skipped, so nothing was ingested (reasons above)"
    )


def test_a_file_over_the_limit_says_both_sizes_exactly(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:  # sparse: no disk is used
        handle.truncate(MAX_FILE_BYTES + 1)
    [skipped] = list(read_file(path))
    assert isinstance(skipped, Skipped)
    assert skipped.reason.startswith(
        f"file is {MAX_FILE_BYTES + 1:,} bytes (50.0 MiB), over the {MAX_FILE_BYTES:,}-byte "
        "(50 MiB) limit"
    )


def test_a_file_name_that_is_not_utf8_is_a_named_skip_and_the_rest_is_ingested(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "news"
    write(folder / "good.txt", "date 2022-07-05 Harbor\n\nThe harbor reopened on Monday.")
    odd = folder / os.fsdecode(b"caf\xe9.txt")  # Latin-1 bytes, as copied from an old disk
    odd.write_bytes(b"date 2022-07-06 Cafe\n\nThe cafe opened on Tuesday.")
    done = run_qa("ingest", str(folder), data_dir=tmp_path / "d")
    assert done.returncode == 0, done.stderr
    assert "1 added, 0 updated, 0 unchanged, 1 skipped" in done.stdout
    assert "caf\ufffd.txt: the file name is not valid UTF-8: rename the file" in done.stderr


class TestSymbolicLinks:
    def test_links_that_loop_or_lead_nowhere_are_named_skips(self, tmp_path: Path) -> None:
        folder = tmp_path / "news"
        write(folder / "a.txt", "Title\n\nA sentence.")
        (folder / "sub").mkdir()
        (folder / "sub" / "up").symlink_to(folder)  # a folder that contains the link
        (folder / "self.txt").symlink_to(folder / "self.txt")  # a link to itself
        (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
        got = list(expand_paths([folder]))
        assert got[0] == folder / "a.txt"
        reasons = {Path(s.path).name: s.reason for s in got[1:] if isinstance(s, Skipped)}
        assert len(got) == 4 and set(reasons) == {"up", "self.txt", "gone.txt"}
        assert reasons["up"].startswith("symbolic link loop (it points to a folder that contains")
        assert reasons["self.txt"].startswith("symbolic link loop (the link leads back to itself")
        assert reasons["gone.txt"].startswith("broken symbolic link")

    def test_a_named_link_loop_says_so_instead_of_no_such_file(self, tmp_path: Path) -> None:
        link = tmp_path / "loop.txt"
        link.symlink_to(link)
        [skipped] = list(expand_paths([link]))
        assert isinstance(skipped, Skipped) and "symbolic link loop" in skipped.reason


@pytest.mark.parametrize("name", ["two\nlines.txt", "tab\there.txt", "cr\rhere.txt"])
def test_a_control_character_in_a_file_name_is_escaped_in_the_citation_line(name: str) -> None:
    citation = Citation(
        n=1,
        article_id="x",
        title="Title\nwith a break",
        date=date(2023, 3, 1),
        source=f"/data/{name}",
        chunk_id="x:0",
        quote="A sentence.",
        start=0,
        end=11,
    )
    text = format_answer(Answer(text="An answer [1].", citations=[citation]))
    lines = text.splitlines()
    assert len(lines) == 4  # answer, blank, citation line, quote
    escaped = name.encode("unicode_escape").decode()
    assert lines[2] == f"[1] Title\\nwith a break (2023-03-01) /data/{escaped}"
