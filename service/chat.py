"""Answers with citations.

Default (offline, extractive), in three steps:

1. **Passages.** Hybrid search finds the documents; a practice sheet is read in the asker's language when it has
   that version. Every chunk of those documents is scored by its embedding's similarity to the question, the share
   of the question's terms it holds (through the same query translation as search) and its document's rank.
2. **Candidates.** The best chunks are cut into sentences, list items, slide bullets and table rows; a practice
   sheet also contributes its structured figures (each `soc_effect` with its depth, duration and reference) and its
   `unsuited` reasons, written out in the sheet's language (and its drawbacks and barriers for a question on its
   risks or costs; a question on risks, costs or how to do it prefers the parts of a sheet that speak to that).
   Acronyms that a document defines ("Scientific and Technical Committee (STC)") count as their long form and the
   reverse.
3. **The answer.** The best candidates are embedded by the multilingual model (int8, as queries are) and scored by
   similarity (raised a little for a sentence in another language than the question, which the model scores
   lower), term coverage (a word also matches its cognate: "Consorcio", "consortium") and passage score; a
   question asking "how much" wants a number, "when" a year, "who" a name, and a number the question gives must be
   in the candidate's passage. Below a floor, the answer says that no source answers, in the asker's language.

With a LangChain chat model (settings `llm_*`), the model writes the answer from the numbered passages only,
citing them as [n]; citations are the passages it cites.
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from index.analysis import CARDINAL_WORDS, analyze, cardinal_word, number_word
from index.lexicon import QUERY_LANGS
from index.search import group_bags, query_language
from index.zones import Conditions, zones
from ingest.practice import SECTION_HEADINGS, SECTION_KEYS, unit_text

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from index.kb import KnowledgeBase
    from index.search import Hit
    from index.store import StoredDocument

BLOCKS = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•✓]|\d+[.)])\s)")  # paragraphs and list items
CONTINUES = re.compile(r"\s*[a-zà-ÿ]")  # a block starting in lower case
URL = re.compile(r"https?://\S+")
LETTER = re.compile(r"\s*[^\W\d_]")
BULLET = re.compile(r"\s*(?:[-*•✓]|\d+[.)])\s")
WRAPPED_WORDS = 4  # a line of at most this many words, without a full stop, is a wrapped line of a slide
STOP = re.compile(r"[.!?](?=\s+[\"«“(]?[A-ZÀ-Ý0-9¿¡])")  # a full stop before a capital
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "no", "vol", "p", "pp", "fig", "e.g", "i.e", "eg", "ie",
                 "etc", "al", "vs", "cf", "approx", "ca", "m", "mme", "sr", "sra", "dra", "art", "ex", "ej",
                 "incl"}  # fmt: skip
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
NUMBER = re.compile(r"\d")
DIGITS = re.compile(r"(?<![^\W_])\d+")  # not inside a name ("COP26", "Objective F1")
ANY_DIGITS = re.compile(r"\d+")
# a number standing alone: not the digits of "CO2", "N2O", "A1", nor an ordinal ("the 1st meeting", "la 7e", "la 7.ª")
AMOUNT = re.compile(r"(?<![^\W_])\d+(?!\d|(?:st|nd|rd|th|er|re|e|ème|eme|[º°ª]|\.[º°ª])(?![^\W\d_]))")
NUMBER_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")  # "vingt", "dix-sept"
# Numbers that name rather than measure: the Initiative's own name, never an amount nor a number a question gives
# ("how many partners had the 4 per 1000 Initiative?"); and the number of a part of a document ("see document 7-4",
# "Annex 2", "page 3"), no amount either, though a question that gives one wants its passage to hold it.
INITIATIVE = re.compile(r"\b4\s*(?:per|pour|por|p)\s*1000\b|\b4p1000\b", re.IGNORECASE)
PART_NUMBER = re.compile(
    r"\b(?i:documents?|doc\.|sections?|annex(?:es)?|appendix|pages?|p\.|pp\.|slides?|tables?|figures?|fig\.|items?|"
    r"chapters?|annexes?|tableaux?|chapitres?|diapositives?|documentos?|secci[oó]n|anexos?|p[aá]ginas?|tablas?|"
    r"cuadros?|cap[ií]tulos?)\s+(?:[A-Z]\w+\s+)?\d+(?:\s*[-.–/]\s*\d+)*"  # "documents Consortium 7-6"
)
# A day of a month ("October 27th-29th", "27-29 octobre", "el 3 de junio"): a date, no amount
_MONTH = (r"(?:january|february|march|april|(?-i:May)|june|july|august|september|october|november|december|jan|feb|mar|"
          r"apr|jun|jul|aug|sept?|oct|nov|dec|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|"
          r"octobre|novembre|d[ée]cembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|se?ptiembre|octubre|"
          r"noviembre|diciembre)\.?")  # fmt: skip
_DAY = r"\d{1,2}(?:st|nd|rd|th|er)?"
_TO = r"(?:\s*[-–]\s*|\s+(?:to|and|au|à|et|al|y|a)\s+)"  # "27-29", "27 to 29", "du 27 au 29", "del 27 al 29"
DAY_OF_MONTH = re.compile(
    rf"\b{_DAY}(?:{_TO}{_DAY})?\s+(?:de\s+)?{_MONTH}\b|\b{_MONTH}\s+{_DAY}(?:{_TO}(?:{_MONTH}\s+)?{_DAY})?\b",
    re.IGNORECASE,
)
# A part of a year: a month or a quarter ("in March", "the first quarter of 2021", "au premier trimestre")
PART_OF_YEAR = re.compile(
    r"\b(?:january|february|march|april|(?-i:May)|june|july|august|september|october|november|december|janvier|"
    r"f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre|quarters?|trimestres?|semesters?|semestres?)\b",
    re.IGNORECASE,
)
# Where a question's sentences part: after ".", "!" or "?" and before a capital or "¿" ("Mrs. Luu" does not part)
QUESTION_BREAK = re.compile(r"(?<![A-Z][a-z]\.)(?<![A-Z][a-z]{2}\.)(?<=[.!?])\s+(?=[¿¡\"“«]?[^\W\d_])")
# "(Smith et al., 2022)", "Smith (2022)": a reference, not a topic ("(September 2020)" is a topic)
CITED_YEAR = re.compile(r"\([^()]*,\s*(?:19|20)\d{2}[a-z]?\)|(?<=[A-Za-z.]) \((?:19|20)\d{2}[a-z]?\)")
REFERENCE_SECTION = re.compile(r"reference|référence|referencia|bibliograph", re.IGNORECASE)
FOLLOW_UP = re.compile(r"^\s*(?:and|what about|how about|et|et pour|et en|y|y en|¿y|y para)\b", re.IGNORECASE)
# A question that wants an amount: its answer holds a number.
QUANTITY = re.compile(
    r"\b(?:how\s+(?:much|many|fast|quickly|big|large|long)|"
    r"how\s+(?:far|deep|high|tall|wide|steep|thick|heavy|dry|wet|moist)|"
    r"what\s+(?:(?:is|was|are|were)\s+the\s+)?(?:[\w'’()-]+\s+){0,5}(?:rate|amount|share|percentage|budget|sum|number|"
    r"cost|price|dose|proportion|distance|spacing|depth|height|length|width|slope|density|gain|increase)|what\s+(?:does|do|did|would|will)\s+(?:\w+\s+){1,5}cost|"
    r"what\s+(?:[\w-]+\s+){1,10}worth|"
    r"combien|quel(?:le)?s?\s+(?:(?:est|était|sont|étaient)\s+(?:le|la|les)\s+(?:\w+\s+){0,2})?"
    r"(?:taux|quantit[ée]|montant|budget|somme|part|nombre|co[uû]t|prix|dose|proportion|pourcentage|distance|[ée]cart|"
    r"[ée]cartement|espacement|profondeur|hauteur|longueur|largeur|pente|densit[ée]|gain|hausse|augmentation|vitesse|"
    r"humidit[ée])|jusqu['’]o[uù]|"
    r"cu[aá]nt[oa]s?|(?:qu[eé]|cu[aá]l(?:es)?\s+(?:es|era|fue|son)\s+(?:el|la|los|las))\s+(?:\w+\s+){0,2}"
    # "el número de socios" counts; "qué número de objetivo" asks for an identifier (a singular noun)
    r"(?:tasa|cantidad|presupuesto|porcentaje|monto|importe|n[uú]mero(?!\s+de\s+[^\W\d_]*[^\W\d_s]\b)|costo|coste|"
    r"precio|dosis|proporci[oó]n|distancia|espaciamiento|profundidad|altura|largo|longitud|ancho|anchura|pendiente|"
    r"densidad|ganancia|aumento|velocidad|humedad|financiaci[oó]n|financiamiento)|"
    # "¿qué tan rápido?", "¿hasta dónde?"; "¿qué parte del pasto?" is a share, "¿en qué parte?" a place
    r"qu[eé]\s+tan\s+\w+|hasta\s+d[oó]nde|(?<!en\s)(?<!de\s)(?<!a\s)qu[eé]\s+parte)\b",
    re.IGNORECASE,
)
UNITS = (r"(?:mm|cm|m[²³23]?|km|ha|hectares?|hect[aá]reas?|acres?|t|kg|g|tonnes?|tons?|toneladas?|%|°\s*C|degrees?|"
         r"degr[ée]s|grados|years?|ans|ann[ée]es|a[ñn]os|months?|mois|meses|days?|jours?|d[ií]as|weeks?|semaines?|semanas|"
         r"metres?|meters?|m[eè]tres?|metros?|litres?|liters?|litros?)(?![^\W\d_])")  # fmt: skip
# The units a question may ask its amount in ("how many years…?"), by what they measure; a candidate answers only
# with an amount in a unit of the same kind ("200–400 trees/acre" is no number of years).
DIMENSIONS = {
    "time": r"years?|yrs?|ans|ann[ée]es|a[ñn]os|months?|mois|meses|weeks?|semaines?|semanas|days?|jours?|d[ií]as|"
    r"hours?|heures?|horas?|time|temps|tiempo|%\s*(?:of\s+(?:the\s+)?time|du\s+temps|del\s+tiempo)",  # a share of it
    "mass": r"kilos?|kilogram(?:me)?s?|kilogramos?|kg|tonnes?|tons?|toneladas?|t|lbs?|pounds?|livres?|libras?|grams?|"
    r"grammes?|gramos?|g",
    "length": r"metres?|meters?|m[eè]tres?|metros?|centim[eè]tres?|centimeters?|cent[ií]metros?|cm|mm|km|m|feet|"
    r"foot|ft|pieds?|pies|inch(?:es)?|pouces?|pulgadas?",
    "area": r"hectares?|hect[aá]reas?|ha|acres?|m²|km²|m2|km2|square\s+(?:metres?|meters?)|m[eè]tres?\s+carr[ée]s|"
    r"metros?\s+cuadrados?",
}
ASKED_UNIT = re.compile(
    r"\b(?:how\s+(?:many|much)|combien\s+d(?:e\s+|['’])|cu[aá]nt[oa]s?)\s*(?:more\s+|de\s+plus\s+|m[aá]s\s+)?"
    r"(?P<unit>square\s+[^\W\d_]+|[^\W\d_]+(?:\s+(?:carr[ée]s|cuadrados?))?)",
    re.IGNORECASE,
)
_CARDINALS = "|".join(sorted({w for words in CARDINAL_WORDS.values() for w in words}, key=len, reverse=True))
_AMOUNT = rf"\d+(?:[.,]\d+)?|(?:{_CARDINALS})\b"  # in digits or in words ("two to three years")
MEASURES = {
    kind: re.compile(rf"\b({_AMOUNT})(?:{_TO}(?:{_AMOUNT}))?[\s-]*(?:{units})(?![^\W\d_])", re.IGNORECASE)
    for kind, units in DIMENSIONS.items()
}
# A question that counts things ("how many people", "combien de pays", "¿cuántas organizaciones?"): a sum of
# money does not answer it, nor a measure ("15–20 cm" is no number of half-moons). "How many tonnes…" measures,
# and so does "combien de carbone" (things counted are plural).
COUNT = re.compile(
    rf"\bhow\s+many\b(?!\s+{UNITS})|"
    rf"\bcombien\s+(?:d(?:e\s+|')(?!argent|euros?|dollars?|temps|{UNITS})[^\W\d_-]+(?:-[^\W\d_]+)?[sx]\b|"
    r"(?:étaient|sont|seront)\b)|"
    rf"\bcu[aá]nt[oa]s\b(?!\s+{UNITS})",
    re.IGNORECASE,
)
# A measured quantity or a time the question gives ("600 mm of rain", "twenty years ago"): a condition it states,
# not a number naming what it asks about.
MEASURED = re.compile(rf"(?:\d+(?:[.,]\d+)?\s*|\b[^\W\d_]+\s+){UNITS}", re.IGNORECASE)
# A measure in a candidate, or a range of them ("15–20 cm", "de 2 à 8 m"); a ratio ("1:1").
MEASURE = re.compile(rf"\d+(?:[.,]\d+)?(?:{_TO}\d+(?:[.,]\d+)?)?\s*{UNITS}|\d+:\d+", re.IGNORECASE)
# A price per unit ("what does it cost per tonne?"): a sheet's cost rating does not give it.
PER_UNIT = re.compile(r"\b(?:per|a|an|par|por|el|la)\s+(?:tonne|ton|hectare|ha|kg|kilo|acre|tonelada|hect[aá]rea)s?\b",
                      re.IGNORECASE)  # fmt: skip
CURRENCY = r"(?:euros?|EUR|USD|GBP|BRL|dollars?|d[oó]lares|pounds?|livres?|libras?|francs?|FCFA|reais|rupees?)"
MONEY = re.compile(
    rf"(?:[€$£]|\b{CURRENCY}\b|\b(?:US|R)\$)\s*\d[\d.,\s]*\d|[€$£]\s*\d|"
    rf"\d[\d.,\s]*(?:[kM]?€|£|\s*(?:US|R)\$|\s*(?:k|M|millions?|millones|mille|billions?|milliards?|mil\s+millones)?"
    rf"\s*(?:d['’]|de\s+)?{CURRENCY}\b)",
    re.IGNORECASE,
)
# A question about a sum of money ("how much is the registration fee?", "quel est le montant du budget ?",
# "¿cuánto cuesta?") is not answered by a number that is no sum; a share of a budget is a number, not a sum.
ASKS_MONEY = re.compile(
    r"\b(?:costs?|costing|price|fees?|budget|spen[dt]|spending|paid|pay|money|funding|co[uû]te?s?|co[uû]t[ée]|co[uû]tait|prix|frais|"
    r"montant|d[ée]pens\w*|argent|financement|cuesta|cuestan|cost[oó]|costos?|costes?|precios?|tarifas?|cuotas?|"
    r"presupuesto|gast\w*|dinero|financiaci[oó]n|financiamiento|importe|monto|worth(?!\s+it)|valued|valoris\w*|valoriz\w*|valor(?:aron|ó|ad[oa]s?))\b",
    re.IGNORECASE,
)
# A question asking how often ("how often do we prune?", "à quelle fréquence", "¿cada cuánto?"): its answer is an
# interval ("every 45 to 60 days", "tous les deux à trois ans").
FREQUENCY = re.compile(
    r"\bhow\s+(?:often|frequently)\b|\bquelle\s+fr[ée]quence\b|\bcada\s+cu[aá]nto\b(?!s)|\bqu[eé]\s+frecuencia\b",
    re.IGNORECASE,
)
# A question asking for a dose or a seeding rate ("what seeding rate", "à quelle dose", "¿qué dosis?"): an amount of
# mass answers it (kg/ha, t/ha, lb/acre), not a sowing depth or a cutting height in inches.
DOSE = re.compile(r"\b(?:doses?|dosis|(?:seeding|sowing|application)\s+rates?|taux\s+de\s+semis)\b", re.IGNORECASE)
SHARE = re.compile(r"\b(?:share|percent\w*|proportion|part|pourcentage|porcentaje|proporci[oó]n|parte)\b", re.I)
# What else a question wants its answer to hold: a year ("since when"), or a name ("who", "which city").
WANTS_YEAR = re.compile(
    r"\b(?:(?:which|what)\s+(?:\w+\s+)?(?:years?|dates?)|month\s+and\s+year|by\s+when|since\s+when|until\s+when)\b|"
    r"\bquelles?\s+(?:ann[ée]es?|dates?|[ée]ch[ée]ances?)\b|mois\s+et\s+(?:l.)?ann[ée]e|\bqu[eé]\s+fechas?\b|"
    r"mes\s+y\s+(?:el\s+)?a[ñn]o|"
    r"(?:depuis|jusqu'à|à\s+partir\s+de)\s+quand|\b(?:desde|para|en|hasta)\s+qu[eé]\s+a[ñn]o|(?:desde|hasta)\s+cu[aá]ndo|"
    # "when did…?" asks for a date; "when should I not…?", "quand faut-il…?", "¿cuándo no conviene?" for conditions
    # "When I move the herd, how much…?": a clause with its subject, not a question (that would be "when do I")
    r"(?:^|[,;]|\band\b|\bor\b)\W*when\s+(?:did|was|were|will|would|has|have|had|are|is(?!\s+it))\b|"
    r"(?:^|[,;]|\bet\b|\bou\b)\W*quand\b(?!\s+(?:faut|doit|dois|devons|peut|peux|puis|pouvons|vaut|ne|est-ce|je|j['’]|nous|on|tu|vous|ils|"
    r"elles|mes|nos|notre|mon|ma)\b)|"
    r"cuándo(?!\s+(?:no|conviene|debo|debe|debemos|puedo|puede|podemos|hay|es\s+mejor|vale|se\s+debe|se\s+puede)\b)",
    re.IGNORECASE,
)
# A question for a date or days ("on what exact date", "à quelle date", "¿en qué fechas?", "on which days"): a day of
# a month answers it; a year alone does not.
WANTS_DATE = re.compile(
    r"\b(?:what|which)\s+(?:exact\s+)?(?:dates?|days)\b|\bquelles?\s+(?:dates?|jours)\b|\bqu[eé]\s+(?:fechas?|d[ií]as)\b",
    re.IGNORECASE,
)
# "who", "qui", "where", "où" ask only where a question or clause starts ("Who chairs…?", "…, and where?", "à qui"):
# elsewhere they are relative ("the partners who joined", "les partenaires qui servent").
WANTS_NAME = re.compile(
    r"(?:^|[,:;¿])\W*(?:(?:and|or|by|to|from|with|et|ou|à|de|par|pour|avec|y|o|a|con|en|por|para)\s+)?"
    r"(?:who|whom|where|qui|où|qui[eé]n(?:es)?|d[oó]nde)\b|"
    # "which climate accord", "which of the Strategic Plan task forces", "quelle troisième convention"
    r"\b(?:which|what)\s+(?:of\s+the\s+)?(?:(?!(?:the|a|an|of|is|was|are|did|does|do)\b)\w+\s+){0,4}"
    r"(?:cit(?:y|ies)|towns?|countr(?:y|ies)|organi[sz]ations?|bod(?:y|ies)|events?|databases?|agenc(?:y|ies)|"
    r"compan(?:y|ies)|persons?|task\s+forces?|agreements?|accords?|conventions?|treat(?:y|ies)|ministr(?:y|ies)|"
    r"ministers?|members?|institutes?|universit(?:y|ies)|funds?)\b|"
    r"quel(?:le)?s?\s+(?:(?!(?:est|était|sont|a|ont|le|la|les)\b)\w+\s+){0,2}(?:ville|pays|organisme|organisation|"
    r"[ée]v[ée]nement|base\s+de\s+donn[ée]es|agence|entit[ée]|task\s+force|accord|convention|trait[ée]|minist[eè]re|"
    r"ministre|membre|institut|universit[ée]|fonds)s?\b|comment\s+s['’]appel\w*|c[oó]mo\s+se\s+llam\w*|\bwhat\b[^?]{0,40}\bcalled\b|"
    r"\b(?:qu[eé]|cu[aá]l(?:es)?\s+(?:es|era|fue|son)\s+(?:el|la|los|las))\s+"
    r"(?:(?!(?:es|era|fue|el|la|los|las|tipos?|clases?)\b)\w+\s+){0,2}(?:ciudad|pa[ií]s|organismo|organizaci[oó]n|evento|base\s+de\s+datos|agencia|entidad|grupo|acuerdo|convenio|"
    r"convenci[oó]n|tratado|ministerio|ministr[oa]|miembro|instituto|universidad|fondo)(?:e?s)?\b",
    re.IGNORECASE,
)
# A question asking for a person ("the full name of the person", "what is his name?", "la personne de contact"):
# a sentence naming no one does not answer it, however many other names it holds ("held in person", "one person
# a day" ask for no one). A person is named with a title ("Dr Cornelia Rumpel", "Mme Breton") or with a surname
# in capitals ("Elisa VAINIO"), as reports write them.
WANTS_PERSON = re.compile(
    r"\b(?:full\s+name|(?:his|her)\s+name|contact\s+person|(?:which|the)\s+person\s+(?:who|from|at|in)|"
    r"nom\s+complet|son\s+nom|personne\s+de\s+contact|(?:quelle|la)\s+personne\s+(?:qui|de|du|à)|"
    r"nombre\s+completo|su\s+nombre|persona\s+de\s+contacto|(?:qu[eé]|la)\s+persona\s+(?:que|de|del|en))\b",
    re.IGNORECASE,
)
PERSON = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Dr|Prof|Mme|Mlle|Sr|Sra|Dra)\.?|M\.)\s+[A-ZÀ-Ý][\w’'-]+|"
    r"\b(?P<first>[A-ZÀ-Ý][a-zà-ÿ][\w’'-]*)\s+[A-ZÀ-Ý]{2}[A-ZÀ-Ý’'-]*\b"
)
# A question asking for a theme or a title ("what was the theme of the forum?", "quel en est le thème ?", "¿qué tema
# propuso?"): documents quote them, so a sentence quoting none (other than what the question quotes) gives none.
WANTS_TITLE = re.compile(
    r"\b(?:what|which)\b[^?]{0,25}?\b(?:theme|title|slogan|motto)s?\b|"
    r"\bquel(?:le)?s?\b[^?]{0,20}?\b(?:th[eè]me|titre|slogan|devise)s?\b|"
    r"\b(?:qu[eé]|cu[aá]l(?:es)?)\b[^?]{0,20}?\b(?:tema|t[ií]tulo|lema)s?\b",
    re.IGNORECASE,
)
# A question asking where ("where", "which city", "où", "¿en qué ciudad?"): a person or a quoted title is no place.
WANTS_PLACE = re.compile(
    r"\b(?:where|which\s+(?:\w+\s+)?(?:city|town|country|venue)|d[oó]nde|quel(?:le)?\s+(?:ville|pays|lieu)|"
    r"qu[eé]\s+(?:ciudad|pa[ií]s|lugar))\b|(?:^|\W)où\b",
    re.IGNORECASE,
)
QUOTED = re.compile(r"[“\"«][^”\"»]*[”\"»]")
PERSON_SPAN = re.compile(  # "Dr Cornelia RUMPEL", "Mrs. Béatrice BRETON-ASKAR", "Paul LUU"
    r"\b(?:(?:Mr|Mrs|Ms|Dr|Prof|Mme|Mlle|Sr|Sra|Dra)\.?|M\.)(?:\s+[A-ZÀ-Ý][\w’'-]+)+|"
    r"\b[A-ZÀ-Ý][a-zà-ÿ][\w’'-]*\s+[A-ZÀ-Ý]{2}[A-ZÀ-Ý’'-]*\b"
)
# A question asking which practices suit a place ("what can we do on sandy soil…?").
# A question asking what to do, or what works, rather than about one practice's figures.
WANTS_PRACTICES = re.compile(
    r"\bwhat\s+(?:practices|can|could|should|would|raises?|increases?|builds?|improves?|works?|helps?|"
    r"(?:is|are)\s+(?:best|good))\b|\bwhich\s+practices\b|"
    r"\bhow\s+(?:can|could|do|should)\s+(?:i|we)\s+(?:raise|increase|build|improve)\b|"
    r"quelles?\s+pratiques|\bque\s+(?:puis|peut|pouvons|dois|faire)|qu['’]est-ce\s+que\s+(?:je|nous|on)\s+peu|"
    r"qu['’]est-ce\s+qui\s+(?:augmente|fait|marche|fonctionne|aide|am[eé]liore)|\bcomment\s+(?:augmenter|am[eé]liorer|accro[iî]tre)|"
    r"\bqu[eé]\s+(?:pr[aá]cticas|puedo|podemos|debo|debemos|hacer|aumenta|sirve|funciona|ayuda|mejora)|"
    r"\bc[oó]mo\s+(?:aumentar|mejorar|subir)",
    re.IGNORECASE,
)
# What side of a practice a question asks about: its risks, its costs, or how to do it. Candidates from the parts of
# a sheet that speak of something else count as off the topic (`Weights.off_topic`).
ASKS_ABOUT = {
    "risk": re.compile(
        r"\b(?:risks?|risky|downsides?|drawbacks?|disadvantages?|dangers?|dangerous|hazards?|side[- ]effects?|"
        r"trade[- ]offs?|problems?|harmful|reasons?\s+not|risques?|risqu[ée]e?s?|inconv[ée]nients?|dangereu\w*|"
        r"effets?\s+secondaires?|probl[eè]mes?|raisons?\s+de\s+ne\s+pas|riesgos?|riesgos[oa]s?|desventajas?|"
        r"inconvenientes?|peligros?|peligros[oa]s?|efectos?\s+secundarios?|problemas?)\b",
        re.IGNORECASE,
    ),
    "cost": re.compile(
        r"\b(?:costs?|costly|prices?|expensive|cheap|afford\w*|co[uû]ts?|co[uû]te(?:nt)?|co[uû]t[ée]|co[uû]teu\w*|prix|"
        r"ch[eè]re?s?|costos?|costes?|cuesta[n]?|cost[oó]|costos[oa]s?|precios?|car[oa]s?|barat[oa]s?)\b",
        re.IGNORECASE,
    ),
    "benefit": re.compile(  # what else a practice brings ("apart from carbon": `EXCEPT_CARBON`)
        r"\b(?:benefits?|co-?benefits?|advantages?|upsides?|what\s+else|good\s+for|avantages?|b[ée]n[ée]fices?|"
        r"bienfaits?|atouts?|int[ée]r[eê]ts?|quoi\s+d'autre|beneficios?|ventajas?|qu[eé]\s+m[aá]s)\b",
        re.IGNORECASE,
    ),
    "where": re.compile(  # whether it works in the asker's conditions ("will they work on soil like ours?")
        r"\b(?:work|works|suit|suits|do\s+well)\b(?:\W+\w+){0,8}?\W+(?:here|ours|our|my)\b|"
        r"\b(?:marche\w*|fonctionne\w*|convien\w*|adapt[ée]e?s?)\b(?:\W+\w+){0,8}?\W+(?:chez\s+nous|ici|n[oô]tre|nos)\b|"
        r"\b(?:funciona\w*|sirve\w*|servir\w*|conviene\w*|adecuad[oa]s?)\b(?:\W+\w+){0,8}?\W+(?:aqu[ií]|nuestr[oa]s?|mis?)\b",
        re.IGNORECASE,
    ),
    "how": re.compile(  # a question word, then a verb of doing; or a size, a dose, a rate, "how to", "how far apart"
        r"\b(?:how|when)\b(?:\W+\w+){0,6}?\W+(?:apply|applying|spread|dig|sow|plant|build|make|install|cut|prune|"
        r"leave|left|grow|mix|put|establish|space)\b|\bhow\s+(?:to|wide|deep|high|often|far\s+(?:apart|away))\b|"
        r"\bwhat\s+(?:\w+\s+)?(?:size|dose|rate|spacing|depth|width|distance)\b|"
        r"\b(?:comment|quand|combien|quel(?:le)?s?\s+(?:quantit[ée]|dose|rythme))\b(?:\W+\w+){0,6}?\W+(?:apport|[ée]pand|"
        r"creus|sem|plant|constru|install|coup|taill|laiss|m[ée]lang|mett|implant|pos|r[ée]g|mont|rec[ée]p)\w*|"
        r"\bcomment\s+faire\b|"
        r"\bquel(?:le)?s?\s+(?:largeur|profondeur|hauteur|diam[eè]tre|taille|dose|distance|espacement|[ée]cart)\b|"
        r"\b(?:c[oó]mo|cu[aá]nd[oa]|cu[aá]nt[oa]s?)\b(?:\W+\w+){0,6}?\W+(?:aplic|esparc|cav|sembr|plant|constru|"
        r"instal|cort|pod|dej|mezcl|pon|establec|hac)\w*|"
        r"\bqu[eé]\s+(?:ancho|anchura|profundidad|altura|di[aá]metro|dosis|tama[ñn]o|distancia|espaciamiento|"
        r"separaci[oó]n)\b",
        re.IGNORECASE,
    ),
}
CARBON = re.compile(r"\b(?:carbon|carbone|carbono|SOC|COS)\b", re.IGNORECASE)
# "apart from storing carbon", "en dehors du carbone", "aparte del carbono": what else the practice brings
EXCEPT_CARBON = re.compile(
    r"\b(?:apart\s+from|aside\s+from|besides|other\s+than|beyond|except|à\s+part|en\s+dehors\s+d[eu]|outre|hormis|"
    r"sauf|adem[aá]s\s+del?|aparte\s+del?|fuera\s+del?|excepto|m[aá]s\s+all[aá]\s+del?)(?:\W+\w+){0,4}?\W+"
    r"(?:carbon|carbone|carbono)\b",
    re.IGNORECASE,
)
# The aspects each part of a sheet speaks to: its body sections (ingest.practice.SECTION_KEYS) and its fields.
SECTION_ASPECTS = {
    "what": {"what"}, "how": {"how", "risk"}, "why": {"why", "benefit"},
    "results": {"results", "risk", "benefit"}, "where": {"where", "risk"}, "barriers": {"risk"},
}  # fmt: skip
FIELD_ASPECTS = {
    "soc_effect": {"results"}, "inputs": {"how"}, "labour": {"how", "cost"}, "costs": {"cost"},
    "safety": {"risk", "how"}, "unsuited": {"where", "risk"}, "trade_offs": {"risk"}, "barriers": {"risk"},
    "co_benefits": {"benefit"}, "cost_level": {"cost"},
}  # fmt: skip
LISTED_FOR = {"trade_offs": {"risk"}, "barriers": {"risk", "cost"}, "co_benefits": {"benefit"}}  # only for these
NAME = re.compile(r"(?<![.!?:]\s)(?<![(\[«“\"])(?<!^)\b[A-ZÀ-Ý][\w’'-]+")  # not at a sentence's or bracket's start
PLACE_PRACTICES = 4  # practices listed for a place
# "Scientific and Technical Committee (STC)": a long form of capitalised words, then its initials in brackets.
ACRONYM = re.compile(r"((?:[A-Z][\w'’-]*[\"”»]?[ -]+(?:(?:of|for|and|the|on|in|de|du|des|la|le|et|y|el|para)[ -]+)*)"
                     r"{1,8})\(([A-Z][A-Za-z&]{1,9})\)")  # fmt: skip
# A run of capitalised words ("Food and Agriculture Organization of the United Nations"), and an acronym ("FAO").
CAPITALISED_RUN = re.compile(r"[A-Z][\w'’-]*(?:[ -]+(?:(?:of|for|and|the|on|in|de|du|des|la|le|et|y|el|para)[ -]+)*"
                             r"[A-Z][\w'’-]*)+")  # fmt: skip
CAPITALS = re.compile(r"\b[A-Z]{2,6}\b")
PASSAGES = 8  # documents read per question
FACT_SHEETS = 3  # practice sheets, by best passage, whose fields are compared (besides those the question names)
CHUNKS = 12  # best chunks cut into candidates
CHUNKS_PER_DOC = 8  # of them from one document
POOL = 32  # candidates compared by embedding
MAX_QUOTES = 3
CLOSEST = 2  # passages shown where nothing answers
PER_FAMILY = 2  # quotes from one document (or practice) while others come close too; the one practice named: all
SIM_FLOOR, SIM_SPAN = 0.75, 0.15  # the model's cosine mapped to 0..1 over this range
PASSAGE_SIMILARITY, PASSAGE_COVERAGE, PASSAGE_RANK = 0.4, 0.3, 0.3  # a chunk's score (step 1)
TITLE_WEIGHT = 0.5  # a question term found only in the document's title counts half
MAX_SESSIONS = 1000

NO_ANSWER = {
    "en": "No source in the knowledge base answers this.",
    "fr": "Aucune source de la base de connaissances ne répond à cette question.",
    "es": "Ninguna fuente de la base de conocimientos responde a esta pregunta.",
}
LANGUAGE_NAMES = {
    "en": {"en": "English", "fr": "French", "es": "Spanish"},
    "fr": {"en": "anglais", "fr": "français", "es": "espagnol"},
    "es": {"en": "inglés", "fr": "francés", "es": "español"},
}
WRITTEN_IN = {"en": "source in {}", "fr": "source en {}", "es": "fuente en {}"}
# A place answer says how it read the place, so that a wrong reading shows.
PLACE_LEAD = {"en": "For {}, closest fit first:", "fr": "Pour {}, les plus adaptées d'abord :",
              "es": "Para {}, las más adecuadas primero:"}  # fmt: skip
CLIMATE = {"en": "a {} climate", "fr": "un climat {}", "es": "un clima {}"}
ON_SOIL = {"en": "{} on {}", "fr": "{} sur {}", "es": "{} en {}"}
OR = {"en": "or", "fr": "ou", "es": "o"}
# How a practice sheet's fields read, in the sheet's language.
SOIL_CARBON = {"en": "soil organic carbon", "fr": "carbone organique du sol", "es": "carbono orgánico del suelo"}
RATE_UNIT = {
    "en": "t C/ha/yr (tonnes of carbon per hectare per year)",
    "fr": "t C/ha/an (tonnes de carbone par hectare et par an)",
    "es": "t C/ha/año (toneladas de carbono por hectárea y año)",
}
DEPTH = {"en": "{} cm deep", "fr": "sur {} cm", "es": "en {} cm"}
YEARS = {"en": "{} years", "fr": "{} ans", "es": "{} años"}
NOT_FOR = {  # a climate zone, a soil class
    "climate_zone": {
        "en": "Not recommended in a {} climate",
        "fr": "Déconseillé en climat {}",
        "es": "No recomendado en clima {}",
    },
    "soil_class": {"en": "Not recommended on {}", "fr": "Déconseillé sur {}", "es": "No recomendado en {}"},
}
UNCERTAINTY = {  # how a mean's uncertainty reads: "0.32 ± 0.08 (standard error)"
    "se": {"en": "standard error", "fr": "erreur type", "es": "error estándar"},
    "sd": {"en": "standard deviation", "fr": "écart type", "es": "desviación estándar"},
    "ci95": {
        "en": "95% confidence interval",
        "fr": "intervalle de confiance à 95 %",
        "es": "intervalo de confianza del 95 %",
    },
}
RANGE_OF = {"en": "results from {} to {}", "fr": "résultats de {} à {}", "es": "resultados de {} a {}"}
CASE_STUDY = {"en": "one farm or site", "fr": "une seule exploitation ou un seul site", "es": "una sola finca o sitio"}
HOW_TO = {  # a sheet's structured how-to fields, as the sentences of an answer
    "inputs": {"en": "How to do it", "fr": "Comment faire", "es": "Cómo hacerlo"},
    "labour": {"en": "Labour", "fr": "Travail", "es": "Mano de obra"},
    "costs": {"en": "Cost", "fr": "Coût", "es": "Costo"},
    "safety": {"en": "Safety", "fr": "Sécurité", "es": "Seguridad"},
    "trade_offs": {"en": "Drawbacks", "fr": "Inconvénients", "es": "Desventajas"},
    "barriers": {"en": "Barriers", "fr": "Obstacles", "es": "Obstáculos"},
    "co_benefits": {"en": "Other benefits", "fr": "Autres bienfaits", "es": "Otros beneficios"},
    "cost_level": {"en": "Cost (low, medium or high)", "fr": "Coût (faible, moyen ou élevé)",
                   "es": "Costo (bajo, medio o alto)"},
}  # fmt: skip
COST_LEVELS = {
    "en": {"low": "low", "medium": "medium", "high": "high"},
    "fr": {"low": "faible", "medium": "moyen", "high": "élevé"},
    "es": {"low": "bajo", "medium": "medio", "high": "alto"},
}


@dataclass(slots=True)
class Citation:
    n: int
    doc_id: str
    title: str
    doc_type: str
    source: str
    page: int | None
    section: str | None
    date: str | None
    quote: str
    lang: str | None
    url: str | None = None
    practice_id: str | None = None
    figure: str | None = None  # the number the quote gives, for a question asking how much
    reference: str | None = None  # the publication a practice sheet's figure comes from


@dataclass(slots=True)
class Answer:
    question: str
    answer: str
    language: str
    citations: list[Citation]
    found: bool
    session_id: str
    interpreted_as: str
    generated_by: str = "extractive"
    # where nothing answers: the passages that came nearest (`closest`), to read, not an answer
    closest: list[Citation] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True, frozen=True)
class Weights:
    """How a candidate's score is made, and the floor under which nothing answers."""

    similarity: float = 0.2
    coverage: float = 0.2
    passage: float = 0.6
    missing: float = 0.8  # factor on a candidate without what the question asks for (a number, a year, a name)
    min_score: float = 0.75
    margin: float = 0.12  # further quotes score within this of the best
    context: float = 0.2  # weight of the share of the question found in the candidate's passage
    # factor on a candidate off the question's topic: from another practice's sheet than the one the question
    # names, or from a part of a sheet that speaks of something else than the question asks (its figures for a
    # question on its risks)
    off_topic: float = 0.7
    # added to the model's cosine for a candidate in another language than the question: the same question and
    # sentence score about 0.03 lower across languages (Spanish questions against English reports, tuning third)
    cross_language: float = 0.0
    # below the floor, a best candidate from this score up still answers when it leads every other by this much
    standout_floor: float = 0.6
    standout_gap: float = 0.15


