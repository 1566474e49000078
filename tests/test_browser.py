"""The web page in a real browser: Playwright driving Debian's Chromium against a live server.

Screenshots go to eval/.cache/screenshots/ (look at them). Without /usr/bin/chromium the test is skipped,
unless HUMUS_REQUIRE_BROWSER is set (as in CI), where it fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import API_KEY, ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "eval" / ".cache" / "screenshots"

if not CHROMIUM.exists():
    if os.environ.get("HUMUS_REQUIRE_BROWSER"):
        raise RuntimeError("/usr/bin/chromium is missing: apt-get install chromium (make browser)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Locator, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def page(live_server: str) -> Iterator[Page]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(live_server)
        yield pg
        browser.close()
        assert not errors, errors


def test_the_page_opens_in_the_browsers_language(live_server: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        for locale, tab in (("es-AR", "Buscar"), ("fr-FR", "Rechercher"), ("de-DE", "Search")):
            pg = browser.new_context(locale=locale).new_page()  # each context starts without a stored choice
            pg.goto(live_server)
            expect(pg.locator(".tabs button[data-tab='search']")).to_have_text(tab)
            expect(pg.locator("#ui-lang")).to_have_value(locale[:2] if tab != "Search" else "en")
        pg.select_option("#ui-lang", "fr")  # a language chosen on the page wins over the browser's next time
        pg.reload()
        expect(pg.locator(".tabs button[data-tab='search']")).to_have_text("Rechercher")
        browser.close()


def test_search_and_facets(page: Page) -> None:
    expect(page).to_have_title("Humus · soil-carbon knowledge base")
    page.fill("#q", "cover crops between cash crops")
    page.press("#q", "Enter")
    first = page.locator("#results .hit h3").first
    expect(first).to_contain_text("Cover crops")
    expect(page.locator("#facets .facet").first).to_be_visible()
    page.locator("#facets input[data-facet='doc_type'][value='practice']").check()
    expect(page.locator("#results .hit").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "1-search.png"), full_page=True)
    link = page.locator("#download-csv")  # the same filtered search, as a table
    expect(link).to_be_visible()
    response = page.request.get(link.evaluate("a => a.href"))  # the absolute address
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("rank,title,doc_type") and len(lines) > 1
    assert all(",practice," in line for line in lines[1:]), "the facet filter applies to the download too"


def test_french_interface_and_sheet(page: Page) -> None:
    page.select_option("#ui-lang", "fr")
    expect(page.locator(".tabs button[data-tab='search']")).to_have_text("Rechercher")
    page.fill("#q", "cultures intermédiaires")  # a synonym: the sheet is titled "Couverts végétaux ..."
    page.press("#q", "Enter")
    hit = page.locator("#results .hit h3 a").first
    expect(hit).to_contain_text("Couverts végétaux")
    hit.click()
    viewer = page.locator("#viewer")
    expect(viewer).to_be_visible()
    expect(page.locator("#viewer-body h4").first).to_be_visible()  # the sheet's sections, rendered
    figures = page.locator("#viewer-body .figures")  # its published figures and quantities, each cited
    expect(figures).to_contain_text("0,331 t C/ha/an")
    expect(figures).to_contain_text("Bolinder, M.A.")
    expect(figures).to_contain_text("0,75–1,5 pouces")  # the sheet's units, in its language
    page.screenshot(path=str(SHOTS / "2-sheet-fr.png"))
    page.locator("#viewer-langs button", has_text="ES").click()
    expect(page.locator("#viewer-title")).to_contain_text("Cultivos de cobertura")
    expect(figures).to_contain_text("0,75–1,5 pulgadas")
    page.click("#viewer-close")


def test_a_difference_in_stock_shows_as_one_on_the_sheet(page: Page) -> None:
    """Reduced tillage's figure is a difference in stock over 30 cm, not a rate: the sheet's figures say so."""
    page.select_option("#ui-lang", "fr")
    page.fill("#q", "travail du sol simplifié")
    page.press("#q", "Enter")
    page.locator("#results .hit h3 a", has_text="Travail du sol simplifié").first.click()
    figures = page.locator("#viewer-body .figures")
    expect(figures).to_contain_text("3,22 t C/ha (écart de stock, pas par an)")
    expect(figures).to_contain_text("Meurer")
    page.click("#viewer-close")


def ask_on_the_english_page(page: Page, question: str) -> Locator:
    """The answer's box, once asked (the answer may still be coming)."""
    page.select_option("#ui-lang", "en")
    page.click(".tabs button[data-tab='ask']")
    page.fill("#question", question)
    page.press("#question", "Enter")
    return page.locator("#chat .answer").last


