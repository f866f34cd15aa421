# e-Cabinet: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint format bench messages install install-dev clean

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, migrate, load the demo data, serve on http://127.0.0.1:$(PORT) with a worker
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py make_dev_ca
	$(PY) manage.py devserver --port $(PORT)

## test: install what the tests need, then the suite on SQLite and on PostgreSQL
test: install-dev
	@scripts/system-deps.sh
	@scripts/test.sh $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: every benchmark in bench/, in throwaway environments; one table on stdout,
## a JSON copy in test-artifacts/bench/ (targets that do not hold do not fail it)
bench: install
	$(PY) bench/run.py

## messages: refresh and compile the Vietnamese and English catalogues (needs gettext)
messages: install
	$(PY) manage.py makemessages --locale vi --ignore '.venv/*' --ignore 'tests/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/*.sqlite3* var/cache var/test-cache static_collected test-artifacts