# Tuned on two thirds of eval/answers (`python -m eval.answers --tune`: the most questions answered right with at
# least 0.9 of the unanswerable ones refused), checked on the other third.
WEIGHTS = Weights(
    similarity=0.5, coverage=0.2, passage=0.3, missing=0.5, min_score=0.775, off_topic=0.6, cross_language=0.04
)


@dataclass(slots=True)
class _Candidate:
    text: str
    doc_id: str
    family: str
    title: str
    lang: str | None
    rank: int  # of its document in the search
    chunk: dict[str, Any] | None  # where it was cut from (page, section); None for a sheet's field
    passage: float = 0.0  # its chunk's score (step 1)
    reference: str | None = None
    context: float = 0.0  # share of the question's terms (by rarity) found in its passage
    coverage: float = 0.0
    similarity: float = 0.0
    score: float = 0.0
    lacks: bool = False  # it does not hold what the question asks for (a number, a year, a name) or gives (a number)
    cross_language: bool = False  # written in another language than the question
    aspects: frozenset[str] = frozenset()  # what its part of a practice sheet speaks to (SECTION_ASPECTS)
    off_topic: bool = False  # another practice's sheet than the one the question names, or another aspect
    field: str | None = None  # the sheet field it states ("soc_effect"); None for a passage's sentence
    asked_sheet: bool = False  # from the sheet of the one practice the question names: all quotes may come from it
    zone: str | None = None  # the climate zone or soil class a sheet's `unsuited` entry is about
    verdict: bool = False  # the sheet's `unsuited` entry for the place where the asker asks whether it works

    @property
    def chunk_text(self) -> str:
        return self.chunk["text"] if self.chunk else self.text


