"""Humus for AI assistants: a Model Context Protocol server (official `mcp` SDK).

`humus mcp` serves it over stdio (an assistant on the same machine starts it); `humus serve` mounts it over
streamable HTTP at `/mcp`. Its tools read: `search`, `fetch`, `ask`, `zone`, `gaps`. With the API key
(`HUMUS_API_KEY`: set in the environment of `humus mcp`, or sent as `X-API-Key` or `Authorization: Bearer` to
`/mcp`) it also writes: `add_document` and `delete_document`, run as the API's upload and deletion jobs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from pydantic import Field
from starlette.types import ASGIApp, Receive, Scope, Send

from index.catalog import FACETS, QueryError
from index.gaps import AXES, ROWS
from index.kb import SearchRequest
from index.zones import Conditions, ZoneError, classify
from ingest.formats import PARSERS
from ingest.practice import with_unit_text
from service.chat import source_name
from service.export import citation, doc_url
from service.jobs import FINISHED, Job
from service.receive import safe_filename
from service.settings import Settings

if TYPE_CHECKING:
    from service.api import Service

MAX_TEXT = 60_000  # characters of a document `fetch` returns (an assistant's context is finite)
MAX_UPLOAD = 20_000_000  # bytes of a document `add_document` takes (bigger files go through the HTTP upload)
WRITE_WAIT_S = 120.0
INSTRUCTIONS = """Humus is the soil-carbon knowledge base of the "4 per 1000" Initiative: practice sheets (what a
practice does to soil organic carbon, with published figures, in English, French and Spanish), WOCAT SLM records
and the community's reports, roadmaps and slides. Use `search` to find sources (filters narrow by practice, zone,
country, WOCAT fields), `fetch` to read one in full, `ask` for a short answer quoting its sources, `zone` to turn a
place or its climate and soil into the IPCC zones the sources are indexed by, `gaps` for where evidence is
missing. Cite what you use with the citation each result carries."""

Lang = Annotated[str | None, Field(description="en, fr or es (default: the text's own).", pattern="^(en|fr|es)$")]


def build_server(service: Callable[[], Service], *, writes: bool) -> MCPServer:
    """The server's tools over the knowledge base of `service()` (looked up per call: the API creates its
    service when it starts). `writes`: whether the tools that change the store are offered."""
    server = MCPServer("humus", title="Humus soil-carbon knowledge base", instructions=INSTRUCTIONS, version="0.1.0")
    read = ToolAnnotations(readOnlyHint=True, openWorldHint=False)

    async def locked(fn: Callable[[], Any]) -> Any:
        svc = service()

        def run() -> Any:
            with svc.lock:
                return fn()

        return await anyio.to_thread.run_sync(run)

    @server.tool(annotations=read)
    async def search(
        query: Annotated[str, Field(description="What to look for, in English, French or Spanish.", max_length=500)],
        k: Annotated[int, Field(ge=1, le=50, description="How many results.")] = 10,
        filters: Annotated[
            list[str] | None,
            Field(description=f"key=value filters; keys: {', '.join(FACETS)}. Same key twice: either; keys: all."),
        ] = None,
        conditions: Annotated[
            str | None,
            Field(
                description="The asker's place, e.g. 'mat=27,map=600,soil=Arenosols' or 'lat=13.5,lon=2.1': "
                "practices documented for comparable zones rank first."
            ),
        ] = None,
        lang: Lang = None,
    ) -> dict[str, Any]:
        """Search the knowledge base (hybrid keyword + multilingual semantic search). Each result has an `id` for
        `fetch`, a title, a snippet, where it is (`citation`: file and page or section) and a URL."""
        svc = service()
        try:
            place = Conditions.of(conditions)
            result = await svc.searches(SearchRequest(query, k, lang, "hybrid", filters or [], None, place or None))
        except (QueryError, ZoneError) as exc:
            raise ToolError(str(exc)) from exc
        return {
            "query": result.query,
            "language": result.lang,
            "total": result.total,
            "results": [
                {
                    "id": h.doc_id,
                    "title": h.title,
                    "url": doc_url(h.doc_id, h.metadata),
                    "text": " ".join(h.snippet.split()),
                    "citation": citation(h),
                    "type": h.doc_type,
                    "language": h.lang,
                    "page": h.page,
                    "section": h.section,
                    "score": round(h.score, 4),
                    "zones": h.facets.get("climate_zone", []),
                    "not_recommended_here": h.unsuited,
                }
                for h in result.hits
            ],
            "facets": {name: counts for name, counts in result.facets.items() if counts},
        }

    @server.tool(annotations=read)
    async def fetch(
        id: Annotated[
            str,
            Field(
                description="A result's `id` from `search` (a practice sheet's id may omit the "
                "language, e.g. 'practice:cover-crops').",
                max_length=300,
            ),
        ],
        lang: Lang = None,
    ) -> dict[str, Any]:
        """The full text of a document or practice sheet, by page or section, with its title, source and URL. A
        practice sheet comes in the language asked for when it has that version, with its structured fields."""
        return await locked(lambda: _fetch(service(), id, lang))

    @server.tool(annotations=read)
    async def ask(
        question: Annotated[str, Field(description="A question in English, French or Spanish.", max_length=500)],
        lang: Lang = None,
        filters: Annotated[list[str] | None, Field(description="key=value filters, as for `search`.")] = None,
    ) -> dict[str, Any]:
        """A short answer quoting the sentences of the knowledge base that hold it, each cited (document, page or
        section). `found` is false when no source answers: say so rather than guess; `closest` then lists the
        passages that came nearest, which the user may read but which do not answer."""
        svc = service()
        try:
            answer = await locked(lambda: svc.chat.ask(question, lang=lang, filters=filters or []))
        except (QueryError, ZoneError) as exc:
            raise ToolError(str(exc)) from exc
        out = answer.to_dict()
        out.pop("session_id", None)
        return out

    @server.tool(annotations=read)
    async def zone(
        conditions: Annotated[
            str,
            Field(
                description="Comma-separated: mat (mean annual °C), map (mm/yr), pet (mm/yr), aridity, elevation "
                "(m), lat, lon, soil (WRB group, USDA order or IPCC class), sand, clay (%), "
                "e.g. 'mat=27,map=600,soil=Arenosols'."
            ),
        ],
    ) -> dict[str, Any]:
        """The IPCC climate zone, IPCC soil class and WOCAT agro-climatic zone of a place, with the rules that
        decided them; use the ids as `climate_zone=` / `soil_class=` filters of `search`."""
        try:
            place = Conditions.of(conditions)
            if not place:
                raise ZoneError("give climate figures (mat, map, ...), coordinates (lat, lon) or a soil")
            return classify(place, service().settings.zone_raster).to_dict()
        except ZoneError as exc:
            raise ToolError(str(exc)) from exc

    @server.tool(annotations=read)
    async def gaps(
        by: Annotated[str, Field(description=f"Columns of the map: {', '.join(AXES)}.")] = "climate_zone",
        rows: Annotated[str, Field(description="Rows: category (practice category) or practice.")] = "category",
    ) -> dict[str, Any]:
        """The evidence map: per practice category (or practice) × zone or outcome, the sources by kind of evidence
        (meta-analysis ... guideline), WOCAT records and documents, the soil-carbon figures' span, the class of
        each cell (absolute_gap, synthesis_gap, thin, conflicting, covered), the demand (unanswered questions),
        and the gaps ranked as a researcher would pursue them."""
        if by not in AXES or rows not in ROWS:
            raise ToolError(f"`by` must be one of {', '.join(AXES)}; `rows` one of {', '.join(ROWS)}")
        return await locked(lambda: service().kb.gaps(by, rows).to_dict())

    if writes:
        write = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=False)

        @server.tool(annotations=write)
        async def add_document(
            filename: Annotated[
                str,
                Field(
                    description="File name with its extension (.pdf, .docx, .html, .md, "
                    ".txt, .json); it decides how the file is read.",
                    max_length=200,
                ),
            ],
            content: Annotated[str, Field(description="The file: text as it is, or base64 for binary files.")],
            encoding: Annotated[str, Field(pattern="^(text|base64)$")] = "text",
        ) -> dict[str, Any]:
            """Add a document to the knowledge base (a file of the same name is replaced). Returns the job's
            result: each file's status and the ids of the documents made."""
            name = safe_filename(filename)
            if "." + name.rsplit(".", 1)[-1].lower() not in PARSERS:
                raise ToolError(f"{name}: unsupported file type; use one of {', '.join(sorted(PARSERS))}")
            try:
                data = base64.b64decode(content, validate=True) if encoding == "base64" else content.encode()
            except (binascii.Error, ValueError) as exc:
                raise ToolError("content is not valid base64") from exc
            if len(data) > MAX_UPLOAD:
                raise ToolError(f"{name}: {len(data):,} bytes; at most {MAX_UPLOAD:,} here (use POST /api/documents)")
            settings = service().settings
            job = Job.create(settings.home, "upload")
            (job.files / f"000-{name}").write_bytes(data)
            job.write(files=[{"filename": name, "status": "queued", "message": "", "documents": []}])
            return await _finish(job, settings)

        @server.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True, openWorldHint=False))
        async def delete_document(
            id: Annotated[str, Field(description="A document id as `search` returns it.", max_length=300)],
        ) -> dict[str, Any]:
            """Remove a document (with the other documents of its file) from the knowledge base."""
            settings = service().settings
            if service().kb.store.document(id) is None:
                raise ToolError(f"no document {id!r}")
            return await _finish(Job.create(settings.home, "delete", doc_id=id), settings)

    return server


