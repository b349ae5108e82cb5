# vanphong: two commands for a fresh machine.
#   make run   install, migrate, load the demo organisation when empty, serve on PORT (8000)
#   make test  install what the tests need, run the suite on SQLite, then on PostgreSQL
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: install install-test run test test-sqlite test-postgres lint typecheck clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml requirements.lock
	$(PY) -m pip install --quiet -c requirements.lock -e .
	scripts/install-system-packages.sh runtime
	touch $@

install: $(VENV)/.installed

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -c requirements.lock -e '.[test]'
	scripts/install-system-packages.sh test
	touch $@

install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/vanphong migrate --noinput
	$(VENV)/bin/vanphong collectstatic --noinput --verbosity 0
	$(VENV)/bin/vanphong demo --if-empty
	$(VENV)/bin/vanphong serve --port $(PORT)

test: install-test
	scripts/run-tests.sh

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-test
	$(VENV)/bin/mypy vanphong

clean:
	rm -rf $(VENV) var/test-*.xml
