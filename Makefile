# Risikokapital — the commands the README names. `make run` and `make test` work on a fresh
# machine: they bootstrap uv, the virtualenv (from uv.lock) and the Debian libraries they need.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# uv from PATH, else the one `pip install uv` put into python3's site-packages.
# (Recursive on purpose: re-evaluated after `install` has bootstrapped it.)
UV = $(shell uv --version >/dev/null 2>&1 && echo uv || echo python3 -m uv)
PY := .venv/bin/python
MANAGE := $(PY) manage.py
# The embedded default on 127.0.0.1: DEBUG (its own key), plain HTTP, no second factor.
DEV := env DEBUG=true HTTPS=false REQUIRE_2FA=false
PYTEST_ARGS ?=

# Libraries WeasyPrint loads at run time; libharfbuzz-subset0 keeps a letter at ~70 ms.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# The browser tests (tests/browser, Playwright) drive Debian's Chromium, never a downloaded one.
BROWSER_DEBS := chromium
VAR_DIRS := var/broker/queue var/broker/processed var/media
INSTALL_STAMP := .venv/.make-install-stamp

# $(call ensure-debs,PKG ...): install missing Debian packages when root with apt-get,
# otherwise print the one command to run and fail. Machines without dpkg get a note only.
define ensure-debs
if command -v dpkg-query >/dev/null 2>&1; then \
	  missing=""; \
	  for p in $(1); do \
	    [ "$$(dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null)" = installed ] \
	      || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing Debian packages:$$missing"; \
	      export DEBIAN_FRONTEND=noninteractive; \
	      apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	    else \
	      echo "Missing Debian packages:$$missing" >&2; \
	      echo "Run:  sudo apt-get install -y$$missing" >&2; \
	      exit 1; \
	    fi; \
	  fi; \
	else \
	  echo "note: no dpkg here; make sure these are installed: $(1)" >&2; \
	fi
endef

.PHONY: help install debs browser-debs run test bench serve lint messages compilemessages dirs \
	screenshots

help:
	@echo "make run      fresh machine -> app on http://127.0.0.1:8000 with demo data, worker, beat"
	@echo "make test     the whole test suite (PYTEST_ARGS='...' to pass options to pytest)"
	@echo "make bench    the benchmarks (last line: one JSON object); BENCH=full: a million rows, load, letters"
	@echo "make serve    production: gunicorn, celery worker, celery beat (DATABASE_URL, REDIS_URL)"
	@echo "make lint     ruff, lint-imports (layers), bandit, makemigrations --check, pip-audit"
	@echo "make messages makemessages for de and en"
	@echo "make screenshots  docs/screenshots/*.png: each role's start page from the demo data"

## install: uv, .venv from uv.lock (frozen), Debian runtime libraries.
install: debs $(INSTALL_STAMP)

debs:
	@$(call ensure-debs,$(RUNTIME_DEBS))

# Chromium for the browser tests: installed when root with apt-get (CI); otherwise a note, and
# the browser tests skip (under CI they fail instead, see tests/browser/conftest.py).
browser-debs:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  $(call ensure-debs,$(BROWSER_DEBS)); \
	elif ! command -v chromium >/dev/null 2>&1; then \
	  echo "note: no chromium; the browser tests are skipped (sudo apt-get install -y chromium)" >&2; \
	fi

$(INSTALL_STAMP): pyproject.toml uv.lock
	@if ! uv --version >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then \
	  echo "Installing uv (pip) ..."; \
	  python3 -m pip install --quiet --user uv 2>/dev/null \
	    || python3 -m pip install --quiet uv 2>/dev/null \
	    || python3 -m pip install --quiet --user --break-system-packages uv \
	    || { echo "Could not install uv; see https://docs.astral.sh/uv/ and re-run." >&2; exit 1; }; \
	fi
	$(UV) sync --frozen
	@touch $@

dirs:
	@mkdir -p $(VAR_DIRS)

# gettext's msgfmt is needed to compile locale/*/LC_MESSAGES/*.po.
compilemessages: install
	@command -v msgfmt >/dev/null 2>&1 || { $(call ensure-debs,gettext); }
	$(DEV) $(MANAGE) compilemessages --ignore=.venv --ignore=var --ignore=node_modules

messages: install
	@command -v msgfmt >/dev/null 2>&1 || { $(call ensure-debs,gettext); }
	$(DEV) $(MANAGE) makemessages -l de -l en --ignore=.venv --ignore=var --ignore=node_modules

## run: SQLite + Celery's filesystem transport by default; Redis when REDIS_URL is set.
run: install compilemessages dirs
	$(DEV) $(MANAGE) migrate --noinput
	$(DEV) $(MANAGE) createcachetable
	@echo "$(MANAGE) seed_demo > var/demo-logins.txt"
	@$(DEV) $(MANAGE) seed_demo > var/demo-logins.txt || { cat var/demo-logins.txt; exit 1; }
	$(DEV) bash bin/run-dev

test: install browser-debs compilemessages dirs
	$(UV) run --frozen pytest $(PYTEST_ARGS)

# A throw-away demo database served on a free port of 127.0.0.1; Chromium logs in as each role.
screenshots: install browser-debs compilemessages
	$(UV) run --frozen python -m tests.browser.screenshots docs/screenshots

# BENCH=full adds the million-row lists, the load test and the letters in bulk: PostgreSQL
# (BENCH_DATABASE_URL, default a database of its own on 127.0.0.1) and Redis.
bench: install dirs
	$(if $(filter full,$(BENCH)),BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/risikokapital_bench}") \
	  $(UV) run --frozen python -m benchmarks

## serve: bin/serve refuses to start without DATABASE_URL, REDIS_URL and SECRET_KEY.
serve: install compilemessages
	bash bin/serve

# Every check always runs; the target fails if any found something. lint-imports keeps the
# apps' layers (pyproject.toml [tool.importlinter], docs/design.md); bandit reports security
# findings of medium and high severity; makemigrations --check fails on a model change without
# its migration; .ci/audit-deps runs pip-audit on uv.lock (skipped, with a note, offline).
APPS := funding notifications accounts applications reviews decisions records demo
lint: install
	@status=0; \
	$(UV) run --frozen ruff check . || status=1; \
	$(UV) run --frozen ruff format --check . || status=1; \
	$(UV) run --frozen lint-imports || status=1; \
	$(UV) run --frozen bandit -r $(APPS) -ll -q || status=1; \
	$(DEV) DATABASE_URL=sqlite://:memory: $(MANAGE) makemigrations --check --dry-run || status=1; \
	UV="$(UV)" bash .ci/audit-deps || status=1; \
	exit $$status