async def _finish(job: Job, settings: Settings) -> dict[str, Any]:
    job.start(settings)
    deadline = time.monotonic() + WRITE_WAIT_S
    while job.status().get("state") not in FINISHED and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    status = job.status()
    keep = ("id", "state", "files", "deleted", "message")
    return {k: status[k] for k in keep if k in status}


def _fetch(svc: Service, doc_id: str, lang: str | None) -> dict[str, Any]:
    catalog = svc.kb.catalog()
    if doc_id.startswith("practice:") or f"practice:{doc_id}:en" in catalog.docs:
        practice = doc_id.removeprefix("practice:").split(":")[0]
        wanted = lang or (doc_id.split(":")[2] if doc_id.count(":") == 2 else "en")
        versions = [d for d in (f"practice:{practice}:{x}" for x in (wanted, "en", "fr", "es")) if d in catalog.docs]
        if not versions:
            raise ToolError(f"no practice sheet {practice!r}")
        doc_id = versions[0]
    doc = catalog.docs.get(doc_id)
    if doc is None:
        raise ToolError(f"no document {doc_id!r}; use an `id` that `search` returned")
    parts: list[dict[str, Any]] = []
    size = 0
    for row in svc.kb.store.doc_chunks(doc_id):
        if parts and (parts[-1]["page"], parts[-1]["section"]) == (row["page"], row["section"]):
            parts[-1]["text"] += "\n\n" + row["text"]
        else:
            parts.append({"page": row["page"], "section": row["section"], "text": row["text"]})
        size += len(row["text"])
        if size > MAX_TEXT:
            break
    metadata = {k: v for k, v in with_unit_text(doc.metadata, doc.languages).items() if k not in ("url", "titles")}
    return {
        "id": doc.id,
        "title": doc.title,
        "type": doc.doc_type,
        "language": doc.languages[0] if len(doc.languages) == 1 else doc.languages,
        "date": doc.date,
        "source": source_name(doc.source, doc.path),
        "url": doc_url(doc.id, doc.metadata),
        "text": "\n\n".join(f"[{_where(p)}]\n{p['text']}" if _where(p) else p["text"] for p in parts),
        "truncated": size > MAX_TEXT,
        "other_versions": [m for m in catalog.members.get(catalog.family[doc.id], []) if m != doc.id],
        "metadata": json.loads(json.dumps(metadata, default=str)),
    }


