# `make check`: what CI checks, the quick ones first: the format, ruff, mypy, the import
# layers, then the whole test suite (README, "Tests").  `make lint` runs only the first four.
# The tools come from .venv when there is one (the README's install), else from PATH.
BIN := $(if $(wildcard .venv/bin/python),.venv/bin/,)

.PHONY: check lint test

check: lint test

lint:
	$(BIN)ruff format --check .
	$(BIN)ruff check .
	$(BIN)mypy
	$(BIN)lint-imports

test:
	$(BIN)python -m pytest
