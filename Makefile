# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# What is installed: the runtime lock (make run) or the test lock, a superset at the same versions (make test).
RUN_STAMP := $(VENV)/.installed-run-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-test-$(shell cat pyproject.toml requirements-test.lock | sha1sum | cut -c1-12)
# The tool that writes the lock files (`make lock`); installs come from the locks themselves.
UV_VERSION ?= 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install chromium sandbox bench lock screenshots

# Every dependency, runtime and test, at the version and hashes requirements-test.lock pins. A lock
# older than pyproject.toml's dependencies is said loudly and written again first (`make lock`).
$(STAMP): pyproject.toml requirements-test.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	@$(PYTHON) tools/lock.py check || { echo "*** Writing the lock files again (make lock); commit them."; \
	  $(MAKE) --no-print-directory lock; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --no-deps --require-hashes -r requirements-test.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP) $(RUN_STAMP)

# Only what running needs (requirements.lock): no Playwright, moto, httpbin... A venv that has the
# test lock already has all of it (same versions), and make test later adds the rest.
$(RUN_STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	@$(PYTHON) tools/lock.py check || { echo "*** Writing the lock files again (make lock); commit them."; \
	  $(MAKE) --no-print-directory lock; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --no-deps --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-run-*
	touch $(RUN_STAMP)

# Resolve pyproject.toml's dependencies again into requirements.lock and requirements-test.lock.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PIP) install --quiet "uv==$(UV_VERSION)"
	$(PY) tools/lock.py write --uv $(VENV)/bin/uv

install: $(STAMP)

# Local development: debug on, keys generated once into .dev-secrets.json, loopback and http allowed.
# The web server and one queue consumer (the SQLite queue file beside db.sqlite3) run together;
# Ctrl-C stops both (tools/serve.py).
run: export DJANGO_DEBUG ?= 1
run: export CONNECTORS_ALLOW_PRIVATE_NETWORKS ?= 1
run: export CONNECTORS_ALLOW_INSECURE_HTTP ?= 1
run: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_builtin_connectors
	$(PY) manage.py create_demo_admin
	@echo "Sign in at http://$(HOST):$(PORT)/ as admin (password: DEMO_PASSWORD, default admin)."
	$(PY) tools/serve.py $(HOST):$(PORT)

# Local OAuth2, OAuth1, httpbin and AWS (moto) servers to try every auth type against; see README.
sandbox: $(STAMP)
	$(PY) -m tests.peers.sandbox

# Benchmarks: ratios against baselines measured in the same run (not part of `make test`).
bench: $(STAMP)
	$(PY) bench/run.py

# The README's screenshots (docs/screenshots/), taken by a browser test walking the journey.
screenshots: $(STAMP) chromium
	DOCS_SCREENSHOTS=1 $(PY) -m pytest -q tests/e2e/test_screenshots.py

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# The suite on TEST_WORKERS processes (pytest-xdist; each has its own test database, servers and browser),
# the long tests handed out as workers come free.
TEST_WORKERS ?= 2
test: $(STAMP) chromium
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
