# Passend — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export PYTHONDONTWRITEBYTECODE := 1

UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: help install assets chromium run test test-postgres lint format verify audit bench clean

help:
	@echo "make run    — install, migrate, load the demo region and serve at http://127.0.0.1:8000"
	@echo "make test   — install and run the whole test suite"
	@echo "make lint   — ruff check, ruff format --check, mypy"
	@echo "make verify — long checks (fuzzing, schemathesis, soak)"
	@echo "make bench  — benchmarks (bench/)"

# uv is bootstrapped with pip when it is missing; dependencies come from uv.lock. The virtualenv
# is byte-compiled once here: with PYTHONDONTWRITEBYTECODE every process would otherwise compile
# large packages (pymupdf: ~10 s) from source again at each start (docs/performance.md).
.venv/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: .venv/.installed assets

# NL Design System CSS from npm, with a lock file; copied into static/vendor.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.installed
	@mkdir -p src/passend/static/vendor/utrecht
	@cp node_modules/@utrecht/component-library-css/dist/index.css src/passend/static/vendor/utrecht/index.css
	@cp node_modules/@utrecht/design-tokens/dist/index.css src/passend/static/vendor/utrecht/design-tokens.css
	@mkdir -p src/passend/static/vendor/htmx
	@cp node_modules/htmx.org/dist/htmx.min.js src/passend/static/vendor/htmx/htmx.min.js
	@mkdir -p src/passend/static/vendor/noto-sans/files
	@cp node_modules/@fontsource-variable/noto-sans/index.css src/passend/static/vendor/noto-sans/index.css
	@cp node_modules/@fontsource-variable/noto-sans/LICENSE src/passend/static/vendor/noto-sans/LICENSE
	@cp node_modules/@fontsource-variable/noto-sans/files/noto-sans-*-wght-normal.woff2 src/passend/static/vendor/noto-sans/files/

run: install
	$(MANAGE) migrate --no-input
	@if command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0; fi
	$(MANAGE) load_demo
	$(MANAGE) serve_with_worker --addr 127.0.0.1:8000

# The browser tests (tests/e2e) use Debian's chromium, never a downloaded browser. Installed here
# when missing and we are root with apt-get; otherwise those tests fail (PASSEND_SKIP_E2E=1 skips).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: tests/e2e will fail (PASSEND_SKIP_E2E=1 skips them)"; fi; \
	fi

test: install chromium
	@if command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0; fi
	$(PY) -m pytest -n 2 -q

# CI also runs the suite against the machine's PostgreSQL.
test-postgres: install chromium
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/passend} $(PY) -m pytest -n 2 -q

lint: .venv/.installed
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy

format: .venv/.installed
	$(PY) -m ruff check --fix src tests bench
	$(PY) -m ruff format src tests bench

# Long checks (issue 11): schemathesis, fuzzing, soak, dependency audit. Results: docs/security.md.
verify: install chromium audit
	PASSEND_VERIFY=1 $(PY) -m pytest -q -m verify tests

# Known vulnerabilities in the locked dependencies (PyPI advisory data); fails on any finding.
audit: .venv/.installed
	@mkdir -p var
	$(UV) export --frozen --all-groups --no-hashes --no-emit-project --format requirements-txt -o var/requirements-audit.txt >/dev/null
	$(PY) -m pip_audit --strict --disable-pip --no-deps --vulnerability-service pypi --progress-spinner off -r var/requirements-audit.txt

bench: install
	$(PY) -m bench

clean:
	rm -rf .venv node_modules var src/passend/static/vendor
