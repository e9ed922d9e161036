# Zhibu (支部): developer commands. `make help` lists them; the first run is `make run`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a complete install: the venv is rebuilt only when pyproject.toml is newer.
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# WeasyPrint with Chinese fonts (STACK.md); libharfbuzz-subset0 makes PDFs 47x faster; poppler-utils for tests.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk \
	fonts-dejavu-core poppler-utils
# Browser tests drive Debian's Chromium through Playwright; never `playwright install` (closed network).
TEST_SYSTEM_PACKAGES := $(SYSTEM_PACKAGES) chromium

export DEBIAN_FRONTEND := noninteractive

# Install the Debian packages in $(1) that are missing: as root with apt-get, otherwise print the command and fail.
# A python3 without ensurepip (Debian's, before python3-venv is installed) cannot create the venv, so it counts too.
define ensure_packages
	@if ! command -v dpkg >/dev/null 2>&1; then \
		echo "Not a Debian system: install the equivalents of: $(strip $(1))"; exit 0; \
	fi; \
	missing=""; \
	for p in $(1); do \
		dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1; then missing="$$missing python3-venv"; fi; \
	if [ -z "$$missing" ]; then echo "System packages: all present."; exit 0; fi; \
	cmd="apt-get update && apt-get install -y --no-install-recommends$$missing"; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "Missing system packages:$$missing"; \
		echo "Install them as root, then run make again:"; \
		echo "    sudo sh -c 'DEBIAN_FRONTEND=noninteractive $$cmd'"; \
		exit 1; \
	fi; \
	echo "Installing missing system packages:$$missing"; \
	apt-get update && apt-get install -y --no-install-recommends $$missing
endef

.PHONY: help bootstrap-system bootstrap-test-system venv run test lint audit format worker beat check-worker bench bench-postgres backup restore clean

help: ## Show this list of targets
	@echo "Zhibu (支部). Usage: make <target>"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-22s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: HOST=$(HOST) PORT=$(PORT) PYTEST_ARGS='...'; DATABASE_URL and REDIS_URL from the environment."

bootstrap-system: ## Install the Debian packages the app needs (WeasyPrint, CJK fonts), only those missing
	$(call ensure_packages,$(SYSTEM_PACKAGES))

bootstrap-test-system: ## Same, plus Debian's chromium for the browser tests
	$(call ensure_packages,$(TEST_SYSTEM_PACKAGES))

venv: $(STAMP) ## Create .venv and install the project with its dev dependencies

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -e '.[dev]'
	@touch $@

run: bootstrap-system $(STAMP) ## Migrate, seed demo data if the database is empty, serve on http://127.0.0.1:8000
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo
	@echo "Zhibu is starting at http://$(HOST):$(PORT)  (log in with a demo account above; Ctrl-C stops it)"
	@echo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: bootstrap-test-system $(STAMP) ## Run the test suite (PYTEST_ARGS="-k name -x" to narrow it)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

audit: $(STAMP) ## bandit on the code (waivers: `# nosec B<number>  # reason`), then pip-audit --strict, or SKIPPED offline
	$(BIN)/bandit -c pyproject.toml -r config core branches members appraisal reviews reports -q
	@echo "bandit: no unwaived finding."
	$(BIN)/python -m pytest tests/security/test_static_analysis.py -k "bandit or dependency" -q -rs -p no:cacheprovider

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: bootstrap-system $(STAMP) ## Run a Celery worker (needs REDIS_URL; same DATABASE_URL as the web process)
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is not set: without a broker tasks run in the web process."; exit 1; }
	$(BIN)/celery -A config worker -l INFO

beat: $(STAMP) ## Run Celery beat, the scheduler of periodic tasks (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is not set: beat needs a broker."; exit 1; }
	@mkdir -p var
	$(BIN)/celery -A config beat -l INFO --schedule var/celerybeat-schedule

check-worker: $(STAMP) ## Ask a running worker to answer a ping task
	$(BIN)/python manage.py check_worker

bench: bootstrap-system $(STAMP) ## Measure the member list, the signing page and the report pack; prints only
	$(BIN)/python bench/member_list.py
	$(BIN)/python bench/signing_page.py
	$(BIN)/python bench/report_pack.py

bench-postgres: $(STAMP) ## Measure ballot submission on PostgreSQL (DATABASE_URL names the server); prints only
	$(BIN)/python bench/poll_submit.py

.PHONY: load faults
load: $(STAMP) ## Month-end peak on gunicorn + PostgreSQL (DATABASE_URL names the server), LOAD_ARGS='--seconds 600'
	$(BIN)/python bench/load.py $(LOAD_ARGS)

faults: $(STAMP) ## R27 under load: Redis frozen and killed, PostgreSQL stopped 30 s, a gunicorn worker killed (own servers)
	$(BIN)/python bench/faults.py $(FAULTS_ARGS)

backup: $(STAMP) ## Back up the database and stored files to var/backups/ (a directory with a manifest of table digests)
	$(BIN)/python manage.py backup

restore: $(STAMP) ## Restore BACKUP=var/backups/zhibu-backup-… into the configured database and files, then verify it
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=var/backups/zhibu-backup-YYYYmmdd-HHMMSS"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)" --yes

clean: ## Remove .venv and var/ (the local SQLite database, secret key and files)
	rm -rf $(VENV) var
