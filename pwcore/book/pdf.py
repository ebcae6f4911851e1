"""Print the whole book to one PDF, offline: jupyter-book's one-page HTML, printed by headless Chromium.

Usage::

    python -m pwcore.book.pdf [--out _build/html/book.pdf] [--timeout SECONDS]

Run after the HTML build (``make html``), which copies MathJax into ``_vendor/``. The steps:

1. ``jupyter-book build --builder singlehtml`` writes the whole book as one HTML document into
   ``_build/singlehtml/`` (every page a section, every link between pages a link inside it).
2. :func:`print_page` copies that document to the top of the folder with its relative links
   made to work from there, a print style sheet (``assets/print.css``) and a table of contents added
   (``_build/singlehtml/book-print.html``; open it in a browser to see what is printed).
3. Headless Chromium (the one the browser tests drive), with the network switched off, opens it,
   waits until MathJax has typeset every equation and every figure has loaded
   (``assets/prepare.js``), checks that nothing failed, and prints it with ``Page.printToPDF`` of
   the DevTools protocol, spoken over a pipe (:mod:`pwcore.book.devtools`: no chromedriver, no
   Python package beyond the ``book`` extra). Links inside the document become links inside the
   PDF, and the headings its outline (bookmarks).

Only this step needs a system package: Chromium (Debian: ``apt-get install chromium``).
The HTML book needs none (``make html``).
"""
from __future__ import annotations

import argparse
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

from ..files import replaced_atomically
from .devtools import BrowserFailed, DevTools
from .paths import ROOT
from .pdflink import link_pdf

PRINT_NAME = "book-print.html"  # the printed copy, at the top of the singlehtml folder
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "PWCORE_CHROMIUM"  # a Chromium executable to use instead of the one on PATH
A4_INCHES = (8.27, 11.69)
MATHJAX_WAIT_SECONDS = 20  # for MathJax to appear once the page has loaded
MARGIN_INCHES = {"marginTop": 0.55, "marginBottom": 0.6, "marginLeft": 0.6, "marginRight": 0.6}
PAGE_FOOTER = ('<div style="font-size:8px;width:100%;margin:0 0.6in;color:#555;display:flex;'
               'justify-content:space-between"><span class="title"></span>'
               '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')

ASSETS = Path(__file__).with_name("assets")
PRINT_CSS = ASSETS / "print.css"  # added to the page in a <style id="pwcore-print">

PREPARE_SCRIPT = ASSETS / "prepare.js"  # run in the page before printing; returns a report


class ChromiumMissing(RuntimeError):
    """No Chromium to print the book with."""


class PrintFailed(RuntimeError):
    """The book could not be printed as it should be (math, figures, links, or Chromium itself)."""


def find_chromium() -> str:
    """The Chromium executable: ``$PWCORE_CHROMIUM`` if set, else the first of ``CHROMIUM_NAMES`` on PATH.

    Raises
    ------
    ChromiumMissing
        With what to install, and how to build the book without the PDF.
    """
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        found = shutil.which(named)
        if found is None:
            raise ChromiumMissing(f"{CHROMIUM_ENV}={named} is not an executable")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing(
        "the PDF of the book is printed by headless Chromium, and none is on PATH "
        f"(looked for {', '.join(CHROMIUM_NAMES)}): install chromium (Debian: apt-get install chromium) "
        f"or name one in {CHROMIUM_ENV}; or skip the PDF: `make book PDF=no` regenerates and builds the "
        "HTML book without it, `make html` builds the HTML alone")


def root_document(root: Path) -> str:
    """The name of the book's first page (``root`` of ``_toc.yml``), e.g. ``book/intro``."""
    import yaml
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return str(toc["root"])


def build_singlehtml(root: Path) -> Path:
    """Build the whole book as one HTML document with jupyter-book; return its folder.

    Raises
    ------
    FileNotFoundError
        If the local MathJax that the HTML build copies into ``_vendor/`` is missing.
    subprocess.CalledProcessError
        If jupyter-book fails (warnings are errors, as for the HTML book).
    """
    if not (root / "_vendor" / "mathjax" / "tex-chtml.js").is_file():
        raise FileNotFoundError(f"{root / '_vendor' / 'mathjax'} holds no MathJax: build the HTML book first "
                                f"(make html), which copies it there")
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root), "--builder",
               "singlehtml", "--warningiserror", "--keep-going", "--quiet"]
    subprocess.run(command, check=True)
    return root / "_build" / "singlehtml"


