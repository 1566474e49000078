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
# a compound's hyphen at the end of a line ("socio-" / "economic"): the words are one, hyphen kept
BROKEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[^\W\d_])")

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
# Question words the stop lists keep but that carry no topic ("how many", "cuántos", "combien"), and the modal
# verbs, which NLTK's English list holds ("can", "should") and its French and Spanish lists do not ("puis-je",
# "dois", "¿puedo?", "debemos"): "puis" was translated "afterward", "draw", "next".
EXTRA_STOP = {
    "en": {"what", "which", "who", "whom", "where", "when", "why", "how", "many", "much", "also", "would", "could"},
    "fr": {"combien", "quel", "quels", "quelle", "quelles", "comment", "pourquoi", "quand", "où", "qui", "quoi",
           "puis", "peux", "peut", "pouvons", "pouvez", "peuvent", "pourrait", "pourrais", "pourrions", "dois", "doit",
           "devons", "devez", "doivent", "devrait", "devrais", "devrions", "faut", "faudrait"},
    "es": {"cuántos", "cuántas", "cuánto", "cuánta", "cuál", "cuáles", "qué", "cómo", "dónde", "cuándo", "quién",
           "puedo", "puede", "podemos", "pueden", "podría", "podrían", "podríamos", "debo", "debe", "debemos", "deben",
           "debería", "deberían", "deberíamos"},
}  # fmt: skip


