"""The HTTP API and the web page: `create_app(settings)` builds the FastAPI app; `humus serve` runs it.

Routes stay thin: they parse and bound the request, call the knowledge base (one lock: the index objects
are not thread-safe; concurrent searches are batched, see service/batching.py) and map the result onto the
response schemas. Every error body is
`{"error": {"code": ..., "message": ...}}`.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from index.catalog import QueryError
from index.gaps import AXES, ROWS, draw_heatmap
from index.kb import KnowledgeBase, SearchRequest
from index.search import GROUPINGS, MODES, Hit, SearchResult
from index.zones import MATCH_LABELS, Conditions, ZoneError, classify, zones
from ingest.formats import PARSERS
from ingest.practice import split_front_matter, with_unit_text
from service.batching import Batcher
from service.chat import Chat, source_name, web_url
from service.export import FORMATS, MEDIA_TYPES, export
from service.jobs import FINISHED, Job
from service.llm import load_llm
from service.mcp_server import McpEndpoint
from service.receive import Refused, receive_files
from service.schemas import (
    MAX_QUERY,
    AskRequest,
    AskResponse,
    DocumentOut,
    ErrorBody,
    Health,
    PracticeSheetOut,
    PracticeSummary,
    SearchGroup,
    SearchHit,
    SearchResponse,
    UploadResponse,
    UploadResult,
)
from service.serving import process_counts
from service.settings import Settings, get_settings

WEB = Path(__file__).resolve().parent / "web"
MAX_K = 50
LOG = logging.getLogger("humus")
ERRORS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "too_large",
          415: "unsupported_type", 422: "invalid_request", 500: "internal", 503: "unavailable"}  # fmt: skip


class Service:
    """What the routes share: the knowledge base, the chat, the lock and the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        if settings.workers:  # a process of `humus serve`, which sets HUMUS_WORKERS
            import torch

            # One core per search: requests arrive with gaps, and after each gap a team of intra-op threads has to
            # be woken on every layer (measured on 2 cores: 7.2 ms per query embedding with 2 threads, 5.2 with
            # one); throughput comes from the serving processes instead, one per core.
            torch.set_num_threads(1)
        self.kb = KnowledgeBase.open(settings.home, settings.index_config(), writer=False)
        self.chat = Chat(self.kb, load_llm(settings))
        self.searches = Batcher(self._search_batch)  # concurrent searches share one query-embedding pass

    def _search_batch(self, requests: list[SearchRequest]) -> list[SearchResult | ValueError]:
        with self.lock:
            return self.kb.search_many(requests)

    def warm_up(self) -> None:
        """Load the model, the indexes and the lexicon before the first request (a missing model fails here).

        A store with content that no writer has indexed (and no writer at work) is indexed here, once.
        """
        with self.lock:
            self.kb.catch_up()
            self.kb.search("soil organic carbon", k=1)

    def close(self) -> None:
        self.kb.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    mcp = McpEndpoint(lambda: app.state.service, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.service = Service(settings)
        app.state.service.warm_up()
        async with mcp.running()():
            yield
        app.state.service.close()

    app = FastAPI(
        title="Humus",
        summary="Soil-carbon knowledge base of the 4 per 1000 community: search, zones, research gaps, answers.",
        version="0.1.0",
        lifespan=lifespan,
        responses={400: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    )
    _errors(app)
    app.include_router(_routes())
    app.router.routes.append(Route("/mcp", mcp))  # the MCP server for assistants (service/mcp_server.py)
    app.mount("/static", StaticFiles(directory=WEB), name="static")
    return app


def _errors(app: FastAPI) -> None:
    def body(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": {"code": ERRORS.get(status, "error"), "message": message}}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return body(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()]
        return body(422, "; ".join(parts))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        LOG.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return body(500, "internal error: the server's log has the details")


async def service(request: Request) -> Service:  # async: no trip through the thread pool
    return request.app.state.service


Svc = Annotated[Service, Depends(service)]


def _routes():  # noqa: ANN202 - one place that lists every route
    from fastapi import APIRouter

    r = APIRouter()

    @r.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB / "index.html")

    @r.get("/health", response_model=Health)
    def health(svc: Svc) -> Health:
        with svc.lock:
            catalog = svc.kb.catalog()  # the state the last writer indexed
            counts = svc.kb.store.counts()
            loaded = len(svc.kb.vector_index()) == len(catalog.chunk_ids)
        up, configured = process_counts() or (None, None)
        return Health(
            status="ok" if loaded and up == configured else "degraded",
            index_loaded=loaded,
            documents=counts["documents"],
            chunks=counts["chunks"],
            model=svc.kb.model,
            process=os.getpid(),
            processes_up=up,
            processes=configured,
        )

    @r.get("/api/stats")
    def stats(svc: Svc) -> dict:
        with svc.lock:
            counts = svc.kb.store.counts()
            catalog = svc.kb.catalog()
            types: dict[str, int] = {}
            for doc in catalog.docs.values():
                if doc.is_canonical:
                    types[doc.doc_type] = types.get(doc.doc_type, 0) + 1
            return {**counts, "doc_types": types, "model": svc.kb.model,
                    "practices": len({d.split(":")[1] for d in catalog.docs if d.startswith("practice:")})}  # fmt: skip

    @r.get("/api/search", response_model=SearchResponse, responses={
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}, 400: {"model": ErrorBody}})  # fmt: skip
    async def search(
        svc: Svc,
        request: Request,
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="The question or keywords.")],
        k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
        lang: Annotated[str | None, Query(pattern="^(en|fr|es)$")] = None,
        mode: Annotated[str, Query(pattern=f"^({'|'.join(MODES)})$")] = "hybrid",
        filter: Annotated[list[str] | None, Query(max_length=20, description="key=value, repeatable")] = None,
        group_by: Annotated[str | None, Query(pattern=f"^({'|'.join(GROUPINGS)})$")] = None,
        conditions: Annotated[str | None, Query(max_length=300, description="mat=27,map=600,soil=Arenosols")] = None,
        zone: Annotated[str | None, Query(max_length=40)] = None,
        soil: Annotated[str | None, Query(max_length=40)] = None,
        lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
        fmt: Annotated[
            str | None,
            Query(alias="format", pattern=f"^({'|'.join(FORMATS)})$", description="One row per hit: csv, json, jsonl."),
        ] = None,
    ) -> SearchResponse | Response:
        """Hits with facets; as a table (one row per hit) with `format=csv|json|jsonl` or `Accept: text/csv`."""
        try:
            place = Conditions.of(conditions, zone=zone, soil=soil, lat=lat, lon=lon)
            result = await svc.searches(SearchRequest(q, k, lang, mode, filter or [], group_by, place or None))
        except (QueryError, ZoneError) as exc:
            raise HTTPException(400, str(exc)) from exc
        if svc.settings.question_log:
            svc.kb.log_question("search", q, result.lang, bool(result.hits))
        if fmt is None and "text/csv" in request.headers.get("accept", ""):
            fmt = "csv"
        if fmt is not None:
            headers = {"Content-Disposition": 'attachment; filename="humus-search.csv"'} if fmt == "csv" else {}
            return Response(export(result, fmt, str(request.base_url)), media_type=MEDIA_TYPES[fmt], headers=headers)
        return SearchResponse(
            query=result.query,
            language=result.lang,
            mode=result.mode,
            total=result.total,
            results=[hit_out(h) for h in result.hits],
            facets=result.facets,
            groups=[SearchGroup(key=g.key, count=g.count, results=[hit_out(h) for h in g.hits]) for g in result.groups]
            if result.groups is not None
            else None,
            conditions=result.conditions,
            not_recommended=[hit_out(h) for h in result.not_recommended],
            expansions=result.expansions,
        )

    @r.post("/api/ask", response_model=AskResponse)
    def ask(svc: Svc, request: AskRequest) -> AskResponse:
        try:
            with svc.lock:
                answer = svc.chat.ask(
                    request.question, lang=request.lang, session_id=request.session_id, filters=request.filters
                )
            if svc.settings.question_log:
                svc.kb.log_question("question", request.question, answer.language, answer.found)
        except (QueryError, ZoneError) as exc:
            raise HTTPException(400, str(exc)) from exc
        return AskResponse.model_validate(answer.to_dict())

    @r.get("/api/practices", response_model=list[PracticeSummary])
    def practices(svc: Svc, lang: Annotated[str, Query(pattern="^(en|fr|es)$")] = "en") -> list[PracticeSummary]:
        with svc.lock:
            catalog = svc.kb.catalog()
        ids = sorted({d.split(":")[1] for d in catalog.docs if d.startswith("practice:")})
        out = [_practice_summary(catalog, pid, lang) for pid in ids]
        return sorted((p for p in out if p), key=lambda p: p.title.lower())

    @r.get("/api/practices/{practice_id}", response_model=PracticeSheetOut, responses={404: {"model": ErrorBody}})
    def practice(
        svc: Svc, practice_id: str, lang: Annotated[str, Query(pattern="^(en|fr|es)$")] = "en"
    ) -> PracticeSheetOut:
        with svc.lock:
            catalog = svc.kb.catalog()
            summary = _practice_summary(catalog, practice_id, lang)
            if summary is None:
                raise HTTPException(404, f"no practice sheet {practice_id!r}")
            doc = catalog.docs[f"practice:{practice_id}:{summary.lang}"]
            body = _sheet_body(svc.kb, doc)
        return PracticeSheetOut(**summary.model_dump(), metadata=with_unit_text(doc.metadata, doc.languages), body=body)

    @r.get("/api/documents/{doc_id:path}", response_model=DocumentOut, responses={404: {"model": ErrorBody}})
    def document(svc: Svc, doc_id: str) -> DocumentOut:
        with svc.lock:
            catalog = svc.kb.catalog()
            doc = catalog.docs.get(doc_id)
            if doc is None:
                raise HTTPException(404, f"no document {doc_id!r}")
            parts: dict[tuple, list[str]] = {}
            for row in svc.kb.store.doc_chunks(doc_id):
                parts.setdefault((row["page"], row["section"]), []).append(row["text"])
        return DocumentOut(
            doc_id=doc.id,
            title=doc.title,
            doc_type=doc.doc_type,
            languages=doc.languages,
            date=doc.date,
            source=source_name(doc.source, doc.path),
            url=web_url(doc.metadata.get("url")),
            alternates=[m for m in catalog.members.get(catalog.family[doc.id], []) if m != doc.id],
            pages=[{"page": p, "section": s, "text": "\n\n".join(t)} for (p, s), t in parts.items()],
            metadata=with_unit_text(doc.metadata, doc.languages),
        )

    @r.get("/api/zones")
    def zone_definitions() -> dict:
        z = zones()
        return {
            "climate_zones": [
                {"id": c.id, "value": c.value, "names": c.names, "temperature_group": c.temperature_group,
                 "moisture": c.moisture, "rule": c.rule, "wocat": list(c.wocat)}
                for c in z.climate.values()
            ],
            "soil_classes": [{"id": s.id, "names": s.names, "wrb": list(s.wrb), "usda": list(s.usda)}
                             for s in z.soils.values()],
            "wocat_zones": [{"id": w.id, "names": w.names, "ipcc_related": list(w.ipcc_related)}
                            for w in z.wocat.values()],
        }  # fmt: skip

    @r.get("/api/zones/classify")
    def zone_classify(
        svc: Svc,
        mat: Annotated[float | None, Query(ge=-60, le=60)] = None,
        map: Annotated[float | None, Query(ge=0, le=15000)] = None,
        elevation: Annotated[float | None, Query(ge=-500, le=9000)] = None,
        pet: Annotated[float | None, Query(gt=0, le=5000)] = None,
        aridity: Annotated[float | None, Query(ge=0, le=100)] = None,
        frost_days: Annotated[float | None, Query(ge=0, le=366)] = None,
        warmest_month: Annotated[float | None, Query(ge=-60, le=60)] = None,
        lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
        lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
        soil: Annotated[str | None, Query(max_length=40)] = None,
        sand: Annotated[float | None, Query(ge=0, le=100)] = None,
        clay: Annotated[float | None, Query(ge=0, le=100)] = None,
        zone: Annotated[str | None, Query(max_length=40)] = None,
    ) -> dict:
        c = Conditions(
            mat=mat,
            map=map,
            elevation=elevation,
            pet=pet,
            aridity=aridity,
            frost_days=frost_days,
            warmest_month=warmest_month,
            lat=lat,
            lon=lon,
            soil=soil,
            sand=sand,
            clay=clay,
            zone=zone,
        )
        if not c:
            raise HTTPException(400, "give climate figures (mat, map, ...), coordinates (lat, lon), a zone or a soil")
        try:
            return classify(c, svc.settings.zone_raster).to_dict()
        except ZoneError as exc:
            raise HTTPException(400, str(exc)) from exc

    @r.get("/api/gaps", response_model=None, responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
    def gaps(
        svc: Svc,
        by: Annotated[str, Query(pattern=f"^({'|'.join(AXES)})$")] = "climate_zone",
        rows: Annotated[str, Query(pattern=f"^({'|'.join(ROWS)})$")] = "category",
        fmt: Annotated[
            str | None,
            Query(
                alias="format",
                pattern="^(csv|sources)$",
                description="csv: one row per cell; sources: one row per publication",
            ),
        ] = None,
    ) -> dict | Response:
        """The evidence map: per row × column, sources by kind, class of gap, soil-carbon span and demand."""
        with svc.lock:
            matrix = svc.kb.gaps(by, rows)
        if fmt is None:
            return matrix.to_dict()
        body = matrix.to_csv() if fmt == "csv" else matrix.sources_csv()
        name = f"humus-evidence-{'cells' if fmt == 'csv' else 'sources'}-{rows}-{by}.csv"
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    @r.get("/api/gaps.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
    def gaps_png(
        svc: Svc,
        by: Annotated[str, Query(pattern=f"^({'|'.join(AXES)})$")] = "climate_zone",
        rows: Annotated[str, Query(pattern=f"^({'|'.join(ROWS)})$")] = "category",
        lang: Annotated[str, Query(pattern="^(en|fr|es)$")] = "en",
    ) -> Response:
        with svc.lock:
            matrix = svc.kb.gaps(by, rows)
        buffer = io.BytesIO()
        draw_heatmap(matrix, buffer, lang)
        return Response(buffer.getvalue(), media_type="image/png")

    @r.post("/api/documents", status_code=202, response_model=UploadResponse, responses={
            200: {"model": UploadResponse}, 400: {"model": ErrorBody}, 401: {"model": ErrorBody},
            403: {"model": ErrorBody}, 413: {"model": ErrorBody}, 415: {"model": ErrorBody}},
            openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["files"], "properties": {"files": {
                    "type": "array", "items": {"type": "string", "format": "binary"},
                    "description": "One or more documents to ingest."}}}}}}})  # fmt: skip
    async def upload(
        svc: Svc,
        request: Request,
        x_api_key: Annotated[str | None, Header()] = None,
        wait: Annotated[float, Query(ge=0, le=600, description="Seconds to wait for the ingest to finish.")] = 0,
    ) -> JSONResponse:
        """Documents to ingest, as multipart/form-data files in a field `files`. The key and the sizes are checked
        before the body is read; the files are ingested by a background job (`GET /api/jobs/{id}`)."""
        _authorise(svc.settings, x_api_key)
        job = Job.create(svc.settings.home, "upload")
        settings = svc.settings
        try:
            names = await receive_files(
                request, job.files, frozenset(PARSERS), settings.max_file_bytes, settings.max_upload_files
            )
        except BaseException as exc:  # a refused or broken upload leaves nothing behind
            job.discard()
            if isinstance(exc, Refused):
                raise HTTPException(exc.status, str(exc)) from exc
            raise
        job.write(files=[{"filename": n, "status": "queued", "message": "", "documents": []} for n in names])
        job.start(svc.settings)
        return await _job_response(job, wait)

    @r.get("/api/jobs/{job_id}", response_model=UploadResponse, responses={404: {"model": ErrorBody}})
    def job_status(svc: Svc, job_id: str) -> UploadResponse:
        """An upload's or a deletion's progress: queued, running, done (with each file's result) or failed."""
        job = Job.find(svc.settings.home, job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return _job_out(job)

    @r.delete("/api/documents/{doc_id:path}", status_code=202, response_model=UploadResponse, responses={
        200: {"model": UploadResponse}, 401: {"model": ErrorBody}, 403: {"model": ErrorBody},
        404: {"model": ErrorBody}})  # fmt: skip
    async def delete(
        svc: Svc,
        doc_id: str,
        x_api_key: Annotated[str | None, Header()] = None,
        wait: Annotated[float, Query(ge=0, le=600, description="Seconds to wait for the deletion to finish.")] = 0,
    ) -> JSONResponse:
        """Forget a document (and the other documents of its file); an uploaded file is removed too."""
        _authorise(svc.settings, x_api_key)
        if svc.kb.store.document(doc_id) is None:
            raise HTTPException(404, f"no document {doc_id!r}")
        job = Job.create(svc.settings.home, "delete", doc_id=doc_id)
        job.start(svc.settings)
        return await _job_response(job, wait)

    return r


# --- helpers --------------------------------------------------------------------------------


def hit_out(hit: Hit) -> SearchHit:
    return SearchHit(
        doc_id=hit.doc_id,
        practice_id=hit.doc_id.split(":")[1] if hit.doc_id.startswith("practice:") else None,
        title=hit.title,
        doc_type=hit.doc_type,
        lang=hit.lang,
        source=source_name(hit.source, hit.path),
        url=web_url(hit.metadata.get("url")),
        page=hit.page,
        paged_in=hit.paged_in,
        section=hit.section,
        snippet=hit.snippet,
        highlights=hit.highlights,
        score=hit.score,
        found_by=hit.found_by,
        zone=hit.facets.get("climate_zone", []),
        soil=hit.facets.get("soil_class", []),
        match=hit.match,
        match_label=MATCH_LABELS.get(hit.match or ""),
        unsuited=hit.unsuited,
        also_in=hit.also_in,
        summary=hit.metadata.get("summary"),
    )


def _practice_summary(catalog, practice_id: str, lang: str) -> PracticeSummary | None:  # noqa: ANN001
    members = [d for d in catalog.docs if d.startswith(f"practice:{practice_id}:")]
    if not members:
        return None
    languages = sorted(d.rsplit(":", 1)[1] for d in members)
    shown = lang if lang in languages else ("en" if "en" in languages else languages[0])
    doc = catalog.docs[f"practice:{practice_id}:{shown}"]
    m = doc.metadata
    return PracticeSummary(
        id=practice_id, title=doc.title, lang=shown, languages=languages, summary=str(m.get("summary") or ""),
        category=list(m.get("category") or []), climate_zones=list(m.get("climate_zones") or []),
        soil_classes=list(m.get("soil_classes") or []), land_use=list(m.get("land_use") or []),
    )  # fmt: skip


def _sheet_body(kb: KnowledgeBase, doc) -> str:  # noqa: ANN001
    """The sheet's Markdown body from its file; from its chunks when the file is gone."""
    try:
        _, body = split_front_matter(Path(doc.path).read_text(encoding="utf-8"))
        return body.strip()
    except (OSError, ValueError):
        sections: dict[str, str] = {}
        for row in kb.store.doc_chunks(doc.id):
            sections.setdefault(row["section"] or "", row["text"])
        return "\n\n".join(f"## {s}\n\n{t}" if s else t for s, t in sections.items())


def _authorise(settings: Settings, key: str | None) -> None:
    if settings.api_key is None:
        raise HTTPException(403, "writes are disabled: set HUMUS_API_KEY on the server to enable them")
    if not key:
        raise HTTPException(401, "missing X-API-Key header")
    if not hmac.compare_digest(key.encode(), settings.api_key.get_secret_value().encode()):
        raise HTTPException(403, "wrong API key")


def _job_out(job: Job) -> UploadResponse:
    status = job.status()
    return UploadResponse(
        job=job.id,
        state=status.get("state", "unknown"),
        status_url=f"/api/jobs/{job.id}",
        files=[UploadResult(**f) for f in status.get("files", [])],
        deleted=status.get("deleted", []),
        message=status.get("message", ""),
    )


async def _job_response(job: Job, wait: float) -> JSONResponse:
    """The job's status: 200 once it has finished (waiting up to `wait` seconds for it), else 202."""
    deadline = time.monotonic() + wait
    while job.status().get("state") not in FINISHED and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    out = _job_out(job)
    return JSONResponse(out.model_dump(), status_code=200 if out.state in FINISHED else 202)
