#!/bin/sh
# pg.sh - a private PostgreSQL cluster on a unix socket, for tests and the
# local default. Never touches the system cluster.
#
#   scripts/pg.sh start DIR   initdb (first time) and start; prints the DSN
#   scripts/pg.sh stop DIR    stop it (by the pid in DIR/data/postmaster.pid)
#   scripts/pg.sh dsn DIR     print the DSN
#
# initdb refuses to run as root, so as root the cluster belongs to the
# 'postgres' user (created by the Debian package) and commands run through
# runuser. The socket lives in DIR/run; the port number only names it.
set -eu
cmd=${1:?usage: pg.sh start|stop|dsn DIR}
dir=${2:?usage: pg.sh start|stop|dsn DIR}
port=${IWMOD_PG_PORT:-54329}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dsn() { echo "host=$dir/run port=$port dbname=iwmod user=postgres"; }

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    mkdir -p "$dir/data" "$dir/run"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir/run -p $port -c listen_addresses= -c fsync=on -c max_connections=50" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
  fi
  as_owner "$bindir/psql" -h "$dir/run" -p "$port" -U postgres -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = 'iwmod'" | grep -q 1 ||
    as_owner "$bindir/createdb" -h "$dir/run" -p "$port" -U postgres iwmod
  dsn
  ;;
stop)
  dir=$(cd "$dir" 2>/dev/null && pwd) || exit 0
  [ -f "$dir/data/postmaster.pid" ] || exit 0
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || {
    pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  }
  ;;
dsn)
  dir=$(cd "$dir" && pwd)
  dsn
  ;;
*)
  echo "usage: pg.sh start|stop|dsn DIR" >&2; exit 2 ;;
esac
