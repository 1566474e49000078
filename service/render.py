"""Readable terminal output for search results."""

from __future__ import annotations

import textwrap

import typer

from index.search import Hit, SearchResult


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
    return f"{head}\n    {hit.doc_id}  {hit.path}\n{body}"


def render_result(result: SearchResult) -> str:
    lines = [f"{len(result.hits)} of {result.total} documents · query in {result.lang} · {result.mode}"]
    used = {lang: terms[:6] for lang, terms in result.expansions.items() if terms}
    if used:
        lines.append("translated: " + "; ".join(f"{lang}: {', '.join(t)}" for lang, t in used.items()))
    if result.groups is not None:
        for group in result.groups:
            lines.append(f"\n== {group.key} ({group.count})")
            lines += [render_hit(i, h) for i, h in enumerate(group.hits, 1)]
    else:
        lines += ["", *(render_hit(i, h) for i, h in enumerate(result.hits, 1))]
    top = {name: list(counts.items())[:5] for name, counts in result.facets.items() if counts}
    lines.append("\nfacets: " + " | ".join(f"{n}: " + ", ".join(f"{v} {c}" for v, c in vs) for n, vs in top.items()))
    return "\n".join(lines)
