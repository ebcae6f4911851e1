# The two commands of README.md:
#   make book   re-execute (papermill) the notebooks whose sources changed, then build the HTML book
#   make test   run the test suite (unit tests, notebooks, book build, browser check)
# Both create the virtual environment .venv first if it is missing or stale.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The data directory: $PWCORE_DATA_DIR if set, else ../shared/data beside this checkout.
export PWCORE_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: book test unit notebooks html browser env clean

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[book,test]"
	touch $@

book: env
	$(BIN)/python -m pwcore.book

unit: env
	$(BIN)/python -m pytest tests

notebooks: env
	$(BIN)/python -m pytest --nbval --nbval-current-env $$($(BIN)/python -m pwcore.book --list-validated)

html: env
	$(BIN)/python -m pwcore.book --no-execute

browser: html
	$(BIN)/python -m pytest browser_tests --html-dir _build/html

test: unit notebooks browser

clean:
	rm -rf _build .pytest_cache
