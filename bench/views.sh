#!/usr/bin/env bash
# The clinical view benchmark: GET /v1/clinical/views/medication of a person with three years
# of history (≈ 150 rows) over mTLS, against the confirmation of a member by numbers
# (POST /xml/OQSsiquc01) on the same server in the same run. The ratio printed is view rps ÷
# confirmation rps (higher is better); the goal is ≥ 0.5.
#
# A view asks the gate (the account's role, the person's latest consent, the disaster
# periods), writes its audit entry durably, reads the person's rows of the window in one
# indexed read, groups and encodes them; a confirmation reads one qualification and audits it.
# The person has no consent at the clinic here: the operator's disaster period for prefecture
# 13 admits the view (basis "disaster"), which takes the same path through the gate — the
# consent row is read either way — without a card reader in the loop.
#
# PERSONS=one (the default) views the first member with a My Number every time; PERSONS=all
# cycles through every member with a My Number (one path each, bench_loadgen --paths), so that
# the server's cache of the people viewed (clinical::Viewer, docs/performance.md) holds many
# people. VIEW_CACHE_MIB is passed to `onshi serve --view-cache-mib` (0: no cache, every view
# reads the store); SERVER_BIN runs another build's server (e.g. the previous version's, for an
# A/B on the same data; then VIEW_CACHE_MIB must stay unset when it has no such flag).
# ENCODING is the Accept-Encoding both sides send, as a browser does: gzip (the default; the
# view is answered compressed, the confirmation's XML as before) or identity (no compression).
# The generator counts the bytes it receives and decompresses nothing, on either side.
#
#   bench/views.sh                    # 1,000 members × 150 rows, 3 rounds of 10 s each side
#   MEMBERS=10000 DURATION=20 ROUNDS=5 bench/views.sh
#   PERSONS=all VIEW_CACHE_MIB=0 bench/views.sh
#   ENCODING=identity bench/views.sh  # the view's 40 KB uncompressed
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/onshi
OUT=${BENCH_OUT:-$ROOT/bench/out}
MEMBERS=${MEMBERS:-1000}
ROWS_PER_PERSON=${ROWS_PER_PERSON:-150}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-32}
CLINIC=1310112345
PERSONS=${PERSONS:-one}
ENCODING=${ENCODING:-gzip}
SERVER_BIN=${SERVER_BIN:-$BIN}
serve_flags=()
[ -n "${VIEW_CACHE_MIB:-}" ] && serve_flags=(--view-cache-mib "$VIEW_CACHE_MIB")
mkdir -p "$OUT"
cmake --build "$BUILD" -j2 --target onshi bench_loadgen bench_make_requests bench_make_medication >/dev/null
LOADGEN=$BUILD/bench_loadgen
log() { echo "[views] $*" >&2; }
load() { uptime | sed 's/.*load average: //'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
field() { echo "$1" | sed "s/.*\"$2\":\([0-9.]*\).*/\1/"; }

dir=$OUT/views
rm -rf "$dir" && mkdir -p "$dir"
today=$(TZ=Asia/Tokyo date +%Y%m%d)
"$BIN" ca init --data-dir "$dir" >/dev/null
"$BIN" ca issue institution "$CLINIC" --data-dir "$dir" --out "$dir/clinic" >/dev/null
"$BIN" generate members --count "$MEMBERS" --seed 42 --out "$dir/members.csv" 2>/dev/null
"$BIN" import --data-dir "$dir" --report "$dir/import.json" "$dir/members.csv" >/dev/null
"$BUILD/bench_make_medication" --members "$dir/members.csv" --as-of "$today" \
  --rows $((MEMBERS * ROWS_PER_PERSON)) --out "$dir/medication.csv" >/dev/null
"$BIN" clinical import --kind medication --data-dir "$dir" --report "$dir/clinical.json" \
  "$dir/medication.csv" >/dev/null
"$BUILD/bench_make_requests" --csv "$dir/members.csv" --count 20000 --institution "$CLINIC" \
  --date "$today" --format xml >"$dir/bodies.txt"
# The persons viewed: every member with a My Number, one view path a line; the first one
# (the file's first data row has one) is the one person of PERSONS=one.
python3 - "$dir/members.csv" >"$dir/view_paths.txt" <<'PY'
import csv, sys, urllib.parse
with open(sys.argv[1], encoding="utf-8-sig") as f:
    for r in csv.DictReader(f):
        if r["MyNumber"]:
            print("/v1/clinical/views/medication?" + urllib.parse.urlencode(
                {"account": "dr", "insurerNumber": r["InsurerNumber"],
                 "symbol": r["InsuredCardSymbol"], "number": r["InsuredIdentificationNumber"],
                 "branch": r["InsuredBranchNumber"]}))
PY
view_path=$(head -1 "$dir/view_paths.txt")
view_target=(--path "$view_path")
if [ "$PERSONS" = all ]; then
  view_target=(--paths "$dir/view_paths.txt")
  log "views over $(wc -l <"$dir/view_paths.txt") persons"
fi

"$SERVER_BIN" serve --data-dir "$dir" --listen 127.0.0.1:0 --threads 2 "${serve_flags[@]}" \
  >"$dir/serve.out" 2>"$dir/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$dir/serve.out" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
curl_tls=(--silent --show-error --cacert "$dir/clinic/ca.pem" --cert "$dir/clinic/cert.pem"
  --key "$dir/clinic/key.pem")
curl "${curl_tls[@]}" -H 'Content-Type: application/json' -d '{"id":"dr","role":"doctor"}' \
  "https://127.0.0.1:$port/v1/institution/accounts" >/dev/null
# The disaster period, declared on the running server (in force within a second).
"$BIN" clinical disaster --data-dir "$dir" --prefectures 13 --from now \
  --to "$(TZ=Asia/Tokyo date -d '+2 days' +%Y%m%d)" --note benchmark >/dev/null
sleep 1.2
sample=$(curl "${curl_tls[@]}" "https://127.0.0.1:$port$view_path")
rows=$(echo "$sample" | sed 's/.*"rows":\([0-9]*\).*/\1/')
basis=$(echo "$sample" | sed 's/.*"basis":"\([a-z]*\)".*/\1/')
log "the view: $rows rows, basis $basis ($(printf %s "$sample" | wc -c) bytes)"
[ "$basis" = disaster ] || { echo "views bench: the view was refused: $sample" >&2; exit 1; }

tls=(--host 127.0.0.1 --port "$port" --ca "$dir/clinic/ca.pem" --cert "$dir/clinic/cert.pem"
  --key "$dir/clinic/key.pem" --connections "$CONNS" --header "Accept-Encoding: $ENCODING")
"$LOADGEN" "${tls[@]}" --method GET "${view_target[@]}" --duration 2 >/dev/null  # warm-up
"$LOADGEN" "${tls[@]}" --method POST --path /xml/OQSsiquc01 --content-type application/xml \
  --bodies "$dir/bodies.txt" --duration 2 >/dev/null
cs=() vs=() cp=() vp=()
for round in $(seq "$ROUNDS"); do
  log "round $round: OQSsiquc01 baseline (load $(load))"
  c=$("$LOADGEN" "${tls[@]}" --method POST --path /xml/OQSsiquc01 --content-type application/xml \
    --bodies "$dir/bodies.txt" --duration "$DURATION")
  log "round $round: medication view (load $(load))"
  v=$("$LOADGEN" "${tls[@]}" --method GET "${view_target[@]}" --duration "$DURATION")
  cs+=("$(field "$c" rps)"); cp+=("$(field "$c" p99_ms)")
  vs+=("$(field "$v" rps)"); vp+=("$(field "$v" p99_ms)")
  [ "$(field "$v" non2xx)" = 0 ] || { echo "views bench: non-2xx answers: $v" >&2; exit 1; }
done
cr=$(median "${cs[@]}"); vr=$(median "${vs[@]}")
printf -v line '{"bench":"clinical_view","members":%d,"persons":"%s","encoding":"%s","view_cache_mib":"%s","view_body_bytes":%s,"view_rows":%d,"rounds":%d,"confirm_rps":%.0f,"confirm_p99_ms":%.2f,"view_rps":%.0f,"view_p99_ms":%.2f,"ratio":%.2f,"confirm_runs":"%s","view_runs":"%s"}' \
  "$MEMBERS" "$PERSONS" "$ENCODING" "${VIEW_CACHE_MIB:-default}" "$(field "$v" body_bytes)" "$rows" "$ROUNDS" "$cr" "$(median "${cp[@]}")" "$vr" "$(median "${vp[@]}")" \
  "$(echo "$vr / $cr" | bc -l)" "${cs[*]}" "${vs[*]}"
echo "$line"
echo "$line" >>"$OUT/results.json"
