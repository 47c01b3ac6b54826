#!/usr/bin/env bash
# The auth benchmark: login latency (bounded by argon2id at OWASP's cost, by design) and the
# rate of GetMe calls through the auth interceptor, with `lyrica bench` against a release
# `lyrica-auth` on a private PostgreSQL and Redis; then token verification in the interceptor
# in process (AuthBenchmark). Prints a Markdown table (the README's) and writes JSON to
# bench-results/. Usage: Tests/Benchmarks/auth-bench.sh [SECONDS]   (default 10 per row)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
out=bench-results
mkdir -p "$out"
Deploy/local/dependencies.sh

swift build -c release --product lyrica >&2
swift build -c release --product lyrica-auth >&2
swift build -c release --product AuthBenchmark >&2
bin=$(swift build -c release --show-bin-path)

auth_port=7192
auth_pid=""
cleanup() {
    [ -n "$auth_pid" ] && kill "$auth_pid" 2>/dev/null || true
    private_stores_stop
}
trap cleanup EXIT
source Deploy/local/private-stores.sh

DATABASE_URL=$(Deploy/local/postgres.sh url auth) REDIS_URL=$(Deploy/local/redis.sh url) \
    USER_RATE_LIMIT_PER_MINUTE=10000000 LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
    "$bin/lyrica-auth" serve --port "$auth_port" --admin-port 0 --log-level warning &
auth_pid=$!
for _ in $(seq 100); do
    "$bin/lyrica-auth" healthcheck --port "$auth_port" >/dev/null 2>&1 && break
    sleep 0.1
done

target="127.0.0.1:$auth_port"
method=/lyrica.auth.v1.AuthService
"$bin/lyrica" call "$target" "$method/Register" \
    -d '{"email":"bench@example.com","username":"bench","password":"a long enough passphrase"}' > "$out/auth-register.json"
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tokens']['accessToken'])" "$out/auth-register.json")
login='{"login":"bench","password":"a long enough passphrase"}'

row() {  # name, then lyrica bench arguments
    local name=$1; shift
    "$bin/lyrica" bench "$target" "$@" --duration "${seconds}s" --warmup 1s --server-pid "$auth_pid" --format json > "$out/auth-$name.json"
    python3 - "$out/auth-$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]
statuses = ", ".join(f"{k} {v}" for k, v in r.get("statusCodes", {}).items())
print(f"| {name} | {r['callsPerSecond']:,.0f} | {r['latencyMicros']['p50']/1000:.2f} | {r['latencyMicros']['p99']/1000:.2f} | {statuses} |")
PY
}

printf '| call | calls/s | p50 ms | p99 ms | statuses |\n|---|---|---|---|---|\n'
row "Login, 1 in flight" "$method/Login" -d "$login" --concurrency 1
row "Login, 4 in flight" "$method/Login" -d "$login" --concurrency 4
row "GetMe (token checked, rate-limited in Redis, read from PostgreSQL), 32 in flight" "$method/GetMe" \
    -H "authorization: Bearer $token" --concurrency 32
row "GetPublicKeys (no credentials), 32 in flight" "$method/GetPublicKeys" --concurrency 32

echo
echo "Token verification in the interceptor, one task, in process:"
"$bin/AuthBenchmark" "$seconds" | tee "$out/auth-verify.json"