def rebase_links(html: str, page_dir: str, out_dir: Path) -> str:
    """``html`` with its relative ``src`` and ``href`` paths made to work from ``out_dir``.

    Sphinx's singlehtml builder writes some paths relative to the page's own folder (``../_images/x.png``)
    and others, from myst-nb, relative to the top (``_images/y.png``): each relative path is kept as it is
    when it names a file from the top, and otherwise resolved from the page's folder.

    Parameters
    ----------
    html : str
        The page, which sits in ``out_dir / page_dir``.
    page_dir : str
        Its folder relative to ``out_dir``, with ``/`` (e.g. ``"book"``).
    out_dir : Path
        The build's folder, where the copy will sit.

    Returns
    -------
    str
        The page with every path that names a file of ``out_dir`` from the page's folder rewritten;
        absolute URLs, anchors and paths that name no file either way are left as they are.
    """
    def fix(match):
        attribute, value = match.groups()
        if not value or re.match(r"[a-z][a-z0-9+.-]*:|[#/]", value, re.IGNORECASE):
            return match.group(0)  # empty, absolute, or an anchor in the page
        path, suffix = re.match(r"([^?#]*)(.*)", value).groups()
        if (out_dir / unquote(path)).exists():
            return match.group(0)
        rebased = posixpath.normpath(posixpath.join(page_dir, path))
        if rebased.startswith("../") or not (out_dir / unquote(rebased)).exists():
            return match.group(0)
        return f'{attribute}="{rebased}{suffix}"'
    return re.sub(r'\b(src|href)="([^"]*)"', fix, html)


def print_page(singlehtml: Path, root_doc: str) -> Path:
    """Write the page to print: the one-page book, its paths working from the top, with ``PRINT_CSS``.

    Parameters
    ----------
    singlehtml : Path
        The singlehtml build's folder.
    root_doc : str
        The book's first page, e.g. ``"book/intro"``: the builder writes the whole book there.

    Returns
    -------
    Path
        ``singlehtml / PRINT_NAME``.

    Raises
    ------
    FileNotFoundError
        If the build wrote no ``<root_doc>.html``.
    """
    source = singlehtml / f"{root_doc}.html"
    if not source.is_file():
        raise FileNotFoundError(f"{source} is missing: the singlehtml build did not write the book's first page")
    html = rebase_links(source.read_text(encoding="utf-8"), posixpath.dirname(root_doc), singlehtml)
    if "</head>" not in html:
        raise PrintFailed(f"{source} has no </head>: not an HTML page the print style can be added to")
    target = singlehtml / PRINT_NAME
    target.write_text(html.replace("</head>", f'<style id="pwcore-print">\n{PRINT_CSS.read_text()}</style>\n</head>', 1), encoding="utf-8")
    return target


def check_prepared(report: dict) -> None:
    """Raise :class:`PrintFailed` if the page, as prepared for print, would give a PDF with faults.

    ``report`` is what ``PREPARE_SCRIPT`` returns: math typeset, images loaded, nothing fetched from
    the network, a table of contents, and every link inside the document landing on an element.
    """
    faults = []
    if report["mathElements"] and not report["mathjax"]:
        faults.append("MathJax did not load (is _static/mathjax/tex-chtml.js in the singlehtml build?)")
    elif report["rawMath"]:
        faults.append(f"{report['rawMath']} of {report['mathElements']} formulas were not typeset by MathJax")
    if report["mathErrors"]:
        faults.append(f"MathJax errors: {report['mathErrors']}")
    if report["brokenImages"]:
        faults.append(f"{len(report['brokenImages'])} of {report['images']} figures did not load: "
                      f"{report['brokenImages'][:5]}")
    if report["remote"]:
        faults.append(f"the page asked the network for {report['remote'][:5]}")
    if not report["contents"]:
        faults.append("no table of contents: the theme's Contents panel (#pst-page-toc-nav) is missing")
    if report["deadLinks"]:
        faults.append(f"links to anchors that do not exist: {report['deadLinks']}")
    if faults:
        raise PrintFailed("the book would print with faults:\n  " + "\n  ".join(faults))


