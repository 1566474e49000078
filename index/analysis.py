"""Language-aware text analysis for the lexical index: words, stop words, Snowball stems, folded accents.

Stemming runs before accent folding because the Snowball stemmers for French and Spanish expect accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import bm25s.stopwords as sw
import Stemmer

WORD = re.compile(r"\w+", re.UNICODE)

# language code -> (Snowball algorithm, bm25s stop-word list); NLTK's lists (bm25s' 33-word English list is Lucene's,
# which left "did", "my", "we" as query terms while the French and Spanish lists drop their equivalents)
LANGUAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "en": ("english", sw.STOPWORDS_EN_PLUS),
    "fr": ("french", sw.STOPWORDS_FRENCH),
    "es": ("spanish", sw.STOPWORDS_SPANISH),
    "pt": ("portuguese", sw.STOPWORDS_PORTUGUESE),
    "de": ("german", sw.STOPWORDS_GERMAN),
    "it": ("italian", sw.STOPWORDS_ITALIAN),
    "nl": ("dutch", sw.STOPWORDS_DUTCH),
}
# Question words the stop lists keep but that carry no topic ("how many", "cuántos", "combien").
EXTRA_STOP = {
    "en": {"what", "which", "who", "whom", "where", "when", "why", "how", "many", "much", "also", "would", "could"},
    "fr": {"combien", "quel", "quels", "quelle", "quelles", "comment", "pourquoi", "quand", "où", "qui", "quoi"},
    "es": {"cuántos", "cuántas", "cuánto", "cuánta", "cuál", "cuáles", "qué", "cómo", "dónde", "cuándo", "quién"},
}


def fold(text: str) -> str:
    """Lower case without accents: 'Écobuage' -> 'ecobuage'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer | None:
    algo = LANGUAGES.get(lang)
    return Stemmer.Stemmer(algo[0]) if algo else None


@cache
def stopwords(lang: str) -> frozenset[str]:
    words = set(LANGUAGES.get(lang, ("", ()))[1]) | EXTRA_STOP.get(lang, set())
    return frozenset(words | {fold(w) for w in words})


def words(text: str) -> Iterator[re.Match[str]]:
    """Word matches with their offsets (for highlighting)."""
    return WORD.finditer(text)


@lru_cache(maxsize=1 << 17)
def term(word: str, lang: str | None) -> str | None:
    """The index term of one word in a language, or None for a stop word or a one-letter word."""
    low = word.lower()
    if len(low) < 2 or (lang and low in stopwords(lang)):
        return None
    stemmer = _stemmer(lang) if lang else None
    return fold(stemmer.stemWord(low) if stemmer else low)


def analyze(text: str, lang: str | None) -> list[str]:
    """Index terms of a text in a language (None: no stemming, no stop words)."""
    return [t for m in words(text) if (t := term(m.group(), lang))]


TERMS_VERSION = "4"  # bump when analysis changes: stored chunk terms are then recomputed
CONCEPT = "@"  # prefix of the language-neutral term of a glossary concept ("@cover_crops")


def tagged(terms: list[str], lang: str | None) -> list[str]:
    """Terms prefixed with their language, so French 'sol' (soil) never matches Spanish 'sol' (sun)."""
    prefix = f"{lang or 'xx'}:"
    return [prefix + t for t in terms]
