#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS cluster in .pg/ (git-ignored).
# PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` user.
# Usage: scripts/pg.sh install|start|stop|reset|status
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGDIR="$ROOT/.pg"
DATA="$PGDIR/data"
RUN="$PGDIR/run"
PGPORT="${PGPORT:-5433}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
AS_PG=(runuser -u postgres --)
[ "$(id -u)" = 0 ] || AS_PG=()   # already a normal user: run directly

install() {
  # PostGIS for PostgreSQL 15 from Debian when missing (seconds with apt's cache).
  if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
    echo "pg: installing postgresql-15-postgis-3 with apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
  fi
}

start() {
  install
  mkdir -p "$PGDIR" "$RUN"
  if [ "${#AS_PG[@]}" -gt 0 ]; then
    chown postgres:postgres "$PGDIR" "$RUN"
    if ! runuser -u postgres -- test -w "$PGDIR"; then
      echo "pg: the postgres user cannot reach $PGDIR (a parent folder is not searchable by others)." >&2
      echo "pg: allow it with 'chmod o+x' on the parent folders, or set DATABASE_URL to your own server." >&2
      exit 1
    fi
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    echo "pg: initialising cluster in $DATA"
    "${AS_PG[@]}" "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    return 0
  fi
  # Loopback only, trust auth: a developer/CI cluster, never a production server.
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -l "$PGDIR/server.log" -w -t 60 \
    -o "-p $PGPORT -k $RUN -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" start >/dev/null
  echo "pg: server running on 127.0.0.1:$PGPORT (log: .pg/server.log)"
}

stop() {
  if [ -f "$DATA/PG_VERSION" ] && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "pg: stopped"
  fi
}

reset() {
  stop
  rm -rf "$DATA"
  start
}

status() {
  if [ -f "$DATA/PG_VERSION" ]; then "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA" status; else echo "pg: no cluster"; fi
}

"${1:-start}"
