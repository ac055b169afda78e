# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOYALTY := $(BIN)/loyalty
DATA := data
DEMO := $(DATA)/demo
HOST ?= 127.0.0.1
PORT ?= 8000
# Serving and batch get their parallelism from processes, not BLAS threads (see README).
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test lint format clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The whole product on a laptop: demo retailer -> SQLite -> model -> rules -> API.
run: $(VENV)/.installed
	$(LOYALTY) fixtures generate --members 5000 --products 2000 --seed 7 --out $(DEMO)
	$(LOYALTY) import members $(DEMO)/members.csv
	$(LOYALTY) import products $(DEMO)/products.csv
	$(LOYALTY) import transactions $(DEMO)/transactions.csv
	$(LOYALTY) train --seed 7
	$(LOYALTY) rules history | grep -q 'rule(s)' || { \
	  $(LOYALTY) rules add docs/examples/brand-fit-rules.json && \
	  $(LOYALTY) rules publish --note "demo rules" --author demo; }
	$(LOYALTY) recommend M000001 --n 5
	$(LOYALTY) benefits add docs/examples/benefits.json
	$(LOYALTY) campaigns list | grep -q '^demo-weekly:' || $(LOYALTY) campaigns create demo-weekly \
	  --budget 20000 --offers-per-member 3 --holdout 0.05 --margin-floor 10 \
	  --valid-from $$($(BIN)/python -c 'import datetime as d; print(d.date.today())') \
	  --valid-until $$($(BIN)/python -c 'import datetime as d; print(d.date.today() + d.timedelta(27))')
	$(LOYALTY) generate-offers --campaign demo-weekly
	$(LOYALTY) offers show M000001
	@test -s $(DATA)/demo-keys.txt || for role in channel marketer admin; do \
	  printf '%-9s %s\n' $$role "$$($(LOYALTY) keys create --role $$role \
	    --name demo-$$role-$$(date +%s) | tail -n 1)"; \
	done > $(DATA)/demo-keys.txt
	@echo
	@echo "API docs:  http://$(HOST):$(PORT)/docs   (OpenAPI: /openapi.json)"
	@echo "Marketer:  http://$(HOST):$(PORT)/marketer   (sign in with the marketer key below)"
	@echo "Try:       curl -H \"Authorization: Bearer <admin key>\" http://$(HOST):$(PORT)/v1/status"
	@echo "Demo keys (role, key) from $(DATA)/demo-keys.txt:"
	@cat $(DATA)/demo-keys.txt
	@echo
	$(LOYALTY) serve --host $(HOST) --port $(PORT)

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
	rm -rf $(VENV) $(DATA) .pytest_cache
