"""The PDF of the whole book (``python -m pwcore.book.pdf``; ``make book`` builds it, ``make test`` before these tests).

Read with poppler's ``pdfinfo``, ``pdftoppm`` and ``pdftotext`` (Debian: poppler-utils) and pypdf.
"""
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PDF_NAME = "book.pdf"
# The printed page inside its margins (pwcore.book.pdf prints on A4, 8.27 x 11.69 in): the running
# footer with the title and page number is outside it, so an empty page has no ink there.
CONTENT_BOX = {"top": 0.55 / 11.69, "bottom": 0.6 / 11.69, "left": 0.6 / 8.27, "right": 0.6 / 8.27}


def toc_files() -> list:
    """The pages of the table of contents, in order, e.g. ``book/intro``, ``book/method``."""
    import yaml

    def walk(entries):
        for entry in entries or []:
            yield entry["file"]
            yield from walk(entry.get("sections"))

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [f for part in toc["parts"] for f in walk(part["chapters"])]


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise FileNotFoundError(f"{tool} is missing: apt-get install poppler-utils")
    return path


def ink(png: Path) -> float:
    """The share of the content box of a rendered page that differs clearly from its commonest shade."""
    from PIL import Image
    grey = np.asarray(Image.open(png).convert("L"), dtype=int)
    height, width = grey.shape
    box = grey[int(height * CONTENT_BOX["top"]):int(height * (1 - CONTENT_BOX["bottom"])),
               int(width * CONTENT_BOX["left"]):int(width * (1 - CONTENT_BOX["right"]))]
    background = np.bincount(box.ravel(), minlength=256).argmax()
    return float((np.abs(box - background) > 40).mean())


def render(pdf: Path, folder: Path, resolution: int, first: int | None = None, last: int | None = None) -> list:
    """Pages of ``pdf`` rendered to PNG files in ``folder`` by pdftoppm, in page order."""
    pages = [] if first is None else ["-f", str(first), "-l", str(last)]
    subprocess.run([poppler("pdftoppm"), "-r", str(resolution), "-png", *pages, str(pdf), str(folder / "page")],
                   check=True)
    return sorted(folder.glob("page-*.png"))


@pytest.fixture(scope="session")
def pdf(html_dir) -> Path:
    path = html_dir / PDF_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: build it with `make pdf` (python -m pwcore.book.pdf)")
    return path


@pytest.fixture(scope="session")
def reader(pdf):
    from pypdf import PdfReader
    return PdfReader(pdf)


