"""The chat UI end to end: ``python ui.py`` in a subprocess over a tmp index, driven by a real
headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright) and by ``gradio_client``.

Screenshots land in ``test-output/ui/``. In CI (``CI=true``) a missing Chromium fails these tests;
on a developer machine it skips them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import (
    ARCHIVE_2022,
    LAST_WEEK_MAYOR,
    REPO,
    SAMPLE_ARTICLE,
    SAMPLE_DIR,
    HashingEmbedder,
    long_article,
    with_test_model,
    write,
)
from http_server import free_port
from serve_process import serving_qa

from qa.embeddings import LocalEmbedder, Vectors
from qa.engine import Engine
from qa.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = REPO / "test-output" / "ui"
XI = "What did Xi say about sanctions?"
WIRE_COPY = "2023-03-02-wire-copy.txt"
PRESIDENT = "Since when has Lukashenko been president?"
MAYOR_ARTICLE = (
    "date 2024-05-02 Quillhaven elects Ottoline Verbrugge as mayor\n\n"
    "The harbour town of Quillhaven elected Ottoline Verbrugge as its mayor on Thursday.\n\n"
    "Verbrugge promised to rebuild the old lighthouse before the winter storms."
)
SETTLE_MS = 60_000  # an answer takes about a second; this only bounds a hang


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: LocalEmbedder
) -> Iterator[Server]:
    """``python ui.py`` over a fresh index holding the sample article and a small 2022
    archive, on a free port."""
    root = tmp_path_factory.mktemp("ui-app")
    data_dir = root / "data"
    with pytest.MonkeyPatch.context() as mp:  # the developer's QA_* settings must not leak in
        for name in list(os.environ):
            if name.startswith(("QA_", "OPENAI_")):
                mp.delenv(name)
        mp.chdir(root)
        settings = Settings(data_dir=data_dir, llm={"provider": "extractive"})
        archive = root / "archive-2022"
        for name, text in ARCHIVE_2022.items():
            write(archive / name, text)
        # The sample story as a wire service ran it a day later: cited once, "also ran in".
        body = SAMPLE_ARTICLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
        wire = f"date 2023-03-02 Leaders urge swift peace in Ukraine\n\nBEIJING (AP) — {body}"
        write(archive / WIRE_COPY, f"{wire}\n\nSign up for our daily newsletter.\n")
        Engine(settings, embedder=real_embedder).ingest([SAMPLE_DIR, archive])
    with serving_qa(
        data_dir,
        root / "app.log",
        command=[sys.executable, str(REPO / "ui.py")],
        ready_path="/",
        QA_UI_MAX_UPLOAD_MB="1",
    ) as url:
        yield Server(url=url + "/", data_dir=data_dir)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A fresh browser session (its own cookies, so its own Gradio session) on the app."""
    with open_page(browser, server.url) as tab:
        yield tab


