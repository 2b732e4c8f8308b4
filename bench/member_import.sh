#!/usr/bin/env bash
# The member import benchmark (issue 19 point 4): `onshi import` of N generated members into
# a fresh data directory against the sqlite3 shell importing the same CSV into a bare table
# with one index on the card key (`.import`, WAL, synchronous=NORMAL), for each size given.
# Prints one JSON line per size (ratio = onshi ÷ shell, lower is better; rows/s of both) and,
# with two sizes or more, the rate of the last against the first (the goal: within 20 %).
#
#   bench/member_import.sh                      # 1,000,000 members
#   SIZES="1000000 10000000" bench/member_import.sh
# The generated files stay in bench/out (members-N.csv) for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/onshi
OUT=${BENCH_OUT:-$ROOT/bench/out}
SIZES=${SIZES:-1000000}
mkdir -p "$OUT"
cmake --build "$BUILD" -j2 --target onshi >/dev/null
now() { date +%s.%N; }
log() { echo "[member-import] $*" >&2; }
load() { uptime | sed 's/.*load average: //'; }
cpu() { awk '{print $1 + $2}' "$1"; }  # user + system seconds written by GNU time -f '%U %S'

first_rate=""
for n in $SIZES; do
  dir=$OUT/import-$n csv=$OUT/members-$n.csv
  rm -rf "$dir" && mkdir -p "$dir"
  [ -f "$csv" ] || "$BIN" generate members --count "$n" --seed 42 --out "$csv" 2>/dev/null
  cols=$(head -1 "$csv" | sed 's/^\xEF\xBB\xBF//; s/\r$//' | tr ',' '\n' | sed 's/.*/"&" TEXT/' | paste -sd,)
  log "sqlite3 shell, $n rows (load $(load))"
  t0=$(now)
  /usr/bin/time -o "$dir/shell.cpu" -f '%U %S' sqlite3 "$dir/baseline.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE m($cols);
CREATE INDEX m_key ON m(InsurerNumber, InsuredCardSymbol, InsuredIdentificationNumber, InsuredBranchNumber);
.mode csv
.import --skip 1 $csv m
SQL

  t1=$(now); base=$(echo "$t1 - $t0" | bc -l)
  rm -f "$dir"/baseline.db*
  log "onshi import, $n rows (load $(load))"
  t0=$(now)
  /usr/bin/time -o "$dir/onshi.cpu" -f '%U %S' \
    "$BIN" import --data-dir "$dir/onshi" --report "$dir/report.json" "$csv" >/dev/null
  t1=$(now); ours=$(echo "$t1 - $t0" | bc -l)
  rate=$(echo "$n / $ours" | bc -l)
  [ -n "$first_rate" ] || first_rate=$rate
  bytes=$(stat -c %s "$dir/onshi/onshi.db")
  printf '{"bench":"member_import","members":%d,"sqlite3_shell_s":%.2f,"sqlite3_shell_cpu_s":%.2f,"onshi_import_s":%.2f,"onshi_cpu_s":%.2f,"ratio":%.2f,"onshi_rows_per_s":%.0f,"rate_vs_first":%.2f,"store_bytes_per_member":%.0f,"load":"%s"}\n' \
    "$n" "$base" "$(cpu "$dir/shell.cpu")" "$ours" "$(cpu "$dir/onshi.cpu")" \
    "$(echo "$ours / $base" | bc -l)" "$rate" "$(echo "$rate / $first_rate" | bc -l)" \
    "$(echo "$bytes / $n" | bc -l)" "$(load)"
  rm -rf "$dir/onshi"
done
