"""The HTTP peer of `make bench`: LangChain's FAISS store with the same model behind a minimal FastAPI app.

What a user would stand up instead of Humus: the chunks of a store, their vectors (those Humus stored with the
model), plain fp32 `SentenceTransformer.encode` for the query (with the model's own query prompt, as its card
says), `similarity_search_with_score`, one uvicorn process.
Run as `python -m eval.peer_server HOME PORT [MODEL]`; MODEL: the one `humus serve` would use when not given.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import uvicorn
from fastapi import FastAPI

from eval.peers import K, PlainEmbeddings
from index.store import Store


def create_app(home: Path, model: str) -> FastAPI:
    from langchain_community.vectorstores import FAISS

    embeddings = PlainEmbeddings(model)
    store = Store.open(home)
    rows = store.chunk_table()
    texts = store.chunk_texts([int(r["id"]) for r in rows])
    hashes = sorted({r["content_hash"] for r in rows})
    vectors = store.cached_vectors(model, hashes, int(embeddings.model.get_embedding_dimension() or 0))
    if missing := set(hashes) - vectors.keys():
        raise RuntimeError(f"{home}: {len(missing)} chunks have no vector of {model}: embed the store with it first")
    pairs = [(texts[int(r["id"])]["text"], np.asarray(vectors[r["content_hash"]]).tolist()) for r in rows]
    index = FAISS.from_embeddings(pairs, embeddings, metadatas=[{"doc_id": r["doc_id"]} for r in rows])
    store.close()
    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "model": model}

    @app.get("/api/search")
    def search(q: str, k: int = K) -> dict:
        found = index.similarity_search_with_score(q, k=k)
        return {
            "results": [{"doc_id": d.metadata["doc_id"], "text": d.page_content, "score": float(s)} for d, s in found]
        }

    return app


if __name__ == "__main__":
    if len(sys.argv) > 3:
        name = sys.argv[3]
    else:
        from service.settings import Settings

        name = Settings().embed_model
    uvicorn.run(create_app(Path(sys.argv[1]), name), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
