#!/usr/bin/env bash
# Runs every test of onshi against the build in build/: the GoogleTest suites through
# CTest (unit tests, real SQLite files, real HTTPS servers on 127.0.0.1 port 0, the real
# CLI binary killed and re-run). Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --preset default
