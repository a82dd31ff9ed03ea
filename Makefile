# Two commands for people: `make run` and `make test` (see README.md).
# Needs only python3.11, Java 17 and Maven; everything else is installed here.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STACK := $(PY) infra/stack.py
SERVICE_NAMES := registration agenda recommendations marketplace accounts
PACKAGES := $(wildcard shared/pyproject.toml $(foreach s,$(SERVICE_NAMES),services/$(s)/pyproject.toml))
EDITABLES := $(foreach p,$(PACKAGES),-e $(patsubst %/,%,$(dir $(p))))
# Reinstall when a requirement or a package's metadata changes; otherwise `make venv` is instant.
STAMP := $(VENV)/.installed
MYPY_TARGETS := $(wildcard shared/shared $(foreach s,$(SERVICE_NAMES),services/$(s)/$(s))) infra
# bench/ is listed file by file: pyproject's mypy exclude skips it when given as a folder.
MYPY_TARGETS += $(wildcard bench/*.py bench/scenarios/*.py)

.PHONY: venv kafka-libs keys token run status stop reset test test-faults lint bench

venv: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): requirements-dev.txt $(PACKAGES) | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt $(EDITABLES)
	touch $@

# Apache Kafka's jars from Maven Central into .local/kafka/libs (once).
kafka-libs:
	$(PYTHON) infra/stack.py kafka-libs

keys: venv
	$(STACK) keys

# A 12-hour token, scope admin; others with SCOPES, e.g. make token SCOPES="organizer:conference:ess-national-6"
token: venv
	SCOPES="$(SCOPES)" $(STACK) token

# Kafka, MongoDB (SecantusDB), the mail sink, the services and demo data (with a demo administrator
# account whose password the summary prints).
# Whatever already runs is kept, so a second `make run` changes nothing.
run: venv kafka-libs
	$(STACK) keys
	$(STACK) up
	$(STACK) services-up
	$(STACK) demo
	$(STACK) summary

status:
	$(PYTHON) infra/stack.py status

stop:
	$(PYTHON) infra/stack.py down

# Stop, and remove the stack's stored data, messages and mails (keys, tools and logs stay):
# the next `make run` starts as on a fresh clone, with its demo data.
reset:
	$(PYTHON) infra/stack.py reset

# The tests start their own Kafka and MongoDB on free ports (tests/conftest.py).
# pytest exits with 5 when it collected nothing: that is a failure too.
# A subset: make test PYTEST_ARGS='tests/registration -x'
test: venv kafka-libs
	bash infra/install-kustomize.sh
	bash infra/install-browser.sh
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# Only the fault tests (also part of `make test`), printing what each tried and what was lost.
test-faults: venv kafka-libs
	$(PY) -m pytest -m faults -s $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $(MYPY_TARGETS)

# Benchmarks against the running stack (started as `make run` does; what already runs is kept);
# not part of `make test`. Options: make bench BENCH_ARGS='--quick' (see bench/README.md).
bench: run
	$(PY) -m bench $(BENCH_ARGS)
