"""Errors qa raises on purpose, and the one-line wording the CLI and UI show for any error."""

from __future__ import annotations

from typing import Any


class QAError(Exception):
    """Base class for failures with a message meant for the user."""


class InvalidQueryError(QAError, ValueError):
    """A question or filter that cannot be asked (k below 1, since after until, a bad date);
    the message names the field and the value."""


def friendly(exc: BaseException) -> str:
    """One line that says what went wrong and, where we know, what to do next."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError) and exc.title == "Query":
        # A bad question or filter: our validators' messages name the field themselves.
        return "; ".join(_query_problem(err) for err in exc.errors())
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {_reason(err)}"
            for err in exc.errors()
        )
        return f"invalid setting ({problems}); check your QA_* environment variables or .env"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


class IncompleteAnswerError(QAError):
    """An answerer's stream ended before the answer was finished (no ``finish_reason: stop``).

    Raised after the last delta, so the caller already holds the partial draft: it shows it as
    an incomplete answer with a warning, never as a complete cited one. ``finish`` is the
    server's ``finish_reason`` (``length``, ``content_filter``...), None when it sent none.
    """

    def __init__(self, reason: str, *, finish: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.finish = finish


def _own_words(err: Any) -> str | None:
    """What one of our validators said, without pydantic's "Value error, " before it."""
    reason = err.get("ctx", {}).get("error")
    return " ".join(str(reason).split()) if isinstance(reason, ValueError) else None


def _reason(err: Any) -> str:
    return _own_words(err) or str(err["msg"])


def _query_problem(err: Any) -> str:
    # Our validators' messages name the field themselves; pydantic's do not.
    field = ".".join(str(p) for p in err["loc"]) or "query"
    return _own_words(err) or f"{field}: {err['msg']}"
