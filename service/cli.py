"""The `humus` command line."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from index.gaps import draw_heatmap
from index.kb import FileResult, KnowledgeBase
from index.models import ModelUnavailableError
from index.store import StoreError
from index.vectors import IndexMismatchError
from index.zones import Conditions, ZoneError, classify
from service.chat import Chat
from service.export import FORMATS, export
from service.llm import LLMUnavailableError, load_llm
from service.render import render_answer, render_gaps, render_result, render_zone
from service.settings import Settings, get_settings

app = typer.Typer(
    help="Humus: search the soil-carbon knowledge base of the 4 per 1000 community.",
    no_args_is_help=True,
    add_completion=False,
)
corpus_app = typer.Typer(help="Check the shipped corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
glossary_app = typer.Typer(help="Thesauri used to translate queries.", no_args_is_help=True)
app.add_typer(glossary_app, name="glossary")


def _language(value: str) -> str:
    if value not in ("en", "fr", "es"):
        raise typer.BadParameter(f"{value!r}: use en, fr or es")
    return value


HomeOption = Annotated[Path | None, typer.Option("--home", help="Store folder (default: HUMUS_HOME or .humus).")]


def _open(home: Path | None) -> tuple[KnowledgeBase, Settings]:
    settings = get_settings()
    try:
        kb = KnowledgeBase.open(home or settings.home, settings.index_config())
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
    reindex: Annotated[
        bool,
        typer.Option(
            help="If the vector index was built with another model, re-embed the store with the configured one "
            "(as `humus reindex` does) instead of stopping."
        ),
    ] = False,
) -> None:
    """Read documents into the store: PDF, DOCX, HTML, Markdown, text, practice sheets, WOCAT JSON."""
    kb, _ = _open(home)

    def report(result: FileResult) -> None:
        if as_json:
            return
        if result.status == "failed":
            tqdm.write(f"failed  {result.path}: {result.message}", file=sys.stderr)
        elif result.message:  # read again: its documents had gone with another file's copy
            tqdm.write(f"note    {result.path}: {result.message}", file=sys.stderr)
        for warning in result.warnings:
            tqdm.write(f"warning {result.path}: {warning}", file=sys.stderr)

    def progress(files):  # noqa: ANN001, ANN202 - tqdm wraps any iterable
        return tqdm(files, desc="ingest", unit="file", disable=True if as_json else None, file=sys.stderr)

    try:
        result = kb.ingest(paths, prune=prune, doc_type=doc_type, index=False, on_file=report, progress=progress)
        embedding = lambda batches: tqdm(batches, desc="embed", unit="batch", disable=True if as_json else None)  # noqa: E731
        try:
            kb.sync(progress=embedding)
        except IndexMismatchError as exc:
            if not reindex:
                raise
            typer.echo(f"{exc.args[0].split(':', 1)[0]}: re-embedding the store with {kb.model}", err=True)
            kb.reindex(progress=embedding)
    except (ModelUnavailableError, IndexMismatchError) as exc:
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


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What you are looking for, in English, French or Spanish.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many hits.")] = 10,
    lang: Annotated[
        str | None, typer.Option("--lang", parser=_language, help="Query language (default: detected).")
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, lexical or dense.")] = "hybrid",
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="key=value (doc_type, language, country, climate_zone, soil_class, "
            "land_use, category, practice, year; of WOCAT records: degradation, purpose, degradation_goal, rainfall, "
            "slope, altitude, land_ownership, land_rights, market, establishment_cost, maintenance_cost); "
            "repeat a key for OR, different keys combine with AND.",
        ),
    ] = None,
    group_by: Annotated[str | None, typer.Option("--group-by", help="zone or a facet name.")] = None,
    conditions: Annotated[
        str | None,
        typer.Option(help="Your place: mat=27,map=600,soil=Arenosols (also pet, aridity, elevation, sand, clay)."),
    ] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="Your IPCC climate zone id.")] = None,
    soil: Annotated[str | None, typer.Option("--soil", help="Your soil: WRB group, USDA order or class.")] = None,
    lat: Annotated[float | None, typer.Option(help="Your latitude (zone from the raster).")] = None,
    lon: Annotated[float | None, typer.Option(help="Your longitude.")] = None,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Print one row per hit as csv, json or jsonl (for spreadsheets).")
    ] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Also write one row per hit to this CSV file.")] = None,
) -> None:
    """Search the knowledge base; with a place, practices documented for comparable zones come first."""
    if fmt is not None and fmt not in FORMATS:
        typer.echo(f"error: unknown format {fmt!r}: use one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    kb, _ = _open(home)
    try:
        place = Conditions.of(conditions, zone=zone, soil=soil, lat=lat, lon=lon)
        result = kb.search(
            query, k=k, lang=lang, mode=mode, filters=filters or [], group_by=group_by, conditions=place or None
        )
    except (ValueError, ModelUnavailableError, IndexMismatchError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if csv_path:
        csv_path.write_text(export(result, "csv"), encoding="utf-8")
        typer.echo(f"wrote {len(result.hits)} rows to {csv_path}", err=True)
    if fmt:
        typer.echo(export(result, fmt), nl=False)
    elif as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_result(result))
    kb.close()


@app.command()
def zone(
    mat: Annotated[float | None, typer.Option(help="Mean annual temperature, °C.")] = None,
    map_: Annotated[float | None, typer.Option("--map", help="Mean annual precipitation, mm.")] = None,
    elevation: Annotated[float | None, typer.Option(help="Elevation, m.")] = None,
    pet: Annotated[float | None, typer.Option(help="Mean annual potential evapotranspiration, mm.")] = None,
    aridity: Annotated[float | None, typer.Option(help="Aridity index MAP/PET (instead of --pet).")] = None,
    frost_days: Annotated[float | None, typer.Option(help="Frost days a year.")] = None,
    warmest_month: Annotated[float | None, typer.Option(help="Mean temperature of the warmest month, °C.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude (reads the climate-zone raster).")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude.")] = None,
    soil: Annotated[str | None, typer.Option(help="WRB reference soil group, USDA order or IPCC class.")] = None,
    sand: Annotated[float | None, typer.Option(help="Sand, %.")] = None,
    clay: Annotated[float | None, typer.Option(help="Clay, %.")] = None,
    lang: Annotated[str, typer.Option(parser=_language, help="Language of the zone names: en, fr or es.")] = "en",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The IPCC climate zone, soil class and WOCAT zone of a place, with the rules that decided them."""
    conditions = Conditions(
        mat=mat, map=map_, elevation=elevation, pet=pet, aridity=aridity, frost_days=frost_days,
        warmest_month=warmest_month, lat=lat, lon=lon, soil=soil, sand=sand, clay=clay,
    )  # fmt: skip
    if not conditions:
        typer.echo("error: give climate figures (--mat, --map, ...), --lat/--lon, or a soil", err=True)
        raise typer.Exit(2)
    try:
        result = classify(conditions, get_settings().zone_raster)
    except ZoneError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_zone(result, lang))


