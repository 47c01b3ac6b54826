#!/usr/bin/env bash
# A private PostgreSQL cluster on loopback for local runs and tests.
#
#   Deploy/local/postgres.sh start     # install if missing, initdb, start, one database + role per service
#   Deploy/local/postgres.sh stop
#   Deploy/local/postgres.sh reset     # stop and delete the data folder
#   Deploy/local/postgres.sh url [SERVICE]   # print a DATABASE_URL (superuser without SERVICE)
#
# Settings (environment): LYRICA_DATA (default .lyrica-data in the repo) holds postgres/;
# POSTGRES_PORT (default 55432). Roles and passwords are local-only: role lyrica_<service>,
# password lyrica_<service>, database lyrica_<service>; the superuser is postgres/postgres.
# initdb and postgres refuse to run as root, so as root they run as the `postgres` user.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LYRICA_DATA:-$root/.lyrica-data}
port=${POSTGRES_PORT:-55432}
dir=$data/postgres
services=(auth lyrics generation retrieval feedback)

pg_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bin" ] && echo "$bin"
}

install_if_missing() {
    if [ -z "$(pg_bin)" ]; then
        echo "Installing PostgreSQL (apt-get)…" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
    fi
}

as_owner() {  # run a server binary as the data folder's owner (postgres when we are root)
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() {
    if [ -n "${1:-}" ]; then
        echo "postgres://lyrica_$1:lyrica_$1@127.0.0.1:$port/lyrica_$1?sslmode=disable"
    else
        echo "postgres://postgres:postgres@127.0.0.1:$port/postgres?sslmode=disable"
    fi
}

start() {
    install_if_missing
    local bin
    bin=$(pg_bin)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod 700 "$dir"; fi
    if [ ! -f "$dir/PG_VERSION" ]; then
        local pwfile
        pwfile=$(mktemp)
        echo postgres > "$pwfile"
        [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
        as_owner "$bin/initdb" -D "$dir" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 \
            --auth-local=trust -E UTF8 >"$data/postgres-initdb.log"
        rm -f "$pwfile"
    fi
    if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        echo "PostgreSQL already running on 127.0.0.1:$port" >&2
    else
        if ! as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=500 -c fsync=on" start >/dev/null; then
            echo "PostgreSQL did not start on 127.0.0.1:$port; its log says:" >&2
            tail -n 5 "$dir/server.log" >&2
            echo "(another server on that port? choose one with POSTGRES_PORT=…)" >&2
            exit 1
        fi
        echo "PostgreSQL started on 127.0.0.1:$port (data: $dir)" >&2
    fi
    for service in "${services[@]}"; do
        as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
SELECT 'CREATE ROLE lyrica_$service LOGIN PASSWORD ''lyrica_$service'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lyrica_$service') \gexec
SELECT 'CREATE DATABASE lyrica_$service OWNER lyrica_$service'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'lyrica_$service') \gexec
SQL
    done
}

stop() {
    local bin
    bin=$(pg_bin) || return 0
    if [ -f "$dir/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
        echo "PostgreSQL stopped" >&2
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    reset) stop; rm -rf "$dir" ;;
    url) url "${2:-}" ;;
    *) echo "usage: $0 start|stop|reset|url [SERVICE]" >&2; exit 64 ;;
esac
