# Two commands matter: `make run` and `make test`. Everything else is a step of those.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help setup ingest run ask test lint browser evals library accept fit fit-urgency faithfulness fit-verifier bench load

help:
	@echo "make run     set up .venv, ingest the corpus, serve the chat on http://127.0.0.1:7860"
	@echo "make test    set up .venv and run the whole test suite (unit, Chroma, model, browser)"
	@echo "make ingest  build or refresh the index from corpus/"
	@echo "make ask Q='How fast does IVIG work?'   one answer on the command line"
	@echo "make evals   run the answer-quality cases; report in evals/runs/<time>/report.html"
	@echo "make library  the library evals: fit and holdout figures on the team-written articles"
	@echo "make accept CASE=id WHY='...'   make the newest run's answer that case's expectation"
	@echo "make fit     refit the encoder adapter, the answerer (~15 min) and the second-line emergency check"
	@echo "make fit-urgency  refit only the second-line emergency check (chatbot/data/urgency.npz)"
	@echo "make faithfulness  the LLM verifier on the labelled faithfulness set, per kind"
	@echo "make fit-verifier  refit the verifier on its fit items (chatbot/data/verifier.json)"
	@echo "make bench   speed and memory at library scale against their floors (~15 min; not in make test)"
	@echo "make load    50 concurrent chats, a slow request, a frozen Chroma (~5 min; not in make test)"
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
	$(PY) -m evals faithfulness --check

evals: ingest
	$(PY) -m evals run

library: setup
	$(PY) -m evals library

# Shows the change and asks before writing (see evals/README.md, "Accept a changed answer").
accept: setup
	$(PY) -m evals accept "$(CASE)" --why "$(WHY)" $(if $(FROM),--from "$(FROM)")

fit: setup
	$(PY) -m evals fit
	$(PY) -m evals fit-urgency

fit-urgency: setup
	$(PY) -m evals fit-urgency

faithfulness: setup
	$(PY) -m evals faithfulness

fit-verifier: setup
	$(PY) -m evals fit-verifier

bench: ingest
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m bench

load: setup
	$(PY) -m bench.load

lint: setup
	$(PY) -m ruff check .
