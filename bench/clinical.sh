#!/usr/bin/env bash
# The clinical import benchmark: `onshi clinical import --kind medication` of N medication rows
# (default 1 M; 10 M with ROWS=10000000) against the sqlite3 shell's bare `.import` of the same
# CSV file into an empty table, in the same run.
#
# onshi validates every row (dates, drug and institution codes, the institution's kind),
# finds the person of each row's qualification in the member store, checks the file for
# repeated keys and writes batches of 20,000 rows per transaction into a table with its two
# indexes (the natural key, and person + kind + date for the views). The shell only splits the
# CSV and appends the text to a table without indexes. The ratio printed is onshi ÷ sqlite3;
# the goal is ≤ 2.
#
#   bench/clinical.sh                        # 1 M rows over the medication of 100,000 members
#   ROWS=10000000 MEMBERS=100000 bench/clinical.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ROWS=${ROWS:-1000000}
MEMBERS=${MEMBERS:-100000}
THREADS=${THREADS:-2}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/onshi-clinical-bench.XXXXXX")}
ONSHI="$BUILD/onshi"
MAKE="$BUILD/bench_make_medication"

command -v sqlite3 >/dev/null || { echo "clinical bench: sqlite3 shell missing (scripts/deps.sh)"; exit 2; }
if [ ! -x "$ONSHI" ] || [ ! -x "$MAKE" ]; then
  cmake --build "$BUILD" --target onshi bench_make_medication -j2 >/dev/null
fi
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }

mkdir -p "$WORK"
echo "clinical bench: $ROWS medication rows, $MEMBERS members, $THREADS threads, work dir $WORK"
if [ ! -f "$WORK/data/onshi.db" ]; then
  "$ONSHI" generate members --count "$MEMBERS" --seed 42 --as-of 20250601 --out "$WORK/members.csv" >/dev/null
  "$ONSHI" import --data-dir "$WORK/data" --report "$WORK/import.json" "$WORK/members.csv" >/dev/null
fi
"$MAKE" --members "$WORK/members.csv" --rows "$ROWS" --as-of 20250601 --out "$WORK/medication.csv"
echo "  file: $(du -h "$WORK/medication.csv" | cut -f1)"

# Baseline: the shell's bare import into an empty database.
rm -f "$WORK/baseline.db"
sync
t0=$(now)
sqlite3 "$WORK/baseline.db" ".mode csv" ".import $WORK/medication.csv medication"
t_sqlite=$(secs "$t0" "$(now)")

# onshi: into an empty clinical store beside the members.
rm -f "$WORK/data/clinical.db" "$WORK/data/clinical.db-wal" "$WORK/data/clinical.db-shm"
sync
t0=$(now)
"$ONSHI" clinical import --kind medication --data-dir "$WORK/data" --threads "$THREADS" \
  --report "$WORK/clinical.json" "$WORK/medication.csv" >"$WORK/clinical.out"
t_onshi=$(secs "$t0" "$(now)")
# A second run of the same file: everything unchanged.
t0=$(now)
"$ONSHI" clinical import --kind medication --data-dir "$WORK/data" --threads "$THREADS" \
  --report "$WORK/clinical-again.json" "$WORK/medication.csv" >"$WORK/clinical-again.out"
t_again=$(secs "$t0" "$(now)")

ratio=$(echo "$t_onshi / $t_sqlite" | bc -l | xargs printf '%.2f')
ratio_again=$(echo "$t_again / $t_sqlite" | bc -l | xargs printf '%.2f')
echo "  sqlite3 .import:           $t_sqlite s"
echo "  onshi clinical import:     $t_onshi s  ($(cat "$WORK/clinical.out"))  ratio $ratio"
echo "  the same file again:       $t_again s  ($(cat "$WORK/clinical-again.out"))  ratio $ratio_again"
mkdir -p "$ROOT/bench/out"
printf '{"bench":"clinical_import","rows":%s,"sqlite3_s":%s,"onshi_s":%s,"ratio":%s,"rerun_s":%s,"rerun_ratio":%s}\n' \
  "$ROWS" "$t_sqlite" "$t_onshi" "$ratio" "$t_again" "$ratio_again" >>"$ROOT/bench/out/results.json"
