"""The HTTP API: shapes, the chat, practice sheets, zones, gaps, safe writes and bad requests."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from conftest import API_KEY, RASTER, ROOT
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from service.api import create_app
from service.chat import Chat
from service.passages import split_sentences
from service.question import resolve_follow_up
from service.receive import safe_filename
from service.settings import Settings

KEY = API_KEY


@pytest.fixture(scope="module")
def client(served: Settings) -> TestClient:
    with TestClient(create_app(served)) as c:
        yield c


def test_health_and_stats(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["index_loaded"] and health["chunks"] > 1000
    assert health["model"] == "multilingual-e5-small"
    stats = client.get("/api/stats").json()
    assert stats["practices"] == 42 and stats["doc_types"]["meeting_report"] >= 1


def test_search_shape(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "cover crops", "k": 5}).json()
    assert set(body) >= {"query", "language", "results", "facets", "groups"}
    assert len(body["results"]) == 5
    hit = body["results"][0]
    for key in ("doc_id", "practice_id", "title", "doc_type", "lang", "source", "page", "section", "snippet",
                "score", "zone"):  # fmt: skip
        assert key in hit
    assert hit["practice_id"] == "cover-crops" and hit["source"] == "cover-crops.en.md"
    assert body["facets"]["doc_type"]["practice"] >= 1


def test_search_filters_groups_conditions(client: TestClient) -> None:
    body = client.get(
        "/api/search", params=[("q", "soil carbon"), ("filter", "doc_type=practice"), ("group_by", "zone")]
    ).json()
    assert body["groups"] and all(r["doc_type"] == "practice" for g in body["groups"] for r in g["results"])
    body = client.get(
        "/api/search", params={"q": "planting pits", "conditions": "mat=27,map=600", "soil": "Arenosols"}
    ).json()
    assert body["conditions"]["climate_zone"] == "tropical_dry" and body["conditions"]["soil_class"] == "sandy"
    assert body["results"][0]["match"] in ("documented", "same_zone")
    body = client.get("/api/search", params={"q": "zaï", "zone": "tropical_moist"}).json()
    assert any(h["practice_id"] == "zai-planting-pits" for h in body["not_recommended"])


def test_search_as_a_table(client: TestClient) -> None:
    params = [("q", "soil carbon"), ("k", "6"), ("filter", "doc_type=practice"), ("format", "csv")]
    response = client.get("/api/search", params=params)
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 6 and {r["doc_type"] for r in rows} == {"practice"}
    assert client.get(rows[0]["url"].removeprefix("http://testserver")).status_code == 200
    negotiated = client.get("/api/search", params={"q": "soil carbon", "k": 3}, headers={"Accept": "text/csv"})
    assert negotiated.headers["content-type"].startswith("text/csv") and len(negotiated.text.splitlines()) == 4
    lines = client.get("/api/search", params={"q": "budget 2022", "k": 3, "format": "jsonl"}).text.splitlines()
    assert len(lines) == 3 and any(json.loads(line)["page"] for line in lines)
    assert client.get("/api/search", params={"q": "x", "format": "xml"}).status_code == 422


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": "x" * 501}, "q"),
        ({"q": "soil", "k": 0}, "k"),
        ({"q": "soil", "k": 51}, "k"),
        ({"q": ""}, "q"),
        ({"q": "soil", "mode": "fuzzy"}, "mode"),
    ],
)
def test_bounded_queries_get_422(client: TestClient, params: dict, fragment: str) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request" and fragment in response.json()["error"]["message"]


def test_bad_filters_and_conditions_get_400(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "soil", "filter": "colour=red"})
    assert response.status_code == 400 and "colour" in response.json()["error"]["message"]
    response = client.get("/api/search", params={"q": "soil", "conditions": "mat=hot"})
    assert response.status_code == 400 and "mat" in response.json()["error"]["message"]


def test_ask_budget_with_citation_and_page(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "What is the total annual budget proposed for 2022?"}).json()
    assert body["found"] and "970,000" in body["answer"]
    cited = next(c for c in body["citations"] if "970,000" in c["quote"])
    assert "Consortium 8-1" in cited["title"] and cited["page"] == 9 and cited["source"].endswith(".pdf")
    assert set(cited) >= {"doc_id", "title", "doc_type", "source", "page", "section", "date", "quote"}
    # a follow-up in the same conversation
    follow = client.post("/api/ask", json={"question": "and in 2021?", "session_id": body["session_id"]}).json()
    assert "2021" in follow["interpreted_as"] and follow["found"]
    assert any("2021" in c["quote"] for c in follow["citations"])


def test_ask_in_french_and_spanish_from_english_sources(client: TestClient) -> None:
    for question, lang, word in (
        ("Quel est le budget annuel total proposé pour 2022 ?", "fr", "anglais"),
        ("¿Cuál es el presupuesto anual total propuesto para 2022?", "es", "inglés"),
    ):
        body = client.post("/api/ask", json={"question": question}).json()
        assert body["language"] == lang and body["found"]
        assert any("970,000" in c["quote"] and c["lang"] == "en" for c in body["citations"])
        assert word in body["answer"]  # says in which language the source is written


def test_ask_says_when_nothing_answers(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "How many penguins live in Antarctica?"}).json()
    assert not body["found"] and body["citations"] == [] and body["closest"] == []  # none comes near either
    assert body["answer"] == "No source in the knowledge base answers this."


def test_generation_plumbing_with_a_fake_chat_model(served: Settings) -> None:
    from index.kb import KnowledgeBase

    kb = KnowledgeBase.open(served.home, served.index_config())
    fake = FakeListChatModel(responses=["Le budget annuel total proposé pour 2022 est de 970 000 € [1]."])
    answer = Chat(kb, llm=fake).ask("Quel est le budget annuel total proposé pour 2022 ?")
    assert answer.generated_by == "llm" and answer.found and "970 000" in answer.answer
    assert [c.n for c in answer.citations] == [1] and answer.citations[0].title.startswith("Document Consortium")
    refusing = FakeListChatModel(responses=["I cannot tell from these passages."])
    assert not Chat(kb, llm=refusing).ask("What is the budget for 2022?").found  # no citation: no answer
    kb.close()


def test_follow_up_resolution_and_sentences() -> None:
    earlier = ["What is the total annual budget proposed for 2022?"]
    assert resolve_follow_up("and in 2021?", earlier, "en") == "What is the total annual budget proposed for 2021?"
    assert resolve_follow_up("Who chaired the meeting?", earlier, "en") == "Who chaired the meeting?"
    text = (
        "It was opened by Mr. Le Foll, i.e. the President of the day. The annual budget is €970,000.\n\n"
        "- A list item that is long enough to count\nWork Programme for 2022"
    )
    assert split_sentences(text) == [
        "It was opened by Mr. Le Foll, i.e. the President of the day.",
        "The annual budget is €970,000.",
        "A list item that is long enough to count Work Programme for 2022",
    ]


def test_practices_in_the_asked_language(client: TestClient) -> None:
    listing = client.get("/api/practices", params={"lang": "fr"}).json()
    assert len(listing) == 42 and all(p["lang"] == "fr" for p in listing)
    sheet = client.get("/api/practices/cover-crops", params={"lang": "es"}).json()
    assert sheet["lang"] == "es" and sheet["languages"] == ["en", "es", "fr"]
    assert "## " in sheet["body"] and sheet["metadata"]["climate_zones"]
    depth = next(q for q in sheet["metadata"]["inputs"] if q["unit"] == "inch")  # units stay as written...
    assert depth["unit_text"] == "pulgadas"  # ...and are given in the sheet's language beside
    assert client.get("/api/practices/no-such-practice").status_code == 404


def test_zones_and_classify(client: TestClient) -> None:
    zones = client.get("/api/zones").json()
    assert len(zones["climate_zones"]) == 12 and len(zones["soil_classes"]) == 7
    result = client.get("/api/zones/classify", params={"mat": 27, "map": 600, "soil": "Arenosols"}).json()
    assert result["climate_zone"] == "tropical_dry" and result["soil_class"] == "sandy" and result["trace"]
    assert client.get("/api/zones/classify").status_code == 400
    assert client.get("/api/zones/classify", params={"soil": "Moonrock"}).status_code == 400
    if RASTER.exists():
        niamey = client.get("/api/zones/classify", params={"lat": 13.51, "lon": 2.11}).json()
        assert niamey["climate_zone"] == "tropical_dry"


def test_gaps_json_and_png(client: TestClient) -> None:
    body = client.get("/api/gaps", params={"by": "soil_class"}).json()
    assert body["by"] == "soil_class" and len(body["columns"]) == 7
    png = client.get("/api/gaps.png", params={"lang": "fr"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    cells = list(csv.DictReader(io.StringIO(client.get("/api/gaps", params={"by": "outcome", "format": "csv"}).text)))
    assert len(cells) == 8 * len({c["category"] for c in cells}) and cells[0]["outcome"] == "soil_carbon"
    assert {c["class"] for c in cells} <= {"absolute_gap", "conflicting", "thin", "synthesis_gap", "covered"}
    assert any(c["class"] == "covered" and int(c["meta-analysis"]) > 0 for c in cells)
    response = client.get("/api/gaps", params={"rows": "practice", "format": "sources"})
    sources = list(csv.DictReader(io.StringIO(response.text)))
    assert "attachment" in response.headers["content-disposition"]
    no_till = [s for s in sources if s["practice"] == "no-till" and s["key"] == "west-post-2002"]
    assert no_till and no_till[0]["kind"] == "meta-analysis" and no_till[0]["doi"]


def test_document_view(client: TestClient) -> None:
    docs = client.get(
        "/api/search", params={"q": "Consortium meeting budget 2022", "filter": "doc_type=meeting_report"}
    )
    doc_id = docs.json()["results"][0]["doc_id"]
    body = client.get(f"/api/documents/{doc_id}").json()
    assert body["title"].startswith("Document Consortium") and body["pages"]
    assert client.get("/api/documents/file:nothing").status_code == 404


# --- writes ---------------------------------------------------------------------------------------


def test_writes_need_the_key(client: TestClient) -> None:
    files = {"files": ("note.md", b"# Note\n\nCompost raises soil carbon.", "text/markdown")}
    assert client.post("/api/documents", files=files).status_code == 401
    response = client.post("/api/documents", files=files, headers={"X-API-Key": "wrong"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client.delete("/api/documents/file:x", headers={"X-API-Key": "wrong"}).status_code == 403


def test_writes_are_off_without_a_configured_key(served: Settings) -> None:
    settings = served.model_copy(update={"api_key": None})
    with TestClient(create_app(settings)) as c:
        response = c.post("/api/documents", files={"files": ("a.md", b"# A\n\ntext text", "text/markdown")},
                          headers={"X-API-Key": KEY})  # fmt: skip
        assert response.status_code == 403 and "HUMUS_API_KEY" in response.json()["error"]["message"]


def test_upload_search_delete(client: TestClient, served: Settings) -> None:
    text = b"# Kelp compost trial\n\nComposted kelp from the Humusland coast raised soil organic carbon in dunes."
    response = client.post(
        "/api/documents",
        files=[("files", ("../../etc/kelp trial.md", text, "text/markdown"))],
        headers={"X-API-Key": KEY},
    )
    assert response.status_code == 202, response.text  # accepted: a background job ingests it
    job = response.json()
    assert job["state"] in ("queued", "running") and job["files"][0]["status"] == "queued"
    result = _finished(client, job)["files"][0]
    assert result["status"] == "ingested" and result["filename"] == "kelp_trial.md" and result["documents"]
    assert (served.home / "uploads" / "kelp_trial.md").exists()
    assert not (served.home.parent / "etc").exists()
    hits = client.get("/api/search", params={"q": "Humusland kelp"}).json()["results"]
    assert hits[0]["doc_id"] == result["documents"][0] and hits[0]["source"] == "kelp_trial.md"
    gone = client.delete(f"/api/documents/{result['documents'][0]}", params=WAIT, headers={"X-API-Key": KEY}).json()
    assert (
        gone["state"] == "done"
        and gone["deleted"] == result["documents"]
        and not (served.home / "uploads" / "kelp_trial.md").exists()
    )
    hits = client.get("/api/search", params={"q": "Humusland kelp"}).json()["results"]
    assert all(h["doc_id"] != result["documents"][0] for h in hits)


def test_deleting_an_uploaded_copy_of_a_sheet_brings_the_corpus_copy_back(client: TestClient) -> None:
    sheet = (ROOT / "corpus" / "practices" / "mulching.en.md").read_text(encoding="utf-8")
    edited = sheet.replace('summary: "', 'summary: "Humusland straw trial. ', 1).encode()
    upload = client.post(
        "/api/documents", files=[("files", ("my-mulching.md", edited, "text/markdown"))], headers={"X-API-Key": KEY}
    )
    result = _finished(client, upload.json())["files"][0]
    assert result["documents"] == ["practice:mulching:en"]  # the upload's copy is the one kept
    assert "Humusland" in client.get("/api/documents/practice:mulching:en").json()["metadata"]["summary"]
    gone = client.delete("/api/documents/practice:mulching:en", params=WAIT, headers={"X-API-Key": KEY}).json()
    assert gone["state"] == "done" and gone["deleted"] == []  # the corpus file still holds the sheet
    back = client.get("/api/documents/practice:mulching:en").json()
    assert "Humusland" not in back["metadata"]["summary"] and back["source"] == "mulching.en.md"


def _finished(client: TestClient, job: dict) -> dict:
    """The job's status once done (polled as the page does)."""
    for _ in range(1200):
        status = client.get(job["status_url"]).json()
        if status["state"] in ("done", "failed"):
            assert status["state"] == "done", status
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job['job']} did not finish")


