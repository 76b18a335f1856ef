"""Ingest: incremental, resumable, forgiving; the collection guards its embedding model."""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import HashingEmbedder, long_article, write

from qa.embeddings import Vectors
from qa.ingest import ingest
from qa.settings import Settings
from qa.store import EmbeddingModelMismatchError, Store, StoreError, Writer

# qa.ingest the function shadows qa.ingest the module on the package.
ingest_module = importlib.import_module("qa.ingest")


def open_store(settings: Settings, embedder: HashingEmbedder) -> Store:
    return Store.open(settings, model_id=embedder.model_id)


def snapshot(store: Store) -> tuple[list[tuple[str, str]], dict[str, str]]:
    chunks = sorted((c.id, c.text) for c in store.iter_chunks())
    records = {r.id: r.state for r in store.records().values()}
    return chunks, records


class TestIncremental:
    def test_first_ingest_adds_and_reingest_embeds_nothing(
        self, settings: Settings, hashing_embedder: HashingEmbedder, news_dir: Path
    ) -> None:
        store = open_store(settings, hashing_embedder)
        first = ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        assert (len(first.added), len(first.unchanged)) == (3, 0)
        embedded = hashing_embedder.embedded
        assert embedded == first.chunks_embedded > 0

        again = ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        assert (len(again.added), len(again.updated), len(again.unchanged)) == (0, 0, 3)
        assert hashing_embedder.embedded == embedded  # not one more text embedded
        assert again.summary() == "0 added, 0 updated, 3 unchanged, 0 skipped"

    def test_changed_article_replaces_its_old_chunks(
        self, settings: Settings, hashing_embedder: HashingEmbedder, news_dir: Path
    ) -> None:
        store = open_store(settings, hashing_embedder)
        ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        write(news_dir / "a.txt", "date 2023-01-10 Storm hits coast\n\nThe storm has passed.\n")
        report = ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        assert (len(report.updated), len(report.unchanged)) == (1, 2)
        texts = [c.text for c in store.iter_chunks()]
        assert "The storm has passed." in texts
        assert not any("300 homes" in t for t in texts)
        assert hashing_embedder.calls[-1] == 1

    def test_prune_removes_articles_whose_files_are_gone(
        self, settings: Settings, hashing_embedder: HashingEmbedder, news_dir: Path
    ) -> None:
        store = open_store(settings, hashing_embedder)
        ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        (news_dir / "b.txt").unlink()
        kept = ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        assert not kept.removed and len(store.records()) == 3  # no --prune, nothing removed
        pruned = ingest(
            [news_dir], settings=settings, store=store, embedder=hashing_embedder, prune=True
        )
        assert len(pruned.removed) == 1
        assert {r.title for r in store.records().values()} == {
            "Storm hits coast",
            "Rocket launch delayed",
        }
        assert not any("budget" in c.text for c in store.iter_chunks())

    def test_prune_touches_only_the_paths_it_was_given(
        self, settings: Settings, hashing_embedder: HashingEmbedder, tmp_path: Path
    ) -> None:
        # One index shared by two machines: this one cannot see the other's folder.
        store = open_store(settings, hashing_embedder)
        theirs = write(tmp_path / "theirs" / "a.txt", "date 2022-07-05 Harbor\n\nIt reopened.")
        mine = write(tmp_path / "mine" / "b.txt", "date 2022-07-06 Garden\n\nIt opened.")
        gone = write(tmp_path / "mine" / "c.txt", "date 2022-07-07 Bridge\n\nIt closed.")
        ingest(
            [theirs.parent, mine.parent], settings=settings, store=store, embedder=hashing_embedder
        )
        theirs.unlink()
        gone.unlink()
        pruned = ingest(
            [mine.parent], settings=settings, store=store, embedder=hashing_embedder, prune=True
        )
        assert len(pruned.removed) == 1
        assert {r.title for r in store.records().values()} == {"Harbor", "Garden"}
        globbed = ingest(
            [str(tmp_path / "t*" / "*.txt")],
            settings=settings,
            store=store,
            embedder=hashing_embedder,
            prune=True,
        )
        assert len(globbed.removed) == 1  # the folder a glob searches is its to prune

    def test_prune_keeps_articles_of_a_file_that_could_not_be_read(
        self, settings: Settings, hashing_embedder: HashingEmbedder, news_dir: Path
    ) -> None:
        store = open_store(settings, hashing_embedder)
        ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        write(news_dir / "c.jsonl", "{broken\n")
        report = ingest(
            [news_dir], settings=settings, store=store, embedder=hashing_embedder, prune=True
        )
        assert not report.removed
        assert len(store.records()) == 3


