#!/usr/bin/env bash
# The clinical import benchmark: `onshi clinical import --kind medication` of N medication rows
# (default 1 M; 10 M with ROWS=10000000) against the sqlite3 shell's bare `.import` of the same
# CSV file into an empty table, in the same run.
#
# The store is empty, so onshi loads in bulk (store/clinical.h begin_bulk): rows sorted in
# memory into the table's order (person, kind, day) and appended, the one index (the natural
# key's hash) built once at the end, all inside the kill -9-safe scheme.
#
# onshi validates every row (dates, drug and institution codes, the institution's kind),
# finds the person of each row's qualification in the member store, checks the file for
# repeated keys and writes the rows into a table ordered by person + kind + date for the
# views, with one index on the natural key's hash. The shell only splits the
# CSV and appends the text to a table without indexes. The ratio printed is onshi ÷ sqlite3;
# the goal is ≤ 2.
#
#   bench/clinical.sh                        # 1 M rows over the medication of 100,000 members
#   ROWS=10000000 MEMBERS=100000 bench/clinical.sh
#   RERUN=0 …                                # skip the second run of the same file
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ROWS=${ROWS:-1000000}
MEMBERS=${MEMBERS:-100000}
THREADS=${THREADS:-2}
RERUN=${RERUN:-1}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/onshi-clinical-bench.XXXXXX")}
ONSHI="$BUILD/onshi"
MAKE="$BUILD/bench_make_medication"

command -v sqlite3 >/dev/null || { echo "clinical bench: sqlite3 shell missing (scripts/deps.sh)"; exit 2; }
if [ ! -x "$ONSHI" ] || [ ! -x "$MAKE" ]; then
  cmake --build "$BUILD" --target onshi bench_make_medication -j2 >/dev/null
fi
now() { date +%s.%N; }
# CPU seconds (user + system) beside the wall time: on a loaded machine the better guide.
timed() {  # timed CPU_FILE COMMAND…; without GNU time, wall time only
  local out=$1; shift
  rm -f "$out"
  if [ -x /usr/bin/time ]; then /usr/bin/time -f %U+%S -o "$out" "$@"; else "$@"; fi
}
cpu() { [ -f "$1" ] && echo "$(tail -1 "$1" | bc -l | xargs printf '%.1f') s CPU" || echo "CPU not measured"; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }

mkdir -p "$WORK"
echo "clinical bench: $(uptime | sed 's/.*load/load/')"
echo "clinical bench: $ROWS medication rows, $MEMBERS members, $THREADS threads, work dir $WORK"
if [ ! -f "$WORK/data/onshi.db" ]; then
  "$ONSHI" generate members --count "$MEMBERS" --seed 42 --as-of 20250601 --out "$WORK/members.csv" >/dev/null
  "$ONSHI" import --data-dir "$WORK/data" --report "$WORK/import.json" "$WORK/members.csv" >/dev/null
fi
CSV="$WORK/medication-$ROWS.csv"  # kept: a second bench in the same WORK reuses it
[ -f "$CSV" ] || "$MAKE" --members "$WORK/members.csv" --rows "$ROWS" --as-of 20250601 --out "$CSV"
echo "  file: $(du -h "$CSV" | cut -f1)"

# Baseline: the shell's bare import into an empty database.
rm -f "$WORK/baseline.db"
sync
t0=$(now)
timed "$WORK/sqlite3.cpu" sqlite3 "$WORK/baseline.db" ".mode csv" ".import $CSV medication"
t_sqlite=$(secs "$t0" "$(now)")

# onshi: into an empty clinical store beside the members.
rm -f "$WORK/data/clinical.db" "$WORK/data/clinical.db-wal" "$WORK/data/clinical.db-shm"
sync
t0=$(now)
timed "$WORK/onshi.cpu" "$ONSHI" clinical import --kind medication --data-dir "$WORK/data" \
  --threads "$THREADS" --report "$WORK/clinical.json" "$CSV" >"$WORK/clinical.out"
t_onshi=$(secs "$t0" "$(now)")
# A second run of the same file: everything unchanged.
t_again=0
echo "(not run)" >"$WORK/clinical-again.out"
if [ "$RERUN" != 0 ]; then
  t0=$(now)
  "$ONSHI" clinical import --kind medication --data-dir "$WORK/data" --threads "$THREADS" \
    --report "$WORK/clinical-again.json" "$CSV" >"$WORK/clinical-again.out"
  t_again=$(secs "$t0" "$(now)")
fi

ratio=$(echo "$t_onshi / $t_sqlite" | bc -l | xargs printf '%.2f')
ratio_again=$(echo "$t_again / $t_sqlite" | bc -l | xargs printf '%.2f')
echo "  sqlite3 .import:           $t_sqlite s  ($(cpu "$WORK/sqlite3.cpu"))"
echo "  onshi clinical import:     $t_onshi s  ($(cat "$WORK/clinical.out"); $(cpu "$WORK/onshi.cpu"))  ratio $ratio"
echo "  the same file again:       $t_again s  ($(cat "$WORK/clinical-again.out"))  ratio $ratio_again"
mkdir -p "$ROOT/bench/out"
printf '{"bench":"clinical_import","rows":%s,"sqlite3_s":%s,"onshi_s":%s,"ratio":%s,"rerun_s":%s,"rerun_ratio":%s}\n' \
  "$ROWS" "$t_sqlite" "$t_onshi" "$ratio" "$t_again" "$ratio_again" >>"$ROOT/bench/out/results.json"
