# Everything a fresh machine needs, from the README's two commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/.demo-home

.PHONY: install demo test lint bench bench-quick clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo: a generated four-week stalking case, loaded through the real intake path and
# analysed. Passphrase 'demo' unless APPLIANCE_PASSPHRASE is set.
demo: $(STAMP)
	$(BIN)/appliance --home $(DEMO_HOME) demo

lint: $(STAMP)
	$(BIN)/ruff check appliance tests
	$(BIN)/ruff format --check appliance tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -m "not slow" -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/appliance bench

bench-quick: $(STAMP)
	$(BIN)/appliance bench --quick

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .mypy_cache .ruff_cache
