# Two entry points for a fresh machine (see README):
#   make run   install, create the demo archive in instance/ and serve it on 127.0.0.1:5000
#   make test  install (with test tools) and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTANCE := $(CURDIR)/instance
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app archive

.PHONY: install install-dev lock audit translations run serve test browser-check lint format extract bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exact versions come from the lock files (regenerate them with `make lock`).
install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(MAKE) --no-print-directory translations

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(MAKE) --no-print-directory translations

lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --extra dev -o requirements-dev.lock

# Known vulnerabilities in the locked versions fail; an unreachable advisory service warns.
audit: install-dev
	$(BIN)/python .ci/audit.py requirements-dev.lock

# .mo files are built here, never committed.
translations:
	$(BIN)/pybabel compile -d translations >/dev/null

run: install
	$(BIN)/python -m archive.bootstrap $(INSTANCE)
	$(FLASK) init-db
	$(FLASK) demo
	$(MAKE) --no-print-directory serve

serve:
	ARCHIVE_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

# The browser tests (tests/browser) drive Debian's Chromium; without it `make test` stops here
# with the command that installs it (never a silent skip). CHROMIUM can point elsewhere.
CHROMIUM ?= /usr/bin/chromium
browser-check:
	@test -x "$(CHROMIUM)" || { echo "FAIL: $(CHROMIUM) is missing; the browser tests need it." \
	  "Install it with: apt-get install -y chromium" >&2; exit 1; }

test: install-dev browser-check
	ARCHIVE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

lint:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract UI strings and merge them into the catalogs (then translate the new entries).
extract:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m archive.catalogs fill-en

bench:
	$(BIN)/python bench/search_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info
