#!/usr/bin/env bash
# Sets up .venv if needed, then runs the test suite on every core (pytest-xdist; extra arguments
# go to pytest): bash tools/run_tests.sh -m "not slow" is the quick loop, -n 0 runs serially.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile "$@"