def print_book(page: Path, out: Path, chromium: str, timeout: float = 120.0) -> dict:
    """Print ``page`` to the PDF ``out`` with headless Chromium, once it has passed :func:`check_prepared`.

    Parameters
    ----------
    page : Path
        The HTML page to print (:func:`print_page`).
    out : Path
        The PDF; written to ``out.partial`` and moved into place, so a failed print leaves no half file.
    chromium : str
        The browser (:func:`find_chromium`).
    timeout : float
        Seconds Chromium may take for any one step.

    Returns
    -------
    dict
        What ``PREPARE_SCRIPT`` found in the page: counts of equations and figures, tables shrunk, etc.

    Raises
    ------
    PrintFailed
        If the page would print with faults.
    BrowserFailed
        If Chromium fails (:mod:`pwcore.book.devtools`).
    """
    with DevTools(chromium, timeout) as browser:
        session = browser.open(page.resolve().as_uri())
        browser.emulate_print(session, A4_INCHES[0] - MARGIN_INCHES["marginLeft"] - MARGIN_INCHES["marginRight"],
                              A4_INCHES[1] - MARGIN_INCHES["marginTop"] - MARGIN_INCHES["marginBottom"])
        script = PREPARE_SCRIPT.read_text().replace("{{MATHJAX_MS}}", str(MATHJAX_WAIT_SECONDS * 1000))
        report = browser.evaluate(session, script)
        check_prepared(report)
        data = browser.print_to_pdf(session, {
            "paperWidth": A4_INCHES[0], "paperHeight": A4_INCHES[1], **MARGIN_INCHES, "printBackground": True,
            "displayHeaderFooter": True, "headerTemplate": "<div></div>", "footerTemplate": PAGE_FOOTER,
            "generateDocumentOutline": True, "generateTaggedPDF": True})
    if not data.startswith(b"%PDF-"):
        raise PrintFailed("Chromium's print did not return a PDF")
    with replaced_atomically(out, "wb") as file:
        file.write(data)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's folder (with _config.yml, _toc.yml)")
    parser.add_argument("--out", type=Path, help="the PDF (default: _build/html/book.pdf, beside the HTML book)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds Chromium may take for any one step (default %(default)s)")
    parser.add_argument("--skip-without-chromium", action="store_true",
                        help="without Chromium, say how to add the PDF and exit 0 (make book) instead of failing")
    args = parser.parse_args(argv)
    out = args.out or args.root / "_build" / "html" / "book.pdf"
    if args.skip_without_chromium:
        try:
            find_chromium()
        except ChromiumMissing:
            print("pwcore.book.pdf: the HTML book is built; its PDF is not, for want of headless Chromium. To add "
                  "it: install chromium (Debian: apt-get install chromium), then run `make pdf`")
            return 0
    try:
        chromium = find_chromium()
        started = time.perf_counter()
        singlehtml = build_singlehtml(args.root)
        built = time.perf_counter()
        page = print_page(singlehtml, root_document(args.root))
        report = print_book(page, out, chromium, args.timeout)
        printed = time.perf_counter()
    except (ChromiumMissing, PrintFailed, BrowserFailed, FileNotFoundError) as error:
        print(f"pwcore.book.pdf: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"pwcore.book.pdf: the singlehtml build failed ({error})", file=sys.stderr)
        return 1
    linked = link_pdf(args.root / "_build" / "html", out) if out.parent == args.root / "_build" / "html" else 0
    if report["wide"]:
        print(f"pwcore.book.pdf: warning: wider than the page even when shrunk: {report['wide']}", file=sys.stderr)
    print(f"the PDF is at {out} ({out.stat().st_size / 1e6:.1f} MB, {report['images']} figures, "
          f"{report['math']} equations; one-page HTML in {built - started:.0f} s, printed in {printed - built:.0f} s); "
          f"{linked} HTML page(s) now link to it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
