"""Offline query translation: the project glossary, imported thesauri (AGROVOC) and FreeDict dictionaries.

A query is cut into term groups: the longest phrase known to the lexicon, else one word. Each group keeps its
source words and adds their translations, so lexical search can score a group by its best-matching alternative
(structured query translation).
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.analysis import fold, stopwords, term, words
from ingest.glossary import load_glossary

QUERY_LANGS = ("en", "fr", "es")
MAX_PHRASE = 5
MAX_ALTERNATIVES = 4  # per group and language: more dilutes the query
SOURCE_PRIORITY = {"glossary": 0, "words": 1, "countries": 2, "agrovoc": 3, "freedict": 4}
# FreeDict lists every sense of a word in no useful order ("suelo": sole, bottom, foundation, ground, floor; never
# soil): it is used only for the phrases that no curated source (glossary, word list, countries, thesaurus) knows.
CURATED = SOURCE_PRIORITY["agrovoc"]
COUNTRY = "country:"  # concept id prefix of a country (ISO 3166 alpha-2)

# Regular suffix correspondences between Romance words and their English cognates
# ("interceptions" <- "intercepciones", "humidity" <- "humidité"); used only for words no dictionary knows.
COGNATES = {
    "es": [("ciones", "tions"), ("cion", "tion"), ("dades", "ties"), ("dad", "ty"), ("icos", "ics"), ("ico", "ic"),
           ("ica", "ic"), ("mente", "ly"), ("oso", "ous"), ("osa", "ous"), ("ismo", "ism"), ("ista", "ist"),
           ("ario", "ary"), ("ivo", "ive"), ("iva", "ive"), ("encia", "ence"), ("ancia", "ance")],
    "fr": [("ique", "ic"), ("ement", "ly"), ("eux", "ous"), ("euse", "ous"), ("isme", "ism"), ("iste", "ist"),
           ("aire", "ary"), ("if", "ive"), ("ive", "ive"), ("ite", "ity"), ("te", "ty")],
}  # fmt: skip


@dataclass(slots=True)
class TermGroup:
    source: str  # the query words, as typed
    alternatives: list[tuple[str, str]] = field(default_factory=list)  # (language, text), source first
    concepts: list[str] = field(default_factory=list)  # glossary concepts the words name

    def in_lang(self, lang: str) -> list[str]:
        return [text for code, text in self.alternatives if code == lang]


@dataclass(slots=True)
class ExpandedQuery:
    text: str
    lang: str
    groups: list[TermGroup]


def phrase_key(text: str, lang: str) -> tuple[str, ...]:
    """Stems of every word (stop words kept: they are part of phrases like 'agua de lluvia')."""
    return tuple(term(m.group(), lang) or fold(m.group()) for m in words(text))


def _clean(label: str) -> str:
    label = re.sub(r"<[^>]*>|\([^)]*\)|^\d+\.\s*", "", label)
    return " ".join(label.split())


class Lexicon:
    """Concepts with labels in several languages, looked up by phrase."""

    def __init__(self) -> None:
        self._concepts: list[tuple[int, dict[str, list[str]], str | None]] = []  # (priority, labels, concept id)
        self._phrases: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        self.sizes: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._concepts)

    def add(self, source: str, labels: dict[str, list[str]], concept: str | None = None) -> None:
        labels = {lang: [c for t in terms if (c := _clean(t))] for lang, terms in labels.items()}
        labels = {lang: terms for lang, terms in labels.items() if terms}
        if len(labels) < 2:
            return  # a concept in one language translates nothing
        index = len(self._concepts)
        self._concepts.append((SOURCE_PRIORITY.get(source, 9), labels, concept))
        self.sizes[source] = self.sizes.get(source, 0) + 1
        for lang, terms in labels.items():
            for text in terms:
                key = phrase_key(text, lang)
                if 0 < len(key) <= MAX_PHRASE and not all(k.isdigit() for k in key):  # "4‰" is no phrase "4"
                    self._phrases.setdefault((lang, key), []).append(index)

    def lookup(self, words_: tuple[str, ...], lang: str, surface: str = "") -> dict[str, list[str]]:
        """Labels per language of every concept with this phrase; best sources first."""
        out: dict[str, list[str]] = {}
        for i in self._hits(words_, lang, surface):
            for code, terms in self._concepts[i][1].items():
                bucket = out.setdefault(code, [])
                bucket.extend(t for t in terms if t not in bucket)
        return out

    def _hits(self, words_: tuple[str, ...], lang: str, surface: str = "") -> list[int]:
        """The entries with this phrase, best sources first. Where a stem stands for words of different entries
        (French "terre" and "terrasses", Spanish "cálido" and "cal"), the entries spelling the word as written
        (`surface`, a single word) come alone."""
        hits = sorted(self._phrases.get((lang, words_), ()), key=lambda i: self._concepts[i][0])
        if hits and self._concepts[hits[0]][0] <= CURATED:
            hits = [i for i in hits if self._concepts[i][0] <= CURATED]
        if surface and len(hits) > 1:
            spelt = [i for i in hits if any(_same_word(surface, t) for t in self._concepts[i][1].get(lang, []))]
            hits = spelt or hits
        return hits

    def is_common(self, word: str, lang: str) -> bool:
        """Whether the word list has this word: a common word ("Chair", "Roadmap"), whatever its case."""
        hits = self._phrases.get((lang, phrase_key(word, lang)), ())
        return any(self._concepts[i][0] == SOURCE_PRIORITY["words"] for i in hits)

    def own_language(self, text: str) -> str | None:
        """The query language whose own labels (the glossary's and the word list's) cover the most words of the
        text, where exactly one does: "semis direct" is French, "siembra directa" Spanish; None for "biochar" (a
        word of all three) or words none of them knows. For the short queries a detector cannot tell."""
        matches = list(words(text))
        covered = dict.fromkeys(QUERY_LANGS, 0)
        for lang in QUERY_LANGS:
            keys = [term(m.group(), lang) or fold(m.group()) for m in matches]
            i = 0
            while i < len(keys):
                for n in range(min(MAX_PHRASE, len(keys) - i), 0, -1):  # the longest known phrase first
                    hits = self._phrases.get((lang, tuple(keys[i : i + n])), ())
                    if any(self._concepts[h][0] <= SOURCE_PRIORITY["words"] for h in hits):
                        covered[lang] += n
                        break
                i += n
        ranked = sorted(covered.items(), key=lambda kv: -kv[1])
        return ranked[0][0] if ranked[0][1] > ranked[1][1] else None

    def concept_ids(self, words_: tuple[str, ...], lang: str, surface: str = "") -> list[str]:
        return [c for i in self._hits(words_, lang, surface) if (c := self._concepts[i][2])]

    def mentions(self, text: str, lang: str | None) -> list[str]:
        """Glossary concepts named in a text, longest phrase first at each position (one entry per mention)."""
        if lang not in QUERY_LANGS:
            return []
        matches = list(words(text))
        keys = [term(m.group(), lang) or fold(m.group()) for m in matches]
        surfaces = [m.group() for m in matches]
        found: list[str] = []
        i = 0
        while i < len(keys):
            for n in range(min(MAX_PHRASE, len(keys) - i), 0, -1):
                ids = self.concept_ids(tuple(keys[i : i + n]), lang, surfaces[i] if n == 1 else "")
                if ids:
                    found.extend(ids)
                    break
            i += n
        return found

    def expand(self, text: str, lang: str) -> ExpandedQuery:
        """Cut a query into term groups and add what each means in the other query languages."""
        matches = list(words(text))
        keys = [term(m.group(), lang) or fold(m.group()) for m in matches]
        stop = stopwords(lang)
        groups: list[TermGroup] = []
        i = 0
        while i < len(matches):
            for n in range(min(MAX_PHRASE, len(matches) - i), 0, -1):
                found = self.lookup(tuple(keys[i : i + n]), lang, matches[i].group() if n == 1 else "")
                if found or n == 1:
                    break
            source = text[matches[i].start() : matches[i + n - 1].end()]
            i += n
            if n == 1 and (source.lower() in stop or len(source) < 2):
                continue
            concepts = self.concept_ids(tuple(keys[i - n : i]), lang, source if n == 1 else "")
            group = TermGroup(source, [(lang, source)], concepts)
            for code in QUERY_LANGS:
                if code == lang:
                    continue
                alts = [t for t in found.get(code, []) if fold(t) != fold(source)][:MAX_ALTERNATIVES]
                if not alts and n == 1 and code == "en":
                    alts = _cognates(source, lang)
                group.alternatives.extend((code, t) for t in alts)
            groups.append(group)
        return ExpandedQuery(text, lang, groups)


def _same_word(a: str, b: str) -> bool:
    """The same word, but for case, accents and a plural s: "Terres" and "terre", "cálido" and "Calido"."""
    a, b = fold(a), fold(b)
    return a == b or a.rstrip("s") == b.rstrip("s")


def _cognates(word: str, lang: str) -> list[str]:
    low = fold(word)
    for suffix, english in COGNATES.get(lang, []):
        if low.endswith(suffix) and len(low) > len(suffix) + 2:
            return [low[: -len(suffix)] + english]
    return []


# --- sources ------------------------------------------------------------------------------


def glossary_concepts(path: Path) -> Iterator[tuple[str, dict[str, list[str]]]]:
    for concept in load_glossary(path):
        yield concept.id, {lang: concept.terms(lang) for lang in QUERY_LANGS}


def country_concepts() -> Iterator[tuple[str, dict[str, list[str]]]]:
    """Country names in EN/FR/ES from pycountry's ISO 3166 data and its translations."""
    import gettext

    import pycountry

    translators = {
        lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("fr", "es")
    }
    for country in pycountry.countries:
        found = [getattr(country, "common_name", None), country.name, getattr(country, "official_name", None)]
        names = [n for n in dict.fromkeys(found) if isinstance(n, str) and "," not in n]
        labels = {"en": names} | {lang: [t.gettext(n) for n in names] for lang, t in translators.items()}
        yield COUNTRY + country.alpha_2, labels


