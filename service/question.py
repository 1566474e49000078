"""What a question asks, read off its words in English, French or Spanish, and whether a text holds it.

- what its answer must hold (`wanted`): an amount (of a kind: time, mass, length, area; a count, a sum of money), a
  year or a day, a name (a person, a place, a title);
- which side of a practice it asks about (`asked_about`): its risks, costs, other benefits, where it works, how to
  do it;
- the numbers it gives (`given_numbers`), which a passage that answers must hold too ("the 2021 roadmap");
- a follow-up ("and in 2021?") read as the question before it (`resolve_follow_up`).
"""

from __future__ import annotations

import re

from index.analysis import CARDINAL_WORDS, analyze, cardinal_word, number_word, stopwords

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
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
# A month by its full name ("sept" is also seven, "mar" the sea)
MONTH = re.compile(
    r"\b(?:january|february|march|april|(?-i:May)|june|july|august|september|october|november|december|janvier|"
    r"f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre)\b",
    re.IGNORECASE,
)
# A part of a year: a month or a quarter ("in March", "the first quarter of 2021", "au premier trimestre")
PART_OF_YEAR = re.compile(rf"{MONTH.pattern}|\b(?:quarters?|trimestres?|semesters?|semestres?)\b", re.IGNORECASE)
# Where a question's sentences part: after ".", "!" or "?" and before a capital or "¿" ("Mrs. Luu" does not part)
QUESTION_BREAK = re.compile(r"(?<![A-Z][a-z]\.)(?<![A-Z][a-z]{2}\.)(?<=[.!?])\s+(?=[¿¡\"“«]?[^\W\d_])")
# "(Smith et al., 2022)", "Smith (2022)": a reference, not a topic ("(September 2020)" is a topic)
CITED_YEAR = re.compile(r"\([^()]*,\s*(?:19|20)\d{2}[a-z]?\)|(?<=[A-Za-z.]) \((?:19|20)\d{2}[a-z]?\)")
FOLLOW_UP = re.compile(r"^\s*(?:and|what about|how about|et|et pour|et en|y|y en|¿y|y para)\b", re.IGNORECASE)
# A question that wants an amount: its answer holds a number.
QUANTITY = re.compile(
    r"\b(?:how\s+(?:much|many|fast|quickly|big|large|long)|"
    r"how\s+(?:far|deep|high|tall|wide|steep|thick|heavy|dry|wet|moist)|"
    r"what\s+(?:(?:is|was|are|were)\s+the\s+)?(?:[\w'’()-]+\s+){0,5}(?:rate|amount|share|percentage|budget|sum|total|number|"
    r"cost|price|dose|proportion|distance|spacing|depth|height|length|width|slope|density|gain|increase|"
    r"reduction|decrease|loss)|what\s+(?:does|do|did|would|will)\s+(?:[\w'’-]+\s+){1,5}cost|"
    r"what\s+(?:[\w-]+\s+){1,10}worth|"
    r"combien|quel(?:le)?s?\s+(?:(?:est|était|sont|étaient)\s+(?:le|la|les)\s+(?:\w+\s+){0,2})?"
    r"(?:taux|quantit[ée]|montant|budget|somme|total|part|nombre|co[uû]t|prix|dose|proportion|pourcentage|"
    r"distance|[ée]cart|"
    r"[ée]cartement|espacement|profondeur|hauteur|longueur|largeur|pente|densit[ée]|gain|hausse|augmentation|vitesse|"
    r"humidit[ée]|r[ée]duction|baisse|diminution|perte)|jusqu['’]o[uù]|"
    r"cu[aá]nt[oa]s?|(?:qu[eé]|cu[aá]l(?:es)?\s+(?:es|era|fue|son)\s+(?:el|la|los|las))\s+(?:\w+\s+){0,2}"
    # "el número de socios" counts; "qué número de objetivo" asks for an identifier (a singular noun)
    r"(?:tasa|cantidad|presupuesto|porcentaje|monto|importe|total|n[uú]mero(?!\s+de\s+[^\W\d_]*[^\W\d_s]\b)|costo|coste|"
    r"precio|dosis|proporci[oó]n|distancia|espaciamiento|profundidad|altura|largo|longitud|ancho|anchura|pendiente|"
    r"densidad|ganancia|aumento|velocidad|humedad|financiaci[oó]n|financiamiento|reducci[oó]n|disminuci[oó]n|"
    r"p[ée]rdida|descenso|ca[ií]da)|"
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
    "length": r"kilom[eè]tres?|kilometers?|kil[oó]metros?|metres?|meters?|m[eè]tres?|metros?|centim[eè]tres?|"
    r"centimeters?|cent[ií]metros?|cm|mm|km|m|feet|"
    r"foot|ft|pieds?|pies|inch(?:es)?|pouces?|pulgadas?",
    "area": r"hectares?|hect[aá]reas?|ha|acres?|m²|km²|m2|km2|square\s+(?:metres?|meters?)|m[eè]tres?\s+carr[ée]s?|"
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
# What a question counts: the plural nouns just after "how many", "combien de", "cuántos" ("how many experts…?",
# "combien d'autres organisations…?", "¿cuántas cabezas de ganado…?"), not a unit or a number of times.
COUNTED = re.compile(r"\b(?:how\s+many|combien\s+d(?:e\s+|['’])|cu[aá]nt[oa]s)((?:\s*[^\W\d_'’]+){1,3})", re.IGNORECASE)
COLLECTIVE = {"people", "cattle", "head", "livestock", "gente", "ganado"}  # counted, though not plural in form
NOT_COUNTED = re.compile(rf"times|fois|veces|giga\w*|m(?:ega|illion)\w*|{UNITS}", re.IGNORECASE)
# A measured quantity or a time the question gives ("600 mm of rain", "twenty years ago"): a condition it states,
# not a number naming what it asks about.
MEASURED = re.compile(rf"(?:\d+(?:[.,]\d+)?\s*|\b[^\W\d_]+\s+){UNITS}", re.IGNORECASE)
# A measure in a candidate, or a range of them ("15–20 cm", "de 2 à 8 m"); a ratio ("1:1").
MEASURE = re.compile(rf"\d+(?:[.,]\d+)?(?:{_TO}\d+(?:[.,]\d+)?)?\s*{UNITS}|\d+:\d+", re.IGNORECASE)
# What an amount may be counted per, besides the measures (`DIMENSIONS`): a tree, a plant, an animal, a person.
PER_THING = {
    "tree": r"trees?|arbres?|[aá]rboles|[aá]rbol",
    "plant": r"plants?|plantes?|plantas?|stems?|pieds?|matas?|seedlings?|plantules?|pl[aá]ntulas?|plantones?",
    "animal": r"animals?|animaux|animales|animal|heads?|t[eê]tes?|cabezas?|cows?|vaches?|vacas?|sheep|brebis|ovejas?|"
    r"goats?|ch[eè]vres?|cabras?|cattle|bovins?|steers?|bullocks?|heifers?|calf|calves|oxen|ox|bouvillons?|"
    r"g[ée]nisses?|veaux|veau|b[œo]e?ufs?|novill[oa]s?|tern[oe]r[oa]s?|bueye?s?|livestock\s+units?|LU|UGB|UG",
    "person": r"persons?|people|personnes?|personas?|workers?|travailleurs?|trabajadores?|households?|m[eé]nages?|"
    r"hogares?|families|family|familles?|familias?",
}
# The units an amount may be given per, by kind: those of `DIMENSIONS` but time, and things (`PER_THING`)
PER_UNITS = {**{k: v for k, v in DIMENSIONS.items() if k != "time"}, **PER_THING}
_PER = r"(?:/\s*|\b(?:per|each|every|par|chaque|por|cada)\s+|\bpour\s+(?:un|une)\s+)"
# One thing counted alone: "a single cow", "one grown tree", "un seul arbre", "una sola vaca"
_ONE = r"\b(?:one|a\s+single|un\s+seul|une\s+seule|un\s+solo|una\s+sola)\s+"
# words before the thing, as English puts them ("each shade tree", "per mature cow"), not "one year the trees"
_MODIFIERS = rf"(?:(?!(?:the|an?|of|in|on|at|to|for|and|or|{DIMENSIONS['time']})\b)[^\W\d_]+\s+){{0,2}}"
# A unit as a divisor: "per kilometre", "par arbre", "por cabeza", "t C/ha/yr", "Mg C ha-1"; a thing counted per
# may have words before it ("each shade tree") or be counted alone ("one grown tree").
PER = {
    kind: re.compile(
        rf"{_PER}(?:(?:one|un|une|uno|una|single)\s+)?(?:{units})(?![\w-])(?!\s+(?:carr[ée]|cuadrad))|"
        rf"(?<![^\W\d_])(?:{units})\s*(?:-1|−1|⁻¹)(?!\d)"
        + (rf"|(?:{_PER}|{_ONE}){_MODIFIERS}(?:{units})(?![\w-])" if kind in PER_THING else ""),
        re.IGNORECASE,
    )
    for kind, units in PER_UNITS.items()
}
# A unit named with an article, as a price is ("what does a tonne cost?", "0,3 USD le mètre", "¿cuánto vale la
# hectárea?"); not "lever le pied" nor "a tree", which may be what a question is about.
ARTICLE_UNIT = re.compile(
    r"\b(?:(?:a|an|le|la|el)\s+|l['’]\s*)(?P<unit>tonnes?|tons?|toneladas?|kilos?|kilogram(?:me)?s?|kilogramos?|kg|"
    r"kilom[eè]tres?|kilometers?|kil[oó]metros?|km|m[eè]tres?|meters?|metros?|hectares?|hect[aá]reas?|ha|acres?)"
    r"(?![\w-])",
    re.IGNORECASE,
)
# Currencies: for each, its signs, its codes (matched in capitals: "MAD" is no "mad") and its words. "Pounds",
# "livres" and "peso" alone may be weights, and "sol" is soil in French, so only sterling ones, "pesos" and "soles"
# count.
_CURRENCIES = {
    "EUR": ("€", "EUR", "euros?"),
    "USD": (r"\bUS\s?\$|(?<![A-Za-z])\$", "USD", "dollars?|d[oó]lares"),
    "GBP": ("£", "GBP", r"pounds?\s+sterling|livres?\s+sterling|libras?\s+esterlinas?"),
    "XOF": ("", "F\\s?CFA|CFA|XOF|XAF", r"francs?\s+CFA|CFA\s+francs?|francos?\s+CFA"),
    "BRL": (r"\bR\$", "BRL", "reais|reales"),
    "rupee": ("₹", "INR|PKR|NPR|LKR", "rupees?|roupies?|rupias?"),
    "IDR": ("", "IDR", "rupiahs?"),
    "shilling": ("", "KES|KSh|UGX|TZS", "shillings?|chelines"),
    "peso": ("", "MXN|ARS|CLP", "pesos"),
    "kwacha": ("", "MWK|ZMW", "kwachas?"),
    "CNY": ("¥", "CNY|RMB", "yuan|renminbi"),
    "other": ("", "ZAR|NGN|GHS|ETB|MAD|PEN|BDT", "rands?|nairas?|cedis?|birrs?|dirhams?|soles|takas?"),
}
# a sum's currency, by a code or a word ("20 000 FCFA", "27 millions de dollars", "50 francs")
CURRENCY = (
    "(?:"
    + "|".join(f"(?-i:{codes})|{words}" for _, codes, words in _CURRENCIES.values())
    + "|pounds?|livres?|libras?|francs?)"
)
MONEY = re.compile(
    rf"(?:[€$£]|\b{CURRENCY}\b|\b(?:US|R)\$)\s*\d[\d.,\s]*\d|[€$£]\s*\d|"
    rf"\d[\d.,\s]*(?:[kM]?€|£|\s*(?:US|R)?\$|\s*(?:k|M|millions?|millones|mille|billions?|milliards?|mil\s+millones)?"
    rf"\s*(?:d['’]|de\s+)?{CURRENCY}\b)",
    re.IGNORECASE,
)
# The currencies a text names ("in US dollars", "en euros", "€23–24", "955 GBP/ha"): a question that names one is not
# answered by a sum in another (the price of lime "in pesos" by the Irish €23–24 a tonne).
CURRENCIES = {
    code: re.compile("|".join(filter(None, (signs, codes and rf"\b(?:{codes})\b", rf"\b(?i:{words})\b"))))
    for code, (signs, codes, words) in _CURRENCIES.items()
}

# The currency a sum is asked in: "in US dollars", "en euros", "how many pesos"
IN_CURRENCY = re.compile(
    rf"\b(?:in|en|how\s+many|combien\s+d(?:e\s+|['’])|cu[aá]nt[oa]s)\s*(?:[^\W\d_]+\s+)?{CURRENCY}\b", re.IGNORECASE
)


def currencies(text: str) -> set[str]:
    """The currencies a text names (`CURRENCIES`)."""
    return {code for code, pattern in CURRENCIES.items() if pattern.search(text)}


# A question about a sum of money ("how much is the registration fee?", "quel est le montant du budget ?",
# "¿cuánto cuesta?") is not answered by a number that is no sum; a share of a budget is a number, not a sum.
ASKS_MONEY = re.compile(
    r"(?<!in\s)\bcharge[sd]?\b(?!\s+of)|\bfactur\w*|\bcobr(?:a|an|ar|aba|aban|ó|aron)\b|"
    r"\b(?:costs?|costing|price|fees?|budget|spen[dt]|spending|paid|pay|money|funding|co[uû]te?s?|co[uû]t[ée]|co[uû]tait|prix|frais|"
    r"montant|d[ée]pens\w*|argent|financement|cuesta|cuestan|cost[oó]|costos?|costes?|precios?|tarifas?|cuotas?|"
    r"presupuesto|gast\w*|dinero|financiaci[oó]n|financiamiento|importe|monto|worth(?!\s+it)|valued|valoris\w*|valoriz\w*|valor(?:aron|ó|ad[oa]s?))\b",
    re.IGNORECASE,
)
# The price of one thing ("what does one flame-curtain kiln cost?", "combien coûte un four ?", "¿cuánto cuesta un
# solo tubo?"): a practice's cost rating is no price of a tool or of a unit.
ITEM_PRICE = re.compile(
    r"\b(?:how\s+much\s+(?:does|do|did|would|will|is|are)|what\s+(?:does|do|did|would|will))\s+(?:an?|one|a\s+single)\s+"
    r"(?:[\w()'’-]+\s+){0,4}?(?:cost|go\s+for)|\bprice\s+of\s+(?:an?|one|a\s+single)\s|"
    r"\bco[uû]te(?:nt|rait)?\s+(?:un|une)(?:\s+seule?)?\s|\bprix\s+d['’]\s*(?:un|une)\s|"
    r"\b(?:cuesta|cuestan|costar[ií]a|vale|valen)\s+(?:un|una)(?:\s+sol[oa])?\s|\bprecio\s+de\s+(?:un|una)\s",
    re.IGNORECASE,
)
# A question asking how often ("how often do we prune?", "à quelle fréquence", "¿cada cuánto?"): its answer is an
# interval ("every 45 to 60 days", "tous les deux à trois ans").
FREQUENCY = re.compile(
    r"\bhow\s+(?:often|frequently)\b|\bquelle\s+fr[ée]quence\b|\bcada\s+cu[aá]nto\b(?!s)|\bqu[eé]\s+frecuencia\b",
    re.IGNORECASE,
)
# A question asking for a duration ("what duration", "quelle durée", "¿qué duración?"): a time answers it.
DURATION = re.compile(r"\bwhat\s+duration\b|\bquelle\s+dur[ée]e\b|\bqu[eé]\s+duraci[oó]n\b", re.I)
# A question asking how far, deep, high or wide ("how far apart?", "à quelle distance ?", "quelle profondeur ?",
# "¿a qué distancia?", "¿qué altura?"): a length answers it ("8–12 ft", "15 cm"), not a share or a time. How long
# a thing may be is left out: "how long" asks for a time as often.
ASKS_LENGTH = re.compile(
    r"\bhow\s+(?:far|deep|high|tall|wide)\b|\b[àa]\s+quelle\s+(?:distance|profondeur|hauteur)\b|jusqu['’]o[uù]|"
    r"\bquel(?:le)?s?\s+(?:distance|profondeur|hauteur|largeur|espacement|[ée]cartement|diam[èe]tre)\b|"
    r"\bhasta\s+d[oó]nde\b|\bqu[eé]\s+(?:distancia|profundidad|altura|ancho|anchura|espaciamiento|di[aá]metro)\b",
    re.IGNORECASE,
)
# A question asking for a dose or a seeding rate ("what seeding rate", "à quelle dose", "¿qué dosis?"): an amount of
# mass answers it (kg/ha, t/ha, lb/acre), not a sowing depth or a cutting height in inches.
DOSE = re.compile(r"\b(?:doses?|dosis|(?:seeding|sowing|application)\s+rates?|taux\s+de\s+semis)\b", re.IGNORECASE)
# "how much does a bale weigh?", "combien pèse une botte ?", "¿cuánto peso gana?" ask for a mass, as a dose does
WEIGHT = re.compile(r"\b(?:weigh(?:s|t)?|p[eè]s(?:e|ent)|poids|pesan?|peso)\b", re.IGNORECASE)
SHARE = re.compile(r"\b(?:share|percent\w*|proportion|part|pourcentage|porcentaje|proporci[oó]n|parte)\b", re.I)
# What else a question wants its answer to hold: a year ("since when"), or a name ("who", "which city").
WANTS_YEAR = re.compile(
    r"\b(?:(?:which|what)\s+(?:\w+\s+)?(?:years?|dates?)|month\s+and\s+year|by\s+when|since\s+when|until\s+when)\b|"
    r"\bquelles?\s+(?:ann[ée]es?|dates?|[ée]ch[ée]ances?)\b|mois\s+et\s+(?:l.)?ann[ée]e|\bqu[eé]\s+fechas?\b|"
    r"mes\s+y\s+(?:el\s+)?a[ñn]o|"
    # a deadline is a date ("¿cuál es el plazo?", not "a largo plazo", in the long term)
    r"\bdeadline|\bdate\s+limite|\bfecha\s+l[ií]mite|\b(?:cu[aá]l\s+es\s+el|qu[eé])\s+plazo\b|"
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
# A question for a month ("in which month", "month and year", "quel mois", "¿en qué mes?", "el mes y el año"): a month
# answers it ("in June 2020", "27-29 octobre"); a year alone does not.
WANTS_MONTH = re.compile(
    r"\b(?:which|what)\s+month\b|\bmonth\s+and\s+year|\bquel\s+mois\b|\bmois\s+et\s+(?:l.)?ann[ée]e|"
    r"\bqu[eé]\s+mes\b|\bmes\s+y\s+(?:el\s+)?a[ñn]o",
    re.IGNORECASE,
)
# "Which month is best to sow?", "quel mois semer ?", "¿en qué mes conviene…?" ask for a season, which answers often
# give without a month ("in autumn, after harvest"), not for when something happened
SEASON = re.compile(
    r"\b(?:best|should|ideal|faut-il|dois-je|devons-nous|id[ée]al|meilleur|conviene|debo|debemos|mejor)\b|"
    r"\bquel\s+mois\s+\w+(?:er|ir|re)\b",
    re.IGNORECASE,
)
# A question for a person's position ("what is his position?", "who is Paul Luu?", "quelle fonction occupe-t-il ?",
# "¿qué cargo ocupa?"): a sentence naming a role answers it, with the person. A body's or a group's role ("what role
# does the Initiative play?") is no position.
_PERSON_NAME = r"(?-i:[A-ZÀ-Ý][\w’'-]+(?:\s+[A-ZÀ-Ý][\w’'-]+)+)"  # "Paul Luu", "Stéphane Le Foll"
WANTS_ROLE = re.compile(
    r"\b(?:his|her|their)\s+(?:(?:current|official|exact)\s+)?(?:position|post|job|title|role|function)s?\b|"
    r"['’]s\s+(?:(?:current|official|exact)\s+)?(?:position|post|job|job\s+title|function)\b|"
    rf"\b(?:what|which)\s+(?:position|post|job(?:\s+title)?)\b|\bwho\s+(?:is|was)\s+{_PERSON_NAME}\s*\?|"
    r"\b(?:sa|leur)\s+fonction\b|\b(?:son|leur)\s+(?:poste|titre|r[ôo]le|m[ée]tier)\b|"
    r"\bquel(?:le)?\s+(?:fonction|poste|titre|m[ée]tier)\s+(?:[\w’'-]+\s+){0,4}?(?:occupe|occupait|exerce|exer[çc]ait|"
    rf"porte|portait|a|avait)\b|\bqui\s+est\s+{_PERSON_NAME}\s*\?|"
    r"\bsu\s+(?:cargo|puesto|profesi[oó]n|oficio)\b|\bqu[eé]\s+(?:cargo|puesto|profesi[oó]n|oficio)\b|"
    rf"\ba\s+qu[eé]\s+se\s+dedica\b|\bqui[eé]n\s+es\s+{_PERSON_NAME}\s*\?|"
    # a person's role, named: "Béatrice Breton-Askar's role", "what role does Paul Luu play?", "le rôle de Paul Luu"
    rf"(?<!the\s)(?<!The\s){_PERSON_NAME}['’]s\s+(?:(?:current|official|exact)\s+)?role\b|"
    rf"\brole\s+(?:does|did)\s+{_PERSON_NAME}\s+(?:have|hold|play)|"
    rf"\b(?:role\s+of|r[ôo]le\s+de|papel\s+de|rol\s+de)\s+{_PERSON_NAME}",
    re.IGNORECASE,
)
# A question asking under which heading something comes ("which of the six Core Facilities covers…?", "sous quel
# grand chapitre…?", "¿en qué apartado…?", "sous quelle rubrique…?"): a heading read with what comes under it
# answers it. Not "which part" ("¿qué parte del pasto?" asks for a share), nor "which sections" or "quelles
# rubriques" (a newsletter's are its contents). "Core Facility" is what the Initiative's roadmaps call their chapters.
_NOT_ARTICLE = r"(?:(?!(?:the|an?|les?|la|des|los|las|el|del)\s)\w+\s+){0,2}?"  # "quel site les diapositives"
_QUOTE = r"[«“\"]?\s*"  # "de laquelle des six « Core Facilities »"
WANTS_HEADING = re.compile(
    rf"\b(?:which|what)\s+(?:of\s+the\s+(?:\w+\s+)?)?{_NOT_ARTICLE}{_QUOTE}(?:chapters?|headings?|section|pillars?|"
    r"strands?|categor(?:y|ies)|core\s+facilit(?:y|ies)|slides?)\b|"
    rf"\b(?:quel(?:le)?s?|laquelle|lequel)\s+(?:des\s+(?:\w+\s+)?)?{_NOT_ARTICLE}{_QUOTE}(?:chapitres?|volets?|"
    r"rubrique|section|piliers?|cat[ée]gories?|core\s+facilit(?:y|ies)|diapositives?)\b|"
    rf"\b(?:qu[eé]|cu[aá]l(?:es)?)\s+(?:de\s+(?:los|las)\s+(?:\w+\s+)?)?{_NOT_ARTICLE}{_QUOTE}(?:cap[ií]tulos?|"
    r"apartados?|secci[oó]n|ep[ií]grafe|r[uú]brica|pilares?|categor[ií]as?|core\s+facilit(?:y|ies)|"
    r"diapositivas?)\b",
    re.IGNORECASE,
)
# A person's role ("Executive secretary", "Chair of the STC", "présidente", "ministro") or trade, in the Initiative's
# languages; in the singular: "the good work done by farmers" gives no one's position
ROLE = re.compile(
    r"\b(?:(?:vice[- ]?)?(?:secretary|president|chair(?:man|woman|person)?|co-chair|director|head\s+of|coordinator|"
    r"minister|officer|manager|advis[eo]r|ambassador|founder|representative|spokes(?:person|man|woman)|delegate|"
    r"rapporteur|treasurer|professor|researcher|member\s+of|executive\s+secretariat|secr[ée]tariat\s+ex[ée]cutif|"
    r"secretar[ií]a\s+ejecutiva|secr[ée]taire|pr[ée]sidente?|directeur|directrice|"
    r"coordinat(?:eur|rice)|ministre|chef|responsable|conseill(?:er|[èe]re)|ambassadeur|fondat(?:eur|rice)|"
    r"repr[ée]sentante?|porte-parole|d[ée]l[ée]gu[ée]e?|tr[ée]sori(?:er|[èe]re)|membre\s+d[ue]|secretari[oa]|"
    r"presidenta|directora?|coordinadora?|ministr[oa]|jef[ea]|asesora?|embajadora?|fundadora?|representante|portavoz|"
    r"delegad[oa]|tesorer[oa]|miembro\s+del?|"
    # and a trade ("farmer from Uganda", "visual designer")
    r"farmer|designer|journalist|consultant|engineer|economist|scientist|agronomist|expert|lecturer|teacher|student|"
    r"agricult(?:eur|rice)|[ée]leveu(?:r|se)|chercheu(?:r|se)|ing[ée]nieure?|journaliste|[ée]conomiste|agronome|"
    r"enseignante?|[ée]tudiante?|agricultora?|ganader[oa]|investigadora?|ingenier[oa]|consultora?|periodista|"
    r"expert[oa]|agr[oó]nom[oa]|dise[ñn]adora?|profesora?|estudiante))\b",
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
        r"inconvenientes?|peligros?|peligros[oa]s?|efectos?\s+secundarios?|problemas?|"
        # what can make animals or people ill
        r"(?:make|makes|making|made|get|gets|getting|fall|falls)\s+(?:\w+\s+){0,3}?(?:ill|sick)|poison\w*|toxic\w*|"
        r"sicken\w*|rendre\s+(?:\w+\s+){0,2}?malades?|toxiques?|toxicit[ée]s?|empoisonn\w*|intoxi\w*|nocifs?|nocives?|"
        r"enfermar\w*|enfermen?|t[oó]xic[oa]s?|toxicidad|venenos[oa]s?|envenen\w*|intoxic\w*|nociv[oa]s?)\b",
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
        r"\b(?:how|when)\b(?:\W+\w+){0,6}?\W+(?:apply|applying|spread|dig|sow|plant|build|make|install|prune|"
        r"leave|left|grow|mix|put|establish|space)\b|\bhow\s+(?:to|wide|deep|high|often|far\s+(?:apart|away))\b|"
        r"\b(?:how(?!\s+(?:much|many)\b)|when)\b(?:\W+\w+){0,6}?\W+cut\b|"  # "how much does it cut methane?": an effect
        r"\bwhat\s+(?:\w+\s+)?(?:size|dose|rate|spacing|depth|width|distance)\b|"
        r"\b(?:comment|quand|combien|quel(?:le)?s?\s+(?:quantit[ée]|dose|rythme))\b(?:\W+\w+){0,6}?\W+(?:apport|[ée]pand|"
        r"creus|s[eè]m(?!aine|bl)|plant|constru|install|coup|taill|laiss|m[ée]lang|mett|implant|pos(?:[eé]|ons)|"
        r"r[ée]gl|mont(?:[eé]|ons)|rec[ée]p)\w*|"  # not "semaine", "possible", "régional", "montant" (an amount)
        r"\bcomment\s+faire\b|"
        r"\bquel(?:le)?s?\s+(?:largeur|profondeur|hauteur|diam[eè]tre|taille|dose|distance|espacement|[ée]cart)\b|"
        r"\b(?:c[oó]mo|cu[aá]nd[oa]|cu[aá]nt[oa]s?)\b(?:\W+\w+){0,6}?\W+(?:aplic|esparc|cav|sembr|plant|constru|"
        r"instal|cort|pod(?![eér])|dej|mezcl|pon|establec|hac)\w*|"  # podar (prune), not poder ("podemos": we can)
        r"\bqu[eé]\s+(?:ancho|anchura|profundidad|altura|di[aá]metro|dosis|tama[ñn]o|distancia|espaciamiento|"
        r"separaci[oó]n)\b",
        re.IGNORECASE,
    ),
}
# carbon by name, or by a mass of it ("4.85 Tg C", "0,3 t C/ha/an", "60 kg C/ha")
CARBON = re.compile(r"\b(?:carbon|carbone|carbono|SOC|COS)\b|\d\s*(?:[kMGT]g|t)\s*C\b", re.IGNORECASE)
# "apart from storing carbon", "en dehors du carbone", "aparte del carbono": what else the practice brings
EXCEPT_CARBON = re.compile(
    r"\b(?:apart\s+from|aside\s+from|besides|other\s+than|beyond|except|à\s+part|en\s+dehors\s+d[eu]|outre|hormis|"
    r"sauf|adem[aá]s\s+del?|aparte\s+del?|fuera\s+del?|excepto|m[aá]s\s+all[aá]\s+del?)(?:\W+\w+){0,4}?\W+"
    r"(?:carbon|carbone|carbono)\b",
    re.IGNORECASE,
)
# "by how much?", "how much more grain?", "de combien…?", "¿cuánto menos metano?": an effect, measured against
# doing without the practice; what a sheet's results give, not its rates and spacings
EFFECT = re.compile(
    r"\bby\s+how\s+much\b|\bhow\s+(?:much|many)\s+(?:\w+\s+)?(?:more|less|fewer|extra|higher|lower)\b|"
    r"\bde\s+combien\b(?!\s+d(?:e\b|'|’))|\bcombien\s+(?:de\s+|d['’])?(?:\w+\s+)?(?:en\s+)?(?:plus|moins)\b|"
    r"\ben\s+cu[aá]nto\b|\bcu[aá]nt[oa]s?\s+(?:\w+\s+)?(?:m[aá]s|menos)\b",
    re.IGNORECASE,
)
NAME = re.compile(r"(?<![.!?:]\s)(?<![(\[«“\"])(?<!^)\b[A-ZÀ-Ý][\w’'-]+")  # not at a sentence's or bracket's start


def asking(question: str) -> str:
    """The sentences of a question that ask (end with "?"): "Soussana proposed finding out how many farmers… Which
    objective deals with this?" asks for an objective, not a number; the whole text when none ends with "?"."""
    parts = QUESTION_BREAK.split(question.strip())
    return " ".join(part for part in parts if part.rstrip().endswith("?")) or question


def wanted(question: str) -> list[str]:
    """What the question asks its answer to hold: "number" (a "count" when it counts things, "money" when it asks
    for a sum), "year" ("date" for a day, "month" for a month), "name" ("person" when it asks for one), "role" (a
    person's position), "heading" (the chapter a listed item comes under), "title" (a theme or title, which
    documents quote); read in its sentences that ask ("When…? I need the month and year." asks for a month)."""
    whole, question = question, asking(question)
    wants = [want for want, pattern in (("number", QUANTITY), ("year", WANTS_YEAR), ("name", WANTS_NAME),
                                        ("person", WANTS_PERSON), ("title", WANTS_TITLE))
             if pattern.search(question)]  # fmt: skip
    month = WANTS_MONTH.search(question) or ("year" in wants and WANTS_MONTH.search(whole))
    if month and not SEASON.search(question):
        wants = [want for want in wants if want not in ("year", "date")] + ["month"]  # "à quelle date (mois et année)"
    elif WANTS_DATE.search(question):
        wants = [want for want in wants if want != "year"] + ["date"]
    if "person" in wants:
        wants = [want for want in wants if want != "name"]
    if WANTS_ROLE.search(question):  # "who is Paul Luu?" asks for his role, not another name
        wants = [want for want in wants if want not in ("name", "person", "title")] + ["role"]
    if WANTS_HEADING.search(question):  # "which of the six Core Facilities…?" asks for a heading, not a name
        wants = [want for want in wants if want not in ("name", "place", "title")] + ["heading"]
    if "name" in wants and WANTS_PLACE.search(question):
        wants = ["place" if want == "name" else want for want in wants]
    if (DOSE.search(question) or WEIGHT.search(question)) and {"number", "count"} & set(wants):
        wants = [want for want in wants if want not in ("number", "count")] + ["mass"]
    if ASKS_LENGTH.search(question) and {"number", "count"} & set(wants):
        wants = [want for want in wants if want not in ("number", "count")] + ["length"]
    if FREQUENCY.search(question) or DURATION.search(question):
        wants = [want for want in wants if want not in ("number", "count")] + ["time"]
    unit = ASKED_UNIT.search(question)
    kind = next((k for k, units in DIMENSIONS.items() if unit and re.fullmatch(units, unit["unit"], re.I)), None)
    if kind and ({"number", "count"} & set(wants)):  # "how many years", "combien de kilos", "¿cuántas semanas?"
        return [kind if want in ("number", "count") else want for want in wants]
    if IN_CURRENCY.search(question) and ASKS_MONEY.search(question):  # "what will I pay, in US dollars?"
        return [want for want in wants if want not in ("number", "count")] + ["money"]
    if (
        "number" in wants
        and (ASKS_MONEY.search(question) or IN_CURRENCY.search(question))
        and not SHARE.search(question)
    ):
        return ["money" if want == "number" else want for want in wants]
    if "number" in wants and COUNT.search(question):
        return ["count" if want == "number" else want for want in wants]
    return wants


def per_unit(text: str) -> set[str]:
    """The kinds of unit (`PER_UNITS`) a text gives an amount per: {"length"} for "per kilometre of hedge" or
    "0,3 USD le mètre", {"area"} for "t C/ha/yr", {"tree"} for "par arbre"."""
    kinds = {kind for kind, pattern in PER.items() if pattern.search(text)}
    for m in ARTICLE_UNIT.finditer(text):
        kinds |= {k for k, units in DIMENSIONS.items() if re.fullmatch(units, m["unit"], re.IGNORECASE)}
    return kinds


def per_asked(question: str) -> str | None:
    """The kind of unit an amount or a count is asked per ("length" for "how much carbon per kilometre of hedge?" and
    "how many seeds per metre of row?", "tree" for "combien de bois par arbre ?"), in the question's sentences
    that ask, but area: a figure per hectare is how
    the sheets give most amounts, and one per acre or per square metre answers too; None where it asks no amount."""
    if not {"number", "count", "money", *MEASURES} & set(wanted(question)):
        return None
    return next(iter(sorted(per_unit(asking(question)) - {"area"})), None)


def counted(question: str) -> list[str]:
    """The words that name what a question counts: "How many experts took part?" → ["experts"]; none where it counts
    in a unit ("how many tonnes"), counts times, or names nothing ("how many also joined?")."""
    match = COUNTED.search(asking(question))
    if not match:
        return []
    words = [w for w in match.group(1).lower().split() if (len(w) > 3 and w[-1] in "sx") or w in COLLECTIVE]
    return [] if not words or NOT_COUNTED.fullmatch(words[0]) else words


# What an amount is asked of: "how much firewood…?", "how many kilos of sunn hemp seed…?", "what seeding rate of
# hairy vetch…?", "combien de fumier…?", "quelle quantité de paille…?", "¿cuánta leña…?", "¿qué dosis de siembra de
# veza…?". The words after it, up to a stop word, name it.
_BULK = (
    r"kilos?|kilogram(?:me)?s?|kilogramos?|kg|tonnes?|tons?|toneladas?|lbs?|pounds?|livres?|libras?|litres?|"
    r"liters?|litros?|bags?|sacs?|sacos?"
)
MEASURED_THING = re.compile(
    r"\bhow\s+much\s+(?:more\s+|extra\s+|less\s+)?|"
    rf"\bhow\s+many\s+(?:{_BULK})\s+of\s+|"
    r"\b(?:seeding|sowing|application)\s+rates?\s+(?:of|for)\s+|"
    rf"\bcombien\s+(?:de\s+plus\s+)?(?:de\s+|d['’])(?:(?:{_BULK})\s+(?:de\s+|d['’]))?|"
    r"\bquelle\s+(?:quantit[ée]|dose)\s+(?:de\s+|d['’])(?:(?:semis|semences?|graines?)\s+(?:de\s+|d['’]))?|"
    rf"\bcu[aá]nt[oa]s?\s+(?:m[aá]s\s+)?(?:(?:{_BULK})\s+de\s+)?|"
    r"\bqu[eé]\s+(?:cantidad|dosis)\s+de\s+(?:(?:siembra|semillas?)\s+de\s+)?",
    re.IGNORECASE,
)
# Words after "how much" that name no thing: a comparison ("how much bigger"), money, time or room (asked for
# otherwise), an article, "combien d'entre eux"; nor does a unit ("combien de tonnes par hectare ?")
UNIT_WORD = re.compile(rf"{'|'.join(DIMENSIONS.values())}|{_BULK}|square|carr[ée]s?|cuadrados?", re.IGNORECASE)
NOT_A_THING = frozenset({
    "bigger", "smaller", "higher", "lower", "cheaper", "dearer", "faster", "slower", "longer", "shorter", "better",
    "worse", "greater", "larger", "deeper", "wider", "heavier", "lighter", "earlier", "later", "money", "time", "plus",
    "moins", "argent", "temps", "más", "menos", "dinero", "tiempo", "extra", "additional", "supplémentaire",
    "supplémentaires", "adicional", "adicionales", "the", "la", "le", "les", "el", "los", "las", "entre",
    # a dimension, not a thing: "how much space should I leave…?" is answered by "100 ft", which names no space
    "space", "room", "distance", "area", "land", "espace", "place", "surface", "superficie", "terrain", "espacio",
    "distancia", "terreno", "lugar", "sitio",
})  # fmt: skip
# Seed, in a question that asks a seeding rate: a nitrogen rate does not answer it. `SOWN` finds it in a question,
# `SEED` in a passage ("semée", "siembra", "seeds"; not "semaine")
SOWN = re.compile(r"\b(?:seeds?|seeding|sow|sowing|semis|semer|semences?|graines?|semillas?|siembra|sembrar)\b", re.I)
SEED = re.compile(
    r"\b(?:seed\w*|sow\w*|sown|semis|sem[ée]e?s?|semer|semence\w*|semoirs?|graines?|semill\w*|siembr\w*|sembr\w*)\b",
    re.IGNORECASE,
)
AUXILIARY = re.compile(r"do|does|did|is|are|was|were|can|could|will|would|should|shall|has|have|had|must|might|may")
NOUN_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
SPANISH_NOUN = re.compile(r"[^\Wó\d_]o$|l$")  # "carbono", "grano", "estiércol"; not "cuesta", "correspondió", "voy"


def measured(question: str, lang: str) -> tuple[str | None, bool]:
    """What an amount is asked of: the first word after "how much", "combien de", "cuánta" and the like ("How much
    firewood does a household get?" → "firewood", "¿Qué dosis de siembra de veza vellosa…?" → "veza"), or None
    where the amount is of nothing named ("how much does it cost?", "how much bigger?", "combien de tonnes par
    hectare ?"); and whether it asks for seed ("What seeding rate…?", "How many kilos of sunn hemp seed…?")."""
    asked = asking(question)
    thing: list[str] = []
    if match := MEASURED_THING.search(asked):
        stop = stopwords(lang) | NOT_A_THING
        adverb = match[0].lower().startswith(("cuánto ", "cuanto "))  # "¿cuánto cuesta?", "¿cuánto voy a…?"
        after = [w.lower() for w in NOUN_WORD.findall(asked[match.end() :])]
        for word in after[:3]:
            if word in stop or UNIT_WORD.fullmatch(word) or (adverb and not SPANISH_NOUN.search(word)):
                break
            thing.append(word)
        # "how much firewood does…?", "how much lime can…?": in English the thing comes before an auxiliary; "how
        # much went on overheads?", "how much urea goes in?" have none, and their word may be a verb
        if match[0].lower().startswith("how much") and not AUXILIARY.fullmatch(next(iter(after[len(thing) :]), "do")):
            thing = []
    # "kilos of sunn hemp seed", "quelle dose de semis", "qué cantidad de semilla de alfalfa"
    seed = any(SOWN.fullmatch(w) for w in thing) or bool(DOSE.search(asked) and SOWN.search(asked))
    seed = seed or bool(match and SOWN.search(match[0]))
    return (thing[0] if thing and not SOWN.fullmatch(thing[0]) else None), seed


def _amount(token: str, lang: str | None) -> str | None:
    """An amount as digits: "12" as it is, a number word by its value ("three" → "3"), another word None."""
    if token[0].isdigit():
        return token
    value = cardinal_word(token, lang)
    return None if value is None else str(value)


# the wants `holds_amount` checks
AMOUNT_WANTS = frozenset({*MEASURES, "number", "count", "money", "date", "month", "year"})


def holds_amount(text: str, lang: str | None, want: str, given: set[str]) -> bool:
    """Whether a text holds the amount, sum, day or year a question wants (`AMOUNT_WANTS`), other than the numbers
    the question gives (`given`). An amount stands alone and is neither a year, a day of a month, a citation's year,
    a document part's number nor the Initiative's name ("how many partners did the 4 per 1000 Initiative have?" is
    not answered by 4 or 1000); an amount of a kind (`MEASURES`) is in a unit of that kind."""
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
    if want == "month":
        plain = CITED_YEAR.sub("", text)
        return MONTH.search(plain) is not None or DAY_OF_MONTH.search(plain) is not None
    if want == "year":  # "In 2021, …" does not say when something planned in the 2021 roadmap takes place
        plain = CITED_YEAR.sub("", text)
        return bool(set(YEAR.findall(plain)) - given) or PART_OF_YEAR.search(plain) is not None
    raise ValueError(f"not an amount: {want!r}")


def other_year(text: str, given: set[str], document: str = "") -> bool:
    """A sentence about another year than the one the question gives: "the budget for 2021" does not answer "the
    budget for 2023", though the passage around it speaks of 2023. A year that the sentence's document names in its
    title or opening (`document`) tells which document is asked about ("the 2021 roadmap"), not what the sentence
    must be about: the roadmap's "inspired by the GSOC 2017 work" answers what its standard sheet is inspired by."""
    years = set(YEAR.findall(CITED_YEAR.sub("", text)))
    asked = {n for n in given if YEAR.fullmatch(n)} - set(YEAR.findall(document))
    return bool(asked and years and not years & asked)


def given_numbers(text: str, lang: str | None, in_names: bool = False, cardinals: bool = True) -> set[str]:
    """The numbers a question gives (or a passage holds), in digits or in words ("9th", "twenty", "novena"), but
    not the Initiative's name ("4 per 1000"). The digits of a name ("COP26") are part of the name, not a number the
    question gives; a passage holds them all (`in_names`): "COP26" is the 26th conference a question speaks of.
    Without `cardinals`, of the number words only the ordinals ("the ninth meeting", not "two cash crops")."""
    text = INITIATIVE.sub(" ", text)
    words = (number_word(w, lang) for w in NUMBER_WORD.findall(text) if cardinals or cardinal_word(w, lang) is None)
    return set((ANY_DIGITS if in_names else DIGITS).findall(text)) | {str(n) for n in words if n is not None}


def asked_about(question: str) -> frozenset[str]:
    """The sides of a practice the question asks about: "risk", "cost", "benefit", "where", "how" (ASKS_ABOUT); none for
    most. A question about carbon asks about results, however it is put ("how fast does soil carbon build up?",
    "¿cuánto aumenta el carbono al aplicar biocarbón?"), unless it sets carbon aside ("apart from carbon, what
    does mulching bring?": its other benefits). So does an effect asked against doing without ("by how much?", "how
    much more grain?", "¿cuánto menos metano?": `EFFECT`). "How much does it cost to…?" asks about costs, not how
    to do it."""
    found = {aspect for aspect, pattern in ASKS_ABOUT.items() if pattern.search(question)}
    if EFFECT.search(question):
        found = found - {"how"} | {"results"}
    if EXCEPT_CARBON.search(question):
        return frozenset(found - {"how"} | {"benefit"})
    if CARBON.search(question):  # and its results, beside any other side it asks about
        found -= {"how"}
        found |= {"results"} if found else set()
    return frozenset(found - {"how"} if "cost" in found else found)


def sets_carbon_aside(question: str) -> bool:
    """Whether what the question asks is not soil carbon: "apart from storing carbon, what does it bring?", or an
    effect on something else ("will I lose yield? By how much?", "¿cuánto menos metano?"), which a sentence on
    soil carbon does not answer."""
    return EXCEPT_CARBON.search(question) is not None or (
        EFFECT.search(question) is not None and CARBON.search(question) is None
    )


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
