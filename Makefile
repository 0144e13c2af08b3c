# KAP Clinic — two commands: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# PORT reaches settings, so links in the demo's emails (SITE_URL) follow the port it serves.
DEMO_ENV := KAP_REQUIRE_STAFF_MFA=false DEBUG=true PORT=$(PORT)

.PHONY: help install demo serve seed test test-fast lint format lock check-deploy clean worker beat \
	backup restore bench

help:
	@echo "make demo   install, migrate, seed the demo clinic and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   install and run the whole suite (ruff, migrations check, pytest)"
	@echo "make worker | beat   Celery worker / beat (reminder scans); need REDIS_URL"
	@echo "make backup   pg_dump DATABASE_URL to var/backups/kapclinic-<UTC time>.dump"
	@echo "make restore FILE=<dump> [DB=<name>] [FORCE=1]   pg_restore into DATABASE_URL's (or DB's) database"
	@echo "make bench  seed (once) 10,000 patients in PostgreSQL and measure the main pages (wrk)"
	@echo "make lint | format | lock | check-deploy | clean"

$(VENV)/.installed: requirements.lock
	@python=$$(scripts/find-python.sh) || exit 1; \
	echo "Using $$python ($$($$python --version))"; \
	[ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	@touch $@

install: $(VENV)/.installed

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

seed: install
	$(DEMO_ENV) $(PY) manage.py seed_demo

test: install
	@scripts/system-deps.sh
	@scripts/run-tests.sh $(ARGS)

test-fast: install
	@scripts/run-tests.sh -m "not e2e" $(ARGS)

# The background processes, without Docker. Both need REDIS_URL (and DATABASE_URL in production).
worker: install
	$(VENV)/bin/celery -A kapclinic worker --loglevel INFO --concurrency $${CONCURRENCY:-2}

beat: install
	@mkdir -p var/beat
	$(VENV)/bin/celery -A kapclinic beat --loglevel INFO --schedule var/beat/celerybeat-schedule

# Backups: the logic is in scripts/pg_backup.py (standard library + PostgreSQL client tools).
backup:
	@python3 scripts/pg_backup.py backup

restore:
	@[ -n "$(FILE)" ] || { echo "Usage: make restore FILE=var/backups/kapclinic-<time>.dump [DB=<name>] [FORCE=1]"; exit 2; }
	@python3 scripts/pg_backup.py restore "$(FILE)" $(if $(DB),--database "$(DB)") $(if $(filter 1,$(FORCE)),--force)

# Needs PostgreSQL (BENCH_DATABASE_URL, default kap_bench on 127.0.0.1) and Debian's wrk.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "Install wrk: apt-get install -y wrk" >&2; exit 1; }
	$(PY) scripts/bench_pages.py $(ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

lock:
	scripts/lock.sh

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=clinic.example.org \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
