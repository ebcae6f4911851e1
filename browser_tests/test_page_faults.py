"""Faults a reader meets on a page, checked on every page of the built book, as Chromium lays it out.

Each page is opened once (in a desktop-sized window, after its images and math have settled) and measured
by one script; the tests below judge the measurements, one kind of fault per test, and name the page and
the offending element:

* a raw object representation (``<IPython.core.display.Markdown object>``, ``... object at 0x...``), or a
  Python dict or list printed as ``repr`` prints it (outside inline code);
* a page heading or browser title that another page has too;
* content wider than the main column: an element that sticks out past the column's right edge, or a
  box (code block, table wrapper) whose content is wider than the box, so part of it is cut off or
  behind a scrollbar;
* an image shown at less than 60 % of its natural width (a figure drawn for ~1600 px and shown at ~770:
  its 10-pt text becomes ~7 px, too small to read);
* a figure with an empty plot area (``pwcore.book.figcheck.empty_plot_areas`` on the PNG the page shows);
* a figure without a caption, or an image whose alternative text is not that caption;
* "nan" or "inf" in a table cell with nothing beside it to say why.

The width check and the nan check judge what a notebook printed: every generated page was produced by the
current library (tests/test_generated_notebooks.py holds that), so a fault here is fixed in the library or
the template and the page re-executed.
"""
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from bookpages import book_pages, open_page, settle

MIN_SHOWN_FRACTION = 0.6  # displayed width / natural width of an image
RAW_REPRESENTATIONS = re.compile(r"<IPython\.[^>]*>|<matplotlib\.[^>]*>|<Figure size [^>]*>|\S* ?object at 0x[0-9a-fA-F]+>?")
PYTHON_REPR = re.compile(r"\{'[A-Za-z_]\w*': [^}]{0,60}|\['[^'\]]*', '[^\]]{0,60}")  # {'key': ... or ['a', 'b' ...
FIGURE_NUMBER = re.compile(r"^Fig\. \d+ ")  # the numbering HTML puts before a figure's caption
NOT_FINITE = re.compile(r"(?<![A-Za-z])[-+]?(nan|inf|infinity)(?![A-Za-z])", re.IGNORECASE)

