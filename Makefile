# TIP Tracker: `make run` serves the demo, `make test` runs the whole suite. Both set up a fresh
# machine themselves.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve worker test install browser fonts lint check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Translations: each catalogue's .mo is compiled from its .po (never committed) by Babel, so a
# fresh machine needs no gettext; `make messages` (gettext's xgettext) refreshes the catalogues.
PO := $(wildcard locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

$(MO): %.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel -q compile -i $< -o $@

install: $(STAMP) $(MO)

.PHONY: messages
messages: install
	DEBUG=1 $(PY) manage.py makemessages $(foreach lang,fr es ar ko,-l $(lang)) --no-obsolete \
	  --ignore='.venv/*' --ignore='bench/*' --ignore='tests/*' --add-location=file

# Chromium for the browser journeys comes from Debian's packages, never from a download.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium from Debian's packages…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The PDFs' fonts (reports/pdf.py) come from Debian's packages too: Noto for Latin, Cyrillic,
# Greek and Arabic (fonts-noto-core), Hangul and Han (fonts-noto-cjk).
FONT_FILES := /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf \
  /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf \
  /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	@for f in $(FONT_FILES); do test -f $$f || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing the PDF fonts from Debian's packages (fonts-noto-core, fonts-noto-cjk)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    fonts-noto-core fonts-noto-cjk >/dev/null; \
	fi

# The background worker (imports of whole reports) runs beside the development server and is
# stopped with it, however the server ends (Ctrl+C, an error, a signal to the shell).
run: install fonts
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ — sign in with one of the demo accounts above."
	@echo "A background worker (report imports, daily reminders) runs beside the server and stops with it."
	DEBUG=1 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM HUP; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Production: one gunicorn process group serves the app and its static files (whitenoise).
# SECRET_KEY and ALLOWED_HOSTS come from the environment; DATABASE_URL selects PostgreSQL.
# tiptracker/gunicorn.conf.py trusts X-Forwarded-Proto only with BEHIND_TLS_PROXY set.
serve: install
	@test -n "$$SECRET_KEY" || { echo "serve: set SECRET_KEY (a random value of 32+ characters)."; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "serve: set ALLOWED_HOSTS (comma-separated host names)."; exit 1; }
	DEBUG=0 $(PY) manage.py collectstatic --noinput
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 $(VENV)/bin/gunicorn -c tiptracker/gunicorn.conf.py tiptracker.wsgi -w 2 -b $(HOST):$(PORT)

# Production: the background worker, a second long-running process beside `make serve` (its own
# service, with the same environment). It runs the imports of whole reports and, once a day,
# the reminders and e-mail digests.
worker: install
	@test -n "$$SECRET_KEY" || { echo "worker: set SECRET_KEY (the same as the web server's)."; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "worker: set ALLOWED_HOSTS (the same as the web server's)."; exit 1; }
	DEBUG=0 $(PY) manage.py db_worker --no-reload

test: install browser fonts
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache *.egg-info

# The benchmark (bench/README.md): sizes S, M and L, timings, query counts, the admin baseline and
# throughput under gunicorn, written to bench/RESULTS.md. `make bench` uses SQLite (or the
# PostgreSQL server DATABASE_URL names); `make bench-pg` starts a throwaway PostgreSQL.
.PHONY: bench bench-pg
bench: install fonts
	$(PY) -m bench.run $(BENCH_ARGS)

bench-pg: install fonts
	$(PY) -m bench.run --backend postgresql $(BENCH_ARGS)

# The background exports (bench/exports.py): each export request's time (it only enqueues) and
# each job's time and peak memory in a worker process, at size L; written to bench/EXPORTS.md.
.PHONY: bench-exports
bench-exports: install fonts
	$(PY) -m bench.exports $(BENCH_ARGS)

# The import benchmark (bench/importbench.py): a whole report of 190 narratives as one PDF of
# about 500 pages (extraction with pypdf and pypdfium2, split, parse, import) and 200 narratives
# from text; written to bench/IMPORT.md. On SQLite in a fresh file, or where DATABASE_URL points.
.PHONY: bench-import
bench-import: install
	$(PY) -m bench.importbench $(BENCH_ARGS)
