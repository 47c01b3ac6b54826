#!/usr/bin/env bash
# Runs Lyrica locally: installs what is missing, starts the private PostgreSQL and Redis under
# .lyrica-data/ (kept between runs), builds the release binaries and serves the Echo service on
# 127.0.0.1:7100 (admin port 9100). The five Lyrica services join here as they land. Ctrl-C stops
# the services; `Deploy/local/postgres.sh stop` and `Deploy/local/redis.sh stop` stop the stores.
set -euo pipefail
cd "$(dirname "$0")/../.."

Deploy/local/dependencies.sh
Deploy/local/postgres.sh start
Deploy/local/redis.sh start

swift build -c release --product lyrica
swift build -c release --product lyrica-echo
bin=$(swift build -c release --show-bin-path)
port=${ECHO_PORT:-7100}

"$bin/lyrica-echo" serve --port "$port" --admin-port "${ECHO_ADMIN_PORT:-9100}" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 50); do
    "$bin/lyrica-echo" healthcheck --port "$port" >/dev/null 2>&1 && break
    sleep 0.1
done
echo "Serving on 127.0.0.1:$port (admin: http://127.0.0.1:${ECHO_ADMIN_PORT:-9100}/readyz). Try:"
echo "  $bin/lyrica list 127.0.0.1:$port"
echo "  $bin/lyrica call 127.0.0.1:$port /lyrica.echo.v1.EchoService/Get -d '{\"text\":\"hello\"}'"
"$bin/lyrica" call "127.0.0.1:$port" /lyrica.echo.v1.EchoService/Expand -d '{"text":"every word on its own line"}'
wait $server