@dataclass(slots=True)
class _Session:
    questions: list[str] = field(default_factory=list)  # as interpreted


class Chat:
    """Question answering over one knowledge base; keeps short conversations by session id."""

    def __init__(self, kb: KnowledgeBase, llm: BaseChatModel | None = None) -> None:
        self.kb = kb
        self.llm = llm
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # candidate texts embedded lately
        self._links: dict[str, list[str]] | None = None  # glossary concept → "practice:no-till", …

    def ask(
        self,
        question: str,
        *,
        lang: str | None = None,
        session_id: str | None = None,
        filters: list[str] | dict[str, list[str]] | None = None,
    ) -> Answer:
        """`lang` is the asker's language when the question does not tell (a short one); the question's own
        language comes first, so that a French question on an English page gets a French answer."""
        lang = query_language(question, default=lang if lang in QUERY_LANGS else "en")
        session_id = session_id or uuid.uuid4().hex
        session = self._sessions.pop(session_id, None) or _Session()
        interpreted = resolve_follow_up(question, session.questions, lang)
        session.questions.append(interpreted)
        self._sessions[session_id] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)

        result = self.kb.search(interpreted, k=PASSAGES, lang=lang, filters=filters or [])
        if self.llm is not None:
            return self._generate(question, interpreted, lang, session_id, result.hits)
        chosen, lead = self._for_place(interpreted, lang, filters)
        candidates: list[_Candidate] = []
        if not chosen:
            candidates = self.scored(interpreted, lang, result.hits)
            chosen = [c for c in candidates if c.verdict][:MAX_QUOTES] or choose(candidates)
        if not chosen:
            near = [self._cite(i, c, False) for i, c in enumerate(closest(candidates), 1)]
            return Answer(question, NO_ANSWER[lang], lang, [], False, session_id, interpreted, closest=near)
        wants_number = QUANTITY.search(interpreted) is not None
        citations = [self._cite(i, c, wants_number) for i, c in enumerate(chosen, 1)]
        text = _compose(citations, lang)
        return Answer(question, f"{lead} {text}" if lead else text, lang, citations, True, session_id, interpreted)

    def _for_place(
        self, question: str, lang: str, filters: list[str] | dict[str, list[str]] | None
    ) -> tuple[list[_Candidate], str]:
        """A question asking what to do in a place that it names by climate or soil, and no practice: the practices
        documented for the place (or the nearest), best fit first, each with its first soil-carbon figure. A
        climate in everyday words may mean several zones ("humid temperate"); the place is then any of them. Also
        the lead of the answer, which says how the place was read."""
        named = self.named(question, lang)
        climates = named["climate_zone"] or zones().words.read(question)  # "Sahel", else "humid temperate"
        if named["practice"] or not (climates or named["soil_class"]) or not WANTS_PRACTICES.search(question):
            return [], ""
        land = list(dict.fromkeys(named["land_use"] + zones().land_uses(question)))  # "prairie", "mes champs"
        where = {"doc_type": ["practice"], **({"land_use": land} if land else {})}
        if isinstance(filters, dict):
            where = {**filters, **where}
        elif filters:
            where = [*filters, *(f"{key}={value}" for key, values in where.items() for value in values)]
        soil = next(iter(named["soil_class"]), None)
        place = Conditions(zone="|".join(climates) or None, soil=soil)
        hits = self.kb.search(question, k=2 * PASSAGES, lang=lang, filters=where, conditions=place).hits
        catalog = self.kb.catalog()
        out: list[_Candidate] = []
        for rank, doc in self._documents([h for h in hits if h.match and not h.unsuited], lang):
            sheet_lang = doc.languages[0] if doc.languages else lang
            effects = effect_facts(doc, sheet_lang)
            if effects and len(out) < PLACE_PRACTICES:
                text, reference = effects[0]
                out.append(_Candidate(text, doc.id, catalog.family[doc.id], doc.title, sheet_lang, rank, None, 1.0,
                                      reference))  # fmt: skip
        return out, PLACE_LEAD[lang].format(place_text(climates, soil, lang)) if out else ""

    # --- step 1: passages ------------------------------------------------------------------

    def _documents(self, hits: list[Hit], lang: str, practices: list[str] = ()) -> list[tuple[int, StoredDocument]]:
        """The documents to read, by rank: a practice sheet in the asker's language where it has that version;
        then the sheets of the practices the question names (`practices`) that search did not find."""
        docs = self.kb.catalog().docs
        out = []
        for rank, hit in enumerate(hits):
            doc = docs.get(f"{hit.family}:{lang}") if hit.family.startswith("practice:") else None
            out.append((rank, doc or docs[hit.doc_id]))
        found = {hit.family for hit in hits}
        for practice in practices:
            family = f"practice:{practice}"
            doc = next((docs[f"{family}:{v}"] for v in (lang, *QUERY_LANGS) if f"{family}:{v}" in docs), None)
            if family not in found and doc is not None:
                out.append((len(out), doc))
        return out

    def _passages(
        self, question: str, groups: list[_Group], documents: list[tuple[int, StoredDocument]]
    ) -> list[tuple[float, int, StoredDocument, dict[str, Any]]]:
        """(score, rank, document, chunk) of every chunk of the documents found, best first."""
        rows = []
        for rank, doc in documents:
            rows += [(rank, doc, dict(r)) for r in self.kb.store.doc_chunks(doc.id)]
        rows = [r for r in rows if not REFERENCE_SECTION.search(r[2]["section"] or "")]
        if not rows:
            return []
        ids = [r[2]["id"] for r in rows]
        terms = self.kb.store.terms_of_chunks(ids)
        coverage = np.array([_coverage(groups, terms.get(i, set()), set()) for i in ids])
        similarity = np.zeros(len(ids))
        try:
            vectors = self.kb.vector_index().vectors(np.array(ids, dtype=np.int64))
            similarity = (vectors @ self._readings(question)).max(axis=1)
        except RuntimeError:  # an approximate index without a direct map: words and ranks alone
            pass
        prior = np.array([1.0 / (1.0 + r[0]) for r in rows])
        scores = PASSAGE_SIMILARITY * _scaled(similarity) + PASSAGE_COVERAGE * coverage + PASSAGE_RANK * prior
        for row, share in zip(rows, coverage.tolist(), strict=True):
            row[2]["coverage"] = share
        return [(float(scores[i]), rows[i][0], rows[i][1], rows[i][2]) for i in np.argsort(-scores)]

    # --- step 2: candidates ----------------------------------------------------------------

    def _candidates(
        self,
        documents: list[tuple[int, StoredDocument]],
        lang: str,
        groups: list[_Group],
        question: str,
        practices: list[str] = (),
        aspects: frozenset[str] = frozenset(),
    ) -> list[_Candidate]:
        catalog = self.kb.catalog()
        out: list[_Candidate] = []
        best: dict[str, tuple[float, float]] = {}  # each document's best passage score and coverage
        passages = self._passages(question, groups, documents)
        for score, _, doc, chunk in passages:
            best.setdefault(doc.id, (score, chunk["coverage"]))
        read: dict[str, int] = {}  # chunks taken per document: the answer may be in the second or third one found
        for score, rank, doc, chunk in passages:
            if sum(read.values()) == CHUNKS or read.get(doc.id, 0) == CHUNKS_PER_DOC:
                continue
            read[doc.id] = read.get(doc.id, 0) + 1
            family, context = catalog.family[doc.id], chunk["coverage"]
            section = sheet_section(chunk["section"]) if doc.doc_type == "practice" else None
            for text in split_sentences(chunk["text"]):
                if text.rstrip(". ") != doc.title:  # a title alone says nothing
                    out.append(_Candidate(text, doc.id, family, doc.title, chunk["lang"], rank, chunk, score))
                    out[-1].context = context
                    out[-1].aspects = (
                        part_aspects(SECTION_ASPECTS.get(section, set()), text) if section else frozenset()
                    )
        # the figures and limits of the sheets with the best passages and of the practices the question names
        sheets = [(rank, doc) for rank, doc in documents if doc.doc_type == "practice"]
        sheets.sort(key=lambda r: -best.get(r[1].id, (0.0, 0.0))[0])
        for i, (rank, doc) in enumerate(sheets):
            family = catalog.family[doc.id]
            if i < FACT_SHEETS or family.split(":")[1] in practices:
                score, context = best.get(doc.id, (0.0, 0.0))
                sheet_lang = doc.languages[0] if doc.languages else lang
                for fact in sheet_facts(doc, sheet_lang, aspects):
                    c = _Candidate(fact.text, doc.id, family, doc.title, sheet_lang, rank, None, score, fact.reference)
                    c.context, c.field, c.zone = context, fact.field, fact.zone
                    c.aspects = part_aspects(FIELD_ASPECTS[fact.field], fact.text)
                    out.append(c)
        return out

    def scored(self, question: str, lang: str, hits: list[Hit]) -> list[_Candidate]:
        """The candidates worth comparing, each with its coverage, similarity and passage score, and whether it
        holds what the question asks for."""
        groups = self._term_groups(question, lang)
        if not groups or not hits:
            return []
        named = self.named(question, lang)
        practices = named["practice"]
        place = {*named["soil_class"], *(named["climate_zone"] or zones().words.read(question))}
        aspects = asked_about(question)
        carbon_aside = EXCEPT_CARBON.search(question) is not None
        documents = self._documents(hits, lang, practices)
        candidates = self._candidates(documents, lang, groups, question, practices, aspects)
        acronyms = {**spelled_acronyms([question, *(c.text for c in candidates)]),
                    **defined_acronyms(c.text for c in candidates)}  # fmt: skip
        wants = wanted(question)
        # "how much does it cost?" asks for costs, not "how much water do we save? (water is dear here)"
        asks_cost = "cost" in asked_about(asking(question)) and PER_UNIT.search(question) is None
        given = given_numbers(question, lang)  # not an answer ("how many partners had the 20 members?")
        # "in 2017", "its 9th meeting": its passage must hold them too; "600 mm of rain" describes the asker's farm,
        # and "entre deux irrigations" (between irrigations) counts nothing
        qualifying = given_numbers(MEASURED.sub(" ", INITIATIVE.sub(" ", question)), lang, cardinals=False)
        asked = self.asked_terms(question, lang, groups, acronyms)
        titles: dict[str, set[str]] = {}
        openings: dict[str, str] = {}  # each document's title and first chunk
        for c in candidates:
            if c.doc_id not in titles:
                titles[c.doc_id] = set(self.kb.terms_of(c.title, c.lang))
            terms = set(self.kb.terms_of(_with_acronyms(c.text, acronyms), c.lang))
            c.coverage = _coverage(groups, terms, titles[c.doc_id])
            # a sheet's cost rating answers "how much does it cost?" where it gives no cost figure
            needs = [w for w in wants if not (w in ("number", "money") and c.field == "cost_level" and asks_cost)]
            if c.doc_id not in openings:  # the numbers a question gives may qualify the document ("the 2021 roadmap")
                first = next(iter(self.kb.store.doc_chunks(c.doc_id)), None)
                openings[c.doc_id] = f"{c.title} {first['text'] if first else ''}"
            c.lacks = (
                not all(self.holds(c.text, c.lang, want, asked, given, acronyms) for want in needs)
                or not qualifying <= given_numbers(f"{c.chunk_text} {openings[c.doc_id]}", c.lang, in_names=True)
                or other_year(c.text, given)
            )
            c.cross_language = c.lang not in (lang, None)
            is_sheet = c.family.startswith("practice:")
            other_practice = is_sheet and c.family.split(":")[1] not in practices and c.family != hits[0].family
            off_aspect = bool(c.aspects and aspects and not c.aspects & aspects)
            set_aside = bool(carbon_aside and is_sheet and CARBON.search(c.text))  # "apart from carbon"
            elsewhere = bool(place and c.zone and c.zone not in place)  # "not for sandy soils" to one on clay
            c.off_topic = (bool(practices) and other_practice) or off_aspect or set_aside or elsewhere
            c.verdict = c.zone in place and c.family.split(":")[1] in practices
            c.asked_sheet = len(practices) == 1 and is_sheet and not other_practice
        candidates.sort(key=lambda c: -(c.coverage + c.passage))
        facts = [c for c in candidates if c.chunk is None]  # a few per sheet: always compared
        viable = facts + [c for c in candidates if c.chunk is not None][: max(POOL - len(facts), POOL // 2)]
        if viable:
            vectors = self._embed([c.text for c in viable])
            for c, similarity in zip(viable, (vectors @ self._readings(question)).max(axis=1).tolist(), strict=True):
                c.similarity = similarity
        return viable

    def _readings(self, question: str) -> np.ndarray:
        """The question's vector, and that of its sentences that ask when it has others ("We flood the paddy again
        two weeks after harvest. Can I plough the straw in?"), as columns: a long preamble dilutes the vector of
        what is asked, and the best of the two readings counts."""
        asked = asking(question)
        texts = [question] if asked == question else [question, asked]
        return np.stack(self.kb.embed_queries(texts), axis=1)

    def asked_terms(self, question: str, lang: str, groups: list[_Group], acronyms: dict[str, str]) -> set[str]:
        """The index terms a question gives: its own, their translations, and the long form of an acronym it uses
        ("CoP": community, practice) or the acronym of a long form it spells out."""
        return {t for g in groups for t in g.terms} | set(self.kb.terms_of(_with_acronyms(question, acronyms), lang))

    def holds(
        self, text: str, lang: str | None, want: str, asked: set[str], given: set[str], acronyms: dict[str, str]
    ) -> bool:
        """Whether a candidate's text holds a number, a year (or a month or quarter) or a name that the question
        does not give.

        An amount stands alone and is neither a year, a day of a month, a citation's year, a document part's number
        nor the Initiative's name ("how many partners did the 4 per 1000 Initiative have?" is not answered by 4 or
        1000).
        A name is a capitalised word, not at the start of a sentence or bracket, that the question does not give
        in any form (`asked`: the index terms of the question and of its translations) and that is no common word
        of the word list: "Chair" does not answer "who chaired…?", nor "STC" "the Scientific and Technical
        Committee", nor "Roadmap" "who presented the roadmap?"."""
        if want in MEASURES:  # an amount in a unit of the kind asked for, not one the question gives
            amounts = (_amount(m.group(1), lang) for m in MEASURES[want].finditer(CITED_YEAR.sub("", text)))
            return any(a is not None and a not in given for a in amounts)
        if want in ("number", "count"):
            plain = DAY_OF_MONTH.sub(" ", YEAR.sub("", CITED_YEAR.sub("", text)))
            plain = PART_NUMBER.sub(" ", INITIATIVE.sub(" ", plain))
            plain = MEASURE.sub(" ", MONEY.sub(" ", plain)) if want == "count" else plain
            return bool(set(AMOUNT.findall(plain)) - given)  # "two" is no amount
        if want == "money":
            return any(set(AMOUNT.findall(m.group(0))) - given for m in MONEY.finditer(text))
        if want == "date":
            return DAY_OF_MONTH.search(CITED_YEAR.sub("", text)) is not None
        if want == "year":  # "In 2021, …" does not say when something planned in the 2021 roadmap takes place
            plain = CITED_YEAR.sub("", text)
            return bool(set(YEAR.findall(plain)) - given) or PART_OF_YEAR.search(plain) is not None
        common = self.kb.lexicon().is_common
        if want == "person":  # "Plan STRATEGIC PLAN" on a slide is no "Paul LUU"
            people = [m.group() for m in PERSON.finditer(text)
                      if not (m["first"] and lang in QUERY_LANGS and common(m["first"], lang))]  # fmt: skip
            return any(set(self.kb.terms_of(person, lang)) - asked for person in people)
        if want in ("title", "name"):  # a quoted title that the question does not quote itself (not "4 per 1000")
            quoted = any(set(self.kb.terms_of(q, lang)) - asked for q in QUOTED.findall(INITIATIVE.sub(" ", text)))
            if want == "title" or quoted:
                return quoted
        if want == "place":  # "where…?" is not answered by "Dr Cornelia RUMPEL" nor by a quoted event title
            text = QUOTED.sub(" ", PERSON_SPAN.sub(" ", text))
        for name in NAME.findall(text):
            if name not in acronyms and lang in QUERY_LANGS and common(name, lang):
                continue  # "Chair", "Roadmap", "Committee": capitalised, but no name
            terms = set(self.kb.terms_of(acronyms.get(name, name), lang))
            if terms and not terms & asked:
                return True
        return False

    def named(self, text: str, lang: str) -> dict[str, list[str]]:
        """The practices, climate zones, soil classes and land uses a text names, by the glossary."""
        if self._links is None:
            self._links = {c.id: c.links for c in self.kb.glossary_concepts()}
        found: dict[str, list[str]] = {"practice": [], "climate_zone": [], "soil_class": [], "land_use": []}
        for concept in self.kb.tagger().mentions(text, lang):
            for link in self._links.get(concept, []):
                facet, _, value = link.partition(":")
                if facet in found and value not in found[facet]:
                    found[facet].append(value)
        return found

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Candidates' vectors (short texts: the int8 encoder, as for queries); recent ones are remembered."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.kb.embedder().embed_sentences(missing), strict=True):
                self._vectors[text] = vector
        out = np.vstack([self._vectors[t] for t in texts])
        for t in texts:
            self._vectors.move_to_end(t)
        while len(self._vectors) > 20 * POOL * MAX_SESSIONS // 100:
            self._vectors.popitem(last=False)
        return out

    def _term_groups(self, question: str, lang: str) -> list[_Group]:
        """Each content phrase of the question with every index term that stands for it (in any language)."""
        expanded = self.kb.lexicon().expand(question, lang)
        lexical = self.kb.indexes().lexical
        aside = m.group(0).lower() if (m := EXCEPT_CARBON.search(question)) else ""
        groups = []
        for group in expanded.groups:
            bags = tuple(frozenset(bag) for bag in group_bags(group, QUERY_LANGS, lexical))
            if not bags or any(p.fullmatch(group.source.strip()) for p in ASKS_ABOUT.values()):
                continue  # "risks", "coût": which part of a sheet answers (`aspects`), not words it must hold
            if group.source.strip().lower() in aside:
                continue  # "apart from storing carbon": what the answer is not about
            # a rare phrase ("Helsinki") weighs more than a common one ("soil"); one that no chunk holds (a thing
            # the knowledge base never mentions, or a word left untranslated) weighs most, and no candidate has it.
            # A phrase is as rare as its rarest word ("saline soils": "saline"), in its commonest rendering.
            rarity = min(max(lexical.rarity({t}) for t in bag) for bag in bags)
            source = group.source.strip()
            groups.append(_Group(rarity * (1.5 if YEAR.fullmatch(source) else 1.0), bags, source))
        return groups

    # --- the answer ------------------------------------------------------------------------

    def _cite(self, n: int, c: _Candidate, wants_number: bool) -> Citation:
        """Cite the rendering that has a page for the quote (the PDF of a report read from DOCX), if any."""
        catalog = self.kb.catalog()
        doc = catalog.docs[c.doc_id]
        page = c.chunk["page"] if c.chunk else None
        section = c.chunk["section"] if c.chunk else None
        if page is None and c.chunk is not None:
            found = self.kb.page_in_family(c.family, c.text)
            if found is not None:
                doc, page = catalog.docs[found[0]], found[1]
        figure = None
        if wants_number:
            numbers = re.findall(r"\d[\d.,  ]*\d|\d", YEAR.sub("", CITED_YEAR.sub("", c.text)))
            figure = numbers[0].strip() if numbers else None
        return Citation(
            n=n,
            doc_id=doc.id,
            title=doc.title,
            doc_type=doc.doc_type,
            source=source_name(doc.source, doc.path),
            page=page,
            section=section,
            date=doc.date,
            quote=c.text,
            lang=c.lang,
            url=web_url(doc.metadata.get("url")),
            practice_id=doc.id.split(":")[1] if doc.id.startswith("practice:") else None,
            figure=figure,
            reference=c.reference,
        )

    # --- optional generation ---------------------------------------------------------------

    def _generate(self, question: str, interpreted: str, lang: str, session_id: str, hits: list[Hit]) -> Answer:
        from langchain_core.messages import HumanMessage, SystemMessage

        groups = self._term_groups(interpreted, lang)
        passages = [
            (doc, chunk)
            for _, _, doc, chunk in self._passages(interpreted, groups, self._documents(hits, lang))[:CHUNKS]
        ]
        if not passages:
            return Answer(question, NO_ANSWER[lang], lang, [], False, session_id, interpreted, "llm")
        numbered = "\n\n".join(f"[{i}] {chunk['text']}" for i, (_, chunk) in enumerate(passages, 1))
        system = (
            f"Answer in {LANGUAGE_NAMES['en'][lang]} using only the numbered passages. Cite every fact with the "
            f"number of its passage in square brackets, e.g. [1]. If the passages do not answer the question, "
            f"reply exactly: {NO_ANSWER[lang]}"
        )
        reply = self.llm.invoke(
            [SystemMessage(system), HumanMessage(f"Passages:\n{numbered}\n\nQuestion: {interpreted}")]
        )
        text = str(reply.content).strip()
        cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text) if 0 < int(n) <= len(passages)})
        if not cited or NO_ANSWER[lang] in text:
            return Answer(question, NO_ANSWER[lang], lang, [], False, session_id, interpreted, "llm")
        catalog = self.kb.catalog()
        citations = []
        for n in cited:
            doc, chunk = passages[n - 1]
            c = _Candidate(chunk["text"], doc.id, catalog.family[doc.id], doc.title, chunk["lang"], 0, chunk)
            citations.append(self._cite(n, c, False))
        return Answer(question, text, lang, citations, True, session_id, interpreted, "llm")


