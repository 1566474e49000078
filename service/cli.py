"""The `humus` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from index.kb import FileResult, KnowledgeBase
from index.models import ModelUnavailableError
from index.store import StoreError
from service.settings import Settings, get_settings

app = typer.Typer(
    help="Humus: search the soil-carbon knowledge base of the 4 per 1000 community.",
    no_args_is_help=True,
    add_completion=False,
)
corpus_app = typer.Typer(help="Check the shipped corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")

HomeOption = Annotated[Path | None, typer.Option("--home", help="Store folder (default: HUMUS_HOME or .humus).")]


def _open(home: Path | None) -> tuple[KnowledgeBase, Settings]:
    settings = get_settings()
    try:
        kb = KnowledgeBase.open(
            home or settings.home,
            model=settings.embed_model,
            max_file_bytes=settings.max_file_bytes,
            chunk_overlap=settings.chunk_overlap,
        )
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return kb, settings


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to read.")],
    home: HomeOption = None,
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable summary.")] = False,
    doc_type: Annotated[str | None, typer.Option("--type", help="Force the document type of these files.")] = None,
) -> None:
    """Read documents into the store: PDF, DOCX, HTML, Markdown, text, practice sheets, WOCAT JSON."""
    kb, _ = _open(home)

    def report(result: FileResult) -> None:
        if as_json:
            return
        if result.status == "failed":
            tqdm.write(f"failed  {result.path}: {result.message}", file=sys.stderr)
        for warning in result.warnings:
            tqdm.write(f"warning {result.path}: {warning}", file=sys.stderr)

    def progress(files):  # noqa: ANN001, ANN202 - tqdm wraps any iterable
        return tqdm(files, desc="ingest", unit="file", disable=True if as_json else None, file=sys.stderr)

    try:
        result = kb.ingest(paths, prune=prune, doc_type=doc_type, on_file=report, progress=progress)
    except ModelUnavailableError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    counts = kb.store.counts()
    summary = result.summary()
    if as_json:
        typer.echo(json.dumps({**summary, "store": counts}, indent=2, ensure_ascii=False))
    else:
        typer.echo(
            f"ingested {summary['ingested']}, unchanged {summary['unchanged']}, failed {summary['failed']}, "
            f"skipped {summary['skipped']}, pruned {summary['pruned']} · store: {counts['documents']} documents "
            f"({counts['documents'] - counts['canonical_documents']} near-duplicates kept as alternates), "
            f"{counts['chunks']} chunks in {kb.store.path}"
        )
    kb.close()
    if not result.ok and result.files:
        raise typer.Exit(1)


@app.command()
def status(home: HomeOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What the store holds."""
    kb, settings = _open(home)
    info = {"home": str(kb.home), "model": settings.embed_model, **kb.store.counts()}
    typer.echo(json.dumps(info, indent=2) if as_json else "\n".join(f"{k:>20}: {v}" for k, v in info.items()))
    kb.close()


@app.command()
def docs(
    home: HomeOption = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="Only this document type.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the documents in the store (alternates of a near-duplicate marked with →)."""
    kb, _ = _open(home)
    rows = [d for d in kb.store.documents() if doc_type is None or d.doc_type == doc_type]
    if as_json:
        typer.echo(json.dumps([_doc_dict(d) for d in rows], indent=2, ensure_ascii=False))
    else:
        for d in rows:
            alt = f"  → {d.canonical_id}" if d.canonical_id else ""
            typer.echo(f"{d.id:45} {d.doc_type:15} {','.join(d.languages):6} {d.date or '':10} {d.title[:60]}{alt}")
    kb.close()


def _doc_dict(d) -> dict:  # noqa: ANN001 - StoredDocument uses slots
    return {name: getattr(d, name) for name in d.__slots__}


@corpus_app.command("validate")
def corpus_validate(folder: Annotated[Path, typer.Argument()] = Path("corpus/practices")) -> None:
    """Validate every practice sheet (schema, languages, sections, references)."""
    from ingest.practice import validate_dir

    problems = validate_dir(folder)
    for problem in problems:
        typer.echo(problem, err=True)
    typer.echo(f"{len(problems)} problem(s) in {folder}")
    if problems:
        raise typer.Exit(1)


@corpus_app.command("stats")
def corpus_stats(
    folder: Annotated[Path, typer.Argument()] = Path("corpus/practices"),
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Coverage of the practice sheets: category x climate zone, zones and land uses covered."""
    from ingest.practice import coverage, load_sheets
    from ingest.vocab import CLIMATE_ZONES, LAND_USES

    stats = coverage(load_sheets(folder))
    if as_json:
        typer.echo(json.dumps(stats, indent=2))
        return
    short = [
        z.replace("warm_temperate", "wt").replace("cool_temperate", "ct").replace("tropical", "tr")
        for z in CLIMATE_ZONES
    ]
    typer.echo(f"{'category':32}" + "".join(f"{s[:9]:>10}" for s in short))
    for cat, row in stats["matrix"].items():
        typer.echo(f"{cat[:32]:32}" + "".join(f"{row[z] or '.':>10}" for z in CLIMATE_ZONES))
    typer.echo(
        f"\n{stats['practices']} practices; climate zones covered: {len(stats['climate_zones'])}/{len(CLIMATE_ZONES)}; "
        f"land uses covered: {len(stats['land_uses'])}/{len(LAND_USES)} ({', '.join(stats['land_uses'])})"
    )


if __name__ == "__main__":  # pragma: no cover
    app()
