# The two commands of README.md:
#   make book   re-execute (papermill) the notebooks whose sources changed, build the HTML book and its PDF
#   make test   run the test suite (unit tests, notebooks, book build, PDF, browser check)
# Both create the virtual environment .venv first if it is missing or stale.
# `make html` builds the HTML from the committed notebooks with Python alone; `make pdf` adds the
# PDF (_build/html/book.pdf), printed by headless Chromium (and fails without it). `make book` builds the
# PDF where Chromium is installed, and otherwise says how to add it; PDF=no: `make book` without the PDF.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The data directory: $PWCORE_DATA_DIR if set, else ../shared/data beside this checkout.
export PWCORE_DATA_DIR ?= $(abspath ../shared/data)
PDF ?= yes
# Sphinx rebuilds a prose page only when its own file changes, not when a notebook it pastes numbers
# from does: start every build from scratch so no page shows a number older than its notebook.
FRESH_BUILD := rm -rf _build/.doctrees _build/html _build/singlehtml

.PHONY: book test unit quick notebooks html pdf browser env clean

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[book,test,dask]"
	touch $@

book: env
	$(FRESH_BUILD)
	$(BIN)/python -m pwcore.book
ifneq ($(PDF),no)
	$(BIN)/python -m pwcore.book.pdf --skip-without-chromium
endif

unit: env
	$(BIN)/python -m pytest tests

# The edit-test loop: the unit tests but the slow ones (pytest -m slow lists them); make test runs them all.
quick: env
	$(BIN)/python -m pytest -m "not slow" tests

# CI's audit: the validated notebooks and one cheap full page (another at each commit) re-executed with the
# results store bypassed, so what is compared was computed now, not read back (pwcore/book/audit.py).
notebooks: env
	PWCORE_STORE_BYPASS=1 $(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with \
	    tests/nbval_sanitize.cfg $$($(BIN)/python -m pwcore.book --list-audited)

html: env
	$(FRESH_BUILD)
	$(BIN)/python -m pwcore.book --no-execute

pdf: html
	$(BIN)/python -m pwcore.book.pdf

browser: pdf
	$(BIN)/python -m pytest browser_tests --html-dir _build/html

test: unit notebooks browser

clean:
	rm -rf _build .pytest_cache
