"""The store: incremental re-ingest, near-duplicates, pruning, overrides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, SEEDS, WOCAT, doc_for

from index.kb import KnowledgeBase

WELCOME = ("cop-welcome-note.md", "cop-welcome-note.pdf", "cop-welcome-note-slides.txt")


def test_three_renderings_of_one_talk_collapse_to_one_canonical(shared_kb: KnowledgeBase) -> None:
    docs = [doc_for(shared_kb, name) for name in WELCOME]
    seeds = [doc_for(shared_kb, name) for name in ("000_2eeea43f44bbad6b.txt", "001_36b6b76c180480fc.txt")]
    canonical = {d.canonical_id or d.id for d in docs + seeds}
    assert len(canonical) == 1
    (root,) = canonical
    assert shared_kb.store.document(root).is_canonical
    assert Path(shared_kb.store.document(root).path).name == "cop-welcome-note.pdf"  # the one with pages
    assert set(shared_kb.store.alternates(root)) == {d.id for d in docs + seeds} - {root}


def test_distinct_documents_are_not_merged(shared_kb: KnowledgeBase) -> None:
    report = doc_for(shared_kb, "consortium-8-1-report.pdf")
    roadmap = doc_for(shared_kb, "roadmap-2021.pdf")
    web = doc_for(shared_kb, "about-the-cop.html")
    roots = {d.canonical_id or d.id for d in (report, roadmap, web, doc_for(shared_kb, "cop-welcome-note.pdf"))}
    assert len(roots) == 4


def test_documents_sharing_a_paragraph_stay_separate(kb: KnowledgeBase, tmp_path: Path) -> None:
    shared_par = (SEEDS / "003_26d2ff67744e7cd6.txt").read_text().split("\n\n")[3]
    report = (SEEDS / "004_ad0c69c5e3eac3c3.txt").read_text()
    roadmap = (SEEDS / "002_a4703a810d293605.txt").read_text()
    (tmp_path / "a.txt").write_text(report + "\n\n" + shared_par)
    (tmp_path / "b.txt").write_text(shared_par + "\n\n" + roadmap)
    kb.ingest([tmp_path / "a.txt", tmp_path / "b.txt"])
    assert all(d.is_canonical for d in kb.store.documents())


def test_reingest_is_incremental(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(FIXTURES, folder)
    first = kb.ingest([folder])
    assert first.count("ingested") == len(list(FIXTURES.iterdir()))
    again = kb.ingest([folder])
    assert again.count("unchanged") == first.count("ingested") and again.count("ingested") == 0

    page = folder / "about-the-cop.html"
    before = doc_for(kb, "about-the-cop.html")
    page.write_text(page.read_text().replace("Nature and Purpose", "Nature, Purpose and Scope"))
    changed = kb.ingest([folder])
    assert changed.count("ingested") == 1 and changed.count("unchanged") == len(first.files) - 1
    after = doc_for(kb, "about-the-cop.html")
    assert after.id == before.id and after.content_hash != before.content_hash
    sections = {c.section for c in kb.store.chunks(after.id)}
    assert "About the CoP > Nature, Purpose and Scope" in sections
    assert "About the CoP > Nature and Purpose" not in sections  # old chunks replaced, not duplicated


def test_files_are_read_again_when_the_readers_change(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest import pipeline

    assert kb.ingest([WOCAT]).count("ingested") == len(list(WOCAT.iterdir()))
    monkeypatch.setattr(pipeline, "READERS_VERSION", pipeline.READERS_VERSION + 1)
    again = kb.ingest([WOCAT])  # what an older reader made of the files is replaced
    assert again.count("ingested") == len(list(WOCAT.iterdir())) and again.count("unchanged") == 0
    assert kb.ingest([WOCAT]).count("unchanged") == len(list(WOCAT.iterdir()))


def test_prune_removes_documents_whose_files_are_gone(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(FIXTURES, folder)
    kb.ingest([folder])
    (folder / "roadmap-2021.pdf").unlink()
    kept = kb.ingest([folder])  # without --prune nothing is removed
    assert kept.pruned == 0 and any(Path(d.path).name == "roadmap-2021.pdf" for d in kb.store.documents())
    pruned = kb.ingest([folder], prune=True)
    assert pruned.pruned == 1
    names = {Path(d.path).name for d in kb.store.documents()}
    assert "roadmap-2021.pdf" not in names and "roadmap-2021.docx" in names
    # the docx was an alternate of the PDF: it is canonical now
    assert doc_for(kb, "roadmap-2021.docx").is_canonical


def test_removing_a_canonical_promotes_an_alternate(kb: KnowledgeBase, tmp_path: Path) -> None:
    for name in WELCOME:
        shutil.copy(FIXTURES / name, tmp_path / name)
    kb.ingest([tmp_path])
    (tmp_path / "cop-welcome-note.pdf").unlink()
    kb.ingest([tmp_path], prune=True)
    docs = kb.store.documents()
    assert len(docs) == 2
    assert sum(d.is_canonical for d in docs) == 1


def test_type_override(kb: KnowledgeBase) -> None:
    kb.ingest([FIXTURES / "roadmap-2021.pdf"], doc_type="meeting_report")
    doc = doc_for(kb, "roadmap-2021.pdf")
    assert doc.doc_type == "meeting_report" and doc.metadata["doc_type_source"] == "override"


def test_practice_sheet_front_matter_becomes_metadata(kb: KnowledgeBase, tmp_path: Path) -> None:
    sheet = tmp_path / "mulch.en.md"
    sheet.write_text(PRACTICE)
    report = kb.ingest([sheet])
    assert report.count("ingested") == 1, report.files
    doc = kb.store.document("practice:mulch:en")
    assert doc is not None and doc.doc_type == "practice" and doc.languages == ["en"]
    assert doc.metadata["climate_zones"] == ["tropical_dry"]
    assert doc.metadata["soc_effect"][0]["rate_t_c_ha_yr"] == {"low": 0.1, "high": 0.2}
    sections = {c.section for c in kb.store.chunks(doc.id)}
    assert "How to do it" in sections


def _two_copies(kb: KnowledgeBase, tmp_path: Path) -> tuple[Path, Path]:
    """The same sheet in two folders (a copy kept elsewhere), both read: the store holds the copy read last."""
    kept, other = tmp_path / "kept", tmp_path / "copy"
    for folder in (kept, other):
        folder.mkdir()
        (folder / "mulch.en.md").write_text(PRACTICE)
    report = kb.ingest([kept, other])
    doc = kb.store.document("practice:mulch:en")
    assert doc is not None and Path(doc.path).parent == other
    assert report.files[0].warnings == [] and str(kept) in report.files[1].warnings[0]  # the user is told
    return kept, other


def test_a_pruned_copy_of_a_sheet_leaves_the_other_copy_in_the_store(kb: KnowledgeBase, tmp_path: Path) -> None:
    kept, other = _two_copies(kb, tmp_path)
    shutil.rmtree(other)
    report = kb.ingest([kept], prune=True)
    doc = kb.store.document("practice:mulch:en")
    assert doc is not None and Path(doc.path).parent == kept  # not lost while a file still holds it
    assert report.pruned == 1 and report.count("ingested") == 1 and report.count("unchanged") == 0
    assert "read again" in report.files[0].message
    assert [h.doc_id for h in kb.search("crop residues protective layer", k=1).hits] == ["practice:mulch:en"]
    assert kb.ingest([kept]).count("unchanged") == 1  # and read once, not on every run


def test_a_file_read_again_keeps_the_type_it_was_given(kb: KnowledgeBase, tmp_path: Path) -> None:
    kept, other = tmp_path / "kept", tmp_path / "copy"
    for folder in (kept, other):
        folder.mkdir()
        (folder / "mulch.en.md").write_text(PRACTICE)
    kb.ingest([kept], doc_type="position_paper")
    kb.ingest([other])  # the copy read last is the one kept, as a practice sheet
    assert kb.store.document("practice:mulch:en").doc_type == "practice"
    shutil.rmtree(other)
    report = kb.ingest([kept], prune=True)
    assert "read again" in report.files[0].message
    doc = kb.store.document("practice:mulch:en")
    assert doc is not None and Path(doc.path).parent == kept
    assert doc.doc_type == "position_paper" and doc.metadata["doc_type_source"] == "override"


def test_a_store_made_before_the_forced_type_was_kept_opens(tmp_path: Path) -> None:
    import sqlite3

    from index.store import DB_NAME, Store

    Store.open(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as db:  # the files table as it was
        db.execute("ALTER TABLE files DROP COLUMN doc_type")
        db.execute("INSERT INTO files VALUES ('/old/file.md', 'h', 1, 'then')")
    store = Store.open(tmp_path)
    assert store.file_hash("/old/file.md") == "h" and store.file_doc_type("/old/file.md") is None
    store.replace_file("/new/file.md", "h2", 2, [], doc_type="other")
    assert store.file_doc_type("/new/file.md") == "other"


def test_the_cli_says_which_files_it_read_again_and_why(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from service.cli import app

    kept, other = tmp_path / "kept", tmp_path / "copy"
    for folder in (kept, other):
        folder.mkdir()
        (folder / "mulch.en.md").write_text(PRACTICE)
    home = ["--home", str(tmp_path / "home")]
    first = CliRunner().invoke(app, ["ingest", str(kept), str(other), *home])
    assert f"warning {other / 'mulch.en.md'}: practice:mulch:en is also in {kept / 'mulch.en.md'}" in first.output
    shutil.rmtree(other)
    again = CliRunner().invoke(app, ["ingest", str(kept), "--prune", *home])
    assert again.exit_code == 0, again.output
    note = f"note    {kept / 'mulch.en.md'}: read again: its documents had gone with another file's copy"
    assert note in again.output
    assert "ingested 1, unchanged 0, failed 0, skipped 0, pruned 1" in again.output


def test_deleting_or_changing_one_copy_of_a_sheet_keeps_the_other(kb: KnowledgeBase, tmp_path: Path) -> None:
    kept, other = _two_copies(kb, tmp_path)
    (other / "mulch.en.md").write_text(PRACTICE.replace("id: mulch", "id: straw-mulch"))
    report = kb.ingest([other])  # the copy now holds another practice: the first copy's sheet comes back
    assert {f.status for f in report.files} == {"ingested"} and len(report.files) == 2
    assert kb.store.document("practice:mulch:en") is not None
    assert kb.store.document("practice:straw-mulch:en") is not None
    (other / "mulch.en.md").write_text(PRACTICE)
    kb.ingest([other])
    kb.delete(str((other / "mulch.en.md").resolve()))
    doc = kb.store.document("practice:mulch:en")
    assert doc is not None and Path(doc.path).parent == kept


def test_a_wocat_stub_comes_back_when_its_full_record_goes(kb: KnowledgeBase, tmp_path: Path) -> None:
    listing, detail = "api_v2_list_page1.json", "api_v2_detail_technologies_1724.json"
    for name in (listing, detail):
        shutil.copy(WOCAT / name, tmp_path / name)
    kb.ingest([tmp_path / listing])
    full = kb.ingest([tmp_path / detail])
    assert full.files[0].warnings == []  # a full record taking a list page's stub's place is no news
    assert not kb.store.document("wocat:technologies_1724").metadata.get("stub")
    (tmp_path / detail).unlink()
    kb.ingest([tmp_path], prune=True)
    assert kb.store.document("wocat:technologies_1724").metadata.get("stub")  # the list page's entry


PRACTICE = """---
id: mulch
lang: en
title: Mulch
summary: Keep crop residues on the soil surface as a protective layer.
category: [improved_ground_cover]
measures: [agronomic]
land_use: [cropland]
climate_zones: [tropical_dry]
soil_classes: [sandy]
unsuited: []
wocat_agroclimatic_zones: [semi-arid]
example_countries: [BF]
soc_effect:
  - rate_t_c_ha_yr: {low: 0.1, high: 0.2}
    depth_cm: 20
    reference: test-ref
co_benefits: []
trade_offs: []
barriers: []
cost_level: low
evidence: both
references:
  - key: test-ref
    citation: A test citation used only by this test.
    kind: field-experiment
    region: [BF]
    outcomes: [soil_carbon]
    url: https://example.org/test
updated: 2026-11-20
---
## What it is
Mulch is a layer of plant material on the soil.
## How to do it
Spread residues after harvest.
## Why it works
It feeds soil life.
## Results
Figures come from the test reference.
## Where it works and where it does not
Dry places.
## Barriers and how farmers overcame them
Livestock eat residues.
## References
- A test citation.
"""
