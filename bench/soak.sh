#!/usr/bin/env bash
# The soak test (issue 20 point 6, docs/reliability.md#soak): one `onshi serve` under a mixed
# load — confirmations by numbers (OQSsiquc01) and by card (/v1/card/challenges +
# /v1/card/confirmations), registrations (/v1/registrations), bulk inquiries (OQSmuquc01 +
# OQSmuquc02) — over mutual TLS keep-alive connections (bench/soak_load.cpp has the mix and
# what counts as an error). First the mix runs as fast as it goes for PEAK_SECONDS (the
# peak); then for SOAK_SECONDS at SHARE % of that peak, paced. Every INTERVAL seconds the
# server's RSS and open descriptors, the interval's achieved rate and p99 go into a CSV; at
# the end a PNG (gnuplot) and the verdict: after WARMUP seconds the RSS and the descriptors
# stay within TOLERANCE % (max ≤ min × (1 + TOLERANCE/100)), and no operation failed.
#
# Usage: bench/soak.sh   (SOAK_SECONDS=600 PEAK_SECONDS=30 SHARE=80 WARMUP=SOAK_SECONDS/5
#        INTERVAL=10 TOLERANCE=5 MEMBERS=100000 CARDS=10 THREADS=8 BULK_SIZE=50
#        BUILD=build WORK=bench/out/soak DB_URL= (PostgreSQL: the URL of an empty database;
#        default the SQLite files of WORK/data))
# Output: WORK/soak.csv (one row per interval), WORK/soak.png, WORK/summary.json; the verdict
# and a markdown table of the samples on stdout. Exit 0 when the verdict is "flat", 1 when not.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
WORK=${WORK:-$ROOT/bench/out/soak}
SOAK_SECONDS=${SOAK_SECONDS:-600}
PEAK_SECONDS=${PEAK_SECONDS:-30}
SHARE=${SHARE:-80}
WARMUP=${WARMUP:-$((SOAK_SECONDS / 5))}
INTERVAL=${INTERVAL:-10}
TOLERANCE=${TOLERANCE:-5}
MEMBERS=${MEMBERS:-100000}
CARDS=${CARDS:-10}
THREADS=${THREADS:-8}
BULK_SIZE=${BULK_SIZE:-50}
CLINIC=1310112345
INSURER=06130488
log() { echo "[soak] $*" >&2; }
load() { uptime | sed 's/.*load average: //'; }

if ! command -v gnuplot >/dev/null 2>&1; then
  log "gnuplot missing: scripts/deps.sh installs gnuplot-nox"
  scripts/deps.sh >&2
fi
if [ -z "${SOAK_NO_BUILD:-}" ]; then
  cmake --build "$BUILD" -j2 --target onshi bench_soak_load >/dev/null
fi
BIN=$BUILD/onshi
LOADGEN=$BUILD/bench_soak_load
DATA=$WORK/data
rm -rf "$WORK" && mkdir -p "$DATA" "$WORK/cards"
DB=()
[ -n "${DB_URL:-}" ] && DB=(--db "$DB_URL")

# ---- the store: MEMBERS members, CARDS linked cards, a clinic's and an insurer's certificate ----
"$BIN" ca init --data-dir "$DATA" >/dev/null
"$BIN" ca issue institution "$CLINIC" --data-dir "$DATA" --out "$WORK/certs/clinic" >/dev/null
"$BIN" ca issue insurer "$INSURER" --data-dir "$DATA" --out "$WORK/certs/insurer" >/dev/null
"$BIN" generate members --count "$MEMBERS" --seed 7 --out "$WORK/members.csv" >/dev/null 2>&1
log "importing $MEMBERS members"
"$BIN" import --data-dir "$DATA" "${DB[@]}" --report "$WORK/import.json" "$WORK/members.csv" >/dev/null
# Covered members with a My Number: their cards are issued and linked (初回登録).
awk -F, -v n="$CARDS" 'NR == 1 { sub(/^\xEF\xBB\xBF/, ""); for (i = 1; i <= NF; i++) c[$i] = i; next }
         $c["MyNumber"] != "" && $c["DisqualificationDate"] == "" && !seen[$c["MyNumber"]]++ && k++ < n {
           print $c["MyNumber"] }' "$WORK/members.csv" > "$WORK/card-numbers.txt"
k=0
while read -r mn; do
  k=$((k + 1))
  "$BIN" card issue --data-dir "$DATA" "${DB[@]}" --my-number "$mn" --pin 1234 \
    --label "試験 $k" --out "$WORK/cards/$k.card" >/dev/null
  "$BIN" card link --data-dir "$DATA" "${DB[@]}" --card "$WORK/cards/$k.card" --pin 1234 >/dev/null
done < "$WORK/card-numbers.txt"
rm -f "$WORK/card-numbers.txt"
[ "$k" -gt 0 ] || { log "no member with a My Number in $WORK/members.csv"; exit 2; }

# ---- the service ----
"$BIN" serve --data-dir "$DATA" "${DB[@]}" --listen 127.0.0.1:0 --threads 2 \
  > "$WORK/serve.out" 2> "$WORK/serve.log" &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/serve.out" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { log "onshi serve did not start"; cat "$WORK/serve.log" >&2; exit 2; }