@dataclass(slots=True, frozen=True)
class _Group:
    weight: float
    bags: tuple[frozenset[str], ...]  # each rendering of the phrase as index terms, all of which must be found
    words: str  # the phrase as asked

    @property
    def terms(self) -> set[str]:
        """Every index term that stands for the phrase or for one of its words."""
        return set().union(*self.bags)

    def found_in(self, terms: set[str]) -> bool:
        """A rendering of the phrase is in `terms`: "saline soils" needs "saline" and "soil", or the concept."""
        return any(bag <= terms for bag in self.bags)


def _coverage(groups: list[_Group], terms: set[str], title: set[str]) -> float:
    """Weighted share of the question's phrases found in `terms` (half weight for those only in the title)."""
    total = sum(g.weight for g in groups) or 1.0
    found = sum(
        g.weight if g.found_in(terms) else TITLE_WEIGHT * g.weight if g.found_in(title | terms) else 0.0 for g in groups
    )
    return found / total


def _scaled(similarity: np.ndarray) -> np.ndarray:
    return np.clip((similarity - SIM_FLOOR) / SIM_SPAN, 0.0, 1.0)


def choose(candidates: list[_Candidate], weights: Weights | None = None) -> list[_Candidate]:
    """The quotes of the answer: the best candidate and those close to it; none when the best is below the floor
    and does not stand out either."""
    w = weights or WEIGHTS
    if not candidates:
        return []
    similarity = _scaled(np.array([c.similarity + (w.cross_language if c.cross_language else 0.0) for c in candidates]))
    for c, sim in zip(candidates, similarity.tolist(), strict=True):
        c.score = w.similarity * sim + w.coverage * c.coverage + w.passage * c.passage + w.context * c.context
        c.score *= (w.missing if c.lacks else 1.0) * (w.off_topic if c.off_topic else 1.0)
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    if not confident(best, runner_up(ranked), w):
        return []
    close = [c for c in ranked if c.score >= best - w.margin]
    chosen: list[_Candidate] = []
    for c in close:  # several sources where several come close
        same = [o for o in chosen if o.family == c.family]
        if len(same) < (MAX_QUOTES if c.asked_sheet else PER_FAMILY) and all(o.text != c.text for o in same):
            chosen.append(c)
    for c in close:  # then more from the same ones, if fewer came close
        if c not in chosen and all(o.text != c.text for o in chosen):
            chosen.append(c)
    return sorted(chosen[:MAX_QUOTES], key=lambda c: -c.score)


