"""Keep third-party chatter (weight-loading bars, telemetry notices) off the user's terminal."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_model_loading() -> Iterator[None]:
    """Silence transformers' and sentence-transformers' progress bars and info logs."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    names = ("transformers", "sentence_transformers", "huggingface_hub")
    previous = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    except Exception:  # transformers layout changes between versions; silence is best effort
        pass
    try:
        yield
    finally:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)
