"""All configuration in one object: ``Settings``, read from ``QA_*`` variables and a ``.env`` file.

Sections are nested models; an environment variable names a field as ``QA_<SECTION>_<FIELD>``::

    QA_DATA_DIR=/srv/qa            -> Settings().data_dir
    QA_LLM=extractive              -> Settings().llm.provider   (short form, as documented)
    QA_LLM_MODEL=llama3.1          -> Settings().llm.model
    QA_CHUNKING_SIZE=800           -> Settings().chunking.size
    QA_CHROMA_URL=http://h:8000    -> Settings().chroma.url

``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are read under their usual names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from qa.models import MAX_K

LOCAL_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/qa``, i.e. ``~/.local/share/qa`` on most machines."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qa"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChunkingSettings(_Section):
    size: int = Field(
        900, ge=100, description="Target chunk length in characters (whole sentences)."
    )
    overlap: int = Field(
        1, ge=0, le=5, description="Sentences repeated at the start of the next chunk."
    )


class IngestSettings(_Section):
    part_chunks: int = Field(
        500,
        ge=1,
        description="An article longer than this many chunks is written in committed parts of "
        "this size: Ctrl-C or a kill keeps the finished parts, and the next ingest of the same "
        "file resumes at the first missing chunk (about 20 s of encoding on 2 cores).",
    )


class EmbeddingSettings(_Section):
    provider: Literal["local", "openai"] = Field(
        "local", description="'local' runs the bundled all-MiniLM-L6-v2; 'openai' calls the API."
    )
    model: str = Field(
        LOCAL_EMBEDDING_MODEL,
        description="Model id recorded in the collection; a collection refuses a different one.",
    )
    batch_size: int = Field(
        8,
        ge=1,
        description="Texts per forward pass of the encoder. Small batches pad less: on 2 cores "
        "onnxruntime encodes chunks fastest at 4-8 (23 chunks/s, 0.4 GB peak) and slowest at 64 "
        "(16-18 chunks/s, 2 GB).",
    )
    device: str = Field("cpu", description="torch device for the local model.")
    runtime: Literal["onnx", "torch"] = Field(
        "onnx",
        description="Runtime of the local model on CPU: 'onnx' (onnxruntime on a graph exported "
        "once from the bundled weights; same vectors, a query 2.5x faster, no torch import once "
        "exported) or 'torch' (sentence-transformers).",
    )


class ChromaSettings(_Section):
    url: str | None = Field(None, description="Chroma server URL; unset means the embedded store.")
    token: SecretStr | None = Field(None, description="Bearer token for a Chroma server.")
    collection: str = Field("articles", description="One collection per corpus.")

    @field_validator("collection")
    @classmethod
    def _chroma_takes_it(cls, name: str) -> str:
        # Chroma's own rule, checked here so that a bad name is one line naming the setting,
        # not Chroma's error buried under a retry (and "-registry" must still fit after it).
        if ".." in name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,500}[A-Za-z0-9]", name):
            msg = (
                f"{name!r} is not a name Chroma takes: 3 to 502 letters, digits, '.', '_' or "
                "'-', beginning and ending with a letter or digit (e.g. 'news-2023')"
            )
            raise ValueError(msg)
        return name

    refresh_seconds: float = Field(
        1.0,
        ge=0.0,
        description="How often a process reading the embedded store checks whether another "
        "process wrote to it (one small read); when one did, the store is reopened.",
    )


class RetrievalSettings(_Section):
    """Hybrid retrieval (see qa/retrieval.py). Defaults measured on the development set
    (benchmarks/retrieval.py); each knob has a test showing what it does."""

    k: int = Field(4, ge=1, le=MAX_K, description="Passages handed to the answerer.")
    candidates: int = Field(
        50, ge=1, le=500, description="Candidates fetched from each of dense and BM25 search."
    )
    mode: Literal["hybrid", "dense", "keyword"] = Field(
        "hybrid", description="'hybrid' fuses dense and BM25; the others use one side only."
    )
    dense_weight: float = Field(1.0, ge=0.0, description="Weight of the dense ranking in fusion.")
    keyword_weight: float = Field(2.0, ge=0.0, description="Weight of the BM25 ranking in fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant: 1 / (rrf_k + rank).")
    date_weight: float = Field(
        1.0,
        ge=0.0,
        description="Weight of the rankings restricted to the window a question's date words "
        "name ('this week', 'in March 2023'); 0 ignores date words.",
    )
    date_filter: bool = Field(
        False, description="Make a question's date window a hard filter instead of a preference."
    )
    recency_days: int = Field(
        10,
        ge=0,
        description="When a question names no time, prefer articles of the last N days before "
        "the reference date (0: off).",
    )
    recency_weight: float = Field(
        0.5, ge=0.0, description="Weight of that default recency preference in fusion."
    )
    window_pool: int = Field(
        200,
        ge=1,
        le=2000,
        description="Nearest chunks scanned for the dense date-window ranking (the window's "
        "ranking is their in-window part: one vector search per question, not two).",
    )
    rerank_depth: int = Field(
        0,
        ge=0,
        le=200,
        description="Fused candidates rescored sentence by sentence (0: off; off by default: "
        "on the development set it did not raise hit@4 and it costs encoder time per query).",
    )
    rerank_weight: float = Field(
        1.0, ge=0.0, description="Weight of the sentence-level rerank score against fusion."
    )
    rerank_sentences: int = Field(
        24,
        ge=0,
        description="Sentences (the lexically best) the reranker embeds per question "
        "(0: rerank by term overlap alone).",
    )
    rerank_similarity_weight: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Share of a sentence's rerank score from embedding similarity; the rest "
        "is overlap with the question's terms, names and numbers counting double.",
    )
    cross_encoder: str | None = Field(
        None,
        description="Path or id of a local sentence-transformers CrossEncoder to rerank with "
        "instead of the bundled encoder (only if installed; nothing is downloaded).",
    )
    mmr_lambda: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="MMR trade-off: 1 ranks by relevance only, lower values favour diversity.",
    )
    duplicate_threshold: float = Field(
        0.8,
        gt=0.0,
        le=1.0,
        description="Passages more similar than this (word-shingle overlap) to a better one are "
        "dropped: syndicated copies of one story (1.0: never).",
    )
    bm25_k1: float = Field(1.5, gt=0.0, description="BM25 term-frequency saturation.")
    bm25_b: float = Field(0.75, ge=0.0, le=1.0, description="BM25 length normalisation.")
    keyword_refresh_seconds: float = Field(
        2.0,
        ge=0.0,
        description="How often the BM25 index checks the store for changes made elsewhere.",
    )
    keyword_wait_seconds: float = Field(
        120.0,
        ge=0.0,
        description=(
            "How long a question waits for the BM25 index's first load (at start-up) before it "
            "is answered from dense search alone, with a warning saying so."
        ),
    )


class SyndicationSettings(_Section):
    """Syndicated copies (qa/syndication.py): one wire story published by several sites is
    recognised by its text at ingest and cited once, with where else it ran."""

    enabled: bool = Field(
        True,
        description="Sign each article's text at ingest and group copies of one story at "
        "answer time (false: neither; copies are then only thinned by retrieval.duplicate_"
        "threshold, passage by passage).",
    )
    threshold: float = Field(
        0.5,
        ge=0.3,
        le=1.0,
        description="Two articles are copies of one story when the Jaccard resemblance of their "
        "bodies' word 5-grams (boilerplate and datelines left out) is at least this. On the "
        "development archive true copies measured 0.61 and up and the nearest different "
        "stories 0.43 and below (docs/benchmarks.md).",
    )


class AnswerSettings(_Section):
    """The offline answerer (qa/answering.py) and the sources an answer shows. Defaults measured
    on the development set (examples/eval/news-open.jsonl, benchmarks/answers.py)."""

    max_sentences: int = Field(3, ge=1, le=10, description="Sentences the offline answerer quotes.")
    min_relevance: float = Field(
        0.35, ge=0.0, le=1.0, description="Below this score the offline answerer refuses."
    )
    factoid_sentences: int = Field(
        1,
        ge=1,
        le=10,
        description="Sentences quoted after the short answer of a short factual question (who, "
        "which, how many...): the one holding it, then the best others.",
    )
    slot_weight: float = Field(
        0.1,
        ge=0.0,
        description="Bonus for a sentence holding what the question asks for (a number for "
        "'how many', a name for 'who', a reason for 'why') that the question does not already "
        "say.",
    )
    context_window: int = Field(
        2,
        ge=0,
        le=10,
        description="Sentences either side whose match with the question lifts a sentence "
        "holding a short answer (the place is often two sentences below the lead).",
    )
    context_weight: float = Field(
        0.3, ge=0.0, description="Weight of that context's best score in choosing the sentence."
    )
    fit_weight: float = Field(
        0.6,
        ge=0.0,
        description="Weight of how surely a candidate is of the asked kind (a two-word name for "
        "'who', a place after 'in') in choosing the sentence.",
    )
    proximity_weight: float = Field(
        0.0,
        ge=0.0,
        description="Weight of how close a candidate stands to the question's own words in its "
        "sentence ('JetBlue CEO Robin Hayes' for 'Who is JetBlue's CEO?').",
    )
    answer_threshold: float = Field(
        1.32,
        ge=0.0,
        description="A short factual answer stands only when its sentence's value (its score, "
        "plus its context's and how well the candidate fits the kind asked) plus "
        "coverage_weight times its coverage reaches this; below it the answer is a refusal "
        "citing the nearest sentence. One margin rather than two cut-offs: on the development "
        "set (docs/benchmarks.md, news-open) it refused more unanswerable questions and fewer "
        "answered ones, cross-validated.",
    )
    restates_similarity: float = Field(
        0.75,
        ge=0.0,
        le=1.0,
        description="A why-question's best sentence this close to the question (cosine) that "
        "gives no reason states what is asked: the sentence after it is quoted next, as the "
        "reason often follows.",
    )
    coverage_weight: float = Field(
        0.3,
        ge=0.0,
        description="Weight of the coverage (the share of the question's focus terms, rarer "
        "ones weighing more, in the sentence holding the short answer or its context) added "
        "to the sentence's value before it is compared with answer_threshold.",
    )
    repeat_weight: float = Field(
        0.1,
        ge=0.0,
        description="Added to that margin when another sentence of the passages holds the same "
        "short answer as a candidate of the asked kind: what the articles say twice they surely "
        "say (on the development set the answers of unanswerable questions were seldom "
        "repeated, right ones often; docs/benchmarks.md).",
    )
    answer_coverage: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="A floor on that coverage of its own: below it the answer is a refusal "
        "whatever its value (0: none; a floor of 0.2 refused sure answers worded unlike the "
        "question).",
    )
    focus_coverage: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="For other questions: share of the focus terms the passages must hold, "
        "unless a sentence is at least close_similarity in meaning, else refuse.",
    )
    close_similarity: float = Field(
        0.6, ge=0.0, le=1.0, description="Cosine at which a sentence answers by meaning alone."
    )
    keep_ratio: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description="Further sentences are quoted only while they score this share of the best.",
    )
    embed_budget: int = Field(
        4,
        ge=1,
        description="Sentences embedded per question, the lexically best first (each costs a "
        "forward pass of about 10 ms on 2 cores).",
    )
    neighbours: int = Field(
        1,
        ge=0,
        le=5,
        description="Chunks either side of each retrieved chunk the answerer also reads; "
        "touching chunks of one article are merged into one source.",
    )
    lead_articles: int = Field(
        1,
        ge=0,
        le=10,
        description="The opening chunk of this many of the best retrieved articles is read too "
        "(with its neighbours), after the retrieved chunks: news puts who, what, when and where "
        'in its first paragraphs. On the development set 1 found one more answer ("the US Open, '
        'which begins August 29") and answered no unanswerable question; 2 and 3 also answered '
        "one (docs/benchmarks.md).",
    )
    stale_years: float = Field(
        2.0,
        gt=0.0,
        description="A cited source this many years older than the newest retrieved one is "
        "marked stale in the answer's sources.",
    )


class LLMSettings(_Section):
    provider: Literal["auto", "openai", "extractive"] = Field(
        "auto",
        description="'auto' uses OpenAI when OPENAI_API_KEY is set, else the offline answerer.",
    )
    model: str = Field("gpt-4o-mini", description="Chat model name at the OpenAI-compatible URL.")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    timeout: float = Field(
        60.0,
        gt=0,
        description="Seconds one attempt of a model call may take, from sending the request to "
        "the reply's last byte (keep-alive comments do not extend it); a server silent this "
        "long is given up on at once. Retries (max_retries) each get this long again.",
    )
    max_retries: int = Field(
        2, ge=0, le=10, description="Retries on 429/5xx/timeouts, with backoff."
    )


class UISettings(_Section):
    host: str = Field("127.0.0.1", description="Interface the UI binds; 0.0.0.0 exposes it.")
    auth: str | None = Field(None, description="'user:password' to require a login.")
    max_upload_mb: int = Field(20, ge=1, description="Largest accepted upload.")


class APISettings(_Section):
    """The HTTP API that ``qa serve`` mounts beside the UI: ``/api`` (REST) and ``/v1``
    (OpenAI-compatible)."""

    token: SecretStr | None = Field(
        None,
        description="Bearer token required on /api and /v1 (and the MCP endpoint). Without one "
        "the server only listens on loopback.",
    )
    max_request_kb: int = Field(
        256, ge=1, description="Largest JSON request body accepted on /api and /v1."
    )
    max_ingest_mb: int = Field(
        100, ge=1, description="Largest upload request (all files together) on /api/ingest."
    )
    ingest_dir: Path | None = Field(
        None,
        description="Folder whose files POST /api/ingest may read by path; unset: ingest by "
        "path is off (uploads still work).",
    )


class FetchSettings(_Section):
    """How ``qa ingest URL`` and ``qa watch`` fetch feeds and pages (see qa/fetch.py)."""

    user_agent: str = Field(
        "qa-news-archive/0.1 (personal news archive; honours robots.txt)",
        description="The User-Agent sent with every request, and matched against robots.txt.",
    )
    requests_per_second: float = Field(
        2.0, gt=0.0, le=100.0, description="At most this many requests per second to one host."
    )
    timeout: float = Field(
        15.0,
        gt=0.0,
        description="Seconds to connect, or to wait for the next bytes, or to read "
        "a whole response, before the URL is reported as failed.",
    )
    max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest feed or page read; a bigger one is refused."
    )
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per request.")
    max_retry_after: float = Field(
        10.0,
        ge=0.0,
        description="A 429 or 503 whose Retry-After is at most this many seconds is retried once "
        "after waiting; a longer one is reported and left for the next run.",
    )


class _ShortFormMixin:
    """Lets ``QA_LLM=extractive`` set ``llm.provider`` while ``QA_LLM_MODEL`` sets ``llm.model``."""

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        if field_name == "llm" and isinstance(value, str) and not value.lstrip().startswith("{"):
            return {"provider": value.strip()}
        return super().decode_complex_value(field_name, field, value)  # type: ignore[misc]


class _EnvSource(_ShortFormMixin, EnvSettingsSource):
    pass


class _DotEnvSource(_ShortFormMixin, DotEnvSettingsSource):
    pass


class Settings(BaseSettings):
    """Every knob of qa. Build one, pass it around; nothing reads the environment behind your back.

    >>> s = Settings(llm={"provider": "extractive"}, retrieval={"k": 6})
    >>> s.retrieval.k
    6
    """

    model_config = SettingsConfigDict(
        env_prefix="QA_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Where the index lives.")
    chunking: ChunkingSettings = ChunkingSettings()
    ingest: IngestSettings = IngestSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chroma: ChromaSettings = ChromaSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    syndication: SyndicationSettings = SyndicationSettings()
    llm: LLMSettings = LLMSettings()
    ui: UISettings = UISettings()
    api: APISettings = APISettings()
    fetch: FetchSettings = FetchSettings()
    mcp: bool = Field(
        False, description="Serve the ask tool over MCP at /gradio_api/mcp/ (QA_MCP=1)."
    )
    verify: Literal["rules", "llm"] = Field(
        "rules",
        description="How cited claims are checked: 'rules' (names, numbers, polarity and roles, "
        "with the bundled encoder for rewordings; offline) or 'llm' (the same, and the chat "
        "model decides the claims the rules leave undecided; needs a chat model).",
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias="OPENAI_API_KEY", description="Enables the LLM answerer."
    )
    openai_base_url: str | None = Field(
        None, validation_alias="OPENAI_BASE_URL", description="Any OpenAI-compatible server."
    )

    @field_validator("openai_base_url")
    @classmethod
    def _has_scheme(cls, url: str | None) -> str | None:
        # Without one the OpenAI client cannot send a request at all, and says only that it
        # cannot connect. A blank value (`OPENAI_BASE_URL=`) is unset.
        if url is not None and not url.strip():
            return None
        if url is not None and not re.match(r"https?://", url.strip(), re.IGNORECASE):
            msg = (
                f"{url!r} needs to start with http:// or https:// (e.g. http://localhost:11434/v1)"
            )
            raise ValueError(msg)
        return url

    @model_validator(mode="after")
    def _check_embedding_model(self) -> Settings:
        if self.embedding.provider == "local" and self.embedding.model != LOCAL_EMBEDDING_MODEL:
            msg = (
                f"QA_EMBEDDING_MODEL={self.embedding.model!r} is not available locally: the only "
                f"bundled model is {LOCAL_EMBEDDING_MODEL!r}. Unset QA_EMBEDDING_MODEL, or set "
                "QA_EMBEDDING_PROVIDER=openai to use an OpenAI embedding model."
            )
            raise ValueError(msg)
        return self

    @property
    def uses_llm(self) -> bool:
        """True when answers come from a chat model rather than the offline answerer."""
        if self.llm.provider == "extractive":
            return False
        if self.llm.provider == "openai":
            return True
        return self.openai_api_key is not None or self.openai_base_url is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _EnvSource(settings_cls),
            _DotEnvSource(settings_cls),
            file_secret_settings,
        )
