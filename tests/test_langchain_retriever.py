"""``qa.as_retriever()``: qa's retrieval as a LangChain ``BaseRetriever``, alone and inside a plain
LCEL chain whose chat model is a real ``ChatOpenAI`` talking HTTP to the local test server."""

from __future__ import annotations

import pytest
from conftest import SAMPLE_DIR, HashingEmbedder
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnablePassthrough
from openai_server import ChatRequest, OpenAIServer, Reply

import qa
from qa.engine import Engine, engine_for
from qa.langchain_retriever import QARetriever
from qa.settings import Settings

XI = "What did Xi say about sanctions?"
METADATA = {"article_id", "title", "date", "source", "url", "chunk_id", "start", "end"}


@pytest.fixture
def engine(settings: Settings) -> Engine:
    """The engine ``qa.as_retriever(settings=...)`` uses, with the sample article on a fast
    encoder."""
    engine = engine_for(settings)
    engine._embedder = HashingEmbedder()
    engine.ingest([SAMPLE_DIR])
    return engine


class TestAsRetriever:
    def test_is_a_langchain_retriever_of_the_engines_passages(
        self, engine: Engine, settings: Settings
    ) -> None:
        retriever = qa.as_retriever(k=3, settings=settings)
        assert isinstance(retriever, BaseRetriever)
        docs = retriever.invoke(XI)
        expected = engine.retrieve(XI, k=3)
        assert [d.id for d in docs] == [s.chunk.id for s in expected]
        assert len(docs) == 3

    def test_each_document_carries_what_a_citation_needs(
        self, engine: Engine, settings: Settings
    ) -> None:
        docs = qa.as_retriever(k=2, settings=settings).invoke(XI)
        for doc in docs:
            assert set(doc.metadata) >= METADATA
            text = engine.store.article_text(doc.metadata["article_id"])
            assert text is not None
            assert text[doc.metadata["start"] : doc.metadata["end"]] == doc.page_content
            assert doc.metadata["date"] == "2023-03-01"
            assert doc.metadata["chunk_id"] == doc.id

    def test_filters_narrow_what_it_finds(self, engine: Engine, settings: Settings) -> None:
        assert qa.as_retriever(since="2030-01-01", settings=settings).invoke(XI) == []
        assert qa.as_retriever(sources=["nowhere.example"], settings=settings).invoke(XI) == []
        source = engine.store.sources()[0]
        kept = qa.as_retriever(until="2023-03-01", sources=[source], settings=settings)
        assert kept.invoke(XI)
        with pytest.raises(ValueError, match="since"):
            qa.as_retriever(since="someday", settings=settings)

    def test_a_bad_option_is_the_one_line_error_qa_ask_raises(
        self, engine: Engine, settings: Settings
    ) -> None:
        from qa.errors import InvalidQueryError

        with pytest.raises(InvalidQueryError, match=r"^since 'nope' does not parse"):
            qa.as_retriever(since="nope", settings=settings)
        with pytest.raises(InvalidQueryError, match=r"^k must be at least 1"):
            engine.runnable().invoke({"question": XI, "k": 0})
        with pytest.raises(InvalidQueryError, match="question is empty"):
            engine.runnable().invoke({"history": []})

    def test_an_engine_can_be_wrapped_directly(self, engine: Engine) -> None:
        docs = QARetriever(engine=engine, k=1).invoke(XI)
        assert len(docs) == 1 and isinstance(docs[0], Document)


@pytest.mark.integration  # a real HTTP server plays the chat model
def test_a_plain_lcel_chain_answers_from_the_retrieved_passages(
    engine: Engine, settings: Settings
) -> None:
    """README's chain: retriever | format -> prompt -> ChatOpenAI -> text."""
    from langchain_openai import ChatOpenAI

    def reply(request: ChatRequest) -> Reply:
        # The model quotes the first passage it was shown, so the test sees what reached it.
        shown = request.prompt.removeprefix("Answer from:\n")
        return Reply(f"Quoting: {shown[:80]}")

    retriever = qa.as_retriever(k=2, settings=settings)
    first = retriever.invoke(XI)[0]
    with OpenAIServer(default=reply) as server:
        model = ChatOpenAI(model="test-model", base_url=server.url, api_key="test")
        context = retriever | (lambda found: "\n\n".join(d.page_content for d in found))
        prompt = ChatPromptTemplate.from_template("Answer from:\n{context}\n\nQuestion: {question}")
        chain = (
            {"context": context, "question": RunnablePassthrough()}
            | prompt
            | model
            | StrOutputParser()
        )
        answer = chain.invoke(XI)
        [request] = server.requests
    assert first.page_content in request.prompt
    assert request.prompt.rstrip().endswith(f"Question: {XI}")
    assert answer == "Quoting: " + first.page_content[:80]