@app.command()
def gaps(
    by: Annotated[
        str, typer.Option("--by", "--cols", help="Columns: climate_zone, soil_class, land_use, outcome or region.")
    ] = "climate_zone",
    rows: Annotated[str, typer.Option("--rows", help="Rows: category (WOCAT SLM group) or practice.")] = "category",
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write one row per cell as CSV.")] = None,
    sources_path: Annotated[
        Path | None, typer.Option("--sources", help="Write one row per publication and cell as CSV.")
    ] = None,
    png_path: Annotated[Path | None, typer.Option("--png", help="Draw the map (PNG).")] = None,
    demand: Annotated[
        bool, typer.Option("--demand", help="List the most asked unanswered practice × column pairs.")
    ] = False,
    lang: Annotated[str, typer.Option(parser=_language, help="Language of the zone names in the heatmap.")] = "en",
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The evidence map: per practice category (or practice) × zone or outcome, the sources by kind, what kind
    of gap each cell is (absolute, synthesis, thin, conflicting, covered), and the gaps ranked."""
    kb, _ = _open(home)
    try:
        matrix = kb.gaps(by, rows)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if csv_path:
        csv_path.write_text(matrix.to_csv(), encoding="utf-8")
    if sources_path:
        sources_path.write_text(matrix.sources_csv(), encoding="utf-8")
    if png_path:
        draw_heatmap(matrix, png_path, lang)
    if demand:
        asked = kb.demand(by).most_common(25)
        typer.echo("\n".join(f"{n:>4}  {p} × {c}" for (p, c), n in asked) or "no unanswered question logged")
    elif as_json:
        typer.echo(json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_gaps(matrix))
    kb.close()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in English, French or Spanish.")],
    lang: Annotated[
        str | None, typer.Option("--lang", parser=_language, help="Answer language (default: the question's).")
    ] = None,
    filters: Annotated[list[str] | None, typer.Option("--filter", help="key=value, as for search.")] = None,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Answer a question from the knowledge base, quoting and citing its sources (or say that none answers)."""
    kb, settings = _open(home)
    try:
        answer = Chat(kb, load_llm(settings)).ask(question, lang=lang, filters=filters or [])
        if settings.question_log:
            kb.log_question("question", question, answer.language, answer.found)
    except (ValueError, ModelUnavailableError, IndexMismatchError, LLMUnavailableError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if as_json else render_answer(answer))
    kb.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes (default HUMUS_WORKERS: one per CPU core, at most 4).")
    ] = None,
) -> None:
    """Serve the API and the web page (uvicorn); the store comes from HUMUS_HOME."""
    settings = get_settings()
    n = workers or settings.serving_processes
    os.environ["HUMUS_WORKERS"] = str(n)  # the worker processes read their settings from the environment
    spares = f" and {settings.spare_processes} spare" if n > 1 and settings.spare_processes else ""
    typer.echo(f"Humus on http://{host}:{port} (API docs at /docs); store {settings.home}; {n} process(es){spares}")
    from service.serving import serve as run_server

    run_server(host, port, n, settings.spare_processes)


