# Sourced, not run: starts a private PostgreSQL and Redis on random loopback ports in a new
# temporary folder (exporting LYRICA_DATA, POSTGRES_PORT, REDIS_PORT), and defines
# `private_stores_stop`, which stops them and removes the folder; the sourcing script calls it
# from its EXIT trap. Used by the test command and the benchmarks.
export LYRICA_DATA POSTGRES_PORT REDIS_PORT
LYRICA_DATA=$(mktemp -d /tmp/lyrica-stores.XXXXXX)
chmod 755 "$LYRICA_DATA"
POSTGRES_PORT=$((20000 + RANDOM % 20000))
REDIS_PORT=$((POSTGRES_PORT + 1))

private_stores_stop() {
    Deploy/local/redis.sh stop >/dev/null 2>&1 || true
    Deploy/local/postgres.sh stop >/dev/null 2>&1 || true
    rm -rf "$LYRICA_DATA"
}

Deploy/local/postgres.sh start >&2
Deploy/local/redis.sh start >&2
