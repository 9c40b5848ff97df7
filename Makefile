# Two commands for everyone: `make lab` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Flags for the Python that runs pytest, e.g. `make test PYFLAGS=-O` (asserts stripped from our
# code, not from the kernels nbgrader starts: PYTHONOPTIMIZE would reach those).
PYFLAGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Tools that nbgrader and Jupyter start as programs (alembic, jupyter-*) come from the venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install lab test lint bench clean edition formgrader hub

$(BIN)/python:
	@scripts/make-venv.sh "$(PYTHON)" "$(VENV)"

$(STAMP): $(BIN)/python pyproject.toml binder/requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m course.prepare
	@touch $@

## make install: everything `make lab` and `make test` need, without starting anything
## (venv, packages, offline token data, the grading sandbox, Vietnamese webfonts,
## assignments/release/ copies)
install: $(STAMP)
	@scripts/ensure-fonts.sh "$(BIN)/python"
	@# Instructor checkout only (the participant edition has no sources and grades nothing).
	@if [ -d assignments/source ]; then scripts/ensure-sandbox.sh && \
		$(BIN)/python -m autograder student-copies; fi

## make lab: start JupyterLab on the course start page (offline unless a key is configured)
lab: install
	$(BIN)/python -m course.lab

## make test: the whole suite (installs what the tests need first)
test: install
	@scripts/ensure-browser.sh "$(BIN)/python"
	@scripts/ensure-hub.sh "$(VENV)"
	$(BIN)/python -m ruff check .
	env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u COURSE_MODEL COURSE_BACKEND=offline \
		$(BIN)/python $(PYFLAGS) -m pytest tests notebooks --nbval-lax -q -rs --durations=15

lint: $(STAMP)
	$(BIN)/python -m ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

## make formgrader: the instructor's JupyterLab with nbgrader's Formgrader (hand-grading)
formgrader: install
	$(BIN)/python -m autograder formgrader

## make edition: the participant edition in build/ban-hoc-vien and on the git branch hoc-vien
edition: install
	$(BIN)/python -m autograder edition --out build/ban-hoc-vien --branch hoc-vien

## make hub ROSTER=lop.csv INSTRUCTORS=gv01: a workshop JupyterHub for that class on this
## server (as root; one OS user per participant; see hub/README.md)
hub: install
	@scripts/ensure-hub.sh "$(VENV)"
	@test -n "$(ROSTER)" || { echo "Cần danh sách lớp: make hub ROSTER=danh_sach_lop.csv INSTRUCTORS=gv01"; exit 2; }
	$(BIN)/python -m hub.run --roster "$(ROSTER)" --instructors "$(INSTRUCTORS)"

clean:
	rm -rf $(VENV) artifacts
