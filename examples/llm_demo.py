"""See qa's LLM path without an API key or a model download.

    .venv/bin/python examples/llm_demo.py                      # the default question, then a chat
    .venv/bin/python examples/llm_demo.py "What did Xi say about sanctions?" --no-chat

It starts the OpenAI-compatible test server (tests/openai_server.py) on 127.0.0.1, scripted as a
stand-in model that answers from the sources qa sends it: it quotes the sentence that shares the
most rare words with the question and cites its source number. It is not a language model, but
everything qa does around one is real: the HTTP calls, the numbered-sources prompt, the streamed
reply, the citation check, the condense call for a follow-up. The demo indexes examples/articles
into a temporary folder (or uses --data-dir), then runs `qa ask` (and `qa chat` with a follow-up)
with OPENAI_BASE_URL pointing at the server. Point OPENAI_BASE_URL and QA_LLM_MODEL at a real
server to get real answers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from openai_server import OpenAIServer, respond_from_sources  # noqa: E402

CHAT = ["Who is Alexander Lukashenko?", "Since when has he been president?"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default="What did Xi say about sanctions?")
    parser.add_argument("--no-chat", action="store_true", help="Skip the two-turn chat.")
    parser.add_argument(
        "--data-dir",
        help="An index that already holds examples/articles (skips `qa ingest`); default: a "
        "temporary one, indexed first.",
    )
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as scratch,
        OpenAIServer(respond_from_sources) as server,
    ):
        data = args.data_dir or scratch
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))}
        env |= {
            "QA_DATA_DIR": data,
            "QA_LLM": "openai",
            "QA_LLM_MODEL": "stand-in",
            "OPENAI_BASE_URL": server.url,
            "OPENAI_API_KEY": "sk-demo",  # never send a real key to the stand-in
        }
        print(f"# stand-in model listening at {server.url}\n", flush=True)

        def qa(*args: str, stdin: str | None = None) -> int:
            shown = " ".join(f'"{a}"' if " " in a else a for a in args)
            print(f"$ qa {shown}" + (f"  <<< {stdin!r}" if stdin else ""), flush=True)
            run = subprocess.run(
                [sys.executable, "-m", "qa.cli", *args],
                env=env,
                input=stdin,
                text=True,
                check=False,
            )
            print(flush=True)
            return run.returncode

        if not args.data_dir and qa("ingest", "--quiet", str(REPO / "examples" / "articles")):
            return 1
        if qa("ask", args.question):
            return 1
        if not args.no_chat and qa("chat", stdin="\n".join(CHAT) + "\n"):
            return 1
        calls = server.completions()
        streamed = sum(1 for c in calls if c.stream)
        print(
            f"# the stand-in received {len(calls)} chat completion request(s): {streamed} streamed "
            f"answer(s) with numbered <source> blocks, {len(calls) - streamed} condense call(s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