@contextmanager
def open_page(browser: Browser, url: str) -> Iterator[Page]:
    """A fresh browser session on the app at ``url``, once the page is ready."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(SETTLE_MS)
    tab.goto(url)
    tab.locator("#qa-question textarea").wait_for()
    # The page is ready once its load event has filled "As of" (else it may overwrite a value
    # a test types). The field may not be rendered yet when the question box is: not ready.
    tab.wait_for_function("(document.querySelector('#qa-as-of input')?.value ?? '') !== ''")
    try:
        yield tab
    finally:
        context.close()


class OneStepAtATime(HashingEmbedder):
    """The test encoder, which once held runs each encoder step only when the test lets it
    (``step``): the ingest's progress then stays where it is until the test has seen it."""

    def __init__(self) -> None:
        super().__init__()
        self._held = False
        self._steps = threading.Semaphore(0)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the steps for the length of the block; after it they run freely again."""
        self._held = True
        try:
            yield
        finally:
            self._held = False
            self._steps.release()  # a step still waiting (the test failed) runs, and ends

    def step(self) -> None:
        self._steps.release()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if self._held and not self._steps.acquire(timeout=2 * SETTLE_MS / 1000):
            msg = "the test did not let the next encoder step run"
            raise RuntimeError(msg)
        return super().embed_documents(texts)


CAPITALS_PROBE = """async () => {
    const caps = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const fonts = new Map();
    const smallCaps = [];
    for (const el of document.querySelectorAll('body *')) {
        const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent);
        if (!/[A-Z]/.test(own.join('')) || !el.getClientRects().length) continue;
        const cs = getComputedStyle(el);
        if (cs.fontVariantCaps !== 'normal') smallCaps.push(el.tagName + ' ' + cs.fontVariantCaps);
        const font = `${cs.fontStyle} ${cs.fontWeight} 40px ${cs.fontFamily}`;
        if (!fonts.has(font)) fonts.set(font, el.tagName + '.' + el.className);
    }
    await document.fonts.ready;
    const ctx = document.createElement('canvas').getContext('2d');
    const short = [];
    for (const [font, where] of fonts) {
        await document.fonts.load(font, caps);
        ctx.font = font;
        const h = ctx.measureText('H').actualBoundingBoxAscent;
        for (const c of caps) {
            const a = ctx.measureText(c).actualBoundingBoxAscent;
            if (a < 0.95 * h) {
                short.push(`${c} ${a.toFixed(1)}px vs H ${h.toFixed(1)}px: ${font} (${where})`);
            }
        }
    }
    return {fonts: [...fonts.keys()], short, small_caps: smallCaps};
}"""
"""For each font in use on the page (style, weight, family of every element with a capital
letter in its own text): each capital's height above the baseline, against H's."""


def set_field(page: Page, field: str, value: str) -> None:
    """Type into a date field or number box as a person does: select, type, Enter."""
    box = page.locator(f"{field} input").first
    box.fill(value)
    box.press("Enter")
    box.blur()


def settled(page: Page) -> Locator:
    """Answer bubbles that are final: an answer or a refusal (both end in a meta line), or an
    error."""
    return page.locator("#qa-chat [data-testid=bot]").filter(
        has=page.locator(".qa-meta, .qa-error")
    )


def ask(page: Page, question: str) -> Locator:
    """Type a question, send it, and wait for its answer to settle; returns that bubble."""
    before = settled(page).count()
    page.evaluate(
        """() => {
            window.__qaSeen = new Set();
            const chat = document.querySelector('#qa-chat');
            new MutationObserver(() => {
                for (const cls of ['qa-pending', 'qa-streaming']) {
                    if (chat.querySelector('.' + cls)) window.__qaSeen.add(cls);
                }
            }).observe(chat, {subtree: true, childList: true, characterData: true});
        }"""
    )
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll("
        "'#qa-chat [data-testid=bot] .qa-meta, #qa-chat [data-testid=bot] .qa-error').length > n",
        arg=before,
    )
    return settled(page).last


def seen_before_final(page: Page) -> list[str]:
    return sorted(page.evaluate("() => Array.from(window.__qaSeen || [])"))


class TestChat:
    def test_answer_has_footnote_links_and_highlighted_sources(self, page: Page) -> None:
        bubble = ask(page, XI)
        assert seen_before_final(page), "the answer appeared without any intermediate state"

        first_link = bubble.locator("a.qa-cite").first
        assert first_link.inner_text() == "[1]"
        assert first_link.get_attribute("href") == "#qa-t1-c1"

        card = bubble.locator("[data-testid=source-card]")
        assert card.count() == 1  # three quotes, one story (and its wire copy): one card
        assert f"also ran in: {WIRE_COPY} (2023-03-02)" in card.locator(".qa-also").inner_text()
        assert "Xi Jinping and Alexander Lukashenko call for a peace deal" in (
            card.locator(".qa-source-title").inner_text()
        )
        assert "2023-03-01" in card.inner_text()
        quotes = [q.strip() for q in card.locator(".qa-quote mark").all_inner_texts()]
        article = SAMPLE_ARTICLE.read_text(encoding="utf-8")
        assert quotes and all(q in article for q in quotes)
        assert any("sanctions" in q for q in quotes)
        context = card.locator("details.qa-context").first
        assert not context.locator("div").is_visible()  # the paragraph waits behind a click
        context.locator("summary").click()
        assert context.locator("div").is_visible()
        assert len(context.inner_text()) > len(quotes[0])
        context.locator("summary").click()
        # The page scrolls to the end of the answer; show it from the question for the shot
        # (README's docs/screenshot.png is a copy of this one).
        page.locator("#qa-chat .message-row.user-row").last.evaluate(
            "el => el.scrollIntoView({block: 'start'})"
        )
        page.screenshot(path=str(SHOTS / "01-answer.png"))

    def test_a_marker_scrolls_to_its_quote_and_flashes_its_card(self, page: Page) -> None:
        page.set_viewport_size({"width": 1280, "height": 600})  # a chat shorter than the answer
        bubble = ask(page, XI)
        last = bubble.locator("a.qa-cite").last
        n = last.inner_text().strip("[]")
        target = page.locator(f"#qa-t1-c{n}")
        # Scroll the chat so the quote is out of view (below it if the chat can scroll up that
        # far, else above it): the marker has to bring it back.
        out_of_view = page.evaluate(
            """el => {
                const wrap = document.querySelector('#qa-chat .bubble-wrap');
                const box = () => wrap.getBoundingClientRect();
                const r = () => el.getBoundingClientRect();
                wrap.scrollTop -= box().bottom - r().top + 20;
                if (r().top < box().bottom) wrap.scrollTop += r().bottom - box().top + 20;
                return r().top >= box().bottom || r().bottom <= box().top;
            }""",
            target.element_handle(),
        )
        assert out_of_view
        card = target.locator("xpath=ancestor::*[@data-testid='source-card']")
        # The flash lasts 1.6 s: record it when it starts, so that a slow poll on a loaded
        # machine cannot miss it.
        card.evaluate(
            """el => { window.qaFlashed = false;
                       new MutationObserver(() => { if (el.classList.contains('qa-flash'))
                           window.qaFlashed = true; }).observe(el, {attributes: true}); }"""
        )
        last.click()
        page.wait_for_function("() => window.qaFlashed === true")
        page.wait_for_function(  # scrolled into the chat's visible area (smoothly)
            """el => { const r = el.getBoundingClientRect();
                       const box = document.querySelector('#qa-chat .bubble-wrap')
                           .getBoundingClientRect();
                       return r.top >= box.top && r.bottom <= box.bottom; }""",
            arg=target.element_handle(),
        )
        assert page.evaluate("location.hash") == f"#qa-t1-c{n}"
        assert target.locator("mark").count() == 1
        page.screenshot(path=str(SHOTS / "01b-marker-flash.png"))

    def test_follow_up_keeps_the_conversation_and_new_chat_clears_it(self, page: Page) -> None:
        ask(page, XI)
        follow_up = ask(page, "What did he say in televised remarks?")
        # "he" is Xi from the first question: the history reached the engine.
        assert "understood as: What did Xi say in televised remarks?" in (
            follow_up.locator(".qa-meta").inner_text()
        )
        assert follow_up.locator(".qa-quote#qa-t2-c1 mark").count() == 1
        assert "televised remarks" in follow_up.locator(".qa-sources").inner_text()
        assert settled(page).count() == 2
        assert settled(page).first.locator(".qa-sources").count() == 1  # the first stays intact
        page.screenshot(path=str(SHOTS / "02-follow-up.png"), full_page=True)

        page.locator("#qa-new-chat").click()
        page.wait_for_function("!document.querySelector('#qa-chat [data-testid=bot]')")
        again = ask(page, XI)
        assert again.locator("a.qa-cite").first.get_attribute("href") == "#qa-t1-c1"
        assert settled(page).count() == 1

    def test_a_filtered_out_question_is_refused_visibly(self, page: Page) -> None:
        set_field(page, "#qa-since", "2030-01-01")
        bubble = ask(page, XI)
        assert bubble.locator(".qa-refusal").count() == 1
        assert bubble.locator(".qa-refusal-label").text_content() == "No answer in the articles"
        assert "No article matches the filters" in bubble.inner_text()
        assert bubble.locator(".qa-sources").count() == 0
        page.screenshot(path=str(SHOTS / "03-refusal.png"))

    def test_a_refusal_with_a_citation_shows_it_as_the_nearest_source(self, page: Page) -> None:
        bubble = ask(page, "How many people attended the meeting between Xi and Lukashenko?")
        notice = bubble.locator(".qa-refusal")
        assert notice.locator(".qa-refusal-label").inner_text() == "No answer in the articles"
        assert bubble.locator(".qa-short").count() == 0  # no short answer in bold
        link = notice.locator("a.qa-cite").first
        assert link.inner_text() == "[1]" and link.get_attribute("href") == "#qa-t1-c1"
        sources = bubble.locator(".qa-sources")
        assert sources.locator(".qa-sources-label").inner_text() == "Nearest source"
        quote = sources.locator("#qa-t1-c1 mark").inner_text().strip()
        assert quote and quote in SAMPLE_ARTICLE.read_text(encoding="utf-8")
        assert "Sources (" not in bubble.inner_text()
        page.screenshot(path=str(SHOTS / "03b-refusal-nearest-source.png"))

    def test_no_capital_letter_is_drawn_as_a_small_capital(self, page: Page) -> None:
        """Every font the page uses draws each capital as tall as its H (measured with the
        browser's own text metrics); none asks for small capitals."""
        ask(page, XI)
        page.get_by_role("tab", name="Library").click()  # its bold table headers too
        page.locator("#qa-stats th").first.wait_for()
        page.get_by_role("tab", name="Chat").click()
        report = page.evaluate(CAPITALS_PROBE)
        assert len(report["fonts"]) >= 3, report  # regular and bold text at least
        assert any(" 700 " in f for f in report["fonts"]), report
        assert report["short"] == [], report["short"]
        assert report["small_caps"] == [], report["small_caps"]

    def test_the_capitals_probe_sees_gradios_broken_semibold_face(self, page: Page) -> None:
        """The probe above can fail: with Gradio's 5 kB SemiBold face declared (as its default
        theme does) bold A and B come out shorter than H."""
        page.add_style_tag(
            content="@font-face { font-family: 'Broken Sans'; font-weight: 600; "
            "src: url('static/fonts/SourceSansPro/SourceSansPro-SemiBold.woff2'); }\n"
            "#qa-probe { font-family: 'Broken Sans', 'DejaVu Sans'; font-weight: 600; }"
        )
        page.evaluate(
            "() => { const p = document.createElement('p'); p.id = 'qa-probe';"
            " p.textContent = 'NO ANSWER: Analysts'; document.body.append(p); }"
        )
        report = page.evaluate(CAPITALS_PROBE)
        assert {entry.split(" ")[0] for entry in report["short"]} == {"A", "B"}, report

    def test_as_of_sets_the_day_last_week_counts_from(self, page: Page) -> None:
        assert page.locator("#qa-as-of input").input_value() == date.today().isoformat()
        set_field(page, "#qa-k", "1")  # the one passage retrieval ranks first
        titles = []
        for as_of in ("2022-07-01", "2022-03-18"):
            set_field(page, "#qa-as-of", as_of)
            bubble = ask(page, LAST_WEEK_MAYOR)
            titles.append(bubble.locator("[data-testid=source-card] .qa-source-title").inner_text())
        assert "Ottilie Hask" in titles[0]
        assert "Tobias Wrenfield" in titles[1]
        page.screenshot(path=str(SHOTS / "08-as-of.png"))

    def test_a_preset_counts_back_from_the_as_of_day(self, page: Page) -> None:
        set_field(page, "#qa-as-of", "2022-07-01")
        page.locator(".qa-preset", has_text="Last 7 days").click()
        page.wait_for_function("document.querySelector('#qa-since input').value === '2022-06-25'")
        assert page.locator("#qa-until input").input_value() == "2022-07-01"
        page.locator(".qa-preset", has_text="All dates").click()
        page.wait_for_function("document.querySelector('#qa-since input').value === ''")

    def test_a_reversed_range_is_flagged_on_the_fields_not_answered(self, page: Page) -> None:
        set_field(page, "#qa-since", "2022-07-01")
        set_field(page, "#qa-until", "2022-06-01")
        note = page.locator("#qa-date-note .qa-field-error")
        note.wait_for()
        assert "From 2022-07-01 is after To 2022-06-01" in note.inner_text()
        for field in ("#qa-since", "#qa-until"):
            assert "qa-invalid" in (page.locator(field).get_attribute("class") or "")
        assert "qa-invalid" not in (page.locator("#qa-as-of").get_attribute("class") or "")
        box = page.locator("#qa-question textarea")
        box.fill(XI)
        box.press("Enter")
        page.wait_for_timeout(1500)  # long enough for an answer to start; none may
        assert page.locator("#qa-chat [data-testid=bot]").count() == 0
        assert box.input_value() == XI  # kept, to ask again once the range is fixed
        page.screenshot(path=str(SHOTS / "09-reversed-range.png"))

        set_field(page, "#qa-until", "")
        note.wait_for(state="detached")
        assert "qa-invalid" not in (page.locator("#qa-since").get_attribute("class") or "")

    def test_an_unreadable_date_is_flagged_on_its_field_not_ignored(self, page: Page) -> None:
        set_field(page, "#qa-since", "someday")
        typed = page.locator("#qa-since input")
        box = page.locator("#qa-question textarea")
        box.fill(XI)
        box.press("Enter")
        note = page.locator("#qa-date-note .qa-field-error")
        note.wait_for()
        assert "From 'someday' is not a date" in note.inner_text()
        assert "qa-invalid" in (page.locator("#qa-since").get_attribute("class") or "")
        assert typed.evaluate("el => getComputedStyle(el).color") == "rgb(185, 28, 28)"  # red
        page.wait_for_timeout(1500)
        assert page.locator("#qa-chat [data-testid=bot]").count() == 0  # not answered unfiltered

    def test_a_date_gradio_cannot_read_but_qa_can_is_not_marked_wrong(self, page: Page) -> None:
        set_field(page, "#qa-until", "7/6/2023")  # month first, as qa reads it: 2023-07-06
        ask(page, XI)
        typed = page.locator("#qa-until input")
        assert typed.evaluate("el => getComputedStyle(el).color") != "rgb(185, 28, 28)"
        assert page.locator("#qa-date-note .qa-field-error").count() == 0

    def test_example_questions_come_from_the_library_and_are_asked_on_click(
        self, page: Page
    ) -> None:
        examples = page.locator("#qa-examples button")
        examples.first.wait_for()
        offered = [e.strip() for e in examples.all_inner_texts()]
        # Names from the library's own headlines (the sample article's, the 2022 archive's).
        assert "What do the articles say about Xi Jinping?" in offered
        assert any("Ottilie Hask" in q or "Tobias Wrenfield" in q for q in offered)
        placeholder = page.locator("#qa-question textarea").get_attribute("placeholder")
        assert placeholder == offered[0]
        page.screenshot(path=str(SHOTS / "00-first-contact.png"))

        examples.filter(has_text="Xi Jinping").click()
        page.locator("#qa-chat .qa-meta").wait_for()
        assert page.locator("#qa-chat [data-testid=user]").inner_text().strip() == (
            "What do the articles say about Xi Jinping?"
        )
        bubble = settled(page).last
        assert bubble.locator("[data-testid=source-card]").count() >= 1

    def test_inputs_and_messages_have_names_a_screen_reader_can_say(self, page: Page) -> None:
        for name in ("Question", "From date", "To date", "As of date"):
            assert page.get_by_role("textbox", name=name, exact=True).count() == 1, name
        ask(page, XI)
        named = page.locator("#qa-chat [aria-label]")
        assert named.count() > 0
        assert page.locator('#qa-chat [aria-label*="<"]').count() == 0  # no raw HTML read out

    def test_the_rest_api_docs_are_linked(self, page: Page, server: Server) -> None:
        link = page.locator("#qa-answerer a", has_text="REST API docs")
        href = link.evaluate("a => a.href")
        assert href == server.url + "docs"
        with urllib.request.urlopen(href, timeout=10) as response:
            assert response.status == 200

    def test_the_active_answerer_is_shown(self, page: Page) -> None:
        assert "offline extractive" in page.locator("#qa-answerer").inner_text()

    def test_two_people_at_once_keep_their_own_conversations(
        self, browser: Browser, server: Server
    ) -> None:
        pages = []
        for _ in range(2):
            context = browser.new_context()
            tab = context.new_page()
            tab.set_default_timeout(SETTLE_MS)
            tab.goto(server.url)
            tab.locator("#qa-question textarea").wait_for()
            pages.append(tab)
        try:
            for tab, question in zip(pages, [XI, PRESIDENT], strict=True):
                tab.locator("#qa-question textarea").fill(question)
            for tab in pages:  # both in flight before either is awaited
                tab.locator("#qa-question textarea").press("Enter")
            for tab in pages:
                tab.wait_for_function(
                    "document.querySelectorAll('#qa-chat .qa-meta, #qa-chat .qa-error').length >= 1"
                )
            mine, theirs = (tab.locator("#qa-chat").inner_text() for tab in pages)
            assert XI in mine and PRESIDENT not in mine
            assert PRESIDENT in theirs and XI not in theirs
            assert pages[0].locator("#qa-chat .qa-error").count() == 0
            assert pages[1].locator("#qa-chat .qa-error").count() == 0
        finally:
            for tab in pages:
                tab.context.close()


class TestLibrary:
    def test_upload_reports_each_file_and_the_new_article_answers(
        self, page: Page, server: Server, tmp_path: Path
    ) -> None:
        good = write(tmp_path / "quillhaven-mayor.txt", MAYOR_ARTICLE)
        binary = write(tmp_path / "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
        pdf = write(tmp_path / "report.pdf", b"%PDF-1.4 not an article")

        page.get_by_role("tab", name="Library").click()
        page.locator("#qa-upload input[type=file]").set_input_files([good, binary, pdf])
        for name in (good.stem, binary.stem, pdf.stem):  # uploaded: listed by the component
            page.locator("#qa-upload").get_by_text(name, exact=True).wait_for()
        page.locator("#qa-add").click()
        rows = page.locator("#qa-ingest-results tbody tr")
        rows.nth(2).wait_for()
        results = dict(
            (r.split("\t")[0].strip(), r.split("\t")[1].strip()) for r in rows.all_inner_texts()
        )
        assert results[good.name] == "1 added"
        assert "binary file" in results[binary.name]
        assert ".pdf is not an article format" in results[pdf.name]
        articles = 3 + len(ARCHIVE_2022)  # the sample, its wire copy, the archive, the upload
        page.wait_for_function(
            f"document.querySelector('#qa-stats').innerText.includes('Articles\\t{articles}')"
        )
        for name in (good.stem, binary.stem, pdf.stem):  # the upload list is cleared
            page.locator("#qa-upload").get_by_text(name, exact=True).wait_for(state="detached")
        page.screenshot(path=str(SHOTS / "04-library.png"))

        uploads = server.data_dir / "uploads"
        assert sorted(p.name for p in uploads.iterdir()) == [good.name]
        assert not list(server.data_dir.rglob("report.pdf"))

        page.get_by_role("tab", name="Chat").click()
        bubble = ask(page, "Who was elected mayor of Quillhaven?")
        assert "Quillhaven elects Ottoline Verbrugge" in bubble.locator(".qa-sources").inner_text()
        assert any("Verbrugge" in m for m in bubble.locator("mark").all_inner_texts())
        page.screenshot(path=str(SHOTS / "05-uploaded-answer.png"))

        # The source filter now offers both articles; limited to the sample, the same question
        # can no longer cite the uploaded one.
        page.locator("#qa-source-filter input").click()
        page.get_by_role("option", name=good.name).wait_for()
        page.get_by_role("option", name=SAMPLE_ARTICLE.name).click()
        page.keyboard.press("Escape")
        filtered = ask(page, "Who was elected mayor of Quillhaven?")
        assert "Quillhaven elects" not in filtered.inner_text()
        page.screenshot(path=str(SHOTS / "07-source-filter.png"))

    def test_the_progress_bar_moves_before_the_first_batch_is_stored(
        self, settings: Settings, browser: Browser, tmp_path: Path
    ) -> None:
        # The app in this process, so its encoder can wait for the test: each encoder step
        # runs only once the page has shown the progress of the step before. Free-running,
        # steps are a fraction of a second apart; Gradio sends only the newest progress (it
        # looks every 10 ms) and the browser draws messages that arrive together once, so a
        # stalled server loop or browser on a busy machine skipped one. Held, each step's
        # progress stays the newest until the page has shown it: no timing is left.
        from http_server import serving
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        from qa.server import build_server
        from qa.webapp import server_options

        encoder = OneStepAtATime()
        engine = Engine(settings, embedder=encoder)
        engine.ingest([SAMPLE_DIR])
        before = engine.store.count_chunks()
        # One long article: one batch, so every step short of 100% is progress inside it.
        minutes = write(tmp_path / "council-minutes.txt", long_article())
        port = free_port()
        with (
            serving(build_server(engine, server_options(settings, port=port)), port) as url,
            open_page(browser, url + "/") as page,
            encoder.held(),
        ):
            page.get_by_role("tab", name="Library").click()
            page.locator("#qa-upload input[type=file]").set_input_files([minutes])
            page.locator("#qa-upload").get_by_text(minutes.stem, exact=True).wait_for()
            page.evaluate(
                """() => {
                    window.__qaProgress = [];
                    const seen = () => {
                        const m = document.body.innerText.match(
                            /indexing 1 article: (\\d+)% done/);
                        if (m) window.__qaProgress.push(Number(m[1]));
                    };
                    new MutationObserver(seen).observe(document.body,
                        {subtree: true, childList: true, characterData: true});
                }"""
            )
            page.locator("#qa-add").click()
            inside: list[int] = []
            shown = 0
            while True:
                encoder.step()
                # The next value the page shows, or 100 once the results are in.
                try:
                    shown = page.wait_for_function(
                        """(shown) => {
                            const steps = window.__qaProgress;
                            const last = steps.length ? steps[steps.length - 1] : -1;
                            if (last > shown) return last;
                            const done = document.querySelector('#qa-ingest-results tbody tr');
                            return done ? 100 : 0;
                        }""",
                        arg=shown,
                    ).json_value()
                except PlaywrightTimeoutError:
                    step = len(inside) + 1
                    pytest.fail(f"the page showed no progress past {shown}% after step {step}")
                if shown >= 100:
                    break
                inside.append(shown)
                assert engine.store.count_chunks() == before  # the batch is not stored yet
            page.locator("#qa-ingest-results tbody tr").first.wait_for()
            assert "1 added" in page.locator("#qa-ingest-results").inner_text()
            steps = page.evaluate("() => window.__qaProgress")
        assert len(inside) >= 2, steps  # it moved, more than once, before the batch was stored
        assert all(0 < p < 100 for p in inside), steps
        assert steps == sorted(steps)
        assert engine.store.count_chunks() > before

    def test_a_file_over_the_size_limit_is_refused_on_upload(
        self, page: Page, tmp_path: Path
    ) -> None:
        big = write(tmp_path / "huge.txt", "word " * 300_000)  # 1.5 MB; the app allows 1 MB
        page.get_by_role("tab", name="Library").click()
        page.locator("#qa-upload input[type=file]").set_input_files([big])
        page.get_by_text("exceed the maximum allowed size").wait_for()
        page.screenshot(path=str(SHOTS / "06-too-big.png"))


class TestFeeds:
    def test_a_feed_added_in_the_library_is_ingested_and_its_status_shown(self, page: Page) -> None:
        from feed_server import SHARED_ARTICLES, NewsSite, load_articles

        if not SHARED_ARTICLES.exists():
            pytest.skip(f"{SHARED_ARTICLES} is missing (the shared development data)")
        with NewsSite.of(load_articles(2)) as site:
            site.extra_items = [site.url("/gone.html")]
            site.linkless_item = False
            page.get_by_role("tab", name="Library").click()
            page.locator("#qa-feed-url input, #qa-feed-url textarea").first.fill(
                site.url("/feed.xml")
            )
            page.locator("#qa-add-feed").click()
            page.locator("#qa-feeds .qa-feed-note").get_by_text("Added").wait_for()
            row = page.locator("#qa-feeds tbody tr").filter(has_text=site.url("/feed.xml"))
            cells = row.locator("td").all_inner_texts()
            page.screenshot(path=str(SHOTS / "07-feeds.png"))
        assert cells[0] == site.url("/feed.xml")
        assert cells[1].endswith("UTC")  # the last fetch
        assert cells[2] == "2"  # new articles
        assert cells[3] == ""  # the feed itself fetched fine (a failed item is reported apart)
        note = page.locator("#qa-feeds .qa-feed-note").inner_text()
        assert "2 added" in note and "1 skipped" in note


class TestAskEndpoint:
    def test_returns_the_answer_and_its_citations(self, server: Server) -> None:
        from gradio_client import Client

        result = Client(server.url, verbose=False).predict(XI, api_name="/ask")
        assert "[1]" in result["text"]
        assert result["refused"] is False
        first = result["citations"][0]
        assert first["n"] == 1
        assert first["title"].startswith("Xi Jinping and Alexander Lukashenko")
        assert first["date"] == "2023-03-01"
        assert first["quote"] in SAMPLE_ARTICLE.read_text(encoding="utf-8")

    def test_is_the_only_public_endpoint(self, server: Server) -> None:
        from gradio_client import Client

        api = Client(server.url, verbose=False).view_api(return_format="dict", print_info=False)
        assert isinstance(api, dict)
        assert list(api["named_endpoints"]) == ["/ask"]
        params = [p["parameter_name"] for p in api["named_endpoints"]["/ask"]["parameters"]]
        assert params == ["question", "history", "since", "until", "sources", "k", "as_of"]

    def test_filters_and_history_are_applied(self, server: Server) -> None:
        from gradio_client import Client

        client = Client(server.url, verbose=False)
        history = [
            {"role": "user", "content": XI},
            {"role": "assistant", "content": "Xi condemned sanctions [1]."},
        ]
        later = client.predict(XI, history, "2030-01-01", api_name="/ask")
        assert later["refused"] is True and later["citations"] == []
        elsewhere = client.predict(question=XI, sources=["nowhere.example"], api_name="/ask")
        assert elsewhere["refused"] is True
        narrow = client.predict(question=XI, k=1, api_name="/ask")
        # k=1: one retrieved passage, read with its article's opening (answer.lead_articles).
        assert len({c["article_id"] for c in narrow["citations"]}) == 1

    def test_a_bad_filter_gets_a_message_that_names_it(self, server: Server) -> None:
        from gradio_client import Client

        with pytest.raises(Exception, match="since"):
            Client(server.url, verbose=False).predict(question=XI, since="someday", api_name="/ask")

    def test_conversations_at_once_get_their_own_answers(self, server: Server) -> None:
        from gradio_client import Client

        def strip(result: dict[str, Any]) -> tuple[str, list[str]]:
            return result["text"], [c["quote"] for c in result["citations"]]

        follow_up_history = [
            {"role": "user", "content": PRESIDENT},
            {"role": "assistant", "content": "Since 1994 [1]."},
        ]
        cases: list[tuple[str, list[dict[str, str]] | None]] = [
            (XI, None),
            (PRESIDENT, None),
            ("What did Lukashenko say about the meeting?", follow_up_history),
            ("Who was elected mayor of Quillhaven?", None),
        ]
        client = Client(server.url, verbose=False)
        expected = [strip(client.predict(q, h, api_name="/ask")) for q, h in cases]

        def run(case: tuple[str, list[dict[str, str]] | None]) -> tuple[str, list[str]]:
            own = Client(server.url, verbose=False)  # one client per person
            return strip(own.predict(case[0], case[1], api_name="/ask"))

        with ThreadPoolExecutor(max_workers=len(cases) * 2) as pool:
            got = list(pool.map(run, cases * 2))
        assert got == expected * 2


def test_a_login_is_required_when_configured(settings: Settings, tmp_path: Path) -> None:
    """``QA_UI_AUTH``: without the password neither the page nor Gradio's API answers."""
    from gradio_client import Client
    from http_server import serving

    from qa.server import build_server
    from qa.webapp import ServerOptions

    engine = Engine(settings, embedder=HashingEmbedder())
    engine.ingest([SAMPLE_DIR])
    port = free_port()
    options = ServerOptions(host="127.0.0.1", port=port, auth=("ann", "s3cret"), max_file_size=1)
    app = build_server(engine, options)
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    with serving(app, port) as base:
        url = base + "/"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "config", timeout=10)
        assert refused.value.code == 401
        with pytest.raises(Exception, match=r"(?i)login|auth|401"):
            Client(url, verbose=False)
        result = Client(url, auth=("ann", "s3cret"), verbose=False).predict(XI, api_name="/ask")
        assert result["citations"]


@pytest.mark.parametrize("command", [["ui.py"], ["-m", "qa.cli", "serve"]])
def test_a_busy_port_is_one_line_before_the_encoder_loads(
    command: list[str], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "GRADIO_"))}
        env.update(QA_DATA_DIR=str(tmp_path / "data"), GRADIO_SERVER_PORT=str(port))
        run = subprocess.run(
            [sys.executable, *command],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"error: port {port} is in use (another qa serve?): start with --port {port + 1} "
        "(python ui.py: GRADIO_SERVER_PORT), or stop what listens there"
    ]


