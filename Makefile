# tf-params-kata — run `make help` for the targets.
#
# The first target you run creates .venv and installs everything (a few minutes,
# once); later runs reuse it. EX=<exercise> and TASK=<task> narrow most targets.
# Every target is a thin alias of the `kata` command (`.venv/bin/kata --help`).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KATA := $(PY) -m kata
STAMP := $(VENV)/.kata-installed
NB_STAMP := $(VENV)/.kata-notebook-installed
SEL := $(if $(EX),--exercise $(EX)) $(if $(TASK),--task $(TASK))

.DEFAULT_GOAL := help
.PHONY: help setup test progress hint solution reset watch lang notebook lint format clean

help: ## list the learner's targets
	@echo "tf-params-kata — learn to access, initialize and share Keras 3 parameters"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | grep -v '## \[' | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "  EX=ex03_custom_init (or ex03, 3)  one exercise;  TASK=WeirdInit  one task of EX"
	@echo "  TIMEOUT=<s>  time limit of each test (default 10; an endless loop fails its test)"
	@echo "  KATA_TARGET=<dir>  grade another folder;  KATA_SEED=<int>  move the test seeds"
# instructor-only: begin
	@echo
	@echo "  instructors and maintainers: make help-dev"
# instructor-only: end

# $(call install,EXTRAS): create $(VENV) if needed, then install the kata with EXTRAS in
# one pip step (one resolution, one build of the kata).
comma := ,
define install
@test -x $(PY) || { echo "creating $(VENV) (first run only)…"; $(PYTHON) -m venv $(VENV); }
@$(PY) -m pip install --quiet --upgrade pip >> $(VENV)/install.log 2>&1 \
	  && $(PY) -m pip install -c constraints.txt -e ".[$(1)]" >> $(VENV)/install.log 2>&1 \
	  || { tail -n 30 $(VENV)/install.log; echo "install failed: see $(VENV)/install.log" >&2; exit 1; }
@echo "installed (log: $(VENV)/install.log)"
endef

$(STAMP): pyproject.toml constraints.txt
	@echo "installing dependencies into $(VENV) (first run takes a few minutes)…"
	$(call install,dev)
	@touch $@

setup: $(STAMP) ## create .venv and install the dependencies (done for you by the other targets)

# The optional extra [notebook] (JupyterLab, jupytext, ipykernel, matplotlib), installed
# into the same .venv the first time a target needs it (with the dependencies, when they
# are not installed yet: a target that needs it needs no $(STAMP) of its own).
$(NB_STAMP): pyproject.toml constraints.txt
	@echo "installing the notebook extra (JupyterLab, jupytext, ipykernel, matplotlib) into $(VENV) (first use only)…"
	$(call install,dev$(comma)notebook)
	@touch $(STAMP) $@

test: $(STAMP) ## grade your exercises (EX=…, TASK=… for one exercise or task)
	@$(KATA) test $(SEL) $(if $(TIMEOUT),--kata-timeout $(TIMEOUT))

progress: $(STAMP) ## table of every task: done / failing / not started, points, what is next
	@$(KATA) progress $(if $(TIMEOUT),--timeout $(TIMEOUT))

hint: $(STAMP) ## next hint for a task: make hint EX=ex03 [TASK=WeirdInit] [LEVEL=n]
	@$(KATA) hint $(EX) $(TASK) $(if $(LEVEL),--level $(LEVEL))

solution: $(STAMP) ## the reference solution of a task, once yours passes: make solution EX=ex03 TASK=WeirdInit
	@$(KATA) solution $(EX) $(TASK)

reset: $(STAMP) ## restore an exercise's stub (your file is backed up first): make reset EX=ex03
	@$(KATA) reset $(EX)

watch: $(STAMP) ## re-grade an exercise each time you save it (Ctrl-C to stop)
	@$(KATA) watch $(if $(TIMEOUT),--timeout $(TIMEOUT))

lang: $(STAMP) ## lessons in your language: make lang LANG=zh (中文) or LANG=en (backs your files up first)
	@$(KATA) lang $(if $(and $(filter command line,$(origin LANG)),$(filter zh% en%,$(LANG))),$(LANG),$(error give the language: make lang LANG=zh or make lang LANG=en))

