# The house's habits, each one command; the tools come from .venv, installed as the README says.
BIN := .venv/bin

.PHONY: test lint fmt babel

# The tests (the pytest part of the README's test command).
test:
	$(BIN)/pytest -q

# What CI checks besides the tests: lint, formatting, and the types of services/.
lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services

# Fixes what ruff can fix, then formats; what is left to fix by hand is listed, and `make lint` fails on it.
fmt:
	$(BIN)/ruff check --fix --exit-zero .
	$(BIN)/ruff format .

# The catalogues after a text changed (README, Languages); then translate the new entries.
babel:
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k NP_:1c,2 --no-location --sort-output -w 120 -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete -w 120
