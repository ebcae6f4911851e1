"""Print the whole book to one PDF, offline: jupyter-book's one-page HTML, printed by headless Chromium.

Usage::

    python -m pwcore.book.pdf [--out _build/html/book.pdf] [--timeout SECONDS]

Run after the HTML build (``make html``), which copies MathJax into ``_vendor/``. The steps:

1. ``jupyter-book build --builder singlehtml`` writes the whole book as one HTML document into
   ``_build/singlehtml/`` (every page a section, every link between pages a link inside it).
2. :func:`print_page` copies that document to the top of the folder with its relative links
   made to work from there, a print style sheet and a table of contents added
   (``_build/singlehtml/book-print.html``; open it in a browser to see what is printed).
3. Headless Chromium (the one the browser tests drive), with the network switched off, opens it,
   waits until MathJax has typeset every equation and every figure has loaded, checks that
   nothing failed, and prints it with ``Page.printToPDF`` of the DevTools protocol, spoken over a
   pipe (no chromedriver, no Python package beyond the ``book`` extra). Links inside the
   document become links inside the PDF, and the headings its outline (bookmarks).

Only this step needs a system package: Chromium (Debian: ``apt-get install chromium``).
The HTML book needs none (``make html``).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import posixpath
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote

from ..files import replaced_atomically
from .paths import ROOT
from .pdflink import link_pdf

PRINT_NAME = "book-print.html"  # the printed copy, at the top of the singlehtml folder
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "PWCORE_CHROMIUM"  # a Chromium executable to use instead of the one on PATH
A4_INCHES = (8.27, 11.69)
CSS_PX_PER_INCH = 96
MATHJAX_WAIT_SECONDS = 20  # for MathJax to appear once the page has loaded
MARGIN_INCHES = {"marginTop": 0.55, "marginBottom": 0.6, "marginLeft": 0.6, "marginRight": 0.6}
PAGE_FOOTER = ('<div style="font-size:8px;width:100%;margin:0 0.6in;color:#555;display:flex;'
               'justify-content:space-between"><span class="title"></span>'
               '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')

# The theme's navigation, buttons and footers are for the screen; the article is what is printed.
PRINT_CSS = """
<style id="pwcore-print">
@media print {
  html { font-size: 9.5pt; }
  .bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
  .bd-footer-content, .prev-next-footer, .headerlink, #pst-back-to-top, .skip-link,
  .pst-async-banner-revealer, dialog, .search-button-field { display: none !important; }
  .bd-page-width, .bd-container, .bd-container__inner, .bd-main, .bd-main .bd-content,
  .bd-main .bd-content .bd-article-container { max-width: none !important; width: auto !important;
    padding: 0 !important; margin: 0 !important; display: block !important; }
  .bd-article { padding: 0 !important; overflow: visible !important; }
  /* every page of the book starts a new page of the PDF */
  span[id^="document-"] { display: block; break-before: page; }
  h1, h2, h3, h4 { break-after: avoid; break-inside: avoid; }
  /* space above a heading as padding, not margin: a heading pushed to the top of a page would otherwise
     leave its margin at the foot of the previous one, and Chromium names it twice in the outline */
  h2, h3, h4 { margin-top: 0 !important; padding-top: 1.2em; }
  /* the toggle of the parameters a page was run with: its provenance table lists them */
  .cell.tag_injected-parameters { display: none !important; }
  /* and takes room for a few lines below it, so it never ends a page alone (Chromium moves a heading
     with break-after: avoid only sometimes) */
  h2::after, h3::after, h4::after { content: ""; display: block; height: 8em; margin-bottom: -8em; }
  /* a heading that wraps keeps the space at its line break in the PDF's outline */
  h1, h2, h3, h4, h5 { white-space: pre-wrap; }
  /* figures never split; long outputs and tables may, between lines and rows, so that a heading
     followed by one (a page's provenance table) is not left alone at the foot of a page */
  img, figure, .admonition, tr { break-inside: avoid; }
  table, .cell, .cell_output, .pst-scrollable-table-container { break-inside: auto !important; display: block; }
  table { display: table !important; }
  img { max-width: 100% !important; height: auto !important; }
  /* nothing is cut at the right edge: tables and code wrap instead of scrolling */
  .pst-scrollable-table-container, .table-wrapper, div.highlight, .output { overflow: visible !important; }
  table { max-width: 100% !important; }
  td, th { overflow-wrap: break-word; word-break: normal; }
  td code, td span.pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  table.pwcore-squeezed td, table.pwcore-squeezed th { overflow-wrap: anywhere; }
  #jb-print-toc { display: none !important; }  /* the theme's own, without the study's pages: ours instead */
  pre { white-space: pre-wrap !important; overflow-wrap: anywhere; overflow: visible !important; }
  mjx-container[display="true"] { overflow: visible !important; }
  a { text-decoration: none; }
  nav.pwcore-contents { break-after: page; line-height: 1.3; }
  nav.pwcore-contents h2 { margin: 0.6em 0 0.3em; }
  nav.pwcore-contents ul { list-style: none; padding-left: 1.2em; margin: 0; }
  nav.pwcore-contents > ul { padding-left: 0; }
  nav.pwcore-contents li { margin: 0; }
  nav.pwcore-contents .caption { font-weight: bold; margin: 0.7em 0 0.1em; }
}
</style>
"""

# Run in the page before printing: wait for MathJax, fonts and images; make a table of contents from
# the theme's "Contents" panel; turn links to files beside the HTML (CSV downloads: a PDF cannot carry
# them, and a file:// link names the machine that printed it) into text; shrink tables too wide for
# the page; report what would spoil the PDF.
PREPARE_SCRIPT = r"""
(async () => {
  const deadline = Date.now() + %(mathjax_ms)d;  // MathJax is a deferred script: there at load
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
  }
  const mathjax = !!(window.MathJax && MathJax.startup && MathJax.startup.promise);
  if (mathjax) { await MathJax.startup.promise; }
  for (const image of document.images) { image.loading = 'eager'; }
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  const panel = document.querySelector('#pst-page-toc-nav');
  const article = document.querySelector('article.bd-article');
  let contents = 0;
  if (panel && article) {
    const nav = document.createElement('nav');
    nav.className = 'pwcore-contents';
    nav.innerHTML = '<h2>Contents</h2>' + panel.innerHTML;
    for (const a of nav.querySelectorAll('a')) { a.removeAttribute('class'); }
    for (const caption of nav.querySelectorAll('[role="heading"]')) {  // not in the PDF's outline
      caption.removeAttribute('role');
      caption.removeAttribute('aria-level');
    }
    contents = nav.querySelectorAll('a[href^="#"]').length;
    const title = article.querySelector('h1');
    title ? title.after(nav) : article.prepend(nav);
  }
  for (const a of article.querySelectorAll('a[href]')) {  // a file beside the HTML, e.g. a CSV to download
    if (a.protocol === 'file:' && a.pathname !== location.pathname) {
      const span = document.createElement('span');
      span.innerHTML = a.innerHTML;
      a.replaceWith(span);
    }
  }
  for (const d of document.querySelectorAll('details')) { d.open = true; }
  await document.fonts.ready;
  // laid out for print (the tab emulates print media at the page's width): shrink what is too wide
  const right = article.getBoundingClientRect().right + 1;
  const width = article.getBoundingClientRect().width + 1;
  let shrunk = 0;
  for (const table of article.querySelectorAll('table')) {
    let zoom = 1;
    while (table.getBoundingClientRect().width > width && zoom > 0.65) {
      zoom -= 0.05;
      table.style.zoom = zoom;
    }
    if (table.getBoundingClientRect().width > width) { table.classList.add('pwcore-squeezed'); }
    shrunk += zoom < 1;
  }
  const wide = [...article.querySelectorAll('table, pre, img, mjx-container, .output')]
    .filter(e => e.getBoundingClientRect().right > right)
    .map(e => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 40));
  const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
  const internal = [...article.querySelectorAll('a[href^="#"]')].map(a => decodeURIComponent(a.hash.slice(1)));
  return {
    mathjax: mathjax,
    math: document.querySelectorAll('mjx-container').length,
    mathErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent).slice(0, 5),
    mathElements: article.querySelectorAll('.math').length,
    rawMath: [...article.querySelectorAll('.math')].filter(e => /\\\(|\\\[|\$\$/.test(e.textContent)).length,
    images: document.images.length,
    brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    remote: performance.getEntriesByType('resource').map(e => e.name)
      .filter(n => !n.startsWith('file:') && !n.startsWith('data:')),
    contents: contents,
    deadLinks: internal.filter(id => id && !ids.has(id)).slice(0, 10),
    shrunk: shrunk,
    wide: wide.slice(0, 10),
  };
})()
"""


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
    target.write_text(html.replace("</head>", PRINT_CSS + "</head>", 1), encoding="utf-8")
    return target


class DevTools:
    """A headless Chromium spoken to over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

    Chromium reads commands (JSON, each ended by a NUL byte) from its file descriptor 3 and writes
    answers and events to its descriptor 4. Use as a context manager: the browser and its scratch
    profile are removed on the way out.

    Parameters
    ----------
    executable : str
        Chromium.
    timeout : float
        Seconds to wait for any one answer.
    """

    def __init__(self, executable: str, timeout: float = 120.0):
        self.executable, self.timeout = executable, timeout
        self._next_id, self._buffer, self.process = 0, b"", None

    def __enter__(self) -> "DevTools":
        self._profile = tempfile.mkdtemp(prefix="pwcore-pdf-chromium-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
                 "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-quic",
                 "--allow-file-access-from-files", "--host-resolver-rules=MAP * ~NOTFOUND",  # no network
                 f"--user-data-dir={self._profile}", "about:blank"]

        def descriptors_3_and_4():  # in the child, before exec: its ends of the pipes become 3 and 4
            import fcntl
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_read, answers_write)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty browser never blocks on it
        try:
            self.process = subprocess.Popen([self.executable, *flags], stdin=subprocess.DEVNULL,
                                            stdout=self._log, stderr=self._log,
                                            pass_fds=(3, 4), preexec_fn=descriptors_3_and_4)
        finally:
            os.close(commands_read)
            os.close(answers_write)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.process.poll() is None:
                try:
                    self.send("Browser.close", timeout=10)
                except (PrintFailed, OSError):
                    pass
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            for fd in (self._commands, self._answers):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._log.close()
            shutil.rmtree(self._profile, ignore_errors=True)

    def _died(self) -> PrintFailed:
        self.process.wait(timeout=5)
        self._log.seek(0)
        log = self._log.read().decode(errors="replace")[-2000:]
        return PrintFailed(f"{self.executable} exited with status {self.process.returncode} while printing "
                           f"the book; its last words:\n{log}")

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        """Send one command and return its result (events that arrive meanwhile are dropped).

        Raises
        ------
        PrintFailed
            If Chromium answers with an error, exits, or does not answer within ``timeout`` seconds.
        """
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise self._died() from None
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            answer = self._read_message(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise PrintFailed(f"Chromium refused {method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def _read_message(self, deadline: float, method: str) -> dict:
        """The next message from Chromium, waiting until ``deadline`` (``time.monotonic()``) at most."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PrintFailed(f"Chromium did not answer {method} in time; raise --timeout on a busy machine")
            ready, _, _ = select.select([self._answers], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self._answers, 1 << 20)
                if not chunk:
                    raise self._died()
                self._buffer += chunk
            elif self.process.poll() is not None:
                raise self._died()
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str) -> str:
        """Open ``url`` in a new tab, wait until it has loaded, and return the tab's session."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            state = self.evaluate(session, "[location.href, document.readyState]")
            if state == [url, "complete"]:
                return session
            time.sleep(0.1)
        raise PrintFailed(f"{url} did not finish loading in {self.timeout:.0f} s")

    def evaluate(self, session: str, expression: str):
        """The value of a JavaScript ``expression`` in the tab (awaited if it is a promise)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, session)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise PrintFailed(f"a script in the page failed: {text}")
        return result["result"].get("value")

    def emulate_print(self, session: str) -> None:
        """Lay the tab out as it will be printed: print media, as wide as the page inside its margins."""
        width = A4_INCHES[0] - MARGIN_INCHES["marginLeft"] - MARGIN_INCHES["marginRight"]
        height = A4_INCHES[1] - MARGIN_INCHES["marginTop"] - MARGIN_INCHES["marginBottom"]
        self.send("Emulation.setEmulatedMedia", {"media": "print"}, session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": round(width * CSS_PX_PER_INCH),
                                                         "height": round(height * CSS_PX_PER_INCH),
                                                         "deviceScaleFactor": 1, "mobile": False}, session)

    def print_to_pdf(self, session: str) -> bytes:
        """The tab printed on A4 with page numbers, its links and outline kept."""
        width, height = A4_INCHES
        result = self.send("Page.printToPDF", {
            "paperWidth": width, "paperHeight": height, **MARGIN_INCHES, "printBackground": True,
            "displayHeaderFooter": True, "headerTemplate": "<div></div>", "footerTemplate": PAGE_FOOTER,
            "generateDocumentOutline": True, "generateTaggedPDF": True}, session)
        return base64.b64decode(result["data"])


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
        If the page would print with faults, or Chromium fails.
    """
    with DevTools(chromium, timeout) as browser:
        session = browser.open(page.resolve().as_uri())
        browser.emulate_print(session)
        report = browser.evaluate(session, PREPARE_SCRIPT % {"mathjax_ms": MATHJAX_WAIT_SECONDS * 1000})
        check_prepared(report)
        data = browser.print_to_pdf(session)
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
    except (ChromiumMissing, PrintFailed, FileNotFoundError) as error:
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
