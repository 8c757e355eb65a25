#!/usr/bin/env bash
# Sets up everything (first run takes a few minutes) and serves http://127.0.0.1:8000.
# HOST and PORT override the address; DATABASE_URL points at another PostGIS.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/qingpu serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
