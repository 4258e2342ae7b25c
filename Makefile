# Two entry points that do all set-up themselves: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint unit bench clean

$(INSTALLED): pyproject.toml scripts/bootstrap
	scripts/bootstrap

demo: $(INSTALLED)
	$(BIN)/edgestock demo $(ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# One pytest-xdist worker per core (2 on the CI box); tests/conftest.py keeps each module on
# one worker and the `slow` stories in one group, handed out first.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# The shell here sets PYTHONDONTWRITEBYTECODE=1, so no import writes bytecode: without this
# step every process the tests start (clouds, agents, simulators, CLI commands) compiles the
# project's modules again (up to ~0.35 s of CPU each). Stale files are ignored by their mtime.
PACKAGES := domain edge_agent cloud simulators provisioning edgestock training

test: lint
	$(BIN)/python -m compileall -q -j 0 $(PACKAGES)
	$(BIN)/pytest -q $(XDIST) $(PYTEST_ARGS)

bench: $(INSTALLED)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
