#!/usr/bin/env bash
# Runs every test. Installs what is missing (Deploy/local/dependencies.sh), builds, starts a
# private PostgreSQL and Redis on loopback in a temporary folder (Deploy/local/postgres.sh and
# redis.sh), runs `swift test` against them, and stops them again. Arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v swift >/dev/null; then
    echo "Swift is missing: install the Swift toolchain (6.1 or later) first." >&2
    exit 1
fi
Deploy/local/dependencies.sh

jobs=$(nproc 2>/dev/null || echo 2)
swift build --build-tests -j "$jobs"

export LYRICA_DATA
LYRICA_DATA=$(mktemp -d /tmp/lyrica-test.XXXXXX)
chmod 755 "$LYRICA_DATA"
export POSTGRES_PORT=$((20000 + RANDOM % 20000))
export REDIS_PORT=$((POSTGRES_PORT + 1))
cleanup() {
    Deploy/local/redis.sh stop || true
    Deploy/local/postgres.sh stop || true
    rm -rf "$LYRICA_DATA"
}
trap cleanup EXIT
Deploy/local/postgres.sh start
Deploy/local/redis.sh start
export LYRICA_TEST_POSTGRES_URL LYRICA_TEST_REDIS_URL
LYRICA_TEST_POSTGRES_URL=$(Deploy/local/postgres.sh url)
LYRICA_TEST_REDIS_URL=$(Deploy/local/redis.sh url)

swift test --skip-build --disable-xctest "$@"
