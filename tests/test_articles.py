"""Reading articles: every supported format, and every kind of bad input reported and skipped."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import SAMPLE_ARTICLE, write

from qa.articles import Article, Skipped, read_articles


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

    def test_record_without_text_or_with_bad_date(self, tmp_path: Path) -> None:
        path = write(tmp_path / "a.jsonl", '{"title": "no text"}\n{"text": "T.", "date": "soon"}\n')
        articles, skipped = read(path)
        assert not articles
        assert "no 'text'" in skipped[0].reason
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
