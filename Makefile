# The two commands of README.md:
#   make book   regenerate every notebook with papermill and build the HTML book
#   make test   run the test suite (unit tests, notebooks, book build, browser check)
# Both create the virtual environment .venv first if it is missing or stale.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The data directory: $PWCORE_DATA_DIR if set, else ../shared/data beside this checkout.
export PWCORE_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: book test unit env clean

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[book,test]"
	touch $@

unit: env
	$(BIN)/python -m pytest tests

test: unit

clean:
	rm -rf _build .pytest_cache
