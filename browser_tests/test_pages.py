"""Every page of the built book loads offline, shows its figures, math and glued values, and links resolve."""
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from bookpages import book_pages, open_page


def wait_for_math(browser):
    deadline = time.time() + 30
    while time.time() < deadline:
        if browser.execute_script("return !!(window.MathJax && MathJax.startup && MathJax.startup.promise)"):
            browser.execute_async_script("const done = arguments[0]; MathJax.startup.promise.then(() => done(true));")
            return
        time.sleep(0.1)
    raise AssertionError("MathJax did not load")


@pytest.mark.parametrize("page", book_pages())
def test_page_loads_offline_with_its_images(browser, html_dir, page):
    open_page(browser, html_dir / page)
    assert "404" not in browser.title and browser.find_elements("css selector", "main h1"), f"{page}: no heading"
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    remote = [r for r in resources if not r.startswith(("file:", "data:"))]
    assert not remote, f"{page} asks the network for {remote}"
    broken = browser.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert not broken, f"{page}: images that did not load: {broken}"
    text = browser.find_element("css selector", "main").text
    assert "{glue" not in text and "No key" not in text, f"{page}: an unresolved glue reference"


def test_math_renders_without_network(browser, html_dir):
    open_page(browser, html_dir / "book" / "method.html")
    wait_for_math(browser)
    rendered = browser.find_elements("css selector", "mjx-container")
    assert len(rendered) >= 5, "the method page's equations were not typeset"
    errors = browser.find_elements("css selector", "mjx-merror")
    assert not errors, f"MathJax errors: {[e.text for e in errors]}"
    script = browser.execute_script("return document.querySelector('script[src*=\"tex-chtml\"]').src")
    assert script.startswith("file:") and "/_static/mathjax/tex-chtml.js" in script, script
    assert browser.execute_script("return MathJax.version") == "3.2.2"
    browser.execute_async_script("const done = arguments[0]; document.fonts.ready.then(() => done(true));")
    fonts = browser.execute_script("return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert {"MJXTEX", "MJXTEX-I"} <= set(fonts), f"MathJax's fonts did not load from the book: {fonts}"


def test_results_show_glued_values_and_figures(browser, html_dir):
    open_page(browser, html_dir / "book" / "results.html")
    table = browser.find_element("css selector", "main table").text
    assert table.count("2243") >= 2 and table.count("881") >= 2, "the cat row does not show paper and ours"
    images = browser.find_elements("css selector", "main img")
    assert len(images) >= 3 and all(browser.execute_script("return arguments[0].naturalWidth", i) > 100
                                    for i in images)


def test_experiment_page_shows_figure_and_comparison(browser, html_dir):
    open_page(browser, html_dir / "book" / "generated" / "experiment_cat.html")
    main = browser.find_element("css selector", "main").text
    assert "Gradient descent reached the target 0.1 after 2243 completed epochs" in main
    assert "Provenance" in main and "git commit" in main
    assert browser.find_elements("css selector", "main img")


def test_no_internal_link_is_broken(browser, html_dir):
    broken = []
    for page in book_pages():
        open_page(browser, html_dir / page)
        links = browser.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
        for link in links:
            url = urlparse(link)
            if url.scheme != "file":
                continue
            target = Path(unquote(url.path))
            if not target.exists():
                broken.append((page, link))
            elif url.fragment and target.suffix == ".html":
                html = target.read_text(errors="replace")
                if f'id="{url.fragment}"' not in html:
                    broken.append((page, link))
    assert not broken, f"broken internal links: {broken[:10]}"


def test_beyond_page_shows_each_dataset_s_answers_figures_and_table(browser, html_dir):
    open_page(browser, html_dir / "book" / "beyond.html")
    headed = {}  # each section by its own heading (h2: the editions; h3: the first edition's questions)
    for section in browser.find_elements("css selector", "main section section"):
        heading = section.find_elements("css selector", ":scope > h2, :scope > h3")
        if heading:
            headed[heading[0].text.rstrip("#")] = section
    answers = {title: [li.text for li in s.find_elements("css selector", "li")] for title, s in headed.items()}
    questions = [title for title in answers if title.endswith("?")]
    assert len(questions) == 3, f"expected the three questions as sections, found {list(answers)}"
    second = next(s for title, s in headed.items() if "second edition" in title)
    ratio_tables = [table for table in second.find_elements("css selector", "table")
                    if "/ PW" in table.find_element("css selector", "tbody").text]
    assert len(ratio_tables) == 3, "the second edition: expected a table of ratios for each page (MNIST's two losses, cat)"
    for table in ratio_tables:
        cells = [td.text for td in table.find_elements("css selector", "tbody td")]
        assert all(cell.strip() for cell in cells) and sum("paired seeds" in cell for cell in cells) >= 8, cells
    # the first question is answered in sentences, one item per dataset; depth and mini-batches in tables
    items = answers[questions[0]]
    datasets = [item.split(":")[0].split(",")[0] for item in items]
    assert datasets[:2] == ["MNIST", "CIFAR-10"] and set(datasets) == {"MNIST", "CIFAR-10"}, items
    assert all(" / " in item and "time" in item for item in items), f"an answer is empty: {items}"
    for question in questions[1:]:
        section = headed[question]
        tables = [table for table in section.find_elements("css selector", "table")
                  if "/ PW" in table.find_element("css selector", "thead").text]
        assert len(tables) == 2, f"{question}: expected a table of ratios for MNIST and for CIFAR-10"
        for table in tables:
            cells = [td.text for td in table.find_elements("css selector", "tbody td")]
            assert cells and all(cell.strip() for cell in cells), f"{question}: an empty cell"
            assert any("paired seeds" in cell or "not compared" in cell for cell in cells), cells
    images = browser.find_elements("css selector", "main img")
    assert len(images) >= 3 and all(browser.execute_script("return arguments[0].naturalWidth", i) > 100
                                    for i in images), "a glued figure is missing"
    tables = browser.find_elements("css selector", "main table")
    # the editions' settings tables have an empty first header cell; every other table holds ratios
    settings = [t for t in tables if not t.find_element("css selector", "thead th").text.strip()]
    claims = ("has an advantage", "inconclusive", "slower", "not compared")
    ratios = [t for t in tables if t not in settings]
    assert len(settings) == 2 and len(ratios) >= 7, f"{len(settings)} settings and {len(ratios)} ratio tables"
    assert all(any(c in t.text for c in claims) for t in ratios), "a table has no claims"
