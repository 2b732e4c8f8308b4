#!/usr/bin/env bash
# The several-servers topology on loopback, from nothing (docs/operations.md, "Several servers"):
#
#   client (mTLS) ──► nginx stream (TLS passthrough, round robin) ──► onshi serve × N
#                                                                      │ writes     │ reads
#                                                                      ▼            ▼
#                                                     PostgreSQL primary ──► streaming replica
#
# nginx passes the TLS bytes through untouched (the `stream` module), so each institution's
# and insurer's client certificate reaches onshi itself, which authenticates it as on a
# single server; nginx holds no key. Every server has its own copy of the keys directory
# (CA, server certificate, master key) as separate hosts would.
#
#   scripts/cluster.sh up [DIR]     build the topology in DIR (default $ONSHI_CLUSTER_DIR or
#                                   /tmp/onshi-cluster) and print its addresses as KEY=VALUE
#   scripts/cluster.sh down [DIR]   stop everything and remove DIR
#   scripts/cluster.sh env [DIR]    print the addresses again
#   scripts/cluster.sh sync-keys [DIR]
#                                   copy the J-LIS CA (made by the first `onshi card issue
#                                   --data-dir $ONSHI_KEYS_DIR`) to every server, which then
#                                   accepts those cards (each server picks it up by itself)
#
# Environment: ONSHI_BINARY (default build/onshi), ONSHI_SERVERS (default 2).
# Everything listens on 127.0.0.1 on free ports; nothing outside DIR is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ONSHI=${ONSHI_BINARY:-$ROOT/build/onshi}
SERVERS=${ONSHI_SERVERS:-2}
DIR=${2:-${ONSHI_CLUSTER_DIR:-/tmp/onshi-cluster}}

pgbin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  echo "cluster: PostgreSQL server binaries not found (scripts/deps.sh installs them)" >&2
  exit 2
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port below the kernel's ephemeral range (ip_local_port_range): a port inside it can be
# taken, between this check and the listener's bind, as the source port of any outgoing
# connection on the machine — which other tests running beside this one make by thousands.
free_port() {
  local p lo
  lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
  lo=${lo:-32768}
  for _ in $(seq 1 500); do
    p=$((20000 + RANDOM % (lo > 21000 ? lo - 20000 : 1000)))
    if grep -qx "$p" "$DIR/ports" 2>/dev/null; then continue; fi
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
      echo "$p" >>"$DIR/ports"
      echo "$p"
      return
    fi
  done
  echo "cluster: no free port" >&2
  exit 2
}

wait_port() {  # wait until something listens on $1 (up to 30 s)
  for _ in $(seq 1 300); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "cluster: nothing listens on port $1" >&2
  return 1
}

start_primary() {
  local bin=$1 port=$2
  mkdir -p "$DIR/pg"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR/pg"; fi
  as_pg "$bin/initdb" -D "$DIR/pg/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$DIR/pg/initdb.log" 2>&1
  cat >>"$DIR/pg/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR/pg'
wal_level = replica
max_wal_senders = 5
hot_standby = on
max_connections = 200
EOF
  echo "host replication postgres 127.0.0.1/32 trust" >>"$DIR/pg/primary/pg_hba.conf"
  as_pg "$bin/pg_ctl" -D "$DIR/pg/primary" -l "$DIR/pg/primary.log" -w -t 60 start >/dev/null
}

start_replica() {
  local bin=$1 primary=$2 port=$3
  as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$DIR/pg/replica" -R \
    -X stream >/dev/null
  cat >>"$DIR/pg/replica/postgresql.conf" <<EOF
port = $port
EOF
  as_pg "$bin/pg_ctl" -D "$DIR/pg/replica" -l "$DIR/pg/replica.log" -w -t 60 start >/dev/null
}

start_servers() {
  local primary_url=$1 replica_url=$2 i port
  "$ONSHI" ca init --data-dir "$DIR/keys" --server-name localhost --server-name 127.0.0.1 \
    >/dev/null
  # One master key for every server (it seals the My Numbers and derives the person links),
  # made here before the copies: a server that made its own would link nobody to the others'.
  (umask 077 && mkdir -p "$DIR/keys/keys" && head -c 32 /dev/urandom >"$DIR/keys/keys/master.key")
  "$ONSHI" db migrate --db "$primary_url" >/dev/null
  : >"$DIR/upstreams"
  for i in $(seq 1 "$SERVERS"); do
    port=$(free_port)
    cp -a "$DIR/keys" "$DIR/server$i"
    "$ONSHI" serve --data-dir "$DIR/server$i" --db "$primary_url" --db-read "$replica_url" \
      --listen "127.0.0.1:$port" >"$DIR/server$i.log" 2>&1 &
    echo $! >"$DIR/server$i.pid"
    echo "$port" >>"$DIR/upstreams"
    wait_port "$port"
  done
}