def _where(part: dict[str, Any]) -> str:
    bits = [f"p. {part['page']}"] if part["page"] else []
    return ", ".join(bits + ([part["section"]] if part["section"] else []))


# --- streamable HTTP, mounted in the API ------------------------------------------------------------------


class McpEndpoint:
    """`/mcp` of the API (an ASGI app routed at that path): stateless streamable HTTP, so that any serving process
    answers any request; read-only unless the request carries the API key (a wrong key is refused)."""

    def __init__(self, service: Callable[[], Service], settings: Settings) -> None:
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)  # see docs/assistants.md
        self.settings = settings
        self.servers = {w: build_server(service, writes=w) for w in (False, True)}
        self.apps: dict[bool, ASGIApp] = {
            w: s.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True,
                                     transport_security=security)
            for w, s in self.servers.items()
        }  # fmt: skip

    def running(self) -> Callable[[], AbstractAsyncContextManager[None]]:
        """The session managers' lifespans, entered by the API's."""
        import contextlib

        @contextlib.asynccontextmanager
        async def both() -> AsyncIterator[None]:
            async with self.servers[False].session_manager.run(), self.servers[True].session_manager.run():
                yield

        return both

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ").strip() or None
        expected = self.settings.api_key
        if key is not None and (expected is None or not hmac.compare_digest(key, expected.get_secret_value())):
            body = json.dumps({"error": {"code": "forbidden", "message": "wrong API key"}}).encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json")]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        await self.apps[key is not None](scope, receive, send)
