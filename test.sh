#!/usr/bin/env bash
# Runs the whole test suite against a real PostGIS (a separate test database) and headless
# Chromium. Extra arguments go to pytest, e.g. ./test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh --with-browser --no-layout
exec .venv/bin/python -m pytest "$@"