@app.command()
def mcp() -> None:
    """Serve Humus to an AI assistant over MCP (stdio): the assistant starts this command; the store comes from
    HUMUS_HOME. Read-only unless HUMUS_API_KEY is set in its environment."""
    from service.api import Service
    from service.mcp_server import build_server

    settings = get_settings()
    try:
        service = Service(settings)
        service.warm_up()
    except (StoreError, ModelUnavailableError, IndexMismatchError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    build_server(lambda: service, writes=settings.api_key is not None).run("stdio")
    service.close()


@app.command()
def reindex(home: HomeOption = None) -> None:
    """Rebuild the vector index from the store (after changing HUMUS_EMBED_MODEL, say)."""
    kb, settings = _open(home)
    try:
        stats = kb.reindex(progress=lambda b: tqdm(b, desc="embed", unit="batch", file=sys.stderr))
    except ModelUnavailableError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"vector index rebuilt with {settings.embed_model}: {stats['embedded']} embedded, "
        f"{stats['reused']} from the cache"
    )


@glossary_app.command("import")
def glossary_import(
    file: Annotated[Path, typer.Argument(help="CSV with code, label_en/fr/es and alt_en/fr/es columns.")],
    source: Annotated[str, typer.Option(help="Name of this thesaurus in the store.")] = "agrovoc",
    home: HomeOption = None,
) -> None:
    """Import a thesaurus such as AGROVOC to translate queries (replaces an earlier import of the same source)."""
    kb, _ = _open(home)
    try:
        n = kb.import_thesaurus(file, source)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"imported {n} concepts from {file} as {source!r} into {kb.store.path}")
    kb.close()


