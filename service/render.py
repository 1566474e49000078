"""Readable terminal output for search results."""

from __future__ import annotations

import textwrap

import typer

from index.gaps import GapMatrix
from index.search import Hit, SearchResult
from index.zones import MATCH_LABELS, Classification, zones
from service.chat import Answer, Citation


def _highlight(hit: Hit) -> str:
    out, last = [], 0
    for start, end in hit.highlights:
        out += [hit.snippet[last:start], typer.style(hit.snippet[start:end], bold=True, fg="yellow")]
        last = end
    out.append(hit.snippet[last:])
    return " ".join("".join(out).split())


def _where(hit: Hit) -> str:
    parts = [hit.doc_type, hit.lang or "?"]
    if hit.page:
        parts.append(f"p. {hit.page}")
    if hit.section:
        parts.append(f"§ {hit.section[:40]}")
    return " · ".join(parts)


def render_hit(rank: int, hit: Hit) -> str:
    head = (
        f"{rank:>2}. {typer.style(hit.title, bold=True)}  [{_where(hit)}]  {hit.score:.2f} ({'+'.join(hit.found_by)})"
    )
    body = textwrap.fill(_highlight(hit), width=100, initial_indent="    ", subsequent_indent="    ")
    fit = ""
    if hit.unsuited:
        fit = "\n    " + typer.style(f"not recommended here: {hit.unsuited}", fg="red")
    elif hit.match:
        fit = "\n    " + typer.style(MATCH_LABELS[hit.match], fg="green")
    return f"{head}\n    {hit.doc_id}  {hit.path}{fit}\n{body}"


def render_result(result: SearchResult) -> str:
    lines = [f"{len(result.hits)} of {result.total} documents · query in {result.lang} · {result.mode}"]
    if result.conditions is not None:
        c = result.conditions
        zone = c["climate_zone"] or " or ".join(c["candidates"]) or "any zone"
        lines.append(f"for your place: {zone} × {c['soil_class'] or 'any soil'}")
    used = {lang: terms[:6] for lang, terms in result.expansions.items() if terms}
    if used:
        lines.append("translated: " + "; ".join(f"{lang}: {', '.join(t)}" for lang, t in used.items()))
    if result.groups is not None:
        for group in result.groups:
            lines.append(f"\n== {group.key} ({group.count})")
            lines += [render_hit(i, h) for i, h in enumerate(group.hits, 1)]
    else:
        lines += ["", *(render_hit(i, h) for i, h in enumerate(result.hits, 1))]
    if result.not_recommended:
        lines.append("\nnot recommended for your place:")
        lines += [f"  - {h.title}: {h.unsuited}" for h in result.not_recommended]
    top = {name: list(counts.items())[:5] for name, counts in result.facets.items() if counts}
    lines.append("\nfacets: " + " | ".join(f"{n}: " + ", ".join(f"{v} {c}" for v, c in vs) for n, vs in top.items()))
    return "\n".join(lines)


def render_zone(result: Classification, lang: str = "en") -> str:
    z = zones()

    def name(key: str) -> str:
        return f"{z.names(key).get(lang) or key} ({key})"

    lines = []
    if result.climate_zone:
        lines.append(f"climate zone  {name(result.climate_zone)}  [{result.source}]")
    elif result.candidates:
        lines.append(f"climate zone  undecided: {' or '.join(name(c) for c in result.candidates)}")
        lines.append(f"              give {' and '.join(result.missing)} to decide")
    else:
        lines.append("climate zone  unknown")
    lines.append(
        f"soil class    {name(result.soil_class) if result.soil_class else 'unknown (give --soil or --sand/--clay)'}"
    )
    if result.wocat:
        lines.append(f"WOCAT zone    {' / '.join(name(w) for w in result.wocat)}  ({result.wocat_basis})")
    lines.append("rules:")
    lines += [f"  {line}" for line in result.trace + result.soil_trace]
    return "\n".join(lines)


STATE_MARK = {"absolute_gap": ".", "conflicting": "!", "thin": "t", "synthesis_gap": "s", "covered": ""}


def render_gaps(matrix: GapMatrix, shown: int = 25) -> str:
    """The map (publications + records + documents per cell, marked by class) and the gaps, best first."""
    width = max(len(c) for c in matrix.categories) if matrix.categories else 10
    heads = [c[:7] for c in matrix.columns]
    lines = [f"evidence per {matrix.rows} × {matrix.by}: publications cited by the sheets + WOCAT records + "
             "documents; . absolute gap, t thin, s synthesis gap, ! conflicting figures", ""]  # fmt: skip
    lines.append(" " * width + "  " + " ".join(f"{h:>7}" for h in heads))
    for cat in matrix.categories:
        cells = [matrix.cell(cat, col) for col in matrix.columns]
        marks = [f"{(len(c.sources) + len(c.wocat) + len(c.documents)) or ''}{STATE_MARK[c.state]}" for c in cells]
        lines.append(f"{cat:<{width}}  " + " ".join(f"{m:>7}" for m in marks))
    plausible = [g for g in matrix.gaps if g.plausible]
    lines += ["", f"{len(matrix.gaps)} gaps, {len(plausible)} plausible; the first {shown}:"]
    for g in matrix.gaps[:shown]:
        mark = "plausible" if g.plausible else "unlikely "
        asked = f", asked {g.demand}×" if g.demand else ""
        lines.append(f"  {mark} {g.category} × {g.column}: {g.state.replace('_', ' ')}{asked}; {g.why}")
    return "\n".join(lines)


def render_answer(answer: Answer) -> str:
    lines = [textwrap.fill(answer.answer, width=100)]
    if answer.interpreted_as != answer.question:
        lines.insert(0, f"(understood as: {answer.interpreted_as})")
    for c in answer.citations:
        lines.append(_cited_line(c))
    if answer.closest:
        lines.append("The nearest passages, which may not answer the question:")
        for c in answer.closest:
            quote = textwrap.fill(c.quote, width=100, initial_indent=" " * 6, subsequent_indent=" " * 6)
            lines += [_cited_line(c), quote]
    return "\n".join(lines)


def _cited_line(c: Citation) -> str:
    where = ", ".join(x for x in [c.source, f"p. {c.page}" if c.page else c.section, c.date, c.lang] if x)
    return f"  [{c.n}] {c.title} ({c.doc_type}; {where})"
