#!/usr/bin/env bash
# A private PostgreSQL cluster for tests: created in a temporary directory, listening on a
# free port of 127.0.0.1 only (and a Unix socket in that directory), trust authentication for
# the superuser `postgres`, fsync off (tests need no crash safety from it). Debian's
# PostgreSQL 15 server binaries are used; as root (CI), initdb and pg_ctl run as the
# `postgres` user, who owns the directory.
#
#   scripts/pg-test.sh start DIR   creates and starts the cluster, prints its URL
#                                  (postgresql://postgres@127.0.0.1:PORT/postgres)
#   scripts/pg-test.sh stop DIR    stops it and removes DIR
#   scripts/pg-test.sh halt DIR    stops the server only (fault tests: the database goes away)
#   scripts/pg-test.sh resume DIR  starts it again on the same port
set -euo pipefail

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  echo "pg-test: PostgreSQL server binaries not found (scripts/deps.sh installs postgresql)" >&2
  exit 2
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nobody listens on: a random one from 20000 up to the kernel's ephemeral range (where
# outgoing connections take their source ports, so a port there can be taken before the
# server binds it) that refuses a connection.
free_port() {
  local p lo
  lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
  lo=${lo:-32768}
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % (lo > 21000 ? lo - 20000 : 1000)))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  echo "pg-test: no free port found" >&2
  exit 2
}

start() {
  local dir=$1 bin port
  bin=$(bindir)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 2; }
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      echo "postgresql://postgres@127.0.0.1:$port/postgres"
      return
    fi
  done
  cat "$dir/server.log" >&2
  exit 2
}

stop() {
  local dir=$1 bin
  bin=$(bindir)
  if [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

halt() {
  local dir=$1
  as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

resume() {
  local dir=$1 port
  port=$(cat "$dir/port")
  as_owner "$(bindir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null
}

case "${1:-}" in
  start) start "${2:?DIR}" ;;
  stop) stop "${2:?DIR}" ;;
  halt) halt "${2:?DIR}" ;;
  resume) resume "${2:?DIR}" ;;
  *) echo "usage: $0 start|stop|halt|resume DIR" >&2; exit 2 ;;
esac
