"""Queries embedded by the int8 ONNX export: close to the model's vectors, exported once, and a failed export
either falls back (auto) or says what went wrong (int8)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import index.quantized as quantized
from index.embedder import SentenceTransformerEmbedder
from index.models import ModelUnavailableError, resolve_model_dir

QUERIES = [
    "what raises soil carbon on sandy soil in a semi-arid climate?",
    "quelles cultures de couverture pour un sol argileux ?",
    "¿qué presupuesto adoptó el Consorcio para 2022?",
    "biochar",
]


def embedder(encoder: str) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder("all-MiniLM-L6-v2", device="cpu", query_encoder=encoder)


def test_int8_queries_agree_with_the_model_and_the_export_is_made_once(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert embedder("auto").query_encoder == "int8"  # the CPU default
    model = embedder("model").embed_batch(QUERIES, query=True)
    fast = embedder("int8").embed_batch(QUERIES, query=True)
    assert fast.dtype == np.float32 and fast.shape == model.shape
    assert np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-5)
    assert (fast * model).sum(axis=1).min() > 0.97
    exported = list((tmp_path / "humus" / "onnx").glob("*.int8.onnx"))
    assert len(exported) == 1
    stamp = exported[0].stat().st_mtime_ns

    def no_second_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(quantized, "_export", no_second_export)
    serving = embedder("int8")
    again = serving.embed_batch(QUERIES[:1], query=True)
    assert np.allclose(again, fast[:1], atol=1e-6)
    assert exported[0].stat().st_mtime_ns == stamp
    assert serving._model is None  # queries alone never load the model's weights
    documents = serving.embed_batch(QUERIES[:1])  # documents keep the model's own vectors
    assert (documents @ model[:1].T).item() > 0.99 and serving._model is not None


def test_a_failed_export_falls_back_under_auto_and_is_an_error_when_asked_for(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(quantized, "MIN_COSINE", 1.01)  # no export can pass the check
    with caplog.at_level(logging.WARNING):
        auto = embedder("auto")
        vectors = auto.embed_batch(QUERIES[:2], query=True)
    assert auto.query_encoder == "model"
    assert "disagrees with the model" in caplog.text
    assert (vectors * embedder("model").embed_batch(QUERIES[:2], query=True)).sum(axis=1).min() > 0.9999
    assert not list((tmp_path / "humus" / "onnx").glob("*.onnx")), "a refused export must not be kept"
    with pytest.raises(ModelUnavailableError, match="HUMUS_QUERY_ENCODER=int8"):
        embedder("int8").embed_batch(QUERIES[:1], query=True)


def test_an_unwritable_cache_or_a_damaged_export_falls_back_and_heals(tmp_path, monkeypatch, caplog) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with caplog.at_level(logging.WARNING):
        unwritable = embedder("auto")
        unwritable.embed_batch(QUERIES[:1], query=True)
    assert unwritable.query_encoder == "model" and "cannot write the query encoder" in caplog.text

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = resolve_model_dir("all-MiniLM-L6-v2")
    damaged = quantized.cache_dir() / f"{folder.name}-{quantized._export_key(folder)}.int8.onnx"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"half-written")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert embedder("auto").embed_batch(QUERIES[:1], query=True).shape == (1, 384)
    assert "could not load" in caplog.text and not damaged.exists()
    healed = embedder("auto")
    healed.embed_batch(QUERIES[:1], query=True)  # exported again
    assert healed.query_encoder == "int8" and damaged.exists()


def test_an_unknown_query_encoder_is_refused() -> None:
    with pytest.raises(ValueError, match="query encoder"):
        embedder("int4")


def test_a_sentence_vector_does_not_depend_on_its_batch_mates(tmp_path, monkeypatch) -> None:
    """Answers near the chat's floor must not flip with what was asked before: the int8 graph quantises activations
    with one scale per run, so sentences are embedded one per run."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fast = embedder("int8")
    sentence = QUERIES[0]
    alone = fast.embed_sentences([sentence])
    long_mate = "Soil organic carbon stocks under no-till were measured to 30 cm depth at twelve sites. " * 4
    for mates in ([sentence, QUERIES[3]], [long_mate, sentence, QUERIES[1]], [sentence, *QUERIES[1:]] * 5):
        vectors = fast.embed_sentences(mates)
        assert np.array_equal(vectors[mates.index(sentence)], alone[0])
    assert (alone @ embedder("model").embed_batch([sentence]).T).item() > 0.97  # the document prompt, as the model
