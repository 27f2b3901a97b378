# Two commands matter: `make run` and `make test`. Everything else is a step they share.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := static/vendor

.PHONY: run test bench setup setup-test assets translations lint imports typecheck migrations-check pytest extract-messages clean

run: setup
	$(BIN)/esn migrate
	$(BIN)/esn seed --demo --if-empty
	$(BIN)/esn serve

test: setup-test lint imports typecheck migrations-check pytest

# The real server under load: needs wrk, and Redis for the 2-worker run. Its own
# database (seeded at scale S when empty), not the demo one, unless ESN_DATABASE_URL is set.
BENCH_SCALE ?= S
BENCH_DATABASE_URL ?= $(or $(ESN_DATABASE_URL),sqlite+aiosqlite:///var/bench-$(BENCH_SCALE).sqlite3)
bench: setup
	command -v wrk >/dev/null || apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)
	ESN_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/esn bench --scale $(BENCH_SCALE) --json var/bench-$(BENCH_SCALE).json

setup: $(VENV)/.installed assets translations

setup-test: $(VENV)/.installed-test assets translations

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/htmx.org/dist/ext/hx-ws.min.js $(VENDOR)/hx-ws.min.js
	cp node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/pico.min.css
	touch $@

translations:
	$(BIN)/pybabel -q compile -d esn/locale -D messages

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract --no-location --sort-output -F babel.cfg -k _ -k _n:1,2 -k lazy_gettext -o esn/locale/messages.pot .
	$(BIN)/pybabel -q update -N -w 100 -i esn/locale/messages.pot -d esn/locale -D messages

lint:
	$(BIN)/ruff check esn esn_tools tests migrations
	$(BIN)/ruff format --check esn esn_tools tests

# The architecture contracts in pyproject.toml ([tool.importlinter]).
imports:
	$(BIN)/lint-imports --no-cache

typecheck:
	$(BIN)/mypy

migrations-check:
	rm -f var/alembic-check.sqlite3
	ESN_DATABASE_URL=sqlite+aiosqlite:///var/alembic-check.sqlite3 $(BIN)/esn migrate
	ESN_DATABASE_URL=sqlite+aiosqlite:///var/alembic-check.sqlite3 $(BIN)/alembic check
	rm -f var/alembic-check.sqlite3

pytest:
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var/alembic-check.sqlite3