def test_ask_and_follow_the_citation(page: Page) -> None:
    answer = ask_on_the_english_page(page, "What is the total annual budget proposed for 2022?")
    expect(answer).to_contain_text("970,000", timeout=30_000)
    # the citation of the quote that holds the figure (the answer may quote other budget lines first)
    cited = re.search(r"970,000[^\[]*\[(\d+)\]", answer.locator("p:not(.figure)").first.inner_text())
    assert cited, answer.inner_text()
    citation = answer.locator("a.citation", has_text=f"[{cited.group(1)}]")
    expect(citation).to_contain_text("Consortium 8-1")
    page.screenshot(path=str(SHOTS / "3-answer.png"))
    citation.click()
    expect(page.locator("#viewer-body mark.quote")).to_contain_text("970,000")
    page.screenshot(path=str(SHOTS / "4-citation.png"))
    page.click("#viewer-close")
    page.fill("#question", "and in 2021?")
    page.press("#question", "Enter")
    expect(page.locator("#chat .answer").last).to_contain_text("2021", timeout=30_000)


def test_a_refusal_lists_the_nearest_passages(page: Page) -> None:
    question = (
        "Our field in the tropics is worn out. If we stop cropping it and keep the fire and the cattle out so that "
        "the forest comes back by itself, how much of the soil's carbon returns?"
    )
    answer = ask_on_the_english_page(page, question)
    expect(answer).to_contain_text("No source in the knowledge base answers this.", timeout=30_000)
    expect(answer.locator(".closest-lead")).to_have_text("The nearest passages, which may not answer the question:")
    nearest = answer.locator("ol.closest li")
    expect(nearest.first.locator("blockquote")).to_be_visible()  # their own words, to read
    nearest.first.locator("a.citation").click()
    expect(page.locator("#viewer")).to_be_visible()
    page.click("#viewer-close")


def test_gap_map(page: Page) -> None:
    page.select_option("#ui-lang", "en")
    page.click(".tabs button[data-tab='gaps']")
    covered = page.locator("#gaps-grid td.state-covered").first  # the interactive grid, cells coloured by class
    expect(covered).to_have_attribute("title", re.compile("meta-analyses"))  # hover: sources by kind
    covered.click()  # click: the sources, each opening its sheet
    expect(page.locator("#gaps-detail li").first).to_be_visible()
    page.locator("#gaps-detail li a").first.click()
    expect(page.locator("#viewer")).to_be_visible()
    page.click("#viewer-close")
    expect(page.locator("#gaps-list li").first).to_be_visible()
    page.select_option("#gaps-by", "outcome")
    expect(page.locator("#gaps-grid thead th", has_text="greenhouse gases")).to_be_visible()
    png = page.request.get(page.locator("#gaps-png").evaluate("a => a.href"))
    assert png.headers["content-type"] == "image/png" and len(png.body()) > 20_000
    page.screenshot(path=str(SHOTS / "5-gaps.png"), full_page=True)


def test_conditions_form(page: Page) -> None:
    page.select_option("#ui-lang", "es")
    page.click(".tabs button[data-tab='place']")
    page.fill("input[name='mat']", "27")
    page.fill("input[name='map']", "600")
    page.fill("input[name='soil']", "Arenosols")
    page.click("#place-form button[type='submit']")
    expect(page.locator("#place-zone")).to_contain_text("Tropical seco")
    expect(page.locator("#place-zone")).to_contain_text("Suelos arenosos")
    expect(page.locator("#place-results .hit .match").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "6-conditions-es.png"), full_page=True)


def test_document_text_is_escaped(page: Page, live_server: str) -> None:
    page.select_option("#ui-lang", "en")
    hostile = (
        b"Injected <script>window.__pwned = 1</script>\n\n"
        b'A note on Xylophage compost <img src=x onerror="window.__pwned = 2"> trials.'
    )
    upload = page.request.post(
        f"{live_server}/api/documents?wait=120",
        multipart={"files": {"name": "hostile.txt", "mimeType": "text/plain", "buffer": hostile}},
        headers={"X-API-Key": API_KEY},
        timeout=150_000,  # the server waits up to 120 s for the job; a loaded machine needs more than 30
    )
    assert upload.ok, upload.text()
    doc_id = upload.json()["files"][0]["documents"][0]
    try:
        page.click(".tabs button[data-tab='search']")
        page.fill("#q", "Xylophage compost")
        page.press("#q", "Enter")
        hit = page.locator("#results .hit").first
        expect(hit).to_contain_text("<script>")
        expect(hit.locator(".snippet")).to_contain_text("<img src=x")
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#results script, #results img").count() == 0
    finally:
        page.request.delete(f"{live_server}/api/documents/{doc_id}?wait=120", headers={"X-API-Key": API_KEY})


def test_a_french_question_on_the_english_page_gets_a_french_answer_with_its_figure(page: Page) -> None:
    answer = ask_on_the_english_page(page, "Combien de carbone le fumier ajoute-t-il au sol chaque année ?")
    expect(answer.locator("mark.quote").first).to_be_visible(timeout=30_000)  # the quote, highlighted
    expect(answer.locator("p.figure")).to_be_visible()
    expect(answer.locator("a.citation").first).to_contain_text("fumier")  # the French sheet
    page.screenshot(path=str(SHOTS / "6-answer-fr.png"))
