# Townhall: the front door. `make run` starts the platform, `make test` checks it.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --all-packages --locked
PYTEST_ARGS ?=

.PHONY: help setup run test test-fast lint format schemas bench clean web-assets chromium

help:
	@echo "make run     start the whole platform on embedded defaults"
	@echo "make test    run the whole test suite (embedded broker, SQLite, PostgreSQL)"
	@echo "make test-fast  only the tests that need no broker, PostgreSQL or processes"
	@echo "make lint    ruff and mypy"
	@echo "make bench   throughput and latency benchmarks"
	@echo "make schemas regenerate JSON Schema and AsyncAPI from the event models"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet uv

.venv/.synced: $(filter .tools/bin/uv,$(UV)) uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml)
	$(UV) sync --all-packages --locked
	@touch $@

setup: .venv/.synced

# The front door's browser assets: GOV.UK Frontend (and axe-core for the browser tests)
# from npm at the versions in services/web/package-lock.json, built into the folder web
# serves under /assets. Each step runs again only when what it reads has changed.
WEB := services/web
$(WEB)/node_modules/.package-lock.json: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(WEB)/build/assets/.built: $(WEB)/node_modules/.package-lock.json $(wildcard $(WEB)/assets/*) $(WEB)/src/townhall/web/assets.py .venv/.synced
	$(RUN) python -m townhall.web.assets
	@touch $@

web-assets: $(WEB)/build/assets/.built

# The browser tests drive Debian's Chromium; installed only when it is missing (as root).
chromium:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

run: setup web-assets
	$(RUN) townhall up

# Two workers (``TEST_WORKERS``): the tests that start platforms or a browser run one at a
# time on one of them (an xdist group, see runtime/testkit/markers.py), the rest share both.
TEST_WORKERS ?= 2
test: setup web-assets chromium
	$(RUN) python -m townhall.schemas.export --check
	$(RUN) pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Marks come from the fixtures a test takes (runtime/testkit/markers.py), so they cannot lie.
test-fast: setup web-assets
	$(RUN) pytest -q -n auto -m "not broker and not postgres and not processes and not browser" $(PYTEST_ARGS)

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy libs/runtime/src schemas/src libs/cli/src connectors/src services/*/src bench bench_identity

format: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

schemas: setup
	$(RUN) python -m townhall.schemas.export

bench: setup
	$(RUN) python -m bench
	$(RUN) python -m bench.idle
	$(RUN) python services/booking/bench/bench_booking.py
	$(RUN) python -m townhall.payments.bench
	$(RUN) python services/notifications/bench/bench_notifications.py
	$(RUN) python connectors/bench/bench_connectors.py
	$(RUN) python -m services.web.bench.bench_web
	$(RUN) python -m services.web.bench.bench_resident_pages

clean:
	rm -rf var .venv .tools .pytest_cache .mypy_cache .ruff_cache

bench-identity: setup
	$(RUN) python -m bench_identity
