#!/usr/bin/env bash
# Runs Lyrica locally, everything on loopback: installs what is missing, starts PostgreSQL and
# Redis under .lyrica-data/ (kept between runs), builds the release binaries, migrates and starts
# the five services as separate background processes — lyrica-auth 7101, lyrica-lyrics 7102,
# lyrica-generation 7103 (the built-in composer; lexicon in .lyrica-data/lexicon),
# lyrica-retrieval 7104 (all-MiniLM-L6-v2 embeddings from .lyrica-data/minilm, index snapshot in
# .lyrica-data/retrieval-index.hnsw), lyrica-feedback
# 7105, admin ports 9101–9105 — plus the Echo test service on 7100 (admin 9100), each logging to
# .lyrica-data/logs/<service>.log. Then, with the `lyrica` CLI (signed in through
# .lyrica-data/cli-config.json), the demo account (demo / "moonlit harbour lanterns", granted the
# admin scope) loads the default corpus (the Debian fortunes songs-poems, love and literature)
# into retrieval, generates a song (live progress, then the song), rates and likes it and shows it
# with its feedback. The services stay up until `Deploy/local/run.sh stop`, which stops them and
# the stores. The auth master secret is made once and kept in .lyrica-data/service-master-secret.
#
# Usage: Deploy/local/run.sh [start|stop|status]      (LYRICA_DATA moves the data folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${LYRICA_DATA:-$PWD/.lyrica-data}
export LYRICA_DATA=$data
services=(echo:7100 auth:7101 lyrics:7102 generation:7103 retrieval:7104 feedback:7105)

running() { [ -s "$data/run/$1.pid" ] && kill -0 "$(cat "$data/run/$1.pid")" 2>/dev/null; }

stop() {
    for entry in "${services[@]}"; do
        name=${entry%%:*}
        if running "$name"; then
            pid=$(cat "$data/run/$name.pid")
            kill -TERM "$pid"
            for _ in $(seq 1 350); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
            echo "Stopped lyrica-$name"
        fi
        rm -f "$data/run/$name.pid"
    done
    Deploy/local/redis.sh stop || true
    Deploy/local/postgres.sh stop || true
}

status() {
    for entry in "${services[@]}"; do
        name=${entry%%:*}
        port=${entry##*:}
        if running "$name"; then
            echo "lyrica-$name  pid $(cat "$data/run/$name.pid")  127.0.0.1:$port  admin http://127.0.0.1:$((port + 2000))/readyz  log $data/logs/$name.log"
        else
            echo "lyrica-$name  stopped"
        fi
    done
}

case "${1:-start}" in
    stop) stop; exit 0 ;;
    status) status; exit 0 ;;
    start) ;;
    *) echo "usage: Deploy/local/run.sh [start|stop|status]" >&2; exit 2 ;;
esac

Deploy/local/dependencies.sh
Deploy/local/postgres.sh start
Deploy/local/redis.sh start
lexicon=$(Deploy/local/lexicon.sh "$data/lexicon")
minilm=$(Deploy/local/minilm.sh "$data/minilm")

for product in lyrica lyrica-echo lyrica-auth lyrica-lyrics lyrica-retrieval lyrica-generation lyrica-feedback; do
    swift build -c release --product "$product"
done
bin=$(swift build -c release --show-bin-path)
mkdir -p "$data/logs" "$data/run"