THESAURUS_COLUMNS = ("label_en", "label_fr", "label_es")


def read_thesaurus_csv(path: Path) -> Iterator[tuple[str, dict[str, list[str]]]]:
    """Rows of an AGROVOC-style CSV (code, label_xx, alt_xx with '|' between alternatives).

    Raises ValueError naming the file and line of the first malformed row.
    """
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        names = set(reader.fieldnames or ())
        missing = [c for c in ("code", *THESAURUS_COLUMNS) if c not in names]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            if None in row or not (row["code"] or "").strip():
                raise ValueError(f"{path.name} line {line}: malformed row (wrong number of fields or no code)")
            labels = {
                lang: [row[f"label_{lang}"] or "", *(row.get(f"alt_{lang}") or "").split("|")] for lang in QUERY_LANGS
            }
            yield row["code"].strip(), {lang: [t.strip() for t in ts if t.strip()] for lang, ts in labels.items()}


FREEDICT = {("es", "en"): "spa-eng", ("en", "es"): "eng-spa", ("fr", "en"): "fra-eng", ("en", "fr"): "eng-fra"}
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(value: str) -> int:
    n = 0
    for c in value:
        n = n * 64 + _B64.index(c)
    return n


def freedict_entries(folder: Path) -> Iterator[dict[str, list[str]]]:
    """Headword -> translations from Debian's dict-freedict-* packages (dictd format), where installed."""
    for (src, dst), name in FREEDICT.items():
        index, data_path = folder / f"freedict-{name}.index", folder / f"freedict-{name}.dict.dz"
        if not (index.exists() and data_path.exists()):
            continue
        data = gzip.decompress(data_path.read_bytes())  # dictzip is gzip-compatible
        for line in index.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 3 or parts[0].startswith("00-database"):
                continue
            start, size = _b64(parts[1]), _b64(parts[2])
            entry = data[start : start + size].decode("utf-8", "replace").splitlines()
            translations = [t for row in entry[1:] for t in re.split(r"[,;]", _clean(row))]
            yield {src: [parts[0]], dst: [t for t in translations if t.strip()]}


