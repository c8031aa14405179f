# The course package: `make course` builds and runs the course, `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ifneq ($(VIRTUAL_ENV)$(CONDA_PREFIX),)
BIN :=
else
BIN := $(CURDIR)/.venv/bin/
export PATH := $(CURDIR)/.venv/bin:$(PATH)
endif
PYTHON := $(BIN)python
JOBS ?= 2
BUILD := build

LECTURES := $(sort $(wildcard lectures/*.ipynb))
NOTEBOOKS := $(LECTURES) $(sort $(wildcard assignments/source/*/*.ipynb))

.PHONY: help install course data lectures assignments book bench test test-fast lint unit notebooks browser colab clean

help:
	@echo "make course  - install, then build and run the whole course (smoke configuration)"
	@echo "make test    - install, then lint, unit tests, the executed lectures, the site, Colab"
	@echo "make test-fast - lint and the unit tests without the slow ones (a contributor's loop)"
	@echo "make bench  - run the benchmarks (writes benchmarks/RESULTS.md)"
	@echo "make clean   - remove build outputs"

install:
	@bash .ci/install.sh

# The main job: install -> render smoke data -> execute lectures -> release assignments
# (and check the solutions score full marks) -> build the book.
# .ci/steps.py runs the steps in order (each with `make`), timing each, then prints a summary.
course:
	@python3 .ci/steps.py install data lectures assignments book

# Render the offline smoke datasets into data/ (manifest with sha256; cached).
data: install
	$(PYTHON) -m course_lib.data build --size $${DATA_SIZE:-smoke} --jobs $(JOBS)

# Student releases into assignments/release/, after checking the sources score full marks.
assignments: install data
	$(PYTHON) -m course_lib.grading release --check

# The course website, built offline from the notebooks into jupyter_book/_build/html.
book: install
	$(PYTHON) jupyter_book/build.py

# The built site in Debian's chromium (pages, links, widgets, audio, Colab buttons); builds the
# book first. Screenshots land in build/screenshots/.
browser: book
	$(BIN)pytest -q -p no:randomly tests/browser

# Execute every lecture top to bottom into build/lectures (outputs stay out of git), $(JOBS)
# kernels at a time, inline figures and widget state kept; a notebook is run again only when
# it, course_lib or the data manifests changed (course_lib/_execute.py). CELL_TIMEOUT (default
# 120 s) fails a cell that runs longer, naming it. The book and `make notebooks` use these.
lectures: install data
	COURSE_CONFIG=$${COURSE_CONFIG:-smoke} $(PYTHON) -m course_lib._execute --jobs $(JOBS)

test: install lint unit notebooks browser colab

# The inner loop while editing: lint and the unit tests not marked slow (about 2 minutes on 2
# cores); `make test` runs everything before a merge.
test-fast: install lint
	OMP_NUM_THREADS=1 $(BIN)pytest -n $(JOBS) --dist loadgroup --max-worker-restart 0 -m "not slow" tests \
	  --ignore=tests/browser --ignore=tests/executed

lint:
	$(BIN)ruff check .
	$(BIN)ruff format --check .
	$(BIN)nbstripout --keep-id --verify $(NOTEBOOKS)

# One BLAS/OpenMP thread per worker: $(JOBS) workers with all threads each oversubscribe the
# cores (the notebooks ran 4x slower that way on 2 cores).
unit:
	OMP_NUM_THREADS=1 $(BIN)pytest -n $(JOBS) --dist loadgroup --max-worker-restart 0 --durations=15 tests --ignore=tests/browser --ignore=tests/executed

# The lectures as `make lectures` executed them (no third run): every code cell ran, no error
# output, figures kept (tests/executed).
notebooks: lectures
	$(BIN)pytest -q -p no:randomly tests/executed

# Every lecture as on Colab: the wheel, a clean Colab-like environment, a stub google.colab, each
# notebook's own first cell installing the course, then the smoke configuration (.ci/colab_sim.py).
colab: install
	$(PYTHON) .ci/colab_sim.py --jobs $(JOBS)

# Speed/accuracy ratios against named baselines (not part of the tests' pass/fail).
bench: install
	$(PYTHON) -m benchmarks

clean:
	rm -rf $(BUILD) .pytest_cache .ruff_cache
