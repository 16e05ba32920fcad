#!/usr/bin/env bash
# Set up the environment and run the main job: a refresh of the embedded SQLite database
# (paperflops.sqlite in this folder) from a folder of PDFs.
#   bash scripts/refresh.sh                      # the corpus beside the repo: ../shared/corpus/pdf
#   PDF_DIR=/any/folder/of/papers bash scripts/refresh.sh
# Extra arguments go to `paperflops refresh` (e.g. --limit 5, --force, --db URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
PDF_DIR="${PDF_DIR:-../shared/corpus/pdf}"
.venv/bin/paperflops refresh --pdf-dir "$PDF_DIR" "$@"
.venv/bin/paperflops status
