#!/usr/bin/env bash
# This checkout's PostgreSQL + PostGIS clusters. PostgreSQL refuses to run as root, so as root they
# belong to the `postgres` user and live where it can reach them whatever folder the checkout is in
# (root's 0700 home included): /var/lib/postgresql/hg/<key>/, <key> a hash of the checkout's path,
# so two clones never share data. Another user runs them as itself in <checkout>/.pg/.
#
#   run   `make run`'s cluster (PGPORT, default 5433): durable; the service's role hg_app logs in over
#         TCP with scram-sha-256 and a generated password (run/app.pgpass, mode 0600, named by the
#         URL); the superuser only through the socket, by peer authentication.
#   test  `make test`'s cluster (PGPORT_TEST, default 5434): throw-away data, so fsync is off and
#         loopback logins need no password.
#
# Usage: scripts/pg.sh start|stop|reset|destroy|status [run|test]
#        scripts/pg.sh url app|owner [run|test]   the service's or the owner's database URL
#        eval "$(scripts/pg.sh env)"             both, exported (DATABASE_URL, DATABASE_OWNER_URL)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
APP_ROLE=hg_app
DB_NAME=hgtelecom
if [ "$(id -u)" = 0 ]; then
  AS_PG=(runuser -u postgres --)
  CLUSTERS="${HG_PG_DIR:-/var/lib/postgresql/hg}"
  BASE="$CLUSTERS/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
else
  AS_PG=()   # already a normal user: the cluster is its own
  CLUSTERS=""
  BASE="${HG_PG_DIR:-$ROOT/.pg}"
fi

cluster() {
  KIND="${1:-run}"
  case "$KIND" in
    run) PORT="${PGPORT:-5433}" PORT_VAR=PGPORT ;;
    test) PORT="${PGPORT_TEST:-5434}" PORT_VAR=PGPORT_TEST ;;
    *) echo "pg: no cluster '$KIND' (run or test)" >&2; exit 2 ;;
  esac
  DIR="$BASE/$KIND"
  DATA="$DIR/data"
  SOCK="$DIR/socket"
  PASSFILE="$DIR/app.pgpass"
}

# The postgres user may not enter the checkout: its commands start from /.
as_pg() { (cd / && "${AS_PG[@]}" "$@"); }

running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