def closest(candidates: list[_Candidate], weights: Weights | None = None) -> list[_Candidate]:
    """Where nothing answers, the passages that came nearest, to read rather than as an answer: the best
    candidates (scored by `choose`) that reach the standout floor, at most CLOSEST, one per text."""
    w = weights or WEIGHTS
    out: list[_Candidate] = []
    for c in sorted(candidates, key=lambda c: -c.score):
        if c.score < w.standout_floor or len(out) == CLOSEST:
            break
        if all(o.text != c.text for o in out):
            out.append(c)
    return out


def runner_up(ranked: list[_Candidate]) -> float:
    """The score of the best candidate saying something else than the best (not its copy in another rendering)."""
    return next((c.score for c in ranked[1:] if c.text != ranked[0].text), 0.0)


def confident(best: float, runner: float, w: Weights) -> bool:
    """An answer is given when the best candidate reaches the floor, or comes near it and stands out: one sentence
    that fits far better than any other is an answer; several that fit about as well, none of them well, are what
    a question whose answer is missing finds."""
    return best >= w.min_score or (best >= w.standout_floor and best - runner >= w.standout_gap)


def asking(question: str) -> str:
    """The sentences of a question that ask (end with "?"): "Soussana proposed finding out how many farmers… Which
    objective deals with this?" asks for an objective, not a number; the whole text when none ends with "?"."""
    parts = QUESTION_BREAK.split(question.strip())
    return " ".join(part for part in parts if part.rstrip().endswith("?")) or question


