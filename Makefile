# Two commands a newcomer needs: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install console schema-lint browser run test lint typecheck pytest schema lock bench clean mutation sisimai bounce-bench bounces

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The bounce reader compiled with mypyc into .so files beside its sources (tools/build_bounces.py),
# rebuilt whenever one of them changes; without a C compiler the pure sources run, same answers.
# domain/bounces/native.py keeps a build older than the sources out of use.
BOUNCES := domain/bounces/native.stamp
BOUNCES_SOURCES := $(shell find domain/bounces -name '*.py')

bounces: $(BOUNCES)
$(BOUNCES): $(STAMP) $(BOUNCES_SOURCES) tools/build_bounces.py
	$(BIN)/python tools/build_bounces.py

CONSOLE := api/console/node_modules/.package-lock.json

SCHEMA_LINT := tools/schema-lint/node_modules/.package-lock.json

install: $(STAMP) $(BOUNCES) $(CONSOLE) $(SCHEMA_LINT)

# The console's GraphiQL, React and their assets from the npm registry (pinned in
# api/console/package-lock.json), served by Mailtrail itself so the console works offline.
console: $(CONSOLE)
$(CONSOLE): api/console/package.json api/console/package-lock.json
	cd api/console && npm ci --no-audit --no-fund --loglevel=error
	touch $(CONSOLE)

# graphql-schema-linter (pinned in tools/schema-lint/package-lock.json), run on schema.graphql by
# tests/api/test_schema_lint.py: every type, field, argument and enum value described; Relay paging.
schema-lint: $(SCHEMA_LINT)
$(SCHEMA_LINT): tools/schema-lint/package.json tools/schema-lint/package-lock.json
	cd tools/schema-lint && npm ci --no-audit --no-fund --loglevel=error
	touch $(SCHEMA_LINT)

# The browser test's Chromium and its driver, from Debian's packages; nothing when they are there.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; fi

# The bounce benchmark's Perl peer, p5-sisimai, from Debian's packages; nothing when it is there.
sisimai:
	@if perl -MSisimai -e 1 2>/dev/null; then :; else \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libsisimai-perl; fi

# The bounce reader's accuracy on both corpora and its speed against p5-sisimai and flufl.bounce.
bounce-bench: $(STAMP) $(BOUNCES) sisimai
	$(BIN)/python -m bench.bounce_corpus $(BENCH_ARGS)

# The service on embedded defaults: SQLite under .mailtrail/, the Gmail emulator, an in-process
# worker and scheduler. Override with MAILTRAIL_PORT, MAILTRAIL_DATABASE_URL, MAILTRAIL_DEMO_TOKEN.
run: export MAILTRAIL_EMBEDDED ?= 1
run: export MAILTRAIL_BROKER_URL ?= stub://
run: $(STAMP) $(BOUNCES) $(CONSOLE)
	$(BIN)/mailtrail migrate
	$(BIN)/mailtrail serve

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# MAILTRAIL_BOUNCES_EXPECT: tests/domain/bounces/test_native.py checks that the build made here is the one in use.
pytest: $(STAMP) $(BOUNCES) $(CONSOLE) $(SCHEMA_LINT) browser
	MAILTRAIL_BOUNCES_EXPECT=$$(test -f $(BOUNCES) && echo compiled || echo pure) $(BIN)/pytest

# Mutation score of domain/'s pure rule modules, each against its own unit tests (minutes; not in `make test`).
# It mutates .py sources, so it runs them pure (tools/mutation.py sets MAILTRAIL_BOUNCES_PURE=1).
# Last line: {module: score}. Args: MUTATION_ARGS="domain/quota.py --keep".
mutation: $(STAMP)
	$(BIN)/python tools/mutation.py $(MUTATION_ARGS)

schema: $(STAMP)
	$(BIN)/python -c "from api.schema import build_schema; open('schema.graphql', 'w').write(str(build_schema()) + '\n')"

lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | sed '1i # Fully pinned dependencies (runtime + dev). Regenerate with: make lock' > requirements.lock

clean:
	rm -rf $(VENV) build .mailtrail .pytest_cache .mypy_cache .ruff_cache api/console/node_modules tools/schema-lint/node_modules tests/artifacts
	find domain/bounces -name '*.so' -delete; rm -f $(BOUNCES)
