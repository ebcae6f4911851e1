"""The pages of the built book, and how a test opens one in the browser."""
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The width of a desktop browser window: the book's main column is then about 840 px wide.
WINDOW = (1400, 1000)


def _files(entries):
    for entry in entries or []:
        if "file" in entry:
            yield entry["file"]
        yield from _files(entry.get("sections"))


def book_pages():
    """Every page of the table of contents (root, chapters and their sections), as paths relative to the
    HTML folder."""
    import yaml
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [f for part in toc["parts"] for f in _files(part["chapters"])]
    return [f"{f}.html" for f in files]


def open_page(browser, path: Path):
    browser.get(path.as_uri())
    deadline = time.time() + 30
    while browser.execute_script("return document.readyState") != "complete" and time.time() < deadline:
        time.sleep(0.1)


def settle(browser):
    """Wait until the page's images are decoded and its math (if any) is typeset: both change the layout."""
    deadline = time.time() + 30
    while time.time() < deadline:
        if browser.execute_script("return [...document.images].every(i => i.complete)"):
            break
        time.sleep(0.1)
    while time.time() < deadline:
        state = browser.execute_script(
            "if (!document.querySelector('script[src*=\"tex-chtml\"]')) return 'none';"
            "return (window.MathJax && MathJax.startup && MathJax.startup.promise) ? 'ready' : 'loading';")
        if state == "none":
            return
        if state == "ready":
            browser.execute_async_script("const done = arguments[0]; MathJax.startup.promise.then(() => done(true));")
            return
        time.sleep(0.1)
