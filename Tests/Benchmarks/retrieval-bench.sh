#!/usr/bin/env bash
# The retrieval benchmark: loads DOCUMENTS synthetic documents (Tests/Benchmarks/corpus-gen.py:
# 50 themes, genres, years, tags) through `lyrica ingest` into a release lyrica-retrieval on a
# private PostgreSQL and Redis, then measures Search over RPC with `lyrica bench`: text queries
# at 1 and 8 in flight, filters matching 2% and 30% of the corpus, and answers from the Redis
# cache. It also times a restart that restores the index snapshot. Prints a Markdown table
# (the README's); JSON goes to bench-results/.
# Usage: Tests/Benchmarks/retrieval-bench.sh [SECONDS] [DOCUMENTS]   (defaults 10 per row, 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
documents=${2:-100000}
out=bench-results
mkdir -p "$out"
Deploy/local/dependencies.sh

for product in lyrica lyrica-auth lyrica-retrieval; do swift build -c release --product "$product" >&2; done
bin=$(swift build -c release --show-bin-path)

pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    private_stores_stop
    rm -rf "$work"
}
work=$(mktemp -d)
trap cleanup EXIT
source Deploy/local/private-stores.sh
source Tests/Benchmarks/bench-support.sh

export SERVICE_MASTER_SECRET=benchmark-master-secret-0123456789abcdefghij
export REDIS_URL USER_RATE_LIMIT_PER_MINUTE=10000000
REDIS_URL=$(Deploy/local/redis.sh url)
DATABASE_URL=$(Deploy/local/postgres.sh url auth) "$bin/lyrica-auth" serve --port 7193 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-auth 7193
"$bin/lyrica" call 127.0.0.1:7193 /lyrica.auth.v1.AuthService/Register \
    -d '{"email":"curator@example.com","username":"curator","password":"a long enough passphrase"}' >/dev/null
DATABASE_URL=$(Deploy/local/postgres.sh url auth) "$bin/lyrica-auth" grant-scope curator admin >/dev/null
token=$("$bin/lyrica" call 127.0.0.1:7193 /lyrica.auth.v1.AuthService/Login -d '{"login":"curator","password":"a long enough passphrase"}' \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['tokens']['accessToken'])")

export AUTH_ENDPOINTS=127.0.0.1:7193 SERVICE_SECRET DATABASE_URL INDEX_SNAPSHOT_PATH=$work/index.hnsw
SERVICE_SECRET=$("$bin/lyrica-auth" service-secret retrieval)
DATABASE_URL=$(Deploy/local/postgres.sh url retrieval)
serve() {  # port, extra environment…
    local port=$1
    shift
    env "$@" "$bin/lyrica-retrieval" serve --port "$port" --admin-port 0 --log-level warning &
    pids+=($!)
    wait_for lyrica-retrieval "$port"
    until "$bin/lyrica" call "127.0.0.1:$port" /lyrica.retrieval.v1.RetrievalService/Search -H "authorization: Bearer $token" \
        -d '{"text":"ready"}' >/dev/null 2>&1; do sleep 0.2; done
}
serve 7194 SEARCH_CACHE_TTL=0s

python3 Tests/Benchmarks/corpus-gen.py "$documents" > "$work/corpus.jsonl"
echo "Ingesting $documents documents…" >&2
start=$(date +%s.%N)
"$bin/lyrica" ingest 127.0.0.1:7194 "$work/corpus.jsonl" --token "$token" --format json > "$out/retrieval-ingest.json"
ingest_seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")

# Stop (the snapshot is written), then time a restart from it; one replica caches, one does not.
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null || true
start=$(date +%s.%N)
serve 7194 SEARCH_CACHE_TTL=0s
restart_seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
serve 7195 MIGRATE_ON_START=false
stats=$("$bin/lyrica" call 127.0.0.1:7194 /lyrica.retrieval.v1.RetrievalService/Stats -H "authorization: Bearer $token" --format json)
echo "$stats" > "$out/retrieval-stats.json"

search=/lyrica.retrieval.v1.RetrievalService/Search
query='"text":"gulen wesid karik under the moon","k":10'
two_percent='"filter":{"equals":{"field":"tags","value":{"text":"batch-7"}}}'
thirty_percent='"filter":{"range":{"field":"year","min":2000,"max":2022}}'
python3 - "$stats" "$documents" "$ingest_seconds" "$restart_seconds" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
print(f"Corpus: {int(sys.argv[2]):,} documents, {int(s.get('chunks', 0)):,} chunks; ingest {sys.argv[3]} s "
      f"({int(sys.argv[2]) / float(sys.argv[3]):,.0f} documents/s, embedding + PostgreSQL + HNSW); "
      f"index {int(s.get('indexMemoryBytes', 0)) / 2**20:,.0f} MiB; restart from snapshot to first search {sys.argv[4]} s.")
print()
PY
printf '| Search (k 10) | calls/s | p50 ms | p90 ms | p99 ms | statuses |\n|---|---|---|---|---|---|\n'
bench_row retrieval "text, 1 in flight" 7194 "$token" "$search" -d "{$query}" --concurrency 1
bench_row retrieval "text, 8 in flight" 7194 "$token" "$search" -d "{$query}" --concurrency 8
bench_row retrieval "text + filter matching 2%, 1 in flight" 7194 "$token" "$search" -d "{$query,$two_percent}" --concurrency 1
bench_row retrieval "text + filter matching 30%, 1 in flight" 7194 "$token" "$search" -d "{$query,$thirty_percent}" --concurrency 1
bench_row retrieval "text, cached answer, 1 in flight" 7195 "$token" "$search" -d "{$query}" --concurrency 1
bench_row retrieval "text, cached answer, 8 in flight" 7195 "$token" "$search" -d "{$query}" --concurrency 8
