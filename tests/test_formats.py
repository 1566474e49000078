"""Each parser on the real documents of ../shared: what a user would check by eye."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, WOCAT, doc_for

from index.kb import KnowledgeBase


def _chunks_with(kb: KnowledgeBase, doc_id: str, needle: str):
    return [c for c in kb.store.chunks(doc_id) if needle in c.text]


def test_pdf_pages_match_where_the_text_is(shared_kb: KnowledgeBase) -> None:
    doc = doc_for(shared_kb, "consortium-8-1-report.pdf")
    # page numbers checked by hand in the PDF (pdftotext -f N -l N)
    helsinki = _chunks_with(shared_kb, doc.id, "Helsinki")
    assert helsinki and {c.page for c in helsinki} == {10}
    budget = _chunks_with(shared_kb, doc.id, "€970,000")
    assert budget and budget[0].page == 9
    roadmap = doc_for(shared_kb, "roadmap-2021.pdf")
    assert max(c.page for c in shared_kb.store.chunks(roadmap.id)) == 9


def test_pdf_chunks_never_cross_pages_and_offsets_point_into_the_text(shared_kb: KnowledgeBase) -> None:
    doc = doc_for(shared_kb, "consortium-8-1-report.pdf")
    text = shared_kb.store.document_text(doc.id)
    chunks = shared_kb.store.chunks(doc.id)
    assert len({c.page for c in chunks}) == 11
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert shared_kb.chunk_spec.count_tokens(chunk.text) <= shared_kb.chunk_spec.max_tokens


def test_html_keeps_the_article_and_drops_the_page_furniture(shared_kb: KnowledgeBase) -> None:
    doc = doc_for(shared_kb, "about-the-cop.html")
    text = shared_kb.store.document_text(doc.id)
    assert doc.title == "About the CoP"
    assert doc.doc_type == "web_page"
    assert "Communities of practice are groups of people" in text
    for furniture in (
        "cookies",
        "Accept all",
        "Members",
        "Privacy policy",
        "Imprint",
        "Upcoming events",
        "dataLayer",
        "position:fixed",
    ):
        assert furniture not in text, furniture
    sections = {c.section for c in shared_kb.store.chunks(doc.id)}
    assert "About the CoP > Background" in sections


def test_docx_text_and_title(shared_kb: KnowledgeBase) -> None:
    doc = doc_for(shared_kb, "consortium-8-1-report.docx")
    assert doc.title.startswith("Document Consortium 8-1")
    assert doc.doc_type == "meeting_report"
    assert "970,000" in shared_kb.store.document_text(doc.id)


def test_docx_list_items_keep_their_markers(shared_kb: KnowledgeBase) -> None:
    """A list paragraph reads as Word shows it: "3." or "c)" from its list's numbering, "- " for a bullet; a
    numbered heading and the bullets under it stay apart."""
    report = shared_kb.store.document_text(doc_for(shared_kb, "consortium-8-1-report.docx").id)
    assert "3. Core Facility III - Advocacy & Awareness\n\n- Promotion of the" in report
    roadmap = shared_kb.store.document_text(doc_for(shared_kb, "roadmap-2021.docx").id)
    assert "3) Specific work to be done with public and private funders" in roadmap
    assert "c) Work on taking into account the Green finance" in roadmap  # lettered, counted again under each item


def test_docx_list_numbering_set_by_a_style() -> None:
    import io

    import docx

    from ingest.formats.docx import parse_docx

    document = docx.Document()
    for text, style in (("Strategy", "List Number"), ("Plan", "List Bullet"), ("Budget", "List Bullet"),
                        ("Advocacy", "List Number"), ("A plain paragraph.", None)):  # fmt: skip
        document.add_paragraph(text, style=style)
    data = io.BytesIO()
    document.save(data)
    (parsed,) = parse_docx(data.getvalue(), Path("lists.docx"))
    assert parsed.units[0].text == "1. Strategy\n\n- Plan\n\n- Budget\n\n2. Advocacy\n\nA plain paragraph."


def test_markdown_heading_path_is_the_section(shared_kb: KnowledgeBase) -> None:
    doc = doc_for(shared_kb, "cop-welcome-note.md")
    sections = [c.section for c in shared_kb.store.chunks(doc.id) if c.section]
    assert "The 4PER1000 International Initiative" in sections


def test_wocat_v2_detail(shared_kb: KnowledgeBase) -> None:
    doc = shared_kb.store.document("wocat:technologies_1724")
    assert doc is not None
    assert doc.title == "Contour Trench Bund"
    assert doc.doc_type == "wocat"
    assert doc.metadata["country"] == "AF"
    assert doc.metadata["land_use"] == ["grazing_land"]
    assert doc.metadata["wocat_agroclimatic_zone"] == ["semi-arid"]
    assert doc.metadata["slm_group"] == ["improved_ground_cover", "cross_slope_measure"]
    assert doc.metadata["measures"] == ["structural"]
    assert doc.source.endswith("/technologies_1724/")
    # the list page names 1724 too; the full detail record is what the store keeps
    assert "contour lines" in shared_kb.store.document_text(doc.id)


def test_wocat_v2_detail_soil_organic_matter_impact(shared_kb: KnowledgeBase) -> None:
    doc = shared_kb.store.document("wocat:technologies_4092")
    assert doc is not None and doc.metadata["country"] == "AM"
    assert doc.metadata["soc_impact"] == 1
    assert "humus increase" in doc.metadata["soc_impact_comment"]


def test_wocat_current_api_keeps_arabic_and_zone(shared_kb: KnowledgeBase) -> None:
    doc = shared_kb.store.document("wocat:technologies_7810")
    assert doc is not None
    assert doc.languages == ["ar"]
    assert doc.metadata["wocat_agroclimatic_zone"] == ["arid"]
    assert doc.metadata["country"] == "SA"
    assert doc.metadata["soc_impact"] == 2
    assert "المخلفات العضوية" in doc.metadata["soc_impact_comment"]["ar"]
    assert "التشجير" in doc.title
    assert {c.lang for c in shared_kb.store.chunks(doc.id)} == {"ar"}


def test_wocat_list_page_entries_become_documents(shared_kb: KnowledgeBase) -> None:
    doc = shared_kb.store.document("wocat:technologies_1723")
    assert doc is not None and doc.title == "Stone wall"
    assert doc.source == "https://qcat.wocat.net/en/wocat/technologies/view/technologies_1723/"


def test_languages_dates_and_types(shared_kb: KnowledgeBase) -> None:
    report = doc_for(shared_kb, "consortium-8-1-report.pdf")
    assert report.languages == ["en"]
    assert report.date == "2021-11-10"
    assert report.doc_type == "meeting_report"
    roadmap = doc_for(shared_kb, "roadmap-2021.pdf")
    assert roadmap.date == "2020-12-10"
    assert roadmap.doc_type == "position_paper"
    assert doc_for(shared_kb, "cop-welcome-note.pdf").doc_type == "presentation"


def test_every_shared_file_was_ingested(shared_kb: KnowledgeBase) -> None:
    report = shared_kb.report  # type: ignore[attr-defined]
    names = {Path(f.path).name for f in report.files if f.status == "ingested"}
    expected = {p.name for d in (FIXTURES, WOCAT, FIXTURES.parent / "seeds") for p in d.iterdir()}
    assert names == expected
