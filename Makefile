# Two commands do all the set-up on a fresh clone:
#   make demo   virtualenv + install + train tic-tac-toe from scratch + referee score + System 1 vs 2
#   make test   virtualenv + install (with the Ray extra) + the whole test suite (what CI runs)
#   make ray    the optional Ray extra into .venv, for sandbox train GAME --backend ray
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray

.PHONY: demo test test-fast lint install ray clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: a bare "pip install torch" would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

$(RAY_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,ray]"
	touch $(RAY_STAMP)

ray: $(RAY_STAMP)

demo: $(STAMP)
	$(BIN)/sandbox demo

test: $(RAY_STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build *.egg-info