GEN=("$LOADGEN" --port "$PORT" --certs "$WORK/certs" --csv-members "$WORK/members.csv"
     --cards "$WORK/cards" --institution "$CLINIC" --insurer "$INSURER"
     --date "$(TZ=Asia/Tokyo date +%Y%m%d)" --threads "$THREADS" --bulk-size "$BULK_SIZE"
     --interval "$INTERVAL" ${MIX:+--mix "$MIX"})

log "peak: the mix as fast as it goes for $PEAK_SECONDS s, $THREADS workers (load $(load))"
peak=$("${GEN[@]}" --rate 0 --duration "$PEAK_SECONDS" --first-id 1000000 2> "$WORK/peak.log")
peak_rate=$(echo "$peak" | sed 's/.*"rate":\([0-9.]*\).*/\1/')
rate=$(echo "$peak_rate * $SHARE / 100" | bc -l | xargs printf '%.0f')
log "peak $peak_rate operations/s: $peak"
load_before=$(load)
log "soak: $rate operations/s ($SHARE %) for $SOAK_SECONDS s, a sample every $INTERVAL s (load $load_before)"
soak=$("${GEN[@]}" --rate "$rate" --duration "$SOAK_SECONDS" --first-id 2000000 \
  --csv "$WORK/soak.csv" --server-pid "$PID" 2> "$WORK/soak.log")
load_after=$(load)
kill "$PID"; wait "$PID" || true
trap - EXIT
log "soak done: $soak (load $load_after)"

# ---- the verdict: after the warm-up, max ≤ min × (1 + TOLERANCE %) for RSS and descriptors ----
verdict=$(awk -F, -v warm="$WARMUP" -v tol="$TOLERANCE" -v target="$rate" '
  NR == 1 { next }
  { errors += $6; n++ }
  $1 > warm {
    m++; sum += $3
    if (m == 1 || $7 < rmin) rmin = $7; if ($7 > rmax) rmax = $7
    if (m == 1 || $9 < fmin) fmin = $9; if ($9 > fmax) fmax = $9
    if ($5 > p99max) p99max = $5
  }
  END {
    rss = rmin > 0 ? 100 * (rmax - rmin) / rmin : 999
    fds = fmin > 0 ? 100 * (fmax - fmin) / fmin : 999
    flat = (m > 0 && rss <= tol && fds <= tol && errors == 0)
    printf "{\"verdict\":\"%s\",\"samples\":%d,\"samplesAfterWarmup\":%d,\"warmupSeconds\":%d,", flat ? "flat" : "NOT flat", n, m, warm
    printf "\"rssMinKiB\":%d,\"rssMaxKiB\":%d,\"rssSpreadPct\":%.2f,\"fdsMin\":%d,\"fdsMax\":%d,\"fdsSpreadPct\":%.2f,", rmin, rmax, rss, fmin, fmax, fds
    printf "\"errors\":%d,\"targetRate\":%d,\"meanRateAfterWarmup\":%.1f,\"maxP99ms\":%.2f,\"tolerancePct\":%s}\n", errors, target, m ? sum / m : 0, p99max, tol
  }' "$WORK/soak.csv")
printf '{"peak":%s,"soak":%s,"result":%s,"loadBefore":"%s","loadAfter":"%s"}\n' \
  "$peak" "$soak" "$verdict" "$load_before" "$load_after" > "$WORK/summary.json"

# ---- the plot ----
gnuplot <<PLOT
set datafile separator ","
set terminal pngcairo size 1000,700 font "sans,10"
set output "$WORK/soak.png"
set multiplot layout 2,1 title "onshi serve, ${SOAK_SECONDS} s at ${rate} operations/s (${SHARE} % of the peak ${peak_rate}); warm-up ${WARMUP} s"
set key below
set grid
set xlabel "seconds"
set ylabel "RSS (MiB)"
set y2label "open descriptors"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set arrow from ${WARMUP}, graph 0 to ${WARMUP}, graph 1 nohead dashtype 2
plot "$WORK/soak.csv" skip 1 using 1:(\$7/1024) with linespoints title "RSS", \
     "" skip 1 using 1:(\$8/1024) with lines title "RSS anonymous", \
     "" skip 1 using 1:9 axes x1y2 with linespoints title "descriptors"
set ylabel "operations/s"
set y2label "p99 (ms)"
plot "$WORK/soak.csv" skip 1 using 1:3 with linespoints title "achieved rate", \
     "" skip 1 using 1:5 axes x1y2 with linespoints title "p99 of the interval"
unset multiplot
PLOT

echo "$verdict"
echo
echo "| t (s) | operations/s | p50 (ms) | p99 (ms) | errors | RSS (MiB) | RSS anon (MiB) | descriptors | load |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F, 'NR > 1 { printf "| %d | %.0f | %.1f | %.1f | %d | %.1f | %.1f | %d | %.2f |\n", $1, $3, $4, $5, $6, $7/1024, $8/1024, $9, $10 }' "$WORK/soak.csv"
log "CSV $WORK/soak.csv, plot $WORK/soak.png, summary $WORK/summary.json"
case "$verdict" in *'"verdict":"flat"'*) exit 0 ;; *) exit 1 ;; esac
