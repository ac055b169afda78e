# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := data/demo
# Serving and batch get their parallelism from processes, not BLAS threads (see README).
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test lint format clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/loyalty fixtures generate --members 5000 --products 2000 --seed 7 --out $(DEMO)
	$(BIN)/loyalty import members $(DEMO)/members.csv
	$(BIN)/loyalty import products $(DEMO)/products.csv
	$(BIN)/loyalty import transactions $(DEMO)/transactions.csv
	$(BIN)/loyalty status

test: $(VENV)/.installed lint
	$(BIN)/pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed
	$(BIN)/python bench/import_speed.py

clean:
	rm -rf $(VENV) data .pytest_cache
