# Two commands take a newcomer from nothing to results:
#   make verify   set up .venv and run `gsmtheory verify` on built-in defaults (report in ./report)
#   make test     set up .venv and run the whole test suite (lint, types, tests, notebooks, the
#                 API reference, the sdist and the wheel), in one worker process per core (xdist)
#   make test-fast the fast lane: lint, types and every test not marked slow (3 s or more each)
# The development install has every extra ([test,all]); `pip install gsmtheory` alone is the core.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.gsmtheory-installed

.PHONY: verify verify-full test test-fast lint bench notebooks-html docs dist clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first, pinned: nothing pulls CUDA packages afterwards.
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,all]'
	touch $(STAMP)

verify: $(STAMP)
	$(BIN)/gsmtheory verify --report report

verify-full: $(STAMP)
	$(BIN)/gsmtheory verify --full --report report

RUFF := $(BIN)/ruff check gsmtheory tests benchmarks
MYPY := $(BIN)/mypy

lint: $(STAMP)
	$(RUFF)
	$(MYPY)

# -n auto: one worker per core (2 on the CI machine), each with one BLAS/OpenMP/torch thread (two
# workers with a pool of two threads each oversubscribe two cores); --dist loadgroup keeps tests
# that share an expensive session fixture (xdist_group) in one worker (pytest < 9.2: with 9.2 the
# groups are lost without a word, pytest-xdist#1386; test_the_quick_record_group_runs_in_one_worker fails then)
PYTEST := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadgroup

# `make test` runs ruff, then mypy beside pytest rather than before it: mypy is one process (about
# 33 s here without its cache) that would leave the second core idle; its report follows the tests'
# and either failing fails the target
define with_mypy
	$(RUFF)
	$(MYPY) > $(VENV)/mypy.log 2>&1 & types=$$!; $(1); tests=$$?; wait $$types; typed=$$?; \
	cat $(VENV)/mypy.log; test $$tests -eq 0 -a $$typed -eq 0
endef

test: $(STAMP)
	$(call with_mypy,$(PYTEST))

test-fast: $(STAMP)
	$(call with_mypy,$(PYTEST) -m "not slow")

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

notebooks-html: $(STAMP)
	$(BIN)/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=300 \
		--output-dir notebooks/html notebooks/*.ipynb

# the API reference in docs/_build/html (tests/test_docs.py builds it too, warnings as errors)
docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

# sdist and wheel in dist/ (tests/test_packaging.py checks their contents and the core install)
dist: $(STAMP)
	$(BIN)/python -m build --no-isolation --outdir dist .

clean:
	rm -rf $(VENV) report notebooks/html docs/_build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
