# The product's front door: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app app

.PHONY: run test setup setup-dev lint bench clean

# A stamp per requirements file, so a changed pin reinstalls.
$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

## run: set up, create and migrate the SQLite database, seed the demo office if empty, then serve on
## 127.0.0.1:$(PORT) with one job consumer beside the web server (Ctrl-C stops both)
run: setup
	$(FLASK) db upgrade
	$(FLASK) seed if-empty
	$(FLASK) jobs work & consumer=$$!; \
	trap 'kill -INT $$consumer 2>/dev/null; wait $$consumer' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --timeout 150 --access-logfile - \
		--no-control-socket "app:create_app()"  # work that answers at once is small; the rest is a job

## test: set up and run every test (TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
test: setup-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup-dev
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance/apportion.sqlite3* instance/jobs.sqlite3* instance/exports instance/uploads