start_nginx() {
  local port=$1 up
  mkdir -p "$DIR/nginx"
  {
    echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
    echo "daemon on; pid $DIR/nginx/nginx.pid; error_log $DIR/nginx/error.log warn;"
    echo "worker_processes 1; events { worker_connections 4096; }"
    echo "stream {"
    echo "  upstream onshi {"
    while read -r up; do echo "    server 127.0.0.1:$up max_fails=1 fail_timeout=5s;"; done <"$DIR/upstreams"
    echo "  }"
    echo "  server { listen 127.0.0.1:$port; proxy_pass onshi; proxy_connect_timeout 1s; }"
    echo "}"
  } >"$DIR/nginx/nginx.conf"
  nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log"
}

print_env() {
  echo "ONSHI_CLUSTER_DIR=$DIR"
  echo "ONSHI_URL=https://127.0.0.1:$(cat "$DIR/nginx.port")"
  echo "ONSHI_CA=$DIR/keys/ca/ca.pem"
  echo "ONSHI_KEYS_DIR=$DIR/keys"
  echo "ONSHI_DB=$(cat "$DIR/primary.url")"
  echo "ONSHI_DB_READ=$(cat "$DIR/replica.url")"
  local i=1 up
  while read -r up; do
    echo "ONSHI_SERVER${i}=https://127.0.0.1:$up ONSHI_SERVER${i}_PID=$(cat "$DIR/server$i.pid")"
    i=$((i + 1))
  done <"$DIR/upstreams"
}

up() {
  if [ -e "$DIR" ]; then
    echo "cluster: $DIR exists; run 'scripts/cluster.sh down $DIR' first" >&2
    exit 2
  fi
  command -v nginx >/dev/null || { echo "cluster: nginx missing (scripts/deps.sh)" >&2; exit 2; }
  [ -x "$ONSHI" ] || { echo "cluster: $ONSHI missing (make build)" >&2; exit 2; }
  mkdir -p "$DIR"
  local bin p1 p2 pn
  bin=$(pgbin)
  p1=$(free_port)
  p2=$(free_port)
  pn=$(free_port)
  echo "$pn" >"$DIR/nginx.port"
  start_primary "$bin" "$p1"
  start_replica "$bin" "$p1" "$p2"
  as_pg "$bin/psql" -h 127.0.0.1 -p "$p1" -U postgres -qc "CREATE DATABASE onshi" postgres
  echo "postgresql://postgres@127.0.0.1:$p1/onshi" >"$DIR/primary.url"
  echo "postgresql://postgres@127.0.0.1:$p2/onshi" >"$DIR/replica.url"
  start_servers "$(cat "$DIR/primary.url")" "$(cat "$DIR/replica.url")"
  start_nginx "$pn"
  wait_port "$pn"
  print_env
}

down() {
  [ -d "$DIR" ] || return 0
  local bin f
  bin=$(pgbin)
  if [ -f "$DIR/nginx/nginx.pid" ]; then kill "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null || true; fi
  for f in "$DIR"/server*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  for f in replica primary; do
    if [ -d "$DIR/pg/$f" ]; then
      as_pg "$bin/pg_ctl" -D "$DIR/pg/$f" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$DIR"
}

sync_keys() {
  local f d
  [ -d "$DIR/keys/jlis" ] || { echo "cluster: no J-LIS CA yet in $DIR/keys (onshi card issue makes it)" >&2; exit 2; }
  for f in "$DIR"/server*.pid; do
    d=${f%.pid}
    mkdir -p "$d/jlis"
    cp -a "$DIR/keys/jlis/." "$d/jlis/"
  done
}

case "${1:-}" in
  up) up ;;
  sync-keys) sync_keys ;;
  down) down ;;
  env) print_env ;;
  *) echo "usage: $0 up|down|env|sync-keys [DIR]" >&2; exit 2 ;;
esac
