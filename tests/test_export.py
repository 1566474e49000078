"""Search results as tables: one row per hit in CSV, JSON or JSON Lines, from the command line and the API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from index.search import Hit, SearchResult
from service.cli import app
from service.export import COLUMNS, export, rows
from service.settings import Settings


def hit(**given: object) -> Hit:
    fields = dict(doc_id="doc:1", title="A report", doc_type="report", lang="en", score=1.5, found_by=["lexical"],
                  snippet="  some\n text ", highlights=[], page=None, section=None, chunk_id=1, source="report.docx",
                  path="/data/report.docx", family="doc:1")  # fmt: skip
    return Hit(**{**fields, **given})


def table(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "a byte-order mark, so that spreadsheet programs read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_rows_cite_pages_sections_and_paged_renderings() -> None:
    result = SearchResult("q", "en", "hybrid", [
        hit(page=4, paged_in="report.pdf", facets={"country": ["FR", "SN"], "climate_zone": ["tropical_dry"]}),
        hit(doc_id="practice:biochar:fr", title="Apport de biochar", lang="fr", section="Résultats",
            source="biochar.fr.md", path="/c/biochar.fr.md", metadata={"url": "javascript:alert(1)"}),
        hit(doc_id="technologies_1724", doc_type="wocat", source="https://qcat.wocat.net/x", path="",
            metadata={"url": "https://qcat.wocat.net/x"}),
    ], {}, 3)  # fmt: skip
    first, sheet, wocat = rows(result, "http://humus.example/")
    assert first["citation"] == "report.docx, p. 4 of report.pdf" and first["snippet"] == "some text"
    assert first["country"] == ["FR", "SN"] and first["url"] == "http://humus.example/api/documents/doc:1"
    assert sheet["citation"] == "biochar.fr.md, § Résultats" and sheet["practice"] == ["biochar"]
    assert sheet["url"] == "http://humus.example/api/practices/biochar?lang=fr"  # never a javascript: link
    assert wocat["url"] == "https://qcat.wocat.net/x" and rows(result)[0]["url"] is None
    out = table(export(result, "csv"))
    assert list(out[0]) == list(COLUMNS) and out[0]["country"] == "FR; SN" and out[1]["language"] == "fr"
    lines = export(result, "jsonl").splitlines()
    assert [json.loads(line)["rank"] for line in lines] == [1, 2, 3]
    assert json.loads(export(result, "json"))[1]["title"] == "Apport de biochar"


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted() -> None:
    result = SearchResult("q", "en", "hybrid", [hit(title="=HYPERLINK(\"http://evil\")", section="+1", snippet="-2")],
                          {}, 1)  # fmt: skip
    row = table(export(result, "csv"))[0]
    assert row["title"] == '\'=HYPERLINK("http://evil")' and row["snippet"] == "'-2"
    assert row["score"] == "1.5" and row["rank"] == "1"  # numbers stay numbers


def test_command_line_formats(served: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["search", "cover crops", "--home", str(served.home), "-k", "4"]
    lines = runner.invoke(app, [*base, "--format", "jsonl"]).stdout.splitlines()
    assert len(lines) == 4 and json.loads(lines[0])["doc_id"] == "practice:cover-crops:en"
    target = tmp_path / "hits.csv"
    done = runner.invoke(app, [*base, "--filter", "language=fr", "--csv", str(target)])
    assert done.exit_code == 0 and "Couverts" in done.stdout  # the usual listing, and the file
    written = table(target.read_text(encoding="utf-8"))
    assert len(written) == 4 and {r["language"] for r in written} == {"fr"}
    bad = runner.invoke(app, [*base, "--format", "xml"])
    assert bad.exit_code == 2 and "unknown format 'xml'" in bad.stderr
