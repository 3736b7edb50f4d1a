# Every target creates .venv (if missing) and installs synthaug with the pinned constraints,
# so a fresh clone needs nothing else than `make test` or `make demo`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,ray,dp

.PHONY: install demo demo-time test test-fast lint format bench docs clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/synthaug demo --out demo-output

# Time the demo per phase (wall, CPU, load average) and regenerate docs/results/demo.md,
# demo_time.md and demo_metrics.json, which README.md quotes (a test checks they agree).
demo-time: $(STAMP)
	$(BIN)/python bench/demo_time.py --out demo-output --write docs/results --label after

test: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --timeout 900 -q

test-fast: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules src/synthaug/augment src/synthaug/albumentations

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	bash bench/run.sh

# The transform catalogue, the API reference (pdoc, from the docstrings, into docs/api/) and one
# page of each kind (experiment, audit, evaluate, tabular) checked in headless Chromium, with a
# screenshot of each page's top in docs/img/page-*.png. The experiment page is rendered from
# demo-output/ (make demo) when it exists, else from a quick run.
docs: $(STAMP)
	$(BIN)/python -m synthaug.augment.catalog docs/transforms.md
	$(BIN)/python -m synthaug.experiment.demo docs/results
	$(BIN)/python docs/build_api.py docs/api
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python docs/build_pages.py --img docs/img

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build dist src/*.egg-info
