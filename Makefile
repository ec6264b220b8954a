# One entry point for people, .ci/run and GitHub Actions alike.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: setup migrate test lint ci ci-migrations

# Two stamps: running migrations needs only the runtime (`.`); the dev extra (pytest, mypy, squawk...) comes on top.
$(BIN)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@# Bytecode, as pip writes it for an installed package: an editable install has none, and with
	@# PYTHONDONTWRITEBYTECODE every command would compile the whole application again (about 70 ms).
	$(BIN)/python -m compileall -q app alembic >/dev/null
	touch $@

$(BIN)/.installed: $(BIN)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## setup: create .venv and install stockdata with its development tools
setup: $(BIN)/.installed

## migrate: install stockdata's runtime only, then bring the configured database (default: data/stockdata.db) to head
migrate: $(BIN)/.runtime
	$(BIN)/stockdata migrate upgrade

## test: run the whole test suite (PostgreSQL from TEST_DATABASE_URL)
test: setup
	$(BIN)/pytest

## lint: ruff, mypy and the migration lint (squawk + stockdata's checks on every revision), as CI runs them
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/stockdata migrate lint --all

## ci: everything CI checks, in order; .ci/run and .github/workflows/ci.yml both run exactly this target
ci: lint test ci-migrations

## ci-migrations: on DATABASE_URL (a throwaway database): upgrade, verify, check, then down to base and up again
# This recipe is the one list of migration checks CI runs (`stockdata migrate lint --all` runs in `make lint`).
ci-migrations: setup
	@test -n "$$DATABASE_URL" || { echo "ci-migrations needs DATABASE_URL: it downgrades that database" >&2; exit 2; }
	$(BIN)/stockdata migrate upgrade
	$(BIN)/stockdata migrate verify
	$(BIN)/stockdata migrate check
	$(BIN)/stockdata migrate downgrade --yes base
	$(BIN)/stockdata migrate upgrade
	$(BIN)/stockdata migrate check
