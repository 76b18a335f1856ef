"""The ``qa`` command: a thin shell over ``qa.Engine``. Every behaviour lives in the package."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from qa.engine import Engine
    from qa.models import Answer, StreamItem
    from qa.settings import Settings

app = typer.Typer(
    name="qa",
    help="Ask questions about a folder of news articles; every answer cites its sentences.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

INCOMPLETE_EXIT = 3
"""`qa ask` exit status when the model's stream was cut off: the partial answer is printed with
a warning, but a script must not take it for a whole one."""

# The retrieval options `ask` and `chat` share.
PassagesOption = Annotated[int | None, typer.Option("--k", help="Passages to retrieve.")]
SinceOption = Annotated[str | None, typer.Option(help="Only articles on/after YYYY-MM-DD.")]
UntilOption = Annotated[str | None, typer.Option(help="Only articles on/before YYYY-MM-DD.")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help='The day "last week", "yesterday" count from (YYYY-MM-DD; default today).'
    ),
]
SourceOption = Annotated[
    list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Known failures become one line on stderr, never a traceback."""
    from pydantic import ValidationError

    from qa.errors import QAError, friendly

    try:
        yield
    except KeyboardInterrupt as exc:
        # An ingest says exactly what it kept; elsewhere nothing was being written.
        message = getattr(exc, "message", "interrupted")
        typer.secho(message, err=True, fg=typer.colors.YELLOW)
        raise typer.Exit(getattr(exc, "exit_code", 130)) from None
    except BrokenPipeError:
        # The reader went away ("qa stats | head -1"): nothing to say, and no one to say it to.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None
    except (QAError, ValueError, ValidationError, OSError, RuntimeError) as exc:
        raise _fail(friendly(exc)) from None


def _engine() -> Engine:
    from qa.engine import Engine
    from qa.settings import Settings

    return Engine(Settings())


