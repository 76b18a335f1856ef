"""A real ``qa serve`` (or ``python ui.py``) process on a free port, for the tests that talk to
it over HTTP: started with the developer's ``QA_*``, ``OPENAI_*`` and ``GRADIO_*`` settings
removed, offline, its output in a log file that a failure quotes; stopped when the block ends.

    >>> with serving_qa(data_dir, tmp_path / "serve.log", QA_MCP="1") as url:  # doctest: +SKIP
    ...     httpx.get(f"{url}/api/health")
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from http_server import free_port

QA = Path(sys.executable).with_name("qa")
HOST_PREFIXES = ("QA_", "OPENAI_", "GRADIO_")
"""Settings of the developer's shell that must not reach the process under test."""


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without qa's, OpenAI's and Gradio's settings, plus
    ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(HOST_PREFIXES)}
    env.update(settings)
    return env


@contextmanager
def serving_qa(
    data_dir: Path,
    log: Path,
    *,
    command: Sequence[str] = (str(QA), "serve"),
    ready_path: str = "/api/health",
    **settings: str,
) -> Iterator[str]:
    """Run ``command`` over ``data_dir`` with the offline answerer until the block ends; yields
    its base URL once ``ready_path`` answers. ``settings`` are extra environment variables
    (``QA_MCP="1"``)."""
    port = free_port()
    env = clean_env(
        QA_DATA_DIR=str(data_dir),
        QA_LLM="extractive",
        GRADIO_SERVER_PORT=str(port),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        **settings,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(list(command), cwd=log.parent, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + ready_path, process, log)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Ask ``process`` to end; kill it if it has not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the log's tail if the process exits first
    or nothing answers within three minutes."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    pytest.fail(f"the app did not answer at {url}:\n{log.read_text()[-4000:]}")
