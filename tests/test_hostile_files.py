"""Hostile files fail fast, each with one message naming the budget; the files around them are still read."""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT

from index.kb import KnowledgeBase
from ingest.formats.docx import parse_docx
from ingest.formats.html import parse_html
from ingest.formats.markdown import parse_markdown, parse_text
from ingest.formats.pdf import parse_pdf
from ingest.limits import limits, set_limits
from ingest.pipeline import collect_files, read_file
from ingest.records import ParseError


@pytest.fixture
def tighten() -> Iterator[Callable[..., None]]:
    """Lower some limits for one test; the limits in force before come back after it."""
    saved = limits()
    yield lambda **changes: set_limits(replace(saved, **changes))
    set_limits(saved)


def _refused(parse: Callable[[], object], seconds: float = 2.0) -> str:
    start = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse()
    assert time.perf_counter() - start < seconds
    return str(caught.value)


# --- YAML front matter ---------------------------------------------------------------------------------------------


def test_yaml_aliases_are_refused_before_they_expand() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    laughs = ("---\n" + "\n".join(lines) + "\n---\nBody text.\n").encode()
    assert len(laughs) < 500
    message = _refused(lambda: parse_markdown(laughs, Path("laughs.md")))
    assert message == "YAML front matter uses anchors/aliases (&, *) at line 2, which Humus does not read"


def test_yaml_nested_too_deeply_is_refused() -> None:
    deep = ("---\ntitle: " + "[" * 5000 + "\n---\nBody.\n").encode()
    assert "nested too deeply" in _refused(lambda: parse_markdown(deep, Path("deep.md")))


def test_a_practice_sheet_still_loads() -> None:
    path = next((ROOT / "corpus" / "practices").glob("*.md"))
    [doc] = parse_markdown(path.read_bytes(), path)
    assert doc.doc_type == "practice" and doc.units


# --- DOCX ----------------------------------------------------------------------------------------------------------


def test_docx_whose_parts_inflate_past_the_limit_is_refused(tighten: Callable[..., None]) -> None:
    tighten(max_bytes=1_000_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 3_000_000 + b"</w:document>")
    data = buffer.getvalue()
    assert len(data) < 10_000
    message = _refused(lambda: parse_docx(data, Path("bomb.docx")))
    assert message == "DOCX parts inflate to 3.0 MB, over the 1 MB limit (HUMUS_MAX_FILE_MB)"


# --- HTML ----------------------------------------------------------------------------------------------------------


def test_html_nested_deeper_than_the_limit_is_refused_at_once() -> None:
    data = ("<html><body>" + "<div>" * 200_000 + "<p>soil</p>" + "</div>" * 200_000 + "</body></html>").encode()
    message = _refused(lambda: parse_html(data, Path("deep.html")), seconds=1.0)
    assert message == f"HTML elements are nested more than {limits().max_depth} deep, too deep to read"


def test_html_unclosed_paragraphs_and_void_elements_are_not_nesting() -> None:
    body = "".join(f"<p>Paragraph {i} on soil carbon<br><img src=x.png>" for i in range(2_000))
    [doc] = parse_html(f"<html><body>{body}</body></html>".encode(), Path("legacy.html"))
    assert "Paragraph 1999 on soil carbon" in doc.text


def test_html_blocks_keep_their_order_and_headings() -> None:
    page = (
        "<html><head><title>Page</title></head><body><main>"
        "<h1>Soil carbon</h1><div><div><p>First paragraph.</p></div>Loose text</div>"
        "<h2>Practices</h2><ul><li>Mulch<p>keeps the soil covered</p></li><li>Cover crops</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr></table><span>inline <b>bold</b></span><!-- note -->"
        "</main></body></html>"
    )
    [doc] = parse_html(page.encode(), Path("page.html"))
    assert doc.title == "Soil carbon"
    assert [(u.section, u.text) for u in doc.units] == [
        ("Soil carbon", "First paragraph.\n\nLoose text"),
        ("Soil carbon > Practices", "Mulch\n\nkeeps the soil covered\n\nCover crops\n\na\n\nb\n\ninline bold"),
    ]


def test_html_deep_nesting_is_read_in_linear_time(tighten: Callable[..., None]) -> None:
    tighten(max_depth=100_000)  # past the depth check, to time the block walk itself
    data = ("<html><body>" + "<div>" * 20_000 + "<p>soil</p>" + "</div>" * 20_000 + "</body></html>").encode()
    start = time.perf_counter()
    [doc] = parse_html(data, Path("deep.html"))
    assert doc.text == "soil"
    assert time.perf_counter() - start < 10  # about 0.5 s; the quadratic walk took minutes (or overflowed)


