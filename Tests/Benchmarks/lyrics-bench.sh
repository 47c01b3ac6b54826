#!/usr/bin/env bash
# The lyrics benchmark: seeds 100,000 songs, then measures over RPC with `lyrica bench` against
# release builds of lyrica-auth and lyrica-lyrics on a private PostgreSQL and Redis: SearchLyrics,
# and GetLyrics cached (Redis) and uncached (a second lyrics server with LYRICS_CACHE_TTL=0s).
# Prints a Markdown table (the README's); JSON goes to bench-results/.
# Usage: Tests/Benchmarks/lyrics-bench.sh [SECONDS] [ROWS]   (defaults 10 per row, 100000 songs)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
rows=${2:-100000}
out=bench-results
mkdir -p "$out"
Deploy/local/dependencies.sh

for product in lyrica lyrica-auth lyrica-lyrics; do swift build -c release --product "$product" >&2; done
bin=$(swift build -c release --show-bin-path)

pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    private_stores_stop
}
trap cleanup EXIT
source Deploy/local/private-stores.sh
source Tests/Benchmarks/bench-support.sh

export SERVICE_MASTER_SECRET=benchmark-master-secret-0123456789abcdefghij
export REDIS_URL USER_RATE_LIMIT_PER_MINUTE=10000000
REDIS_URL=$(Deploy/local/redis.sh url)
lyrics_secret=$("$bin/lyrica-auth" service-secret lyrics)
DATABASE_URL=$(Deploy/local/postgres.sh url auth) "$bin/lyrica-auth" serve --port 7193 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-auth 7193
export AUTH_ENDPOINTS=127.0.0.1:7193 SERVICE_SECRET=$lyrics_secret DATABASE_URL
DATABASE_URL=$(Deploy/local/postgres.sh url lyrics)
"$bin/lyrica-lyrics" serve --port 7194 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-lyrics 7194
LYRICS_CACHE_TTL=0s MIGRATE_ON_START=false "$bin/lyrica-lyrics" serve --port 7195 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-lyrics 7195

lyrics=/lyrica.lyrics.v1.LyricsService
read -r owner_token owner_id < <(register_user bench_owner)
read -r reader_token _ < <(register_user bench_reader)

# One song made the normal way (sections, revision), completed and published: the GetLyrics target.
song=$("$bin/lyrica" call 127.0.0.1:7194 "$lyrics/CreateLyrics" -H "authorization: Bearer $owner_token" -d '{
  "title": "Midnight Serenade", "genre": "ballad", "status": "COMPLETED",
  "sections": [{"sectionType": "verse", "content": "Under the silver moon we sway\nWhispers of love that will not stay"},
               {"sectionType": "chorus", "content": "Midnight serenade, sing it low\nHold me close and never go"}]}' \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['lyrics']['id'])")
"$bin/lyrica" call 127.0.0.1:7194 "$lyrics/PublishLyrics" -H "authorization: Bearer $owner_token" -d "{\"id\":\"$song\"}" >/dev/null

echo "Seeding $rows songs…" >&2
PGPASSWORD=lyrica_lyrics psql -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U lyrica_lyrics lyrica_lyrics <<SQL
WITH vocabulary AS (SELECT ARRAY[
  'love','heart','night','light','dream','fire','rain','road','home','time','soul','sky','star','moon','sun','river',
  'ocean','wind','summer','winter','city','street','dance','song','tears','smile','kiss','hold','fall','rise','run',
  'stay','gone','forever','never','always','tonight','morning','evening','shadow','golden','silver','broken','wild',
  'free','lost','found','burn','shine','fade','whisper','scream','echo','memory','window','door','train','highway',
  'midnight','thunder','lightning','storm','calm','ghost','angel','devil','heaven','hell','paradise','desert','mountain',
  'valley','garden','rose','thorn','blood','bone','stone','glass','mirror','secret','promise','lie','truth','hope',
  'fear','pride','grace','mercy','faith','wonder','echoes','bridge','harbor','lighthouse','island','sailor','captain',
  'wanderer','stranger','lover','friend','enemy','king','queen','crown','throne','empire','kingdom','battle','war',
  'peace','freedom','chains','wings','feathers','sparrow','raven','wolf','lion','horses','canyon','prairie','neon',
  'radio','guitar','piano','drum','melody','harmony','rhythm','chorus','verse','serenade','lullaby','anthem','ballad'
] AS words)
INSERT INTO lyrics.lyrics (user_id, title, content, genre, mood, language, status, is_public, published_at, created_at, structure)
SELECT CASE WHEN g % 10 = 0 THEN '$owner_id'::uuid ELSE gen_random_uuid() END,
       initcap(words[1 + floor(random() * 150)::int] || ' ' || words[1 + floor(random() * 150)::int]),
       (SELECT string_agg(words[1 + floor(random() * 150)::int], CASE WHEN i % 8 = 0 THEN E'\n' ELSE ' ' END)
          FROM generate_series(1, 60 + g % 40 + 0 * g) AS i),
       (ARRAY['pop','rock','folk','ballad','country','hip-hop','jazz','blues'])[1 + g % 8],
       (ARRAY['happy','sad','calm','angry','hopeful','nostalgic'])[1 + g % 6],
       'en',
       CASE WHEN g % 5 < 3 THEN 'published' ELSE 'draft' END,
       g % 5 < 3,
       CASE WHEN g % 5 < 3 THEN now() - (g || ' seconds')::interval END,
       now() - (g || ' seconds')::interval,
       '{"sections":["verse","chorus"]}'
FROM generate_series(1, $rows) AS g, vocabulary;
ANALYZE lyrics.lyrics;
SQL


printf '| call (%s songs) | calls/s | p50 ms | p90 ms | p99 ms | statuses |\n|---|---|---|---|---|---|\n' "$rows"
bench_row lyrics "SearchLyrics \"midnight love\", 1 in flight" 7194 "$reader_token" "$lyrics/SearchLyrics" -d '{"query":"midnight love"}' --concurrency 1
bench_row lyrics "SearchLyrics \"midnight love\", 8 in flight" 7194 "$reader_token" "$lyrics/SearchLyrics" -d '{"query":"midnight love"}' --concurrency 8
bench_row lyrics "SearchLyrics \"serenad\" (fuzzy title), 8 in flight" 7194 "$reader_token" "$lyrics/SearchLyrics" -d '{"query":"midnite serenade"}' --concurrency 8
bench_row lyrics "GetLyrics cached, 1 in flight" 7194 "$reader_token" "$lyrics/GetLyrics" -d "{\"id\":\"$song\"}" --concurrency 1
bench_row lyrics "GetLyrics cached, 32 in flight" 7194 "$reader_token" "$lyrics/GetLyrics" -d "{\"id\":\"$song\"}" --concurrency 32
bench_row lyrics "GetLyrics uncached, 1 in flight" 7195 "$reader_token" "$lyrics/GetLyrics" -d "{\"id\":\"$song\"}" --concurrency 1
bench_row lyrics "GetLyrics uncached, 32 in flight" 7195 "$reader_token" "$lyrics/GetLyrics" -d "{\"id\":\"$song\"}" --concurrency 32
