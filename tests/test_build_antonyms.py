"""scripts/build_antonyms.py reads WordNet's database format into the antonym list the support
check ships (qa/data/antonyms.txt)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))

from build_antonyms import main, read_antonyms

LICENCE_LINE = "  1 This software and database is being provided to you, the LICENSEE, by  \n"
ADJECTIVES = (
    LICENCE_LINE
    + "00001740 00 a 01 able 0 001 ! 00002098 a 0101 | having the means to do something  \n"
    + "00002098 00 a 01 unable 0 001 ! 00001740 a 0101 | lacking the means  \n"
    + "00003000 00 a 02 present(p) 0 at_hand 0 002 ! 00003100 a 0101 ! 00003100 a 0201 | here  \n"
    + "00003100 00 a 02 absent(p) 0 gone 0 000 | not here  \n"
    + "00004000 00 a 01 more 0 001 ! 00004100 a 0101 | greater in number  \n"
    + "00004100 00 a 01 less 0 000 | smaller in number  \n"
    + "00005000 00 r 01 on 0 001 ! 00005100 r 0101 | in operation  \n"
    + "00005100 00 r 01 off 0 000 | not in operation  \n"
)


def wordnet(tmp_path: Path) -> Path:
    for pos in ("noun", "verb", "adv"):
        (tmp_path / f"data.{pos}").write_text(LICENCE_LINE, encoding="utf-8")
    (tmp_path / "data.adj").write_text(ADJECTIVES, encoding="utf-8")
    return tmp_path


def test_antonym_pointers_become_word_pairs_without_markers(tmp_path: Path) -> None:
    # 'at_hand' is no single word; 'more' is a stopword; 'on'/'off' are particles.
    assert read_antonyms(wordnet(tmp_path)) == {("able", "unable"), ("absent", "present")}


def test_the_list_is_written_once_per_pair_after_its_licence_header(tmp_path: Path) -> None:
    out = tmp_path / "antonyms.txt"
    main([str(wordnet(tmp_path)), "--out", str(out)])
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("#")] == [
        "able unable",
        "absent present",
    ]
    assert any("Princeton University" in line for line in lines)


def test_the_shipped_list_is_sorted_and_licensed() -> None:
    folder = REPO / "qa" / "data"
    pairs = [
        tuple(line.split())
        for line in (folder / "antonyms.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(pairs) > 2000 and pairs == sorted(set(pairs))
    assert all(a < b for a, b in pairs)
    assert "Princeton" in (folder / "WORDNET_LICENSE").read_text(encoding="utf-8")
