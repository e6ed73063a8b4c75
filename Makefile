# Two commands set everything up: `make run` and `make test`. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test e2e clock lint format messages bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m assembly.local

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# The whole suite under shifted clocks (Debian's faketime): no test may depend on the hour it runs at.
# A relative offset, so the test process, its Redis and its Celery workers all share one shifted clock.
clock: $(STAMP)
	for at in 00:30 23:30; do \
	  offset=$$(( $$(date -u -d "tomorrow $$at" +%s) - $$(date -u +%s) )); \
	  echo "== the whole suite at $$at UTC (faketime +$${offset}s)"; \
	  faketime -f "+$${offset}s" $(BIN)/python -m pytest -q $(PYTEST_ARGS) || exit 1; \
	done

# Benchmarks print their figures and a ratio against a baseline measured in the same run.
bench: $(STAMP)
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/alerts.py
	$(BIN)/python bench/faults.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles

# Refresh the catalogs from the code; then translate the new entries in locale/*/LC_MESSAGES/django.po.
messages: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemessages --all --no-location --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench
