# Helpers the service benchmarks source (after setting `bin` and `out`).

# wait_for EXECUTABLE PORT: until the service answers its health check.
wait_for() {
    for _ in $(seq 600); do "$bin/$1" healthcheck --port "$2" >/dev/null 2>&1 && return; sleep 0.1; done
    echo "$1 did not start" >&2
    exit 1
}

# bench_row PREFIX NAME PORT TOKEN LYRICA-BENCH-ARGUMENTS…: runs `lyrica bench` for `seconds`,
# keeps its JSON in $out/PREFIX-NAME.json and prints one Markdown table row.
bench_row() {
    local prefix=$1 name=$2 port=$3 bearer=$4
    shift 4
    local file="$out/$prefix-${name//[^A-Za-z0-9]/_}.json"
    "$bin/lyrica" bench "127.0.0.1:$port" "$@" -H "authorization: Bearer $bearer" --duration "${seconds}s" --warmup 1s \
        --format json > "$file"
    python3 - "$file" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]
statuses = ", ".join(f"{k} {v}" for k, v in r.get("statusCodes", {}).items())
l = r['latencyMicros']
print(f"| {name} | {r['callsPerSecond']:,.0f} | {l['p50']/1000:.2f} | {l['p90']/1000:.2f} | {l['p99']/1000:.2f} | {statuses} |")
PY
}

# register_user NAME: registers NAME with the auth service on 127.0.0.1:7193 and prints its
# access token and user id.
register_user() {
    "$bin/lyrica" call 127.0.0.1:7193 /lyrica.auth.v1.AuthService/Register \
        -d "{\"email\":\"$1@example.com\",\"username\":\"$1\",\"password\":\"a long enough passphrase\"}" \
        | python3 -c "import json,sys; r=json.load(sys.stdin); print(r['tokens']['accessToken'], r['user']['id'])"
}
