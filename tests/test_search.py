"""Search as a user meets it: the right document, in their language, with filters, facets, snippets and pages."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from langchain_core.runnables import RunnableLambda

import index.search as search_module
from index.analysis import tagged, term
from index.kb import KnowledgeBase
from index.search import Searcher, query_language, snippet_for, stopword_vote
from index.vectors import IndexMismatchError
from service.retriever import HumusRetriever


def families(result) -> list[str]:
    return [h.family for h in result.hits]


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("switching to zero tillage", "en"),
        ("passer au semis direct sans labour", "fr"),
        ("pasar a la labranza cero", "es"),
    ],
)
def test_the_same_practice_is_found_in_every_language_and_shown_in_the_users(corpus_kb, query, lang):
    result = corpus_kb.search(query, k=5)
    assert result.lang == lang
    assert "practice:no-till" in families(result)[:2], families(result)
    hit = next(h for h in result.hits if h.family == "practice:no-till")
    assert hit.doc_id == f"practice:no-till:{lang}"  # shown once, in the user's language
    assert len(set(families(result))) == len(result.hits)  # one hit per practice, not one per translation
    assert {"practice:no-till:en", "practice:no-till:fr", "practice:no-till:es"} - {hit.doc_id} == set(hit.also_in)


@pytest.mark.parametrize(
    "query",
    [
        "what budget did the Consortium adopt for 2022?",
        "quel budget le Consortium a-t-il adopté pour 2022 ?",
        "¿qué presupuesto aprobó el Consorcio para 2022?",
    ],
)
def test_french_and_spanish_questions_find_an_english_only_report(corpus_kb, query):
    result = corpus_kb.search(query, k=3)
    top = corpus_kb.catalog().docs[result.hits[0].doc_id]
    assert Path(top.path).name == "004_ad0c69c5e3eac3c3.txt", [h.title for h in result.hits]


@pytest.mark.parametrize(
    ("query", "family"),
    [
        ("cultures intermédiaires", "practice:cover-crops"),  # a glossary synonym, not the sheet's title
        ("semis direct", "practice:no-till"),
        ("cultivos de cobertura", "practice:cover-crops"),
        ("mulch", "practice:mulching"),
    ],
)
def test_short_keyword_queries_find_the_practice_they_name(corpus_kb, query, family):
    # the model reads two-word queries poorly; the word index and the title boost carry them
    assert corpus_kb.search(query, k=3).hits[0].family == family


def test_feedback_compares_families_by_all_their_language_versions(corpus_kb):
    searcher = Searcher(corpus_kb.indexes())
    cat = searcher.catalog
    english = cat.doc_rows["practice:no-till:en"]
    every = [r for lang in ("en", "fr", "es") for r in cat.doc_rows[f"practice:no-till:{lang}"]]
    expected = corpus_kb.vector_index().vectors(cat.chunk_ids[every]).mean(axis=0)
    vector = searcher.family_vector("practice:no-till")
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), rtol=1e-5, atol=1e-6)  # float sums
    # the model reads the three versions alike: each is close to the family's vector
    for lang in ("en", "fr", "es"):
        version = corpus_kb.vector_index().vectors(cat.chunk_ids[cat.doc_rows[f"practice:no-till:{lang}"]]).mean(0)
        assert float(vector @ version / np.linalg.norm(version)) > 0.9, lang
    # rows of the first families get the highest feedback; a family close to them beats an unrelated one
    rows = np.array(
        [
            english[0],
            cat.doc_rows["practice:reduced-tillage:en"][0],
            cat.doc_rows["practice:biochar:en"][0],
            cat.doc_rows["practice:mangrove-restoration:en"][0],
            cat.doc_rows["practice:residue-retention:en"][0],
        ]
    )
    sims = searcher._feedback(rows, np.array([5.0, 4.0, 3.0, 1.0, 0.5], dtype=np.float32), np.ones(5, dtype=bool))
    assert sims[:3].min() > sims[3]
    assert sims[4] > sims[3]  # residue retention is nearer to tillage practices than mangroves are


def test_hybrid_search_scores_every_version_of_a_practice_reached_in_two_languages(corpus_kb):
    # a version that missed both pools is scored by its own chunks, not counted as the lowest candidate, where the
    # practice was reached through two versions; one reached through a single version (a short question's pull
    # towards any sheet in its own language) keeps the lowest candidate score for the others
    searcher = Searcher(corpus_kb.indexes())
    cat = searcher.catalog
    no_till = {cat.doc_rows["practice:no-till:en"][0], cat.doc_rows["practice:no-till:es"][2]}
    rows = no_till | {cat.doc_rows["practice:biochar:fr"][1]}
    assert sorted(searcher.other_versions(rows)) == sorted(cat.doc_rows["practice:no-till:fr"])
    searcher.passing = {"practice:no-till:en", "practice:no-till:es", "practice:biochar:fr"}  # filtered out: left out
    assert searcher.other_versions(rows) == []
    searcher.passing = None
    assert searcher.other_versions(rows | set(cat.doc_rows["practice:no-till:fr"])) == []


def test_a_practice_is_ranked_by_all_its_language_versions(corpus_kb):
    searcher = Searcher(corpus_kb.indexes())
    cat = searcher.catalog
    en, fr, es = (f"practice:no-till:{lang}" for lang in ("en", "fr", "es"))
    assert sorted(cat.members["practice:no-till"]) == sorted([en, es, fr])
    rows = np.array([*cat.doc_rows[en][:2], cat.doc_rows[fr][0], cat.doc_rows["practice:biochar:en"][0]])
    scores = np.array([3.0, 2.0, 1.5, -1.5], dtype=np.float32)
    # each sheet by its best chunk; the Spanish one has no candidate chunk: the lowest candidate score
    docs = searcher.best_per_document(rows, scores)
    assert docs[en] == (cat.doc_rows[en][0], 3.0) and es not in docs
    pooled = searcher.family_scores(docs, floor=-1.5)
    assert pooled == pytest.approx({"practice:no-till": (3.0 + 1.5 - 1.5) / 3, "practice:biochar": -1.5})
    searcher.passing = {en, fr, "practice:biochar:en"}  # a filter the Spanish sheet fails: it does not count
    assert searcher.family_scores(docs, floor=-1.5)["practice:no-till"] == pytest.approx(2.25)
    # a query in any language ranks the family by what its versions share, not by its best version alone
    hits = {
        lang: corpus_kb.search(text, k=10, lang=lang).hits
        for lang, text in (("en", "no-till drilling"), ("fr", "semis direct sans labour"), ("es", "siembra directa"))
    }
    for lang, found in hits.items():
        assert found[0].family == "practice:no-till", lang


def test_the_language_of_a_chunk_does_not_decide_its_cosine(corpus_kb):
    searcher = Searcher(corpus_kb.indexes())
    cat, vectors = searcher.catalog, corpus_kb.vector_index()
    directions = cat.language_directions(vectors)
    assert sorted(directions) == ["en", "es", "fr"]  # from the sheets' versions; the seeds are in English only
    # each family's versions are measured against their own mean: the directions cancel out
    np.testing.assert_allclose(sum(directions.values()), 0, atol=1e-5)
    # a question leans towards its own language's direction, whatever it is about
    questions = {
        "es": ["¿Cuánto carbono almacena el biocarbón?", "¿Qué presupuesto aprobó el Consorcio para 2022?"],
        "fr": ["Combien de carbone le biochar stocke-t-il ?", "Quel budget le Consortium a-t-il adopté en 2022 ?"],
        "en": ["How much carbon does biochar store?", "What budget did the Consortium adopt for 2022?"],
    }
    for lang, texts in questions.items():
        for qvec in corpus_kb.embed_queries(texts):
            offsets = {code: float(d @ qvec) for code, d in directions.items()}
            assert max(offsets, key=offsets.__getitem__) == lang, (lang, offsets)
    # what search subtracts from each candidate's cosine: its language's offset
    rows = np.array([cat.doc_rows[f"practice:biochar:{lang}"][0] for lang in ("en", "fr", "es")])
    qvec = corpus_kb.embed_queries(questions["es"][:1])[0]
    expected = [float(directions[lang] @ qvec) for lang in ("en", "fr", "es")]
    np.testing.assert_allclose(searcher.language_offsets(rows, qvec), expected, rtol=1e-5)


def test_a_store_without_parallel_versions_has_no_language_offsets(tmp_path):
    kb = KnowledgeBase.open(tmp_path / "home")
    (tmp_path / "a.md").write_text("# Compost\n\nCompost raises soil organic carbon in sandy soils.\n")
    (tmp_path / "b.md").write_text("# Compost\n\nEl compost aumenta el carbono orgánico de los suelos arenosos.\n")
    kb.ingest([tmp_path / "a.md", tmp_path / "b.md"])
    searcher = Searcher(kb.indexes())
    assert searcher.catalog.language_directions(kb.vector_index()) == {}  # two documents, not two versions of one
    qvec = kb.embed_queries(["compost"])[0]
    assert not searcher.language_offsets(np.arange(len(searcher.catalog.chunk_ids)), qvec).any()


def test_chunks_added_to_score_other_versions_do_not_change_the_scale(corpus_kb):
    # the fusion's z-scores are taken over the chunks that the two searches returned; the other versions' chunks,
    # added to score the families reached in two languages, are scored on that scale but do not set it
    searcher = Searcher(corpus_kb.indexes())
    plan = searcher.prepare("¿cuánto carbono almacena el biocarbón en el suelo?")
    qvec = corpus_kb.embed_queries([plan.query.text])[0]
    ids, cosines = corpus_kb.vector_index().search(qvec[None, :], 30, None)
    pool = {searcher.catalog.position[int(i)]: float(s) for i, s in zip(ids[0], cosines[0], strict=True)}
    retrieved = sorted(set(pool) | {int(r) for r in np.argsort(-plan.lex)[:30] if plan.lex[r] > 0})
    added = [r for r in range(len(searcher.catalog.chunk_ids)) if r not in retrieved][:200]

    def fused(rows: list[int]) -> np.ndarray:
        order = np.array(sorted(rows))
        sample = np.isin(order, retrieved)
        return searcher._fuse(order, plan.lex, dict(pool), sample, qvec, "hybrid")[sample]

    alone, beside = fused(retrieved), fused([*retrieved, *added])
    np.testing.assert_allclose(alone, beside, rtol=1e-4, atol=1e-4)
    # counted in the scale, the same chunks would have moved every score
    order = np.array(sorted([*retrieved, *added]))
    every = searcher._fuse(order, plan.lex, dict(pool), np.ones(len(order), dtype=bool), qvec, "hybrid")
    assert not np.allclose(every[np.isin(order, retrieved)], alone, atol=1e-2)


def test_english_query_finds_spanish_only_text(tmp_path):
    kb = KnowledgeBase.open(tmp_path / "home", glossary=Path("corpus/glossary/glossary.csv"))
    doc = tmp_path / "nota.md"
    doc.write_text(
        "# Nota técnica\n\nEn los suelos arenosos del Sahel, el compost y el estiércol aumentan el carbono "
        "orgánico del suelo cuando se aplican cada año en los hoyos de siembra.\n",
        encoding="utf-8",
    )
    other = tmp_path / "other.md"
    other.write_text("# Meeting\n\nThe committee approved the minutes of the previous meeting.\n")
    kb.ingest([doc, other])
    result = kb.search("compost on sandy soils", k=2, mode="lexical")
    assert result.hits and result.hits[0].path.endswith("nota.md")
    assert result.expansions.get("es")


def test_query_language_detection():
    assert query_language("quelles pratiques pour les sols sableux ?") == "fr"
    assert query_language("¿qué prácticas para suelos arenosos?") == "es"
    assert query_language("which practices for sandy soils?") == "en"
    assert query_language("biochar") == "en"  # too short to tell: the default
    # the detector hesitates on short questions (0.41 English, 0.40 French); the function words decide
    assert query_language("Est-ce que le semis direct stocke du carbone ?", default="en") == "fr"
    assert query_language("Le compost augmente-t-il le carbone ?", default="en") == "fr"
    assert query_language("biochar", default="es") == "es"
    assert stopword_vote("de la biochar") is None  # "de" and "la" are French and Spanish: no vote
    assert stopword_vote("¿biochar?") == "es"


def test_keywords_without_function_words_read_in_the_language_that_names_them(corpus_kb):
    # the detector hesitates on "semis direct" (0.40 French, 0.33 English) and it has no function word: the
    # glossary and the word list name it in French only
    lexicon = corpus_kb.lexicon()
    assert query_language("semis direct") == "en"  # without them, the default
    assert query_language("semis direct", lexicon=lexicon) == "fr"
    assert query_language("siembra directa", default="fr", lexicon=lexicon) == "es"
    assert query_language("biochar", default="es", lexicon=lexicon) == "es"  # a word of all three: the default
    assert lexicon.own_language("biochar") is None and lexicon.own_language("cover crops") == "en"
    result = corpus_kb.search("semis direct", k=3)
    assert result.lang == "fr" and result.hits[0].lang == "fr"  # shown in the language it was asked in


def test_filters_are_exact_and_a_selective_filter_still_fills_k(corpus_kb):
    result = corpus_kb.search("soil carbon", k=5, filters=["language=fr", "soil_class=sandy"])
    assert len(result.hits) == 5
    for hit in result.hits:
        assert hit.lang == "fr" and "sandy" in hit.facets["soil_class"]
    assert result.facets["language"] == {"fr": result.total}
    # a filter that only a handful of documents pass, for a query that matches none of them lexically
    passing = [d for d, f in corpus_kb.catalog().facets.items() if "AF" in f["country"]]
    result = corpus_kb.search("drip irrigation of greenhouse tomatoes", k=10, filters=["country=AF"])
    assert {h.doc_id for h in result.hits} == set(passing)
    with pytest.raises(ValueError, match="unknown filter"):
        corpus_kb.search("x", filters=["colour=blue"])


def test_facet_counts_match_the_documents_found(corpus_kb):
    result = corpus_kb.search("rice paddies methane", k=100, mode="lexical")
    assert result.total == len(result.hits)
    for name, counts in result.facets.items():
        for value, count in counts.items():
            assert count == sum(1 for h in result.hits if value in h.facets[name]), (name, value)


def test_modes_say_what_found_each_hit(corpus_kb):
    lexical = corpus_kb.search("biochar", k=3, mode="lexical")
    dense = corpus_kb.search("biochar", k=3, mode="dense")
    assert all(h.found_by == ["lexical"] for h in lexical.hits)
    assert all(h.found_by == ["dense"] for h in dense.hits)
    assert lexical.hits[0].family == dense.hits[0].family == "practice:biochar"
    with pytest.raises(ValueError, match="mode"):
        corpus_kb.search("biochar", mode="fuzzy")


def test_hybrid_hits_say_which_search_found_them(corpus_kb, monkeypatch):
    # the word index looks for biochar, the vectors for mangroves: each hit is found by one of them
    monkeypatch.setattr(search_module, "POOL", 5)
    searcher = Searcher(corpus_kb.indexes())
    plan = searcher.prepare("biochar", k=10)
    qvec = corpus_kb.embed_queries(["restoring mangrove forests on tidal coasts"])[0]
    hits = searcher.finish(plan, qvec).hits
    cat = searcher.catalog
    ids, _ = corpus_kb.vector_index().search(qvec[None, :], 5, None)
    nearest = {cat.family[cat.chunk_doc[cat.position[int(i)]]] for i in ids[0]}
    assert "practice:mangrove-restoration" in nearest
    for hit in hits:
        assert ("dense" in hit.found_by) == (hit.family in nearest), (hit.family, hit.found_by)
    assert any(h.found_by == ["lexical"] and h.family == "practice:biochar" for h in hits)


def test_snippet_highlights_the_query_words(corpus_kb):
    hit = corpus_kb.search("liming acid soils", k=1).hits[0]
    assert hit.family == "practice:liming-acid-soils"
    marked = [hit.snippet[s:e].lower() for s, e in hit.highlights]
    assert marked and all(w.startswith(("lim", "acid", "soil")) for w in marked), marked


def test_snippet_joins_a_compound_broken_at_a_line_end():
    """A slide breaks "socio-" / "economic" over two lines: the snippet reads "socio-economic", where a page showing
    the raw line break would read "socio- economic", and its highlights still mark whole words, long text or short."""
    text = "Regions were ranked by weighing socio-\neconomic factors and agro-\n  ecological zones. "
    terms = {f"{tagged([''], 'en')[0]}{term(w, 'en')}" for w in ("economic", "zones")}
    for padded in (text, "Some words before. " * 40 + text + "Some words after. " * 40):
        snippet, spans = snippet_for(padded, "en", terms)
        assert "socio-economic factors and agro-ecological zones" in snippet, snippet
        assert [snippet[s:e] for s, e in spans] == ["economic", "zones"]


def test_group_by_zone(corpus_kb):
    result = corpus_kb.search("grazing management", k=5, group_by="zone")
    assert result.groups
    for group in result.groups:
        zone, soil = group.key.split(" × ")
        assert all(zone in h.facets["climate_zone"] and soil in h.facets["soil_class"] for h in group.hits)


def test_pdf_hit_gives_its_page(shared_kb):
    result = shared_kb.search("budget 2022 €970,000", k=5, filters=["doc_type=meeting_report"])
    hit = result.hits[0]
    assert hit.path.endswith("consortium-8-1-report.pdf") or "consortium-8-1-report.pdf" in [
        Path(shared_kb.catalog().docs[d].path).name for d in hit.also_in
    ]
    if hit.path.endswith(".pdf"):
        assert hit.page == 9


def test_reingest_embeds_only_new_text_and_deletes_follow(tmp_path):
    kb = KnowledgeBase.open(tmp_path / "home")
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("# Mulch\n\nStraw mulch keeps sandy soils cool and moist.\n")
    b.write_text("# Hedges\n\nHedgerows shelter fields from the wind.\n")
    kb.ingest([a, b])
    assert len(kb.vector_index()) == 2
    assert kb.sync()["embedded"] == 0
    b.write_text("# Hedges\n\nHedgerows shelter fields from the wind and store carbon in wood.\n")
    kb.ingest([a, b])
    vectors = kb.vector_index()
    assert len(vectors) == 2
    b.unlink()
    kb.ingest([tmp_path], prune=True)
    assert len(kb.vector_index()) == 1
    assert [h.path for h in kb.search("hedgerows wind", k=5).hits] == [str(a.resolve())]
    # a fresh process reads the saved index and the embedding cache: nothing is re-embedded
    again = KnowledgeBase.open(tmp_path / "home")
    assert again.reindex()["embedded"] == 0
    assert len(again.vector_index()) == 1


def test_a_store_built_with_minilm_is_refused_then_reembedded_once(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (tmp_path / "a.md").write_text("# A\n\nSome text about soils.\n")
    old = KnowledgeBase.open(home, model="all-MiniLM-L6-v2")  # the default before multilingual-e5-small
    old.ingest([tmp_path / "a.md"])
    old.close()
    with pytest.raises(IndexMismatchError, match=r"'all-MiniLM-L6-v2'.*run `humus reindex`"):
        KnowledgeBase.open(home).search("soils")
    # make run: `humus ingest --reindex` re-embeds with the default model, once
    from typer.testing import CliRunner

    from service.cli import app
    from service.settings import get_settings

    monkeypatch.setenv("HUMUS_HOME", str(home))
    get_settings.cache_clear()
    runner = CliRunner()
    out = runner.invoke(app, ["ingest", str(tmp_path / "a.md"), "--reindex"])
    assert out.exit_code == 0 and "re-embedding the store with multilingual-e5-small" in out.output, out.output
    assert json.loads((home / "vectors" / "manifest.json").read_text())["model"] == "multilingual-e5-small"
    assert KnowledgeBase.open(home).sync()["embedded"] == 0
    assert runner.invoke(app, ["ingest", str(tmp_path / "a.md"), "--reindex"]).output.count("re-embedding") == 0
    assert KnowledgeBase.open(home).search("suelos").hits  # Spanish query, English chunk, multilingual model
    get_settings.cache_clear()


def test_ivf_index_with_a_selective_filter_returns_k(tmp_path):
    kb = KnowledgeBase.open(tmp_path / "home", vector_index="ivf")
    folder = tmp_path / "docs"
    folder.mkdir()
    rng = np.random.default_rng(1)
    topics = ["maize", "rice", "sorghum", "cassava", "wheat", "millet", "barley", "beans"]
    for i in range(80):
        crop = topics[i % len(topics)]
        (folder / f"n{i:02}.md").write_text(f"# Note {i}\n\nTrial {rng.integers(1000)} of {crop} with compost.\n")
    kb.ingest([folder])
    assert kb.vector_index().kind == "ivf"
    result = kb.search("compost trial", k=10, mode="dense", filters=["year=1999"])
    assert result.hits == []  # nothing passes: nothing comes back, rather than unfiltered hits
    result = kb.search("rice", k=10, mode="dense")
    assert len(result.hits) == 10


def test_langchain_retriever_inside_a_chain(corpus_kb):
    retriever = HumusRetriever(kb=corpus_kb, k=3)
    chain = retriever | RunnableLambda(lambda docs: [d.metadata["doc_id"] for d in docs])
    ids = chain.invoke("biochar made from crop residues")
    assert ids[0] == "practice:biochar:en"
    docs = retriever.invoke("biochar")
    assert docs[0].page_content and docs[0].metadata["title"]


def test_glossary_import(tmp_path):
    kb = KnowledgeBase.open(tmp_path / "home", glossary=None, freedict_dir=None)
    doc = tmp_path / "fr.md"
    doc.write_text("# Fiche\n\nLe paillage protège le sol nu contre la battance.\n", encoding="utf-8")
    kb.ingest([doc])
    assert kb.search("mulching", k=1, mode="lexical").hits == []
    csv_file = tmp_path / "thesaurus.csv"
    csv_file.write_text(
        "code,label_en,alt_en,label_fr,alt_fr,label_es,alt_es\nc_1,mulching,mulch,paillage,,acolchado,\n",
        encoding="utf-8",
    )
    assert kb.import_thesaurus(csv_file) == 1
    assert kb.search("mulching", k=1, mode="lexical").hits[0].path.endswith("fr.md")
    bad = tmp_path / "bad.csv"
    bad.write_text("code,label_en,label_fr\nc_1,a,b\n")
    with pytest.raises(ValueError, match=r"bad\.csv: missing column"):
        kb.import_thesaurus(bad)


def test_cli_search_json_and_glossary_import_errors(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from service.cli import app
    from service.settings import get_settings

    monkeypatch.setenv("HUMUS_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    runner = CliRunner()
    doc = tmp_path / "note.md"
    doc.write_text("# Compost\n\nCompost adds organic matter to sandy soils.\n")
    assert runner.invoke(app, ["ingest", str(doc)]).exit_code == 0
    out = runner.invoke(app, ["search", "compost", "--json", "-k", "3"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["hits"][0]["title"] == "Compost" and "facets" in data
    bad = tmp_path / "agrovoc.csv"
    bad.write_text("code,label_en,alt_en,label_fr,alt_fr,label_es,alt_es\nc_1,a,,b,,c,,extra\n")
    out = runner.invoke(app, ["glossary", "import", str(bad)])
    assert out.exit_code == 1 and "agrovoc.csv line 2" in out.output
    out = runner.invoke(app, ["search", "compost", "--filter", "colour=red"])
    assert out.exit_code == 2 and "unknown filter" in out.output
    get_settings.cache_clear()


def test_the_word_list_translates_before_freedict(tmp_path: Path) -> None:
    """FreeDict lists every sense of a word in no useful order ("suelo": sole, bottom, foundation, ground, floor;
    never soil): a word the word list knows takes its translations from there only; one it does not know keeps
    FreeDict's."""
    from index.lexicon import Lexicon, build_lexicon

    lexicon = Lexicon()
    lexicon.add("freedict", {"es": ["suelo"], "en": ["sole", "bottom", "foundation", "ground"]})
    lexicon.add("freedict", {"es": ["mijo"], "en": ["millet"]})
    lexicon.add("words", {"en": ["soil", "soils"], "fr": ["sol"], "es": ["suelo", "suelos"]})
    assert lexicon.expand("suelos", "es").groups[0].in_lang("en") == ["soil", "soils"]
    assert lexicon.expand("mijo", "es").groups[0].in_lang("en") == ["millet"]
    shipped = build_lexicon(None, [], None, Path("corpus/glossary/words.csv"))
    for word, lang, english in [("reuniones", "es", "meeting"), ("carbono", "es", "carbon"), ("années", "fr", "year"),
                                ("presupuesto", "es", "budget"), ("prácticas", "es", "practice"),
                                # the reports' commoner words, in the forms a question uses
                                ("celebró", "es", "held"), ("reunió", "es", "met"), ("Buró", "es", "bureau"),
                                ("redes sociales", "es", "social media"), ("movilización", "es", "mobilisation"),
                                ("mise en œuvre", "fr", "implementation"), ("partenariats", "fr", "partnership"),
                                ("periodista", "es", "journalist")]:  # fmt: skip
        assert english in shipped.expand(word, lang).groups[0].in_lang("en"), word
    assert "time" not in shipped.expand("periodista", "es").groups[0].in_lang("en")  # "periodo" shares its stem
    bad = tmp_path / "words.csv"
    bad.write_text("en,fr,es\nsoil,sol,suelo\nyear,année,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"words\.csv line 3"):
        build_lexicon(None, [], None, bad)
    bad.write_text("en,fr\nsoil,sol\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"words\.csv: columns must be en, fr, es"):
        build_lexicon(None, [], None, bad)


def test_a_stem_shared_by_words_of_different_meanings() -> None:
    """French Snowball stems "terre" (land) and "terrasses" to "terr", Spanish "cálido" (warm) and "cal" (lime) to
    "cal": the entry that spells the word as written is the one meant, in queries and in the concepts a text names."""
    from index.lexicon import build_lexicon

    shipped = build_lexicon(Path("corpus/glossary/glossary.csv"), [], None, Path("corpus/glossary/words.csv"))
    assert shipped.mentions("sans retourner la terre", "fr") == []
    assert shipped.mentions("des terrasses", "fr") == ["bench_terraces"]
    assert shipped.mentions("¿Cuánta cal puedo aplicar?", "es") == ["agricultural_lime"]
    assert shipped.mentions("un clima cálido", "es") == []
    # Spanish "salen" (come up) and "salado" (salty), "monte" (bush) and "montado" (a wood pasture) share stems too:
    # the glossary names salty soils and the montado only in words that cannot be read otherwise
    assert shipped.mentions("casi no salen árboles jóvenes", "es") == []
    assert shipped.mentions("dejamos que el monte vuelva", "es") == []
    assert set(shipped.mentions("un suelo salado", "es")) == {"saline_soils"}
    warm = shipped.expand("cálido", "es").groups[0]
    assert "warm" in warm.in_lang("en") and "lime" not in warm.in_lang("en") and not warm.concepts


def test_cognates_of_words_no_dictionary_knows() -> None:
    from index.lexical import LexicalIndex

    terms = [["en:consortium", "en:collabor", "en:color"], ["en:initi", "en:strateg"], ["en:2021", "en:soil"]]
    index = LexicalIndex(np.arange(3), terms)
    assert index.cognates("Consorcio", "es", "en") == "en:consortium"
    assert index.cognates("colaborar", "es", "en") == "en:collabor"  # the closest spelling, not 'color'
    assert index.cognates("estratégica", "es", "en") == "en:strateg"  # Spanish es- before a consonant
    assert index.cognates("Iniciativa", "es", "en") == "en:initi"
    assert index.cognates("pingüinos", "es", "en") is None
    assert index.cognates("2021", "es", "en") is None  # numbers match as typed, never as look-alikes
    assert index.cognates("suelo", "es", "en") is None
    # "précédentes" reads as "present" and "prevent" alike (ratio 0.75, same length): the tie goes the same way
    # whatever order the index's vocabulary comes in, so an answer does not change from one process to the next
    # (bm25s builds it from a set, so its order follows the process's string hashing)
    tied = LexicalIndex(np.arange(1), [["en:present", "en:prevent"]])
    for order in (sorted, lambda terms: sorted(terms, reverse=True)):
        tied._vocab, tied._by_start, tied._cognates = {t: tied._vocab[t] for t in order(tied._vocab)}, None, {}
        assert tied.cognates("précédentes", "fr", "en") == "en:present"


def test_number_words_stand_for_their_digits() -> None:
    from index.analysis import number_word
    from index.lexicon import TermGroup
    from index.search import group_bags

    assert [number_word(w, lang) for w, lang in [("twenty", "en"), ("Vingt", "fr"), ("veinte", "es")]] == [20] * 3
    assert [number_word(w, lang) for w, lang in [("ninth", "en"), ("neuvième", "fr"), ("novena", "es")]] == [9] * 3
    assert number_word("once", "es") == 11 and number_word("once", "en") is None  # each language its own words
    assert number_word("una", "es") is None and number_word("un", "fr") is None  # articles, not numbers
    bags = group_bags(TermGroup("veinte", [("es", "veinte"), ("en", "twenty")]), ["en", "fr", "es"])
    assert ("en:20",) in bags and ("fr:20",) in bags and ("es:veint",) in bags
    assert not any("20" in t for bag in group_bags(TermGroup("países", [("es", "países")]), ["en"]) for t in bag)


def test_british_and_american_spellings_are_one_term() -> None:
    from index.analysis import analyze

    assert analyze("harmonisation of fertiliser use, analysed; labour, centres, metres; programme", "en") == analyze(
        "harmonization of fertilizer use, analyzed; labor, centers, meters; program", "en"
    )
    assert analyze("four hours, rise, acre", "en") == ["four", "hour", "rise", "acr"]  # too short to respell
    assert analyze("fertilisation", "fr") == ["fertilis"]  # French -isation is French spelling, left alone
    assert analyze("promise advise", "en") != analyze("promise advice", "en")  # no two words made one


def test_irregular_past_forms_are_read_as_their_verb() -> None:
    """ "How much did they spend?" finds "307,316 € spent"; "where will it be held?" finds "to hold"."""
    from index.analysis import analyze

    assert analyze("spent, held, paid, chosen, built, grown", "en") == analyze(
        "spend, hold, pay, choose, build, grow", "en"
    )
    assert analyze("found, left, ground, meant", "en") == ["found", "left", "ground", "meant"]  # as often other words
    assert analyze("spent", "fr") == ["spent"]  # English only


def test_modal_verbs_are_stop_words_in_every_language() -> None:
    """English stop words hold "can" and "should"; French and Spanish ones now hold theirs ("puis-je" was read as
    a topic and translated "afterward", "draw", "next")."""
    from index.analysis import analyze

    assert analyze("How much lime can I apply?", "en") == ["lime", "appli"]
    assert analyze("Quelle quantité de chaux puis-je apporter ?", "fr") == ["quantit", "chaux", "apport"]
    assert analyze("¿Cuánta cal puedo aplicar? ¿Debemos encalar?", "es") == ["cal", "aplic", "encal"]


def test_a_bare_number_is_no_glossary_phrase() -> None:
    """The alias "4‰" reads as the word "4": it would tag every "4" in the corpus as the 4 per 1000 Initiative."""
    from index.lexicon import Lexicon

    lexicon = Lexicon()
    lexicon.add("glossary", {"en": ["4 per 1000", "4‰"], "fr": ["4 pour 1000"]}, "four_per_1000")
    assert lexicon.mentions("It took 4 weeks and 4–6 visits.", "en") == []
    assert lexicon.mentions("The 4 per 1000 Initiative and the 4‰ goal.", "en") == ["four_per_1000"]


def test_a_phrase_of_stop_words_has_no_index_terms() -> None:
    """The phrases "how much", "por qué" are stop words where they are asked; read in the other languages their
    words became terms no document holds ("es:how", "fr:por"), the rarest of the question."""
    from index.lexicon import TermGroup
    from index.search import QUERY_LANGS, group_bags

    assert group_bags(TermGroup("How much", [("en", "How much"), ("fr", "combien")]), QUERY_LANGS) == set()
    assert group_bags(TermGroup("Por qué", [("es", "Por qué"), ("en", "wherefore")]), QUERY_LANGS) == set()
    bags = group_bags(TermGroup("Helsinki", [("en", "Helsinki")]), QUERY_LANGS)
    assert {("en:helsinki",), ("es:helsinki",)} <= bags  # a name is read in every language


def test_building_the_word_index_logs_nothing(caplog):
    # bm25s logs each build at DEBUG on a logger it sets to DEBUG; under `humus serve` (MCP installs a root handler)
    # that printed "Building index from tokens" in the user's terminal
    from index.lexical import LexicalIndex

    caplog.set_level(logging.DEBUG)
    LexicalIndex(np.arange(2), [["en:soil"], ["en:carbon"]])
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("bm25s")]
