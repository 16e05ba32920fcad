#!/usr/bin/env bash
# Set up the environment and run the whole test suite (SQLite and PostgreSQL).
# PostgreSQL: PAPERFLOPS_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
# its tests are skipped with a reason when the server is unreachable, unless PAPERFLOPS_REQUIRE_PG=1.
# Extra arguments go to pytest (e.g. -k store, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_LOGGING_TO_API_ENABLED=false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=120
exec .venv/bin/python -m pytest -q "$@"
