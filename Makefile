# Set-up is automatic: every target below creates .venv with a Python >= 3.12 and installs
# the project into it when pyproject.toml is newer than the last install.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12: a plain python3.13/python3.12/python3 that runs, then pyenv's.
define find_python
for c in python3.13 python3.12 python3; do \
  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$c; exit 0; fi; \
done; \
if command -v pyenv >/dev/null 2>&1; then \
  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -rV); do \
    p="$$(pyenv root)/versions/$$v/bin/python3"; \
    if [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "$$p"; exit 0; fi; \
  done; \
fi; \
exit 1
endef

.PHONY: demo test lab bench docs docs-full clean

$(PY):
	@py="$$( $(find_python) )" || { echo "channelsim needs Python >= 3.12 and none was found. Install one (e.g. 'apt-get install python3.12', or 'pyenv install 3.12') and re-run make." >&2; exit 1; }; \
	echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[jupyter,experiments,test,docs]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m channelsim run --out out/demo

test: $(STAMP)
	$(PY) -m pytest -q

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/01_explore.ipynb

bench: $(STAMP)
	$(PY) benchmarks/bench_year.py

# The documentation site in docs/_build/html: warnings are errors; notebooks run in quick mode
# (CHANNELSIM_QUICK=1), or in full mode for docs-full; each mode caches its notebook outputs.
SPHINX := $(VENV)/bin/sphinx-build -W --keep-going -n -q -j 1 docs docs/_build/html

docs: $(STAMP)
	CHANNELSIM_QUICK=1 $(SPHINX)
	@echo "Open docs/_build/html/index.html"

docs-full: $(STAMP)
	CHANNELSIM_QUICK=0 CHANNELSIM_DOCS_TIMEOUT=3600 $(SPHINX)
	@echo "Open docs/_build/html/index.html"

clean:
	rm -rf $(VENV) out .pytest_cache docs/_build
