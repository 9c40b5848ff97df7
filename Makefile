# Two commands for everyone: `make lab` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Tools that nbgrader and Jupyter start as programs (alembic, jupyter-*) come from the venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: lab test lint bench clean

$(BIN)/python:
	@scripts/make-venv.sh "$(PYTHON)" "$(VENV)"

$(STAMP): $(BIN)/python pyproject.toml binder/requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m course.prepare
	@touch $@

## make lab: start JupyterLab on the course start page (offline unless a key is configured)
lab: $(STAMP)
	$(BIN)/python -m course.lab

## make test: the whole suite (installs what the tests need first)
test: $(STAMP)
	@scripts/ensure-browser.sh "$(BIN)/python"
	$(BIN)/python -m ruff check .
	env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u COURSE_MODEL COURSE_BACKEND=offline \
		$(BIN)/python -m pytest tests notebooks --nbval-lax -q

lint: $(STAMP)
	$(BIN)/python -m ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) artifacts
