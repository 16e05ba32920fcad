#!/usr/bin/env bash
# Create (or update) the project's virtualenv in .venv with everything paperflops needs.
# Idempotent: a second run only checks. Needs python3 (3.11 or 3.12) with venv; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
fi
stamp=.venv/.paperflops-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing paperflops and its dependencies (uv)"
  .venv/bin/uv pip install --quiet --python .venv/bin/python -e ".[dev,notebooks]"
  # A Jupyter kernel inside the venv, for the notebooks (papermill runs them headless).
  .venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "paperflops" >/dev/null
  touch "$stamp"
fi