install() {
  # PostGIS for PostgreSQL 15 from Debian when missing (seconds with apt's cache).
  if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
    echo "pg: installing postgresql-15-postgis-3 with apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
  fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port_holder() {
  # Another checkout's cluster (its postmaster.pid names the port on line 4), or something else.
  local pid
  for pid in "${CLUSTERS:-/nonexistent}"/*/*/data/postmaster.pid; do
    if [ -f "$pid" ] && [ "$(sed -n 4p "$pid")" = "$1" ]; then
      local dir=${pid%/data/postmaster.pid}
      echo "the ${dir##*/} cluster of $(cat "${dir%/*}/checkout" 2>/dev/null || echo 'another checkout')"
      return
    fi
  done
  if [ -f "$ROOT/.pg/data/postmaster.pid" ] && [ "$(sed -n 4p "$ROOT/.pg/data/postmaster.pid")" = "$1" ]; then
    echo "this checkout's old cluster in .pg/data (stop it with: runuser -u postgres -- $PG_BIN/pg_ctl -D $ROOT/.pg/data stop)"
    return
  fi
  echo "another server"
}

init() {
  mkdir -p "$DIR"
  printf '%s\n' "$ROOT" >"$BASE/checkout"   # whose clusters these are, for people and port_holder
  if [ "${#AS_PG[@]}" -gt 0 ]; then chown postgres:postgres "$BASE" "$DIR"; fi
  chmod 700 "$DIR"
  as_pg mkdir -p "$SOCK"
  echo "pg: initialising the $KIND cluster in $DATA"
  if [ "$KIND" = test ]; then
    as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    return
  fi
  as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  # Root may act as the superuser (it may become the postgres user anyway); nobody else may.
  as_pg tee "$DATA/pg_ident.conf" >/dev/null <<EOF
# Written by scripts/pg.sh: the operating-system users who may log in as the superuser postgres.
owner  postgres  postgres
owner  $(id -un)  postgres
EOF
  as_pg tee "$DATA/pg_hba.conf" >/dev/null <<EOF
# Written by scripts/pg.sh. The superuser only through the socket, by peer authentication;
# everyone else with a password (scram-sha-256). The server listens on loopback only.
local  all  postgres                 peer map=owner
local  all  all                      scram-sha-256
host   all  postgres  all            reject
host   all  all       127.0.0.1/32   scram-sha-256
host   all  all       ::1/128        scram-sha-256
EOF
}

psql_owner() { as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres "$@"; }

app_role() {
  # The service's login: no superuser, no CREATEDB/CREATEROLE; the migrations grant it hg_app's
  # privileges. In the run cluster it has a password, kept in a pgpass file only root can read.
  local password=""
  if [ "$KIND" = run ]; then
    if [ ! -s "$PASSFILE" ]; then
      (umask 077 && printf '*:*:*:%s:%s\n' "$APP_ROLE" "$(head -c 32 /dev/urandom | sha256sum | cut -c1-40)" >"$PASSFILE")
    fi
    password=$(cut -d: -f5 "$PASSFILE")
  fi
  # Through stdin, so the password never shows in a process list.
  psql_owner >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN CREATE ROLE $APP_ROLE; END IF;
END \$\$;
ALTER ROLE $APP_ROLE WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS${password:+ PASSWORD '$password'};
SQL
}

start() {
  install
  if running; then
    local port
    port=$(sed -n 4p "$DATA/postmaster.pid")
    if [ "$port" != "$PORT" ]; then
      echo "pg: this checkout's $KIND cluster runs on port $port, not $PORT: set $PORT_VAR=$port, or stop it first" >&2
      exit 1
    fi
    return 0
  fi
  if port_taken "$PORT"; then
    echo "pg: port $PORT is taken by $(port_holder "$PORT")." >&2
    echo "pg: give this checkout's $KIND cluster another port, e.g. $PORT_VAR=$((PORT + 10)) make …" >&2
    exit 1
  fi
  [ -f "$DATA/PG_VERSION" ] || init
  local tuning=""
  # Only the test cluster may lose its last commits in a power cut.
  [ "$KIND" = test ] && tuning="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c max_connections=100 $tuning" start >/dev/null
  app_role
  echo "pg: $KIND cluster running on 127.0.0.1:$PORT (data and log in $DIR)"
}

stop() {
  if running; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "pg: $KIND cluster stopped"
  fi
}

reset() {
  stop
  rm -rf "$DIR"
  start
}

destroy() {
  # Stop and remove this checkout's cluster (e.g. before deleting the checkout).
  stop
  rm -rf "$DIR"
  if [ -z "$(ls -A "$BASE" 2>/dev/null | grep -vx checkout)" ]; then rm -rf "$BASE"; fi
}

status() {
  if [ -f "$DATA/PG_VERSION" ]; then as_pg "$PG_BIN/pg_ctl" -D "$DATA" status; else echo "pg: no $KIND cluster"; fi
}

url() {
  case "${1:-}" in
    app) if [ "$KIND" = run ]; then echo "postgresql+psycopg2://$APP_ROLE@127.0.0.1:$PORT/$DB_NAME?passfile=$PASSFILE"
         else echo "postgresql+psycopg2://$APP_ROLE@127.0.0.1:$PORT/$DB_NAME"; fi ;;
    owner) if [ "$KIND" = run ]; then echo "postgresql+psycopg2://postgres@/$DB_NAME?host=$SOCK&port=$PORT"
           else echo "postgresql+psycopg2://postgres@127.0.0.1:$PORT/$DB_NAME"; fi ;;
    *) echo "pg: url app|owner [run|test]" >&2; exit 2 ;;
  esac
}

exports() {
  # For commands typed by hand: eval "$(scripts/pg.sh env)"
  printf "export DATABASE_URL='%s' DATABASE_OWNER_URL='%s'\n" "$(url app)" "$(url owner)"
}

case "${1:-start}" in
  url) cluster "${3:-run}"; url "${2:-}" ;;
  env) cluster "${2:-run}"; exports ;;
  install|start|stop|reset|destroy|status) cluster "${2:-run}"; "${1:-start}" ;;
  *) echo "pg: usage: scripts/pg.sh start|stop|reset|destroy|status|env [run|test], or url app|owner [run|test]" >&2; exit 2 ;;
esac
