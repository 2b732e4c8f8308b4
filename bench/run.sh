#!/usr/bin/env bash
# The benchmarks of docs/performance.md, each as a ratio against a baseline measured in the
# same run on the same machine (the machine is shared and noisy, so absolute numbers drift):
#
#   1. import (bench/member_import.sh): `onshi import` of N1 generated members vs the sqlite3
#      shell importing the same CSV into a bare table with one index (ratio, lower is better).
#   2. confirmation: POST /xml/OQSsiquc01 over HTTPS keep-alive with client certificates vs
#      GET /healthz on the same server (ratio of request rates, higher is better), with p99,
#      on stores of N1 and N2 members (the cost growth between them).
#
#   3. terminal (bench/terminal.sh): the folder bridge of a real `onshi terminal` vs the same
#      requests sent directly over HTTPS, and a bulk inquiry of 10,000 patients through the
#      folder vs 10,000 single confirmations on one keep-alive connection.
#
# Usage: bench/run.sh   (N1=1000000 N2=10000000 ROUNDS=3 DURATION=10; SKIP_10M=1 skips the large
#        store, SKIP_CLAIMS=1 / SKIP_QUALITY=1 / SKIP_TERMINAL=1 skip bench/claims.sh,
#        bench/quality.sh and bench/terminal.sh; BUILD=build-x uses another build directory)
# Results: bench/out/results.json and a markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/onshi
OUT=${BENCH_OUT:-$ROOT/bench/out}
N1=${N1:-1000000}
N2=${N2:-10000000}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
mkdir -p "$OUT"
cmake --build "$BUILD" -j2 --target onshi bench_loadgen bench_make_requests >/dev/null
LOADGEN=$BUILD/bench_loadgen
MKREQ=$BUILD/bench_make_requests

now() { date +%s.%N; }
log() { echo "[bench] $*" >&2; }
load() { uptime | sed 's/.*load average: //'; }

results=()

# ---- 1. import: bench/member_import.sh at N1 (its JSON line is this bench's first result) ----
bench_import() {
  local line
  line=$(SIZES=$1 BUILD=$BUILD BENCH_OUT=$OUT bench/member_import.sh)
  results+=("$line"); echo "$line"
}

# ---- 2. confirmation throughput ----
bench_confirm() {
  local n=$1
  local dir=$OUT/serve-$n csv=$OUT/members-$n.csv
  rm -rf "$dir" && mkdir -p "$dir"
  [ -f "$csv" ] || "$BIN" generate members --count "$n" --seed 42 --out "$csv" 2>/dev/null
  "$BIN" ca init --data-dir "$dir" >/dev/null
  "$BIN" ca issue institution 1310112345 --data-dir "$dir" --out "$dir/clinic" >/dev/null
  log "confirm: importing $n members"
  "$BIN" import --data-dir "$dir" --report "$dir/report.json" "$csv" >/dev/null
  "$MKREQ" --csv "$csv" --count 20000 --institution 1310112345 --date "$(TZ=Asia/Tokyo date +%Y%m%d)" --format xml > "$dir/bodies.txt"
  "$BIN" serve --data-dir "$dir" --listen 127.0.0.1:0 --threads 2 > "$dir/serve.out" 2> "$dir/serve.log" &
  local pid=$!
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$dir/serve.out" | head -1)
    [ -n "$port" ] && break; sleep 0.1
  done
  local tls=(--host 127.0.0.1 --port "$port" --ca "$dir/clinic/ca.pem" --cert "$dir/clinic/cert.pem" --key "$dir/clinic/key.pem" --connections "$CONNS")
  "$LOADGEN" "${tls[@]}" --method GET --path /healthz --duration 2 >/dev/null  # warm-up
  "$LOADGEN" "${tls[@]}" --method POST --path /xml/OQSsiquc01 --content-type application/xml --bodies "$dir/bodies.txt" --duration 3 >/dev/null
  # Alternate baseline and confirmation ROUNDS times; report the medians, so a burst of
  # foreign load hits both sides rather than one.
  local hs=() cs=() hp=() cp=() raw=""
  for round in $(seq "${ROUNDS:-3}"); do
    log "confirm round $round: healthz baseline (load $(load))"
    local h c
    h=$("$LOADGEN" "${tls[@]}" --method GET --path /healthz --duration "$DURATION")
    log "confirm round $round: OQSsiquc01 on $n members (load $(load))"
    c=$("$LOADGEN" "${tls[@]}" --method POST --path /xml/OQSsiquc01 --content-type application/xml --bodies "$dir/bodies.txt" --duration "$DURATION")
    hs+=("$(echo "$h" | sed 's/.*"rps":\([0-9.]*\).*/\1/')"); hp+=("$(echo "$h" | sed 's/.*"p99_ms":\([0-9.]*\).*/\1/')")
    cs+=("$(echo "$c" | sed 's/.*"rps":\([0-9.]*\).*/\1/')"); cp+=("$(echo "$c" | sed 's/.*"p99_ms":\([0-9.]*\).*/\1/')")
    raw="$c"
  done
  kill "$pid"; wait "$pid" || true
  median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
  local hr cr hp99 cp99
  hr=$(median "${hs[@]}"); cr=$(median "${cs[@]}"); hp99=$(median "${hp[@]}"); cp99=$(median "${cp[@]}")
  printf -v line '{"bench":"confirm","members":%d,"rounds":%d,"healthz_rps":%.0f,"healthz_p99_ms":%.2f,"confirm_rps":%.0f,"confirm_p99_ms":%.2f,"ratio":%.2f,"healthz_runs":"%s","confirm_runs":"%s","last_confirm_run":%s}' \
    "$n" "${ROUNDS:-3}" "$hr" "$hp99" "$cr" "$cp99" "$(echo "$cr / $hr" | bc -l)" "${hs[*]}" "${cs[*]}" "$raw"
  results+=("$line"); echo "$line"
}

log "machine: $(nproc) cores, load $(load)"
bench_import "$N1"
bench_confirm "$N1"
if [ -z "${SKIP_10M:-}" ]; then
  bench_confirm "$N2"
fi
printf '%s\n' "${results[@]}" > "$OUT/results.json"
log "results in $OUT/results.json"

# The batch benchmarks of the data-quality and claims features, each with its own baseline.
if [ -z "${SKIP_CLAIMS:-}" ] && [ -x bench/claims.sh ]; then
  cmake --build "$BUILD" -j2 --target bench_make_claims >/dev/null
  log "claims check: bench/claims.sh"
  mkdir -p "$OUT/claims"
  WORK=$OUT/claims bench/claims.sh | tee "$OUT/claims.txt"
fi
if [ -z "${SKIP_QUALITY:-}" ] && [ -x bench/quality.sh ]; then
  log "quality: bench/quality.sh"
  WORK=$OUT/quality bench/quality.sh | tee "$OUT/quality.txt"
fi
if [ -z "${SKIP_TERMINAL:-}" ] && [ -x bench/terminal.sh ]; then
  log "terminal: bench/terminal.sh"
  WORK=$OUT/terminal bench/terminal.sh | tee "$OUT/terminal.txt"
fi
