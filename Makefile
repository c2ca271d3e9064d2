# tf-params-kata — run `make help` for the targets.
#
# The first target you run creates .venv and installs everything (a few minutes,
# once); later runs reuse it. EX=<exercise> and TASK=<task> narrow most targets.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.kata-installed
PYTEST := $(PY) -m pytest
SEL := $(if $(EX),--exercise $(EX)) $(if $(TASK),--task $(TASK))

.DEFAULT_GOAL := help
.PHONY: help setup test progress hint reset watch verify lint format stubs bench grade grade-all release gradescope clean

help: ## list the targets
	@echo "tf-params-kata — learn to access, initialize and share Keras 3 parameters"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "  EX=ex03_custom_init (or ex03, 3)  one exercise;  TASK=WeirdInit  one task of EX"
	@echo "  KATA_TARGET=<dir>  grade another folder;  KATA_SEED=<int>  move the test seeds"

$(STAMP): pyproject.toml
	@test -x $(PY) || { echo "creating $(VENV) (first run only)…"; $(PYTHON) -m venv $(VENV); }
	@echo "installing dependencies into $(VENV) (first run takes a few minutes)…"
	@$(PY) -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
	  && $(PY) -m pip install -e ".[dev]" >> $(VENV)/install.log 2>&1 \
	  || { tail -n 30 $(VENV)/install.log; echo "install failed: see $(VENV)/install.log" >&2; exit 1; }
	@echo "installed (log: $(VENV)/install.log)"
	@touch $@

setup: $(STAMP) ## create .venv and install the dependencies (done for you by the other targets)

test: $(STAMP) ## grade your exercises (EX=…, TASK=… for one exercise or task)
	@$(PYTEST) $(SEL) --kata-state .kata/last-run.json

progress: $(STAMP) ## table of every task: done / failing / not started, points, what is next
	@$(PY) -m kata.learn progress

hint: $(STAMP) ## next hint for a task: make hint EX=ex03 [TASK=WeirdInit] [LEVEL=n]
	@$(PY) -m kata.learn hint $(EX) $(TASK) $(if $(LEVEL),--level $(LEVEL))

reset: $(STAMP) ## restore an exercise's stub (your file is backed up first): make reset EX=ex03
	@$(PY) -m kata.learn reset $(EX)

watch: $(STAMP) ## re-grade an exercise each time you save it (Ctrl-C to stop)
	@$(PY) -m kata.watch

# instructor-only: begin (the student edition made by `make release` drops these targets)
verify: $(STAMP) ## check the kata itself: solutions pass, stubs fail, mutants die, parity, lint, tooling
	@$(PYTEST) --target solutions
	@$(PY) -m kata.verify
	@$(MAKE) --no-print-directory lint
	@$(PYTEST) tests/tooling -p no:cacheprovider

stubs: $(STAMP) ## regenerate exercises/ from solutions/ (maintainers only: overwrites exercises/)
	@$(PY) -m kata.stubs

bench: $(STAMP) ## measure the suite against TensorFlow's import (writes bench.json)
	@$(PY) -m kata.bench

grade: $(STAMP) ## grade a submission: make grade SUBMISSION=<dir> [OUT=<dir>]
	@test -n "$(SUBMISSION)" || { echo "usage: make grade SUBMISSION=<dir> [OUT=<dir>]" >&2; exit 2; }
	@$(PY) -m kata.grade "$(SUBMISSION)" $(if $(OUT),--out "$(OUT)")

grade-all: $(STAMP) ## grade every sub-folder: make grade-all SUBMISSIONS=<dir> [OUT=<dir>]
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade-all SUBMISSIONS=<dir> [OUT=<dir>]" >&2; exit 2; }
	@$(PY) -m kata.gradebook "$(SUBMISSIONS)" $(if $(OUT),--out "$(OUT)")

release: $(STAMP) ## the student edition, checked: make release [OUT=dist/student]
	@$(PY) -m kata.release --out "$(or $(OUT),dist/student)"

gradescope: $(STAMP) ## autograder.zip for Gradescope
	@$(PY) -m kata.gradescope --out autograder.zip
# instructor-only: end

lint: $(STAMP) ## ruff check and ruff format --check
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: $(STAMP) ## format the code with ruff
	@$(VENV)/bin/ruff format .

clean: ## remove caches and generated outputs (keeps .venv and your work)
	@rm -rf .pytest_cache .ruff_cache dist out grades autograder.zip bench.json
	@find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
