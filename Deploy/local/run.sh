#!/usr/bin/env bash
# Runs Lyrica locally: builds the release binaries and serves the Echo service on 127.0.0.1:7100
# (the RPC runtime's test service; the five Lyrica services join as they land). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

swift build -c release --product lyrica
swift build -c release --product lyrica-echo
bin=$(swift build -c release --show-bin-path)
port=${ECHO_PORT:-7100}

"$bin/lyrica-echo" --port "$port" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 50); do
    "$bin/lyrica" call "127.0.0.1:$port" /lyrica.health.v1.Health/Check --format json >/dev/null 2>&1 && break
    sleep 0.1
done
echo "Serving on 127.0.0.1:$port. Try:"
echo "  $bin/lyrica list 127.0.0.1:$port"
echo "  $bin/lyrica call 127.0.0.1:$port /lyrica.echo.v1.EchoService/Get -d '{\"text\":\"hello\"}'"
"$bin/lyrica" call "127.0.0.1:$port" /lyrica.echo.v1.EchoService/Expand -d '{"text":"every word on its own line"}'
wait $server
