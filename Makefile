# softran: the two commands of the README are `make demo` and `make test`.
# Each creates .venv when missing and installs what it needs (torch pinned to the CPU build).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.softran-installed
# On these machines the CPU wheel of torch lies in /opt/wheels; elsewhere pip takes it from PyPI.
FIND_LINKS := $(if $(wildcard /opt/wheels/torch-2.13.0*),--find-links /opt/wheels,)

.PHONY: demo test test-fast test-all bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(FIND_LINKS) torch==2.13.0
	$(BIN)/python -m pip install -q $(FIND_LINKS) -e '.[test,oracle]'
	touch $@

install: $(STAMP)

# The main job: a short TS 38.104 PUSCH conformance check (G-FR1-A3-8, TDLB100-400, 1x2).
demo: $(STAMP)
	mkdir -p out
	$(BIN)/softran conformance pusch --bandwidth 5 --scs 15 --tx 1 --rx 2 \
		--channel TDLB100-400 --quick --store out/results.db --out out

# What CI runs: the default suite (with the oracle comparisons), then the slow statistical tests.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q
	$(BIN)/python -m pytest -n 2 -q -m slow

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m ''

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
