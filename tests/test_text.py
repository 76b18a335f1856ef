"""The lexical helpers every part shares (``qa.text``)."""

from __future__ import annotations

import random
import unicodedata

import pytest

from qa.text import content_terms, fold, stem, with_demonyms, words


class TestFold:
    def test_accents_go_whether_written_precomposed_or_decomposed(self) -> None:
        assert fold("Zoë Ångström") == "zoe angstrom"
        assert fold("Zoe\u0308 A\u030angstro\u0308m") == "zoe angstrom"

    def test_curly_quotes_are_straightened_and_compatibility_forms_spelled_out(self) -> None:
        assert fold("Xi’s ‘plan’ ﬁnal ①") == "xi's 'plan' final 1"
        assert words("Xi’s plan") == ["xi", "plan"]

    def test_other_characters_are_kept(self) -> None:
        assert fold("Доброе утро, 北京 — ok") == "доброе утро, 北京 — ok"

    def test_it_drops_exactly_the_combining_marks(self) -> None:
        """The definition, character by character, on random text from the whole range."""
        rng = random.Random(3)
        for _ in range(2000):
            text = "".join(chr(rng.randrange(0x30000)) for _ in range(rng.randrange(1, 24)))
            decomposed = unicodedata.normalize("NFKD", text)
            kept = "".join(c for c in decomposed if not unicodedata.combining(c))
            assert fold(text) == kept.replace("’", "'").replace("‘", "'").lower(), repr(text)


class TestStem:
    @pytest.mark.parametrize(
        "forms",
        [
            ("game", "games"),
            ("price", "prices", "priced"),
            ("restore", "restored", "restores", "restoring"),
            ("vote", "voted", "votes", "voting"),
            ("fire", "fires", "fired"),
            ("closure", "closures"),
            ("plan", "plans", "planned", "planning"),
            ("win", "wins", "winning"),
            ("study", "studies", "studied"),
        ],
    )
    def test_a_word_and_its_endings_share_one_stem(self, forms: tuple[str, ...]) -> None:
        assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}

    def test_different_words_stay_apart(self) -> None:
        assert stem("agree") != stem("agent")
        assert len({stem(w) for w in ("gas", "game", "gate", "use", "fir")}) == 5


def test_a_country_brings_its_demonym() -> None:
    assert with_demonyms({"cambridg", "england"}) == {"cambridg", "england", "english"}
    assert with_demonyms(set(content_terms("President of France"))) >= {"french"}
    assert with_demonyms({"english"}) == {"english"}  # the other way: the question's word
