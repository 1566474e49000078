"""Request and response bodies of the HTTP API (kept apart from the index's own dataclasses)."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_QUERY = 500


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class SearchHit(BaseModel):
    doc_id: str
    practice_id: str | None = None
    title: str
    doc_type: str
    lang: str | None
    source: str = Field(description="Original file name, or the WOCAT code or URL.")
    url: str | None = None
    page: int | None
    paged_in: str | None = Field(None, description="The PDF rendering `page` refers to, when this one has none.")
    section: str | None
    snippet: str
    highlights: list[tuple[int, int]]
    score: float
    found_by: list[str]
    zone: list[str] = Field(description="IPCC climate zones of the document (documented, located or mentioned).")
    soil: list[str]
    match: str | None = Field(None, description="With conditions: how the document's zones fit the place.")
    match_label: str | None = None
    unsuited: str | None = None
    also_in: list[str]
    summary: str | None = None


class SearchGroup(BaseModel):
    key: str
    count: int
    results: list[SearchHit]


class SearchResponse(BaseModel):
    query: str
    language: str
    mode: str
    total: int
    results: list[SearchHit]
    facets: dict[str, dict[str, int]]
    groups: list[SearchGroup] | None = None
    conditions: dict | None = None
    not_recommended: list[SearchHit] = []
    expansions: dict[str, list[str]] = {}


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUERY)
    lang: str | None = Field(None, pattern="^(en|fr|es)$")
    session_id: str | None = Field(None, max_length=64, pattern=r"^[\w-]+$")
    filters: dict[str, list[str]] | None = None


class CitationOut(BaseModel):
    n: int
    doc_id: str
    practice_id: str | None = None
    title: str
    doc_type: str
    source: str
    url: str | None = None
    page: int | None
    section: str | None
    date: str | None
    quote: str
    lang: str | None = Field(description="Language the quoted source is written in.")
    figure: str | None = Field(None, description="The number the quote gives, when the question asks how much.")
    reference: str | None = Field(None, description="The publication a practice sheet's figure comes from.")


class AskResponse(BaseModel):
    answer: str
    language: str
    citations: list[CitationOut]
    found: bool
    session_id: str
    interpreted_as: str
    generated_by: str
    closest: list[CitationOut] = Field(
        default_factory=list,
        description="Where no source answers (`found` false): the passages that came nearest, to read; not an answer.",
    )


class PracticeSummary(BaseModel):
    id: str
    title: str
    lang: str
    languages: list[str]
    summary: str
    category: list[str]
    climate_zones: list[str]
    soil_classes: list[str]
    land_use: list[str]


class PracticeSheetOut(PracticeSummary):
    metadata: dict
    body: str = Field(description="The sheet's Markdown body; render it escaped.")


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    doc_type: str
    languages: list[str]
    date: str | None
    source: str
    url: str | None = None
    alternates: list[str]
    pages: list[dict] = Field(description="Text per page (or per section) of the document, in reading order.")
    metadata: dict = {}


class UploadResult(BaseModel):
    filename: str
    status: str
    message: str = ""
    documents: list[str] = []


class UploadResponse(BaseModel):
    """A write (upload or deletion) run as a background job; poll `status_url` until `state` is done or failed."""

    job: str
    state: str = Field(description="receiving, queued, running, done or failed")
    status_url: str
    files: list[UploadResult] = []
    deleted: list[str] = Field([], description="Documents a deletion removed.")
    message: str = ""


class Health(BaseModel):
    status: str
    index_loaded: bool
    documents: int
    chunks: int
    model: str
    process: int = Field(description="Id of the serving process that answered (`humus serve` runs several).")
    processes_up: int | None = Field(
        None, description="Serving processes up (`humus serve` with several; one is replaced when it dies)."
    )
    processes: int | None = Field(
        None, description="Serving processes configured; status is degraded while fewer are up."
    )