def _settings() -> Settings:
    from qa.settings import Settings

    return Settings()


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files, folders (recursive), globs, or URLs of feeds or pages."),
    ],
    prune: Annotated[
        bool,
        typer.Option(
            help="Remove articles under these paths whose files are gone or no longer hold them."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Add or update articles (.txt, .md, .html, .json, .jsonl, RSS/Atom feeds and web pages by
    URL) in the index. Exits 1 when a URL could not be fetched (the next run retries it), when
    another run took over articles this one stalled on, or when every input was skipped."""
    from qa.fetch import is_url

    with _clean_errors():
        engine = _engine()
        with _progress(enabled=not quiet and sys.stderr.isatty()) as on_progress:
            report = engine.ingest(paths, prune=prune, on_progress=on_progress)
        for skipped in report.skipped:
            typer.secho(f"skipped {skipped}", fg=typer.colors.YELLOW, err=True)
        typer.echo(report.summary())
    if report.all_skipped():
        raise _fail("every input was skipped, so nothing was ingested (reasons above)")
    if report.taken or any(is_url(s.path) for s in report.skipped):
        raise typer.Exit(1)  # the summary says what to run again


@contextmanager
def _progress(*, enabled: bool) -> Iterator[Callable[[float, int], None] | None]:
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar: Any = None

    def update(done: float, total: int) -> None:
        nonlocal bar
        if bar is None:  # shown from the first call (0 done): the bar exists before any work
            bar = tqdm(
                total=total,
                unit="article",
                desc="ingest",
                file=sys.stderr,
                # Tenths of a percent: one 70,000-chunk file moves the bar every few seconds.
                bar_format="{desc}: {percentage:5.1f}%|{bar}| {n:.2f}/{total} "
                "[{elapsed}<{remaining}, {rate_fmt}]",
            )
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    k: PassagesOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Answer one question, with numbered citations (exit 3 if the answer was cut off)."""
    with _clean_errors():
        from qa.models import Query, final_answer

        query = Query(question=question, k=k, since=since, until=until, sources=source, as_of=as_of)
        stream = _engine().stream(query)
        if as_json:
            answer = final_answer(stream)
            typer.echo(answer.model_dump_json(indent=2))
        else:
            answer = _show_stream(stream)
            typer.echo(format_answer(answer))
    if answer.incomplete:  # printed with its warning, but a script must not take it as whole
        raise typer.Exit(INCOMPLETE_EXIT)


def _show_stream(items: Iterator[StreamItem]) -> Answer:
    """On a terminal, show the draft as the model writes it, then clear it: the caller prints the
    verified answer, whose markers are renumbered and whose unsupported sentences are flagged.
    Piped output gets only the verified answer."""
    from qa.models import AnswerStream, final_answer

    if not sys.stdout.isatty():
        return final_answer(items)
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    draft = Text(style="dim")
    drafts = AnswerStream(items)
    # Redrawn on each delta rather than on a timer: no thread, and nothing shown late or lost.
    with Live(draft, console=Console(), transient=True, auto_refresh=False) as live:
        for delta in drafts:
            draft.append(delta)
            live.refresh()
    return drafts.answer


def format_answer(answer: Answer) -> str:
    """The answer, then one line per citation: ``[1] Title (date) source`` and the quote (and
    where else the story ran, for a syndicated one)."""
    from qa.syndication import also_ran_in

    lines = [answer.text]
    if answer.warning:
        lines.append(f"note: {answer.warning}")
    if answer.citations:
        lines.append("")
    for c in answer.citations:
        when = c.date.isoformat() if c.date else "undated"
        if c.stale:
            when += ", years older than the other sources"
        lines.append(f"[{c.n}] {_one_line(c.title)} ({when}) {_one_line(c.source)}")
        lines.append(f"    “{c.quote}”")
        if c.also_in:
            lines.append(f"    {_one_line(also_ran_in(c.also_in))}")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """``text`` with control characters escaped: a newline in a file name must not split the
    citation line (a reader would take the rest for another line of the answer)."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


@app.command()
def chat(
    k: PassagesOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Chat with the articles: follow-ups ("and when did he...?") are understood in context.

    One question per line; /new starts a new conversation; /quit, Ctrl-D or Ctrl-C leaves.
    """
    from qa.chat import was_rewritten
    from qa.errors import QAError, friendly
    from qa.models import Query, is_blank, storable_text

    with _clean_errors():
        engine = _engine()
        # The options are checked once, before the first question, as `qa ask` checks them.
        Query(question="check", k=k, since=since, until=until, sources=source, as_of=as_of)
    interactive = sys.stdin.isatty()
    with suppress(AttributeError, ValueError):  # a stream that cannot be reconfigured
        # A line that is not UTF-8 (a Latin-1 file piped in) is read with U+FFFD in place of its
        # odd bytes, not a crash of the whole chat.
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    if interactive:
        with suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        typer.echo("Ask about your articles. /new starts over; /quit or Ctrl-D leaves.")
    history: list[dict[str, str]] = []
    while True:
        try:
            line = input("you> " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            if interactive:
                typer.echo("")
            return
        question = storable_text(line.strip())
        if is_blank(question):
            continue
        if question.lower() in {"/quit", "/exit", "/q"}:
            return
        if question.lower() in {"/new", "/reset", "/clear"}:
            history.clear()
            typer.echo("(new conversation)")
            continue
        if re.fullmatch(r"/\w*", question):
            typer.secho(
                f"unknown command {question}: /new starts over, /quit leaves",
                err=True,
                fg=typer.colors.YELLOW,
            )
            continue
        try:
            query = Query(
                question=question,
                history=history,
                k=k,
                since=since,
                until=until,
                sources=source,
                as_of=as_of,
            )
            answer = _show_stream(engine.stream(query))
        except KeyboardInterrupt:
            typer.secho("(answer interrupted)", err=True, fg=typer.colors.YELLOW)
            continue
        except (QAError, ValueError, OSError, RuntimeError) as exc:
            # One bad turn (a timeout, a bad date) should not end the conversation.
            typer.secho(f"error: {friendly(exc)}", err=True, fg=typer.colors.RED)
            continue
        if was_rewritten(question, answer.question):
            typer.secho(f"(understood as: {answer.question})", fg=typer.colors.BRIGHT_BLACK)
        typer.echo(format_answer(answer) + "\n")
        history += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.text},
        ]


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What the index holds: articles, chunks, date span, embedding model."""
    with _clean_errors():
        figures = _engine().stats()
        if as_json:
            typer.echo(json.dumps(figures, indent=2))
        else:
            for key, value in figures.items():
                typer.echo(f"{key:16} {value}")


@app.command()
def watch(
    urls: Annotated[
        list[str] | None,
        typer.Argument(help="Feeds or pages to poll (plus those in <data dir>/feeds.txt)."),
    ] = None,
    every: Annotated[str, typer.Option(help="How often: 15m, 1h, 90s.")] = "15m",
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
) -> None:
    """Poll RSS/Atom feeds and pages and ingest what is new, until Ctrl-C."""
    import time

    from qa.errors import friendly
    from qa.watch import Watcher, parse_every, watched

    with _clean_errors():
        seconds = parse_every(every)
        engine = _engine()
        if not watched(engine.settings, urls or []):
            raise _fail("nothing to watch: name feed URLs, or list them in <data dir>/feeds.txt")

        def show(report: Any) -> None:
            for skipped in report.skipped:
                typer.secho(f"skipped {skipped}", fg=typer.colors.YELLOW, err=True)
            typer.echo(f"{time.strftime('%H:%M:%S')} {report.summary()}")

        def warn(exc: Exception) -> None:
            typer.secho(f"error: {friendly(exc)} (next round in {every})", err=True, fg="red")

        watcher = Watcher(engine, urls or [], every=seconds, on_round=show, on_error=warn)
        if once:
            watcher.run_once()
            return
        watcher.run_forever()


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default QA_UI_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default GRADIO_SERVER_PORT or 7860).")
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the chat in the default browser.")
    ] = False,
    watch: Annotated[
        list[str] | None,
        typer.Option(help="Also poll this feed or page (repeatable; feeds.txt counts too)."),
    ] = None,
    every: Annotated[str, typer.Option(help="How often to poll the watched feeds.")] = "15m",
) -> None:
    """Serve the chat UI and the HTTP API at http://127.0.0.1:7860 (Ctrl-C stops it)."""
    with _clean_errors():
        from qa.server import serve as serve_ui
        from qa.watch import parse_every

        seconds = parse_every(every)
        serve_ui(
            _settings(),
            host=host,
            port=port,
            open_browser=open_browser,
            watch=watch or [],
            every=seconds,
        )


@app.command("eval")
def eval_command(
    dataset: Annotated[Path, typer.Argument(help="JSONL: a question and its gold answer a line.")],
    report: Annotated[
        Path | None, typer.Option(help="Write report.json, report.md and PNG plots here.")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(help="An earlier report.json: print the change per metric.")
    ] = None,
    judge: Annotated[
        str, typer.Option(help="Citation support judge: lexical, embedding or llm.")
    ] = "lexical",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Measure answer quality on a gold set: retrieval, answers, citations, refusals, latency.
    Exits 1 when a question failed with an error (the figures then count it as unanswered)."""
    with _clean_errors():
        from qa.evaluation import compare as compare_reports
        from qa.evaluation import evaluate, load_report
        from qa.judges import judge_name
        from qa.reports import format_comparison, format_summary, write_report

        old = load_report(compare) if compare else None  # fail before a long run, not after
        name = judge_name(judge)
        with _eval_progress(enabled=not quiet and sys.stderr.isatty()) as on_progress:
            result = evaluate(
                dataset, engine=_engine(), judge=name, limit=limit, on_progress=on_progress
            )
        typer.echo(format_summary(result))
        if report:
            for path in write_report(result, report):
                typer.echo(f"wrote {path}")
        if old:
            typer.echo("")
            typer.echo(format_comparison(compare_reports(old, result)))
    if result.errors:
        raise typer.Exit(1)


@contextmanager
def _eval_progress(*, enabled: bool) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar whose postfix is the running answer accuracy."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar: Any = None

    def update(progress: Any) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=progress.total, unit="question", desc="eval", file=sys.stderr)
        if progress.accuracy is not None:
            bar.set_postfix_str(f"accuracy {progress.accuracy:.3f}", refresh=False)
        bar.update(progress.done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
