#!/usr/bin/env bash
# The server database's benchmarks (docs/performance.md, "PostgreSQL and several servers"),
# each a ratio against a baseline measured in the same run on the same machine:
#
#   1. import: `onshi import --db postgresql://…` of N generated members vs `psql \copy` of the
#      same CSV into a bare table with its primary key (ratio of times, lower is better; goal ≤ 2).
#   2. confirmation: POST /xml/OQSsiquc01 over mTLS keep-alive on the PostgreSQL backend vs the
#      SQLite backend holding the same members (ratio of rates, higher is better; goal ≥ 0.6,
#      p99 < 10 ms), each also against /healthz of its own server.
#   3. two servers behind nginx vs one server behind the same nginx (scripts/cluster.sh; ratio
#      of confirmation rates — on 2 cores no gain is expected, only nginx's own cost).
#
# Usage: bench/store.sh   (N=1000000 DURATION=10 CONNS=32 ROUNDS=3 THREADS=2 — the servers' --threads;
#        SKIP_CLUSTER=1 skips 3; BUILD=build-x)
# A private PostgreSQL cluster is created for the run (scripts/pg-test.sh) and removed after.
# Results: bench/out/store.json and one JSON line per benchmark on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/onshi
OUT=${BENCH_OUT:-$ROOT/bench/out}
N=${N:-1000000}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
ROUNDS=${ROUNDS:-3}
mkdir -p "$OUT"
cmake --build "$BUILD" -j2 --target onshi bench_loadgen bench_make_requests >/dev/null
LOADGEN=$BUILD/bench_loadgen
MKREQ=$BUILD/bench_make_requests