def test_html_many_moderately_nested_sections() -> None:
    section = "".join(f"<h2>Part {i}</h2><p>Soil organic carbon, paragraph {i}.</p>" for i in range(20))
    page = "<html><body>" + ("<div>" * 100 + section + "</div>" * 100) * 50 + "</body></html>"
    [doc] = parse_html(page.encode(), Path("long.html"))
    assert len(doc.units) == 1_000
    assert doc.units[-1].section == "Part 19" and doc.units[-1].text == "Soil organic carbon, paragraph 19."


# --- PDF -----------------------------------------------------------------------------------------------------------


def _pdf(kids: str, count: int) -> bytes:
    """A minimal PDF, written by hand, whose page tree lists `kids` (references to the one page, object 3)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length 54 >>\nstream\nBT /F1 12 Tf 72 720 Td (Soil organic carbon) Tj ET\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_the_hand_written_pdf_is_readable() -> None:
    [doc] = parse_pdf(_pdf("3 0 R", 1), Path("one.pdf"))
    assert doc.text == "Soil organic carbon"


@pytest.mark.parametrize("declared", [30_000, 1], ids=["declared", "lying-count"])
def test_pdf_with_thirty_thousand_page_references_is_refused(declared: int) -> None:
    data = _pdf("3 0 R " * 30_000, declared)
    assert len(data) < 200_000
    message = _refused(lambda: parse_pdf(data, Path("pages.pdf")))
    assert message == f"30,000 pages, over the limit of {limits().max_pages:,} (HUMUS_MAX_PAGES)"


# --- collecting files ----------------------------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_fails_alone(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.txt").write_text("soil carbon")
    fd = os.open(os.fsencode(folder) + b"/bad\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.close(fd)
    found = collect_files([folder])
    assert found.files == [folder / "good.txt"]
    [(shown, message)] = found.failed
    assert shown == f"{folder}/bad\\xff.txt"
    shown.encode("utf-8")  # printable
    assert message == "file name is not valid UTF-8: rename the file"


def test_symbolic_link_loops_and_links_outside(tmp_path: Path) -> None:
    folder, outside = tmp_path / "inbox", tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("not for Humus")
    (folder / "real.txt").write_text("soil carbon")
    (folder / "alias.txt").symlink_to(folder / "real.txt")
    (folder / "a.txt").symlink_to(folder / "b.txt")
    (folder / "b.txt").symlink_to(folder / "a.txt")
    (folder / "sub" / "up").symlink_to(folder)
    (folder / "gone.txt").symlink_to(folder / "missing.txt")
    (folder / "secret.txt").symlink_to(outside / "secret.txt")

    start = time.perf_counter()
    found = collect_files([folder])
    assert time.perf_counter() - start < 2
    names = [p.name for p in found.files]
    assert names == ["a.txt", "alias.txt", "b.txt", "gone.txt", "real.txt"]
    assert sorted(found.skipped_links) == [
        (folder / "secret.txt", f"symbolic link leads outside {folder}: skipped"),
        (folder / "sub" / "up", "symbolic link to a folder: not followed"),
    ]
    assert found.failed == []
    with pytest.raises(ParseError, match=r"^cannot read: symbolic link loop$"):
        read_file(folder / "a.txt", 1_000_000)
    with pytest.raises(ParseError, match=r"^cannot read: file not found \(broken symbolic link\)$"):
        read_file(folder / "gone.txt", 1_000_000)
    assert read_file(folder / "alias.txt", 1_000_000) == b"soil carbon"
    # named directly, a link is read wherever it leads
    assert collect_files([folder / "secret.txt"]).files == [folder / "secret.txt"]


# --- text encodings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_text(encoding: str) -> None:
    text = "Le carbone organique du sol améliore la fertilité.\n\nSecond paragraphe, 2021.\n"
    [doc] = parse_text(text.encode(encoding), Path("note.txt"))
    assert doc.text == text.strip()
    assert doc.warnings == ["no byte order mark: decoded as UTF-16"]


def test_binary_with_nul_bytes_is_still_binary() -> None:
    for data in (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 40, bytes([1, 0, 2, 0, 3, 0]) * 500):
        assert _refused(lambda data=data: parse_text(data, Path("x.txt"))) == "binary content, not text"


def test_an_ingest_of_link_loops_reports_them_and_goes_on(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "real.txt").write_text("soil carbon under no-till")
    (folder / "a.txt").symlink_to(folder / "b.txt")
    (folder / "b.txt").symlink_to(folder / "a.txt")
    for paths in ([folder], [folder / "a.txt", folder / "real.txt"]):  # a folder, and the link named directly
        report = kb.ingest(paths, prune=True)
        status = {Path(f.path).name: (f.status, f.message) for f in report.files}
        assert status["a.txt"] == ("failed", "cannot read: symbolic link loop")
        assert status["real.txt"][0] in ("ingested", "unchanged")
