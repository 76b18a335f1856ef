"""A small, real OpenAI-compatible HTTP server on 127.0.0.1, for tests and the LLM demo.

It speaks ``POST /v1/chat/completions`` with and without ``"stream": true``; streamed replies are
server-sent events exactly as OpenAI sends them (``data: {chunk}`` blocks whose
``choices[0].delta.content`` carries the text, then ``data: [DONE]``), over chunked HTTP/1.1 so
each delta really arrives on its own. What it answers is scripted by the caller, and it records
every request it gets::

    with OpenAIServer() as server:
        server.script(Reply("Hello [1]."), Reply(status=429), respond_from_sources)
        ...  # point OPENAI_BASE_URL at server.url
        server.requests[0].messages

Each request consumes the next scripted reply; when the script runs out, ``default`` answers (a
callable gets the recorded request, so a reply can depend on what was asked).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from qa.text import content_terms


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``text`` is the assistant's message (split into ``deltas`` when streamed, word by word unless
    given); ``status`` other than 200 sends an OpenAI-style error body; ``raw`` replaces the whole
    body (for malformed streams); ``delay`` waits before answering (for timeouts), or after
    ``stall_after`` deltas of a stream (a server that stops mid-answer). ``cut_after`` ends a
    stream cleanly after that many deltas with no finishing chunk and no ``[DONE]`` (a proxy or
    server that drops the rest of the answer); ``finish_reason`` is what the last chunk says.
    ``gap`` waits between the deltas of a stream (a slow model); ``keep_alive`` sends only SSE
    comments, one every that many seconds, until the client hangs up (a stuck server behind a
    proxy that keeps the connection alive).
    """

    text: str = ""
    status: int = 200
    deltas: tuple[str, ...] | None = None
    raw: bytes | None = None
    delay: float = 0.0
    stall_after: int | None = None
    cut_after: int | None = None
    finish_reason: str = "stop"
    headers: tuple[tuple[str, str], ...] = ()
    error_code: str | None = None
    gap: float = 0.0
    keep_alive: float | None = None

    def pieces(self) -> list[str]:
        if self.deltas is not None:
            return list(self.deltas)
        return re.findall(r"\S+\s*|\s+", self.text)


@dataclass(frozen=True)
class ChatRequest:
    """What the server received: the path, the Authorization header and the JSON body."""

    path: str
    authorization: str | None
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def prompt(self) -> str:
        """All message contents, joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)

    def sources(self) -> dict[int, str]:
        """The ``<source id="n" ...>text</source>`` blocks of the prompt, by number."""
        return {
            int(n): text.strip()
            for n, text in re.findall(
                r'<source id="(\d+)"[^>]*>\n?(.*?)</source>', self.prompt, flags=re.DOTALL
            )
        }

    def question(self) -> str:
        """The last line of the last message that starts with ``Question:``."""
        lines = [
            line
            for line in self.messages[-1]["content"].splitlines()
            if line.startswith("Question:")
        ]
        return lines[-1].removeprefix("Question:").strip() if lines else ""


Responder = Reply | Callable[[ChatRequest], Reply]

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}


class OpenAIServer:
    """A threaded HTTP server that answers chat completions from a script; see the module doc."""

    def __init__(self, default: Responder | None = None, *, model: str = "test-model") -> None:
        self.default: Responder = default or Reply("")
        self.model = model
        self.requests: list[ChatRequest] = []
        self.hung_up = 0
        """Streams whose client went away before the last byte was sent."""
        self._script: deque[Responder] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL to use as ``OPENAI_BASE_URL``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Responder) -> None:
        """Queue replies for the next requests, in order."""
        with self._lock:
            self._script.extend(replies)

    def completions(self) -> list[ChatRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes handlers that are sleeping out a scripted delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the request handler ----------------------------------------------------------

    def _next_reply(self, request: ChatRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            responder = self._script.popleft() if self._script else self.default
        return responder(request) if callable(responder) else responder

    def _sleep(self, seconds: float) -> None:
        self._closing.wait(seconds)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler sleeping out a scripted delay must not block shutdown

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that give up (timeouts, closed keep-alive connections) are expected here."""


