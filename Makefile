# Two commands matter: `make run` and `make test`. Everything else is a step of those.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help setup ingest run ask test lint browser evals library fit bench

help:
	@echo "make run     set up .venv, ingest the corpus, serve the chat on http://127.0.0.1:7860"
	@echo "make test    set up .venv and run the whole test suite (unit, Chroma, model, browser)"
	@echo "make ingest  build or refresh the index from corpus/"
	@echo "make ask Q='How fast does IVIG work?'   one answer on the command line"
	@echo "make evals   run the answer-quality cases; report in evals/runs/<time>/report.html"
	@echo "make library  the library evals: fit and holdout figures on the team-written articles"
	@echo "make fit     refit the answerer on the library's fit cases (chatbot/data/fitted.json)"
	@echo "make bench   speed and memory at library scale against their floors (~20 min; not in make test)"
	@echo "make lint    ruff"

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject.toml: its CPU wheel is on this machine's disk.
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

ingest: setup
	$(PY) ingest.py

run: ingest
	$(PY) app.py

ask: ingest
	$(PY) -m chatbot ask "$(or $(Q),How fast does IVIG work?)"

# Debian's chromium for the browser tests (never `playwright install`).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

test: setup browser ingest
	$(PY) -m ruff check .
	$(PY) -m pytest
	$(PY) -m evals run --check
	$(PY) -m evals library --check

evals: ingest
	$(PY) -m evals run

library: setup
	$(PY) -m evals library

fit: setup
	$(PY) -m evals fit

bench: ingest
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m bench

lint: setup
	$(PY) -m ruff check .