def word_list(path: Path) -> Iterator[dict[str, list[str]]]:
    """The word list's rows (columns en, fr, es; '|' between alternatives, the commonest first).

    Raises ValueError naming the file and line of a row without a word in each language."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != QUERY_LANGS:
            raise ValueError(f"{path.name}: columns must be {', '.join(QUERY_LANGS)}")
        for line, row in enumerate(reader, start=2):
            labels = {lang: [t.strip() for t in (row[lang] or "").split("|") if t.strip()] for lang in QUERY_LANGS}
            if None in row or not all(labels.values()):
                raise ValueError(f"{path.name} line {line}: a word in each of {', '.join(QUERY_LANGS)} is needed")
            yield labels


def build_lexicon(
    glossary: Path | None,
    thesauri: Iterable[dict[str, list[str]]],
    freedict_dir: Path | None,
    words_file: Path | None = None,
) -> Lexicon:
    lexicon = Lexicon()
    if glossary is not None and glossary.exists():
        for concept_id, labels in glossary_concepts(glossary):
            lexicon.add("glossary", labels, concept_id)
    if words_file is not None and words_file.exists():
        for labels in word_list(words_file):
            lexicon.add("words", labels)
    for concept_id, labels in country_concepts():
        lexicon.add("countries", labels, concept_id)
    for labels in thesauri:
        lexicon.add("agrovoc", labels)
    if freedict_dir is not None and freedict_dir.is_dir():
        for labels in freedict_entries(freedict_dir):
            lexicon.add("freedict", labels)
    return lexicon
