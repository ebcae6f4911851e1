"""The PDF step's pieces that need no browser (the printed PDF itself: browser_tests/test_pdf.py)."""
import pytest

from pwcore.book import pdf

GOOD_REPORT = {"mathjax": True, "math": 75, "mathElements": 75, "mathErrors": [], "rawMath": 0, "images": 31,
               "brokenImages": [], "remote": [], "contents": 33, "deadLinks": [], "shrunk": 2, "wide": []}


def test_relative_paths_are_made_to_work_from_the_top_of_the_folder(tmp_path):
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.png").write_bytes(b"")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.js").write_text("")
    html = ('<img src="../_images/a.png"/><img src="_images/a.png"/><script src="_static/x.js?v=1"></script>'
            '<a href="#document-book/method">m</a><a href="https://example.org/p">e</a><img src="../_images/b.png"/>')
    rebased = pdf.rebase_links(html, "book", tmp_path)
    assert rebased.count('src="_images/a.png"') == 2  # from the page's folder, and already from the top
    assert 'src="_static/x.js?v=1"' in rebased and 'href="#document-book/method"' in rebased
    assert 'href="https://example.org/p"' in rebased
    assert 'src="../_images/b.png"' in rebased  # names no file either way: left for the load check to report


def test_the_print_copy_sits_at_the_top_with_the_print_style(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.png").write_bytes(b"")
    (tmp_path / "book" / "intro.html").write_text(
        '<html><head></head><body><img src="../_images/a.png"/></body></html>')
    page = pdf.print_page(tmp_path, "book/intro")
    assert page == tmp_path / pdf.PRINT_NAME
    text = page.read_text()
    assert 'id="pwcore-print"' in text and text.index("pwcore-print") < text.index("</head>")
    assert 'src="_images/a.png"' in text


def test_a_missing_first_page_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="intro.html"):
        pdf.print_page(tmp_path, "book/intro")


def test_missing_chromium_says_what_to_install_and_how_to_skip(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    with pytest.raises(pdf.ChromiumMissing, match=r"apt-get install chromium.*make book PDF=no"):
        pdf.find_chromium()


def test_a_named_chromium_that_is_not_there_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    with pytest.raises(pdf.ChromiumMissing, match="no-such-chromium"):
        pdf.find_chromium()


def test_the_singlehtml_build_needs_the_local_mathjax_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="make html"):
        pdf.build_singlehtml(tmp_path)


def test_a_page_ready_to_print_passes_the_check():
    pdf.check_prepared(GOOD_REPORT)


@pytest.mark.parametrize("fault, words", [
    ({"mathjax": False}, "MathJax did not load"),
    ({"rawMath": 3}, "3 of 75 formulas were not typeset"),
    ({"mathErrors": ["Undefined control sequence"]}, "Undefined control sequence"),
    ({"brokenImages": ["file:///x.png"]}, "1 of 31 figures did not load"),
    ({"remote": ["https://cdn.example/x.js"]}, "asked the network"),
    ({"contents": 0}, "no table of contents"),
    ({"deadLinks": ["document-book/nowhere"]}, "document-book/nowhere"),
])
def test_each_fault_of_a_page_is_named(fault, words):
    with pytest.raises(pdf.PrintFailed, match=words):
        pdf.check_prepared({**GOOD_REPORT, **fault})


def test_make_book_without_chromium_says_how_to_add_the_pdf_and_succeeds(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    assert pdf.main(["--root", str(tmp_path), "--skip-without-chromium"]) == 0
    assert "apt-get install chromium), then run `make pdf`" in capsys.readouterr().out
    assert pdf.main(["--root", str(tmp_path)]) == 1  # make pdf: the PDF asked for, and no Chromium to print it
    assert "none is on PATH" in capsys.readouterr().err


def test_every_page_links_the_printed_pdf_once_and_only_when_it_exists(tmp_path):
    from pwcore.book.pdflink import CLASS, link_pdf
    html = tmp_path / "_build" / "html"
    page = '<html><body><div id="pst-primary-sidebar" class="bd-sidebar-primary">nav</div></body></html>'
    for path in ("index.html", "book/intro.html", "book/generated/figure1.html", "_static/x.html"):
        (html / path).parent.mkdir(parents=True, exist_ok=True)
        (html / path).write_text(page)
    (html / "search.html").write_text("<html><body>no sidebar</body></html>")
    with pytest.raises(FileNotFoundError, match="make pdf"):
        link_pdf(html, html / "book.pdf")
    (html / "book.pdf").write_bytes(b"%PDF-1.4")
    assert link_pdf(html, html / "book.pdf") == 3
    assert 'href="book.pdf"' in (html / "index.html").read_text()
    assert 'href="../../book.pdf"' in (html / "book/generated/figure1.html").read_text()
    assert CLASS not in (html / "_static/x.html").read_text() + (html / "search.html").read_text()
    assert link_pdf(html, html / "book.pdf") == 0  # once
    assert (html / "book/intro.html").read_text().count(CLASS) == 1
