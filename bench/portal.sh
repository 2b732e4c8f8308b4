#!/usr/bin/env bash
# The portal benchmarks of docs/performance.md ("Portal"), each against a baseline in the same
# run (bench/portal.cpp has the details): (a) who looked — GET /v1/me/accesses of a person with
# 1,000 entries among ENTRIES audit entries, p99, vs GET /v1/me/qualifications; (b) the delay
# from a confirmation's answer to its entry on the page, p99; (c) sign-ins per second vs
# confirmations by card per second on the same server.
#
# Usage: bench/portal.sh   (SIZES="1000000 10000000" entries, PERSON=1000, ROUNDS=300,
#        FRESH=200, SIGNINS=300, DB_URL= (PostgreSQL: a URL of an empty database; default the
#        SQLite files of the work directory), BUILD=build, WORK=bench/out/portal)
# Output: one JSON line per size on stdout, with the load average before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
WORK=${WORK:-$ROOT/bench/out/portal}
SIZES=${SIZES:-1000000 10000000}
cmake --build "$BUILD" -j1 --target bench_portal >/dev/null
load() { uptime | sed 's/.*load average: //'; }
for n in $SIZES; do
  before=$(load)
  line=$("$ROOT/$BUILD/bench_portal" --dir "$WORK/data-$n" ${DB_URL:+--db "$DB_URL"} --entries "$n" \
    --person "${PERSON:-1000}" --rounds "${ROUNDS:-300}" --fresh "${FRESH:-200}" \
    --signins "${SIGNINS:-300}")
  echo "${line%\}},\"loadBefore\":\"$before\",\"loadAfter\":\"$(load)\"}"
  rm -rf "$WORK/data-$n"
done
