#!/usr/bin/env bash
# The data-quality benchmark: `onshi quality report` and `onshi quality overlaps` on a store
# of N members (1 M by default; also N2, e.g. 10 M, when N2 is set), for the insurer with the
# most members in the generated population. Both read every version of the store once, so
# their time grows with the store; the JSON lines printed give the figures per size.
#
#   bench/quality.sh                          # 1 M members, build/ binaries
#   N=100000 BUILD=build-x bench/quality.sh   # smaller, another build directory
#   N2=10000000 bench/quality.sh              # 1 M and 10 M
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
N=${N:-1000000}
N2=${N2:-}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/onshi-quality-bench.XXXXXX")}
ONSHI="$BUILD/onshi"

[ -x "$ONSHI" ] || cmake --build "$BUILD" --target onshi -j"$(nproc)" >/dev/null
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }
mkdir -p "$WORK"

run_size() {
  local n=$1 dir="$WORK/n$1"
  mkdir -p "$dir"
  if [ ! -f "$dir/data/onshi.db" ]; then
    "$ONSHI" generate members --count "$n" --seed 42 --out "$dir/members.csv" >/dev/null
    local t0; t0=$(now)
    "$ONSHI" import --data-dir "$dir/data" --report "$dir/import.json" "$dir/members.csv" >/dev/null
    echo "{\"bench\":\"quality.import\",\"members\":$n,\"seconds\":$(secs "$t0" "$(now)")}"
  fi
  # The insurer with the most members (column 1 of the generated CSV).
  local insurer insurer_rows
  read -r insurer_rows insurer < <(tail -n +2 "$dir/members.csv" | cut -d, -f1 | sort | uniq -c | sort -rn | head -1)

  local t0 summary
  t0=$(now)
  summary=$("$ONSHI" quality report --data-dir "$dir/data" --insurer "$insurer" --out "$dir/report.json")
  echo "{\"bench\":\"quality.report\",\"members\":$n,\"insurer\":\"$insurer\",\"insurerRows\":$insurer_rows,\"seconds\":$(secs "$t0" "$(now)"),\"reportBytes\":$(stat -c %s "$dir/report.json"),\"summary\":$summary}"

  t0=$(now)
  summary=$("$ONSHI" quality overlaps --data-dir "$dir/data" --insurer "$insurer" --out "$dir/overlaps.csv")
  echo "{\"bench\":\"quality.overlaps\",\"members\":$n,\"insurer\":\"$insurer\",\"seconds\":$(secs "$t0" "$(now)"),\"summary\":$summary}"

  t0=$(now)
  "$ONSHI" quality overlaps --data-dir "$dir/data" --insurer "$insurer" --encoding shift_jis \
    --out "$dir/overlaps-sjis.csv" >/dev/null
  echo "{\"bench\":\"quality.overlaps.shift_jis\",\"members\":$n,\"insurer\":\"$insurer\",\"seconds\":$(secs "$t0" "$(now)")}"
}

echo "quality bench: N=$N${N2:+ N2=$N2}, work dir $WORK, $(nproc) cores" >&2
run_size "$N"
if [ -n "$N2" ]; then run_size "$N2"; fi