@contextmanager
def launched(engine: Engine) -> Iterator[str]:
    """The chat app over ``engine`` in this process, on a free port: its URL."""
    from qa.webapp import ServerOptions, build_app, mount_kwargs

    app = build_app(engine)
    port = free_port()
    options = ServerOptions(host="127.0.0.1", port=port, auth=None, max_file_size=1)
    app.launch(prevent_thread_lock=True, quiet=True, **mount_kwargs(options))
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def test_the_library_shown_catches_up_after_an_answer_when_the_index_changed(
    settings: Settings, browser: Browser, tmp_path: Path
) -> None:
    engine = Engine(settings, embedder=HashingEmbedder())
    engine.ingest([SAMPLE_DIR])
    with launched(engine) as url, open_page(browser, url) as tab:
        articles = tab.locator("#qa-stats tr", has_text="Articles").locator("td")
        tab.get_by_role("tab", name="Library").click()
        assert articles.inner_text() == "1"
        tab.get_by_role("tab", name="Chat").click()
        # Ingested elsewhere (a terminal, another tab) while the page is open.
        engine.ingest([write(tmp_path / "in" / "mayor.txt", MAYOR_ARTICLE)])
        ask(tab, XI)
        tab.locator("#qa-source-filter input").click()
        tab.get_by_role("option", name="mayor.txt").wait_for()
        tab.get_by_role("tab", name="Library").click()
        tab.wait_for_function(
            "() => [...document.querySelectorAll('#qa-stats tr')]"
            ".some(r => r.innerText.startsWith('Articles') && r.innerText.trim().endsWith('2'))"
        )