class TestDiskFull:
    """A write that fails on a nearly full disk says so (Chroma calls it a compaction error)."""

    def failing_write(self, store: Store, monkeypatch: pytest.MonkeyPatch, free: int) -> None:
        def no_room(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("Error in compaction: Failed to apply logs to the metadata segment")

        monkeypatch.setattr(store, "write_chunks", no_room)
        usage = shutil.disk_usage("/")._replace(free=free)
        monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage)

    def test_a_full_disk_is_named_with_what_was_kept_and_what_to_do(
        self,
        settings: Settings,
        hashing_embedder: HashingEmbedder,
        news_dir: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store = open_store(settings, hashing_embedder)
        self.failing_write(store, monkeypatch, free=1024 * 1024)
        with pytest.raises(StoreError) as full:
            ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)
        assert str(full.value).startswith(
            f"the disk holding {settings.data_dir} is full (1.0 MB left); 0 new or changed "
            "articles saved, of 3 read; free some space, then run the same command"
        )

    def test_a_failure_with_room_on_the_disk_is_not_called_a_full_disk(
        self,
        settings: Settings,
        hashing_embedder: HashingEmbedder,
        news_dir: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store = open_store(settings, hashing_embedder)
        self.failing_write(store, monkeypatch, free=10 * 2**30)
        with pytest.raises(RuntimeError, match="compaction"):
            ingest([news_dir], settings=settings, store=store, embedder=hashing_embedder)


class TestProgress:
    def test_progress_moves_within_a_batch_chunk_by_chunk(
        self, settings: Settings, hashing_embedder: HashingEmbedder, tmp_path: Path
    ) -> None:
        write(tmp_path / "minutes.txt", long_article())
        seen: list[tuple[float, int]] = []
        store = open_store(settings, hashing_embedder)
        report = ingest(
            [tmp_path / "minutes.txt"],
            settings=settings,
            store=store,
            embedder=hashing_embedder,
            on_progress=lambda done, total: seen.append((done, total)),
        )
        assert report.chunks_embedded > 2 * ingest_module._CHUNKS_PER_STEP
        assert seen[0] == (0, 1)  # said before any work
        assert seen[-1] == (1, 1)
        inside = [done for done, _ in seen if 0 < done < 1]  # one article, one batch
        assert len(inside) >= 2
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)


class TestBadInput:
    def test_bad_files_are_skipped_and_the_rest_is_ingested(
        self, settings: Settings, hashing_embedder: HashingEmbedder, news_dir: Path
    ) -> None:
        write(news_dir / "empty.txt", "")
        write(news_dir / "bin.html", b"\x00\x01\x02")
        report = ingest([news_dir], settings=settings, embedder=hashing_embedder)
        assert len(report.added) == 3
        assert sorted(Path(s.path).name for s in report.skipped) == ["bin.html", "empty.txt"]
        assert report.summary() == "3 added, 0 updated, 0 unchanged, 2 skipped"
        assert report.file_outcome(news_dir / "empty.txt") == "skipped: the file is empty"
        assert report.file_outcome(news_dir / "a.txt") == "1 added"


class TestInterrupted:
    def test_ctrl_c_during_embedding_then_rerun_finishes_the_job(
        self, settings: Settings, news_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(ingest_module, "_ARTICLES_PER_BATCH", 1)

        class InterruptedEmbedder(HashingEmbedder):
            def embed_documents(self, texts: Sequence[str]) -> Vectors:
                if len(self.calls) == 1:
                    self.calls.append(0)
                    raise KeyboardInterrupt
                return super().embed_documents(texts)

        embedder = InterruptedEmbedder()
        with pytest.raises(KeyboardInterrupt) as interrupted:
            ingest([news_dir], settings=settings, embedder=embedder)
        store = open_store(settings, embedder)
        assert len(store.records()) == 1  # the first batch was saved whole
        assert str(interrupted.value) == (
            "interrupted: 1 new or changed articles saved, of 3 read; "
            "run the same command to finish the rest"
        )

        resumed = ingest([news_dir], settings=settings, embedder=embedder)
        assert (len(resumed.added), len(resumed.unchanged)) == (2, 1)
        # A separate index: another folder, and another collection when run against a server.
        clean_chroma = settings.chroma.model_copy(
            update={"collection": f"{settings.chroma.collection}-clean"}
        )
        clean_settings = settings.model_copy(
            update={"data_dir": settings.data_dir.parent / "c", "chroma": clean_chroma}
        )
        ingest([news_dir], settings=clean_settings, embedder=HashingEmbedder())
        assert snapshot(store) == snapshot(open_store(clean_settings, embedder))

    def test_crash_between_writing_chunks_and_commit_is_repaired(
        self, settings: Settings, news_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        embedder = HashingEmbedder()
        real_commit = Store.commit

        def crash(self: Store, ids: Sequence[str], writer: Writer) -> None:
            raise SystemExit("killed")

        monkeypatch.setattr(Store, "commit", crash)
        with pytest.raises(SystemExit):
            ingest([news_dir], settings=settings, embedder=embedder)
        store = open_store(settings, embedder)
        assert {r.state for r in store.records().values()} == {"pending"}

        monkeypatch.setattr(Store, "commit", real_commit)
        report = ingest([news_dir], settings=settings, embedder=embedder)
        assert len(report.repaired) == 3 and len(report.added) == 3
        chunks, records = snapshot(store)
        assert set(records.values()) == {"done"}
        assert len(chunks) == len({cid for cid, _ in chunks})  # no duplicate chunk


class TestModelGuard:
    def test_opening_with_another_model_is_refused_with_what_to_do(
        self, settings: Settings, news_dir: Path
    ) -> None:
        ingest([news_dir], settings=settings, embedder=HashingEmbedder("test/model-a"))
        with pytest.raises(EmbeddingModelMismatchError) as error:
            ingest([news_dir], settings=settings, embedder=HashingEmbedder("test/model-b"))
        message = str(error.value)
        assert "test/model-a" in message and "test/model-b" in message
        assert "QA_DATA_DIR" in message
        # The recorded model is untouched by the refused attempt.
        assert open_store(settings, HashingEmbedder("test/model-a")).model_id == "test/model-a"
