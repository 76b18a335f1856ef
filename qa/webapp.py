"""The Gradio app around ``qa.webui``: page layout, event wiring, and how the server is launched.

``qa serve`` and ``python ui.py`` both end in ``qa.server.serve()``, which mounts this page beside
the HTTP API. The layout lives in the package (not in ``ui.py``) so ``qa serve`` works from an
installed wheel too; ``ui.py`` is a three-line launcher.

Safe by default: binds 127.0.0.1 unless ``QA_UI_HOST`` says otherwise, port from
``GRADIO_SERVER_PORT`` (default 7860), no share link, a login when ``QA_UI_AUTH=user:password``,
uploads capped at ``QA_UI_MAX_UPLOAD_MB``, analytics and monitoring off, MCP only with ``QA_MCP=1``.

>>> from qa import Engine, Settings                        # doctest: +SKIP
>>> blocks = build_app(Engine(Settings()))                 # doctest: +SKIP
>>> options = mount_kwargs(server_options(Settings()))   # doctest: +SKIP
>>> gr.mount_gradio_app(fastapi_app, blocks, "/", **options)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from qa.errors import friendly
from qa.settings import Settings
from qa.webui import (
    DATE_PRESETS,
    EMPTY_LIBRARY,
    READY,
    ChatMessage,
    ChatUI,
    Conversation,
    Inbox,
    answerer_label,
    date_problems,
    preset_range,
    render_date_problems,
)

if TYPE_CHECKING:
    import gradio as gr

    from qa.engine import Engine

log = logging.getLogger(__name__)

DEFAULT_PORT = 7860
ANSWER_CONCURRENCY = 4
"""Answers computed at once (chat and ``ask`` share it); more requests wait in Gradio's queue."""


@dataclass(frozen=True)
class ServerOptions:
    """Where and how the app listens; see ``server_options``."""

    host: str
    port: int
    auth: tuple[str, str] | None
    max_file_size: int
    mcp: bool = False


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``QA_UI_AUTH`` (``user:password``) as a pair; None when unset.

    >>> parse_auth("ann:s3cret:x")
    ('ann', 's3cret:x')
    """
    if value is None or not value.strip():
        return None
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        msg = "QA_UI_AUTH must look like user:password (both non-empty)"
        raise ValueError(msg)
    return user.strip(), password


def server_options(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> ServerOptions:
    """Safe defaults: 127.0.0.1 unless ``QA_UI_HOST`` (or ``host``) says otherwise, port from
    ``port``, else ``GRADIO_SERVER_PORT``, else 7860; a login when ``QA_UI_AUTH`` is set."""
    env = os.environ if environ is None else environ
    raw_port = env.get("GRADIO_SERVER_PORT", "").strip()
    if port is None:
        try:
            port = int(raw_port) if raw_port else DEFAULT_PORT
        except ValueError:
            msg = f"GRADIO_SERVER_PORT={raw_port!r} is not a port number"
            raise ValueError(msg) from None
    if not 0 < port < 65536:
        msg = f"port {port} is out of range (1-65535)"
        raise ValueError(msg)
    return ServerOptions(
        host=host or settings.ui.host,
        port=port,
        auth=parse_auth(settings.ui.auth),
        max_file_size=settings.ui.max_upload_mb * 1024 * 1024,
        mcp=settings.mcp,
    )


def mount_kwargs(options: ServerOptions) -> dict[str, Any]:
    """Arguments for ``gr.mount_gradio_app``: no monitoring, MCP only when asked for, no run
    history kept in the browser, uploads capped, and only the ``api`` and settings links.
    (Mounted, not launched: there is no share link to turn off.)"""
    kwargs: dict[str, Any] = {
        "server_name": options.host,
        "server_port": options.port,
        "max_file_size": options.max_file_size,
        "enable_monitoring": False,
        "mcp_server": options.mcp,
        "ssr_mode": False,
        "run_history": False,
        "show_error": False,
        "footer_links": ["api", "settings"],
        "css": CSS,
        "head": HEAD,
        "theme": theme(),
    }
    if options.auth:
        kwargs["auth"] = options.auth
        kwargs["auth_message"] = "qa: sign in with the user and password from QA_UI_AUTH."
    return kwargs


def theme() -> gr.themes.Base:
    """Gradio's default theme, with only complete font files.

    Gradio 6 ships ``SourceSansPro-SemiBold.woff2`` (and ``IBMPlexMono-SemiBold``) as subsets of
    a few dozen glyphs, Latin only ``A`` and ``B``, and its default theme declares them as the
    600 weight. Bold text then draws A and B from that face and every other letter from the
    next font in the stack (DejaVu Sans on Linux), whose lower case is as tall as Source Sans's
    capitals: "ᴀnalysts", "NO ᴀNSWER". Declaring only the complete 400 and 700 files makes
    bold text use the 700 face for every letter.
    """
    import gradio as gr
    from gradio.themes.utils import fonts

    return gr.themes.Default(
        font=(
            fonts.LocalFont("Source Sans Pro", weights=(400, 700)),
            "ui-sans-serif",
            "system-ui",
            "sans-serif",
        ),
        font_mono=(
            fonts.LocalFont("IBM Plex Mono", weights=(400, 700)),
            "ui-monospace",
            "Consolas",
            "monospace",
        ),
    )


def exposure_warning(options: ServerOptions) -> str | None:
    """A warning when the app listens beyond this machine without a login."""
    if options.auth or options.host in {"127.0.0.1", "localhost", "::1"}:
        return None
    return (
        f"warning: the UI listens on {options.host} without a login: anyone who can reach this "
        "machine can ask questions and upload articles. Set QA_UI_AUTH=user:password."
    )


def disable_analytics() -> None:
    """Gradio reads this before it builds or launches anything; it must never phone home."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


