# CDM — the two commands that matter: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SCALE ?= 0.2
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export CDM_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test test-sqlite test-postgres test-api lint messages browser-deps bench-desk bench-report bench-import clean

$(BIN)/cdm: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# gettext's msgfmt compiles the catalogues (Debian package gettext).
.stamp-gettext:
	command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext)
	touch $@

messages: $(BIN)/cdm .stamp-gettext
	cd src/cdm && CDM_DEBUG=1 ../../$(BIN)/cdm compilemessages -v0

demo: $(BIN)/cdm messages
	mkdir -p var
	CDM_DEBUG=1 $(BIN)/cdm migrate -v0
	CDM_DEBUG=1 $(BIN)/cdm demo --scale $(DEMO_SCALE)
	@echo
	@echo "CDM demo on http://127.0.0.1:8000/  (every figure is fictitious)"
	@echo "Accounts, password 'demo': coordinator; manager-<cite>, agent-<cite>, counsellor-<cite>"
	@echo "   e.g. manager-paris-la-villette, agent-bruxelles, counsellor-porto"
	@echo "Web server (daphne) and background worker (uploads' imports) together; Ctrl-C stops both."
	CDM_DEBUG=1 $(BIN)/python tools/serve.py --host 127.0.0.1 --port 8000

# Debian's Chromium (never a browser download) and npm's axe-core for the end-to-end tests.
browser-deps: .stamp-chromium .stamp-poppler node_modules/axe-core/axe.min.js

.stamp-chromium:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	touch $@

# Debian's poppler-utils: pdftoppm and pdftotext read the annual report's PDF in tests/test_report_pdf.py.
.stamp-poppler:
	command -v pdftoppm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils)
	touch $@

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

lint: $(BIN)/cdm
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench
	cd src && ../$(BIN)/lint-imports --config ../pyproject.toml --no-cache
	CDM_DEBUG=1 $(BIN)/cdm makemigrations --check --dry-run -v1

test: $(BIN)/cdm messages browser-deps lint test-api test-sqlite test-postgres

# schemathesis against the running API (gunicorn), every operation, authenticated, on both databases.
test-api: $(BIN)/cdm
	$(BIN)/python tools/api_fuzz.py --max-examples 30
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		$(BIN)/python tools/api_fuzz.py --max-examples 30 --database-url $(PG_URL:/test=/cdm_fuzz); \
	elif [ "$$CI" = "true" ]; then exit 1; else echo "== API fuzzing on PostgreSQL SKIPPED: no server =="; fi

test-sqlite: $(BIN)/cdm
	@echo "== test suite on SQLite =="
	$(BIN)/pytest -n 2 -q

test-postgres: $(BIN)/cdm
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== test suite on PostgreSQL =="; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL does not answer at $(PG_URL): CI needs it." >&2; exit 1; \
	else \
		echo "== PostgreSQL leg SKIPPED: no server answers at $(PG_URL) =="; \
	fi

# Benchmarks: figures and ratios against a baseline measured in the same run (never asserted in tests).
.stamp-bench: $(BIN)/cdm
	$(BIN)/pip install -q 'duckdb==1.4.4' 'duckdb-ext-sqlite==1.4.4.20260205' 'duckdb-ext-postgres==1.4.4.20260205'
	touch $@

# wrk (C, Debian's package) drives the desk benchmark: the load generator must not eat the server's CPU.
.stamp-wrk:
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	touch $@

bench-desk: $(BIN)/cdm .stamp-wrk
	$(BIN)/python bench/desk.py

bench-report: $(BIN)/cdm .stamp-bench
	$(BIN)/python bench/report.py

bench-import: $(BIN)/cdm
	$(BIN)/python bench/importing.py

# A desk's visit in-process: its SQL statements, its CPU time against the ceiling's (paired rounds,
# steadier than wall-clock throughput on a shared machine); BENCH_PROFILE_ARGS=--pg, --profile.
.PHONY: bench-desk-profile
bench-desk-profile: $(BIN)/cdm
	$(BIN)/python bench/desk_profile.py $(BENCH_PROFILE_ARGS)

# The chat (issue #16): 200 visitors and 20 counsellors on daphne, beside a bare echo consumer.
# The websockets client library drives it (BENCH_CHAT_ARGS=--redis for the Redis layer).
.PHONY: bench-chat
bench-chat: $(BIN)/cdm
	$(BIN)/pip install -q 'websockets>=13'
	$(BIN)/python bench/chat.py $(BENCH_CHAT_ARGS)

clean:
	rm -rf var .stamp-* node_modules
