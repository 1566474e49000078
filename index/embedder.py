"""Embedders behind one small interface: a batch of texts in, a normalised float32 matrix out."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from functools import cache
from pathlib import Path

import numpy as np

from index.models import ModelUnavailableError, resolve_model_dir

# Query/document prefixes some model families were trained with; a model's own prompts take precedence.
FAMILY_PROMPTS = (
    ("e5", "query: ", "passage: "),
    ("bge-", "Represent this sentence for searching relevant passages: ", ""),
)
MULTILINGUAL_HINTS = ("multilingual", "labse", "bge-m3", "xlm", "mpnet-base-multi", "distiluse")


class Embedder(ABC):
    """Turns texts into unit-length float32 vectors."""

    name: str
    dim: int
    languages: frozenset[str] | None  # languages the model handles well; None: all

    @abstractmethod
    def embed_batch(self, texts: list[str], *, query: bool = False) -> np.ndarray: ...

    def handles(self, lang: str | None) -> bool:
        return self.languages is None or (lang or "en") in self.languages


class SentenceTransformerEmbedder(Embedder):
    def __init__(
        self,
        name: str,
        query_prompt: str | None = None,
        document_prompt: str | None = None,
        languages: str = "auto",
    ) -> None:
        from sentence_transformers import SentenceTransformer

        folder = resolve_model_dir(name)
        try:
            self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelUnavailableError(f"could not load embedding model {name!r} from {folder}: {exc}") from exc
        self.name = name
        self.dim = int(self.model.get_embedding_dimension() or 0)
        own = self.model.prompts or {}
        lowered = name.lower()
        family = next(((q, d) for key, q, d in FAMILY_PROMPTS if key in lowered), ("", ""))
        self.query_prompt = query_prompt if query_prompt is not None else own.get("query", family[0])
        self.document_prompt = (
            document_prompt if document_prompt is not None else own.get("document", own.get("passage", family[1]))
        )
        if languages == "auto":
            self.languages = None if _multilingual(folder, lowered) else frozenset({"en"})
        else:
            self.languages = None if languages == "*" else frozenset(languages.replace(" ", "").split(","))

    def embed_batch(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = self.query_prompt if query else self.document_prompt
        vectors = self.model.encode(
            texts, prompt=prompt or None, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _multilingual(folder: Path, name: str) -> bool:
    """From the name, else from the model card's `language:` list (more than one language)."""
    if any(h in name for h in MULTILINGUAL_HINTS):
        return True
    readme = folder / "README.md"
    if not readme.exists():
        return False
    head = readme.read_text(encoding="utf-8", errors="replace")[:4000].split("\n---", 1)[0]
    block = re.search(r"^language:\s*\n((?:\s*-\s*\S+\n)+)", head, re.MULTILINE)
    return "multilingual" in head.lower() or bool(block and block.group(1).count("-") > 1)


@cache
def load_embedder(
    name: str, query_prompt: str | None = None, document_prompt: str | None = None, languages: str = "auto"
) -> Embedder:
    """The embedder for a model name or path; loaded once per process."""
    return SentenceTransformerEmbedder(name, query_prompt, document_prompt, languages)
