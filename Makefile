# One command to set up and run the demo, one to test. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STORE ?= store
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup setup-llm demo test check lint types imports pytest bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip==25.3"
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

# The real local LLM server for the integration tests (llama-cpp-python compiles: ~17 min once,
# then pip's wheel cache makes it fast).
$(VENV)/.installed-llm: $(VENV)/.installed
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install -q -e ".[dev,llm-server]"
	touch $@

setup-llm: $(VENV)/.installed-llm

demo: setup
	$(BIN)/workbench ingest samples/corpus --store $(STORE)
	$(BIN)/workbench verify --claims samples/claims.txt --store $(STORE) --format table

lint: setup
	$(BIN)/ruff check workbench tests benchmarks
	$(BIN)/ruff format --check workbench tests benchmarks

types: setup
	$(BIN)/mypy workbench

imports: setup
	$(BIN)/lint-imports

# pytest exits 5 when it collects no tests: that is a broken suite here, not a pass.
pytest: setup
	@$(BIN)/python -m pytest -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken"; exit 1; fi; \
	exit $$rc

test: lint types imports pytest

bench: setup
	$(BIN)/python benchmarks/bench_ingest.py

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache .mypy_cache .ruff_cache
