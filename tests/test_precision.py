"""Embedding precision and device: what `auto` chooses, and that the faster arithmetic keeps the vectors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from index.embedder import SentenceTransformerEmbedder, resolve_device, resolve_precision
from index.models import ModelUnavailableError


def test_auto_choices() -> None:
    assert resolve_precision("auto", "cuda") == "fp16"
    assert resolve_precision("auto", "cpu") in ("bf16", "fp32")
    assert resolve_precision("fp32", "cpu") == "fp32"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="precision"):
        resolve_precision("int3", "cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message given without a GPU")
def test_asking_for_a_missing_gpu_says_so() -> None:
    with pytest.raises(ModelUnavailableError, match="no CUDA GPU"):
        resolve_device("cuda")


def test_bf16_vectors_match_fp32() -> None:
    texts = [
        "Cover crops keep the soil covered between two cash crops and add carbon through their roots.",
        "Le zaï concentre l'eau et la matière organique dans de petits trous.",
        "What is the total annual budget proposed for 2022?",
    ]
    fp32 = SentenceTransformerEmbedder("all-MiniLM-L6-v2", precision="fp32", device="cpu").embed_batch(texts)
    bf16 = SentenceTransformerEmbedder("all-MiniLM-L6-v2", precision="bf16", device="cpu").embed_batch(texts)
    assert bf16.dtype == np.float32 and bf16.shape == fp32.shape
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1, atol=1e-4)
    assert (fp32 * bf16).sum(axis=1).min() > 0.999


def test_loading_a_model_draws_no_progress_bar(capfd: pytest.CaptureFixture[str]) -> None:
    """`humus ingest` and a serving log would otherwise show transformers' "Loading weights" bar on each start."""
    SentenceTransformerEmbedder("all-MiniLM-L6-v2", precision="fp32", device="cpu").embed_batch(["compost"])
    assert "Loading weights" not in capfd.readouterr().err
