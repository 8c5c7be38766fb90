# 明白人助手 — everything runs through the project's virtual environment in .venv/.
# `make run` and `make test` set up a fresh machine on their own.

SHELL := /bin/bash
# Python 3.10: python3 when .python-version (pyenv) selects it, else any 3.10 pyenv has installed.
PYTHON ?= $(shell for p in python3 python3.10 $$HOME/.pyenv/versions/3.10.*/bin/python3; do \
	  $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1 && { echo $$p; break; }; \
	done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export ACTION_SERVER_URL ?= http://localhost:$(ACTION_PORT)/webhook

.DEFAULT_GOAL := help
.PHONY: help install run test browser train kb-check kb-build validate lint format unit eval crossval bench clean

help: ## list the targets
	@echo "make run    install, train if needed, start the assistant (Ctrl-C stops it)"
	@echo "make test   install, validate, train once, run every test, print a summary"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 is needed (Rasa 3.6 does not run on 3.11)."; \
		echo "With pyenv: pyenv install 3.10.13 (.python-version selects it)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv (Python 3.10) and install pinned dependencies

run: $(STAMP) ## start the assistant: trains if needed, prints the URL
	$(PY) -m bot run

test: $(STAMP) browser ## validate, train once, run every test, print a summary
	$(PY) -m bot test

browser: ## Debian's chromium and a Chinese font for the browser tests (apt; Playwright downloads nothing)
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-wqy-microhei; }

train: $(STAMP) ## rebuild derived files and train the model if its inputs changed
	$(PY) -m bot train

kb-check: $(STAMP) ## check the knowledge base (file: path: message lines)
	$(PY) -m bot kb check

kb-build: $(STAMP) ## regenerate Rasa data and the jieba dictionary from knowledge/
	$(PY) -m bot kb build

validate: $(STAMP) ## knowledge check, derived files current, rasa data validate
	$(PY) -m bot test --only lint,knowledge,derived,rasa-data

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP) ## ruff format and fix imports
	$(VENV)/bin/ruff check --fix --select I . && $(VENV)/bin/ruff format .

unit: $(STAMP) ## fast unit tests only (no trained model needed)
	$(PY) -m pytest -q -m "not server"

eval: $(STAMP) ## ask the running-model the dev questions and print the table
	$(PY) -m bot eval

crossval: $(STAMP) ## 5-fold NLU cross-validation (rasa test nlu; not in CI, see README)
	$(PY) -m bot crossval

bench: $(STAMP) ## latency, start-up time, memory and training time figures
	$(PY) -m bot bench

clean: ## remove runtime state (models, databases, caches); keeps .venv
	rm -rf var .rasa results .pytest_cache .ruff_cache
