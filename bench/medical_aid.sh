#!/usr/bin/env bash
# Confirmation of 医療扶助 recipients against confirmation of insured members, on the same
# server in the same run (issue 15 "Speed": goal recipients/members ≥ 0.9). One data directory
# holds N insured members (`onshi generate members` + `onshi import`) and R recipients, each
# with a 医療券 of this month designating the clinic, whose 「医療扶助情報：利用する」 setting is
# on (bench_make_medical_aid). One `onshi serve` answers POST /xml/OQSsiquc01 over HTTPS
# keep-alive with the clinic's client certificate (mTLS); the load generator alternates
# members and recipients ROUNDS times, so a burst of foreign load on the shared machine hits
# both. Every recipient answer is the contracted one (the member-store lookup, the setting,
# the tickets, PublicExpenseResultList).
#
# Usage: bench/medical_aid.sh   (N=100000 R=20000 DURATION=5 ROUNDS=5 CONNS=32)
# Results: one JSON line on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/onshi
OUT=${BENCH_OUT:-$ROOT/bench/out}/medical_aid
N=${N:-100000}
R=${R:-20000}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
CONNS=${CONNS:-32}
CLINIC=1310112345
cmake --build "$BUILD" -j2 --target onshi bench_loadgen bench_make_requests bench_make_medical_aid >/dev/null
log() { echo "[medical_aid] $*" >&2; }

rm -rf "$OUT" && mkdir -p "$OUT"
today=$(TZ=Asia/Tokyo date +%Y%m%d)
"$BIN" generate members --count "$N" --seed 42 --out "$OUT/members.csv" >/dev/null 2>&1
"$BIN" ca init --data-dir "$OUT/data" >/dev/null
"$BIN" ca issue institution "$CLINIC" --data-dir "$OUT/data" --out "$OUT/clinic" >/dev/null
log "importing $N members"
"$BIN" import --data-dir "$OUT/data" --report "$OUT/report.json" "$OUT/members.csv" >/dev/null
log "writing $R recipients and their tickets"
"$BUILD/bench_make_medical_aid" --data-dir "$OUT/data" --count "$R" --institution "$CLINIC" \
  --date "$today" > "$OUT/aid_bodies.txt"
"$BUILD/bench_make_requests" --csv "$OUT/members.csv" --count 20000 --institution "$CLINIC" \
  --date "$today" --format xml > "$OUT/member_bodies.txt"

"$BIN" serve --data-dir "$OUT/data" --listen 127.0.0.1:0 --threads 2 \
  > "$OUT/serve.out" 2> "$OUT/serve.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$OUT/serve.out" | head -1)
  [ -n "$port" ] && break; sleep 0.1
done
tls=(--host 127.0.0.1 --port "$port" --ca "$OUT/clinic/ca.pem" --cert "$OUT/clinic/cert.pem"
     --key "$OUT/clinic/key.pem" --connections "$CONNS")
xml=(--method POST --path /xml/OQSsiquc01 --content-type application/xml)
# Every recipient answer must be the contracted one: check a sample before measuring.
sample=$(awk 'BEGIN{RS="\n\f\n"} NR==1{print; exit}' "$OUT/aid_bodies.txt")
if ! curl -s --cacert "$OUT/clinic/ca.pem" --cert "$OUT/clinic/cert.pem" --key "$OUT/clinic/key.pem" \
     -H 'Content-Type: application/xml' --data-binary "$sample" "https://127.0.0.1:$port/xml/OQSsiquc01" |
     grep -q '<DesignatedMedicalInstitutionFlag>0</DesignatedMedicalInstitutionFlag>'; then
  log "a recipient was not answered as contracted"; exit 1
fi
"$BUILD/bench_loadgen" "${tls[@]}" "${xml[@]}" --bodies "$OUT/member_bodies.txt" --duration 1 >/dev/null
"$BUILD/bench_loadgen" "${tls[@]}" "${xml[@]}" --bodies "$OUT/aid_bodies.txt" --duration 1 >/dev/null

rps() { echo "$1" | sed 's/.*"rps":\([0-9.]*\).*/\1/'; }
p99() { echo "$1" | sed 's/.*"p99_ms":\([0-9.]*\).*/\1/'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
mr=() ar=() mp=() ap=() ratios=()
for r in $(seq "$ROUNDS"); do
  log "round $r"
  m=$("$BUILD/bench_loadgen" "${tls[@]}" "${xml[@]}" --bodies "$OUT/member_bodies.txt" --duration "$DURATION")
  a=$("$BUILD/bench_loadgen" "${tls[@]}" "${xml[@]}" --bodies "$OUT/aid_bodies.txt" --duration "$DURATION")
  mr+=("$(rps "$m")"); ar+=("$(rps "$a")"); mp+=("$(p99 "$m")"); ap+=("$(p99 "$a")")
  ratios+=("$(echo "$(rps "$a") / $(rps "$m")" | bc -l)")
done
printf '{"bench":"medical_aid","members":%d,"recipients":%d,"rounds":%d,"member_confirm_rps":%.0f,"recipient_confirm_rps":%.0f,"recipients_over_members":%.3f,"round_ratios":"%s","member_p99_ms":%s,"recipient_p99_ms":%s}\n' \
  "$N" "$R" "$ROUNDS" "$(median "${mr[@]}")" "$(median "${ar[@]}")" "$(median "${ratios[@]}")" \
  "$(printf '%.3f ' "${ratios[@]}")" "$(median "${mp[@]}")" "$(median "${ap[@]}")"