# Number words of the query languages (two to twenty, the tens, a hundred; "one", "un", "una" are left out: they are
# as often articles or pronouns) and the ordinals from second to twentieth: "twenty countries" finds "20 countries",
# "la novena reunión" asks about the "9th meeting".
_CARDINALS = {
    "en": "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty",
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit "
    "dix-neuf vingt",
    "es": "dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciseis diecisiete "
    "dieciocho diecinueve veinte",
}
_TENS = {
    "en": {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
           "hundred": 100},
    "fr": {"trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100},
    "es": {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
           "cien": 100, "ciento": 100},
}  # fmt: skip
_ORDINALS = {
    "en": "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth",
    "fr": "deuxieme troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme onzieme douzieme "
    "treizieme quatorzieme quinzieme seizieme dix-septieme dix-huitieme dix-neuvieme vingtieme",
    "es": "segundo tercero cuarto quinto sexto septimo octavo noveno decimo undecimo duodecimo decimotercero "
    "decimocuarto decimoquinto decimosexto decimoseptimo decimoctavo decimonoveno vigesimo",
}
NUMBER_WORDS: dict[str, dict[str, int]] = {
    lang: {
        **{w: n for n, w in enumerate(_CARDINALS[lang].split(), start=2)},
        **_TENS[lang],
        **{w: n for n, w in enumerate(_ORDINALS[lang].split(), start=2)},
        **({w[:-1] + "a": n for n, w in enumerate(_ORDINALS[lang].split(), start=2)} if lang == "es" else {}),
        **({"tercer": 3} if lang == "es" else {}),
    }
    for lang in _CARDINALS
}


CARDINAL_WORDS: dict[str, dict[str, int]] = {
    lang: {**{w: n for n, w in enumerate(_CARDINALS[lang].split(), start=2)}, **_TENS[lang]} for lang in _CARDINALS
}


def cardinal_word(word: str, lang: str | None) -> int | None:
    """The value of a cardinal number word ("three", "trois", "tres" → 3) in a query language, else None."""
    return CARDINAL_WORDS.get(lang or "", {}).get(fold(word))


def number_word(word: str, lang: str | None) -> int | None:
    """The value of a number word ("twenty", "vingt", "novena" → 20, 20, 9) in a query language, else None."""
    return NUMBER_WORDS.get(lang or "", {}).get(fold(word))


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


# British spellings read as American ones, in documents and queries alike: Snowball stems "harmonisation" and
# "harmonization" apart, and reports and sheets use both. -ise/-yse → -ize/-yze ("fertiliser", "analysed"),
# -our → -or ("labour"), -re → -er after a consonant ("centre", "metres"), "programme" → "program". Three letters
# at least before the ending, so "rise", "four", "hour", "acre" stay as they are.
BRITISH = (
    (re.compile(r"(?<=\w{3})([iy])s(e|ed|es|ing|ation|ations|ational|er|ers)$"), r"\1z\2"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|er|ers|able)?$"), r"or\1"),
    (re.compile(r"(?<=\w{2}[^\Waeiou\d_])re(s)?$"), r"er\1"),
    (re.compile(r"^programme(s)?$"), r"program\1"),
)


# English irregular verbs' past forms read as their base, which Snowball leaves apart: "how much did they spend?"
# finds "307,316 € spent", "where was it held?" finds "will hold". Forms that are as often other words are left out
# ("found", "left", "ground", "saw", "felt", "fell", "lay", "meant": the mean of a figure, "bound", "rose").
_IRREGULAR = """arise:arose,arisen become:became begin:began,begun blow:blew,blown break:broke,broken breed:bred
bring:brought build:built burn:burnt buy:bought catch:caught choose:chose,chosen come:came deal:dealt dig:dug
draw:drew,drawn drink:drank,drunk drive:drove,driven eat:ate,eaten feed:fed fight:fought flee:fled fly:flew,flown
forbid:forbade,forbidden foresee:foresaw,foreseen forget:forgot,forgotten forgive:forgave,forgiven freeze:froze,frozen
get:got,gotten give:gave,given go:went,gone grow:grew,grown hang:hung hear:heard hide:hid,hidden hold:held
keep:kept know:knew,known lead:led learn:learnt lend:lent lose:lost make:made meet:met mislead:misled
mistake:mistook,mistaken mow:mown overcome:overcame oversee:oversaw,overseen overtake:overtook,overtaken pay:paid
rebuild:rebuilt ride:rode,ridden run:ran say:said see:seen sell:sold send:sent shake:shook,shaken show:shown
shrink:shrank,shrunk sing:sang,sung sink:sank,sunk sit:sat sleep:slept sow:sown speak:spoke,spoken spend:spent
stand:stood steal:stole,stolen stick:stuck strike:struck sweep:swept swim:swam take:took,taken teach:taught
tear:tore,torn tell:told think:thought throw:threw,thrown undergo:underwent,undergone understand:understood
undertake:undertook,undertaken uphold:upheld wake:woke,woken wear:wore,worn weave:wove,woven win:won
withdraw:withdrew,withdrawn withhold:withheld write:wrote,written"""
IRREGULAR = {
    form: base for entry in _IRREGULAR.split() for base, forms in [entry.split(":")] for form in forms.split(",")
}


@lru_cache(maxsize=1 << 17)
def term(word: str, lang: str | None) -> str | None:
    """The index term of one word in a language, or None for a stop word or a one-letter word."""
    low = word.lower()
    if len(low) < 2 or (lang and low in stopwords(lang)):
        return None
    if lang == "en":
        low = IRREGULAR.get(low, low)
        for pattern, american in BRITISH:
            low = pattern.sub(american, low)
    stemmer = _stemmer(lang) if lang else None
    return fold(stemmer.stemWord(low) if stemmer else low)


def analyze(text: str, lang: str | None) -> list[str]:
    """Index terms of a text in a language (None: no stemming, no stop words)."""
    return [t for m in words(text) if (t := term(m.group(), lang))]


TERMS_VERSION = "9"  # bump when analysis changes: stored chunk terms are then recomputed
CONCEPT = "@"  # prefix of the language-neutral term of a glossary concept ("@cover_crops")


def tagged(terms: list[str], lang: str | None) -> list[str]:
    """Terms prefixed with their language, so French 'sol' (soil) never matches Spanish 'sol' (sun)."""
    prefix = f"{lang or 'xx'}:"
    return [prefix + t for t in terms]