@app.command("eval")
def evaluate(
    task: Annotated[
        list[str] | None, typer.Option("--task", help="labelled, xquad and/or answers (default: labelled, xquad).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N XQuAD questions per task.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    write: Annotated[bool, typer.Option(help="Write the figures into eval/RESULTS.md.")] = True,
) -> None:
    """Measure search quality (nDCG@10, Recall@10, MRR per task, language and mode) or the chat's answers (fact,
    citation, abstention and latency per language), against the targets."""
    from eval.harness import overlaps, run_all, table

    settings = get_settings()
    tasks = tuple(task or ("labelled", "xquad"))
    if "answers" in tasks:
        _evaluate_answers(settings, as_json, write)
        tasks = tuple(t for t in tasks if t != "answers")
        if not tasks:
            return
    results = run_all(settings.index_config(), tasks, limit)
    checks = [
        f"| {name} | {c['measured']:.4f} | {c['target']:.3f} | {'yes' if c['met'] else '**no**'} |"
        for name, c in results["checks"].items()
    ]
    report = [
        "## Search quality (`humus eval`)",
        "",
        f"Model {settings.embed_model}; {results['seconds']} s on this machine"
        + (f"; XQuAD limited to {limit} questions per task" if limit else "")
        + ". Stores built as `make run` builds one: the project's glossary and word list, FreeDict where installed, no "
        "AGROVOC; the rows marked + AGROVOC import `../shared/agrovoc` into the same store, for comparison. "
        "Weights were tuned on the tuning half only (`python -m eval.tune`); targets are checked on the held-out "
        "half (XQuAD: odd articles; labelled set: even query groups). The rows `xquad beside corpus/practices` "
        "ingest one language's paragraphs into a store that also holds `corpus/practices` (as a user adds documents "
        "to the store `make run` builds) and send the questions as `/api/search` gets them by default, with no "
        "language and no filter: the 42 practice sheets, in three languages, compete with the paragraphs.",
        "",
        *table(results),
        "",
        "Top-10 overlap between the EN/FR/ES versions of each labelled query group, and of the further parallel "
        "queries without judgments (`eval/labelled/parallel.jsonl`, never tuned on):",
        "",
        *(overlaps(results) if "labelled" in results else []),
        "",
        "| target (held-out half, no AGROVOC) | measured | target | met |",
        "| --- | ---: | ---: | --- |",
        *checks,
        "",
        "Reproduce: `make eval` (or `humus eval --json`).",
    ]
    _publish("eval", report, results, as_json, write)


def _evaluate_answers(settings: Settings, as_json: bool, write: bool) -> None:
    from eval.answers import answer_checks, answers_table, open_answers, score_answers

    kb = open_answers(settings.index_config())
    started = time.perf_counter()
    results = score_answers(kb, load_llm(settings))
    kb.close()
    checks = answer_checks(results)
    generated = "extractive" if settings.llm_provider == "none" else f"{settings.llm_provider} {settings.llm_model}"
    report = [
        "## Answers (`humus eval --task answers`)",
        "",
        f"Model {settings.embed_model}, answers {generated}; {time.perf_counter() - started:.0f} s on this machine. "
        "Store: the corpus, `../shared/seeds` and `../shared/fixtures`. Questions: eval/answers (practice questions, "
        "partner enquiries, unanswerable ones), each asked in EN, FR and ES; weights tuned on two thirds "
        "(`python -m eval.answers --tune`), targets checked on the held-out third (ids that are multiples of 3). "
        "*Refused, fact in nearest passages*: answerable questions refused whose nearest passages, listed under the "
        "refusal, include one that holds the fact and comes from an expected source (not counted as answered).",
        "",
        *answers_table(results),
        "",
        "| target | measured | target | met |",
        "| --- | ---: | ---: | --- |",
        *(f"| {name} | {v:.2f} | {t:g} | {'yes' if ok else '**no**'} |" for name, (v, t, ok) in checks.items()),
        "",
        "Reproduce: `humus eval --task answers` (per-question results: `--json`).",
    ]
    _publish("answers", report, results, as_json, write)


def _publish(section: str, report: list[str], results: dict, as_json: bool, write: bool) -> None:
    """Print the report (or the results as JSON) and write it into its section of eval/RESULTS.md."""
    from eval.results import write_section

    typer.echo(json.dumps(results, indent=2, ensure_ascii=False) if as_json else "\n".join(report))
    if write:
        write_section(section, "\n".join(report))


@corpus_app.command("validate")
def corpus_validate(
    folder: Annotated[Path, typer.Argument()] = Path("corpus/practices"),
    glossary: Annotated[Path, typer.Option(help="The glossary whose AGROVOC codes to check.")] = Path(
        "corpus/glossary/glossary.csv"
    ),
    agrovoc: Annotated[
        Path | None, typer.Option(help="AGROVOC labels (CSV: code, label_en, alt_en, ...) to check the codes against.")
    ] = None,
) -> None:
    """Validate every practice sheet (schema, figures, languages, sections, references) and, given AGROVOC's
    labels, that each glossary code names its concept."""
    from ingest.glossary import agrovoc_problems, load_glossary
    from ingest.practice import validate_dir

    problems = validate_dir(folder)
    if agrovoc is not None:
        problems += [f"{glossary.name}: {p}" for p in agrovoc_problems(load_glossary(glossary), agrovoc)]
    for problem in problems:
        typer.echo(problem, err=True)
    typer.echo(f"{len(problems)} problem(s) in {folder}" + (f" and {glossary}" if agrovoc else ""))
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
