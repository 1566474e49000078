"""Opportunistic batching of searches: concurrent requests answered together, each with its own result or error."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
import numpy as np
import pytest

from index.kb import SearchRequest
from service.batching import Batcher


def _run(items: list[int]) -> list[int | Exception]:
    time.sleep(0.05)  # long enough for the other requests to arrive while this batch runs
    return [ValueError(f"bad {i}") if i < 0 else i * 10 for i in items]


def test_requests_arriving_during_a_batch_share_the_next_one_and_keep_their_errors() -> None:
    seen: list[list[int]] = []

    def run(items: list[int]) -> list[int | Exception]:
        seen.append(list(items))
        return _run(items)

    async def main() -> list:
        batcher = Batcher(run)
        first = asyncio.create_task(batcher(1))
        await asyncio.sleep(0.01)  # the first request starts alone, at once
        rest = [asyncio.create_task(batcher(i)) for i in (2, -3, 4)]
        return await asyncio.gather(first, *rest, return_exceptions=True)

    out = asyncio.run(main())
    assert seen == [[1], [2, -3, 4]]
    assert out[0] == 10 and out[1] == 20 and out[3] == 40
    assert isinstance(out[2], ValueError) and str(out[2]) == "bad -3"


def test_a_failing_batch_fails_each_of_its_requests_and_the_next_batch_runs() -> None:
    def run(items: list[int]) -> list[int]:
        if 0 in items:
            raise RuntimeError("index unavailable")
        return items[:-1] if 9 in items else items  # 9: one result short

    async def main() -> list:
        batcher = Batcher(run, limit=2)
        tasks = [asyncio.create_task(batcher(i)) for i in (0, 1, 7, 9, 5)]
        return await asyncio.gather(*tasks, return_exceptions=True)

    out = asyncio.run(main())
    assert [type(o) for o in out[:2]] == [RuntimeError, RuntimeError]  # batch [0, 1]
    assert isinstance(out[2], RuntimeError) and "gave 1 results" in str(out[2])  # batch [7, 9]
    assert out[4] == 5


def test_search_many_embeds_every_query_in_one_pass_and_answers_like_search(corpus_kb, monkeypatch) -> None:
    requests = [
        SearchRequest("cover crops on sandy soil", k=5),
        SearchRequest("couverts végétaux et carbone du sol", k=5, lang="fr"),
        SearchRequest("biochar", k=5, filters=["colour=blue"]),
        SearchRequest("biochar", k=5, mode="lexical"),
    ]
    embedder = corpus_kb.embedder()
    calls: list[list[str]] = []
    original = embedder.embed_batch

    def spy(texts: list[str], **kw: object):
        calls.append(list(texts))
        return original(texts, **kw)

    monkeypatch.setattr(embedder, "embed_batch", spy)
    corpus_kb.forget_queries()
    results = corpus_kb.search_many(requests)
    # the English query and the French one, as typed; nothing for the lexical and the refused request
    assert calls == [["cover crops on sandy soil", "couverts végétaux et carbone du sol"]]
    assert isinstance(results[2], ValueError) and "colour" in str(results[2])
    corpus_kb.forget_queries()
    for request, batched in zip(requests, results, strict=True):
        if isinstance(batched, ValueError):
            continue
        alone = corpus_kb.search(request.query, k=request.k, lang=request.lang, mode=request.mode)
        assert [h.family for h in batched.hits][:3] == [h.family for h in alone.hits][:3]
        assert batched.hits[0].score == pytest.approx(alone.hits[0].score, abs=0.02)


def test_query_cache_zero_recomputes_every_search(corpus_kb, monkeypatch) -> None:
    embedder = corpus_kb.embedder()
    calls: list[list[str]] = []
    original = embedder.embed_batch
    monkeypatch.setattr(embedder, "embed_batch", lambda texts, **kw: calls.append(texts) or original(texts, **kw))
    corpus_kb.forget_queries()
    for _ in range(2):
        corpus_kb.search("mulch and soil moisture")
    assert len(calls) == 1  # the default cache answered the repeat
    monkeypatch.setattr(corpus_kb, "config", replace(corpus_kb.config, query_cache=0))
    corpus_kb.forget_queries()
    for _ in range(2):
        corpus_kb.search("mulch and soil moisture")
    assert len(calls) == 3


def test_a_full_query_cache_evicts_without_losing_a_vector_of_the_batch(corpus_kb, monkeypatch) -> None:
    monkeypatch.setattr(corpus_kb, "config", replace(corpus_kb.config, query_cache=1))
    corpus_kb.forget_queries()
    first = corpus_kb.embed_queries(["terraces"])[0]
    both = corpus_kb.embed_queries(["hedgerows", "terraces"])  # remembering the first evicts the second
    assert np.allclose(both[1], first) and both[0].shape == first.shape


def test_concurrent_api_searches_get_their_own_answers(served) -> None:
    from service.api import create_app

    queries = ["cover crops", "biochar", "agroforestry", "no-till", "compost"]

    async def main() -> tuple[list[dict], list[dict]]:
        app = create_app(served)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://humus") as client:

                async def one(q: str, *filters: str) -> dict:
                    response = await client.get("/api/search", params={"q": q, "k": 3, "filter": list(filters)})
                    return {"status": response.status_code, **response.json()}

                together = await asyncio.gather(*(one(q) for q in queries), one("biochar", "colour=blue"))
                alone = [await one(q) for q in queries]
        return list(together), alone

    together, alone = asyncio.run(main())
    assert together[-1]["status"] == 400 and "colour" in together[-1]["error"]["message"]  # fails alone
    for q, a, b in zip(queries, together, alone, strict=False):
        assert a["query"] == q and [h["doc_id"] for h in a["results"]] == [h["doc_id"] for h in b["results"]]
