# Jiedu — two commands: `make demo` (install, migrate, seed, serve) and `make test` (the whole suite).
# DATABASE_URL=postgres://user@host:5432/name switches both to PostgreSQL; the default is SQLite under var/.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SEED   ?= 2026
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=

.PHONY: demo test install install-dev serve seed migrate lint lock messages openapi clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: requirements/base.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/base.lock
	@touch $@

$(VENV)/.installed-dev: requirements/dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	@touch $@ $(VENV)/.installed-base

var/jiedu.env: | $(BIN)/python
	$(BIN)/python scripts/make_env.py $@

install: $(VENV)/.installed-base var/jiedu.env

install-dev: $(VENV)/.installed-dev var/jiedu.env

migrate: install
	$(MANAGE) migrate --no-input

seed: migrate
	$(MANAGE) seed_demo --seed $(SEED)

serve: install
	$(MANAGE) runserver $(HOST):$(PORT)

demo: seed
	@echo "Serving the demo county at http://$(HOST):$(PORT)/ (Ctrl-C stops)."
	$(MANAGE) runserver --noreload $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install-dev
	$(BIN)/ruff check .
	@mkdir -p var/test
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Maintainers: refresh the lock files after changing pyproject.toml (needs `pip install uv`).
lock:
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements/dev.lock

# Maintainers: extract messages (needs GNU gettext) and compile catalogues (pure Python, polib).
messages: install-dev
	cd jiedu && ../$(BIN)/python ../manage.py makemessages -l zh_Hans --no-obsolete --no-location
	$(MANAGE) compile_translations

openapi: install-dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) export_openapi docs/api/openapi.json

clean:
	rm -rf $(VENV) var/test .pytest_cache .ruff_cache