def test_an_empty_library_says_how_to_add_articles(
    settings: Settings, browser: Browser, tmp_path: Path
) -> None:
    with launched(Engine(settings, embedder=HashingEmbedder())) as url:
        tab = browser.new_page()
        tab.goto(url)
        empty = tab.get_by_text("The library is empty.")
        empty.wait_for()
        assert "Library" in empty.locator("xpath=..").inner_text()
        assert tab.locator("#qa-examples").is_hidden()
        tab.screenshot(path=str(SHOTS / "10-empty-library.png"))
        tab.close()


def test_a_library_without_example_questions_is_not_called_empty(
    settings: Settings, browser: Browser, tmp_path: Path
) -> None:
    # No headline names anyone, so there is no example question to offer; articles there are.
    write(tmp_path / "in" / "plant.txt", "date 2024-05-02 Factory opens in town\n\nIt opened.")
    engine = Engine(settings, embedder=HashingEmbedder())
    engine.ingest([tmp_path / "in"])
    with launched(engine) as url, open_page(browser, url) as tab:
        tab.get_by_text("Ask a question about the articles in the library.").wait_for()
        assert tab.get_by_text("The library is empty.").count() == 0


@contextmanager
def slow_model_page(settings: Settings, browser: Browser) -> Iterator[tuple[Page, Any]]:
    """The chat page over the sample article, answered by a chat model that takes three
    seconds over every reply: long enough to act while an answer is still coming."""
    import dataclasses

    from openai_server import ChatRequest, OpenAIServer, Reply, respond_from_sources

    def slowly(request: ChatRequest) -> Reply:
        return dataclasses.replace(respond_from_sources(request), delay=3.0)

    with OpenAIServer(default=slowly) as model:
        llm = with_test_model(settings, model.url)
        engine = Engine(llm, embedder=HashingEmbedder())
        engine.ingest([SAMPLE_DIR])
        with launched(engine) as url, open_page(browser, url) as tab:
            yield tab, model