def warm_up(engine: Engine) -> None:
    """Load the encoder, open the store and load the keyword index before the first visitor,
    so no request pays for it and concurrent first requests cannot race to build the same
    parts."""
    engine.embedder.embed_query("warm up")
    engine.stats()
    _ = engine.retriever
    _ = engine.answerer
    keyword = getattr(engine.retriever, "keyword_index", None)
    if keyword is not None:
        keyword.sync()


def build_app(engine: Engine) -> gr.Blocks:
    """The whole page: a chat tab (answers, sources, filters) and a library tab (upload, stats),
    plus the ``ask`` API endpoint."""
    disable_analytics()
    import gradio as gr
    from gradio import events

    ui = ChatUI.for_engine(engine)
    settings = engine.settings

    def ask(
        question: str,
        history: list[dict[str, str]] | None = None,
        since: str | None = None,
        until: str | None = None,
        sources: list[str] | None = None,
        k: int | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """Answer a question from the ingested news articles, with verified citations.

        Returns {text, citations, refused, question, unsupported, warning, incomplete, answerer,
        timings}: text carries [n] markers; each citation has n, title, date, source, url and
        the verbatim quote; refused is true when the articles do not contain the answer.

        Args:
            question: The question, e.g. "What did Xi say about sanctions?".
            history: The conversation so far, oldest first: [{"role": "user", "content": ...},
                {"role": "assistant", "content": ...}].
            since: Only articles dated on or after this day (YYYY-MM-DD).
            until: Only articles dated on or before this day (YYYY-MM-DD).
            sources: Only articles from these exact sources.
            k: How many passages to retrieve.
            as_of: The day "last week", "yesterday" in the question count from (YYYY-MM-DD;
                default today).
        """
        try:
            return ui.ask(question, history, since, until, sources, k, as_of)
        except Exception as exc:
            # A bad question or filter, the chat model, the store: the caller gets the one line
            # that says what to do (Gradio would show "the upstream app has raised an exception").
            if not isinstance(exc, ValueError):
                log.exception("the ask API failed for %r", question)
            raise gr.Error(friendly(exc)) from exc

    def add_files(
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects a progress bar
    ) -> tuple[str, str, Any, None]:
        table = ui.add_files(files, lambda fraction, desc: progress(fraction, desc=desc))
        # The upload list is cleared: the result table now says what became of each file.
        return table, ui.stats_html(), gr.Dropdown(choices=ui.source_choices()), None

    def add_feed(url: str | None) -> tuple[str, str, Any, str]:
        table = ui.add_feed(url)
        return table, ui.stats_html(), gr.Dropdown(choices=ui.source_choices()), ""

    def check_dates(since: str | None, until: str | None, as_of: str | None) -> list[Any]:
        """The note under the date fields, and each field marked when it is at fault."""
        problems = date_problems(since, until, as_of)
        marks = [
            gr.DateTime(elem_classes=["qa-invalid"] if field in problems else [])
            for field in ("since", "until", "as_of")
        ]
        return [render_date_problems(problems), *marks]

    def first_contact() -> list[Any]:
        """Example questions from the library (clickable), the question box's placeholder
        following the first one, and how to add articles when there are none."""
        examples, has_articles = ui.examples()
        return [
            example_set(examples),
            gr.Textbox(placeholder=examples[0] if examples else "Ask about your articles"),
            gr.Chatbot(placeholder=READY if has_articles else EMPTY_LIBRARY),
        ]

    def example_set(examples: list[str]) -> Any:
        return gr.Dataset(samples=[[q] for q in examples], visible=bool(examples))

    def library(generation: str | None) -> list[Any]:
        """The library as the page shows it: the index generation it was read at, its
        figures, and the sources to filter by."""
        return [generation, ui.stats_html(), gr.Dropdown(choices=ui.source_choices())]

    def refresh() -> list[Any]:
        """On each page load: the library as it is now, and "as of" the day the page opens."""
        return [*library(ui.generation()), date.today().isoformat(), *first_contact()]

    def catch_up(seen: str | None) -> list[Any]:
        """After each answer: the library's figures, sources and example questions again, when
        the index changed since the page last showed them (another tab's upload, a ``qa
        ingest`` from a terminal). One row is read when nothing changed."""
        now = ui.generation()
        if now is None or now == seen:
            return [gr.skip()] * 4
        examples, _ = ui.examples()
        return [*library(now), example_set(examples)]

    app: gr.Blocks
    with gr.Blocks(
        title="qa — ask your news articles",
        analytics_enabled=False,
        delete_cache=(3600, 3600),  # Gradio's own copies of uploads; ours are in upload_dir
    ) as app:
        conversation = gr.State(Conversation())
        with gr.Row(elem_id="qa-header"):
            gr.Markdown("## qa — ask your news articles")
            # Gradio's "Use via API" footer documents only its own ask endpoint; the REST and
            # OpenAI-compatible APIs served beside the page are documented at /docs.
            gr.Markdown(
                f"{answerer_label(settings)} · [REST API docs](docs)", elem_id="qa-answerer"
            )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat", elem_id="qa-chat-tab"), gr.Row():
                with gr.Column(scale=4):
                    chatbot = gr.Chatbot(
                        elem_id="qa-chat",
                        show_label=False,
                        height="70vh",
                        min_height=420,
                        render_markdown=False,  # we send escaped HTML; no markdown surprises
                        latex_delimiters=[],  # "$5 and $6" in news is money, not LaTeX
                        buttons=[],  # a copy button would copy our HTML, not the text
                        feedback_options=None,
                        placeholder=READY,
                    )
                    with gr.Row(equal_height=True):
                        question = gr.Textbox(
                            label="Question",  # not shown; it names the box for screen readers
                            show_label=False,
                            placeholder="What did Xi say about sanctions?",
                            elem_id="qa-question",
                            scale=6,
                            max_lines=4,
                            autofocus=True,
                        )
                        ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                        new_button = gr.Button("New chat", scale=1, elem_id="qa-new-chat")
                    example_list = gr.Dataset(
                        components=[question],
                        samples=[],
                        label="Try asking",
                        elem_id="qa-examples",
                        visible=False,
                    )
                with gr.Column(scale=1, min_width=260, elem_id="qa-controls"):
                    gr.Markdown("### Filters")
                    as_of = gr.DateTime(
                        include_time=False,
                        type="string",  # typed text reaches date_problems as typed
                        label='As of ("last week" counts from this day)',
                        elem_id="qa-as-of",
                    )
                    with gr.Row(elem_id="qa-range"):
                        since = gr.DateTime(
                            include_time=False, type="string", label="From", elem_id="qa-since"
                        )
                        until = gr.DateTime(
                            include_time=False, type="string", label="To", elem_id="qa-until"
                        )
                    with gr.Row(elem_id="qa-presets"):
                        presets = [
                            gr.Button(name, size="sm", elem_classes=["qa-preset"])
                            for name in DATE_PRESETS
                        ]
                    date_note = gr.HTML(elem_id="qa-date-note")
                    source_filter = gr.Dropdown(
                        label="Sources (none selected = all)",
                        choices=ui.source_choices(),
                        multiselect=True,
                        elem_id="qa-source-filter",
                    )
                    k = gr.Slider(
                        1,
                        20,
                        value=settings.retrieval.k,
                        step=1,
                        label="Passages retrieved",
                        elem_id="qa-k",
                    )
            with gr.Tab("Library", id="library", elem_id="qa-library-tab"), gr.Row():
                with gr.Column(scale=3):
                    files = gr.File(
                        label=(
                            "Article files: .txt .md .html .json .jsonl, up to "
                            f"{settings.ui.max_upload_mb} MB each"
                        ),
                        file_count="multiple",
                        type="filepath",
                        elem_id="qa-upload",
                    )
                    add_button = gr.Button("Add to library", variant="primary", elem_id="qa-add")
                    results = gr.HTML(elem_id="qa-ingest-results")
                    gr.Markdown("### Feeds")
                    with gr.Row(equal_height=True):
                        feed_url = gr.Textbox(
                            label="Feed or page URL",
                            show_label=False,
                            placeholder="https://site/feed.xml (RSS or Atom) or a page URL",
                            elem_id="qa-feed-url",
                            scale=5,
                        )
                        feed_button = gr.Button("Add feed", scale=1, elem_id="qa-add-feed")
                    feeds = gr.HTML(ui.feeds_html(), elem_id="qa-feeds")
                with gr.Column(scale=2):
                    gr.Markdown("### Corpus")
                    stats = gr.HTML(ui.stats_html(), elem_id="qa-stats")

        date_fields = [since, until, as_of]
        for field in date_fields:
            field.change(
                check_dates,
                date_fields,
                [date_note, *date_fields],
                api_visibility="private",
                queue=False,
                show_progress="hidden",
            )
        for button in presets:
            button.click(
                lambda as_of_day, preset=button.value: preset_range(preset, as_of_day),
                [as_of],
                [since, until],
                api_visibility="private",
                queue=False,
            )
        for trigger in (question.submit, ask_button.click):  # flagged again on every ask
            trigger(
                check_dates,
                date_fields,
                [date_note, *date_fields],
                js=TYPED_DATES_JS,
                api_visibility="private",
                queue=False,
                show_progress="hidden",
            )
        inbox = gr.State(Inbox())
        shown_generation = gr.State(None)  # the index's generation the page's library shows
        filters = [since, until, source_filter, k, as_of]

        def take(*inputs: Any) -> tuple[Any, ...]:
            """A sent question leaves the box for the session's inbox at once, with the
            filters as they are now (``ChatUI.take``)."""
            taken = ui.take(*inputs)
            return (
                taken.box,
                gr.skip() if taken.bubbles is None else taken.bubbles,
                gr.skip() if taken.conversation is None else taken.conversation,
            )

        def answer_waiting(box: Inbox, state: Conversation) -> Iterator[tuple[Any, ...]]:
            yield gr.skip(), gr.skip()  # a generator that may find nothing to answer
            yield from ui.answer_waiting(box, state)

        def answer_on(trigger: Callable[..., Any]) -> Any:
            """Answer what is sent when ``trigger`` fires (Enter, the Ask button, an example):
            the question is taken at once, then answered in its turn. A question sent while an
            answer streams waits, shown below it, and is asked as it was sent."""
            taken = trigger(
                take,
                [inbox, conversation, chatbot, question, *filters],
                [question, chatbot, conversation],
                api_visibility="private",
                queue=False,
                show_progress="hidden",
                js=TYPED_DATES_JS,
                trigger_mode="multiple",
            )
            return taken.then(
                answer_waiting,
                [inbox, conversation],
                [chatbot, conversation],
                api_visibility="private",
                concurrency_limit=ANSWER_CONCURRENCY,
                concurrency_id="answer",
                show_progress="hidden",
                # Each run answers whatever is waiting; one that finds another answering this
                # session ends at once (Inbox.claim). "always_last" would hold a run back
                # behind one New chat has cancelled.
                trigger_mode="multiple",
            )

        def new_chat(box: Inbox) -> tuple[str, list[ChatMessage], Conversation]:
            box.clear()
            return "", [], Conversation()

        answers = [answer_on(functools.partial(gr.on, [question.submit, ask_button.click]))]
        # An example is asked as if typed: into the box, then the usual path.
        example = example_list.click(
            lambda sample: sample[0], example_list, question, api_visibility="private", queue=False
        )
        answers.append(answer_on(example.then))
        # New chat, and the chatbot's own bin button, clear the page, the history and the
        # questions waiting, and stop an answer being streamed (it would come back).
        chat_outputs = [question, chatbot, conversation]
        for clear in (chatbot.clear, new_button.click):
            clear(new_chat, [inbox], chat_outputs, api_visibility="private", cancels=answers)
        add_event = add_button.click(
            add_files,
            [files],
            [results, stats, source_filter, files],
            api_visibility="private",
            concurrency_limit=1,  # one ingest at a time: they write the same index
            concurrency_id="ingest",
        )
        feed_button.click(
            add_feed,
            [feed_url],
            [feeds, stats, source_filter, feed_url],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="ingest",
        )
        app.load(ui.feeds_html, None, [feeds], api_visibility="private")
        first_contact_outputs = [example_list, question, chatbot]
        app.load(
            refresh,
            None,
            [shown_generation, stats, source_filter, as_of, *first_contact_outputs],
            api_visibility="private",
        )
        for answered in answers:
            answered.then(
                catch_up,
                [shown_generation],
                [shown_generation, stats, source_filter, example_list],
                api_visibility="private",
                show_progress="hidden",
            )
        add_event.then(first_contact, None, first_contact_outputs, api_visibility="private")
        events.api(
            ask,
            api_name="ask",
            concurrency_limit=ANSWER_CONCURRENCY,
            concurrency_id="answer",
        )
    return app


CSS = """
#qa-header { align-items: baseline; }
#qa-answerer { text-align: right; opacity: 0.85; }
/* The first question starts below the chat's bin button instead of beside (under) it, and a
   bubble scrolled to the top keeps its border in view. */
#qa-chat .bubble-wrap { padding-top: 36px; }
#qa-chat .message-row { scroll-margin-top: 12px; }
/* An answer with its source cards takes the chat's full width, like a results page. */
#qa-chat .bot-row { width: calc(100% - 40px); max-width: none; }
#qa-chat .bot-row > .role, #qa-chat .bot-row .message.bot { width: 100%; max-width: none;
  box-sizing: border-box; }
.qa-answer p { margin: 0 0 0.5em 0; }
.qa-nobr { white-space: nowrap; }
.qa-cite { text-decoration: none; font-weight: 700; padding: 0 1px; }
.qa-short { font-weight: 700; }
.qa-streaming { opacity: 0.75; }
.qa-pending { opacity: 0.6; font-style: italic; }
.qa-queued { opacity: 0.75; }
.qa-queue-note { font-size: 12px; font-style: italic; margin-top: 4px; }
.qa-notice { font-style: italic; }
.qa-refusal { border-left: 4px solid #b45309; padding: 4px 10px; background: #fff7ed;
  color: #7c2d12; }
.qa-refusal-label { font-weight: 700; font-size: 0.85em; letter-spacing: 0.02em; }
.qa-error { border-left: 4px solid #b91c1c; padding: 4px 10px; background: #fef2f2;
  color: #7f1d1d; }
.qa-warning { color: #92400e; font-size: 0.9em; }
.qa-sources { margin-top: 0.7em; }
.qa-sources-label { font-size: 0.8em; font-weight: 700; opacity: 0.7; margin-bottom: 0.3em; }
.qa-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
  gap: 8px; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 6px 9px; font-size: 0.85em; line-height: 1.4; scroll-margin: 60px;
  background: var(--background-fill-primary); transition: box-shadow 0.3s, border-color 0.3s; }
.qa-card.qa-flash { border-color: var(--color-accent);
  box-shadow: 0 0 0 3px var(--color-accent-soft); }
.qa-card-head { font-size: 0.9em; opacity: 0.75; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.qa-badge { background: #fde68a; color: #713f12; border-radius: 4px; padding: 0 4px;
  font-size: 0.9em; }
.qa-source-title { font-weight: 700; margin: 1px 0 3px 0; display: -webkit-box;
  -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.qa-source-title a { text-decoration: none; color: inherit; }
.qa-source-title a:hover { text-decoration: underline; }
.qa-quote { margin: 3px 0 0 0; scroll-margin: 60px; }
.qa-quote-n { font-weight: 700; font-size: 0.8em; border: 1px solid var(--border-color-primary);
  border-radius: 3px; padding: 0 3px; margin-right: 4px; }
.qa-quote mark, .qa-context mark { background: #fde68a; color: inherit; padding: 0 1px; }
.qa-context summary { cursor: pointer; font-size: 0.85em; opacity: 0.7; }
.qa-context div { opacity: 0.85; margin-top: 2px; }
.qa-also { font-size: 0.85em; opacity: 0.7; margin-top: 3px; }
.qa-field-error { color: #b91c1c; font-size: 0.85em; margin-top: 2px; }
.dark .qa-field-error { color: #fca5a5; }
/* Only what the server found wrong is red: Gradio marks any date it cannot read itself
   ("7/6/2022") invalid, though qa reads it. */
.qa-invalid input { border-color: #b91c1c !important;
  box-shadow: 0 0 0 1px #b91c1c; color: #b91c1c !important; }
#qa-presets button { min-width: 0; }
/* 0.75: the meta line keeps the 4.5:1 contrast of WCAG AA at its small size (0.6 gave 4.0:1). */
.qa-meta { font-size: 0.75em; opacity: 0.75; margin-top: 0.4em; }
.qa-stats, .qa-ingest-results { border-collapse: collapse; }
.qa-stats th, .qa-stats td, .qa-ingest-results th, .qa-ingest-results td {
  border: 1px solid var(--border-color-primary) !important; padding: 3px 8px; text-align: left; }
.qa-ingest-results tr.qa-bad td { color: #b91c1c; }
.qa-ingest-results tr.qa-ok td { color: #166534; }
.dark .qa-refusal { background: #3b2a16; color: #fed7aa; }
.dark .qa-error { background: #3f1d1d; color: #fecaca; }
.dark .qa-warning { color: #fcd34d; }
.dark .qa-quote mark, .dark .qa-context mark, .dark .qa-badge { background: #854d0e;
  color: #fef9c3; }
.dark .qa-ingest-results tr.qa-bad td { color: #fca5a5; }
.dark .qa-ingest-results tr.qa-ok td { color: #86efac; }
"""

TYPED_DATES_JS = """(...values) => {
  // Gradio's date field keeps its last good value while it shows text it cannot read (it
  // only greys it, class "invalid"); the server must see the text as typed, to flag it rather
  // than answer as if the field were blank or unchanged. The inputs are check_dates' three or
  // take's nine (inbox, conversation, chat, question, since, until, sources, k, as_of).
  const typed = {"qa-since": null, "qa-until": null, "qa-as-of": null};
  for (const id of Object.keys(typed)) {
    const box = document.querySelector(`#${id} input`);
    if (box && box.classList.contains("invalid")) typed[id] = box.value;
  }
  const order = values.length === 3 ? ["qa-since", "qa-until", "qa-as-of"]
    : [null, null, null, null, "qa-since", "qa-until", null, null, "qa-as-of"];
  return values.map((value, i) => (order[i] && typed[order[i]] !== null ? typed[order[i]] : value));
}"""

HEAD = """
<script>
// [n] in an answer scrolls to its quote and flashes the card holding it. One listener on the
// document: chat bubbles are re-rendered, so listeners on the links themselves would be lost.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.qa-cite");
  if (!link) return;
  const id = (link.getAttribute("href") || "").slice(1);
  const target = document.getElementById(id);
  if (!target) return;
  event.preventDefault();
  history.replaceState(null, "", "#" + id);
  target.scrollIntoView({ block: "center", behavior: "smooth" });
  const card = target.closest(".qa-card") || target;
  card.classList.remove("qa-flash");
  void card.offsetWidth;  // restart the flash when the same card is clicked twice
  card.classList.add("qa-flash");
  setTimeout(() => card.classList.remove("qa-flash"), 1600);
});
// Gradio's HTML sanitizer keeps no data-* attributes in chat messages; the cards get back the
// data-testid they are rendered with, so tests and user scripts can find them.
// Screen readers get names: the date fields' inputs are named by their placeholder only (their
// labels are not tied to them), and Gradio names each chat message by its raw HTML.
const QA_NAMES = {"#qa-since input": "From date", "#qa-until input": "To date",
  "#qa-as-of input": "As of date"};
new MutationObserver(() => {
  for (const card of document.querySelectorAll(".qa-card:not([data-testid])")) {
    card.dataset.testid = "source-card";
  }
  for (const [selector, name] of Object.entries(QA_NAMES)) {
    for (const el of document.querySelectorAll(selector)) {
      if (el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name);
    }
  }
  for (const el of document.querySelectorAll('#qa-chat [aria-label*="<"]')) {
    const label = el.getAttribute("aria-label");
    const who = label.slice(0, label.indexOf(":") + 1);
    el.setAttribute("aria-label", `${who} ${el.textContent.trim().slice(0, 300)}`.trim());
  }
}).observe(document.documentElement, { childList: true, subtree: true });
</script>
"""
