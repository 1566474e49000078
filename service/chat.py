"""Answers with citations.

Default (offline, extractive): search the knowledge base, cut the best passages into sentences, score each
sentence by how many of the question's term groups it contains (in any language, through the same query
translation as search) and by its embedding similarity to the question, and return the best sentences as
the answer, each with its citation. When nothing scores high enough the answer says so; it never guesses.

With a LangChain chat model (settings `llm_*`), the model writes the answer from the numbered passages only,
citing them as [n]; citations are the passages it cites.
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from index.analysis import analyze
from index.lexicon import QUERY_LANGS
from index.search import group_bags, query_language

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from index.kb import KnowledgeBase
    from index.search import Hit

BLOCKS = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")  # paragraphs and list items
STOP = re.compile(r"[.!?](?=\s+[\"«“(]?[A-ZÀ-Ý0-9¿¡])")  # a full stop before a capital
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "no", "vol", "p", "pp", "fig", "e.g", "i.e", "etc", "al",
                 "vs", "cf", "approx", "ca", "m", "mme", "sr", "sra", "dra", "art"}  # fmt: skip
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
CITED_YEAR = re.compile(r"\([^()]*\b(?:19|20)\d{2}[a-z]?\)")  # "(Smith et al., 2022)": a reference, not a topic
REFERENCE_SECTION = re.compile(r"reference|référence|referencia|bibliograph", re.IGNORECASE)
FOLLOW_UP = re.compile(r"^\s*(?:and|what about|how about|et|et pour|et en|y|y en|¿y|y para)\b", re.IGNORECASE)
PASSAGES = 8  # hits read per question
MAX_QUOTES = 3
MIN_COVERAGE = 0.5  # share of the question's term groups a quoted sentence must contain
MIN_SCORE = 0.45
MAX_EMBEDDED = 24  # sentences compared by embedding, the best-covered first
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

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class _Candidate:
    text: str
    hit: Hit
    chunk: dict
    coverage: float = 0.0
    similarity: float = 0.0
    score: float = 0.0


@dataclass(slots=True)
class _Session:
    questions: list[str] = field(default_factory=list)  # as interpreted


class Chat:
    """Question answering over one knowledge base; keeps short conversations by session id."""

    def __init__(self, kb: KnowledgeBase, llm: BaseChatModel | None = None) -> None:
        self.kb = kb
        self.llm = llm
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def ask(
        self,
        question: str,
        *,
        lang: str | None = None,
        session_id: str | None = None,
        filters: list[str] | dict[str, list[str]] | None = None,
    ) -> Answer:
        lang = lang if lang in QUERY_LANGS else query_language(question)
        session_id = session_id or uuid.uuid4().hex
        session = self._sessions.pop(session_id, None) or _Session()
        interpreted = resolve_follow_up(question, session.questions, lang)
        session.questions.append(interpreted)
        self._sessions[session_id] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)

        result = self.kb.search(interpreted, k=PASSAGES, lang=lang, filters=filters or [])
        candidates = self._candidates(result.hits)
        if self.llm is not None:
            return self._generate(question, interpreted, lang, session_id, candidates)
        chosen = self._select(interpreted, lang, candidates)
        if not chosen:
            return Answer(question, NO_ANSWER[lang], lang, [], False, session_id, interpreted)
        citations = [self._cite(i, c) for i, c in enumerate(chosen, 1)]
        return Answer(question, _compose(citations, lang), lang, citations, True, session_id, interpreted)

    # --- passages and sentences ------------------------------------------------------------

    def _candidates(self, hits: list[Hit]) -> list[_Candidate]:
        """Every sentence of the documents found (a report's answer is not always in its best chunk)."""
        out = []
        for hit in hits:
            for row in self.kb.store.doc_chunks(hit.doc_id):
                chunk = dict(row)
                if REFERENCE_SECTION.search(chunk["section"] or ""):
                    continue
                out += [_Candidate(s, hit, chunk) for s in split_sentences(chunk["text"]) if "http" not in s]
        return out

    def _select(self, question: str, lang: str, candidates: list[_Candidate]) -> list[_Candidate]:
        groups = self._term_groups(question, lang)
        if not groups or not candidates:
            return []
        weights = np.array([w for w, _, _ in groups])
        years = {g for _, _, g in groups if YEAR.fullmatch(g)}
        titles: dict[str, set[str]] = {}
        for c in candidates:
            if years and not years & set(YEAR.findall(CITED_YEAR.sub("", c.text))):
                continue  # a question about a year is answered by a sentence about that year
            lang = c.chunk["lang"]
            terms = set(self.kb.terms_of(c.text, lang))
            if c.hit.doc_id not in titles:
                titles[c.hit.doc_id] = set(self.kb.terms_of(c.hit.title, lang))
            present = np.array([bool(alts & terms) for _, alts, _ in groups])
            in_title = np.array([bool(alts & titles[c.hit.doc_id]) for _, alts, _ in groups]) & ~present
            c.coverage = float((weights[present].sum() + TITLE_WEIGHT * weights[in_title].sum()) / weights.sum())
        viable = sorted((c for c in candidates if c.coverage >= MIN_COVERAGE), key=lambda c: -c.coverage)
        viable = viable[:MAX_EMBEDDED]
        if not viable:
            return []
        vectors = self.kb.embedder().embed_batch([c.text for c in viable])
        for c, sim in zip(viable, (vectors @ self.kb.embed_query(question)).tolist(), strict=True):
            c.similarity = float(sim)
            c.score = 0.6 * c.coverage + 0.4 * max(c.similarity, 0.0)
        viable.sort(key=lambda c: -c.score)
        best = viable[0].score
        if best < MIN_SCORE:
            return []
        chosen: list[_Candidate] = []
        for c in viable:
            if len(chosen) == MAX_QUOTES or c.score < best - 0.15:
                break
            if all(c.hit.family != o.hit.family or c.text != o.text for o in chosen):
                chosen.append(c)
        return chosen

    def _term_groups(self, question: str, lang: str) -> list[tuple[float, set[str], str]]:
        """Each content phrase of the question: (weight, every index term that stands for it, its words)."""
        expanded = self.kb.lexicon().expand(question, lang)
        groups = []
        for group in expanded.groups:
            alts = {t for bag in group_bags(group, QUERY_LANGS) for t in bag}
            if alts:
                source = group.source.strip()
                groups.append((1.5 if YEAR.fullmatch(source) else 1.0, alts, source))
        return groups

    def _cite(self, n: int, c: _Candidate) -> Citation:
        """Cite the rendering that has a page for the quote (the PDF of a report read from text), if any."""
        catalog = self.kb.catalog()
        doc = catalog.docs[c.hit.doc_id]
        page, section = c.chunk["page"], c.chunk["section"]
        if page is None:
            for member in catalog.members.get(c.hit.family, []):
                found = self._page_of(member, c.text)
                if found is not None:
                    doc, page = catalog.docs[member], found
                    break
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
            lang=c.chunk["lang"],
            url=doc.metadata.get("url"),
            practice_id=doc.id.split(":")[1] if doc.id.startswith("practice:") else None,
        )

    def _page_of(self, doc_id: str, quote: str) -> int | None:
        needle = _squash(quote)[:80]
        for row in self.kb.store.doc_chunks(doc_id):
            if row["page"] is not None and needle in _squash(row["text"]):
                return int(row["page"])
        return None

    # --- optional generation ---------------------------------------------------------------

    def _generate(
        self, question: str, interpreted: str, lang: str, session_id: str, candidates: list[_Candidate]
    ) -> Answer:
        from langchain_core.messages import HumanMessage, SystemMessage

        passages: list[_Candidate] = []
        for c in candidates:
            if all(c.hit.chunk_id != p.hit.chunk_id for p in passages):
                passages.append(c)
        if not passages:
            return Answer(question, NO_ANSWER[lang], lang, [], False, session_id, interpreted, "llm")
        numbered = "\n\n".join(f"[{i}] {p.chunk['text']}" for i, p in enumerate(passages, 1))
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
        citations = []
        for n in cited:
            p = passages[n - 1]
            p.text = p.chunk["text"]
            citations.append(self._cite(n, p))
        return Answer(question, text, lang, citations, True, session_id, interpreted, "llm")


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
    """Sentences (and list items) of a chunk, without Markdown emphasis; very short bits are dropped.

    Line breaks inside a paragraph are wraps; a full stop after an abbreviation ("Mr.", "i.e.", "et al.")
    or an initial ("J.") does not end a sentence.
    """
    out = []
    for block in BLOCKS.split(text.replace("**", "")):
        block = " ".join(block.split()).strip(" -*•#")
        start = 0
        for stop in STOP.finditer(block):
            last = block[start : stop.start()].rsplit(" ", 1)[-1].lower()
            if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
            out.append(block[start : stop.end()].strip())
            start = stop.end()
        out.append(block[start:].strip())
    return [s for s in out if len(s) >= 25 and (s[-1] in '.!?…)»"' or len(s.split()) >= 12)]  # not a heading


def _squash(text: str) -> str:
    return " ".join(text.replace("**", "").split()).lower()


def source_name(source: str, path: str) -> str:
    """The original file name, or the WOCAT code or URL."""
    if source.startswith(("http://", "https://")) or not path or path.startswith("memory:"):
        return source
    return path.rsplit("/", 1)[-1]


def _compose(citations: list[Citation], lang: str) -> str:
    names = LANGUAGE_NAMES[lang]
    parts = []
    for c in citations:
        note = "" if c.lang == lang or c.lang is None else f" ({WRITTEN_IN[lang].format(names.get(c.lang, c.lang))})"
        parts.append(f"{c.quote} [{c.n}]{note}")
    return " ".join(parts)
