"""BM25 over analysed chunk terms, with bm25s.

The analysed terms of every chunk live in the store (written once per chunk, incrementally); the BM25 matrix
is rebuilt from them in memory when the store has changed, which takes well under a second per 10,000 chunks.
"""

from __future__ import annotations

import logging
import re
from difflib import SequenceMatcher

import bm25s
import numpy as np

from index.analysis import term

# bm25s sets its own logger to DEBUG; once a root handler exists (the MCP server installs one in `humus serve`),
# every index build would print "Building index from tokens" in the terminal.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# A word read as the cognate of an index term of another language: the stems begin with the same three letters, have
# at least COGNATE_LETTERS letters each, and are spelled alike (difflib's ratio at least COGNATE_RATIO).
COGNATE_LETTERS, COGNATE_RATIO = 5, 0.75
SPANISH_ES = re.compile(r"^e(?=s[bcdfgklmnpqrtvz])")  # "estrategia", "estándar": English has no leading e-

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
        self._by_start: dict[str, list[str]] | None = None  # "en:con" -> ["consortium", "concret", …]
        self._cognates: dict[tuple[str, str, str], str | None] = {}

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

    def cognates(self, word: str, lang: str, target: str) -> str | None:
        """The index term of `target` that reads as the cognate of a `lang` word, if any: 'Consorcio' →
        'en:consortium', 'Iniciativa' → 'en:initi', 'colaborar' → 'en:collabor'. For the words a dictionary does not
        know or mistranslates ('Iniciativa' → 'pioneer')."""
        key = (word, lang, target)
        if key in self._cognates:
            return self._cognates[key]
        found = self._find_cognate(word, lang, target)
        if len(self._cognates) < 100_000:  # words asked about, remembered up to a bound
            self._cognates[key] = found
        return found

    def _find_cognate(self, word: str, lang: str, target: str) -> str | None:
        stem = term(word, lang)
        if self._bm25 is None or stem is None or not stem.isalpha() or len(stem) < COGNATE_LETTERS:
            return None
        if self._by_start is None:  # built whole, then published: searches may run in threads
            by_start: dict[str, list[str]] = {}
            for t in self._vocab:
                code, _, s = t.partition(":")
                if s.isalpha() and len(s) >= COGNATE_LETTERS:
                    by_start.setdefault(f"{code}:{s[:3]}", []).append(s)
            self._by_start = by_start
        best, best_score = None, COGNATE_RATIO
        for s in sorted({stem, SPANISH_ES.sub("", stem)} if lang == "es" else {stem}):
            for t in self._by_start.get(f"{target}:{s[:3]}", ()):
                m = SequenceMatcher(None, s, t)
                score = m.ratio() if m.quick_ratio() >= best_score else 0.0
                # the closest, then the longest, then the first in alphabetical order: the same in every process
                # (the index's vocabulary comes in no fixed order)
                if score > best_score or (score == best_score and (best is None or (-len(t), t) < (-len(best), best))):
                    best, best_score = t, score
        return f"{target}:{best}" if best else None
