"""Bad files get one clear line naming the file and the reason; the good ones next to them go in."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, WOCAT
from typer.testing import CliRunner

from index.kb import KnowledgeBase
from service.cli import app

EXPECTED = {
    "empty.txt": "empty file",
    "truncated.pdf": "unreadable PDF (truncated or damaged)",
    "locked.pdf": "password-protected PDF",
    "binary.pdf": "not a PDF (no %PDF header)",
    "binary.txt": "binary content, not text",
    "scripts-only.html": "no text content",
    "broken-front-matter.md": "invalid YAML front matter at line 3",
    "bad-sheet.md": "practice sheet front matter: climate_zones: Value error, unknown climate zone: savanna",
    "wocat-missing.json": "WOCAT record is missing field 'name'",
    "huge.txt": "over the 0.5 MB limit (HUMUS_MAX_FILE_MB)",
    "dangling.txt": "cannot read: file not found (broken symbolic link)",
    "notes.xyz": "unsupported file type '.xyz'",
}


def _locked_pdf(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(FIXTURES / "cop-welcome-note.pdf").pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as fh:
        writer.write(fh)


def make_bad_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    data = (FIXTURES / "roadmap-2021.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    _locked_pdf(folder / "locked.pdf")
    (folder / "binary.pdf").write_bytes(bytes(range(256)) * 40)
    (folder / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 40)
    (folder / "scripts-only.html").write_text(
        "<html><head><script>var a = 1;</script><style>p{}</style></head><body><script>go()</script></body></html>"
    )
    (folder / "broken-front-matter.md").write_text("---\ntitle: ok\nlist: [unclosed\n---\nBody text here.\n")
    (folder / "bad-sheet.md").write_text(
        (Path(__file__).parent / "test_ingest.py")
        .read_text()
        .split('PRACTICE = """')[1]
        .split('"""')[0]
        .replace("climate_zones: [tropical_dry]", "climate_zones: [savanna]")
    )
    (folder / "wocat-missing.json").write_text(json.dumps([{"id": 1, "selected_version": {"country": "KE"}}]))
    (folder / "huge.txt").write_text("soil carbon " * 60_000)
    (folder / "dangling.txt").symlink_to(folder / "does-not-exist.txt")
    (folder / "notes.xyz").write_text("not a format Humus reads")


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    make_bad_files(folder)
    shutil.copy(FIXTURES / "about-the-cop.html", folder / "about-the-cop.html")
    (folder / "latin1.txt").write_bytes("Le carbone du sol améliore la fertilité des sols dégradés.".encode("latin-1"))
    return folder


def test_each_bad_file_gets_its_reason_and_the_good_ones_go_in(tmp_path: Path, bad_folder: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "home", max_file_bytes=500_000)
    report = kb.ingest([bad_folder, bad_folder / "notes.xyz"])
    by_name = {Path(f.path).name: f for f in report.files}
    for name, reason in EXPECTED.items():
        assert by_name[name].status == "failed", (name, by_name[name])
        assert reason in by_name[name].message, (name, by_name[name].message)
    assert by_name["about-the-cop.html"].status == "ingested"
    latin = by_name["latin1.txt"]
    assert latin.status == "ingested"
    assert any("not UTF-8" in w for w in latin.warnings)
    doc = kb.store.document(latin.documents[0])
    assert "améliore la fertilité" in kb.store.document_text(doc.id)
    assert doc.languages == ["fr"]


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    path = tmp_path / "secret.txt"
    path.write_text("soil organic carbon")
    path.chmod(0)
    report = KnowledgeBase.open(tmp_path / "home").ingest([path])
    assert report.files[0].message == "cannot read: permission denied"


def test_a_file_that_turns_bad_keeps_what_was_stored(kb: KnowledgeBase, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    shutil.copy(FIXTURES / "consortium-8-1-report.pdf", pdf)
    kb.ingest([pdf])
    before = kb.store.counts()
    pdf.write_bytes(pdf.read_bytes()[:5000])  # truncated by a bad copy
    report = kb.ingest([pdf])
    assert report.files[0].status == "failed"
    assert kb.store.counts() == before
    assert any("970,000" in c.text for d in kb.store.documents() for c in kb.store.chunks(d.id))


def test_cli_lines_summary_and_exit_codes(tmp_path: Path, bad_folder: Path) -> None:
    runner = CliRunner()
    env = {"HUMUS_MAX_FILE_MB": "0.5"}
    from service.settings import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["ingest", str(bad_folder), "--home", str(tmp_path / "h")], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"failed  {bad_folder / 'truncated.pdf'}: unreadable PDF" in out
    assert f"failed  {bad_folder / 'empty.txt'}: empty file" in out
    assert "ingested 2, unchanged 0, failed 11, skipped 1" in out

    only_bad = tmp_path / "only-bad"
    make_bad_files(only_bad)
    result = runner.invoke(app, ["ingest", str(only_bad), "--home", str(tmp_path / "h2"), "--json"], env=env)
    get_settings.cache_clear()
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["ingested"] == 0 and summary["failed"] == 11


def test_cli_json_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ingest", str(WOCAT), "--home", str(tmp_path / "h"), "--json"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["ingested"] == 4 and summary["failed"] == 0
    assert summary["store"]["documents"] == 29
    again = json.loads(CliRunner().invoke(app, ["ingest", str(WOCAT), "--home", str(tmp_path / "h"), "--json"]).stdout)
    assert again["unchanged"] == 4 and again["ingested"] == 0