secret_file="$data/service-master-secret"
[ -s "$secret_file" ] || (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=' > "$secret_file")
SERVICE_MASTER_SECRET=$(cat "$secret_file")
REDIS_URL=$(Deploy/local/redis.sh url)
endpoints="AUTH_ENDPOINTS=127.0.0.1:7101 LYRICS_ENDPOINTS=127.0.0.1:7102 GENERATION_ENDPOINTS=127.0.0.1:7103"
endpoints+=" RETRIEVAL_ENDPOINTS=127.0.0.1:7104 FEEDBACK_ENDPOINTS=127.0.0.1:7105"

# launch NAME PORT [VARIABLE=VALUE…]: one service in the background with its own environment
# (as a deployment would give it), migrated on start, logging to logs/NAME.log.
launch() {
    local name=$1 port=$2
    shift 2
    if running "$name"; then
        echo "lyrica-$name is already running (pid $(cat "$data/run/$name.pid"))"
        return
    fi
    # shellcheck disable=SC2086
    env REDIS_URL="$REDIS_URL" $endpoints "$@" nohup "$bin/lyrica-$name" serve --port "$port" --admin-port $((port + 2000)) \
        >> "$data/logs/$name.log" 2>&1 < /dev/null &
    echo $! > "$data/run/$name.pid"
}

secret() { SERVICE_MASTER_SECRET=$SERVICE_MASTER_SECRET "$bin/lyrica-auth" service-secret "$1"; }
database() { Deploy/local/postgres.sh url "$1"; }
launch echo 7100
launch auth 7101 DATABASE_URL="$(database auth)" SERVICE_MASTER_SECRET="$SERVICE_MASTER_SECRET"
launch lyrics 7102 DATABASE_URL="$(database lyrics)" SERVICE_SECRET="$(secret lyrics)"
launch retrieval 7104 DATABASE_URL="$(database retrieval)" SERVICE_SECRET="$(secret retrieval)" \
    INDEX_SNAPSHOT_PATH="$data/retrieval-index.hnsw" MINILM_DIR="$minilm"
launch generation 7103 DATABASE_URL="$(database generation)" SERVICE_SECRET="$(secret generation)" LEXICON_DIR="$lexicon"
launch feedback 7105 DATABASE_URL="$(database feedback)" SERVICE_SECRET="$(secret feedback)"

# Ready means /readyz answers 200: stores and called services reachable, retrieval's index loaded.
for entry in "${services[@]}"; do
    python3 - "${entry%%:*}" $((${entry##*:} + 2000)) "$data/logs" <<'PY'
import sys, time, urllib.request
name, port, logs = sys.argv[1], sys.argv[2], sys.argv[3]
for _ in range(1200):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            if answer.status == 200: sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(f"lyrica-{name} is not ready after 2 minutes: see {logs}/{name}.log and http://127.0.0.1:{port}/readyz")
PY
done
status

# The demo, through the CLI as a person would use it.
export LYRICA_CONFIG="$data/cli-config.json"
lyrica() { "$bin/lyrica" "$@"; }
password="moonlit harbour lanterns"
echo "$password" | lyrica register --username demo --email demo@example.com --password-stdin >/dev/null 2>&1 || true
DATABASE_URL=$(database auth) "$bin/lyrica-auth" grant-scope demo admin >/dev/null
echo "$password" | lyrica login demo --password-stdin   # scopes apply from a new sign-in
echo "Loading the default corpus into retrieval:"
lyrica corpus ingest
echo "The corpus passage nearest to 'the sea at night':"
lyrica search --corpus "the sea at night" --limit 1
echo "A song written by the agents (planner, researcher, writer, critic, refiner, finaliser):"
lyrica generate "A hopeful song about lanterns on a moonlit harbour" --theme "moonlit harbour" --genre folk --seed 7
song=$(lyrica history --json --page-size 1 | python3 -c "import json,sys; print(json.load(sys.stdin)['generations'][0].get('lyricsId',''))")
if [ -n "$song" ]; then
    lyrica rate "$song" --overall 5 --tag hopeful
    lyrica like "$song"
    lyrica songs show "$song" | tail -3
fi
cat <<EOF

Lyrica is running; logs in $data/logs. Try, as demo (signed in through $LYRICA_CONFIG):
  LYRICA_CONFIG=$LYRICA_CONFIG $bin/lyrica generate "a song about the first snow" --genre pop
  LYRICA_CONFIG=$LYRICA_CONFIG $bin/lyrica songs list
  $bin/lyrica list 127.0.0.1:7102 lyrica.lyrics.v1.LyricsService
Stop everything with: Deploy/local/run.sh stop
EOF
