# The two commands a newcomer needs: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve test lint bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false \
	$(BIN)/atelier --data-dir data/demo demo --decision-date 2027-01-11 --mailbox data/demo/mailbox

serve: $(STAMP)
	DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/atelier serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# Every test on SQLite and, side by side, the integration suite on PostgreSQL (a throwaway cluster,
# tests/postgres.py; its report follows). pytest exits 5 when no test ran: a failure, not a pass.
TEST_ENV := DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
test: lint
	@mkdir -p test-artifacts
	@$(TEST_ENV) ATELIER_TEST_DATABASE=postgresql $(BIN)/pytest -p no:cacheprovider tests/integration \
		-m "not browser" > test-artifacts/postgresql.log 2>&1 & pg=$$!; \
	$(TEST_ENV) $(BIN)/pytest; rc=$$?; \
	wait $$pg; pgrc=$$?; \
	echo "=== the integration suite on PostgreSQL (test-artifacts/postgresql.log) ==="; \
	tail -n 40 test-artifacts/postgresql.log; \
	if [ $$rc -eq 5 ] || [ $$pgrc -eq 5 ]; then echo "no tests ran"; exit 1; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; exit $$pgrc

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data/demo