def _handler_for(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, as OpenAI's servers

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``server.requests`` instead."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {}
            request = ChatRequest(self.path, self.headers.get("Authorization"), body)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_json(404, _error_body(404, f"Unknown path {self.path}", None))
                return
            reply = server._next_reply(request)
            if reply.delay and reply.stall_after is None:
                server._sleep(reply.delay)
                if server._closing.is_set():
                    return
            if reply.raw is not None:
                self._send_raw(reply)
            elif reply.status != 200:
                message = reply.text or f"Scripted error {reply.status}"
                self._send_json(
                    reply.status, _error_body(reply.status, message, reply.error_code), reply
                )
            elif request.stream:
                self._send_stream(reply, str(body.get("model", server.model)))
            else:
                self._send_json(200, _completion(reply.text, str(body.get("model", server.model))))

        def _send_json(self, status: int, payload: Any, reply: Reply | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers if reply else ():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _send_raw(self, reply: Reply) -> None:
            assert reply.raw is not None
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(reply.raw)))
            self.end_headers()
            self.wfile.write(reply.raw)

        def _send_stream(self, reply: Reply, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            try:
                if reply.keep_alive is not None:
                    self._keep_alive(reply.keep_alive)
                    return
                for i, event in enumerate(_sse_events(reply, model)):
                    if i == reply.stall_after:
                        server._sleep(reply.delay)
                        return
                    if i > 1:  # after the role chunk and the first delta
                        server._sleep(reply.gap)
                    self._chunk(event.encode())
                self._chunk(b"")  # the zero-length chunk ends the body
            except OSError:  # the client hung up
                with server._lock:
                    server.hung_up += 1

        def _keep_alive(self, every: float) -> None:
            while not server._closing.is_set():
                self._chunk(b": keep-alive\n\n")
                server._sleep(every)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        "system_fingerprint": None,
    }


def _sse_events(reply: Reply, model: str) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        payload = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload)}\n\n"

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    pieces = reply.pieces()
    for piece in pieces[: reply.cut_after]:
        yield chunk({"content": piece})
    if reply.cut_after is not None and reply.cut_after < len(pieces):
        return  # the body ends here, cleanly: only the missing finish_reason tells
    yield chunk({}, reply.finish_reason)
    yield "data: [DONE]\n\n"


def _error_body(status: int, message: str, code: str | None) -> dict[str, Any]:
    kind, default_code = _ERROR_TYPES.get(status, ("server_error", None))
    return {
        "error": {"message": message, "type": kind, "param": None, "code": code or default_code}
    }


def respond_from_sources(request: ChatRequest) -> Reply:
    """A stand-in model for demos: answers from the sources it was given, citing them.

    To an answer request it quotes the source sentence that shares the most (rare) words with
    the question and cites that source's number, so the reply is grounded in whatever the engine
    retrieved; when nothing overlaps it sends the refusal sentinel the prompt asked for. To a
    condense request it applies qa's offline follow-up rule to the conversation it was shown.
    """
    from qa.chunking import split_sentences
    from qa.citations import CANNOT_ANSWER

    if "Follow-up question:" in request.prompt:
        return _condense(request)

    wanted = set(content_terms(request.question()))
    sentences = [
        (n, span.of(text))
        for n, text in sorted(request.sources().items())
        for span in split_sentences(text)
    ]
    terms = [set(content_terms(sentence)) for _, sentence in sentences]
    # Rarer words say more about which sentence answers ("president" over "Lukashenko").
    weight = {t: 1 / sum(t in ts for ts in terms) for t in wanted if any(t in ts for ts in terms)}
    asks_when = re.match(
        r"\s*(since when|when|what year|in which year)\b", request.question(), re.I
    )
    # A "when" question wants a date above all.
    scored = [
        (sum(weight.get(t, 0) for t in ts) + 2 * bool(asks_when and re.search(r"\b\d{4}\b", s)), i)
        for i, ((_, s), ts) in enumerate(zip(sentences, terms, strict=True))
    ]
    best, i = max(scored, default=(0.0, -1))
    if best <= 0:
        return Reply(CANNOT_ANSWER)
    n, sentence = sentences[i]
    return Reply(f"{sentence} [{n}]")


def _condense(request: ChatRequest) -> Reply:
    from qa.chat import carry_subject
    from qa.models import Message

    prompt = request.messages[-1]["content"]
    turns = re.findall(r"^(User|Assistant): (.*)$", prompt, flags=re.MULTILINE)
    follow_up = re.search(r"^Follow-up question: (.*)$", prompt, flags=re.MULTILINE)
    question = follow_up.group(1) if follow_up else ""
    history = [
        Message(role="user" if who == "User" else "assistant", content=c) for who, c in turns
    ]
    return Reply(carry_subject(question, history))
