# The two commands a newcomer needs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` shows the product as its users see it (its own error pages); `DEBUG=1 make run` for Django's debug pages.
DEBUG ?= 0
STAMP := $(VENV)/.installed

.PHONY: install run test test-sqlite test-postgres lint format bench scale-check clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install the product with its test tools.

run: install ## Migrate, load demo data on first start, and serve on http://127.0.0.1:8000 (PORT=8001 for another port)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "  Mở http://$(HOST):$(PORT)/ — đăng nhập / log in with:"
	@$(PY) manage.py seed_demo --print-logins
	@echo ""
	DEBUG=$(DEBUG) $(PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole suite (DATABASE_URL chooses the database; SQLite by default).
	$(BIN)/pytest -n 2 --dist loadfile -q

lint: install ## Check style with ruff.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Seed city-scale data on PostgreSQL and print the figures (see README); its last step is scale-check's.
	$(PY) -m bench $(BENCH_ARGS)

# Two gunicorn servers and one import worker on the benchmark database (kept by `make bench BENCH_ARGS=--keep`),
# Redis as their cache (started if none answers on 127.0.0.1:6379): freshness across servers, 50 users, an import.
scale-check: install ## Prove two app servers on one PostgreSQL and Redis (needs a kept benchmark database).
	$(PY) -m bench --only scale $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
