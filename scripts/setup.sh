#!/usr/bin/env bash
# Installs what qingpu-layout needs on Debian 12 and prepares the database. Safe to re-run:
# each step is skipped when already done, and the data in the database is kept.
#   --with-browser   also install Chromium (for the browser tests)
#   --no-layout      skip the database steps (schema and default layout)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_BROWSER=0; WITH_LAYOUT=1
for arg in "$@"; do
  case "$arg" in
    --with-browser) WITH_BROWSER=1 ;;
    --no-layout) WITH_LAYOUT=0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# 1. System packages (Debian): PostGIS always, Chromium and fonts for the browser tests.
packages=()
[ -f /usr/share/postgresql/15/extension/postgis.control ] || packages+=(postgresql-15 postgresql-15-postgis-3)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
python3 -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || packages+=(python3 python3-venv)
# PDF briefs (WeasyPrint): Pango, HarfBuzz subsetting (small PDFs), CJK fonts for the Chinese text; also for serving.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk; do
  dpkg -s "$pkg" >/dev/null 2>&1 || packages+=("$pkg")
done
if [ "$WITH_BROWSER" = 1 ]; then
  [ -x /usr/bin/chromium ] || packages+=(chromium chromium-driver)
fi
if [ ${#packages[@]} -gt 0 ]; then
  say "installing Debian packages: ${packages[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# 2. Python virtual environment with the project (re-installed when pyproject.toml changes).
PY=python3
if [ ! -x .venv/bin/python ]; then
  say "creating the Python virtual environment in .venv"
  $PY -m venv .venv
fi
stamp=".venv/.qingpu-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python packages (pip)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test]"
  echo "$want" > "$stamp"
fi

# 3. Front-end packages from the npm registry, served by the app (no CDN at view time).
stamp_web="web/node_modules/.qingpu-installed"
want_web="$(sha256sum web/package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp_web" ] || [ "$(cat "$stamp_web")" != "$want_web" ]; then
  say "installing front-end packages (npm)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want_web" > "$stamp_web"
fi

# 4. Database: the project's own PostGIS under var/pg unless DATABASE_URL is set.
if [ "$WITH_LAYOUT" = 1 ]; then
  say "database schema and the default Qingpu layout"
  .venv/bin/qingpu db upgrade
  .venv/bin/qingpu layout load
fi
