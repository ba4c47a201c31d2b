# The README's two set-up commands are `make run` and `make test`; `make install` is their shared first step.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= var
# The demo's own home, never the office's (`diemtin init --demo` refuses ./var and any home not made for the demo).
DEMO_HOME ?= var-demo
PROVINCE ?= thai-nguyen

.PHONY: install install-test run demo test lint bench browser office clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is installed on its own, pinned, before anything that depends on it.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	@test -f $(HOME_DIR)/config.yaml || $(BIN)/diemtin --home $(HOME_DIR) init --province $(PROVINCE)
	$(BIN)/diemtin --home $(HOME_DIR) run

# A first look without the network: the bundled sample, processed, with a case and a digest, then the dashboard.
demo: install
	$(BIN)/diemtin --home $(DEMO_HOME) init --demo
	$(BIN)/diemtin --home $(DEMO_HOME) dashboard

# Chromium for the browser tests comes from Debian; the tests say plainly when it is missing.
browser:
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: browser tests will be skipped")

# Document tools from Debian: LibreOffice (DOCX -> PDF), poppler (PDF -> PNG and text) and Liberation fonts
# (Liberation Serif is metric-compatible with Times New Roman, which the digests use; WeasyPrint and LibreOffice
# fall back to it). The document-rendering tests say plainly when these are missing.
office:
	@(command -v libreoffice >/dev/null && command -v pdftoppm >/dev/null && fc-list | grep -qi "liberation serif") || (command -v apt-get >/dev/null && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-liberation2 >/dev/null) || echo "libreoffice/poppler/fonts not installed: document rendering tests will be skipped")

lint: install-test
	$(BIN)/ruff check .

test: lint browser office
	$(BIN)/pytest -q

bench: install
	$(BIN)/diemtin bench ingest --n 20000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
