"""BM25 over analysed chunk terms, with bm25s.

The analysed terms of every chunk live in the store (written once per chunk, incrementally); the BM25 matrix
is rebuilt from them in memory when the store has changed, which takes well under a second per 10,000 chunks.
"""

from __future__ import annotations

import bm25s
import numpy as np

# Anserini's defaults for passage retrieval; on eval/ they beat bm25s' (1.5, 0.75) on every XQuAD slice.
K1, B = 0.9, 0.4


class LexicalIndex:
    """BM25 scores for all chunks at once, so term groups can be combined (max within, sum across)."""

    def __init__(self, ids: np.ndarray, terms: list[list[str]]) -> None:
        self.ids = ids
        self.size = len(ids)
        self._bm25: bm25s.BM25 | None = None
        if self.size and any(terms):
            self._bm25 = bm25s.BM25(k1=K1, b=B)
            # a sentinel term keeps chunks with no terms (numbers only, say) in their position
            self._bm25.index([t or ["\x00"] for t in terms], show_progress=False)
            self._vocab = self._bm25.vocab_dict

    def rarity(self, terms: set[str]) -> float:
        """Inverse document frequency of the commonest of `terms` (a term no chunk holds is rarest of all)."""
        counts = [0]
        if self._bm25 is not None:
            indptr = self._bm25.scores["indptr"]
            counts += [int(indptr[i + 1] - indptr[i]) for t in terms if (i := self._vocab.get(t)) is not None]
        return float(np.log((self.size + 1) / (max(counts) + 0.5)))

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every chunk for a bag of terms (unknown terms score nothing)."""
        known = [t for t in terms if self._bm25 is not None and t in self._vocab]
        if not known or self._bm25 is None:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores(known).astype(np.float32)
