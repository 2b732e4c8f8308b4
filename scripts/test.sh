#!/usr/bin/env bash
# Runs every test of onshi against the build in build/: the size and layer checks of src/
# (scripts/check-size.py, scripts/check-layers.py with src/DEPS), the GoogleTest suites through
# CTest (unit tests, real SQLite files, a real PostgreSQL cluster, real HTTPS servers on 127.0.0.1 port 0, the real
# CLI binary killed and re-run, every fuzz target of fuzz/ over its seeds as FuzzSeeds.*), then the browser tests of the institution pages and the reception screen
# (tests/browser: Playwright driving Debian's chromium) after the linters of the pages' HTML, CSS and
# script under web/ (ESLint, HTMLHint, Stylelint). Exits non-zero when any test or lint fails.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "function and file sizes (scripts/check-size.py)"
python3 scripts/check-size.py --self-test
python3 scripts/check-size.py
# The layering of src/ (src/DEPS: who may include whom, no other module's private headers).
python3 scripts/check-layers.py
# The store's PostgreSQL backend is tested on a private cluster in a temporary directory on a
# free port, removed when the tests end (scripts/pg-test.sh).
PG_DIR=$(mktemp -d /tmp/onshi-pg.XXXXXX)
trap 'scripts/pg-test.sh stop "$PG_DIR"' EXIT
ONSHI_TEST_PG_URL=$(scripts/pg-test.sh start "$PG_DIR")
export ONSHI_TEST_PG_URL
echo "PostgreSQL test cluster: $ONSHI_TEST_PG_URL"
ctest --preset default
echo "web asset lint and browser tests (tests/browser)"
export ONSHI_BINARY="${ONSHI_BINARY:-$PWD/build/onshi}"
(cd tests/browser && npm ci --no-audit --no-fund && npm run --silent lint &&
  node --test institutions.spec.mjs reception.spec.mjs pages.spec.mjs medical_aid.spec.mjs clinical.spec.mjs portal.spec.mjs)
