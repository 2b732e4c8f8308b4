#!/usr/bin/env bash
# The terminal benchmarks of docs/performance.md ("Terminal"), each against a baseline in the
# same run (bench/terminal.cpp has the details):
#   a. folder bridge round trip: COUNT_FOLDER OQSsiquc01req files dropped one at a time into
#      the folder of a real `onshi terminal --poll-ms POLL_MS`, vs the same requests posted
#      directly over HTTPS keep-alive (ratio of medians and of p99).
#   b. bulk inquiry of COUNT_BULK patients through the folder (OQSmuquc01req → 01res →
#      OQSmuquc02req → 02res) vs COUNT_BULK single confirmations over one keep-alive connection.
# Both run once per terminal mode in MODES: `watch` (the default terminal: inotify on req/)
# and `poll` (`--no-watch`: scans only), each with a fresh terminal on its own folder against
# the same service, so the two appear side by side. A binary without --no-watch runs `watch`
# only (it polls anyway).
#
# Usage: bench/terminal.sh   (N_TERM=100000 members, COUNT_FOLDER=1000, COUNT_BULK=10000,
#        POLL_MS=50, MODES="watch poll", BUILD=build, WORK=bench/out/terminal)
# Output: one JSON line per benchmark and mode on stdout ("mode":"watch"|"poll").
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
MODES=${MODES:-watch poll}
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

date=$(TZ=Asia/Tokyo date +%Y%m%d)
has_no_watch=0
"$BIN" terminal --help 2>/dev/null | grep -q -- --no-watch && has_no_watch=1

for mode in $MODES; do
  extra=()
  if [ "$mode" = poll ]; then
    [ "$has_no_watch" = 1 ] || { log "this onshi has no --no-watch: mode poll skipped"; continue; }
    extra=(--no-watch)
  fi
  oqs=$WORK/OQS-$mode
  # The terminal as an institution runs it.
  "$BIN" terminal --server "https://127.0.0.1:$port" --cert-dir "$WORK/clinic" --folder "$oqs" \
    --encoding shift_jis --poll-ms "$POLL_MS" "${extra[@]}" > "$WORK/terminal-$mode.out" 2> "$WORK/terminal-$mode.log" &
  tpid=$!
  pids+=($tpid)
  for _ in $(seq 100); do [ -d "$oqs/res" ] && break; sleep 0.1; done

  common=(--csv "$csv" --folder "$oqs" --host 127.0.0.1 --port "$port" --cert-dir "$WORK/clinic"
          --institution "$INST" --date "$date" --poll-ms "$POLL_MS")
  tag="\"mode\":\"$mode\",\"poll_ms\":$POLL_MS"
  log "[$mode] folder round trip: $COUNT_FOLDER files, --poll-ms $POLL_MS (load $(load))"
  "$BENCH" --mode folder --count "$COUNT_FOLDER" "${common[@]}" | sed "s/}\$/,$tag,\"load\":\"$(load)\"}/"
  log "[$mode] bulk inquiry: $COUNT_BULK patients (load $(load))"
  "$BENCH" --mode bulk --count "$COUNT_BULK" "${common[@]}" | sed "s/}\$/,$tag,\"load\":\"$(load)\"}/"
  kill "$tpid" 2>/dev/null || true
  wait "$tpid" 2>/dev/null || true
done
log "machine: $(nproc) cores, load after the run $(load)"