WAIT = {"wait": 120}


def test_upload_limits_and_types(client: TestClient, served: Settings) -> None:
    headers = {"X-API-Key": KEY}
    big = b"x" * (served.max_file_bytes + 1)
    assert (
        client.post("/api/documents", files={"files": ("big.txt", big, "text/plain")}, headers=headers).status_code
        == 413
    )
    response = client.post("/api/documents", files={"files": ("tool.exe", b"MZ", "application/octet-stream")},
                           headers=headers)  # fmt: skip
    assert response.status_code == 415 and "tool.exe" in response.json()["error"]["message"]
    assert not any((served.home / "jobs").glob("*/files/*"))  # refused uploads leave nothing behind
    assert client.get("/api/jobs/nosuchjob").status_code == 404


def test_uploads_are_refused_before_the_body_is_read(client: TestClient, served: Settings) -> None:
    """The key and the declared size are checked first: a client that announces a huge body is answered at once,
    and nothing of it is read."""
    read = []

    def body():
        read.append(1)
        yield b"x" * 1000

    huge = {"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(10**12)}
    assert client.post("/api/documents", content=body(), headers=huge).status_code == 401
    assert client.post("/api/documents", content=body(), headers={**huge, "X-API-Key": KEY}).status_code == 413
    assert not read


def test_internal_errors_are_5xx_without_internals(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(requests: list) -> list:
        raise ValueError("operands could not be broadcast together with shapes (3150,) (2853,)")

    monkeypatch.setattr(client.app.state.service.kb, "search_many", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)  # the app already started, as a client sees it
    response = quiet.get("/api/search", params={"q": "a fresh query about mulch"})
    assert response.status_code == 500 and "operands" not in response.text
    assert response.json()["error"]["code"] == "internal"


def test_a_failed_upload_loses_nothing(client: TestClient, served: Settings) -> None:
    headers = {"X-API-Key": KEY}
    good = b"# Field notes\n\nMulch kept the Humusvale soil moist and fed its carbon."
    first = client.post("/api/documents", files={"files": ("notes.md", good, "text/markdown")}, headers=headers,
                        params=WAIT).json()  # fmt: skip
    doc_id = first["files"][0]["documents"][0]
    broken = client.post("/api/documents", files={"files": ("notes.md", b"\x00\x01\x02" * 100, "text/markdown")},
                         headers=headers, params=WAIT).json()  # fmt: skip
    assert broken["files"][0]["status"] == "failed" and "notes.md" in broken["files"][0]["filename"]
    assert (served.home / "uploads" / "notes.md").read_bytes() == good
    hits = client.get("/api/search", params={"q": "Humusvale mulch"}).json()["results"]
    assert hits[0]["doc_id"] == doc_id
    client.delete(f"/api/documents/{doc_id}", headers=headers, params=WAIT)


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), (".hidden.md", "hidden.md"),
     ("ok name (1).pdf", "ok_name_1_.pdf"), ("", "upload"), ("a" * 300 + ".md", "a" * 117 + ".md")],
)  # fmt: skip
def test_safe_filenames(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_web_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<title>Humus" in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/docs").status_code == 200 and client.get("/openapi.json").json()["info"]["title"] == "Humus"
