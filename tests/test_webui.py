"""The chat UI's behaviour without a browser: rendering, conversations, uploads, server options.

The browser and the running server are covered by tests/test_ui.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from conftest import SAMPLE_DIR, HashingEmbedder, with_test_model, write

from qa.engine import Engine
from qa.errors import friendly
from qa.models import Answer, Citation, Query
from qa.settings import Settings
from qa.webapp import (
    DEFAULT_PORT,
    exposure_warning,
    mount_kwargs,
    parse_auth,
    server_options,
)
from qa.webui import (
    API_FIELDS,
    Asked,
    ChatUI,
    Conversation,
    Inbox,
    Taken,
    answerer_label,
    check_upload,
    date_problems,
    display_source,
    distinct_labels,
    example_questions,
    preset_range,
    quote_in_context,
    render_answer,
    render_draft,
    render_question,
    render_sources,
    safe_filename,
    stage_uploads,
)

PRESIDENT_Q = "Since when has Lukashenko been president?"
ARTICLE = (
    "Officials met on Monday.\n\n"
    "The minister said taxes will not rise. She spoke for an hour about the budget.\n\n"
    "Critics disagreed."
)


def citation(
    n: int = 1, *, quote: str = "The minister said taxes will not rise.", **extra: object
) -> Citation:
    start = ARTICLE.find(quote)
    fields: dict[str, object] = {
        "n": n,
        "article_id": "a1",
        "title": "Budget passes",
        "date": date(2023, 2, 20),
        "source": "/data/news/b.txt",
        "url": None,
        "chunk_id": "a1:0",
        "quote": quote,
        "start": start,
        "end": start + len(quote),
    }
    fields.update(extra)
    return Citation.model_validate(fields)


def answer(text: str, citations: list[Citation], **extra: object) -> Answer:
    return Answer.model_validate({"text": text, "citations": citations, **extra})


def ids_and_links(page: str) -> tuple[set[str], set[str]]:
    ids = set(re.findall(r'id="([^"]+)"', page))
    links = set(re.findall(r'href="#([^"]+)"', page))
    return ids, links


class TestRenderAnswer:
    def test_every_marker_links_to_its_quote_in_the_sources(self) -> None:
        cited = [citation(1), citation(2, quote="Critics disagreed.")]
        page = render_answer(
            answer("Taxes stay [1]. Critics disagree [2].", cited),
            turn=3,
            article_text=lambda _id: ARTICLE,
        )
        ids, links = ids_and_links(page)
        assert links == {"qa-t3-c1", "qa-t3-c2"}
        assert links <= ids
        assert ">[1]</a>" in page and ">[2]</a>" in page

    def test_sources_are_one_card_per_article_with_title_date_and_site(self) -> None:
        cited = [citation(1), citation(2, quote="Critics disagreed.")]
        page = render_sources(cited, turn=1, article_text=lambda _id: ARTICLE)
        assert page.count('data-testid="source-card"') == 1
        assert "Budget passes" in page
        assert "2023-02-20" in page
        assert "b.txt" in page
        assert "Sources (1 article)" in page

    def test_a_card_shows_the_quote_and_keeps_its_paragraph_behind_show_context(self) -> None:
        page = render_sources([citation(1)], turn=1, article_text=lambda _id: ARTICLE)
        quote, context = page.split("<details", 1)
        assert "<mark>The minister said taxes will not rise.</mark>" in quote
        assert "She spoke for an hour" not in quote
        assert "<summary>show context</summary>" in context
        highlighted = "<mark>The minister said taxes will not rise.</mark> She spoke for an hour"
        assert highlighted in context

    def test_the_site_is_the_urls_host(self) -> None:
        page = render_sources([citation(1, url="https://www.news.example/b")], turn=1)
        assert '<span class="qa-site" title="/data/news/b.txt">news.example</span>' in page

    def test_an_article_years_older_than_the_others_gets_a_badge(self) -> None:
        old = citation(2, article_id="a0", date=date(2019, 1, 5), quote="Critics disagreed.")
        page = render_sources([citation(1), old], turn=1)
        assert page.count("qa-badge") == 1
        assert "4 years older" in page
        assert "qa-badge" not in render_sources([citation(1)], turn=1)

    def test_a_marker_stays_on_the_line_of_the_word_before_it(self) -> None:
        page = render_answer(answer("Taxes will not rise [1].", [citation(1)]), turn=1)
        assert '<span class="qa-nobr">rise<sup><a class="qa-cite"' in page
        assert "Taxes will not <span" in page

    def test_markers_joined_by_commas_become_separate_links(self) -> None:
        cited = [citation(1), citation(2, quote="Critics disagreed.")]
        page = render_answer(answer("Both [1, 2].", cited), turn=1)
        assert 'href="#qa-t1-c1"' in page and 'href="#qa-t1-c2"' in page

    def test_a_marker_without_a_citation_is_plain_text_not_a_dead_link(self) -> None:
        page = render_answer(answer("Claim [1]. Other [7].", [citation(1)]), turn=1)
        assert "[7]" in page
        assert 'href="#qa-t1-c7"' not in page

    def test_a_refusal_is_drawn_as_a_notice_without_sources(self) -> None:
        page = render_answer(
            answer("The articles do not contain the answer.", [], refused=True), turn=1
        )
        assert "qa-refusal" in page
        assert "No answer in the articles" in page
        assert "qa-sources" not in page

    def test_a_refusal_shows_the_passage_it_cites_as_the_nearest_source(self) -> None:
        refusal = answer(
            "The articles do not say who proposed the budget. The nearest the articles come: "
            "The minister said taxes will not rise [1].",
            [citation(1)],
            refused=True,
        )
        page = render_answer(refusal, turn=2)
        notice, _, rest = page.partition('<div class="qa-sources qa-nearest">')
        assert "No answer in the articles" in notice and "qa-refusal" in notice
        assert 'href="#qa-t2-c1"' in notice  # the marker links to its quote
        assert rest.startswith('<div class="qa-sources-label">Nearest source</div>')
        assert 'id="qa-t2-c1"' in rest and "taxes will not rise" in rest
        assert "Sources (" not in page and "qa-short" not in page

    def test_a_caveat_is_shown_with_the_answer(self) -> None:
        page = render_answer(
            answer("Taxes stay [1].", [citation(1)], warning="1 sentence is not supported"),
            turn=1,
        )
        assert "1 sentence is not supported" in page

    def test_article_text_title_and_source_are_escaped(self) -> None:
        evil = "<script>alert(1)</script>"
        article = f"{evil} said taxes will not rise.\n{evil}"
        quote = f"{evil} said taxes will not rise."
        cited = Citation(
            n=1,
            article_id="x",
            title=f"<img src=x onerror=alert(1)>{evil}",
            date=None,
            source=f'/tmp/"{evil}.txt',
            url="javascript:alert(1)",
            chunk_id="x:0",
            quote=quote,
            start=0,
            end=len(quote),
        )
        page = render_answer(answer(f"{evil} [1]", [cited]), turn=1, article_text=lambda _: article)
        assert "<script" not in page
        assert "<img" not in page
        assert "javascript:" not in page
        assert "&lt;script&gt;" in page

    def test_only_http_urls_become_links(self) -> None:
        page = render_sources([citation(1, url="https://news.example/b")], turn=1)
        assert 'href="https://news.example/b"' in page
        assert 'rel="noopener noreferrer"' in page

    def test_a_question_is_shown_as_typed(self) -> None:
        assert render_question("<b>bold?</b>") == (
            '<div class="qa-question">&lt;b&gt;bold?&lt;/b&gt;</div>'
        )

    def test_streamed_draft_hides_passage_numbers_until_the_answer_is_verified(self) -> None:
        page = render_draft("Taxes stay. [3] Critics disagree. [1]")
        assert "[3]" not in page and "[1]" not in page
        assert "Taxes stay." in page
        assert render_draft("Taxes stay [1") == render_draft("Taxes stay")  # half a marker

    def test_a_rewritten_follow_up_says_how_it_was_understood(self) -> None:
        rewritten = answer("Taxes stay [1].", [citation(1)], question="Will taxes rise in 2023?")
        page = render_answer(rewritten, turn=2, asked="And taxes?")
        assert "understood as: Will taxes rise in 2023?" in page
        same = answer("Taxes stay [1].", [citation(1)], question="And taxes?")
        assert "understood as" not in render_answer(same, turn=2, asked="And taxes?")
        # A line break typed with Shift+Enter is no rewrite.
        typed = answer("Taxes stay [1].", [citation(1)], question="Will taxes rise in 2023?")
        page = render_answer(typed, turn=1, asked="Will taxes rise\nin 2023?")
        assert "understood as" not in page


class TestExampleQuestions:
    def test_they_ask_about_the_names_headlines_mention_most(self) -> None:
        titles = [
            "Xi Jinping meets Ottilie Hask | The Week UK",
            "Ottilie Hask's budget passes - CNN",
            "Ten Things You Need to Know Today: 6 July 2022 | The Week UK",
            "What the papers say about the budget | The Week UK",
        ]
        # Not the site's name, a Title-Case headline's words, nor a possessive's "'s".
        assert example_questions(titles) == [
            "What do the articles say about Ottilie Hask?",
            "What do the articles say about Xi Jinping?",
        ]


class TestQuoteInContext:
    def test_a_one_sentence_paragraph_brings_its_neighbours(self) -> None:
        before, quote, after = quote_in_context(ARTICLE, citation(1, quote="Critics disagreed."))
        assert quote == "Critics disagreed."
        assert "She spoke for an hour about the budget." in before
        assert after == ""

    def test_a_long_paragraph_is_trimmed_at_a_word(self) -> None:
        body = "word " * 300
        article = f"{body}The quote is here. {body}"
        start = article.index("The quote")
        cited = citation(1, quote="The quote is here.", start=start, end=start + 18)
        before, _, after = quote_in_context(article, cited, context=50)
        assert before.startswith("…") and len(before) <= 51
        assert after.endswith("…") and len(after) <= 51
        assert "wor…" not in after  # never cut inside a word

    def test_a_changed_article_shows_the_quote_alone(self) -> None:
        assert quote_in_context("Something else entirely.", citation(1)) == (
            "",
            "The minister said taxes will not rise.",
            "",
        )
        assert quote_in_context(None, citation(1))[0] == ""


class TestDisplaySource:
    @pytest.mark.parametrize(
        ("source", "label"),
        [
            ("/home/ann/news/b.txt", "b.txt"),
            ("C:\\news\\b.txt", "b.txt"),
            ("www.cnn.com", "www.cnn.com"),
            ("https://space.example/c1", "https://space.example/c1"),
        ],
    )
    def test_paths_show_their_file_name(self, source: str, label: str) -> None:
        assert display_source(source) == label

    def test_sources_that_share_a_file_name_get_labels_that_differ(self) -> None:
        sources = ["/srv/a/news.txt", "/srv/b/news.txt", "news.txt", "https://x.example/news.txt"]
        assert distinct_labels(sources) == [
            "a/news.txt",
            "b/news.txt",
            "news.txt",  # an upload, shown by its name
            "https://x.example/news.txt",
        ]


class TestUploads:
    @pytest.mark.parametrize(
        ("name", "safe"),
        [
            ("../../etc/passwd.txt", "passwd.txt"),
            ("..\\..\\windows\\evil.md", "evil.md"),
            ("/abs/path/a.json", "a.json"),
            ("新闻.txt", "新闻.txt"),
            ("Новости.md", "Новости.md"),
        ],
    )
    def test_names_cannot_leave_the_upload_folder(self, name: str, safe: str) -> None:
        assert safe_filename(name) == safe
        assert "/" not in safe_filename(name) and "\\" not in safe_filename(name)

    @pytest.mark.parametrize(
        ("name", "looks_like"),
        [
            ("..", "upload-"),
            (".hidden.txt", "hidden-"),
            ("Xi speech (2).txt", "Xi-speech-2-"),
            ("<script>.txt", "script-"),
            ("😀.md", "upload-"),
        ],
    )
    def test_a_name_that_had_to_change_is_marked_by_what_it_was(
        self, name: str, looks_like: str
    ) -> None:
        # Two names that clean alike stay two files; the same name again is the same file.
        safe = safe_filename(name)
        assert safe.startswith(looks_like) and safe.endswith(PurePosixPath(name).suffix)
        assert safe_filename(name) == safe
        assert safe_filename("news (1).txt") != safe_filename("news [1].txt")
        assert safe_filename(safe) == safe, "a cleaned name is clean"

    def test_a_very_long_name_keeps_its_extension(self) -> None:
        name = safe_filename("a" * 500 + ".jsonl")
        assert len(name) <= 120 and name.endswith(".jsonl")

    def test_only_article_formats_within_the_size_limit_are_accepted(self) -> None:
        assert check_upload("a.txt", 10, max_bytes=100) is None
        assert check_upload("A.JSONL", 10, max_bytes=100) is None
        problem = check_upload("report.pdf", 10, max_bytes=100)
        assert problem is not None and ".pdf is not an article format" in problem
        too_big = check_upload("a.txt", 3 * 2**20, max_bytes=2**20)
        assert too_big is not None and "over the 1,048,576-byte (1 MB) upload limit" in too_big
        just_over = check_upload("a.txt", 21_000_000, max_bytes=20 * 2**20)
        assert just_over is not None and just_over.startswith("rejected: 21,000,000 bytes is over")
        assert check_upload("a.txt", 0, max_bytes=100) == "rejected: the file is empty"

    def test_staging_copies_good_files_into_the_folder_and_reports_bad_ones(
        self, tmp_path: Path
    ) -> None:
        incoming = tmp_path / "gradio-cache"
        good = write(incoming / "one" / "story.txt", "Title\n\nBody text.")
        same_name = write(incoming / "two" / "story.txt", "Other\n\nMore text.")
        bad = write(incoming / "three" / "report.pdf", b"%PDF-1.4")
        folder = tmp_path / "data" / "uploads"
        accepted, rejected = stage_uploads([good, same_name, bad], folder, max_bytes=2**20)
        assert [name for name, _ in accepted] == ["story.txt", "story.txt"]
        copies = [path for _, path in accepted]
        assert [p.name for p in copies] == ["story.txt", "story-2.txt"]
        assert all(p.parent == folder.resolve() for p in copies)
        assert copies[1].read_text() == "Other\n\nMore text."
        assert rejected == [("report.pdf", rejected[0][1])]
        assert sorted(p.name for p in folder.iterdir()) == ["story-2.txt", "story.txt"]

    def test_uploads_in_two_batches_replace_only_a_file_of_the_same_name(
        self, tmp_path: Path
    ) -> None:
        folder = tmp_path / "uploads"
        first = write(tmp_path / "a" / "news (1).txt", "Harbor\n\nThe harbor reopened.")
        other = write(tmp_path / "b" / "news [1].txt", "Garden\n\nThe garden opened.")
        again = write(tmp_path / "c" / "news (1).txt", "Harbor\n\nThe harbor reopened today.")
        (_, harbor), *_ = stage_uploads([first], folder, max_bytes=2**20)[0]
        (_, garden), *_ = stage_uploads([other], folder, max_bytes=2**20)[0]
        assert harbor != garden and harbor.read_text().startswith("Harbor")
        (_, updated), *_ = stage_uploads([again], folder, max_bytes=2**20)[0]
        assert updated == harbor and updated.read_text().endswith("today.")
        assert len([f for f in folder.iterdir() if not f.name.startswith(".")]) == 2


class TestServerOptions:
    def test_defaults_are_local_only_on_7860_without_login(self, settings: Settings) -> None:
        options = server_options(settings, environ={})
        assert (options.host, options.port, options.auth) == ("127.0.0.1", DEFAULT_PORT, None)
        kwargs = mount_kwargs(options)
        assert kwargs["server_name"] == "127.0.0.1"
        assert kwargs["enable_monitoring"] is False
        assert kwargs["mcp_server"] is False
        assert kwargs["max_file_size"] == 20 * 1024 * 1024
        assert "auth" not in kwargs

    def test_environment_sets_host_port_login_and_upload_limit(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("QA_UI_HOST", "0.0.0.0")
        monkeypatch.setenv("QA_UI_AUTH", "ann:pa:ss")
        monkeypatch.setenv("QA_UI_MAX_UPLOAD_MB", "2")
        options = server_options(Settings(), environ={"GRADIO_SERVER_PORT": "8123"})
        assert (options.host, options.port, options.auth) == ("0.0.0.0", 8123, ("ann", "pa:ss"))
        kwargs = mount_kwargs(options)
        assert kwargs["auth"] == ("ann", "pa:ss")
        assert kwargs["max_file_size"] == 2 * 1024 * 1024

    def test_explicit_arguments_win_over_the_environment(self, settings: Settings) -> None:
        options = server_options(
            settings, host="127.0.0.2", port=9000, environ={"GRADIO_SERVER_PORT": "8123"}
        )
        assert (options.host, options.port) == ("127.0.0.2", 9000)

    def test_listening_beyond_this_machine_without_a_login_warns(self, settings: Settings) -> None:
        local = server_options(settings, environ={})
        exposed = server_options(settings, host="0.0.0.0", environ={})
        assert exposure_warning(local) is None
        warning = exposure_warning(exposed)
        assert warning is not None and "QA_UI_AUTH" in warning
        assert exposure_warning(replace(exposed, auth=("ann", "pw"))) is None

    @pytest.mark.parametrize("value", ["ann", ":pw", "ann:", " : "])
    def test_a_malformed_login_is_refused_with_the_expected_form(self, value: str) -> None:
        with pytest.raises(ValueError, match="user:password"):
            parse_auth(value)

    def test_a_bad_port_names_the_variable(self, settings: Settings) -> None:
        with pytest.raises(ValueError, match="GRADIO_SERVER_PORT"):
            server_options(settings, environ={"GRADIO_SERVER_PORT": "http"})


QUILLHAVEN = (
    "date 2024-05-02 Quillhaven elects Ottoline Verbrugge as mayor\n\n"
    "The harbour town of Quillhaven elected Ottoline Verbrugge as its mayor on Thursday.\n"
)


XI_QUESTION = "What did Xi say about sanctions?"


@pytest.fixture
def ui(settings: Settings, hashing_embedder: HashingEmbedder) -> ChatUI:
    """The handlers over a fast engine with the sample article."""
    engine = Engine(settings, embedder=hashing_embedder)
    engine.ingest([SAMPLE_DIR])
    return ChatUI.for_engine(engine)


class TestChatUI:
    def test_an_answer_streams_then_settles_with_its_sources(self, ui: ChatUI) -> None:
        updates = list(ui.respond("What did Xi say about sanctions?", Conversation()))
        assert len(updates) >= 3  # pending, at least one draft delta, final
        assert "qa-pending" in updates[0][1][-1]["content"]
        assert any("qa-streaming" in u[1][-1]["content"] for u in updates)
        box, bubbles, conversation = updates[-1]
        assert box == ""
        assert [b["role"] for b in bubbles] == ["user", "assistant"]
        assert 'href="#qa-t1-c1"' in bubbles[-1]["content"]
        assert "<mark>" in bubbles[-1]["content"]
        assert conversation.answers == 1
        assert conversation.messages()[0] == {
            "role": "user",
            "content": "What did Xi say about sanctions?",
        }
        assert "<" not in conversation.messages()[1]["content"]  # the engine sees plain text

    def test_a_follow_up_sends_the_conversation_so_far(self, ui: ChatUI) -> None:
        seen: list[list[dict[str, str]]] = []
        stream = ui.engine.stream

        def recording_stream(query: Query) -> object:
            seen.append([m.model_dump() for m in query.history])
            return stream(query)

        ui.engine.stream = recording_stream  # type: ignore[assignment,method-assign]
        *_, (_, _, first) = ui.respond("What did Xi say about sanctions?", Conversation())
        *_, (_, bubbles, second) = ui.respond("And Lukashenko?", first)
        assert seen[0] == []
        assert [m["role"] for m in seen[1]] == ["user", "assistant"]
        assert seen[1][0]["content"] == "What did Xi say about sanctions?"
        assert second.answers == 2
        assert 'href="#qa-t2-c1"' in bubbles[-1]["content"]  # ids stay unique on the page

    def test_conversations_do_not_share_state(self, ui: ChatUI) -> None:
        *_, (_, _, mine) = ui.respond("What did Xi say about sanctions?", Conversation())
        *_, (_, _, theirs) = ui.respond("Since when has Lukashenko been president?", Conversation())
        assert mine.messages()[0]["content"] != theirs.messages()[0]["content"]
        assert len(mine.history) == len(theirs.history) == 2

    def test_a_bad_filter_is_reported_in_the_chat_and_not_remembered(self, ui: ChatUI) -> None:
        # The page flags the field (date_problems) instead of answering: the question stays in
        # the box and nothing enters the conversation.
        updates = list(ui.respond("What did Xi say?", Conversation(), since="last tuesday-ish"))
        assert updates == [("What did Xi say?", [], Conversation())]
        assert (
            "'last tuesday-ish' is not a date" in date_problems("last tuesday-ish", None)["since"]
        )

    @pytest.mark.parametrize(
        ("filters", "named"),
        [
            ({"k": -5}, "k must be at least 1 (got -5)"),
            ({"k": 0}, "k must be at least 1 (got 0)"),
            ({"since": "2023-05-01", "until": "2023-01-01"}, "since 2023-05-01 is after until"),
        ],
    )
    def test_an_impossible_filter_names_its_value_in_the_chat_and_the_ask_api(
        self, ui: ChatUI, filters: dict[str, Any], named: str
    ) -> None:
        *_, (_, bubbles, _) = ui.respond("What did Xi say?", Conversation(), **filters)
        if "since" in filters:  # the page flags the range on its fields and does not ask
            assert bubbles == []
            assert (
                "From 2023-05-01 is after To 2023-01-01"
                in date_problems(filters["since"], filters["until"])["since"]
            )
        else:
            assert named in bubbles[-1]["content"]
            assert "No article matches" not in bubbles[-1]["content"]
        with pytest.raises(ValueError) as raised:
            ui.ask("What did Xi say?", **filters)
        assert named in friendly(raised.value) and "\n" not in friendly(raised.value)

    def test_uploads_are_named_by_their_upload_name_never_their_server_path(
        self, ui: ChatUI, tmp_path: Path
    ) -> None:
        upload = write(tmp_path / "from browser" / "Quill haven?.txt", QUILLHAVEN)
        ui.add_files([str(upload)])
        server_path = str(ui.upload_dir.resolve())
        question = "Who was elected mayor of Quillhaven?"
        shown = safe_filename("Quill haven?.txt")
        assert shown.startswith("Quill-haven-") and shown.endswith(".txt")

        cited = ui.ask(question)["citations"]
        assert shown in {c["source"] for c in cited}
        assert not any(server_path in c["source"] for c in cited)
        *_, (_, bubbles, _) = ui.respond(question, Conversation())
        assert shown in bubbles[-1]["content"]
        assert server_path not in bubbles[-1]["content"]
        choices = ui.source_choices()
        assert (shown, shown) in choices
        assert not any(server_path in value for _, value in choices)

        # The name the page shows is the name its source filter takes.
        kept = ui.ask(question, sources=[shown])
        assert kept["citations"] and not kept["refused"]
        elsewhere = ui.ask(question, sources=["nowhere.example"])
        assert elsewhere["refused"]

    def test_an_upload_keeps_its_name_when_its_file_is_gone_or_its_folder_moved(
        self, ui: ChatUI, tmp_path: Path
    ) -> None:
        upload = write(tmp_path / "from browser" / "quill.txt", QUILLHAVEN)
        ui.add_files([str(upload)])
        (ui.upload_dir / "quill.txt").unlink()  # removed by hand, the index not pruned
        question = "Who was elected mayor of Quillhaven?"
        kept = ui.ask(question, sources=["quill.txt"])
        assert not kept["refused"] and kept["citations"][0]["source"] == "quill.txt"
        # A data folder copied or moved keeps its uploads' old paths: still no server path.
        assert ui.public_source("/srv/old-place/data/uploads/quill.txt") == "quill.txt"

    def test_a_filter_that_excludes_everything_gives_a_refusal(self, ui: ChatUI) -> None:
        *_, (_, bubbles, _) = ui.respond(
            "What did Xi say about sanctions?", Conversation(), since="2030-01-01"
        )
        assert "qa-refusal" in bubbles[-1]["content"]

    def test_an_empty_question_changes_nothing(self, ui: ChatUI) -> None:
        assert list(ui.respond("   ", Conversation())) == [("", [], Conversation())]

    def test_ask_returns_the_documented_json(self, ui: ChatUI) -> None:
        result = ui.ask("What did Xi say about sanctions?", k=3)
        assert set(result) == set(API_FIELDS)
        json.dumps(result)  # plain JSON all the way down
        assert "[1]" in result["text"]
        first = result["citations"][0]
        assert first["n"] == 1 and first["date"] == "2023-03-01"
        article = ui.engine.store.article_text(first["article_id"])
        assert article is not None
        assert article[first["start"] : first["end"]] == first["quote"]

    def test_ask_refuses_an_empty_question(self, ui: ChatUI) -> None:
        with pytest.raises(ValueError, match="empty"):
            ui.ask("  ")

    @pytest.mark.parametrize(
        "history",
        [[["user", "hi"]], [{"role": "robot", "content": "hi"}]],
    )
    def test_ask_refuses_a_malformed_history_with_a_value_error(
        self, ui: ChatUI, history: list[object]
    ) -> None:
        with pytest.raises(ValueError, match="role"):
            ui.ask("What did Xi say?", history)  # type: ignore[arg-type]

    def test_uploads_are_ingested_with_a_result_per_file(self, ui: ChatUI, tmp_path: Path) -> None:
        incoming = tmp_path / "incoming"
        good = write(
            incoming / "a" / "mayor.txt",
            "date 2024-05-02 Quillhaven elects a mayor\n\nOttoline Verbrugge won the vote.",
        )
        binary = write(incoming / "b" / "blob.txt", b"\x00\x01\x02binary")
        pdf = write(incoming / "c" / "report.pdf", b"%PDF-1.4")
        notes: list[tuple[float, str]] = []
        table = ui.add_files([str(good), str(binary), str(pdf)], lambda f, d: notes.append((f, d)))
        rows = re.findall(r"<tr class=\"(qa-\w+)\"><td>([^<]+)</td><td>([^<]+)</td>", table)
        assert [(name, cls) for cls, name, _ in rows] == [
            ("mayor.txt", "qa-ok"),
            ("blob.txt", "qa-bad"),
            ("report.pdf", "qa-bad"),
        ]
        assert rows[0][2] == "1 added"
        assert "binary" in rows[1][2]
        assert "not an article format" in rows[2][2]
        assert notes[0][0] == 0.0 and notes[-1][0] == 1.0
        assert ui.engine.stats()["articles"] == 2
        assert sorted(p.name for p in ui.upload_dir.iterdir()) == ["mayor.txt"]
        assert any(label == "mayor.txt" for label, _ in ui.source_choices())


class TestReupload:
    def test_a_rejected_re_upload_leaves_the_earlier_file_and_its_article(
        self, ui: ChatUI, tmp_path: Path
    ) -> None:
        good = write(tmp_path / "a" / "news.txt", "date 2022-01-01 Harbor\n\nThe harbor reopened.")
        assert ui.ingest_files([good]) == [("news.txt", "1 added")]
        bad = tmp_path / "b" / "news.txt"
        bad.parent.mkdir()
        bad.write_bytes(b"date 2022-01-01 x\n\xff\xfe\x00\x01garbage\x00\x00")
        [(_, outcome)] = ui.ingest_files([bad])
        assert outcome.startswith("skipped")
        assert [f.name for f in ui.upload_dir.iterdir()] == ["news.txt"]
        assert (ui.upload_dir / "news.txt").read_text().endswith("The harbor reopened.")
        assert str((ui.upload_dir / "news.txt").resolve()) in ui.engine.store.sources()


class TestInbox:
    """Questions are taken the moment they are sent and answered in turn, as they were sent."""

    def test_a_sent_question_leaves_the_box_and_shows_at_once(self, ui: ChatUI) -> None:
        inbox = Inbox()
        taken = ui.take(inbox, Conversation(), [], "What did Xi say?", until="2023-03-01")
        assert taken.box == ""
        assert taken.bubbles is not None
        assert "What did Xi say?" in taken.bubbles[-2]["content"]
        assert "qa-pending" in taken.bubbles[-1]["content"]
        assert inbox.waiting() == [Asked("What did Xi say?", until="2023-03-01")]

    def test_questions_are_answered_in_order_with_the_filters_they_were_sent_with(
        self, ui: ChatUI
    ) -> None:
        asked: list[Query] = []
        stream = ui.engine.stream

        def recording_stream(query: Query) -> object:
            asked.append(query)
            return stream(query)

        ui.engine.stream = recording_stream  # type: ignore[assignment,method-assign]
        inbox = Inbox()
        ui.take(inbox, Conversation(), [], XI_QUESTION, since="2023-01-01")
        answering = ui.answer_waiting(inbox, Conversation())
        first_bubbles, _ = next(answering)
        # Sent while the first is answered: it waits below it, with today's filters, not the
        # ones the fields hold when its turn comes.
        taken = ui.take(inbox, Conversation(), first_bubbles, "And Lukashenko?", k=2)
        assert taken.bubbles is not None and "qa-queued" in taken.bubbles[-1]["content"]
        *_, (bubbles, done) = answering
        assert [q.question for q in asked] == [XI_QUESTION, "And Lukashenko?"]
        assert asked[0].since == date(2023, 1, 1) and asked[0].k is None
        assert asked[1].since is None and asked[1].k == 2
        assert [m.content for m in asked[1].history][:1] == [XI_QUESTION]
        assert done.answers == 2 and not any("qa-queued" in b["content"] for b in bubbles)
        assert not inbox.answering

    def test_one_session_has_one_answerer_at_a_time(self, ui: ChatUI) -> None:
        inbox = Inbox()
        ui.take(inbox, Conversation(), [], XI_QUESTION)
        first = ui.answer_waiting(inbox, Conversation())
        next(first)
        ui.take(inbox, Conversation(), [], "And Lukashenko?")
        assert list(ui.answer_waiting(inbox, Conversation())) == []  # the first answers it
        *_, (_, done) = first
        assert done.answers == 2

    def test_a_blank_question_or_bad_dates_queue_nothing(self, ui: ChatUI) -> None:
        inbox = Inbox()
        assert ui.take(inbox, Conversation(), [], " \u200b ") == Taken(box="")
        kept = ui.take(inbox, Conversation(), [], "What did Xi say?", since="2023-13-01")
        assert kept == Taken(box="What did Xi say?")  # the page flags the field
        assert inbox.waiting() == []

    def test_new_chat_forgets_the_waiting_questions(self, ui: ChatUI) -> None:
        inbox = Inbox()
        ui.take(inbox, Conversation(), [], XI_QUESTION)
        inbox.clear()
        assert inbox.waiting() == [] and list(ui.answer_waiting(inbox, Conversation())) == []

    def test_a_chat_the_server_forgot_stays_on_the_page_with_a_note(self, ui: ChatUI) -> None:
        # After a restart the page still shows the old exchange; the new session knows none.
        shown = [
            {"role": "user", "content": [{"type": "text", "text": "<div>Who is Xi?</div>"}]},
            {"role": "assistant", "content": "<div>Xi is China's president.</div>"},
        ]
        taken = ui.take(Inbox(), Conversation(), shown, "When did he say it?")
        assert taken.conversation is not None
        assert taken.conversation.history == ()  # no follow-up of answers it cannot read
        assert taken.bubbles is not None
        contents = [b["content"] for b in taken.bubbles]
        assert contents[:2] == ["<div>Who is Xi?</div>", "<div>Xi is China's president.</div>"]
        assert "server restarted" in contents[2]


class TestServeCommand:
    def test_a_bad_login_setting_fails_in_one_line_before_loading_anything(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from typer.testing import CliRunner

        from qa.cli import app

        monkeypatch.setenv("QA_UI_AUTH", "no-password")
        result = CliRunner().invoke(app, ["serve"])
        assert result.exit_code == 1
        assert "QA_UI_AUTH must look like user:password" in result.output
        assert "Traceback" not in result.output


class TestWithChatModel:
    """The same handlers over the LLM answerer, against a real local OpenAI-compatible server
    (tests/openai_server.py) that streams its reply word by word."""

    def test_tokens_stream_in_then_the_verified_answer_replaces_them(
        self, settings: Settings, hashing_embedder: HashingEmbedder
    ) -> None:
        from openai_server import OpenAIServer, respond_from_sources

        with OpenAIServer(default=respond_from_sources) as server:
            llm = with_test_model(settings, server.url)
            engine = Engine(llm, embedder=hashing_embedder)
            engine.ingest([SAMPLE_DIR])
            updates = list(ChatUI.for_engine(engine).respond(PRESIDENT_Q, Conversation()))
            assert server.completions, "the chat model was never called"
        drafts = [u[1][-1]["content"] for u in updates if "qa-streaming" in u[1][-1]["content"]]
        assert len(drafts) >= 3  # word by word, not one block
        assert all("[" not in d for d in drafts)
        final = updates[-1][1][-1]["content"]
        assert 'href="#qa-t1-c1"' in final
        assert "1994" in final
        assert "answered by test-model" in final
        assert "LLM **test-model**" in answerer_label(llm)


class TestDateFields:
    def test_a_reversed_range_names_both_fields(self) -> None:
        problems = date_problems("2022-07-01", "2022-06-01", "2022-07-02")
        assert set(problems) == {"since", "until"}
        assert "swap them" in problems["since"]

    def test_an_unreadable_date_names_its_field_only(self) -> None:
        assert set(date_problems("2022-07-01", None, "the other day")) == {"as_of"}

    def test_blank_fields_and_a_good_range_are_fine(self) -> None:
        assert date_problems("", "  ", None) == {}
        assert date_problems("2022-06-01", "2022-06-01", "2022-07-01") == {}

    def test_presets_count_back_from_the_as_of_day(self) -> None:
        assert preset_range("Last 30 days", "2022-07-01") == ("2022-06-02", "2022-07-01")
        assert preset_range("All dates", "2022-07-01") == ("", "")
        today = date(2024, 1, 10)
        assert preset_range("Last 7 days", "", today=today) == ("2024-01-04", "2024-01-10")
        assert preset_range("Last 7 days", "nonsense", today=today)[1] == "2024-01-10"

    def test_a_flagged_range_is_not_asked(self, engine: Engine) -> None:
        ui = ChatUI(engine=engine, upload_dir=engine.settings.data_dir / "uploads")
        updates = list(ui.respond("What did Xi say?", Conversation(), "2023-05-01", "2023-01-01"))
        assert updates == [("What did Xi say?", [], Conversation())]