def test_pdf_has_at_least_a_page_per_book_page(pdf):
    info = subprocess.run([poppler("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))
    assert pages >= len(toc_files()), f"{pages} PDF pages for {len(toc_files())} pages of the book"
    assert "A4" in info, f"not printed on A4:\n{info}"


def test_first_three_pages_are_not_blank(pdf, tmp_path):
    pngs = render(pdf, tmp_path, 50, 1, 3)
    assert len(pngs) == 3, f"pdftoppm rendered {len(pngs)} of the first 3 pages"
    shares = {png.name: ink(png) for png in pngs}
    # at 50 dpi a full page of text inks 5-20 % of its box, one line of text about 0.3 %, an empty page 0
    assert all(share > 0.002 for share in shares.values()), f"an almost blank page among the first three: {shares}"


def test_no_page_is_empty(pdf, tmp_path):
    """Chromium leaves an empty page when a page break falls just after a full page: none is left."""
    empty = [png.name for png in render(pdf, tmp_path, 20) if ink(png) < 0.001]
    assert not empty, f"pages with nothing but the running footer: {empty}"


def test_the_blank_check_sees_a_blank_page(tmp_path):
    from PIL import Image
    page = np.full((234, 165), 255, dtype=np.uint8)
    page[-8:-4, 10:60] = 0  # the running footer, outside the content box
    Image.fromarray(page).save(tmp_path / "blank.png")
    page[40:44, 20:140] = 0  # one line of text
    Image.fromarray(page).save(tmp_path / "line.png")
    assert ink(tmp_path / "blank.png") == 0 and ink(tmp_path / "line.png") > 0.001


def internal_links(reader) -> list:
    """``(page number, destination name)`` of every link annotation that points inside the PDF."""
    links = []
    for number, page in enumerate(reader.pages, start=1):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation:
                links.append((number, str(annotation["/Dest"])))
    return links


def test_internal_links_land_on_every_book_page_in_order(reader):
    links = internal_links(reader)
    assert links, "the PDF has no internal links"
    named = reader.named_destinations
    dead = sorted({name for _, name in links if name not in named})
    assert not dead, f"links to destinations the PDF does not have: {dead[:10]}"
    # the table of contents on page 1 links every page after the first; each starts a new PDF page, in order
    contents = [name for number, name in links if number == 1]
    wanted = [f"/document-{file}" for file in toc_files()[1:]]
    assert [name for name in contents if name in wanted] == wanted, "the contents do not link every page in order"
    starts = [reader.get_destination_page_number(named[name]) + 1 for name in wanted]
    assert starts == sorted(set(starts)) and starts[0] > 1, f"book pages do not start new PDF pages in order: {starts}"


def test_no_link_points_at_a_local_file(reader):
    uris = [str(annotation.get_object()["/A"].get("/URI", "")) for page in reader.pages
            for annotation in page.get("/Annots") or [] if "/A" in annotation.get_object()]
    local = [uri for uri in uris if uri.startswith("file:")]
    assert not local, f"links to files on the machine that printed the book: {local[:5]}"


def test_every_figure_of_the_book_is_in_the_pdf(reader, html_dir):
    figures = 0
    for file in toc_files():
        html = (html_dir / f"{file}.html").read_text(encoding="utf-8")
        article = html[html.find("<article"):html.find("</article>")]
        figures += article.count("<img")
    placed = 0
    for page in reader.pages:
        resources = page.get("/Resources")
        objects = resources.get_object().get("/XObject") if resources is not None else None
        if objects is not None:
            placed += sum(1 for xobject in objects.get_object().values()
                          if xobject.get_object().get("/Subtype") == "/Image")
    assert figures > 0 and placed >= figures, f"{placed} images in the PDF for {figures} figures in the book"


def test_no_page_ends_with_a_heading(pdf, html_dir):
    headings = set()
    for file in toc_files():
        html = (html_dir / f"{file}.html").read_text(encoding="utf-8")
        for heading in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.DOTALL):
            headings.add(unescape(re.sub(r"<[^>]+>", "", heading)).replace("#", "").strip())
    # the text above the running footer, in points (1/72 in) of an A4 page
    above_footer = ["-r", "72", "-x", "0", "-y", "0", "-W", str(round(72 * 8.27)),
                    "-H", str(round(72 * 11.69 * (1 - CONTENT_BOX["bottom"])))]
    text = subprocess.run([poppler("pdftotext"), *above_footer, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    orphans = []
    for number, page in enumerate(text.split("\f")[1:], start=2):  # page 1, the contents, lists them all
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if lines and lines[-1] in headings:
            orphans.append((number, lines[-1]))
    assert not orphans, f"pages that end with a heading whose text is on the next page: {orphans}"


def test_math_is_typeset_not_printed_as_tex(pdf):
    text = subprocess.run([poppler("pdftotext"), str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    raw = sorted({m for m in re.findall(r"\\\(|\\\[|\$\$|\\frac|\\begin\{", text)})
    assert not raw, f"TeX left in the PDF's text: {raw}"
    assert "Gradient descent (Algorithm 1)" in text, "the method page's text is missing"


def test_every_page_of_the_html_book_links_the_pdf(pdf, browser, html_dir):
    from bookpages import book_pages, open_page
    missing = []
    for page in book_pages():
        open_page(browser, html_dir / page)
        links = browser.execute_script(
            "return [...document.querySelectorAll('.pwcore-pdf-link a')].filter(a => a.offsetParent !== null)"
            ".map(a => decodeURIComponent(new URL(a.href).pathname))")
        if [Path(link).resolve() for link in links] != [pdf.resolve()]:
            missing.append((page, links))
    assert not missing, f"pages without one visible link to {pdf.name}: {missing[:5]}"


def outline_titles(reader) -> list:
    """The titles of the PDF's outline (bookmarks), depth first."""
    def walk(items):
        for item in items:
            yield from walk(item) if isinstance(item, list) else [item.title]
    return list(walk(reader.outline))


def test_no_bookmark_names_its_heading_twice(reader):
    titles = outline_titles(reader)
    assert len(titles) > 20, f"the PDF's outline has only {len(titles)} entries"
    doubled = [t for t in titles if len(t) % 2 == 0 and t[:len(t) // 2] == t[len(t) // 2:]]
    assert not doubled, f"{len(doubled)} of {len(titles)} bookmarks repeat their heading: {doubled[:5]}"


def test_the_parameters_toggle_of_the_screen_is_not_printed(pdf):
    text = subprocess.run([poppler("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    toggles = text.count("Hide the parameters") + text.count("Show the parameters")
    assert not toggles, f"the screen's parameter toggle is printed {toggles} times (its box stays empty on paper)"
