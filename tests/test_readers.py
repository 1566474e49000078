"""Readers (serving processes) search what the last writer indexed, never embed, and keep one consistent snapshot
per search; writers take turns through the lock file."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.kb import KnowledgeBase


def _note(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"# {name}\n\n{text}\n", encoding="utf-8")
    return path


def _found(kb: KnowledgeBase, query: str) -> list[str]:
    return [h.source for h in kb.search(query, k=5).hits]


def test_a_reader_switches_only_when_the_writer_has_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, docs = tmp_path / "home", tmp_path / "docs"
    writer = KnowledgeBase.open(home)
    writer.ingest([_note(docs, "kelp.md", "Composted kelp raised soil organic carbon in the Humusland dunes.")])
    reader = KnowledgeBase.open(home, writer=False)
    assert "kelp.md" in _found(reader, "Humusland kelp")

    def no_embedding(*_: object, **__: object) -> None:
        raise AssertionError("a reader embedded documents")

    monkeypatch.setattr(KnowledgeBase, "_sync_vectors", no_embedding)  # what a writer calls to embed
    writer.ingest([_note(docs, "mulch.md", "Mulch kept the Humusvale soil moist and fed its carbon.")], index=False)
    assert "mulch.md" not in _found(reader, "Humusvale mulch")  # written, not indexed yet: not served
    assert len(reader.vector_index()) == len(reader.catalog().chunk_ids)
    monkeypatch.undo()
    writer.sync()
    assert "mulch.md" in _found(reader, "Humusvale mulch")
    writer.delete(str((docs / "kelp.md").resolve()), index=False)  # deleted, not re-indexed yet
    assert "kelp.md" not in _found(reader, "Humusland kelp")  # its chunks are gone from the store: left out
    writer.close()
    reader.close()


def test_writers_take_turns(tmp_path: Path) -> None:
    first, second = KnowledgeBase.open(tmp_path), KnowledgeBase.open(tmp_path)
    with first._lock:
        assert not second._lock.acquire(blocking=False)
        assert first._lock.acquire(blocking=False)  # re-entrant for its holder
        first._lock.release()
    assert second._lock.acquire(blocking=False)
    second._lock.release()


def test_a_reader_catches_up_once_when_no_writer_indexed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    writer = KnowledgeBase.open(home)
    writer.ingest([_note(tmp_path / "docs", "terrace.md", "Stone terraces held the Humusridge soil.")], index=False)
    reader = KnowledgeBase.open(home, writer=False)
    with writer._lock:  # a writer at work: the reader leaves it to the writer
        assert not reader.catch_up()
    assert reader.catch_up() and not reader.catch_up()
    assert "terrace.md" in _found(reader, "Humusridge terraces")
