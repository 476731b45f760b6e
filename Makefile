# WildNet — two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-wildnet
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONPATH := platform:.

.PHONY: run test lint typecheck schema install bench bench-search bench-graphql bench-load bench-console clean services elasticsearch elasticsearch-stop \
	browser

# The browser assets (GraphiQL) come pinned and hash-checked from the npm registry: no CDN at run time, no npm.
$(STAMP): pyproject.toml deploy/vendor_assets.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "WildNet needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python deploy/vendor_assets.py
	@touch $(STAMP)

install: $(STAMP)

## Set up and run the platform on embedded defaults: SQLite, database search, a Celery worker with beat
## on a broker in var/broker, demo data. Ctrl-C stops the web server and the worker.
run: $(STAMP)
	@$(BIN)/wildnet migrate --noinput -v 0
	@$(BIN)/wildnet load_demo -v 0
	@$(BIN)/wildnet banner --address http://$(HOST):$(PORT)/
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/celery -A wildnet worker --beat --loglevel=INFO --concurrency=2 \
	    --schedule=var/celerybeat-schedule > var/celery.log 2>&1 & \
	  $(BIN)/wildnet runserver $(HOST):$(PORT)

## Install (Debian's packages) and start PostgreSQL on 127.0.0.1:5432 (trust for `postgres`) and Redis on
## 127.0.0.1:6379 for the second test pass and the benchmarks; does nothing to a service that already answers.
services:
	deploy/services.sh

## Install Debian's Chromium at /usr/bin/chromium for the browser tests (tests/console), which skip without it;
## does nothing when it is there. Playwright's own browser download is never used.
browser:
	deploy/chromium.sh

## A real single-node Elasticsearch 8 on 127.0.0.1:9200, built from Maven Central artifacts (needs Java 17 and
## Maven); data under var/elasticsearch. Then SEARCH_BACKEND=elasticsearch ELASTICSEARCH_URL=http://127.0.0.1:9200.
elasticsearch:
	deploy/elasticsearch-dev/elasticsearch.sh start

elasticsearch-stop:
	deploy/elasticsearch-dev/elasticsearch.sh stop

## Run the whole test suite (add DATABASE_URL / CELERY_BROKER_URL to run it against PostgreSQL and Redis): the
## tests marked `serial` in one process first (none selected is no failure), then the others in TEST_WORKERS
## processes (pytest-xdist; `auto`: one per core, each with its own test database and var/ folder; 0: in one).
TEST_WORKERS ?= auto
test: $(STAMP)
	DJANGO_ENV=test $(BIN)/python -m pytest -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]
	DJANGO_ENV=test $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not serial" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy platform cases sharing compliance search reports interop

## Regenerate the committed GraphQL SDL (a test fails when it drifts from the code).
schema: $(STAMP)
	DJANGO_ENV=test $(BIN)/wildnet graphql_schema --schema wildnet.schema.schema --out schema.graphql

clean:
	rm -rf var $(VENV)

## Benchmarks (figures go into README.md); not part of `make test`.
bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_core.py 20000
	$(BIN)/python tests/benchmarks/bench_import_listings.py 50000
	$(BIN)/python tests/benchmarks/bench_notices.py
	$(BIN)/python tests/benchmarks/bench_policy.py

## The search benchmark needs PostgreSQL (database wildnet_bench) and Redis (db 11) (make services), and about an
## hour at 1 M listings; with SEARCH_BACKEND=elasticsearch ELASTICSEARCH_URL=http://127.0.0.1:9200 (make
## elasticsearch) it measures Elasticsearch.
SEARCH_BENCH_LISTINGS ?= 1000000
bench-search: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_search.py $(SEARCH_BENCH_LISTINGS) --reset

## The GraphQL benchmarks of issue 18 need PostgreSQL (make services); each drops and recreates the database
## below (its name must start with wildnet_bench) with the demo world and 2,000 cases x 10 listings, in about a
## minute. bench-graphql: the 100-case page against raw SQL, detail, list and search in process, and a cProfile
## of the page; bench-load: the case detail through gunicorn at 1, 8 and 32 clients (20 s each), sent by wrk
## (deploy/wrk.sh installs Debian's).
GRAPHQL_BENCH_DATABASE ?= postgres://postgres@127.0.0.1:5432/wildnet_bench_gql
LOAD_BENCH_ARGS ?= --duration 20 --workers 4 --threads 1
bench-graphql: $(STAMP)
	DATABASE_URL=$(GRAPHQL_BENCH_DATABASE) $(BIN)/python tests/benchmarks/bench_graphql.py --profile

## Server time of the console's pages (home, search, case list, case page) beside the database's own cost.
bench-console: $(STAMP)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_console $(BIN)/python tests/benchmarks/bench_console.py

bench-load: $(STAMP)
	deploy/wrk.sh
	DATABASE_URL=$(GRAPHQL_BENCH_DATABASE) $(BIN)/python tests/benchmarks/bench_load.py $(LOAD_BENCH_ARGS)
