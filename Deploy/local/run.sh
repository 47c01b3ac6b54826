#!/usr/bin/env bash
# Runs Lyrica locally: installs what is missing, starts the private PostgreSQL and Redis under
# .lyrica-data/ (kept between runs), builds the release binaries and serves what exists so far:
# lyrica-auth on 127.0.0.1:7101 (admin 9101) and the Echo test service on 7100 (admin 9100).
# The other services join here as they land. The auth master secret is made once and kept in
# .lyrica-data/service-master-secret. Ctrl-C stops the services; `Deploy/local/postgres.sh stop`
# and `Deploy/local/redis.sh stop` stop the stores.
set -euo pipefail
cd "$(dirname "$0")/../.."

Deploy/local/dependencies.sh
Deploy/local/postgres.sh start
Deploy/local/redis.sh start
data=${LYRICA_DATA:-$PWD/.lyrica-data}

swift build -c release --product lyrica
swift build -c release --product lyrica-echo
swift build -c release --product lyrica-auth
bin=$(swift build -c release --show-bin-path)

secret_file="$data/service-master-secret"
[ -s "$secret_file" ] || (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=' > "$secret_file")
export SERVICE_MASTER_SECRET
SERVICE_MASTER_SECRET=$(cat "$secret_file")

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null' EXIT INT TERM
"$bin/lyrica-echo" serve --port 7100 --admin-port 9100 &
pids+=($!)
DATABASE_URL=$(Deploy/local/postgres.sh url auth) REDIS_URL=$(Deploy/local/redis.sh url) \
    "$bin/lyrica-auth" serve --port 7101 --admin-port 9101 &
pids+=($!)
for service in echo:7100 auth:7101; do
    for _ in $(seq 1 100); do
        "$bin/lyrica-${service%%:*}" healthcheck --port "${service##*:}" >/dev/null 2>&1 && break
        sleep 0.1
    done
done

auth=/lyrica.auth.v1.AuthService
echo "Serving auth on 127.0.0.1:7101 and echo on 127.0.0.1:7100 (admin: http://127.0.0.1:9101/readyz). Try:"
echo "  $bin/lyrica list 127.0.0.1:7101 lyrica.auth.v1.AuthService"
echo "  $bin/lyrica call 127.0.0.1:7101 $auth/Login -d '{\"login\":\"demo\",\"password\":\"a demo passphrase\"}'"
echo "  $bin/lyrica call 127.0.0.1:7101 $auth/GetMe -H 'authorization: Bearer <accessToken>'"
"$bin/lyrica" call 127.0.0.1:7101 "$auth/Register" \
    -d '{"email":"demo@example.com","username":"demo","password":"a demo passphrase"}' >/dev/null 2>&1 || true
"$bin/lyrica" call 127.0.0.1:7101 "$auth/Login" -d '{"login":"demo","password":"a demo passphrase"}'
wait "${pids[@]}"