MEASURE = r"""
const article = document.querySelector('article.bd-article');
const column = article.getBoundingClientRect();
const heading = el => {
  // the title of the section an element is in, to say where on the page it is
  let s = el.closest('section');
  while (s) {
    const h = s.querySelector(':scope > h1, :scope > h2, :scope > h3');
    if (h) return h.textContent.replace('#', '').trim();
    s = s.parentElement.closest('section');
  }
  return '(top of the page)';
};
const describe = el => {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  const cls = (typeof el.className === 'string' ? el.className : '').trim().split(/\s+/).filter(Boolean).slice(0, 2);
  if (cls.length) name += '.' + cls.join('.');
  const text = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
  return `${name} in section "${heading(el)}": "${text.slice(0, 70)}${text.length > 70 ? '...' : ''}"`;
};
const scrolls = v => ['auto', 'scroll', 'hidden', 'clip'].includes(v);
const inlineMath = el => !!el.closest('span.math, mjx-container:not([display="true"])');

// elements that stick out past the column's right edge (no scrolling or clipping box between them and it)
const sticking = [];
const walk = (el, clipped) => {
  for (const child of el.children) {
    const r = child.getBoundingClientRect();
    if (!clipped && r.width > 0 && r.right > column.right + 1) {
      sticking.push({element: describe(child), right: Math.round(r.right), over: Math.round(r.right - column.right)});
      continue;  // its children stick out with it
    }
    walk(child, clipped || scrolls(getComputedStyle(child).overflowX));
  }
};
walk(article, false);

// boxes whose content is wider than the box: cut off, or reachable only by scrolling sideways
const hidden = [];
for (const el of [article.closest('.bd-article-container'), article, ...article.querySelectorAll('*')]) {
  if (!el || inlineMath(el)) continue;  // MathJax's inline boxes report a few pixels of glyph overhang
  if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && scrolls(getComputedStyle(el).overflowX)) {
    hidden.push({element: describe(el), content: el.scrollWidth, box: el.clientWidth});
  }
}
const page = document.documentElement;
if (page.scrollWidth > page.clientWidth + 1) {
  hidden.push({element: 'the whole page (html)', content: page.scrollWidth, box: page.clientWidth});
}

// an image's caption: its figure's (a notebook's figure cell), or the pwcore-caption block right after it (a
// figure glued from another page, which myst-nb pastes as a bare image)
const captionOf = img => {
  const figure = img.closest('figure');
  const caption = figure ? figure.querySelector('figcaption') : null;
  if (caption) return caption.innerText.trim();
  const next = img.nextElementSibling;
  return next && next.classList.contains('pwcore-caption') ? next.innerText.trim() : '';
};
const images = [...article.querySelectorAll('img')].map(i => ({
  src: i.src, section: heading(i), natural: i.naturalWidth, shown: Math.round(i.getBoundingClientRect().width * 10) / 10,
  caption: captionOf(i), alt: (i.getAttribute('alt') || '').trim()}));

const cells = [];
for (const table of article.querySelectorAll('table')) {
  const headers = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
  for (const row of table.querySelectorAll('tbody tr')) {
    const rowCells = [...row.children];
    rowCells.forEach((cell, k) => cells.push({
      text: cell.innerText.trim(), column: headers[k] || `column ${k + 1}`, row: rowCells[0].innerText.trim(),
      section: heading(table), notes: cell.querySelectorAll('a.footnote-reference, abbr[title], [title]').length}));
  }
}

const h1 = document.querySelector('main h1');
return {
  title: document.title,
  heading: h1 ? h1.textContent.replace(/#$/, '').trim() : null,
  text: document.querySelector('main').innerText,
  // the page's text outside inline code (where a provenance table shows a parameter's value as written)
  prose: (() => { const main = document.querySelector('main').cloneNode(true);
                  main.querySelectorAll('code:not(pre code)').forEach(c => c.remove()); return main.textContent; })(),
  column: {left: Math.round(column.left), right: Math.round(column.right), width: Math.round(column.width)},
  sticking, hidden, images, cells,
};
"""


@pytest.fixture(scope="session")
def measured(browser, html_dir):
    """``measured(page)``: the page's measurements (opened and measured once per session)."""
    cache = {}

    def measure(page):
        if page not in cache:
            open_page(browser, html_dir / page)
            settle(browser)
            cache[page] = browser.execute_script(MEASURE)
        return cache[page]
    return measure


def local_file(src: str) -> Path:
    return Path(unquote(urlparse(src).path))


@pytest.mark.parametrize("page", book_pages())
def test_no_raw_object_representation(measured, page):
    found = sorted({m.group(0) for m in RAW_REPRESENTATIONS.finditer(measured(page)["text"])})
    lines = [line.strip() for line in measured(page)["text"].splitlines() if RAW_REPRESENTATIONS.search(line)]
    assert not found, f"{page} shows {len(lines)} raw object representation(s) {found}, on the lines: {lines[:5]}"


@pytest.mark.parametrize("page", book_pages())
def test_no_python_dict_or_list_is_printed_as_code_prints_it(measured, page):
    found = [m.group(0) for m in PYTHON_REPR.finditer(measured(page)["prose"])]
    assert not found, (f"{page} prints {len(found)} Python dict(s) or list(s) as repr() does: {found[:3]}; say it in "
                       f"words, or show it as a value in code")


@pytest.mark.parametrize("page", book_pages())
def test_title_and_heading_are_unique(measured, page):
    mine = measured(page)
    others = [p for p in book_pages() if p != page]
    same_heading = [p for p in others if measured(p)["heading"] == mine["heading"]]
    same_title = [p for p in others if measured(p)["title"] == mine["title"]]
    assert mine["heading"], f"{page} has no heading"
    assert not same_heading, f"{page}: its heading {mine['heading']!r} is also the heading of {same_heading}"
    assert not same_title, f"{page}: its browser title {mine['title']!r} is also the title of {same_title}"


