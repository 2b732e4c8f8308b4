#!/usr/bin/env bash
# `make test-sanitize`: the whole unit suite (every CTest test, PostgreSQL ones included) built
# with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer in a second build
# directory (CMake preset `sanitize`, build-sanitize/), so the normal build stays as it is.
# Any report fails its test: UBSan does not recover (-fno-sanitize-recover=all) and ASan exits
# non-zero on an error or a leak. One suppression file, scripts/lsan.supp, each entry with its
# reason: none is onshi's code (docs/reliability.md). Prints the time the
# build and the run took.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2}"
start=$(date +%s)
cmake --preset sanitize >/dev/null  # every time: a changed preset reaches an old build-sanitize/
cmake --build build-sanitize -j "$JOBS"
built=$(date +%s)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# The one suppression file, each entry with its reason (scripts/lsan.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}"
PG_DIR=$(mktemp -d /tmp/onshi-pg.XXXXXX)
trap 'scripts/pg-test.sh stop "$PG_DIR"' EXIT
ONSHI_TEST_PG_URL=$(scripts/pg-test.sh start "$PG_DIR")
export ONSHI_TEST_PG_URL
ctest --preset sanitize
echo "sanitizers: build $(( built - start )) s, tests $(( $(date +%s) - built )) s"
