"""The HTTP API end to end, through real clients against a real ``qa serve`` process: ``httpx`` on
REST and its server-sent events, the official ``openai`` SDK on ``/v1``, ``gradio_client`` on
the UI's ``ask`` endpoint, an MCP client on Gradio's MCP server, and README's curl examples run
verbatim. The token, the size limit and the loopback rule run on in-process servers."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REPO, SAMPLE_ARTICLE, SAMPLE_DIR, HashingEmbedder, write
from http_server import free_port, serving
from serve_process import serving_qa
from test_ui import MAYOR_ARTICLE, PRESIDENT, XI

from qa.embeddings import LocalEmbedder
from qa.engine import Engine
from qa.settings import Settings

pytestmark = pytest.mark.integration

ARTICLE_TEXT = SAMPLE_ARTICLE.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Served:
    url: str
    ingest_dir: Path


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: LocalEmbedder
) -> Iterator[Served]:
    """``qa serve`` (MCP on, ingest by path allowed under one folder) over the sample article."""
    root = tmp_path_factory.mktemp("api-app")
    data_dir = root / "data"
    ingest_dir = root / "inbox"
    ingest_dir.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("QA_", "OPENAI_")):
                mp.delenv(name)
        mp.chdir(root)
        settings = Settings(data_dir=data_dir, llm={"provider": "extractive"})
        Engine(settings, embedder=real_embedder).ingest([SAMPLE_DIR])
    with serving_qa(
        data_dir, root / "serve.log", QA_MCP="1", QA_API_INGEST_DIR=str(ingest_dir)
    ) as url:
        yield Served(url=url, ingest_dir=ingest_dir)


def events(response: httpx.Response) -> list[tuple[str, Any]]:
    """Server-sent events as (event, data) pairs, in order."""
    found: list[tuple[str, Any]] = []
    event = "message"
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            found.append((event, json.loads(line.removeprefix("data: "))))
            event = "message"
    return found


class TestRestAsk:
    def test_returns_the_answer_with_citations_quoting_the_article(self, served: Served) -> None:
        reply = httpx.post(f"{served.url}/api/ask", json={"question": XI}, timeout=60)
        assert reply.status_code == 200, reply.text
        answer = reply.json()
        assert "[1]" in answer["text"] and answer["refused"] is False
        first = answer["citations"][0]
        assert first["n"] == 1 and first["date"] == "2023-03-01"
        assert ARTICLE_TEXT.count(first["quote"]) >= 1
        assert set(answer) >= {"text", "citations", "refused", "question", "timings"}
        assert "passages" not in answer

    def test_streams_draft_deltas_then_the_same_answer(self, served: Served) -> None:
        plain = httpx.post(f"{served.url}/api/ask", json={"question": XI}, timeout=60).json()
        with httpx.stream(
            "POST", f"{served.url}/api/ask", json={"question": XI, "stream": True}, timeout=60
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            got = events(response)
        kinds = [kind for kind, _ in got]
        assert kinds[-1] == "answer" and kinds.count("answer") == 1
        assert kinds[:-1] and set(kinds[:-1]) == {"delta"}
        final = got[-1][1]
        assert final["text"] == plain["text"]
        assert final["citations"] == plain["citations"]

    def test_filters_history_and_k_are_applied(self, served: Served) -> None:
        def ask(**body: Any) -> dict[str, Any]:
            reply = httpx.post(f"{served.url}/api/ask", json={"question": XI, **body}, timeout=60)
            assert reply.status_code == 200, reply.text
            return dict(reply.json())

        assert ask(since="2030-01-01")["refused"] is True
        assert ask(sources=["nowhere.example"])["refused"] is True
        # k=1: one retrieved passage, read with its article's opening (answer.lead_articles).
        one = ask(k=1)["citations"]
        assert len({c["article_id"] for c in one}) == 1
        history = [{"role": "user", "content": PRESIDENT}, {"role": "assistant", "content": "1994"}]
        follow_up = httpx.post(
            f"{served.url}/api/ask",
            json={"question": "What did he say about the meeting?", "history": history},
            timeout=60,
        ).json()
        assert "Lukashenko" in follow_up["question"]

    @pytest.mark.parametrize(
        "body",
        [
            {"question": "What happened 3000 years ago?"},
            {"question": "Where did they meet?", "as_of": "0001-01-05"},
            {"question": "Who cut the \udcff ribbon?"},  # a lone surrogate, as JSON can carry
        ],
    )
    def test_odd_but_valid_input_is_answered_not_a_server_error(
        self, served: Served, body: dict[str, Any]
    ) -> None:
        reply = httpx.post(  # JSON escapes a lone surrogate as \\udcff, which it may carry
            f"{served.url}/api/ask",
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["citations"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"question": XI, "since": "someday"}, "since"),
            ({"question": XI, "k": 0}, "k"),
            ({"question": XI, "k": 10_000}, "k"),
            ({"question": XI, "k": True}, "k"),  # not a number of passages
            ({"question": "   "}, "question"),
            ({"k": 3}, "question"),
            ({"question": XI, "history": [{"role": "robot", "content": "hi"}]}, "history"),
            ({"question": XI, "colour": "blue"}, "colour"),
        ],
    )
    def test_a_bad_field_gets_a_422_that_names_it(
        self, served: Served, body: dict[str, Any], field: str
    ) -> None:
        reply = httpx.post(f"{served.url}/api/ask", json=body, timeout=30)
        assert reply.status_code == 422
        error = reply.json()
        assert error["field"].split(".")[0] == field
        assert field in error["error"]

    def test_a_body_that_is_not_json_is_refused_as_such(self, served: Served) -> None:
        reply = httpx.post(
            f"{served.url}/api/ask",
            content=b'{"question": "What did Xi say?",',
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert reply.status_code == 422
        assert reply.json()["field"] is None and "JSON" in reply.json()["error"]

    def test_a_bad_filter_in_a_stream_is_refused_before_it_starts(self, served: Served) -> None:
        body = {"question": XI, "since": "2023-05-01", "until": "2023-01-01", "stream": True}
        reply = httpx.post(f"{served.url}/api/ask", json=body, timeout=30)
        assert reply.status_code == 422
        assert "since" in reply.json()["error"] and "until" in reply.json()["error"]


class TestRestCorpus:
    def test_health_and_stats(self, served: Served) -> None:
        health = httpx.get(f"{served.url}/api/health", timeout=10).json()
        stats = httpx.get(f"{served.url}/api/stats", timeout=10).json()
        assert health == {"status": "ok", "chunks": stats["chunks"], "answerer": "extractive"}
        assert stats["articles"] >= 1 and stats["chunks"] > stats["articles"]
        assert stats["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"

    def test_articles_are_paged_and_filtered(self, served: Served) -> None:
        page = httpx.get(f"{served.url}/api/articles", params={"limit": 1}, timeout=10).json()
        assert page["limit"] == 1 and len(page["articles"]) == 1
        xi = next(
            a
            for offset in range(page["total"])
            for a in httpx.get(
                f"{served.url}/api/articles", params={"limit": 1, "offset": offset}, timeout=10
            ).json()["articles"]
            if a["date"] == "2023-03-01"
        )
        assert xi["title"].startswith("Xi Jinping and Alexander Lukashenko")
        assert set(xi) == {"id", "title", "date", "source", "url", "chunks"}
        window = {"since": "2023-03-01", "until": "2023-03-01", "source": xi["source"]}
        only = httpx.get(f"{served.url}/api/articles", params=window, timeout=10).json()
        assert [a["id"] for a in only["articles"]] == [xi["id"]] and only["total"] == 1
        later = httpx.get(f"{served.url}/api/articles", params={"since": "2030-01-01"}, timeout=10)
        assert later.json()["total"] == 0
        bad = httpx.get(f"{served.url}/api/articles", params={"limit": 0}, timeout=10)
        assert bad.status_code == 422 and bad.json()["field"] == "limit"

    def test_uploaded_files_are_checked_ingested_and_answered_from(
        self, served: Served, tmp_path: Path
    ) -> None:
        files = [
            ("files", ("quillhaven.txt", MAYOR_ARTICLE.encode(), "text/plain")),
            ("files", ("report.pdf", b"%PDF-1.4", "application/pdf")),
        ]
        reply = httpx.post(f"{served.url}/api/ingest", files=files, timeout=120)
        assert reply.status_code == 200, reply.text
        outcomes = {f["name"]: f["outcome"] for f in reply.json()["files"]}
        assert outcomes["quillhaven.txt"] == "1 added"
        assert outcomes["report.pdf"].startswith("rejected")
        answer = httpx.post(
            f"{served.url}/api/ask",
            json={"question": "Who was elected mayor of Quillhaven?"},
            timeout=60,
        ).json()
        assert "Verbrugge" in answer["text"]
        assert answer["citations"][0]["title"].startswith("Quillhaven elects")

    def test_paths_are_read_only_inside_the_allowed_folder(self, served: Served) -> None:
        write(
            served.ingest_dir / "desk" / "harbour.txt",
            MAYOR_ARTICLE.replace("mayor", "harbour master"),
        )
        inside = httpx.post(f"{served.url}/api/ingest", json={"paths": ["desk"]}, timeout=120)
        assert inside.status_code == 200, inside.text
        assert inside.json()["files"] == [{"name": "desk/harbour.txt", "outcome": "1 added"}]
        for outside in ["../data", "/etc/passwd", str(SAMPLE_ARTICLE)]:
            reply = httpx.post(f"{served.url}/api/ingest", json={"paths": [outside]}, timeout=30)
            assert reply.status_code == 403
            assert "QA_API_INGEST_DIR" in reply.json()["error"]
        missing = httpx.post(f"{served.url}/api/ingest", json={"paths": ["nope"]}, timeout=30)
        assert missing.status_code == 422 and missing.json()["field"] == "paths"

    def test_urls_of_pages_and_feeds_are_ingested_and_bad_ones_reported(
        self, served: Served
    ) -> None:
        from feed_server import SHARED_ARTICLES, NewsSite, load_articles

        if not SHARED_ARTICLES.exists():
            pytest.skip(f"{SHARED_ARTICLES} is missing (the shared development data)")
        with NewsSite.of(load_articles(1)) as site:
            urls = [site.page_url("story-0"), site.url("/gone.html")]
            reply = httpx.post(f"{served.url}/api/ingest", json={"urls": urls}, timeout=120)
        assert reply.status_code == 200, reply.text
        assert reply.json()["files"] == [
            {"name": site.page_url("story-0"), "outcome": "1 added"},
            {
                "name": site.url("/gone.html"),
                "outcome": "skipped: HTTP 410 gone (the page was removed)",
            },
        ]
        not_a_url = httpx.post(f"{served.url}/api/ingest", json={"urls": ["a.txt"]}, timeout=30)
        assert not_a_url.status_code == 422 and not_a_url.json()["field"] == "urls"

    def test_a_path_no_endpoint_serves_gets_the_apis_error_shape(self, served: Served) -> None:
        missing = httpx.get(f"{served.url}/api/nosuch", timeout=10)
        assert missing.status_code == 404
        assert missing.json() == {
            "error": "no endpoint at /api/nosuch: the endpoints are listed at /docs",
            "field": None,
        }
        wrong_method = httpx.get(f"{served.url}/api/ask", timeout=10)
        assert wrong_method.status_code == 405
        assert wrong_method.json()["error"] == "/api/ask takes POST, not GET"
        openai = httpx.post(f"{served.url}/v1/nosuch", json={}, timeout=10)
        assert openai.status_code == 404 and "no endpoint" in openai.json()["error"]["message"]

    def test_the_schema_and_docs_are_served(self, served: Served) -> None:
        schema = httpx.get(f"{served.url}/openapi.json", timeout=10).json()
        for path in ["/api/ask", "/api/stats", "/api/articles", "/api/ingest", "/api/health"]:
            assert path in schema["paths"]
        assert "/v1/chat/completions" in schema["paths"] and "/v1/models" in schema["paths"]
        docs = httpx.get(f"{served.url}/docs", timeout=10)
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        page = httpx.get(f"{served.url}/", timeout=10)
        assert page.status_code == 200 and "gradio" in page.text.lower()


TRAM_ARTICLE = (
    "date 2024-06-10 Brambleford opens its first tram line\n\n"
    "The market town of Brambleford opened its first tram line on Monday.\n\n"
    "The line runs 4 kilometres from the station to the hospital, with nine stops on the way.\n\n"
    "Councillors said the trams would run every ten minutes from six in the morning until "
    "midnight, and that a second line to the university campus would be planned next year."
)


class TestUploadsAreNamedNotLocated:
    """An uploaded file is named by its file name wherever the API shows a source, as in the UI:
    never by its path on the server."""

    def test_citations_stream_v1_and_articles_name_the_upload(self, served: Served) -> None:
        from openai import OpenAI

        # The same story twice: the second file is listed as a copy of the first (``also_in``).
        upload = [
            ("files", (name, TRAM_ARTICLE.encode(), "text/plain"))
            for name in ["brambleford.txt", "brambleford-wire.txt"]
        ]
        added = httpx.post(f"{served.url}/api/ingest", files=upload, timeout=120)
        assert added.json()["files"] == [
            {"name": "brambleford.txt", "outcome": "1 added"},
            {"name": "brambleford-wire.txt", "outcome": "1 added"},
        ]
        # The public name is also the name a filter takes.
        body = {
            "question": "When did Brambleford open its tram line?",
            "sources": ["brambleford.txt"],
        }
        answer = httpx.post(f"{served.url}/api/ask", json=body, timeout=60).json()
        assert answer["refused"] is False
        assert {c["source"] for c in answer["citations"]} == {"brambleford.txt"}
        copies = {copy["source"] for c in answer["citations"] for copy in c["also_in"]}
        assert copies == {"brambleford-wire.txt"}
        with httpx.stream(
            "POST", f"{served.url}/api/ask", json={**body, "stream": True}, timeout=60
        ) as response:
            streamed = events(response)[-1][1]
        assert streamed["citations"] == answer["citations"]
        client = OpenAI(base_url=f"{served.url}/v1", api_key="unused", max_retries=0)
        completion = client.chat.completions.create(
            model="qa",
            messages=[{"role": "user", "content": body["question"]}],
            extra_body={"sources": ["brambleford.txt"]},
        )
        content = completion.choices[0].message.content or ""
        assert "2024-06-10, brambleford.txt" in content
        v1_sources = {c["source"] for c in completion.citations}  # type: ignore[attr-defined]
        assert v1_sources == {"brambleford.txt"}
        listed = httpx.get(
            f"{served.url}/api/articles", params={"source": "brambleford.txt"}, timeout=10
        ).json()
        assert [a["source"] for a in listed["articles"]] == ["brambleford.txt"]
        everything = [answer, streamed, completion.model_dump(), listed]
        assert "uploads/" not in json.dumps(everything)


class TestOpenAICompatible:
    def client(self, served: Served) -> Any:
        from openai import OpenAI

        return OpenAI(base_url=f"{served.url}/v1", api_key="unused", max_retries=0)

    def test_lists_one_model(self, served: Served) -> None:
        assert [m.id for m in self.client(served).models.list()] == ["qa"]
        assert self.client(served).models.retrieve("qa").id == "qa"
        other = httpx.get(f"{served.url}/v1/models/gpt-4o", timeout=10)
        assert other.status_code == 404 and "the only model is 'qa'" in other.text

    def test_qas_options_read_as_api_ask_reads_them(self, served: Served) -> None:
        def both(options: dict[str, Any]) -> tuple[int, int]:
            v1 = httpx.post(
                f"{served.url}/v1/chat/completions",
                json={"model": "qa", "messages": [{"role": "user", "content": XI}], **options},
                timeout=60,
            )
            api = httpx.post(f"{served.url}/api/ask", json={"question": XI, **options}, timeout=60)
            return v1.status_code, api.status_code

        assert both({"since": "2023", "until": "2023"}) == (200, 200)  # the whole year
        assert both({"sources": "nowhere.example"}) == (200, 200)  # one source as a string
        assert both({"k": True}) == (400, 422)  # no number of passages
        assert both({"since": "0"}) == (400, 422)

    def test_a_completion_is_the_cited_answer_with_its_sources(self, served: Served) -> None:
        plain = httpx.post(f"{served.url}/api/ask", json={"question": XI}, timeout=60).json()
        completion = self.client(served).chat.completions.create(
            model="qa",
            messages=[
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": XI},
            ],
        )
        content = completion.choices[0].message.content
        assert content.startswith(plain["text"])
        assert "\n\nSources:\n[1]" in content
        assert completion.choices[0].finish_reason == "stop"
        citations = completion.citations  # type: ignore[attr-defined]
        assert citations == plain["citations"]

    def test_a_stream_adds_up_to_the_completion(self, served: Served) -> None:
        client = self.client(served)
        messages = [{"role": "user", "content": XI}]
        whole = client.chat.completions.create(model="qa", messages=messages)
        chunks = list(client.chat.completions.create(model="qa", messages=messages, stream=True))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == whole.choices[0].message.content
        assert len(chunks) > 2
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert chunks[-1].citations == whole.citations  # type: ignore[attr-defined]

    def test_earlier_turns_are_the_history_without_their_sources(self, served: Served) -> None:
        client = self.client(served)
        first = client.chat.completions.create(
            model="qa", messages=[{"role": "user", "content": PRESIDENT}]
        )
        follow_up = client.chat.completions.create(
            model="qa",
            messages=[
                {"role": "user", "content": PRESIDENT},
                {"role": "assistant", "content": first.choices[0].message.content},
                {"role": "user", "content": "What did he say about the meeting?"},
            ],
            extra_body={"k": 2},
        )
        direct = httpx.post(
            f"{served.url}/api/ask",
            json={
                "question": "What did he say about the meeting?",
                "history": [
                    {"role": "user", "content": PRESIDENT},
                    {
                        "role": "assistant",
                        "content": first.choices[0].message.content.split("\n\nSources:")[0],
                    },
                ],
                "k": 2,
            },
            timeout=60,
        ).json()
        assert follow_up.choices[0].message.content.startswith(direct["text"])

    def test_bad_requests_come_back_as_openai_errors_naming_the_field(self, served: Served) -> None:
        import openai

        client = self.client(served)
        with pytest.raises(openai.BadRequestError, match="model") as unknown:
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": XI}]
            )
        assert unknown.value.body["param"] == "model"  # type: ignore[index]
        with pytest.raises(openai.BadRequestError) as no_question:
            client.chat.completions.create(
                model="qa", messages=[{"role": "assistant", "content": "Hello"}]
            )
        assert no_question.value.body["param"] == "messages"  # type: ignore[index]
        with pytest.raises(openai.BadRequestError) as bad_date:
            client.chat.completions.create(
                model="qa",
                messages=[{"role": "user", "content": XI}],
                extra_body={"since": "someday"},
            )
        assert bad_date.value.body["param"] == "since"  # type: ignore[index]


class TestOtherClients:
    def test_gradio_client_still_calls_the_ask_endpoint(self, served: Served) -> None:
        from gradio_client import Client

        result = Client(served.url + "/", verbose=False).predict(XI, api_name="/ask")
        assert result["citations"][0]["quote"] in ARTICLE_TEXT

    def test_the_mcp_server_lists_and_runs_the_ask_tool(self, served: Served) -> None:
        from mcp import ClientSession
        from mcp.client.streamable_http import streamablehttp_client

        async def session() -> tuple[list[Any], str]:
            async with (
                streamablehttp_client(f"{served.url}/gradio_api/mcp/") as (read, write_, _),
                ClientSession(read, write_) as mcp,
            ):
                await mcp.initialize()
                tools = (await mcp.list_tools()).tools
                result = await mcp.call_tool("ask", {"question": XI})
                return tools, "".join(getattr(c, "text", "") for c in result.content)

        tools, text = asyncio.run(session())
        assert [t.name for t in tools] == ["ask"]
        schema = tools[0].inputSchema
        assert schema["required"] == ["question"]
        assert {"question", "history", "since", "until", "sources", "k"} <= set(
            schema["properties"]
        )
        assert "citations" in text and "2023-03-01" in text


README_MARKER = "<!-- api-curl: run by tests/test_api.py -->"


def readme_curl_commands() -> list[str]:
    """The commands of the shell block that follows the marker in README."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    after = readme.split(README_MARKER, 1)[1]
    block = re.search(r"```(?:bash|sh)\n(.*?)```", after, re.S)
    assert block is not None, "README: no shell block after the api-curl marker"
    commands = [c for c in re.split(r"\n(?=curl )", block.group(1).strip()) if c.strip()]
    assert commands and all(c.startswith("curl ") for c in commands)
    return commands


