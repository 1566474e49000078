"""Embedders behind one small interface: a batch of texts in, a normalised float32 matrix out."""

from __future__ import annotations

import json
import logging
import re
from abc import ABC, abstractmethod
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from index.models import ModelUnavailableError, load_sentence_transformer, resolve_model_dir
from index.quantized import ExportError, Int8QueryEncoder

log = logging.getLogger(__name__)

# Query/document prefixes some model families were trained with; a model's own prompts take precedence.
FAMILY_PROMPTS = (
    ("e5", "query: ", "passage: "),
    ("bge-", "Represent this sentence for searching relevant passages: ", ""),
)
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")
QUERY_ENCODERS = ("auto", "model", "int8")
QUICK_BATCH = 16  # up to this many texts (queries) skip encode()'s batching machinery: about 1 ms less each call


class Embedder(ABC):
    """Turns texts into unit-length float32 vectors."""

    name: str
    dim: int

    @abstractmethod
    def embed_batch(self, texts: list[str], *, query: bool = False) -> np.ndarray: ...

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        """Short document texts (the sentences an answer is chosen from), by the quickest path the model has."""
        return self.embed_batch(texts)


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model: documents through the model itself (half precision where native), queries
    through its int8 ONNX export on a CPU. The model's weights are loaded with the first document, so a serving
    process that embeds only queries holds the ONNX graph alone (for multilingual-e5-small, about 520 MB less)."""

    def __init__(
        self,
        name: str,
        query_prompt: str | None = None,
        document_prompt: str | None = None,
        precision: str = "auto",
        device: str = "auto",
        query_encoder: str = "auto",
    ) -> None:
        if query_encoder not in QUERY_ENCODERS:
            raise ValueError(f"query encoder must be one of {', '.join(QUERY_ENCODERS)}, not {query_encoder!r}")
        self.folder = resolve_model_dir(name)
        self.name = name
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self._model: Any = None
        # queries: the int8 ONNX graph (index.quantized) on a CPU under `auto`; built on the first query
        self.query_encoder_setting = query_encoder
        self.query_encoder = query_encoder if query_encoder != "auto" else ("int8" if self.device == "cpu" else "model")
        self._int8: Int8QueryEncoder | None = None
        self.dim = _dimension(self.folder) or int(self.model.get_embedding_dimension() or 0)
        own = _read_json(self.folder / "config_sentence_transformers.json").get("prompts") or {}
        lowered = name.lower()
        family = next(((q, d) for key, q, d in FAMILY_PROMPTS if key in lowered), ("", ""))
        self.query_prompt = query_prompt if query_prompt is not None else own.get("query", family[0])
        self.document_prompt = (
            document_prompt if document_prompt is not None else own.get("document", own.get("passage", family[1]))
        )

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded on first use."""
        if self._model is None:
            try:
                model = load_sentence_transformer(self.folder, self.device)
            except Exception as exc:
                raise ModelUnavailableError(
                    f"could not load embedding model {self.name!r} from {self.folder}: {exc}"
                ) from exc
            if self.precision != "fp32":  # half-precision weights: faster than autocast, which re-casts every call
                import torch

                model.to({"bf16": torch.bfloat16, "fp16": torch.float16}[self.precision])
            self._model = model.eval()
        return self._model

    def embed_batch(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = (self.query_prompt if query else self.document_prompt) or None
        if query and (encoder := self._query_encoder()) is not None:
            # one text per run: padding a batch to its longest query costs more than batching saves (measured
            # on 2 cores: 2.2 ms per query alone, 3.1 ms each in batches of 16)
            return _normalised(np.vstack([encoder(text, prompt) for text in texts]))
        if len(texts) <= QUICK_BATCH:
            vectors = self._forward(texts, prompt)
        else:  # sentence-transformers sorts each call's texts by length, so batches are padded little
            vectors = self.model.encode(
                texts, prompt=prompt, batch_size=32, convert_to_tensor=True, show_progress_bar=False
            )
        return _normalised(vectors.float().cpu().numpy())  # in float32: half precision would leave norms ≠ 1

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        """Through the int8 query encoder with the document prompt, where queries use it: a serving process then
        never loads the model's weights to answer a question. One text per run, as queries: the graph quantises
        its activations with one scale per run, so a sentence embedded in a padded batch would get a vector that
        depends on its batch-mates (cosine 0.996 between two batchings), and an answer near the floor on what
        was asked before; one by one costs about 10% more than padded batches of 16."""
        encoder = self._query_encoder()
        if encoder is None or not texts:
            return self.embed_batch(texts)
        prompt = self.document_prompt or None
        return _normalised(np.vstack([encoder(text, prompt) for text in texts]))

    def _query_encoder(self) -> Int8QueryEncoder | None:
        """The int8 encoder when queries use it: made on first use; under `auto` a failed export falls back."""
        if self.query_encoder != "int8" or self._int8 is not None:
            return self._int8
        import torch

        try:
            self._int8 = Int8QueryEncoder(self.folder, torch.get_num_threads())
        except (ImportError, ExportError) as exc:
            if self.query_encoder_setting == "int8":
                raise ModelUnavailableError(f"HUMUS_QUERY_ENCODER=int8: {exc}") from exc
            log.warning("queries are embedded by the model itself: %s", exc)
            self.query_encoder = "model"
        return self._int8

    def _forward(self, texts: list[str], prompt: str | None) -> Any:
        """One forward pass over a few texts, without encode()'s per-call set-up (device checks, eval(), sorting)."""
        import torch
        from sentence_transformers.util import batch_to_device

        with torch.inference_mode():
            features = batch_to_device(self.model.preprocess(texts, prompt=prompt), torch.device(self.device))
            return self.model(features)["sentence_embedding"]


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _dimension(folder: Path) -> int | None:
    """The sentence vector's dimension from the folder's module configs (pooling, then any dense layers), without
    loading the weights; None when a module of another kind might change it."""
    dim = None
    for module in _read_json(folder / "modules.json") or []:
        kind, config = module.get("type", ""), _read_json(folder / module.get("path", "") / "config.json")
        if kind.endswith(".Pooling"):
            dim = config.get("word_embedding_dimension") or config.get("embedding_dimension")
        elif kind.endswith(".Dense"):
            dim = config.get("out_features")
        elif not kind.endswith((".Transformer", ".Normalize")):
            return None
    return int(dim) if dim else None


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return vectors


def resolve_device(device: str) -> str:
    """`auto`: a CUDA GPU when torch sees one, else the CPU; a GPU is never required."""
    import torch

    if device not in DEVICES:
        raise ValueError(f"embedding device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailableError("HUMUS_EMBED_DEVICE=cuda but torch sees no CUDA GPU; use auto or cpu")
    return device


def resolve_precision(precision: str, device: str) -> str:
    """`auto`: fp16 on a GPU, bf16 on a CPU with native bfloat16 (AVX512-BF16 or AMX), fp32 otherwise.

    The model's weights are cast to that type (quicker than autocast, which re-casts them on every call).
    Measured by `make bench` (see eval/RESULTS.md): bf16 embeds about 3× faster on such a CPU, with cosine ≥ 0.998
    to the fp32 vectors and the labelled set's nDCG@10 unchanged; without native bf16 it would be slower.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"embedding precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision != "auto":
        return precision
    if device == "cuda":
        return "fp16"
    return "bf16" if cpu_has_bf16() else "fp32"


@cache
def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return bool(re.search(r"\b(avx512_bf16|amx_bf16)\b", flags))


@cache
def load_embedder(
    name: str,
    query_prompt: str | None = None,
    document_prompt: str | None = None,
    precision: str = "auto",
    device: str = "auto",
    query_encoder: str = "auto",
) -> Embedder:
    """The embedder for a model name or path; loaded once per process."""
    return SentenceTransformerEmbedder(name, query_prompt, document_prompt, precision, device, query_encoder)
