#!/usr/bin/env bash
# Two builds of onshi side by side: the confirmation rate (POST /xml/OQSsiquc01 over HTTPS
# keep-alive with client certificates) of a baseline binary and a candidate binary on the
# same store, served in turn, ROUNDS times alternating, so a burst of foreign load on the
# shared machine hits both. Each side is also measured against its own /healthz, so the
# report gives both the candidate/baseline ratio and each build's confirmation/healthz ratio.
# Use it to show that a change which should not touch the hot path did not (a refactoring,
# a new feature beside it): the ratio should be 1.0 within the spread of the rounds.
#
# Usage: bench/compare.sh BASELINE_BIN [CANDIDATE_BIN]
#        (CANDIDATE_BIN defaults to build/onshi; N=100000 DURATION=5 ROUNDS=5 CONNS=32)
# The store is created by the candidate and read by both (its schema must be one the
# baseline opens). Results: one JSON line on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=${1:?usage: bench/compare.sh BASELINE_BIN [CANDIDATE_BIN]}
CAND=${2:-$ROOT/build/onshi}
BUILD=${BUILD:-$ROOT/build}
OUT=${BENCH_OUT:-$ROOT/bench/out}/compare
N=${N:-100000}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
CONNS=${CONNS:-32}
cmake --build "$BUILD" -j2 --target bench_loadgen bench_make_requests >/dev/null
LOADGEN=$BUILD/bench_loadgen
MKREQ=$BUILD/bench_make_requests
log() { echo "[compare] $*" >&2; }

rm -rf "$OUT" && mkdir -p "$OUT"
csv=$OUT/members.csv
"$CAND" generate members --count "$N" --seed 42 --out "$csv" >/dev/null 2>&1
"$CAND" ca init --data-dir "$OUT/data" >/dev/null
"$CAND" ca issue institution 1310112345 --data-dir "$OUT/data" --out "$OUT/clinic" >/dev/null
log "importing $N members"
"$CAND" import --data-dir "$OUT/data" --report "$OUT/report.json" "$csv" >/dev/null
"$MKREQ" --csv "$csv" --count 20000 --institution 1310112345 \
  --date "$(TZ=Asia/Tokyo date +%Y%m%d)" --format xml > "$OUT/bodies.txt"

# serve_and_measure BIN → "healthz_rps confirm_rps confirm_p99_ms"
serve_and_measure() {
  local bin=$1 pid port=""
  "$bin" serve --data-dir "$OUT/data" --listen 127.0.0.1:0 --threads 2 \
    > "$OUT/serve.out" 2> "$OUT/serve.log" &
  pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$OUT/serve.out" | head -1)
    [ -n "$port" ] && break; sleep 0.1
  done
  local tls=(--host 127.0.0.1 --port "$port" --ca "$OUT/clinic/ca.pem"
             --cert "$OUT/clinic/cert.pem" --key "$OUT/clinic/key.pem" --connections "$CONNS")
  local xml=(--method POST --path /xml/OQSsiquc01 --content-type application/xml
             --bodies "$OUT/bodies.txt")
  "$LOADGEN" "${tls[@]}" "${xml[@]}" --duration 1 >/dev/null  # warm-up
  local h c
  h=$("$LOADGEN" "${tls[@]}" --method GET --path /healthz --duration "$DURATION")
  c=$("$LOADGEN" "${tls[@]}" "${xml[@]}" --duration "$DURATION")
  kill "$pid"; wait "$pid" || true
  echo "$(echo "$h" | sed 's/.*"rps":\([0-9.]*\).*/\1/') \
$(echo "$c" | sed 's/.*"rps":\([0-9.]*\).*/\1/') $(echo "$c" | sed 's/.*"p99_ms":\([0-9.]*\).*/\1/')"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
bh=() bc=() bp=() ch=() cc=() cp=() ratios=()
for r in $(seq "$ROUNDS"); do
  log "round $r: baseline"; read -r h c p < <(serve_and_measure "$BASE"); bh+=("$h"); bc+=("$c"); bp+=("$p")
  log "round $r: candidate"; read -r h2 c2 p2 < <(serve_and_measure "$CAND"); ch+=("$h2"); cc+=("$c2"); cp+=("$p2")
  ratios+=("$(echo "$c2 / $c" | bc -l)")
done
printf '{"bench":"compare","members":%d,"rounds":%d,"baseline_confirm_rps":%.0f,"candidate_confirm_rps":%.0f,"candidate_over_baseline":%.3f,"round_ratios":"%s","baseline_over_healthz":%.3f,"candidate_over_healthz":%.3f,"baseline_p99_ms":%s,"candidate_p99_ms":%s}\n' \
  "$N" "$ROUNDS" "$(median "${bc[@]}")" "$(median "${cc[@]}")" "$(median "${ratios[@]}")" \
  "$(printf '%.3f ' "${ratios[@]}")" \
  "$(echo "$(median "${bc[@]}") / $(median "${bh[@]}")" | bc -l)" \
  "$(echo "$(median "${cc[@]}") / $(median "${ch[@]}")" | bc -l)" \
  "$(median "${bp[@]}")" "$(median "${cp[@]}")"
