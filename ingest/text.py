"""Text helpers: decoding bytes, language detection and dates found in text."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from charset_normalizer import from_bytes

from ingest.records import ParseError

# Languages the detector chooses among: the Initiative's working languages plus
# those of WOCAT entries and partner documents.  A closed set is faster and far
# more accurate than "any language".
DETECTABLE = ("en", "fr", "es", "pt", "de", "it", "nl", "ar", "ru", "zh", "sw", "tr", "fa")


def decode(data: bytes, name: str) -> tuple[str, str | None]:
    """Decode text bytes; returns (text, warning). Binary data raises ParseError."""
    if not data.strip():
        raise ParseError("empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _utf16_without_bom(data)
        if text is None:
            raise ParseError("binary content, not text")
        return text, "no byte order mark: decoded as UTF-16"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise ParseError("binary content, not text")
    encoding = best.encoding
    text = str(best)
    if _control_ratio(text) > 0.05:
        raise ParseError("binary content, not text")
    return text, f"not UTF-8: decoded as {encoding}"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text written without a byte order mark (NUL bytes on one side of each pair), or None."""
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 4 * even:
        encoding = "utf-16-le"
    elif even > 4 * odd:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data[: len(data) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    head = text[:20_000]
    printable = sum(1 for ch in head if ch.isprintable() or ch in "\n\r\t\f")
    if not head.strip() or printable < 0.95 * len(head):
        return None
    return text


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(text)


@lru_cache(maxsize=4)
def language_detector(languages: tuple[str, ...] = DETECTABLE):  # noqa: ANN201 - lingua's type
    """A lingua detector over a closed set of ISO 639-1 codes (built once per set)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, c.upper()) for c in languages]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when too short to tell."""
    sample = text[:2000]
    if len(re.findall(r"\w+", sample)) < 3:
        return None
    lang = language_detector().detect_language_of(sample)
    return lang.iso_code_639_1.name.lower() if lang is not None else None


def document_languages(unit_langs: list[tuple[str | None, int]]) -> list[str]:
    """Languages covering at least 10 % of a document's text, most used first."""
    weights: Counter[str] = Counter()
    for lang, size in unit_langs:
        if lang:
            weights[lang] += size
    total = sum(weights.values())
    if not total:
        return []
    return [lang for lang, w in weights.most_common() if w / total >= 0.1]


_MONTHS = {
    # en
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    # fr
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
    # es
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "setiembre": 9,
    "septiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])\b"),
    re.compile(
        rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th|er)?\s+(?:de\s+)?(?P<mon>{_MONTH_RE})\.?\s+(?:de\s+)?(?P<y>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.I),
    re.compile(rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?:de\s+)?(?P<y>(?:19|20)\d\d)\b", re.I),
)


def find_date(text: str, head: int = 3000) -> str | None:
    """The first date written in the opening of a text, as ISO (YYYY-MM-DD or YYYY-MM)."""
    sample = text[:head]
    found: list[tuple[int, str]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(sample):
            groups = m.groupdict()
            month = int(groups["m"]) if groups.get("m") else _MONTHS.get(groups["mon"].lower())
            if not month:
                continue
            day = groups.get("d")
            iso = f"{groups['y']}-{month:02d}" + (f"-{int(day):02d}" if day and 1 <= int(day) <= 31 else "")
            found.append((m.start(), iso))
            break  # first match of this pattern is enough
    if not found:
        return None
    found.sort(key=lambda item: (item[0], -len(item[1])))
    return found[0][1]
