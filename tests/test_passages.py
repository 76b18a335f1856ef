"""Clean sources: touching chunks of one article are one source, boilerplate and datelines are
never quoted, and an old story cited beside recent ones is marked stale.

The article texts are written for these tests (the development articles are copyrighted).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from conftest import HashingEmbedder, write

from qa.chunking import split_sentences
from qa.cli import format_answer
from qa.engine import Engine
from qa.models import Source, StoredChunk
from qa.passages import expand, is_boilerplate, merge, quotable_sentences
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.store import Store

DEPOT = "\n\n".join(
    [
        "date 2022-06-05 Depot fire kills dozens in Bangladesh",
        "Chittagong, Bangladesh (CNN) A fire at a container depot in southeastern Bangladesh has "
        "killed at least 49 people and injured hundreds, officials said on Sunday.",
        "Get CNN Health's weekly newsletter Sign up here to get the top stories every Tuesday.",
        "Firefighters battled the flames through the night as chemical containers exploded.",
        "The blaze broke out late on Saturday at a private depot in Sitakunda, about 40 "
        "kilometers from the port city.",
        "Several firefighters were among the dead, the fire service said.",
    ]
)
OLD = """date 2016-01-04 Depot safety questioned

Inspectors warned in 2016 that chemical containers at Bangladesh depots were stored unsafely.
"""


def chunk(article: str, text: str, start: int, index: int) -> StoredChunk:
    return StoredChunk(
        f"{article}:{index}", article, text, start, start + len(text), index, "T", None, "s", None
    )


class TestBoilerplate:
    def test_newsletter_and_credit_lines_are_boilerplate(self) -> None:
        for line in [
            "Get CNN Health's weekly newsletter Sign up here to get the top stories.",
            "Read More",
            "(You can get the daily briefing delivered to your inbox. Sign up here.)",
            "Photo by Jane Doe/Getty Images",
            "Follow our reporter Kelly Doe on Twitter: @kdoe.",
            "Support local journalism. Subscribe today.",
            "Hide Caption 7 of 12 Photos: England's Chloe Kelly scores the winning goal.",
            # Links to the site's other stories: a capitals label glued to a headline.
            "FORMULA SHORTAGE:5 things you can do to feed your baby during a shortage",
            "'YOUR ATTORNEYS MESSED UP':Jones confronted with texts from his phone",
            "JUST WATCHED Storms could impact holiday travel Replay More Videos ...",
            "MUST WATCH Why second quarter earnings test the streamer 02:03",
            "More:Eligible families to receive at least $95 more in food aid in January",
            "► More:Here's a map of the cases in the state",
            "Related: The city's budget in five charts",
            "MORE: Tourist injured after falling into a crater",
            "In pictures: Former Japanese Prime Minister Shinzo Abe",
            "Subscribe to the newsletter here or text messages to your phone.",
            "Support our reporters and become a digital subscriber to the Gazette.",
            "Please consider a subscription.",
            "Not a subscriber?",
        ]:
            assert is_boilerplate(line), line

    def test_news_sentences_are_not(self) -> None:
        for line in [
            "Several firefighters were among the dead, the fire service said.",
            "The photo showed the depot burning.",
            "Lawmakers signed up to the plan on Friday.",
            # A debate transcript's speaker, with a space after the colon, is the story.
            "BIDEN: I think we need to be candid with voters.",
            "UPDATE 5:45 p.m. The fire is contained.",
            # News about subscribers and subscriptions is the story.
            "The streamer said it lost 970,000 subscribers in the second quarter.",
            "Plans are available for $6.99 a month with a free trial for new subscribers.",
            "Analysts expect a cheaper subscription with advertising.",
            "More than 40 people were hurt, the police said.",
            "Watch out for scams, the attorney general said.",
        ]:
            assert not is_boilerplate(line), line

    def test_datelines_are_cut_off_the_quotable_sentence(self) -> None:
        text = "WASHINGTON (AP) — The Senate passed the bill. Read more: other stories."
        assert [s.of(text) for s in quotable_sentences(text)] == ["The Senate passed the bill."]

    def test_a_wire_dateline_with_the_day_of_the_month_is_cut_off(self) -> None:
        text = "SYDNEY, Aug 9 (Reuters) - The central bank raised rates."
        assert [s.of(text) for s in quotable_sentences(text)] == ["The central bank raised rates."]

    def test_a_markdown_heading_is_not_quoted(self) -> None:
        text = "# Council approves new budget\n\nThe council voted 7-2.\n\n## What comes next\n"
        assert [s.of(text) for s in quotable_sentences(text)] == ["The council voted 7-2."]


class TestMerge:
    def test_overlapping_chunks_of_one_article_become_one_passage(self) -> None:
        text = "One is here. Two is here. Three is here. Four is here."
        spans = split_sentences(text)
        first = chunk("a", text[spans[0].start : spans[2].end], 0, 0)
        second = chunk("a", text[spans[2].start : spans[3].end], spans[2].start, 1)
        merged = merge([first, second])
        assert merged.text == text
        assert (merged.start, merged.end, merged.id) == (0, len(text), "a:0")

    def test_touching_chunks_keep_every_offset(self) -> None:
        text = "One is here.\n\nTwo is here."
        first = chunk("a", "One is here.", 0, 0)
        second = chunk("a", "Two is here.", 14, 1)
        merged = merge([first, second])
        assert len(merged.text) == len(text)
        assert merged.text[14:] == "Two is here."

    def test_expand_merges_retrieved_chunks_and_keeps_other_articles_apart(self) -> None:
        a0, a1 = chunk("a", "A zero.", 0, 0), chunk("a", "A one.", 8, 1)
        b0 = chunk("b", "B zero.", 0, 0)
        sources = [Source(n=1, chunk=a1, score=0.9), Source(n=2, chunk=b0, score=0.8)]
        sources.append(Source(n=3, chunk=a0, score=0.7))
        merged = expand(sources, None, neighbours=1)
        assert [(s.n, s.chunk.article_id, s.chunk.text) for s in merged] == [
            (1, "a", "A zero.\nA one."),
            (2, "b", "B zero."),
        ]

    def test_the_best_articles_opening_is_read_after_the_retrieved_chunks(self) -> None:
        # The retrieved chunk is deep in the story; the date it begins is in its first lines.
        lead = chunk("a", "The US Open begins August 29 in New York.", 0, 0)
        second = chunk("a", "Williams won it six times.", 50, 1)
        deep = chunk("a", "Williams said she will evolve away from tennis.", 400, 8)
        other = chunk("b", "Other news.", 0, 5)

        class Chunks:
            def chunks(self, ids: list[str]) -> list[StoredChunk]:
                held = {c.id: c for c in (lead, second)}
                return [held[i] for i in ids if i in held]

        sources = [Source(n=1, chunk=deep, score=0.9), Source(n=2, chunk=other, score=0.5)]
        store = cast("Store", Chunks())
        read = expand(sources, store, neighbours=1, leads=1)
        assert [(s.n, s.chunk.article_id, s.chunk.index) for s in read] == [
            (1, "a", 8),
            (2, "b", 5),
            (3, "a", 0),
        ]
        assert read[2].chunk.text.startswith("The US Open begins August 29")
        assert "Williams won it six times." in read[2].chunk.text  # with its neighbour
        assert read[2].score == 0.5  # ranked after the retrieved chunks
        # Off, or without a store to read it from: only the retrieved chunks.
        assert len(expand(sources, store, neighbours=1, leads=0)) == 2
        assert len(expand(sources, None, neighbours=1, leads=1)) == 2

    def test_an_opening_already_retrieved_is_not_read_twice(self) -> None:
        a0, a1 = chunk("a", "A zero.", 0, 0), chunk("a", "A one.", 8, 1)
        sources = [Source(n=1, chunk=a1, score=0.9), Source(n=2, chunk=a0, score=0.7)]
        merged = expand(sources, None, neighbours=1, leads=1)
        assert [(s.n, s.chunk.text) for s in merged] == [(1, "A zero.\nA one.")]


class TestCleanAnswers:
    def engine(self, tmp_path: Path, *, size: int = 200) -> Engine:
        write(tmp_path / "news" / "depot.txt", DEPOT)
        write(tmp_path / "news" / "old.txt", OLD)
        settings = Settings(
            data_dir=tmp_path / "data",
            llm={"provider": "extractive"},
            chunking={"size": size},
            answer={"neighbours": 2},
        )
        engine = Engine(settings, embedder=HashingEmbedder())
        engine.ingest([tmp_path / "news"])
        return engine

    def test_one_article_is_one_source_and_its_neighbours_are_read(self, tmp_path: Path) -> None:
        engine = self.engine(tmp_path)
        assert engine.store.count_chunks() > 3  # the story is cut into several chunks
        answer = engine.ask(
            "Where in Bangladesh did a fire at a container depot kill at least 49 people?",
            as_of=date(2022, 6, 6),
        )
        depot = [p for p in answer.passages if "Sitakunda" in p.chunk.text]
        assert len(depot) == 1
        assert answer.short_answer == "Sitakunda"
        assert answer.text.startswith("Sitakunda [1]. The blaze broke out")
        assert answer.citations[0].quote.startswith("The blaze broke out")

    def test_a_newsletter_line_is_never_quoted(self, tmp_path: Path) -> None:
        engine = self.engine(tmp_path)
        for question in [
            "What is the weekly newsletter?",
            "How do I sign up to get the top stories every Tuesday?",
            "What did the fire service say about the newsletter?",
        ]:
            answer = engine.ask(question, as_of=date(2022, 6, 6))
            assert all("newsletter" not in c.quote for c in answer.citations), answer.text
            assert "Sign up" not in answer.text

    def test_a_source_years_older_than_the_others_is_marked_stale(self, tmp_path: Path) -> None:
        engine = self.engine(tmp_path)
        answer = engine.ask(
            "What did inspectors warn about chemical containers at Bangladesh depots?",
            k=10,
            as_of=date(2022, 6, 6),
        )
        assert any(c.date == date(2016, 1, 4) for c in answer.citations)
        for citation in answer.citations:
            assert citation.stale == (citation.date == date(2016, 1, 4))
        assert "(2016-01-04, years older than the other sources)" in format_answer(answer)
