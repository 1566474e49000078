"""`humus serve` with several processes: each one sees what another wrote."""

from __future__ import annotations

import httpx
import pytest
from conftest import API_KEY, SEEDS

from eval.load import served
from index.kb import KnowledgeBase


def test_every_serving_process_finds_a_document_uploaded_through_another(tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    kb = KnowledgeBase.open(home)
    assert kb.ingest([SEEDS]).count("failed") == 0
    kb.close()
    monkeypatch.setenv("HUMUS_WORKERS", "2")
    monkeypatch.setenv("HUMUS_API_KEY", API_KEY)
    with served(home) as base:
        text = b"# Kelp compost trial\n\nComposted kelp from the Humusland coast raised soil organic carbon in dunes."
        response = httpx.post(
            f"{base}/api/documents",
            files=[("files", ("kelp.md", text, "text/markdown"))],
            headers={"X-API-Key": API_KEY},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        doc_id = response.json()["files"][0]["documents"][0]
        answered: set[int] = set()
        for _ in range(40):  # a new connection each time: the kernel spreads them over the processes
            if len(answered) == 2:
                break
            with httpx.Client(base_url=base, timeout=120) as client:
                health = client.get("/health").json()
                hits = client.get("/api/search", params={"q": "Humusland kelp"}).json()["results"]
            assert health["status"] == "ok" and health["documents"] == 6
            assert hits and hits[0]["doc_id"] == doc_id
            answered.add(health["process"])
        if len(answered) < 2:
            pytest.fail(f"only process(es) {answered} answered 40 new connections")
