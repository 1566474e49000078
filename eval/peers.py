"""What a user would pick instead of Humus, measured on the same units: bm25s alone, and LangChain's FAISS
vector store with the same embedding model (plain fp32 `SentenceTransformer.encode`, with the model's own query and
document prompts, e.g. e5's `query: ` and `passage: `).

Both peers index the chunks Humus stores for a task (so the units are identical), rank chunks, and a document
counts at its best chunk. bm25s gets Snowball stemming and stop words in the language of the documents.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer
from langchain_core.embeddings import Embeddings

from eval.metrics import evaluate
from index.analysis import LANGUAGES
from index.embedder import FAMILY_PROMPTS
from index.models import DEFAULT_MODEL

K = 10


class PlainEmbeddings(Embeddings):
    """A sentence-transformers model as a LangChain embedding, the way a LangChain user would call it: fp32, and the
    prompts of the model's card (its own, else those of its family: `query: ` and `passage: ` for e5)."""

    def __init__(self, name: str = DEFAULT_MODEL) -> None:
        from sentence_transformers import SentenceTransformer

        from index.models import resolve_model_dir

        folder = resolve_model_dir(name)
        self.name = name
        self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        own = self.model.prompts or {}
        family = next(((q, d) for key, q, d in FAMILY_PROMPTS if key in name.lower()), ("", ""))
        self.query_prompt = own.get("query", family[0]) or None
        self.document_prompt = own.get("document", own.get("passage", family[1])) or None
        # document vectors by text: each text embedded once (XQuAD's English paragraphs serve two slices); a caller
        # may add vectors computed the same way (fp32, the document prompt)
        self.known: dict[str, np.ndarray] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if missing := [t for t in dict.fromkeys(texts) if t not in self.known]:
            vectors = self.model.encode(missing, prompt=self.document_prompt, batch_size=32, normalize_embeddings=True)
            self.known.update(zip(missing, vectors, strict=True))
        return [self.known[t].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.model.encode([text], prompt=self.query_prompt, normalize_embeddings=True)[0].tolist()


@dataclass(slots=True)
class Units:
    texts: list[str]
    keys: list[str]  # the document each chunk belongs to, as the judgments name it


class Bm25Peer:
    name = "bm25s"

    def __init__(self, units: Units, lang: str) -> None:
        self.keys = units.keys
        algo = LANGUAGES.get(lang, LANGUAGES["en"])
        self.stemmer, self.stop = Stemmer.Stemmer(algo[0]), lang if lang in ("en", "fr", "es") else "en"
        self.index = bm25s.BM25()
        tokens = bm25s.tokenize(units.texts, stopwords=self.stop, stemmer=self.stemmer, show_progress=False)
        self.index.index(tokens, show_progress=False)

    def search(self, query: str) -> list[str]:
        tokens = bm25s.tokenize([query], stopwords=self.stop, stemmer=self.stemmer, show_progress=False)
        k = min(len(self.keys), K * 5)
        docs, _ = self.index.retrieve(tokens, k=k, show_progress=False)
        return _documents(self.keys[i] for i in docs[0])


class FaissPeer:
    name = "LangChain FAISS"

    def __init__(self, units: Units, embeddings: PlainEmbeddings) -> None:
        from langchain_community.vectorstores import FAISS

        self.store = FAISS.from_texts(units.texts, embeddings, metadatas=[{"key": k} for k in units.keys])

    def search(self, query: str) -> list[str]:
        return _documents(d.metadata["key"] for d in self.store.similarity_search(query, k=K * 5))


def _documents(keys) -> list[str]:  # noqa: ANN001 - any iterable of str
    out: list[str] = []
    for key in keys:
        if key not in out:
            out.append(key)
        if len(out) == K:
            break
    return out


def score(search: Callable[[str], list[str]], queries: list[tuple[str, str]], qrels: dict) -> dict:
    """nDCG@10, Recall@10 and MRR of a search function over (query id, text) pairs, plus its latency."""
    runs, times = {}, []
    for qid, text in queries:
        start = time.perf_counter()
        runs[qid] = search(text)
        times.append(time.perf_counter() - start)
    result = evaluate(runs, qrels, K)
    cuts = statistics.quantiles(times, n=100)
    return {**result, "p50_ms": 1000 * cuts[49], "p95_ms": 1000 * cuts[94]}


def units_of(kb, key: Callable, language: str | None = None) -> Units:  # noqa: ANN001 - a KnowledgeBase
    """The chunks of a knowledge base (of one language, when given) with their document keys."""
    catalog = kb.catalog()
    rows = [
        r for r in kb.store.conn.execute("SELECT id, doc_id, lang, text FROM chunks ORDER BY id")
        if language is None or language in catalog.docs[r["doc_id"]].languages
    ]  # fmt: skip
    return Units([r["text"] for r in rows], [key(r["doc_id"]) for r in rows])


def peers_for(units: Units, lang: str, embeddings: PlainEmbeddings) -> list:
    return [Bm25Peer(units, lang), FaissPeer(units, embeddings)]
