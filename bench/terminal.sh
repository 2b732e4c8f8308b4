#!/usr/bin/env bash
# The terminal benchmarks of docs/performance.md ("Terminal"), each against a baseline in the
# same run (bench/terminal.cpp has the details):
#   a. folder bridge round trip: COUNT_FOLDER OQSsiquc01req files dropped one at a time into
#      the folder of a real `onshi terminal --poll-ms POLL_MS`, vs the same requests posted
#      directly over HTTPS keep-alive (ratio of medians and of p99).
#   b. bulk inquiry of COUNT_BULK patients through the folder (OQSmuquc01req → 01res →
#      OQSmuquc02req → 02res) vs COUNT_BULK single confirmations over one keep-alive connection.
#
# Usage: bench/terminal.sh   (N_TERM=100000 members, COUNT_FOLDER=1000, COUNT_BULK=10000,
#        POLL_MS=50, BUILD=build, WORK=bench/out/terminal)
# Output: one JSON line per benchmark on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD/onshi
BENCH=$ROOT/$BUILD/bench_terminal
WORK=${WORK:-$ROOT/bench/out/terminal}
N_TERM=${N_TERM:-100000}
COUNT_FOLDER=${COUNT_FOLDER:-1000}
COUNT_BULK=${COUNT_BULK:-10000}
POLL_MS=${POLL_MS:-50}
INST=1310112345
cmake --build "$BUILD" -j2 --target onshi bench_terminal >/dev/null

log() { echo "[bench terminal] $*" >&2; }
load() { uptime | sed 's/.*load average: //'; }

rm -rf "$WORK" && mkdir -p "$WORK"
csv=$WORK/members.csv
log "generating and importing $N_TERM members (load $(load))"
"$BIN" generate members --count "$N_TERM" --seed 42 --out "$csv" 2>/dev/null
"$BIN" ca init --data-dir "$WORK/data" >/dev/null
"$BIN" ca issue institution "$INST" --data-dir "$WORK/data" --out "$WORK/clinic" >/dev/null
"$BIN" import --data-dir "$WORK/data" --report "$WORK/report.json" "$csv" >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$BIN" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 --threads 2 > "$WORK/serve.out" 2> "$WORK/serve.log" &
pids+=($!)
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/serve.out" | head -1)
  [ -n "$port" ] && break; sleep 0.1
done
[ -n "$port" ] || { log "the service did not start"; exit 1; }

# The terminal as an institution runs it (only the flags every version has).
"$BIN" terminal --server "https://127.0.0.1:$port" --cert-dir "$WORK/clinic" --folder "$WORK/OQS" \
  --encoding shift_jis --poll-ms "$POLL_MS" > "$WORK/terminal.out" 2> "$WORK/terminal.log" &
pids+=($!)
for _ in $(seq 100); do [ -d "$WORK/OQS/res" ] && break; sleep 0.1; done

date=$(TZ=Asia/Tokyo date +%Y%m%d)
common=(--csv "$csv" --folder "$WORK/OQS" --host 127.0.0.1 --port "$port" --cert-dir "$WORK/clinic"
        --institution "$INST" --date "$date" --poll-ms "$POLL_MS")
log "folder round trip: $COUNT_FOLDER files, --poll-ms $POLL_MS (load $(load))"
"$BENCH" --mode folder --count "$COUNT_FOLDER" "${common[@]}" | sed "s/}\$/,\"poll_ms\":$POLL_MS,\"load\":\"$(load)\"}/"
log "bulk inquiry: $COUNT_BULK patients (load $(load))"
"$BENCH" --mode bulk --count "$COUNT_BULK" "${common[@]}" | sed "s/}\$/,\"poll_ms\":$POLL_MS,\"load\":\"$(load)\"}/"
log "machine: $(nproc) cores, load after the run $(load)"
