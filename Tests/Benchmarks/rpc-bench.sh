#!/usr/bin/env bash
# The RPC benchmark: `lyrica bench` against `lyrica-echo` for 64 B and 4 KiB messages at
# concurrency 1 (one connection) and 64 (four connections), beside a raw C loopback echo with
# the same framing, in the same run. Prints a Markdown table (the README's) and writes JSON to
# bench-results/. Usage: Tests/Benchmarks/rpc-bench.sh [SECONDS]   (default 10 per row)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
out=bench-results
mkdir -p "$out"

swift build -c release --product lyrica >&2
swift build -c release --product lyrica-echo >&2
bin=$(swift build -c release --show-bin-path)
cc -O2 -pthread -o "$out/raw-echo" Tests/Benchmarks/raw-echo.c

echo_port=7190
raw_port=7191
"$bin/lyrica-echo" serve --port "$echo_port" --admin-port 0 --log-level warning &
echo_pid=$!
"$out/raw-echo" server "$raw_port" &
raw_pid=$!
trap 'kill $echo_pid $raw_pid 2>/dev/null || true' EXIT
sleep 1

payload() {  # JSON request whose serialized size is about $1 bytes (bytes field, base64 in JSON)
    python3 -c "import base64,sys; print('{\"payload\":\"%s\"}' % base64.b64encode(b'x'*(int(sys.argv[1])-3)).decode())" "$1"
}

printf '| message | concurrency | connections | lyrica calls/s | lyrica p50 µs | lyrica p99 µs | ctx switches/call (client, server) | raw echo calls/s | raw p50 µs | raw p99 µs |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for size in 64 4096; do
    for shape in "1 1" "64 4"; do
        set -- $shape
        concurrency=$1
        connections=$2
        name="${size}B-c${concurrency}"
        "$bin/lyrica" bench "127.0.0.1:$echo_port" /lyrica.echo.v1.EchoService/Get -d "$(payload "$size")" \
            --concurrency "$concurrency" --connections "$connections" --duration "${seconds}s" --warmup 1s \
            --server-pid "$echo_pid" --format json > "$out/lyrica-$name.json"
        "$out/raw-echo" client "$raw_port" "$size" "$concurrency" "$connections" "$seconds" > "$out/raw-$name.json"
        python3 - "$out/lyrica-$name.json" "$out/raw-$name.json" "$size" "$concurrency" "$connections" <<'PY'
import json, sys
lyrica = json.load(open(sys.argv[1])); raw = json.load(open(sys.argv[2]))
size, concurrency, connections = sys.argv[3:6]
label = "64 B" if size == "64" else "4 KiB"
print(f"| {label} | {concurrency} | {connections} | {lyrica['callsPerSecond']:,.0f} | {lyrica['latencyMicros']['p50']:.0f} | "
      f"{lyrica['latencyMicros']['p99']:.0f} | {lyrica.get('clientContextSwitchesPerCall', 0):.2f}, {lyrica.get('serverContextSwitchesPerCall', 0):.2f} | "
      f"{raw['callsPerSecond']:,.0f} | {raw['latencyMicros']['p50']:.0f} | {raw['latencyMicros']['p99']:.0f} |")
PY
    done
done
