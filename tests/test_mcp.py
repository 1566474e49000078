"""The MCP server for AI assistants: its tools through the SDK's own client, in-process, over streamable HTTP at
`/mcp` (read-only without the API key, writes with it) and over stdio as `humus mcp`."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from conftest import API_KEY
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from service.api import Service
from service.mcp_server import build_server
from service.settings import Settings

READ_TOOLS = {"search", "fetch", "ask", "zone", "gaps"}


@pytest.fixture(scope="module")
def service(served: Settings) -> Iterator[Service]:
    svc = Service(served)
    svc.warm_up()
    yield svc
    svc.close()


def session(target: Any, calls: list[tuple[str, dict]]) -> tuple[set[str], list[Any]]:
    """Connect with the SDK's client, list the tools and make the calls; (tool names, results)."""

    async def go() -> tuple[set[str], list[Any]]:
        async with Client(target) as client:
            tools = await client.list_tools()
            results = [await client.call_tool(name, args) for name, args in calls]
            return {t.name for t in tools.tools}, results

    return anyio.run(go)


def test_tools_describe_themselves(service: Service) -> None:
    async def go() -> list[Any]:
        async with Client(build_server(lambda: service, writes=False)) as client:
            return (await client.list_tools()).tools

    tools = {t.name: t for t in anyio.run(go)}
    assert set(tools) == READ_TOOLS
    assert "query" in tools["search"].input_schema["required"] and "id" in tools["fetch"].input_schema["required"]
    for tool in tools.values():
        assert len(tool.description) > 80 and tool.annotations.read_only_hint
        for name, prop in tool.input_schema["properties"].items():
            assert prop.get("description") or name == "encoding", (tool.name, name)


def test_search_fetch_ask_zone_gaps(service: Service) -> None:
    server = build_server(lambda: service, writes=False)
    _, (found, report, sheet, answer, zone, gaps, bad) = session(server, [
        ("search", {"query": "cover crops between cash crops", "k": 5}),
        ("search", {"query": "budget 2022", "filters": ["doc_type=meeting_report"], "k": 3}),
        ("fetch", {"id": "practice:cover-crops", "lang": "fr"}),
        ("ask", {"question": "How much carbon do cover crops add to the soil?"}),
        ("zone", {"conditions": "mat=27,map=600,soil=Arenosols"}),
        ("gaps", {"by": "soil_class"}),
        ("search", {"query": "x", "filters": ["colour=red"]}),
    ])  # fmt: skip
    hits = found.structured_content["results"]
    assert hits[0]["id"] == "practice:cover-crops:en" and hits[0]["citation"].startswith("cover-crops.en.md")
    assert all({"id", "title", "url", "text", "citation"} <= set(h) for h in hits)
    paged = report.structured_content["results"]
    assert paged and all(h["type"] == "meeting_report" for h in paged)
    assert any(h["page"] and ", p. " in h["citation"] for h in paged)
    document = session(server, [("fetch", {"id": paged[0]["id"]})])[1][0].structured_content
    assert document["id"] == paged[0]["id"] and "[p. 1" in document["text"] and not document["truncated"]
    sheet = sheet.structured_content
    assert sheet["id"] == "practice:cover-crops:fr" and sheet["language"] == "fr"
    assert "Couverts végétaux" in sheet["title"] and sheet["metadata"]["soc_effect"]
    assert answer.structured_content["found"] and answer.structured_content["citations"]
    assert (zone.structured_content["climate_zone"], zone.structured_content["soil_class"]) == ("tropical_dry", "sandy")
    assert gaps.structured_content["by"] == "soil_class" and gaps.structured_content["categories"]
    assert bad.is_error and "unknown filter 'colour'" in bad.content[0].text
    missing = session(server, [("fetch", {"id": "no-such-document"})])[1][0]
    assert missing.is_error and "no document" in missing.content[0].text


def http_client(url: str, key: str | None) -> Any:
    headers = {"X-API-Key": key} if key else {}
    return streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers, timeout=300))


def test_http_is_read_only_without_the_key_and_writes_with_it(live_server: str, tmp_path: Path) -> None:
    url = f"{live_server}/mcp"
    names, (found,) = session(http_client(url, None), [("search", {"query": "biochar", "k": 3})])
    assert names == READ_TOOLS and found.structured_content["results"][0]["id"].startswith("practice:biochar")
    wrong = httpx2.post(url, headers={"X-API-Key": "wrong"}, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"

    note = "# Quinoa residues in the Altiplano\n\nFarmers of Oruro leave quinoa stubble on the plots in the dry season."
    names, (added, hit) = session(http_client(url, API_KEY), [
        ("add_document", {"filename": "../quinoa note.md", "content": note}),
        ("search", {"query": "quinoa stubble Oruro", "k": 1}),
    ])  # fmt: skip
    assert names == READ_TOOLS | {"add_document", "delete_document"}
    job = added.structured_content
    assert job["state"] == "done" and job["files"][0]["filename"] == "quinoa_note.md", job
    doc_id = job["files"][0]["documents"][0]
    assert hit.structured_content["results"][0]["id"] == doc_id
    _, (deleted, after) = session(http_client(url, API_KEY), [
        ("delete_document", {"id": doc_id}),
        ("search", {"query": "quinoa stubble Oruro", "k": 3}),
    ])  # fmt: skip
    assert deleted.structured_content["state"] == "done" and doc_id in deleted.structured_content["deleted"]
    assert doc_id not in [h["id"] for h in after.structured_content["results"]]
    _, (refused,) = session(http_client(url, API_KEY), [("add_document", {"filename": "x.exe", "content": "MZ"})])
    assert refused.is_error and "unsupported file type" in refused.content[0].text


def test_stdio_subprocess(served: Settings) -> None:
    humus = shutil.which("humus", path=str(Path(sys.executable).parent))
    assert humus, "the humus command is installed with the project"
    env = {**os.environ, "HUMUS_HOME": str(served.home), "HUMUS_ZONE_RASTER": str(served.zone_raster)}
    env.pop("HUMUS_API_KEY", None)
    params = StdioServerParameters(command=humus, args=["mcp"], env=env)
    names, (found, zone) = session(params, [
        ("search", {"query": "engrais vert carbone du sol", "k": 3}),
        ("zone", {"conditions": "lat=-3.1,lon=-60.0"}),
    ])  # fmt: skip
    assert names == READ_TOOLS
    assert found.structured_content["language"] == "fr" and found.structured_content["results"]
    assert json.loads(found.content[0].text)["results"] == found.structured_content["results"]
    assert zone.structured_content["climate_zone"] == "tropical_wet"  # Manaus, from the raster