now() { date +%s.%N; }
log() { echo "[bench] $*" >&2; }
load() { uptime | sed 's/.*load average: //'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
field() { echo "$1" | sed "s/.*\"$2\":\([0-9.]*\).*/\1/"; }

PG_DIR=$(mktemp -d /tmp/onshi-bench-pg.XXXXXX)
CLUSTER_DIR=$OUT/cluster
trap 'scripts/pg-test.sh stop "$PG_DIR"; scripts/cluster.sh down "$CLUSTER_DIR" >/dev/null 2>&1 || true' EXIT
PG_BASE=$(scripts/pg-test.sh start "$PG_DIR")
PG_HOSTPORT=${PG_BASE#postgresql://postgres@}
PG_HOSTPORT=${PG_HOSTPORT%%/*}
psql_admin() { psql -q -X "$PG_BASE" "$@"; }
psql_admin -c "CREATE DATABASE onshi_bench" -c "CREATE DATABASE baseline"
PG_URL="postgresql://postgres@$PG_HOSTPORT/onshi_bench"
BASE_URL="postgresql://postgres@$PG_HOSTPORT/baseline"

results=()
CSV=$OUT/members-$N.csv
[ -f "$CSV" ] || "$BIN" generate members --count "$N" --seed 42 --out "$CSV" 2>/dev/null

# ---- 1. import into PostgreSQL vs psql \copy ----
bench_import() {
  local dir=$OUT/store-import cols t0 t1 base ours
  rm -rf "$dir" && mkdir -p "$dir"
  cols=$(head -1 "$CSV" | sed 's/^\xEF\xBB\xBF//; s/\r$//' | tr ',' '\n' | sed 's/.*/"&" TEXT/' | paste -sd,)
  psql -q -X "$BASE_URL" -c "CREATE TABLE m($cols, PRIMARY KEY (\"InsurerNumber\", \"InsuredCardSymbol\", \"InsuredIdentificationNumber\", \"InsuredBranchNumber\"))"
  log "import baseline: psql \\copy of $N rows (load $(load))"
  t0=$(now)
  psql -q -X "$BASE_URL" -c "\\copy m FROM '$CSV' WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL (\"InsuredCardSymbol\", \"InsuredBranchNumber\"))"
  t1=$(now); base=$(echo "$t1 - $t0" | bc -l)
  log "import: onshi import --db postgresql, $N rows (load $(load))"
  t0=$(now)
  "$BIN" import --data-dir "$dir/keys" --db "$PG_URL" --report "$dir/report.json" "$CSV" >/dev/null
  t1=$(now); ours=$(echo "$t1 - $t0" | bc -l)
  printf -v line '{"bench":"pg_import","members":%d,"psql_copy_s":%.2f,"onshi_import_s":%.2f,"ratio":%.2f}' \
    "$N" "$base" "$ours" "$(echo "$ours / $base" | bc -l)"
  results+=("$line"); echo "$line"
}

# Starts `onshi serve` with the given flags; prints its port.
start_server() {
  local out=$1; shift
  "$BIN" serve "$@" --listen 127.0.0.1:0 --threads "${THREADS:-2}" >"$out.out" 2>"$out.log" &
  echo $! >"$out.pid"
  local port=""
  for _ in $(seq 300); do
    port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$out.out" | head -1)
    [ -n "$port" ] && break; sleep 0.1
  done
  echo "$port"
}

# Stops a server started by start_server and waits until it is gone (it is not this shell's
# child, so `wait` cannot): the next server may then take the key directory's lock.
stop_server() {
  local pid
  pid=$(cat "$1.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# Rounds of /healthz and OQSsiquc01 on one port; prints "healthz_rps confirm_rps confirm_p99".
measure() {
  local port=$1 certs=$2 bodies=$3 hs=() cs=() cp=() h c
  local tls=(--host 127.0.0.1 --port "$port" --ca "$certs/ca.pem" --cert "$certs/cert.pem" --key "$certs/key.pem" --connections "$CONNS")
  "$LOADGEN" "${tls[@]}" --method POST --path /xml/OQSsiquc01 --content-type application/xml --bodies "$bodies" --duration 3 >/dev/null
  for _ in $(seq "$ROUNDS"); do
    h=$("$LOADGEN" "${tls[@]}" --method GET --path /healthz --duration "$DURATION")
    c=$("$LOADGEN" "${tls[@]}" --method POST --path /xml/OQSsiquc01 --content-type application/xml --bodies "$bodies" --duration "$DURATION")
    hs+=("$(field "$h" rps)"); cs+=("$(field "$c" rps)"); cp+=("$(field "$c" p99_ms)")
  done
  echo "$(median "${hs[@]}") $(median "${cs[@]}") $(median "${cp[@]}")"
}

# ---- 2. confirmations: PostgreSQL vs SQLite on the same members ----
bench_confirm() {
  local dir=$OUT/store-confirm sp pp s p
  rm -rf "$dir" && mkdir -p "$dir"
  "$BIN" ca init --data-dir "$dir/keys" >/dev/null
  "$BIN" ca issue institution 1310112345 --data-dir "$dir/keys" --out "$dir/clinic" >/dev/null
  cp -a "$OUT/store-import/keys/keys" "$dir/keys/" 2>/dev/null || true
  log "confirm: the same $N members into SQLite (the PostgreSQL copy is the import above)"
  "$BIN" import --data-dir "$dir/keys" --report "$dir/report.json" "$CSV" >/dev/null
  "$MKREQ" --csv "$CSV" --count 20000 --institution 1310112345 --date "$(TZ=Asia/Tokyo date +%Y%m%d)" --format xml >"$dir/bodies.txt"
  sp=$(start_server "$dir/sqlite" --data-dir "$dir/keys")
  log "confirm on SQLite (load $(load))"
  read -r s_h s_c s_p <<<"$(measure "$sp" "$dir/clinic" "$dir/bodies.txt")"
  stop_server "$dir/sqlite"
  pp=$(start_server "$dir/pg" --data-dir "$dir/keys" --db "$PG_URL")
  log "confirm on PostgreSQL (load $(load))"
  read -r p_h p_c p_p <<<"$(measure "$pp" "$dir/clinic" "$dir/bodies.txt")"
  stop_server "$dir/pg"
  printf -v line '{"bench":"pg_confirm","members":%d,"sqlite_healthz_rps":%.0f,"sqlite_confirm_rps":%.0f,"sqlite_p99_ms":%.2f,"pg_healthz_rps":%.0f,"pg_confirm_rps":%.0f,"pg_p99_ms":%.2f,"ratio_pg_to_sqlite":%.2f}' \
    "$N" "$s_h" "$s_c" "$s_p" "$p_h" "$p_c" "$p_p" "$(echo "$p_c / $s_c" | bc -l)"
  results+=("$line"); echo "$line"
}

# ---- 3. two servers behind nginx vs one ----
bench_cluster() {
  local dir=$OUT/store-confirm env url port one two
  scripts/cluster.sh down "$CLUSTER_DIR" >/dev/null 2>&1 || true
  log "cluster: nginx + 2 servers + primary/replica"
  env=$(ONSHI_BINARY=$BIN scripts/cluster.sh up "$CLUSTER_DIR")
  url=$(echo "$env" | sed -n 's/^ONSHI_DB=//p')
  "$BIN" ca issue institution 1310112345 --data-dir "$CLUSTER_DIR/keys" --out "$CLUSTER_DIR/clinic" >/dev/null
  "$BIN" import --data-dir "$CLUSTER_DIR/keys" --db "$url" --report "$CLUSTER_DIR/report.json" "$CSV" >/dev/null
  port=$(echo "$env" | sed -n 's/^ONSHI_URL=https:\/\/127.0.0.1://p')
  read -r _ two _ <<<"$(measure "$port" "$CLUSTER_DIR/clinic" "$dir/bodies.txt")"
  # One server behind the same nginx: stop the second.
  kill "$(cat "$CLUSTER_DIR/server2.pid")"; sleep 1
  read -r _ one one_p <<<"$(measure "$port" "$CLUSTER_DIR/clinic" "$dir/bodies.txt")"
  printf -v line '{"bench":"cluster","members":%d,"one_server_rps":%.0f,"two_servers_rps":%.0f,"ratio_two_to_one":%.2f,"one_server_p99_ms":%.2f}' \
    "$N" "$one" "$two" "$(echo "$two / $one" | bc -l)" "$one_p"
  results+=("$line"); echo "$line"
  scripts/cluster.sh down "$CLUSTER_DIR" >/dev/null
}

log "machine: $(nproc) cores, load $(load)"
bench_import
bench_confirm
[ -n "${SKIP_CLUSTER:-}" ] || bench_cluster
printf '%s\n' "${results[@]}" >"$OUT/store.json"
log "results in $OUT/store.json"
