"""A link from every page of the HTML book to its PDF, added once the PDF is printed (and only then).

The link sits at the top of each page's navigation sidebar, its address relative to the page, so it
works from a web server and from the files alike. Pages that have one keep it (it is added once).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

CLASS = "pwcore-pdf-link"
SIDEBAR = re.compile(r'(<div id="pst-primary-sidebar"[^>]*>)')
TEXT = "The whole book as one PDF"


def link_pdf(html_dir: Path, pdf: Path) -> int:
    """Add the link to ``pdf`` to every page of ``html_dir`` that has the sidebar and lacks it; the pages changed.

    Raises
    ------
    FileNotFoundError
        If ``pdf`` does not exist: a link to it would lead nowhere.
    """
    html_dir, pdf = Path(html_dir), Path(pdf)
    if not pdf.is_file():
        raise FileNotFoundError(f"{pdf} does not exist: print the book first (make pdf)")
    changed = 0
    for page in sorted(html_dir.rglob("*.html")):
        if any(part.startswith("_") for part in page.relative_to(html_dir).parts[:-1]):
            continue  # _static, _sources, _images: not pages of the book
        html = page.read_text()
        if CLASS in html or not SIDEBAR.search(html):
            continue
        href = os.path.relpath(pdf, page.parent).replace(os.sep, "/")
        link = f'<p class="{CLASS}"><a href="{href}" download>{TEXT}</a></p>'
        page.write_text(SIDEBAR.sub(lambda match: match.group(1) + link, html, count=1))
        changed += 1
    return changed
