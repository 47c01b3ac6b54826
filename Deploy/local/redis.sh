#!/usr/bin/env bash
# A private Redis on loopback for local runs and tests.
#
#   Deploy/local/redis.sh start | stop | reset | url
#
# Settings (environment): LYRICA_DATA (default .lyrica-data in the repo) holds redis/;
# REDIS_PORT (default 56379). Append-only persistence is on, so acknowledged writes survive a restart.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LYRICA_DATA:-$root/.lyrica-data}
port=${REDIS_PORT:-56379}
dir=$data/redis

start() {
    if ! command -v redis-server >/dev/null; then
        echo "Installing Redis (apt-get)…" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq redis-server >&2
    fi
    mkdir -p "$dir"
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
        echo "Redis already running on 127.0.0.1:$port" >&2
        return
    fi
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --appendonly yes --appendfsync everysec --save ""
    for _ in $(seq 1 50); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    echo "Redis started on 127.0.0.1:$port (data: $dir)" >&2
}

stop() {
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
        redis-cli -p "$port" shutdown >/dev/null 2>&1 || true
        echo "Redis stopped" >&2
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    reset) stop; rm -rf "$dir" ;;
    url) echo "redis://127.0.0.1:$port" ;;
    *) echo "usage: $0 start|stop|reset|url" >&2; exit 64 ;;
esac
