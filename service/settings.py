"""All settings in one typed place: HUMUS_-prefixed environment variables (or a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUMUS_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".humus"), description="Folder of the store (database, indexes, logs).")
    embed_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Sentence-transformers model: the bundled all-MiniLM-L6-v2, a local folder, "
        "or a name already in the Hugging Face cache. Never downloaded.",
    )
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused at ingest (MB).")
    chunk_overlap: int = Field(32, ge=0, le=128, description="Overlap between consecutive chunks, in tokens.")
    corpus: Path = Field(Path("corpus"), description="Folder that `make run` ingests into the store.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