notebook: $(NB_STAMP) ## open the exercises as notebooks in JupyterLab (localhost; installs it on first use)
	@$(KATA) notebook

lint: $(STAMP) ## ruff check and ruff format --check
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: $(STAMP) ## format the code with ruff
	@$(VENV)/bin/ruff format .

clean: ## remove caches and generated outputs (keeps .venv and your work)
	@rm -rf .pytest_cache .ruff_cache dist out grades autograder.zip
	@find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

# instructor-only: begin (the student edition made by `make release` drops these targets)
.PHONY: help-dev verify stubs bench upgrade grade grade-all release gradescope messages

help-dev: ## [instructor] list the instructor's and maintainer's targets
	@echo "instructor and maintainer targets (not in the student edition):"
	@grep -E '^[a-z-]+:.*## \[' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'

verify: $(NB_STAMP) ## [maintainer] check the kata: solutions pass, stubs fail, mutants die, parity, lint, tooling
	@$(KATA) dev verify
	@$(MAKE) --no-print-directory lint
	@$(PY) -m pytest tests/tooling -p no:cacheprovider -p xdist.plugin -n 2 --dist loadfile --durations=10

messages: $(STAMP) ## [maintainer] re-extract the messages, update the catalogs' .po, compile the .mo (pybabel)
	@$(VENV)/bin/pybabel extract -F kata/core/locale/babel.cfg --no-location --no-wrap \
	  --sort-output --project tf-params-kata -o $(VENV)/kata.pot .
	@$(VENV)/bin/pybabel update -i $(VENV)/kata.pot -d kata/core/locale -D kata --ignore-obsolete --no-wrap
	@$(VENV)/bin/pybabel compile -d kata/core/locale -D kata --statistics
	@$(KATA) dev verify --only translations

stubs: $(STAMP) ## [maintainer] regenerate exercises/ from solutions/ (refuses to overwrite work without FORCE=1)
	@$(KATA) dev stubs $(if $(FORCE),--force)

bench: $(NB_STAMP) ## [maintainer] the kata's speed against its targets (docs/maintainers.md), as one table
	@$(KATA) dev bench

upgrade: ## [maintainer] re-resolve the newest dependencies, verify, and only then rewrite constraints.txt
	@rm -rf .venv-upgrade && $(PYTHON) -m venv .venv-upgrade
	@.venv-upgrade/bin/python -m pip install --quiet --upgrade pip
	@.venv-upgrade/bin/python -m pip install --quiet -e ".[dev,notebook]"
	@touch .venv-upgrade/.kata-installed .venv-upgrade/.kata-notebook-installed
	@$(MAKE) --no-print-directory verify VENV=.venv-upgrade STAMP=.venv-upgrade/.kata-installed NB_STAMP=.venv-upgrade/.kata-notebook-installed
	@{ head -n 2 constraints.txt; .venv-upgrade/bin/python -m pip freeze --exclude-editable | grep -v '^tf-params-kata'; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt && rm -rf .venv-upgrade
	@echo "constraints.txt rewritten from a verified install; run make setup to use it"

grade: $(STAMP) ## [instructor] grade a submission: make grade SUBMISSION=<dir> [OUT=<dir>]
	@test -n "$(SUBMISSION)" || { echo "usage: make grade SUBMISSION=<dir> [OUT=<dir>]" >&2; exit 2; }
	@$(KATA) grade "$(SUBMISSION)" $(if $(OUT),--out "$(OUT)")

grade-all: $(STAMP) ## [instructor] grade every sub-folder: make grade-all SUBMISSIONS=<dir> [OUT=<dir>] [ONLY=name,…]
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade-all SUBMISSIONS=<dir> [OUT=<dir>] [ONLY=name,…]" >&2; exit 2; }
	@$(KATA) grade-all "$(SUBMISSIONS)" $(if $(OUT),--out "$(OUT)") $(if $(ONLY),--only "$(ONLY)")

release: $(STAMP) ## [instructor] the student edition, checked: make release [OUT=dist/student] [SOLUTIONS=after-pass]
	@$(KATA) release --out "$(or $(OUT),dist/student)" $(if $(SOLUTIONS),--solutions $(SOLUTIONS))

gradescope: $(STAMP) ## [instructor] autograder.zip for Gradescope
	@$(KATA) gradescope --out autograder.zip
# instructor-only: end