def asked_questions(page: Page) -> list[str]:
    """The questions the chat shows as asked (not those still waiting), in order."""
    rows = page.locator("#qa-chat .message-row.user-row").filter(has_not=page.locator(".qa-queued"))
    return [q.strip() for q in rows.all_inner_texts()]


def start_slow_answer(page: Page) -> Locator:
    """Ask the first question and wait until its answer is on its way: the question box."""
    box = page.locator("#qa-question textarea")
    box.fill(PRESIDENT)
    box.press("Enter")
    page.locator("#qa-chat .qa-pending").wait_for()
    return box


def answers_shown(page: Page, n: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#qa-chat [data-testid=bot] .qa-meta').length == {n}"
    )


def test_a_question_sent_while_an_answer_streams_waits_and_is_asked_as_sent(
    settings: Settings, browser: Browser
) -> None:
    with slow_model_page(settings, browser) as (tab, _):
        box = start_slow_answer(tab)
        box.fill(XI)  # sent while the first answer is still coming
        box.press("Enter")
        waiting = tab.locator("#qa-chat .qa-queued")
        waiting.wait_for()
        assert XI in waiting.inner_text()
        assert box.input_value() == ""
        box.fill("Who won the")  # the next question, half typed, is not sent
        answers_shown(tab, 2)
        assert asked_questions(tab) == [PRESIDENT, XI]
        assert waiting.count() == 0
        assert box.input_value() == "Who won the"


def test_an_example_clicked_while_an_answer_streams_waits_its_turn(
    settings: Settings, browser: Browser
) -> None:
    with slow_model_page(settings, browser) as (tab, _):
        example = tab.locator("#qa-examples button, #qa-examples td, #qa-examples tr").first
        example.wait_for()
        picked = example.inner_text().strip()
        start_slow_answer(tab)
        example.click()
        answers_shown(tab, 2)
        assert asked_questions(tab) == [PRESIDENT, picked]


def test_new_chat_while_an_answer_streams_stops_it_for_good(
    settings: Settings, browser: Browser
) -> None:
    with slow_model_page(settings, browser) as (tab, model):
        box = start_slow_answer(tab)
        tab.locator("#qa-new-chat").click()
        box.fill(XI)
        box.press("Enter")
        answers_shown(tab, 1)
        tab.locator("#qa-chat .qa-pending, #qa-chat .qa-streaming").wait_for(state="detached")
        assert asked_questions(tab) == [XI]
        # The question asked after New chat is no follow-up of the stopped one.
        last = model.completions()[-1]
        assert not any(PRESIDENT in m["content"] for m in last.messages)