def wanted(question: str) -> list[str]:
    """What the question asks its answer to hold: "number" (a "count" when it counts things, "money" when it asks
    for a sum), "year" ("date" for a day), "name" ("person" when it asks for one), "title" (a theme or title, which
    documents quote);
    read in its sentences that ask."""
    question = asking(question)
    wants = [want for want, pattern in (("number", QUANTITY), ("year", WANTS_YEAR), ("name", WANTS_NAME),
                                        ("person", WANTS_PERSON), ("title", WANTS_TITLE))
             if pattern.search(question)]  # fmt: skip
    if WANTS_DATE.search(question):
        wants = [want for want in wants if want != "year"] + ["date"]
    if "person" in wants:
        wants = [want for want in wants if want != "name"]
    if "name" in wants and WANTS_PLACE.search(question):
        wants = ["place" if want == "name" else want for want in wants]
    if DOSE.search(question) and {"number", "count"} & set(wants):
        wants = [want for want in wants if want not in ("number", "count")] + ["mass"]
    if FREQUENCY.search(question):
        wants = [want for want in wants if want not in ("number", "count")] + ["time"]
    unit = ASKED_UNIT.search(question)
    kind = next((k for k, units in DIMENSIONS.items() if unit and re.fullmatch(units, unit["unit"], re.I)), None)
    if kind and ({"number", "count"} & set(wants)):  # "how many years", "combien de kilos", "¿cuántas semanas?"
        return [kind if want in ("number", "count") else want for want in wants]
    if "number" in wants and ASKS_MONEY.search(question) and not SHARE.search(question):
        return ["money" if want == "number" else want for want in wants]
    if "number" in wants and COUNT.search(question):
        return ["count" if want == "number" else want for want in wants]
    return wants