@pytest.mark.parametrize("page", book_pages())
def test_nothing_is_wider_than_the_column(measured, page):
    facts = measured(page)
    column = facts["column"]
    problems = [f"{s['element']} sticks out {s['over']} px past the column's right edge ({column['right']} px)"
                for s in facts["sticking"]]
    problems += [f"{h['element']} is {h['content']} px wide in a box of {h['box']} px "
                 f"({h['content'] - h['box']} px cut off or behind a scrollbar)" for h in facts["hidden"]]
    assert not problems, (f"{page} (main column {column['width']} px wide): {len(problems)} element(s) wider "
                          f"than the column:\n  " + "\n  ".join(problems))


@pytest.mark.parametrize("page", book_pages())
def test_images_are_shown_near_their_natural_width(measured, page):
    small = []
    for image in measured(page)["images"]:
        fraction = image["shown"] / image["natural"] if image["natural"] else 0.0
        if fraction < MIN_SHOWN_FRACTION:
            dpi = _dpi(local_file(image["src"]))
            text = f"; its 10-pt text ({10 / 72 * dpi:.1f} px at {dpi:.0f} dpi) shows at {10 / 72 * dpi * fraction:.1f} px"
            small.append(f"{local_file(image['src']).name} in section \"{image['section']}\": drawn {image['natural']} px "
                         f"wide, shown at {image['shown']:g} px ({fraction:.0%}){text}")
    assert not small, (f"{page}: image(s) shown at less than {MIN_SHOWN_FRACTION:.0%} of their natural width, "
                       f"their text too small to read:\n  " + "\n  ".join(small))


def _dpi(path: Path) -> float:
    from PIL import Image
    with Image.open(path) as image:
        return float(image.info.get("dpi", (96, 96))[0])


@pytest.mark.parametrize("page", book_pages())
def test_every_figure_has_a_caption(measured, page):
    bare = [f"{local_file(image['src']).name} in section \"{image['section']}\"" for image in measured(page)["images"]
            if not image["caption"]]
    assert not bare, (f"{page}: figure(s) without a caption (give the code cell `mystnb: figure: caption:` "
                      f"metadata; a figure glued from another page: a `pwcore-caption` container after it):\n  "
                      + "\n  ".join(bare))


@pytest.mark.parametrize("page", book_pages())
def test_every_image_has_its_caption_as_alternative_text(measured, page):
    # without it a screen reader (and a browser missing the image) gives the file's path
    wrong = [f"{local_file(image['src']).name} in section \"{image['section']}\": alt {image['alt'][:60]!r}"
             for image in measured(page)["images"]
             if image["caption"] and " ".join(image["alt"].split()) != FIGURE_NUMBER.sub("", " ".join(image["caption"].split()))]
    assert not wrong, f"{page}: image(s) whose alternative text is not the caption:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("page", book_pages())
def test_figures_have_no_empty_axes(measured, page):
    from pwcore.book.figcheck import empty_plot_areas
    empty = []
    for image in measured(page)["images"]:
        path = local_file(image["src"])
        if path.suffix.lower() != ".png":
            continue
        areas, blank = empty_plot_areas(path)
        empty += [f"{path.name} in section \"{image['section']}\": plot area {k} of {len(areas)} "
                  f"({area.size}) holds {area.data_pixels} data pixels" for k, area in
                  enumerate(areas, start=1) if area in blank]
    assert not empty, f"{page}: figure(s) with an empty plot area (nothing drawn but reference lines and " \
                      f"the legend):\n  " + "\n  ".join(empty)


def unexplained_not_finite(cell: dict) -> bool:
    """A cell that shows nan or inf with nothing beside it to say why: no words in the cell besides the
    number(s) and no footnote or tooltip."""
    if not NOT_FINITE.search(cell["text"]):
        return False
    words = re.findall(r"[A-Za-z]{2,}", NOT_FINITE.sub(" ", cell["text"]))
    return not words and not cell["notes"]


@pytest.mark.parametrize("page", book_pages())
def test_no_unexplained_nan_or_inf_in_tables(measured, page):
    bad = [f"section \"{c['section']}\", row \"{c['row']}\", column \"{c['column']}\": {c['text']!r}"
           for c in measured(page)["cells"] if unexplained_not_finite(c)]
    assert not bad, (f"{page}: {len(bad)} table cell(s) show nan or inf without an explanation:\n  "
                      + "\n  ".join(bad))