def test_the_readme_curl_examples_work_verbatim(
    settings: Settings, real_embedder: LocalEmbedder
) -> None:
    """Each command as written, run from the repository root against a server of its own (the
    upload example adds an article), with only README's port replaced by the server's."""
    from qa.server import build_server
    from qa.webapp import server_options

    engine = Engine(settings, embedder=real_embedder)
    engine.ingest([SAMPLE_DIR])
    port = free_port()
    with serving(build_server(engine, server_options(settings, port=port)), port):
        for command in readme_curl_commands():
            run = subprocess.run(
                ["bash", "-c", command.replace(":7860", f":{port}")],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert run.returncode == 0, f"{command}\n{run.stderr}"
            output = run.stdout.strip()
            if '"stream": true' in command:
                assert output.startswith("event: delta") and "event: answer" in output
            else:
                reply = json.loads(output)
                assert "error" not in reply, f"{command}\n{output}"


# -- token, size and exposure, on in-process servers ---------------------------------------------


@pytest.fixture
def guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The whole app with QA_API_TOKEN=s3cret and a 1 KB request limit, on a fast encoder."""
    from qa.server import build_server
    from qa.webapp import server_options

    monkeypatch.setenv("QA_API_TOKEN", "s3cret")
    monkeypatch.setenv("QA_API_MAX_REQUEST_KB", "1")
    settings = Settings(data_dir=tmp_path / "data", llm={"provider": "extractive"})
    engine = Engine(settings, embedder=HashingEmbedder())
    engine.ingest([SAMPLE_DIR])
    port = free_port()
    with serving(build_server(engine, server_options(settings, port=port)), port) as url:
        yield url


class TestToken:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}, {"X-Token": "s3cret"}],
    )
    def test_api_and_v1_refuse_a_missing_or_wrong_token(
        self, guarded: str, headers: dict[str, str]
    ) -> None:
        for method, path in [
            ("POST", "/api/ask"),
            ("GET", "/api/health"),
            ("GET", "/api/articles"),
            ("POST", "/v1/chat/completions"),
            ("GET", "/v1/models"),
            ("POST", "/gradio_api/mcp/"),
        ]:
            reply = httpx.request(
                method, guarded + path, json={"question": XI}, headers=headers, timeout=10
            )
            assert reply.status_code == 401, path
            assert reply.headers["www-authenticate"] == "Bearer"
            assert "QA_API_TOKEN" in json.dumps(reply.json())

    def test_the_right_token_is_served(self, guarded: str) -> None:
        auth = {"Authorization": "Bearer s3cret"}
        reply = httpx.post(guarded + "/api/ask", json={"question": XI}, headers=auth, timeout=30)
        assert reply.status_code == 200 and reply.json()["citations"]

    def test_the_openai_sdk_sends_the_token_as_its_api_key(self, guarded: str) -> None:
        import openai

        messages = [{"role": "user", "content": XI}]
        wrong = openai.OpenAI(base_url=guarded + "/v1", api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError, match="QA_API_TOKEN"):
            wrong.chat.completions.create(model="qa", messages=messages)
        right = openai.OpenAI(base_url=guarded + "/v1", api_key="s3cret", max_retries=0)
        assert right.chat.completions.create(model="qa", messages=messages).choices

    def test_the_page_and_the_schema_need_no_token(self, guarded: str) -> None:
        assert httpx.get(guarded + "/", timeout=10).status_code == 200
        assert httpx.get(guarded + "/openapi.json", timeout=10).status_code == 200

    def test_an_oversized_request_gets_a_413(self, guarded: str) -> None:
        auth = {"Authorization": "Bearer s3cret"}
        big = {"question": XI, "history": [{"role": "user", "content": "x" * 4000}]}
        reply = httpx.post(guarded + "/api/ask", json=big, headers=auth, timeout=10)
        assert reply.status_code == 413
        assert "QA_API_MAX_REQUEST_KB" in reply.json()["error"]

        def chunked() -> Iterator[bytes]:  # no Content-Length to trust
            yield json.dumps(big).encode()

        streamed = httpx.post(
            guarded + "/api/ask",
            content=chunked(),
            headers={**auth, "Content-Type": "application/json"},
            timeout=10,
        )
        assert streamed.status_code == 413

    def test_ingest_by_path_is_off_without_a_folder(self, guarded: str) -> None:
        auth = {"Authorization": "Bearer s3cret"}
        reply = httpx.post(
            guarded + "/api/ingest", json={"paths": ["/etc"]}, headers=auth, timeout=10
        )
        assert reply.status_code == 403
        assert "QA_API_INGEST_DIR" in reply.json()["error"]


class TestExposure:
    def test_no_token_means_loopback_only(self, settings: Settings) -> None:
        from qa.server import ExposedAPIError, check_exposure
        from qa.webapp import server_options

        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"]:
            check_exposure(server_options(settings, host=host, environ={}), settings)
        with pytest.raises(ExposedAPIError, match="QA_API_TOKEN"):
            check_exposure(server_options(settings, host="0.0.0.0", environ={}), settings)
        with_token = Settings(data_dir=settings.data_dir, api={"token": "t"})
        check_exposure(server_options(with_token, host="0.0.0.0", environ={}), with_token)

    def test_qa_serve_refuses_in_one_line_before_loading_anything(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
        env["QA_DATA_DIR"] = str(tmp_path / "data")
        qa = Path(sys.executable).with_name("qa")
        run = subprocess.run(
            [str(qa), "serve", "--host", "0.0.0.0", "--port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode != 0
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and "QA_API_TOKEN" in lines[0], run.stderr


def test_an_earlier_reply_is_history_without_its_warning_and_sources() -> None:
    from qa.openai_api import strip_sources

    reply = (
        "Xi condemned sanctions [1].\n\n(1 sentence(s) of this answer are not supported by the "
        "retrieved articles; check them before relying on them.)\n\nSources:\n[1] Xi, 2023-03-01"
    )
    assert strip_sources(reply) == "Xi condemned sanctions [1]."
    assert strip_sources("A reply (written by hand).") == "A reply (written by hand)."
