# Pantau — `make demo` runs the demo wall, `make test` runs every test.
# Both work on a fresh Debian machine from a fresh clone (they install what they need).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
N      ?= 1000000

.PHONY: demo lint readme test test-fast bench browser-deps services screenshots clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## demo: SQLite store + built-in live simulator + worker + web server on http://127.0.0.1:8050/wall
demo: $(VENV)/.installed
	$(VENV)/bin/pantau demo

## lint: ruff with the rules in pyproject.toml ([tool.ruff]); `make test` runs it first
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

## readme: rewrite README.md's tables rendered from code and bench/results.json (settings, bench; tests/unit/test_readme_tables.py checks them)
readme: $(VENV)/.installed
	$(PY) -m docs.readme_tables

## test: lint, then the whole suite on SQLite and PostgreSQL, browser tests included
test: $(VENV)/.installed lint browser-deps services
	@start=$$(date +%s); $(PY) -m pytest --headless -q; status=$$?; took=$$(( $$(date +%s) - start )); \
	  echo "make test: the suite took $$(( took / 60 )) min $$(( took % 60 )) s (exit $$status)"; exit $$status

## test-fast: skip the browser tests (local development only; CI runs `make test`)
test-fast: $(VENV)/.installed services
	$(PY) -m pytest -q -m "not browser"

## bench: benchmark tables at N reports (default 1,000,000; `make bench N=100000` for a quick run)
bench: $(VENV)/.installed services
	$(PY) -m bench --reports $(N)

## screenshots: docs/wall-*.png, docs/wall-flood-*.png and docs/supervisor-*.png (1920x1080, 3840x2160) from a seeded store
screenshots: $(VENV)/.installed browser-deps
	rm -rf var/screenshot  # a fresh store: a flood from the last run would still hold (30 min hysteresis)
	$(PY) docs/screenshot.py
	$(PY) docs/screenshot.py --flood --out wall-flood
	$(PY) docs/screenshot.py --view supervisor

# Debian chromium + chromedriver for the browser tests (never a browser download).
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq && $$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium chromium-driver; \
	fi

# PostgreSQL (tests create and drop their own database) and Redis on 127.0.0.1.
services:
	@bash .ci/services

clean:
	rm -rf $(VENV) var .pytest_cache
