"""Hybrid multilingual search over the knowledge base: lexical, dense, fused; filters, facets, groups."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from index.analysis import BROKEN, CONCEPT, analyze, fold, number_word, stopwords, tagged, term, words
from index.catalog import FACETS, Catalog, QueryError
from index.lexical import LexicalIndex
from index.lexicon import QUERY_LANGS, ExpandedQuery, Lexicon, TermGroup
from index.vectors import VectorIndex
from ingest.text import language_detector

if TYPE_CHECKING:
    import sqlite3

    from index.zones import Place

MODES = ("hybrid", "lexical", "dense")
GROUPINGS = ("zone", *FACETS)
POOL = 200  # chunks taken from each mode before fusion
PLACE_DEPTH = 5  # with conditions, the k*PLACE_DEPTH most relevant results are ordered by how they fit
# Weight of the z-scored dense scores against the z-scored BM25 scores (tuned on the tuning half of eval/ by
# `python -m eval.tune`; see docs/search.md).
DENSE_WEIGHT = 3.0
TITLE_WEIGHT = 0.5  # added for a document whose title names every term group of the query (in proportion)
# Pseudo-relevance feedback (hybrid mode): the z-scored similarity of each candidate's family to the best
# FEEDBACK_DOCS first-pass families is added with this weight, so that below its first result the ranking follows
# what that result is about rather than chance word matches (which differ from one query language to another).
# One family, not three, since every version of a candidate practice is scored (docs/search.md, 5 December 2026).
FEEDBACK_DOCS = 1
FEEDBACK_WEIGHT = 3.0
SNIPPET_CHARS = 260


@dataclass(slots=True)
class Hit:
    doc_id: str
    title: str
    doc_type: str
    lang: str | None
    score: float
    found_by: list[str]
    snippet: str
    highlights: list[tuple[int, int]]
    page: int | None
    section: str | None
    chunk_id: int
    source: str
    path: str
    family: str
    also_in: list[str] = field(default_factory=list)  # other languages or renderings of the same thing
    facets: dict[str, list[str]] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    match: str | None = None  # with conditions: how the hit's zones fit them (index.zones.MATCH_LABELS)
    unsuited: str | None = None  # with conditions: why the practice is not recommended there
    paged_in: str | None = None  # the paged rendering (a PDF) whose page `page` is, when the hit's own has none

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Group:
    key: str
    count: int
    hits: list[Hit]


@dataclass(slots=True)
class SearchResult:
    query: str
    lang: str
    mode: str
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    total: int  # documents in the candidate set (what the facets count)
    expansions: dict[str, list[str]] = field(default_factory=dict)  # language -> translated terms used
    groups: list[Group] | None = None
    conditions: dict | None = None  # the place searched for: its zone and soil, and how they were found
    not_recommended: list[Hit] = field(default_factory=list)  # relevant, but marked unsuited for the place

    def to_dict(self) -> dict:
        return asdict(self)


def query_language(text: str, default: str = "en", lexicon: Lexicon | None = None) -> str:
    """EN, FR or ES. Where the detector is unsure (short questions: "Est-ce que le semis direct stocke du
    carbone ?" reads 0.41 English, 0.40 French), the function words that only one language has decide
    (`stopword_vote`); then, for keywords without any ("semis direct": 0.40 French, 0.33 English), the language
    whose glossary and word list name them (`Lexicon.own_language`); failing all, `default`."""
    values = language_detector(QUERY_LANGS).compute_language_confidence_values(text)
    if values and values[0].value >= 0.6:
        return values[0].language.iso_code_639_1.name.lower()
    return stopword_vote(text) or (lexicon.own_language(text) if lexicon else None) or default


def stopword_vote(text: str) -> str | None:
    """The query language with the most stop words of its own ("est", "du" are French only; "de", "la" are
    French and Spanish, so count for neither); a Spanish "¿" or "¡" counts too. None on a tie."""
    counts = dict.fromkeys(QUERY_LANGS, 0)
    lists = {lang: stopwords(lang) for lang in QUERY_LANGS}
    for match in words(text):
        word = fold(match.group())
        owners = [lang for lang, listed in lists.items() if word in listed]
        if len(owners) == 1:
            counts[owners[0]] += 1
    counts["es"] += len(re.findall(r"[¿¡]", text))
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


def group_bags(
    group: TermGroup, langs: Iterable[str | None], lexical: LexicalIndex | None = None
) -> set[tuple[str, ...]]:
    """A query term group as index-term bags: its words read in each language, its translations, the number a
    number word stands for ("twenty" → 20), the cognates `lexical` holds of a single word in the other query
    languages, its concepts. A phrase of stop words in the language it is asked in ("how much", "combien")
    has none: read in another language its words would be terms no document holds."""
    source_lang = group.alternatives[0][0] if group.alternatives else None
    if source_lang in QUERY_LANGS and not group.concepts and not analyze(group.source, source_lang):
        return set()
    bags = {tuple(tagged(analyze(group.source, lang), lang)) for lang in langs}
    bags |= {tuple(tagged(analyze(text, lang), lang)) for lang, text in group.alternatives[1:]}
    if (number := number_word(group.source.strip(), source_lang)) is not None:
        bags |= {tuple(tagged([str(number)], lang)) for lang in langs}
    if lexical is not None and source_lang in QUERY_LANGS and " " not in group.source.strip():
        for target in QUERY_LANGS:
            if target != source_lang and (cognate := lexical.cognates(group.source.strip(), source_lang, target)):
                bags.add((cognate,))
    if group.concepts:  # the glossary concepts named, whatever the language of the chunk
        bags.add(tuple(CONCEPT + c for c in group.concepts))
    bags.discard(())
    return bags


def _zscore(x: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """`x` standardised by the mean and standard deviation of `reference` (by default, of `x` itself)."""
    ref = x if reference is None else reference
    std = ref.std() if len(ref) else 0.0
    return (x - ref.mean()) / std if std > 1e-9 else np.zeros_like(x)


@dataclass(slots=True)
class Plan:
    """A search up to its query embedding (`Searcher.prepare`); `Searcher.finish` completes it."""

    query: ExpandedQuery
    lang: str
    mode: str
    k: int
    group_by: str | None
    place: Place | None
    lex: np.ndarray  # lexical score of every chunk (zeros in dense mode)
    mask: np.ndarray | None  # chunks that pass the filters (None: all)
    embed: bool  # whether the query is to be embedded (the dense and hybrid modes)


@dataclass(frozen=True, slots=True)
class Indexes:
    """One consistent state of what a search reads; `KnowledgeBase.indexes` makes it."""

    catalog: Catalog
    lexical: LexicalIndex  # built from `catalog`'s chunks, in its order
    vectors: VectorIndex
    lexicon: Lexicon  # query translation
    terms_of: Callable[[str, str | None], list[str]]  # a text's index terms (for titles)
    chunk_texts: Callable[[list[int]], dict[int, sqlite3.Row]]  # chunks by id, from the store


class Searcher:
    """One query against one state of the indexes; `KnowledgeBase.search` is the public entry point."""

    def __init__(self, indexes: Indexes) -> None:
        self.ix, self.catalog = indexes, indexes.catalog
        self.passing: set[str] | None = None  # documents that pass the filters (None: no filter)
        self.group_bags: list[set[tuple[str, ...]]] = []  # each query term group: its renderings as index terms
        self.used: set[str] = set()  # every index term of those renderings (title check, highlights)

    # --- scoring ---------------------------------------------------------------------------

    def lexical_scores(self, query: ExpandedQuery) -> np.ndarray:
        """Sum over term groups of the best alternative's BM25 score; records the groups' bags and terms."""
        lexical = self.ix.lexical
        total = np.zeros(lexical.size, dtype=np.float32)
        langs = set(QUERY_LANGS) | {lang or "xx" for lang in self.catalog.chunk_lang}
        for group in query.groups:
            # the words as typed, read as every language the index holds: names and numbers match anywhere,
            # and a wrongly guessed query language costs nothing
            bags = group_bags(group, langs)
            if not bags:
                continue
            best = np.max([lexical.scores(list(bag)) for bag in bags], axis=0)
            total += best
            self.group_bags.append(bags)
            self.used.update(t for bag in bags for t in bag)
        return total

    def title_coverage(self, doc_id: str) -> float:
        """Share of the query's term groups that the document's title names whole (in any language)."""
        if not self.group_bags:
            return 0.0
        cat = self.catalog
        if doc_id not in cat.title_terms:
            doc = cat.docs[doc_id]
            cat.title_terms[doc_id] = set(self.ix.terms_of(doc.title, doc.languages[0] if doc.languages else None))
        title = cat.title_terms[doc_id]
        if title.isdisjoint(self.used):  # most titles share no term with the query
            return 0.0
        named = sum(1 for bags in self.group_bags if any(title.issuperset(bag) for bag in bags))
        return named / len(self.group_bags)

    def prepare(
        self,
        text: str,
        *,
        k: int = 10,
        lang: str | None = None,
        mode: str = "hybrid",
        filters: dict[str, set[str]] | None = None,
        group_by: str | None = None,
        place: Place | None = None,
    ) -> Plan:
        """Everything before the query embedding: language, expansion, filters, lexical scores."""
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if group_by is not None and group_by not in GROUPINGS:
            raise QueryError(f"group_by must be one of {', '.join(GROUPINGS)}, not {group_by!r}")
        cat = self.catalog
        lang = lang or query_language(text, lexicon=self.ix.lexicon)
        query = self.ix.lexicon.expand(text, lang)
        self.passing = cat.passing(filters or {})
        mask = cat.allowed_rows(self.passing)
        n = len(cat.chunk_ids)
        lex = np.zeros(n, dtype=np.float32)
        if mode != "dense" and n:
            lex = self.lexical_scores(query)
            lex *= cat.chunk_weight
            if mask is not None:
                lex = np.where(mask, lex, 0)
        embed = mode != "lexical" and n > 0
        return Plan(query, lang, mode, k, group_by, place, lex, mask, embed)

    def finish(self, plan: Plan, qvec: np.ndarray | None) -> SearchResult:
        """The rest, given the query's embedding (None when `plan.embed` is false): dense candidates, fusion,
        feedback, hits."""
        cat, lex, mode = self.catalog, plan.lex, plan.mode
        rows: set[int] = set()
        if mode != "dense":
            top = np.argsort(-lex)[:POOL]
            rows.update(int(r) for r in top if lex[r] > 0)
        dense: dict[int, float] = {}
        if qvec is not None:
            allowed = cat.chunk_ids[plan.mask] if plan.mask is not None else None
            ids, scores = self.ix.vectors.search(qvec[None, :], POOL, allowed)
            for cid, score in zip(ids[0].tolist(), scores[0].tolist(), strict=True):
                row = cat.position.get(cid)
                if row is not None and cid >= 0:
                    dense[row] = score
            rows.update(dense)
        if mode == "hybrid":
            rows.update(self.other_versions(rows))
        order = np.array(sorted(rows), dtype=np.int64)
        found = (lex[order] > 0, np.fromiter((r in dense for r in order.tolist()), dtype=bool, count=len(order)))
        # the scores are z-scored over the chunks that either search found, not over the other versions' chunks added
        # only to score families: their number depends on how many families the query reached in two languages
        sample = found[0] | found[1]
        final = self._fuse(order, lex, dense, sample, qvec, mode)
        if mode == "hybrid" and len(order) > FEEDBACK_DOCS:
            final = self._feedback(order, final, sample)
        return self._assemble(plan.query, mode, order, final, found, plan.k, plan.group_by, plan.place)

    def other_versions(self, rows: set[int]) -> list[int]:
        """Every chunk of the versions that no candidate chunk came from, of the candidate families reached
        through two versions or more, so that `family_scores` judges each version of such a practice by its own
        best chunk. A version that just missed both pools would otherwise count as the lowest candidate, and a
        practice's rank would depend on which of its versions the query's language happened to reach. A family
        reached through one version only keeps the lowest candidate score for the others: a short Spanish
        question scores about 0.80 against any Spanish sheet, and scoring the English and French versions of
        every sheet it so reached put them above the English document that answers it."""
        cat = self.catalog
        present = {cat.chunk_doc[r] for r in rows}
        reached = Counter(cat.family[d] for d in present)
        families = [fam for fam, versions in reached.items() if versions > 1]
        missing = (m for fam in families for m in self.passing_members(fam) if m not in present)
        return [r for m in missing for r in cat.doc_rows.get(m, ())]

    def _fuse(
        self,
        rows: np.ndarray,
        lex: np.ndarray,
        dense: dict[int, float],
        sample: np.ndarray,  # per row: whether it counts in the z-scores' mean and spread
        qvec: np.ndarray | None,
        mode: str,
    ) -> np.ndarray:
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        if mode == "lexical" or qvec is None:
            return lex[rows]
        missing = [r for r in rows.tolist() if r not in dense]
        if missing:  # lexical candidates outside the dense pool: score them exactly
            vectors = self.ix.vectors.vectors(self.catalog.chunk_ids[missing])
            dense.update(zip(missing, (vectors @ qvec).tolist(), strict=True))
        dense_scores = np.array([dense[r] for r in rows.tolist()], dtype=np.float32)
        dense_scores = np.where(dense_scores > 0, dense_scores * self.catalog.chunk_weight[rows], dense_scores)
        if mode == "dense":  # the model's own cosines: the offsets below were measured to help only beside BM25
            return dense_scores
        dense_scores -= self.language_offsets(rows, qvec)
        doc_nos, inverse = np.unique(self.catalog.chunk_doc_no[rows], return_inverse=True)
        names = self.catalog.doc_names
        title = np.array([self.title_coverage(names[n]) for n in doc_nos.tolist()], dtype=np.float32)[inverse]
        lex_z, dense_z = _zscore(lex[rows], lex[rows][sample]), _zscore(dense_scores, dense_scores[sample])
        return lex_z + DENSE_WEIGHT * dense_z + TITLE_WEIGHT * title

    def language_offsets(self, rows: np.ndarray, qvec: np.ndarray) -> np.ndarray:
        """How much of each row's cosine to the query comes from the row's language: the query's cosine to that
        language's direction (`Catalog.language_directions`). A Spanish question scores about 0.77 against any
        Spanish practice sheet and 0.73 against English text on the same topic; without the offset, the
        sheets in the question's language outrank the English passage that answers it."""
        directions = self.catalog.language_directions(self.ix.vectors)
        if not directions:
            return np.zeros(len(rows), dtype=np.float32)
        offset = {lang: float(d @ qvec) for lang, d in directions.items()}
        langs = self.catalog.chunk_lang
        return np.array([offset.get(langs[r] or "", 0.0) for r in rows.tolist()], dtype=np.float32)

    def _feedback(self, rows: np.ndarray, scores: np.ndarray, sample: np.ndarray) -> np.ndarray:
        """Scores after feedback: the best family stays first; every other candidate gains FEEDBACK_WEIGHT times the
        z-scored cosine (over the `sample` rows) of its family to the mean of the best FEEDBACK_DOCS families
        (ranked by `family_scores`)."""
        cat = self.catalog
        fams = [cat.family[cat.chunk_doc[r]] for r in rows.tolist()]
        pooled = self.family_scores(self.best_per_document(rows, scores), float(scores.min()))
        ranked = sorted(pooled, key=lambda fam: -pooled[fam])
        vectors = {fam: self.family_vector(fam) for fam in ranked}
        centroid = np.mean([vectors[fam] for fam in ranked[:FEEDBACK_DOCS]], axis=0)
        sims = {fam: float(v @ centroid) for fam, v in vectors.items()}
        closeness = np.array([sims[f] for f in fams], dtype=np.float32)
        fed = scores + FEEDBACK_WEIGHT * _zscore(closeness, closeness[sample])
        head = np.array([f == ranked[0] for f in fams])
        if head.all():
            return scores
        lift = max(0.0, float(fed[~head].max() - scores[head].min()) + 1e-3)
        return np.where(head, scores + lift, fed)  # a precise match found first stays first

    def family_vector(self, fam: str) -> np.ndarray:
        """Mean chunk vector of all the family's renderings (every language version of a practice sheet), so that
        the feedback is the same whichever version the query happened to match."""
        cat = self.catalog
        if fam not in cat.family_vectors:
            rows = [r for m in cat.members.get(fam, []) for r in cat.doc_rows.get(m, ())]
            vector = self.ix.vectors.vectors(cat.chunk_ids[rows]).mean(axis=0)
            cat.family_vectors[fam] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return cat.family_vectors[fam]

    # --- from chunks to hits ---------------------------------------------------------------

    def _assemble(
        self,
        query: ExpandedQuery,
        mode: str,
        rows: np.ndarray,
        scores: np.ndarray,
        found: tuple[np.ndarray, np.ndarray],  # per candidate: found by the lexical / the dense search
        k: int,
        group_by: str | None,
        place: Place | None = None,
    ) -> SearchResult:
        cat = self.catalog
        order = np.argsort(-scores, kind="stable")
        ordered = rows[order]
        # each family's best candidate, best family first; the modes that found any of its candidates
        fam_nos, first, inverse = np.unique(cat.chunk_family_no[ordered], return_index=True, return_inverse=True)
        by_lexical = np.bincount(inverse, weights=found[0][order], minlength=len(fam_nos)) > 0
        by_dense = np.bincount(inverse, weights=found[1][order], minlength=len(fam_nos)) > 0
        docs = self.best_per_document(rows, scores)
        doc_rows = {doc_id: row for doc_id, (row, _) in docs.items()}
        pooled = self.family_scores(docs, float(scores.min()) if len(scores) else 0.0)
        best: dict[str, tuple[float, int, list[str]]] = {}  # family -> (score, best row, modes)
        for j in np.argsort(first, kind="stable").tolist():
            i, fam = int(first[j]), cat.families[int(fam_nos[j])]
            modes = [m for m, hit in (("lexical", by_lexical[j]), ("dense", by_dense[j])) if hit]
            best[fam] = (pooled[fam], int(ordered[i]), modes)
        ranked = sorted(best.items(), key=lambda item: -item[1][0])  # stable: ties keep the best chunks' order
        shown_doc = {fam: self._representative(fam, row, query.lang) for fam, (_, row, _) in ranked}
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for doc_id in shown_doc.values():
            for name, values in cat.facets[doc_id].items():
                for value in values:
                    facets[name][value] = facets[name].get(value, 0) + 1
        # a facet no candidate has is left out (most results hold no WOCAT record, so have none of its fields)
        facets = {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in facets.items() if c}
        fits: dict[str, tuple[str | None, str | None]] = {}
        if place is not None:
            head = ranked[: k * PLACE_DEPTH]
            fits = {fam: place.fit(cat.facets[shown_doc[fam]], cat.docs[shown_doc[fam]].metadata) for fam, _ in head}
            head.sort(key=lambda item: (fits[item[0]][1] is not None, place.rank(fits[item[0]][0])))
            ranked[: len(head)] = head
        unsuited = [item for item in ranked if fits.get(item[0], (None, None))[1]]
        ranked = [item for item in ranked if not fits.get(item[0], (None, None))[1]]
        shown = ranked if group_by else ranked[:k]
        chunk_of = {fam: self._chunk_for(shown_doc[fam], doc_rows) for fam, _ in [*shown, *unsuited[:k]]}
        texts = self.ix.chunk_texts(list(chunk_of.values()))
        # a chunk that a writer replaced since this catalog was read is left out
        hits = [
            self._hit(f, score, modes, texts[chunk_of[f]]) for f, (score, _, modes) in shown if chunk_of[f] in texts
        ]
        rejected = [
            self._hit(f, score, modes, texts[chunk_of[f]])
            for f, (score, _, modes) in unsuited[:k]
            if chunk_of[f] in texts
        ]
        for hit in [*hits, *rejected]:
            hit.match, hit.unsuited = fits.get(hit.family, (None, None))
        groups = _group(hits, group_by, k) if group_by else None
        return SearchResult(
            query=query.text,
            lang=query.lang,
            mode=mode,
            hits=hits[:k],
            facets=facets,
            total=len(ranked),
            expansions={
                code: [t for g in query.groups for t in g.in_lang(code)] for code in QUERY_LANGS if code != query.lang
            },
            groups=groups,
            conditions=place.describe() if place else None,
            not_recommended=rejected,
        )

    def family_scores(self, docs: dict[str, tuple[int, float]], floor: float) -> dict[str, float]:
        """Score of each candidate family: the mean over its documents that pass the filters, each document
        scored by its best candidate chunk (`docs`: `best_per_document`).

        The language versions of a practice sheet say the same thing, but a query matches the version in its
        own language best (its words, and a model that reads it), so the best version alone would rank a
        practice by an accident of the query's language, and a family of three renderings by the best of three
        draws. A version that no candidate chunk matched counts as `floor`, the lowest candidate score.
        """
        out: dict[str, float] = {}
        for doc_id in docs:
            fam = self.catalog.family[doc_id]
            if fam not in out:
                members = self.passing_members(fam) or [doc_id]
                out[fam] = sum(docs[m][1] if m in docs else floor for m in members) / len(members)
        return out

    def passing_members(self, fam: str) -> list[str]:
        """The family's documents that pass the filters."""
        members = self.catalog.members.get(fam, [])
        return members if self.passing is None else [m for m in members if m in self.passing]

    def best_per_document(self, rows: np.ndarray, scores: np.ndarray) -> dict[str, tuple[int, float]]:
        """Each candidate document's best row, and that row's score."""
        order = np.argsort(-scores, kind="stable")
        doc_nos, first = np.unique(self.catalog.chunk_doc_no[rows[order]], return_index=True)
        names = self.catalog.doc_names
        pairs = zip(doc_nos.tolist(), first.tolist(), strict=True)
        return {names[n]: (int(rows[order[i]]), float(scores[order[i]])) for n, i in pairs}

    def _representative(self, fam: str, row: int, lang: str) -> str:
        """The family member to show: the one in the user's language when there is one."""
        cat = self.catalog
        found = cat.chunk_doc[row]
        if lang in cat.docs[found].languages:
            return found
        for member in self.passing_members(fam):
            doc = cat.docs[member]
            if doc.languages[:1] == [lang] and member.startswith("practice:"):
                return member
        return found

    def _chunk_for(self, doc_id: str, doc_rows: dict[str, int]) -> int:
        """Id of the document's best candidate chunk, or of its opening chunk (a translation nothing matched)."""
        row = doc_rows[doc_id] if doc_id in doc_rows else self.catalog.doc_rows[doc_id][0]
        return int(self.catalog.chunk_ids[row])

    def _hit(self, fam: str, score: float, modes: list[str], chunk: sqlite3.Row) -> Hit:
        cat = self.catalog
        doc = cat.docs[chunk["doc_id"]]
        snippet, spans = snippet_for(chunk["text"], chunk["lang"], self.used)
        return Hit(
            doc_id=doc.id,
            title=doc.title,
            doc_type=doc.doc_type,
            lang=chunk["lang"] or (doc.languages[0] if doc.languages else None),
            score=round(score, 4),
            found_by=modes,
            snippet=snippet,
            highlights=spans,
            page=chunk["page"],
            section=chunk["section"],
            chunk_id=int(chunk["id"]),
            source=doc.source,
            path=doc.path,
            family=fam,
            also_in=[m for m in cat.members.get(fam, []) if m != doc.id],
            facets=cat.facets[doc.id],
            metadata={k: v for k, v in doc.metadata.items() if k in ("url", "summary", "country_name", "pages")},
        )


def snippet_for(text: str, lang: str | None, terms: set[str]) -> tuple[str, list[tuple[int, int]]]:
    """The window of the chunk with the most query terms, and the spans of those terms in it."""
    prefix = tagged([""], lang)[0]
    wanted = {t[len(prefix) :] for t in terms if t.startswith(prefix)}
    starts, ends, found = word_terms(text, lang)
    spans = [(s, e) for s, e, t in zip(starts, ends, found, strict=True) if t in wanted]
    if len(text) <= SNIPPET_CHARS:
        start, end = 0, len(text)
    else:
        starts = [s for s, _ in spans] or [0]
        centre = max(starts, key=lambda s: sum(1 for t in starts if s <= t < s + SNIPPET_CHARS))
        start = max(0, min(centre - 40, len(text) - SNIPPET_CHARS))
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        end = min(len(text), start + SNIPPET_CHARS)
        while end < len(text) and not text[end].isspace():
            end += 1
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    body, kept = rejoined(text[start:end], [(s - start, e - start) for s, e in spans if s >= start and e <= end])
    return prefix + body + suffix, [(s + len(prefix), e + len(prefix)) for s, e in kept]


def rejoined(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each compound broken after its hyphen at a line's end one word again ("socio-" / "economic" →
    "socio-economic", which a page would show as "socio- economic"), and `spans` of its words moved with them."""
    out: list[str] = []
    cuts: list[tuple[int, int]] = []  # (offset in `text` from which, characters removed up to there)
    last = 0
    for m in BROKEN.finditer(text):
        out += [text[last : m.start()], "-"]
        last = m.end()
        cuts.append((m.end(), m.end() - m.start() - 1 + (cuts[-1][1] if cuts else 0)))

    def moved(offset: int) -> int:
        return offset - next((removed for at, removed in reversed(cuts) if offset >= at), 0)

    return "".join(out) + text[last:], [(moved(s), moved(e)) for s, e in spans]


@lru_cache(maxsize=2048)
def word_terms(text: str, lang: str | None) -> tuple[list[int], list[int], list[str | None]]:
    """Offsets and index terms of every word of a chunk: analysed once for the chunks that keep coming up."""
    matches = list(words(text))
    return [m.start() for m in matches], [m.end() for m in matches], [term(m.group(), lang) for m in matches]


def _group(hits: list[Hit], by: str, k: int) -> list[Group]:
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        if by == "zone":
            zones = hit.facets.get("climate_zone") or ["unknown zone"]
            soils = hit.facets.get("soil_class") or ["any soil"]
            keys = [f"{z} × {s}" for z in zones for s in soils]
        else:
            keys = hit.facets.get(by) or ["(none)"]
        for key in keys:
            groups.setdefault(key, []).append(hit)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), -kv[1][0].score, kv[0]))
    return [Group(key, len(members), members[:3]) for key, members in ordered[:k]]
