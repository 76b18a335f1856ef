"""Reading articles: every supported format, and every kind of bad input reported and skipped."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLE_ARTICLE, HashingEmbedder, write

from qa.articles import Skipped, read_articles
from qa.ingest import ingest
from qa.models import Article
from qa.settings import Settings


def read(*paths: Path | str) -> tuple[list[Article], list[Skipped]]:
    items = list(read_articles(paths))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Skipped)],
    )


class TestFormats:
    def test_sample_txt_header_gives_date_and_title(self) -> None:
        (article,), skipped = read(SAMPLE_ARTICLE)
        assert not skipped
        assert article.date == date(2023, 3, 1)
        assert article.title.startswith("Xi Jinping and Alexander Lukashenko call for a peace deal")
        assert article.text.startswith("Chinese President Xi Jinping")
        assert "date 2023" not in article.text
        assert article.source == str(SAMPLE_ARTICLE)

    def test_plain_txt_takes_title_from_first_line(self, tmp_path: Path) -> None:
        (article,), _ = read(write(tmp_path / "note.txt", "Harbour reopens\nBoats are back.\n"))
        assert article.title == "Harbour reopens"
        assert article.date is None
        assert "Boats are back." in article.text

    def test_txt_with_a_long_first_line_takes_title_from_file_name(self, tmp_path: Path) -> None:
        (article,), _ = read(write(tmp_path / "city-council_vote.txt", "word " * 80))
        assert article.title == "city council vote"

    def test_markdown_front_matter(self, tmp_path: Path) -> None:
        text = (
            "---\ntitle: Bridge opens\ndate: 2022-05-04\nurl: https://x.example/b\n---\n\n"
            "The bridge opened.\n"
        )
        (article,), _ = read(write(tmp_path / "b.md", text))
        assert (article.title, article.date, article.url) == (
            "Bridge opens",
            date(2022, 5, 4),
            "https://x.example/b",
        )
        assert article.text == "The bridge opened."

    def test_markdown_without_front_matter_uses_heading(self, tmp_path: Path) -> None:
        (article,), _ = read(write(tmp_path / "b.md", "# Mayor resigns\n\nThe mayor resigned.\n"))
        assert article.title == "Mayor resigns"
        assert article.date is None

    def test_html_main_text_title_and_meta_date(self, tmp_path: Path) -> None:
        body = " ".join(f"The council voted on the new tram line, sentence {i}." for i in range(8))
        html = (
            "<html><head><title>Tram line approved</title>"
            '<meta property="article:published_time" content="2021-09-14T08:00:00Z"></head>'
            f"<body><nav>Home | Sport</nav><article><h1>Tram line approved</h1><p>{body}</p>"
            "</article><footer>Cookie policy</footer></body></html>"
        )
        (article,), skipped = read(write(tmp_path / "t.html", html))
        assert not skipped
        assert article.title == "Tram line approved"
        assert article.date == date(2021, 9, 14)
        assert "The council voted on the new tram line" in article.text
        assert "Cookie policy" not in article.text

    def test_json_object_and_list(self, tmp_path: Path) -> None:
        one = write(tmp_path / "one.json", json.dumps({"title": "T", "text": "Body one."}))
        many = write(
            tmp_path / "many.json",
            json.dumps([{"text": "Body two.", "date": "2020-01-02"}, {"text": "Body three."}]),
        )
        articles, skipped = read(one, many)
        assert [a.text for a in articles] == ["Body one.", "Body two.", "Body three."]
        assert articles[1].date == date(2020, 1, 2)
        assert not skipped

    def test_jsonl_records_like_the_development_set(self, tmp_path: Path) -> None:
        record = {
            "id": "r1",
            "url": "https://n.example/1",
            "title": "Title",
            "date": "2022-07-01",
            "source": "n.example",
            "text": "Something happened.",
        }
        (article,), _ = read(write(tmp_path / "a.jsonl", json.dumps(record) + "\n"))
        assert (article.source, article.url, article.date) == (
            "n.example",
            "https://n.example/1",
            date(2022, 7, 1),
        )

    def test_records_may_use_the_field_names_of_scrapers_and_news_apis(
        self, tmp_path: Path
    ) -> None:
        scraped = {
            "headline": "Storm knocks out power",
            "body": "A storm knocked out power to 12,000 homes.",
            "published": True,  # a flag, not the date
            "published_at": "2024-03-04T10:00:00Z",
            "link": "https://n.example/storm",
        }
        api = {
            "source": {"id": "cnn", "name": "CNN"},
            "title": "Bridge reopens",
            "publishedAt": "2024-03-07T09:00:00Z",
            "content": "The bridge reopened on Thursday.",
        }
        lines = "".join(json.dumps(r) + "\n" for r in (scraped, api))
        (storm, bridge), skipped = read(write(tmp_path / "a.jsonl", lines))
        assert not skipped
        assert (storm.title, storm.date, storm.url, storm.text) == (
            "Storm knocks out power",
            date(2024, 3, 4),
            "https://n.example/storm",
            "A storm knocked out power to 12,000 homes.",
        )
        assert (bridge.title, bridge.source, bridge.date) == (
            "Bridge reopens",
            "CNN",
            date(2024, 3, 7),
        )

    def test_folder_is_read_recursively_and_hidden_files_are_passed_over(
        self, tmp_path: Path
    ) -> None:
        write(tmp_path / "in" / "deep" / "x.txt", "X\nText x.")
        write(tmp_path / "in" / ".hidden.txt", "H\nText h.")
        write(tmp_path / "in" / ".git" / "y.txt", "Y\nText y.")
        articles, skipped = read(tmp_path / "in")
        assert [a.title for a in articles] == ["X"]
        assert not skipped

    def test_glob(self, tmp_path: Path) -> None:
        write(tmp_path / "g" / "a.txt", "A\nText a.")
        write(tmp_path / "g" / "b.md", "B text.")
        articles, _ = read(str(tmp_path / "g" / "*.txt"))
        assert [a.title for a in articles] == ["A"]

    def test_a_file_named_twice_is_read_once(self, tmp_path: Path) -> None:
        write(tmp_path / "in" / "a.txt", "A\nText a.")
        write(tmp_path / "in" / "photo.png", b"not really")
        folder = tmp_path / "in"
        articles, skipped = read(folder, folder, folder / "a.txt")
        assert [a.title for a in articles] == ["A"]
        assert [Path(s.path).name for s in skipped] == ["photo.png"]

    def test_utf16_text_as_windows_saves_it_is_read(self, tmp_path: Path) -> None:
        path = write(tmp_path / "notepad.txt", "Café news\nThe café reopened.".encode("utf-16"))
        (article,), _ = read(path)
        assert article.title == "Café news" and "reopened" in article.text
        bom_only = write(tmp_path / "bom.jsonl", b"\xfe\xff")
        _, (skipped,) = read(bom_only)
        assert skipped.reason == "the file is empty"


class TestIds:
    def test_id_is_stable_and_independent_of_content(self, tmp_path: Path) -> None:
        path = write(tmp_path / "a.txt", "A\nFirst version.")
        (first,), _ = read(path)
        write(path, "A\nSecond version.")
        (second,), _ = read(path)
        assert first.id == second.id
        assert first.content_hash != second.content_hash

    def test_explicit_id_wins_over_url(self, tmp_path: Path) -> None:
        path = write(tmp_path / "a.jsonl", json.dumps({"id": "x", "url": "u", "text": "T."}))
        (a,), _ = read(path)
        path2 = write(tmp_path / "b.jsonl", json.dumps({"id": "x", "url": "v", "text": "T."}))
        (b,), _ = read(path2)
        assert a.id == b.id


class TestBadInput:
    def test_each_bad_file_is_reported_by_name_with_reason_and_the_rest_goes_on(
        self, tmp_path: Path
    ) -> None:
        folder = tmp_path / "mixed"
        write(folder / "good.txt", "Good\nA good article.")
        write(folder / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
        write(folder / "empty.md", "   \n")
        write(folder / "latin1.txt", "Caf\xe9 news".encode("latin-1"))
        write(folder / "baddate.txt", "date 2023-02-30 Impossible day\nBody.")
        write(folder / "photo.png", b"not really")
        articles, skipped = read(folder)
        assert [a.title for a in articles] == ["Good"]
        reasons = {Path(s.path).name: s.reason for s in skipped}
        assert "binary" in reasons["binary.txt"]
        assert "empty" in reasons["empty.md"]
        assert "UTF-8" in reasons["latin1.txt"]
        assert "2023-02-30" in reasons["baddate.txt"]
        assert "unsupported" in reasons["photo.png"]

    def test_malformed_json_line_is_skipped_with_its_line_number(self, tmp_path: Path) -> None:
        path = write(tmp_path / "a.jsonl", '{"text": "One."}\n{"text": oops}\n{"text": "Three."}\n')
        articles, skipped = read(path)
        assert [a.text for a in articles] == ["One.", "Three."]
        (bad,) = skipped
        assert bad.record == "line 2" and "malformed JSON" in bad.reason
        assert "a.jsonl (line 2)" in str(bad)
        cut = write(tmp_path / "b.jsonl", '{"title": "broken\n')
        _, (unterminated,) = read(cut)
        assert unterminated.reason == (
            "malformed JSON (Unterminated string starting at column 11)"
        ), "said once, not 'at at'"

    def test_record_without_text_or_with_bad_date(self, tmp_path: Path) -> None:
        path = write(tmp_path / "a.jsonl", '{"title": "no text"}\n{"text": "T.", "date": "soon"}\n')
        articles, skipped = read(path)
        assert not articles
        assert "no 'text'" in skipped[0].reason and "'body'" in skipped[0].reason
        assert "'soon'" in skipped[1].reason

    def test_invalid_json_file(self, tmp_path: Path) -> None:
        _, (bad,) = read(write(tmp_path / "a.json", "{nope"))
        assert "invalid JSON" in bad.reason

    def test_missing_path_and_empty_glob(self, tmp_path: Path) -> None:
        _, skipped = read(tmp_path / "nothing-here", str(tmp_path / "*.none"))
        assert [s.reason for s in skipped] == [
            "no such file or folder",
            "the pattern matches no files",
        ]


def nested_json(depth: int) -> str:
    """Lists and objects alternating ``depth`` levels deep, around a real-looking record."""
    text = json.dumps({"text": "Buried article."})
    for level in range(depth):
        text = f"[{text}]" if level % 2 else f'{{"x": {text}}}'
    return text


class TestHostileFiles:
    """A file built to break a parser is skipped by name, with the reason; nothing else stops."""

    @pytest.mark.parametrize("depth", [1_000, 100_000])
    @pytest.mark.parametrize("suffix", [".json", ".jsonl"])
    def test_deeply_nested_json_is_skipped_and_the_good_files_beside_it_are_ingested(
        self,
        tmp_path: Path,
        settings: Settings,
        hashing_embedder: HashingEmbedder,
        depth: int,
        suffix: str,
    ) -> None:
        folder = tmp_path / "in"
        good = write(folder / "good.txt", "date 2023-01-01 Fine\n\nA fine article.\n")
        lines = write(folder / "lines.jsonl", '{"text": "One."}\n{"text": "Two."}\n')
        bad = write(folder / f"deep{suffix}", nested_json(depth))

        report = ingest([folder], settings=settings, embedder=hashing_embedder)

        assert report.file_outcome(good) == "1 added"
        assert report.file_outcome(lines) == "2 added"
        (skip,) = report.skipped
        assert skip.path == str(bad)
        assert "nested more than 64 levels deep" in skip.reason
        assert str(bad) in str(skip)

    def test_a_deep_line_in_json_lines_skips_only_that_line(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "a.jsonl",
            '{"text": "One."}\n' + nested_json(5_000) + '\n{"text": "Three."}\n',
        )
        articles, (bad,) = read(path)
        assert [a.text for a in articles] == ["One.", "Three."]
        assert bad.record == "line 2" and "nested" in bad.reason

    def test_json_a_few_levels_deep_is_still_read(self, tmp_path: Path) -> None:
        record = {
            "text": "Body.",
            "meta": {"authors": [{"name": "A", "tags": [[1, 2], {"k": []}]}]},
        }
        (article,), skipped = read(write(tmp_path / "a.json", json.dumps([record])))
        assert not skipped and article.text == "Body."

    def test_brackets_inside_strings_are_text_not_nesting(self, tmp_path: Path) -> None:
        text = "[" * 5_000 + " quoted {brackets} " + "]" * 10
        (article,), skipped = read(write(tmp_path / "a.json", json.dumps({"text": text})))
        assert not skipped and article.text == text.strip()

    def test_html_deeper_than_the_parser_keeps_is_skipped_not_read_in_part(
        self, tmp_path: Path
    ) -> None:
        body = "The council voted on the tram line. " * 10
        html = "<html><body>" + "<div>" * 10_000 + f"<p>{body}</p>" + "</div>" * 10_000
        _, (bad,) = read(write(tmp_path / "deep.html", html + "</body></html>"))
        assert "HTML nested more than 256 levels deep" in bad.reason

    @pytest.mark.parametrize(
        ("record", "reason"),
        [
            ({"text": "T.", "title": ["a", "list"]}, "'title' must be text, not list"),
            ({"text": "T.", "url": {"href": "x"}}, "'url' must be text, not dict"),
            ({"text": "T.", "id": [1]}, "'id' must be text, not list"),
            ({"text": "T.", "date": "1 " * 5_000}, "is not a date"),
            ({"text": "T.", "date": [[[1]]]}, "is not a date"),
        ],
    )
    def test_a_field_of_the_wrong_kind_skips_its_record_by_name(
        self, tmp_path: Path, record: dict[str, object], reason: str
    ) -> None:
        path = write(tmp_path / "a.jsonl", json.dumps(record) + '\n{"text": "Fine."}\n')
        articles, (bad,) = read(path)
        assert [a.text for a in articles] == ["Fine."]
        assert bad.record == "line 1" and reason in bad.reason
        assert len(bad.reason) < 300  # the value is quoted, not dumped whole

    def test_a_number_past_pythons_digit_limit_skips_the_record(self, tmp_path: Path) -> None:
        path = write(tmp_path / "a.jsonl", '{"text": "T.", "n": ' + "9" * 5_000 + "}\n")
        _, (bad,) = read(path)
        assert "invalid JSON" in bad.reason and "set_int_max_str_digits" not in bad.reason

    def test_a_lone_surrogate_escape_is_replaced_so_the_article_can_be_stored(
        self, tmp_path: Path
    ) -> None:
        path = write(tmp_path / "a.json", '{"text": "Half \\ud800 a pair.", "title": "T \\udfff"}')
        (article,), _ = read(path)
        assert article.text == "Half \ufffd a pair." and article.title == "T \ufffd"
        assert article.content_hash  # encodes as UTF-8

    def test_a_yaml_alias_bomb_title_is_refused_without_expanding_it(self, tmp_path: Path) -> None:
        levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
            f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
            for prev, name in itertools.pairwise("abcdefgh")
        ]
        front = "\n".join(levels) + "\ntitle: [" + ", ".join(["*h"] * 9) + "]"
        _, (bad,) = read(write(tmp_path / "bomb.md", f"---\n{front}\n---\nBody.\n"))
        assert "'title' must be text, not list" in bad.reason and len(bad.reason) < 300

    def test_a_heading_line_of_endless_spaces_is_read_in_linear_time(self, tmp_path: Path) -> None:
        # The old heading pattern backtracked cubically here (minutes for this line).
        (article,), _ = read(write(tmp_path / "a.md", "# Big" + " " * 20_000 + "news\n\nBody.\n"))
        assert article.title == "Big news"

    def test_any_reader_crash_becomes_a_named_skip_and_the_next_file_is_read(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A crash nobody foresaw cannot be provoked on purpose, so the HTML parser is made to fail.
        import trafilatura

        def crash(*_: object, **__: object) -> None:
            raise RecursionError("maximum recursion depth exceeded")

        monkeypatch.setattr(trafilatura, "bare_extraction", crash)
        folder = tmp_path / "in"
        bad = write(folder / "a.html", "<html><body><p>Text.</p></body></html>")
        write(folder / "b.txt", "Good\nA good article.")
        articles, (skip,) = read(folder)
        assert [a.title for a in articles] == ["Good"]
        assert skip.path == str(bad) and skip.reason.startswith("nested too deeply to read")
