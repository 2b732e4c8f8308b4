#!/usr/bin/env bash
# The whole nation once (issue 19 point 3): generate COUNT members (default 122,480,000, the
# members of Japan's public insurance), load them into a fresh data directory with
# `onshi import` (an empty store is bulk-loaded: versions appended, indexes built once at the
# end), then confirm by numbers at random members for DURATION seconds (default 60) over mTLS
# keep-alive, 2 server threads, CONNS connections, with GET /healthz on the same server as the
# baseline. Not part of `make test`. Prints one JSON line; docs/performance.md has the figures.
#
#   bench/national.sh                          # 122,480,000 members (disk: see below)
#   COUNT=30000000 bench/national.sh           # 30 M
#   DIR=/big/disk/national bench/national.sh   # where the CSV and the store go
#   STREAM=1 bench/national.sh                 # no CSV on disk: generate | onshi import -
#
# Disk: the CSV takes about 256 bytes a member and the store about 240 (compact rows, SQLite
# schema 5: docs/performance.md), and the index builds' sort files about 70 more while they
# run, so 122.48 M members need about 70 GB — or, with STREAM=1, about 42 GB: the generator's output
# is piped into `onshi import -` (tee'd through a sampler that keeps every k-th row for the
# request bodies), and generating shares the two cores with the import. The script checks the
# free space of DIR first and stops with what it needs (FORCE=1 skips the check). KEEP=1 keeps
# the CSV and the store afterwards; by default both are removed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/onshi
COUNT=${COUNT:-122480000}
DIR=${DIR:-$ROOT/bench/out/national}
DURATION=${DURATION:-60}
CONNS=${CONNS:-32}
CLINIC=1310112345
log() { echo "[national] $*" >&2; }
load() { uptime | sed 's/.*load average: //'; }
now() { date +%s.%N; }
field() { echo "$1" | sed "s/.*\"$2\":\([0-9.]*\).*/\1/"; }

STREAM=${STREAM:-0}
mkdir -p "$DIR"
export TMPDIR=$DIR  # the index builds' sort files (docs/operations.md, Imports)
per_member=$(( STREAM == 1 ? 260 + 70 : 256 + 260 + 70 ))
need=$(( COUNT * per_member * 11 / 10 ))
free=$(( $(df --output=avail -B1 "$DIR" | tail -1) ))
if [ -z "${FORCE:-}" ] && [ "$free" -lt "$need" ]; then
  echo "national: $COUNT members need about $(( need / 1000000000 )) GB in $DIR;" \
       "$(( free / 1000000000 )) GB are free. Give DIR on a larger disk, or a smaller COUNT." >&2
  exit 2
fi
cmake --build "$BUILD" -j2 --target onshi bench_loadgen bench_make_requests >/dev/null
csv=$DIR/members.csv data=$DIR/data
rm -rf "$data"
"$BIN" ca init --data-dir "$data" >/dev/null
"$BIN" ca issue institution "$CLINIC" --data-dir "$data" --out "$data/clinic" >/dev/null
import=("$BIN" import --data-dir "$data" --report "$DIR/report.json")

if [ "$STREAM" = 1 ]; then
  # Generated straight into the import; every k-th row (about 100,000 in all) kept for the bodies.
  sample=$DIR/sample.csv k=$(( COUNT / 100000 > 1 ? COUNT / 100000 : 1 ))
  rm -f "$DIR/sample.fifo" && mkfifo "$DIR/sample.fifo"
  awk -v k="$k" 'NR == 1 || NR % k == 0' < "$DIR/sample.fifo" > "$sample" &
  sampler=$!
  log "generating and loading $COUNT members through a pipe (load $(load))"
  t0=$(now)
  { "$BIN" generate members --count "$COUNT" --seed 42 --out /dev/fd/3 3>&1 >/dev/null 2>&1; } |
    tee "$DIR/sample.fifo" |
    /usr/bin/time -o "$DIR/import.time" -f '%U %S %M' "${import[@]}" - >/dev/null
  wait "$sampler"
  rm -f "$DIR/sample.fifo"
  load_s=$(echo "$(now) - $t0" | bc -l)
  gen_s=0 csv=$sample
else
  log "generating $COUNT members (load $(load))"
  t0=$(now)
  [ -f "$csv" ] && [ -n "${KEEP:-}" ] || "$BIN" generate members --count "$COUNT" --seed 42 --out "$csv" 2>/dev/null
  gen_s=$(echo "$(now) - $t0" | bc -l)
  log "loading $COUNT members (load $(load))"
  t0=$(now)
  /usr/bin/time -o "$DIR/import.time" -f '%U %S %M' "${import[@]}" "$csv" >/dev/null
  load_s=$(echo "$(now) - $t0" | bc -l)
fi
store_bytes=$(stat -c %s "$data/onshi.db")

"$BUILD/bench_make_requests" --csv "$csv" --count 50000 --institution "$CLINIC" \
  --date "$(TZ=Asia/Tokyo date +%Y%m%d)" --format xml > "$DIR/bodies.txt"
"$BIN" serve --data-dir "$data" --listen 127.0.0.1:0 --threads 2 >"$DIR/serve.out" 2>"$DIR/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 300); do
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$DIR/serve.out" | head -1)
  [ -n "$port" ] && break; sleep 0.1
done
tls=(--host 127.0.0.1 --port "$port" --ca "$data/clinic/ca.pem" --cert "$data/clinic/cert.pem"
     --key "$data/clinic/key.pem" --connections "$CONNS")
"$BUILD/bench_loadgen" "${tls[@]}" --method GET --path /healthz --duration 2 >/dev/null
log "healthz for 10 s (load $(load))"
h=$("$BUILD/bench_loadgen" "${tls[@]}" --method GET --path /healthz --duration 10)
log "confirmations for $DURATION s at random members (load $(load))"
c=$("$BUILD/bench_loadgen" "${tls[@]}" --method POST --path /xml/OQSsiquc01 \
      --content-type application/xml --bodies "$DIR/bodies.txt" --duration "$DURATION")
kill $pid; wait $pid 2>/dev/null || true
read -r user sys rss_kb < "$DIR/import.time"
printf '{"bench":"national","stream":%d,"members":%d,"generate_s":%.0f,"load_s":%.0f,"load_rows_per_s":%.0f,"load_cpu_s":%.0f,"load_peak_rss_mb":%.0f,"store_bytes":%d,"store_bytes_per_member":%.0f,"healthz_rps":%.0f,"confirm_rps":%.0f,"confirm_p99_ms":%.2f,"ratio":%.2f,"load":"%s"}\n' \
  "$STREAM" "$COUNT" "$gen_s" "$load_s" "$(echo "$COUNT / $load_s" | bc -l)" "$(echo "$user + $sys" | bc -l)" \
  "$(echo "$rss_kb / 1024" | bc -l)" "$store_bytes" "$(echo "$store_bytes / $COUNT" | bc -l)" \
  "$(field "$h" rps)" "$(field "$c" rps)" "$(field "$c" p99_ms)" \
  "$(echo "$(field "$c" rps) / $(field "$h" rps)" | bc -l)" "$(load)"
[ -n "${KEEP:-}" ] || rm -rf "$csv" "$data" "$DIR/sample.csv"
