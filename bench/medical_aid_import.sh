#!/usr/bin/env bash
# The 医療扶助 import benchmark: a welfare office's two files — 200,000 recipients (受給者) and
# 1,000,000 tickets (医療券・調剤券), made by bench_make_aid_files — imported with
# `onshi import --kind medical-aid` and `--kind medical-aid-tickets` into a fresh data
# directory, timed against the sqlite3 shell's bare `.import` of the same files (CSV mode, into
# new tables with one index on the key, WAL, synchronous=NORMAL) in the same run. Ratios are onshi ÷ sqlite3 (goal ≤ 2).
#
# onshi validates every field and code, checks each ticket against its recipient's period,
# seals and links the My Numbers, and writes bitemporal versions in batches of one transaction;
# the shell only stores the text.
#
#   bench/medical_aid_import.sh                         # 200,000 recipients, 1 M tickets
#   RECIPIENTS=20000 TICKETS=100000 BUILD=build-x bench/medical_aid_import.sh
# Prints one JSON line per file and one for both; keeps them in $OUT/medical_aid_import.json.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
RECIPIENTS=${RECIPIENTS:-200000}
TICKETS=${TICKETS:-1000000}
OUT=${BENCH_OUT:-$ROOT/bench/out}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/onshi-aid-bench.XXXXXX")}
ONSHI="$BUILD/onshi"
MAKE="$BUILD/bench_make_aid_files"

command -v sqlite3 >/dev/null || { echo "medical-aid bench: sqlite3 shell missing (scripts/deps.sh)"; exit 2; }
cmake --build "$BUILD" --target onshi bench_make_aid_files -j2 >/dev/null
"$ONSHI" import --help 2>/dev/null | grep -q "medical-aid" ||
  { echo "medical-aid bench: this onshi has no 'import --kind medical-aid'"; exit 2; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }
load() { uptime | sed 's/.*load average: //'; }
mkdir -p "$WORK" "$OUT"
echo "medical-aid bench: $RECIPIENTS recipients, $TICKETS tickets, work dir $WORK (load $(load))"

R="$WORK/recipients.csv"
T="$WORK/tickets.csv"
"$MAKE" --recipients "$RECIPIENTS" --tickets "$TICKETS" --month 202501 --seed 42 \
  --out-recipients "$R" --out-tickets "$T"

# Baseline: the sqlite3 shell's bare .import of each file into a new table with one index on
# the file's key, as the member import's baseline (bench/run.sh) has one on the card key.
baseline() {  # FILE TABLE KEY-COLUMNS → seconds
  local db="$WORK/baseline-$2.db" t0 cols
  rm -f "$db" "$db-wal" "$db-shm"
  cols=$(head -1 "$1" | sed 's/^\xEF\xBB\xBF//; s/\r$//' | tr ',' '\n' | sed 's/.*/"&" TEXT/' | paste -sd,)
  t0=$(now)
  sqlite3 "$db" <<SQL >/dev/null
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE $2($cols);
CREATE INDEX $2_key ON $2($3);
.mode csv
.import --skip 1 $1 $2
SQL
  secs "$t0" "$(now)"
}

# onshi: the import of one kind into the data directory (recipients first: tickets need them).
ours() {  # KIND FILE → seconds
  local t0
  t0=$(now)
  "$ONSHI" import --kind "$1" --data-dir "$WORK/data" --report "$WORK/report-$1.json" "$2" >/dev/null
  secs "$t0" "$(now)"
}

rm -rf "$WORK/data"
base_r=$(baseline "$R" recipients "InsurerNumber, InsuredIdentificationNumber")
base_t=$(baseline "$T" tickets "InsurerNumber, InsuredIdentificationNumber, IssueNumber")
ours_r=$(ours medical-aid "$R")
ours_t=$(ours medical-aid-tickets "$T")
rejected=$(cat "$WORK"/report-*.json | grep -o '"rejected":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)

ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
lines=(
  "{\"bench\":\"aid_import_recipients\",\"rows\":$RECIPIENTS,\"sqlite3_import_s\":$base_r,\"onshi_import_s\":$ours_r,\"ratio\":$(ratio "$ours_r" "$base_r")}"
  "{\"bench\":\"aid_import_tickets\",\"rows\":$TICKETS,\"sqlite3_import_s\":$base_t,\"onshi_import_s\":$ours_t,\"ratio\":$(ratio "$ours_t" "$base_t")}"
  "{\"bench\":\"aid_import_both\",\"rows\":$((RECIPIENTS + TICKETS)),\"sqlite3_import_s\":$(echo "$base_r + $base_t" | bc),\"onshi_import_s\":$(echo "$ours_r + $ours_t" | bc),\"ratio\":$(ratio "($ours_r + $ours_t)" "($base_r + $base_t)"),\"rejected\":${rejected:-0},\"load\":\"$(load)\"}"
)
printf '%s\n' "${lines[@]}" | tee "$OUT/medical_aid_import.json"
