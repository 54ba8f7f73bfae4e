# Dropout Lab: `make run` starts the app, `make test` runs the whole suite. Both create .venv if needed.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8501
BIN := $(VENV)/bin

.PHONY: run test lint lower-bounds bench screenshots precompute clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/streamlit run app.py --server.port $(PORT)

lint: $(VENV)/.dev
	$(BIN)/ruff check .

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The oldest versions requirements.txt allows, in a second venv, with every page opened under AppTest (CI runs it too).
lower-bounds:
	PYTHON=$(PYTHON) bash .ci/lower_bounds.sh

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/bench_core.py

# Train the default views of Training lab and Inference at every keep_prob into .cache/runs (the app also
# does this in the background at its first start; this waits for it).
precompute: $(VENV)/.runtime
	$(BIN)/python -m ui.cached.precompute

screenshots: $(VENV)/.dev
	$(BIN)/python benchmarks/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .cache