def _amount(token: str, lang: str | None) -> str | None:
    """An amount as digits: "12" as it is, a number word by its value ("three" → "3"), another word None."""
    if token[0].isdigit():
        return token
    value = cardinal_word(token, lang)
    return None if value is None else str(value)


def other_year(text: str, given: set[str]) -> bool:
    """A sentence about another year than the one the question gives: "the budget for 2021" does not answer "the
    budget for 2023", though the passage around it speaks of 2023."""
    years = set(YEAR.findall(CITED_YEAR.sub("", text)))
    asked = {n for n in given if YEAR.fullmatch(n)}
    return bool(asked and years and not years & asked)


def given_numbers(text: str, lang: str | None, in_names: bool = False, cardinals: bool = True) -> set[str]:
    """The numbers a question gives (or a passage holds), in digits or in words ("9th", "twenty", "novena"), but
    not the Initiative's name ("4 per 1000"). The digits of a name ("COP26") are part of the name, not a number the
    question gives; a passage holds them all (`in_names`): "COP26" is the 26th conference a question speaks of.
    Without `cardinals`, of the number words only the ordinals ("the ninth meeting", not "two cash crops")."""
    text = INITIATIVE.sub(" ", text)
    words = (number_word(w, lang) for w in NUMBER_WORD.findall(text) if cardinals or cardinal_word(w, lang) is None)
    return set((ANY_DIGITS if in_names else DIGITS).findall(text)) | {str(n) for n in words if n is not None}


def defined_acronyms(texts: Any) -> dict[str, str]:
    """Acronyms the texts define themselves: {"STC": "Scientific and Technical Committee"}."""
    found: dict[str, str] = {}
    for text in texts:
        for long_form, short in ACRONYM.findall(text):
            letters = [c for c in short if c.isupper()]
            kept: list[str] = []
            for word in reversed(long_form.split()):  # back from the bracket until every initial is used
                kept.insert(0, word.strip('"”»'))
                if sum(w[0].isupper() for w in kept) == len(letters):
                    break
            if "".join(w[0] for w in kept if w[0].isupper()).upper() == "".join(letters):
                found.setdefault(short, " ".join(kept))
    return found


def spelled_acronyms(texts: list[str]) -> dict[str, str]:
    """Acronyms that the texts use and spell out without defining them: "BSAG" in a question, "Baltic Sea Action
    Group" in a report; "FAO" in a report, "the Food and Agriculture Organization of the United Nations" in a
    question. An acronym is matched to consecutive capitalised words whose initials it is."""
    short = {a for text in texts for a in CAPITALS.findall(text)}
    found: dict[str, str] = {}
    for text in texts:
        for run in CAPITALISED_RUN.finditer(text):
            words = list(re.finditer(r"[A-Z][\w'’-]*", run.group()))
            for i in range(len(words)):
                for j in range(i + 2, min(i + 7, len(words)) + 1):
                    initials = "".join(w.group()[0] for w in words[i:j])
                    if initials in short and initials not in found:
                        found[initials] = run.group()[words[i].start() : words[j - 1].end()]
    return found


def _with_acronyms(text: str, acronyms: dict[str, str]) -> str:
    """The text with the long form of each acronym it uses and the acronym of each long form it spells out."""
    extra = [long for short, long in acronyms.items() if re.search(rf"\b{re.escape(short)}\b", text)]
    extra += [short for short, long in acronyms.items() if long.lower() in text.lower()]
    return f"{text} {' '.join(extra)}" if extra else text


def _cited(doc: StoredDocument, text: str, key: str | None) -> tuple[str, str | None]:
    """A sentence with the short citation of the sheet's reference `key`, and that reference in full."""
    reference = {r["key"]: r for r in doc.metadata.get("references") or []}.get(key or "", {})
    short = short_reference(reference.get("citation", ""))
    return text.rstrip(". ") + (f" ({short})." if short else "."), _reference_line(reference)


def effect_facts(doc: StoredDocument, lang: str) -> list[tuple[str, str | None]]:
    """A practice sheet's soil-carbon figures as sentences in its language, each with the publication it cites."""
    out = []
    for effect in doc.metadata.get("soc_effect") or []:
        parts = []
        if rate := effect.get("rate_t_c_ha_yr"):
            parts.append(figure_text(rate, lang, RATE_UNIT[lang]))
        if change := effect.get("relative_change_pct"):
            parts.append(figure_text(change, lang, "%"))
        where = [DEPTH[lang].format(_number(effect["depth_cm"], lang))] if effect.get("depth_cm") else []
        where += [YEARS[lang].format(_number(effect["duration_years"], lang))] if effect.get("duration_years") else []
        where += [CASE_STUDY[lang]] if effect.get("case_study") else []
        text = f"{doc.title} — {SOIL_CARBON[lang]}: {', '.join(parts)}" + (f" ({', '.join(where)})" if where else "")
        context = (effect.get("context") or "").rstrip(". ")
        out.append(_cited(doc, text + (f". {context}" if context else ""), effect.get("reference")))
    return out


class SheetFact(NamedTuple):
    text: str
    reference: str | None  # the publication it cites, in full
    field: str  # the sheet field it states ("soc_effect")
    zone: str | None = None  # the climate zone or soil class of an `unsuited` entry


