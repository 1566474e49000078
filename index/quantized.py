"""Queries embedded by the model's forward pass exported to ONNX with int8 weights, run by onnxruntime on a CPU.

A query is a few dozen tokens, so its embedding costs mostly per-layer overhead and small matrix products; the
int8 graph runs it about 2.5× faster than PyTorch in bfloat16 on one core (`make bench`, eval/RESULTS.md). Only
queries take this path: documents keep the model's own vectors, and the labelled set's nDCG@10 must stay within
0.01 of the PyTorch queries for it to be the default (measured by `make bench`).

The export is made once per model and machine (a few seconds), cached under the user's cache folder, and checked
against the PyTorch model before use.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from index.models import cache_root, load_sentence_transformer

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the export or quantisation recipe changes: older files are then rebuilt
MIN_COSINE = 0.95  # the int8 export must agree with the model at least this well on the probe texts
PROBES = (
    "what raises soil carbon on sandy soil in a semi-arid climate?",
    "couverts végétaux et agroforesterie",
    "budget",
)


class ExportError(RuntimeError):
    """The model could not be exported to an int8 ONNX graph (or the export disagrees with the model)."""


def cache_dir() -> Path:
    return cache_root() / "onnx"


def _export_key(folder: Path) -> str:
    """Identifies the model files and the tools that export and run them."""
    stamp = [str(folder.resolve()), str(FORMAT)]
    for name in ("config.json", "modules.json", "model.safetensors", "pytorch_model.bin"):
        path = folder / name
        if path.exists():
            stat = path.stat()
            stamp.append(f"{name}:{stat.st_size}:{int(stat.st_mtime)}")
    stamp += [version("torch"), version("onnxruntime"), version("onnx")]
    return hashlib.sha256("|".join(stamp).encode()).hexdigest()[:16]


class Int8QueryEncoder:
    """Embeds one short text at a time with the int8 ONNX graph of a sentence-transformers model (unnormalised).

    It needs the model's tokenizer only: a process that embeds nothing but queries never loads the model's weights.
    """

    def __init__(self, folder: Path, threads: int) -> None:
        path = cache_dir() / f"{folder.name}-{_export_key(folder)}.int8.onnx"
        try:
            if not path.exists():
                _export(folder, path)
            self.session = _session(path, threads)
        except ExportError:
            raise
        except OSError as exc:  # the cache folder cannot be written
            raise ExportError(f"cannot write the query encoder under {path.parent}: {exc}") from exc
        except Exception as exc:  # onnxruntime's own errors: a damaged file, made again next time
            path.unlink(missing_ok=True)
            raise ExportError(f"could not load {path}: {type(exc).__name__}: {exc} (removed)") from exc
        self.path = path
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = model_tokenizer(folder)

    def __call__(self, text: str, prompt: str | None) -> np.ndarray:
        encoding = self.tokenizer.encode((prompt or "") + text)
        tensors = {"input_ids": encoding.ids, "attention_mask": encoding.attention_mask}
        tensors["token_type_ids"] = encoding.type_ids
        feed = {name: np.array([tensors[name]], dtype=np.int64) for name in self.inputs}
        return self.session.run(None, feed)[0].astype(np.float32, copy=False)


def model_tokenizer(folder: Path) -> Any:
    """The model's fast tokenizer (special tokens added), truncating as sentence-transformers does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    config = folder / "sentence_bert_config.json"
    max_seq = json.loads(config.read_text()).get("max_seq_length", 512) if config.exists() else 512
    tokenizer.enable_truncation(int(max_seq))
    return tokenizer


def _input_names(model: Any) -> list[str]:
    """The token tensors the model's first module reads (input_ids, attention_mask, and token_type_ids if used)."""
    features = model.preprocess(["probe"])
    return [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in features]


def _export(folder: Path, path: Path) -> None:
    """Export a float32 copy of the model, quantise its matrix products to int8, check it, then rename into place.

    A file lock makes concurrent serving processes export once; the others wait and reuse the file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return
        log.info("exporting %s to an int8 ONNX query encoder at %s (once per model)", folder.name, path)
        try:
            with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
                plain, quantised = Path(tmp) / "model.onnx", Path(tmp) / "model.int8.onnx"
                with _quiet():
                    reference = _export_float(folder, plain)
                    _quantise(plain, quantised)
                _check(quantised, reference)
                with open(quantised, "rb") as fh:
                    os.fsync(fh.fileno())
                quantised.replace(path)
        except ExportError:
            raise
        except Exception as exc:  # the exporter and quantiser raise many kinds; the message is what matters
            raise ExportError(f"could not export {folder.name} to ONNX: {type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's and quantiser's progress notes and advice (printed, warned and logged)."""
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)


def _export_float(folder: Path, target: Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Write the float32 graph; return the probe features and the model's own probe embeddings.

    The model is exported with its plain ("eager") attention: the graph of PyTorch's fused attention function
    adds masking, NaN-guard and layout steps that cost about 0.5 ms of a 4 ms query (multilingual-e5-small, one
    thread), for the same vectors to within 2e-4 in cosine.
    """
    import torch

    model = load_sentence_transformer(folder, "cpu", attn_implementation="eager").float().eval()
    inputs = _input_names(model)

    class Forward(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(dict(zip(inputs, tensors, strict=True)))["sentence_embedding"]

    features = model.preprocess(list(PROBES))
    args = tuple(features[name] for name in inputs)
    batch, tokens = torch.export.Dim("batch"), torch.export.Dim("tokens", max=model.max_seq_length or 512)
    with torch.inference_mode():
        expected = Forward()(*args).numpy()
    torch.onnx.export(
        Forward(),
        args,
        str(target),
        input_names=inputs,
        output_names=["sentence_embedding"],
        dynamic_shapes=(tuple({0: batch, 1: tokens} for _ in inputs),),
        dynamo=True,
        verbose=False,
    )
    return {name: features[name].numpy() for name in inputs}, expected


def _quantise(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the matrix products (per output channel) and of the token embedding table.

    The table is most of a multilingual model (multilingual-e5-small: 250k rows, 384 MB in float32, 96 MB in int8);
    quantising it changed the probe queries' cosine to the model by less than 0.001 (`make bench` measures the rest).
    """
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        source,
        target,
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )


def _session(path: Path, threads: int) -> Any:
    """An onnxruntime session on the CPU, without the SkipLayerNormalization fusion.

    That fused kernel took 1.6 ms per query where the LayerNormalization and Add it replaces take 0.6 ms
    (onnxruntime 1.32, multilingual-e5-small, 28 tokens, one thread): without it a query embeds about 25 % faster,
    with the same vectors to within 1e-4 in cosine.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        str(path), options, providers=["CPUExecutionProvider"], disabled_optimizers=["SkipLayerNormFusion"]
    )


def _check(path: Path, reference: tuple[dict[str, np.ndarray], np.ndarray]) -> None:
    feed, expected = reference
    got = _session(path, 1).run(None, feed)[0]
    cosine = (_unit(got) * _unit(expected)).sum(axis=1)
    if float(cosine.min()) < MIN_COSINE:
        raise ExportError(f"the int8 export disagrees with the model (cosine {cosine.min():.3f} < {MIN_COSINE})")


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
