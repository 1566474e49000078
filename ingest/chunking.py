"""Structure-aware chunking sized in the embedding model's own word pieces."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter
from tokenizers import Tokenizer

from ingest.limits import limits
from ingest.records import UNIT_SEPARATOR, Chunk, ParsedDocument, ParseError

TokenCounter = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class ChunkSpec:
    """Chunk size and overlap in tokens, and the function that counts them."""

    max_tokens: int
    overlap: int
    count_tokens: TokenCounter


@lru_cache(maxsize=4)
def model_token_counter(model_dir: str) -> tuple[TokenCounter, int]:
    """Token counter from a sentence-transformers model folder, and the model's maximum sequence length."""
    folder = Path(model_dir)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    max_seq = 512
    config = folder / "sentence_bert_config.json"
    if config.exists():
        max_seq = int(json.loads(config.read_text()).get("max_seq_length", max_seq))

    @lru_cache(maxsize=4096)
    def count_short(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    def count(text: str) -> int:
        # the splitter counts every character of a text without separators one by one: those come from the cache
        return count_short(text) if len(text) <= 4 else len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count, max_seq


def spec_for_model(model_dir: str, overlap: int = 32) -> ChunkSpec:
    """Leave room for the special tokens and the title/section prefix embedded with each chunk."""
    count, max_seq = model_token_counter(model_dir)
    return ChunkSpec(max_tokens=max(64, max_seq - 56), overlap=overlap, count_tokens=count)


def chunk_document(doc: ParsedDocument, doc_id: str, spec: ChunkSpec) -> list[Chunk]:
    """Split each unit on its own (never across pages or sections); offsets index the document text."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=spec.max_tokens,
        chunk_overlap=spec.overlap,
        length_function=spec.count_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    chunks: list[Chunk] = []
    offset = 0
    cap = limits().max_chunks
    if sum(spec.count_tokens(u.text) for u in doc.units) > cap * spec.max_tokens:  # refused before splitting
        raise ParseError(f"more than {cap} chunks in one file (HUMUS_MAX_CHUNKS)")
    for unit in doc.units:
        cursor = 0
        for piece in splitter.split_text(unit.text):
            if len(chunks) >= cap:
                raise ParseError(f"more than {cap} chunks in one file (HUMUS_MAX_CHUNKS)")
            # pieces are exact substrings in order; overlapping ones start after the previous start
            found = unit.text.find(piece, cursor)
            local = found if found >= 0 else cursor
            cursor = local + 1
            start = offset + local
            chunks.append(
                Chunk(
                    text=piece,
                    doc_id=doc_id,
                    ordinal=len(chunks),
                    start=start,
                    end=start + len(piece),
                    page=unit.page,
                    section=unit.section,
                    lang=unit.lang,
                    title=doc.title,
                )
            )
        offset += len(unit.text) + len(UNIT_SEPARATOR)
    return chunks
