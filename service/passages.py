"""Quotable pieces of a passage: its sentences, list items, slide bullets and table rows; and the acronyms that
texts define or spell out ("Scientific and Technical Committee (STC)")."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from index.analysis import BROKEN
from service.question import INITIATIVE

BLOCKS = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•✓]|\d+[.)]|[a-z]\))\s)")  # paragraphs and list items ("- ", "3.", "c)")
CONTINUES = re.compile(r"\s*[a-zà-ÿ]")  # a block starting in lower case
URL = re.compile(r"https?://\S+")
LETTER = re.compile(r"\s*[^\W\d_]")
BULLET = re.compile(r"\s*(?:[-*•✓]|\d+[.)]|[a-z]\))\s")
ITEM_MARKER = re.compile(r"^\s*(?:\d+[.)]|[a-z]\))\s+")  # "3. ", "c) ": a list item's number, no part of its text
MARKED = re.compile(r"\s*[-*•✓]\s")  # a bullet, not a number ("3. Core Facility III" may head a list)
HEADING_WORDS = 12
WRAPPED_WORDS = 4  # a line of at most this many words, without a full stop, is a wrapped line of a slide
STOP = re.compile(r"[.!?](?=\s+[\"«“(]?[A-ZÀ-Ý0-9¿¡])")  # a full stop before a capital
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "no", "vol", "p", "pp", "fig", "e.g", "i.e", "eg", "ie",
                 "etc", "al", "vs", "cf", "approx", "ca", "m", "mme", "sr", "sra", "dra", "art", "ex", "ej",
                 "incl"}  # fmt: skip
NUMBER = re.compile(r"\d")
# "(STC)": an acronym in brackets, after its long form ("Scientific and Technical Committee", "alternate wetting and
# drying"); connecting words take no letter.
BRACKETED = re.compile(r"\(([A-Z][A-Za-z&]{1,9})\)")
# Words of a long form that take no letter, in the Initiative's languages and in German (the Deutsche
# Gesellschaft für Internationale Zusammenarbeit is GIZ)
CONNECTORS = {"of", "for", "and", "the", "on", "in", "de", "du", "des", "la", "le", "et", "aux", "y", "el", "del",
              "para", "für", "der", "und", "von", "zur"}  # fmt: skip
LONG_FORM_WORDS = 12  # words read back from the bracket
# A run of capitalised words ("Food and Agriculture Organization of the United Nations"), and an acronym ("FAO").
CAPITALISED_RUN = re.compile(rf"[A-Z][\w'’-]*(?:[ -]+(?:(?:{'|'.join(sorted(CONNECTORS))})[ -]+)*"
                             r"[A-Z][\w'’-]*)+")  # fmt: skip
CAPITALS = re.compile(r"\b[A-Z]{2,6}\b")


def defined_acronyms(texts: Any) -> dict[str, str]:
    """Acronyms the texts define themselves: {"STC": "Scientific and Technical Committee", "AWD": "alternate
    wetting and drying"}."""
    found: dict[str, str] = {}
    for text in texts:
        for match in BRACKETED.finditer(text):
            short = match.group(1)
            long_form = _long_form(text[: match.start()].split()[-LONG_FORM_WORDS:], short)
            if long_form:
                found.setdefault(short, long_form)
    return found


def _long_form(words: list[str], short: str) -> str | None:
    """The words just before the bracket whose initials are the acronym's capitals, read back from the bracket;
    connecting words take no letter, a hyphenated word may give one letter per part ("farmer-managed natural
    regeneration (FMNR)"). None when the words do not spell it ("the price (EUR)")."""
    need = "".join(c for c in short if c.isupper()).lower()
    kept: list[str] = []
    for raw in reversed(words):
        word = raw.strip('"”»“«')
        if not word or not word[0].isalpha():
            return None
        if word.lower() in CONNECTORS:
            if not kept:
                return None
            kept.insert(0, word)
            continue
        parts = "".join(p[0] for p in re.split(r"[-‐]", word) if p).lower()
        initials = parts if len(parts) > 1 and need.endswith(parts) else word[0].lower()
        if not need.endswith(initials):
            return None
        need = need[: -len(initials)]
        kept.insert(0, word)
        if not need:
            return " ".join(kept)
    return None


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


def acronyms_of(question: str, texts: list[str]) -> dict[str, str]:
    """The acronyms a question and the texts that may answer it define or spell out (a definition wins)."""
    return {**spelled_acronyms([question, *texts]), **defined_acronyms(texts)}


def with_acronyms(text: str, acronyms: dict[str, str]) -> str:
    """The text with the long form of each acronym it uses and the acronym of each long form it spells out."""
    extra = [long for short, long in acronyms.items() if re.search(rf"\b{re.escape(short)}\b", text)]
    extra += [short for short, long in acronyms.items() if long.lower() in text.lower()]
    return f"{text} {' '.join(extra)}" if extra else text


def split_sentences(text: str) -> list[str]:
    """Sentences, list items, slide bullets and table rows of a chunk, without Markdown emphasis.

    Line breaks inside a paragraph are wraps; a full stop after an abbreviation ("Mr.", "i.e.", "et al.")
    or an initial ("J.") does not end a sentence. A table row (cells separated by tabs) is one candidate, read
    with its table's first row (the header). Short bits are kept only when they hold a number (a slide's figure)
    or follow a sentence that ends with a colon: they are its list ("focus on: East Africa, India").
    """
    out = []
    for block in _paragraphs(BROKEN.sub("-", text.replace("**", ""))):
        lines = [line for line in block.splitlines() if line.strip()]
        if sum("\t" in line for line in lines) >= 2:
            first = next(i for i, line in enumerate(lines) if "\t" in line)
            block = "\n".join(lines[:first])  # the text before the table
            header, *rows = (" | ".join(c.strip() for c in line.split("\t") if c.strip()) for line in lines[first:])
            out += [f"{header}: {row}" for row in rows if row]
        block = " ".join(URL.sub(" ", ITEM_MARKER.sub("", block, count=1)).split()).strip(" -*•✓#")
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


def headed_lists(text: str) -> list[str]:
    """Each heading with the list items under it: "Core Facility III - Advocacy & Awareness: Promotion of the
    Initiative; The new website; …" says which chapter an item belongs to, which none of the items says alone.

    A heading is one short line without closing punctuation ("3. Core Facility III - Advocacy & Awareness", "f)
    Development of press relations"); its items are the bullets (or the lines ending with a semicolon) right after
    it; its own number is left out ("3."), which is no amount. Read only for a question asking for a chapter: a long
    list holds many words, names and numbers, and would answer questions about one of them (and near misses) in
    place of the item itself."""
    out = []
    blocks = _paragraphs(BROKEN.sub("-", text.replace("**", "")))
    for i, block in enumerate(blocks):
        head = " ".join(URL.sub(" ", block).split())
        if "\n" in block.strip() or MARKED.match(head) or len(head.split()) > HEADING_WORDS or head[-1:] in ".!?;:,":
            continue
        items = []
        for item in blocks[i + 1 :]:
            text = " ".join(URL.sub(" ", item).split())
            numbered = BULLET.match(text) and not MARKED.match(text)
            if not (MARKED.match(text) or text.endswith(";") or (numbered and not BULLET.match(head))):
                break  # the next numbered heading ends a numbered heading's list
            items.append(BULLET.sub("", text, count=1).strip(" -*•✓").rstrip(" ;"))
        if len(items) >= 2:
            out.append(f"{BULLET.sub('', head, count=1).strip(' #')}: {'; '.join(i for i in items if i)}")
    return out


# A numbered heading line of an outline: "3) Specific work to be done with public and private funders", "f)
# Development of press relations", "II. Governance": short, without closing punctuation
OUTLINE = re.compile(r"^[ \t]*(?:(\d{1,2})|([a-z])|([IVX]{1,4}))[.)][ \t]+(\S[^\n]*?)[ \t]*$", re.MULTILINE)
OUTLINE_WORDS = 16


def outline(text: str) -> list[tuple[int, int, str]]:
    """A document's numbered headings, (offset, rank, heading) in order. The rank is that of its kind of number in
    the document's order of first use: a roadmap whose chapters are numbered "1)" and their parts "a)" gives its
    chapters rank 0 and its parts rank 1."""
    found: list[tuple[int, str, str]] = []
    for match in OUTLINE.finditer(text):
        heading = match.group(4)
        if len(heading.split()) <= OUTLINE_WORDS and heading[-1] not in ".!?;:,":
            kind = "digit" if match.group(1) else "letter" if match.group(2) else "roman"
            found.append((match.start(), kind, heading))
    kinds = list(dict.fromkeys(kind for _, kind, _ in found))
    return [(start, kinds.index(kind), heading) for start, kind, heading in found]


def in_force(headings: list[tuple[int, int, str]], offset: int) -> list[str]:
    """The headings (`outline`) that a place in the document comes under, the outermost first: the nearest one
    before it, then the nearest before that of each higher rank ("Communication (Objectives C1-C2-C3)", "Development
    of press relations" for an item of the press relations part).

    Nothing closes a numbered part, so the last one reaches no further than the longest part before it: a report
    whose agenda item lists six Core Facilities goes on with its budget, which is in none of them."""
    starts = [start for start, _, _ in headings]
    reach = max((b - a for a, b in pairwise(starts)), default=0)
    if not headings or offset > starts[-1] + reach:
        return []
    chain: list[tuple[int, str]] = []
    for start, rank, heading in reversed(headings):
        if start < offset and (not chain or rank < chain[0][0]):
            chain.insert(0, (rank, heading))
            if rank == 0:
                break
    return [heading for _, heading in chain]


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
    return len(s.split()) >= 3 and NUMBER.search(INITIATIVE.sub(" ", s)) is not None  # "4 per 1000" is a name