def sheet_facts(doc: StoredDocument, lang: str, aspects: frozenset[str] = frozenset()) -> list[SheetFact]:
    """A practice sheet's figures, limits and how-to quantities as sentences in its language, each with the
    publication it cites and the field it comes from; its drawbacks and barriers only for a question about its
    risks or costs (`aspects`), which they answer and other questions do not need."""
    meta = doc.metadata
    out = [SheetFact(text, reference, "soc_effect") for text, reference in effect_facts(doc, lang)]
    for name in ("inputs", "labour", "costs"):
        for item in meta.get(name) or []:
            amount = figure_text(item["amount"], lang, unit_text(item.get("unit", ""), lang))
            extra = [item["when"]] if item.get("when") else []
            if name == "costs":
                extra.append(f"{item.get('country', '')} {item.get('year', '')}".strip())
            text = f"{doc.title} — {HOW_TO[name][lang]}: {item['what']}: {amount}" + (
                f" ({', '.join(extra)})" if extra else ""
            )
            out.append(SheetFact(*_cited(doc, text, item.get("reference")), name))
    listed = ["safety"] + [name for name, asking in LISTED_FOR.items() if aspects & asking]
    for name in listed:
        for text in meta.get(name) or []:
            out.append(SheetFact(f"{doc.title} — {HOW_TO[name][lang]}: {text.rstrip('. ')}.", None, name))
    if "cost" in aspects and not meta.get("costs") and meta.get("cost_level") in COST_LEVELS[lang]:
        level = COST_LEVELS[lang][meta["cost_level"]]
        out.append(SheetFact(f"{doc.title} — {HOW_TO['cost_level'][lang]}: {level}.", None, "cost_level"))
    for entry in meta.get("unsuited") or []:
        kind = "climate_zone" if entry.get("climate_zone") else "soil_class"
        zone = entry.get(kind) or ""
        name = zones().names(zone).get(lang) or zone.replace("_", " ")
        lead = NOT_FOR[kind][lang].format(name.lower())
        out.append(SheetFact(f"{lead}: {entry.get('reason', '')}", None, "unsuited", zone))
    return out


def part_aspects(aspects: set[str], text: str) -> frozenset[str]:
    """What a sentence of a practice sheet speaks to: the aspects of its section or field (SECTION_ASPECTS,
    FIELD_ASPECTS), and costs wherever it names them ("Barriers: Cost and labour of building")."""
    return frozenset(aspects | ({"cost"} if ASKS_ABOUT["cost"].search(text) else set()))


def asked_about(question: str) -> frozenset[str]:
    """The sides of a practice the question asks about: "risk", "cost", "benefit", "where", "how" (ASKS_ABOUT); none for
    most. A question about carbon asks about results, however it is put ("how fast does soil carbon build up?",
    "¿cuánto aumenta el carbono al aplicar biocarbón?"), unless it sets carbon aside ("apart from carbon, what
    does mulching bring?": its other benefits). "How much does it cost to…?" asks about costs, not how to do it."""
    found = {aspect for aspect, pattern in ASKS_ABOUT.items() if pattern.search(question)}
    if EXCEPT_CARBON.search(question):
        return frozenset(found - {"how"} | {"benefit"})
    if CARBON.search(question):  # and its results, beside any other side it asks about
        found -= {"how"}
        found |= {"results"} if found else set()
    return frozenset(found - {"how"} if "cost" in found else found)


def sheet_section(heading: str | None) -> str | None:
    """The key of a practice sheet's body section ("how") from its heading in any language ("Comment faire")."""
    for headings in SECTION_HEADINGS.values():
        if heading in headings:
            return SECTION_KEYS[headings.index(heading)]
    return None


def _number(x: float, lang: str) -> str:
    text = f"{x:g}"
    return text.replace(".", ",") if lang in ("fr", "es") else text


def figure_text(figure: dict, lang: str, unit: str = "") -> str:
    """'0.32 ± 0.08 t C/ha/yr (standard error)', '0.24–0.40 t C/ha/yr', '0.3 t C/ha/yr (95% confidence interval
    0.1–0.5; results from -0.1 to 1)': a mean with its uncertainty, and a range of outcomes, never confused."""
    unit = f" {unit}" if unit else ""
    low, high, mean = figure.get("low"), figure.get("high"), figure.get("mean")
    if mean is None:
        return f"{_number(low, lang)}–{_number(high, lang)}{unit}"
    notes = []
    text = _number(mean, lang)
    if figure.get("se") or figure.get("sd"):
        kind = "se" if figure.get("se") else "sd"
        text += f" ± {_number(figure[kind], lang)}"
        notes.append(UNCERTAINTY[kind][lang])
    elif ci := figure.get("ci95"):
        notes.append(f"{UNCERTAINTY['ci95'][lang]} {_number(ci['low'], lang)}–{_number(ci['high'], lang)}")
    if low is not None and high is not None:
        notes.append(RANGE_OF[lang].format(_number(low, lang), _number(high, lang)))
    return text + unit + (f" ({'; '.join(notes)})" if notes else "")


def short_reference(citation: str) -> str:
    """'Poeplau, C., Don, A. (2015). …' → 'Poeplau & Don, 2015'; 'IPCC (2019). …' → 'IPCC, 2019'."""
    match = re.match(r"(.*?)\((\d{4})[a-z]?\)", citation)
    if not match:
        return ""
    authors, year = match.group(1), match.group(2)
    names = re.findall(r"([A-ZÀ-Ý][\w'’ -]*?),\s*(?:[A-ZÀ-Ý]\.[\s-]?)+", authors)
    if not names:
        return f"{authors.strip(' .,')}, {year}"
    if len(names) == 1:
        return f"{names[0].strip()}, {year}"
    if len(names) == 2:
        return f"{names[0].strip()} & {names[1].strip()}, {year}"
    return f"{names[0].strip()} et al., {year}"


def _reference_line(reference: dict) -> str | None:
    if not reference:
        return None
    locator = f"https://doi.org/{reference['doi']}" if reference.get("doi") else reference.get("url")
    return f"{reference.get('citation', '')} {locator or ''}".strip()


def resolve_follow_up(question: str, earlier: list[str], lang: str) -> str:
    """'and in 2021?' after a question about 2022 becomes that question with 2021 in place of 2022."""
    if not earlier:
        return question
    content = [t for t in analyze(question, lang) if not YEAR.fullmatch(t)]
    years = YEAR.findall(question)
    elliptic = FOLLOW_UP.match(question) is not None or len(content) <= 1
    if not elliptic:
        return question
    previous = earlier[-1]
    if years and YEAR.search(previous):  # the same question about another year
        extra = [w for w in re.findall(r"\w+", question) if not YEAR.fullmatch(w) and analyze(w, lang)]
        return " ".join([YEAR.sub(years[0], previous), *extra]).strip()
    rest = FOLLOW_UP.sub("", question).strip(" ?¿")
    return f"{previous.rstrip(' ?')} {rest}".strip()


def split_sentences(text: str) -> list[str]:
    """Sentences, list items, slide bullets and table rows of a chunk, without Markdown emphasis.

    Line breaks inside a paragraph are wraps; a full stop after an abbreviation ("Mr.", "i.e.", "et al.")
    or an initial ("J.") does not end a sentence. A table row (cells separated by tabs) is one candidate, read
    with its table's first row (the header). Short bits are kept only when they hold a number (a slide's figure)
    or follow a sentence that ends with a colon: they are its list ("focus on: East Africa, India").
    """
    out = []
    for block in _paragraphs(text.replace("**", "")):
        lines = [line for line in block.splitlines() if line.strip()]
        if sum("\t" in line for line in lines) >= 2:
            first = next(i for i, line in enumerate(lines) if "\t" in line)
            block = "\n".join(lines[:first])  # the text before the table
            header, *rows = (" | ".join(c.strip() for c in line.split("\t") if c.strip()) for line in lines[first:])
            out += [f"{header}: {row}" for row in rows if row]
        block = " ".join(URL.sub(" ", block).split()).strip(" -*•✓#")
        start = 0
        for stop in STOP.finditer(block):
            last = block[start : stop.start()].rsplit(" ", 1)[-1].lower().lstrip("([{\"'“‘«")  # "(Mrs."
            if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
            out.append(block[start : stop.end()].strip())
            start = stop.end()
        out.append(block[start:].strip())
    kept: list[str] = []
    listing = False  # the last kept sentence ends with a colon, and the short bits after it are its list
    for s in out:
        if listing and s and not _informative(s) and not s.endswith(":"):
            kept[-1] = f"{kept[-1]} {s}" if kept[-1].endswith(":") else f"{kept[-1]}; {s}"
        elif _informative(s) or s.endswith(":"):
            kept.append(s)
            listing = s.endswith(":")
        else:
            listing = False
    return [s for s in kept if _informative(s) or (len(s) >= 25 and not s.endswith(":"))]  # or one with a list


def _paragraphs(text: str) -> list[str]:
    """Paragraphs and list items. Slide text often puts each wrapped line of a bullet in a paragraph of its own: a
    block continues the one before it when that one did not end its sentence and the block starts in lower case,
    or in a letter after a single line of a few words ("• e.g. GIZ has taken / a leading role / within the / Task
    Force / A1 (NDCs)")."""
    out: list[str] = []
    previous = ""  # the block before, as it was
    for block in BLOCKS.split(text):
        last = previous.strip().lstrip("-*•✓ ")
        wrapped = "\n" not in last and len(last.split()) <= WRAPPED_WORDS and LETTER.match(block)
        if (
            out
            and last
            and not last.endswith((".", "!", "?", ":", ";"))
            and not BULLET.match(block)
            and (CONTINUES.match(block) or wrapped)
        ):
            out[-1] = f"{out[-1].rstrip()} {block.strip()}"
        else:
            out.append(block)
        previous = block
    return out


def _informative(s: str) -> bool:
    """A sentence or a list item ("Update of the francophone media database;"), or a shorter bit with a number;
    not a bare heading."""
    if len(s) >= 25 and (s[-1] in '.!?…)»";' or len(s.split()) >= 12):
        return True
    return len(s.split()) >= 3 and NUMBER.search(s) is not None


def web_url(value: object) -> str | None:
    """A document's link, when it is a web address (never `javascript:` or a local file)."""
    return value if isinstance(value, str) and value.lower().startswith(("http://", "https://")) else None


def source_name(source: str, path: str) -> str:
    """The original file name, or the WOCAT code or URL."""
    if source.startswith(("http://", "https://")) or not path or path.startswith("memory:"):
        return source
    return path.rsplit("/", 1)[-1]


def place_text(climates: list[str], soil: str | None, lang: str) -> str:
    """ "a warm temperate moist or cool temperate moist climate on sandy soils", in the asker's language."""
    z = zones()
    names = [z.names(c).get(lang, c).lower() for c in climates]
    listed = f"{', '.join(names[:-1])} {OR[lang]} {names[-1]}" if len(names) > 1 else "".join(names)
    climate = CLIMATE[lang].format(listed) if names else ""
    soils = z.names(soil).get(lang, soil).lower() if soil else ""
    return ON_SOIL[lang].format(climate, soils) if climate and soils else climate or soils


def _compose(citations: list[Citation], lang: str) -> str:
    names = LANGUAGE_NAMES[lang]
    parts = []
    for c in citations:
        note = "" if c.lang == lang or c.lang is None else f" ({WRITTEN_IN[lang].format(names.get(c.lang, c.lang))})"
        parts.append(f"{c.quote} [{c.n}]{note}")
    return " ".join(parts)
