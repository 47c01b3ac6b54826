#!/usr/bin/env bash
# The feedback benchmark: over RPC with `lyrica bench`, against release builds of lyrica-auth,
# lyrica-lyrics and lyrica-feedback on a private PostgreSQL and Redis. Seeds 100,000 feedback rows
# on 2,000 published songs plus one "hot" song with 5,000, then measures SubmitFeedback (a like and
# an unlike in turn, so every call is a real write with a feedback.changed event; each call
# asks the lyrics service whether the caller may see the song, locks the song's row, upserts, and
# moves popular_lyrics), GetLyricsSummary from the Redis cache and uncached (a second feedback
# server with SUMMARY_CACHE_TTL=0s, aggregating the 5,000 rows every call), and ListPopular.
# Prints a Markdown table (the README's); JSON goes to bench-results/.
# Usage: Tests/Benchmarks/feedback-bench.sh [SECONDS]   (default 10 per row)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
out=bench-results
mkdir -p "$out"
Deploy/local/dependencies.sh

for product in lyrica lyrica-auth lyrica-lyrics lyrica-feedback; do swift build -c release --product "$product" >&2; done
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
export REDIS_URL USER_RATE_LIMIT_PER_MINUTE=10000000 FEEDBACK_WRITES_PER_MINUTE=1000000
REDIS_URL=$(Deploy/local/redis.sh url)
DATABASE_URL=$(Deploy/local/postgres.sh url auth) "$bin/lyrica-auth" serve --port 7193 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-auth 7193
export AUTH_ENDPOINTS=127.0.0.1:7193
DATABASE_URL=$(Deploy/local/postgres.sh url lyrics) SERVICE_SECRET=$("$bin/lyrica-auth" service-secret lyrics) \
    "$bin/lyrica-lyrics" serve --port 7194 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-lyrics 7194
export DATABASE_URL LYRICS_ENDPOINTS=127.0.0.1:7194 SERVICE_SECRET
DATABASE_URL=$(Deploy/local/postgres.sh url feedback)
SERVICE_SECRET=$("$bin/lyrica-auth" service-secret feedback)
"$bin/lyrica-feedback" serve --port 7196 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-feedback 7196
SUMMARY_CACHE_TTL=0s MIGRATE_ON_START=false "$bin/lyrica-feedback" serve --port 7197 --admin-port 0 --log-level warning &
pids+=($!)
wait_for lyrica-feedback 7197

lyrics=/lyrica.lyrics.v1.LyricsService
feedback=/lyrica.feedback.v1.FeedbackService
read -r owner_token owner_id < <(register_user bench_owner)
read -r fan_token _ < <(register_user bench_fan)

# The song SubmitFeedback rates: made, completed and published through the lyrics service.
song=$("$bin/lyrica" call 127.0.0.1:7194 "$lyrics/CreateLyrics" -H "authorization: Bearer $owner_token" -d '{
  "title": "Harbour Lanterns", "genre": "folk", "mood": "hopeful", "status": "COMPLETED",
  "sections": [{"sectionType": "verse", "content": "Lanterns sway above the quay\nThe tide comes in to carry me"}]}' \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['lyrics']['id'])")
"$bin/lyrica" call 127.0.0.1:7194 "$lyrics/PublishLyrics" -H "authorization: Bearer $owner_token" -d "{\"id\":\"$song\"}" >/dev/null
# Its first feedback makes the feedback service know it; the seed then adds 5,000 others' to it.
"$bin/lyrica" call 127.0.0.1:7196 "$feedback/SubmitFeedback" -H "authorization: Bearer $fan_token" \
    -d "{\"lyricsId\":\"$song\",\"liked\":true}" >/dev/null

echo "Seeding 105,000 feedback rows…" >&2
PGPASSWORD=lyrica_feedback psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U lyrica_feedback lyrica_feedback <<SQL
INSERT INTO feedback.lyrics_info (lyrics_id, owner_id, title, genre, mood, is_public, version)
SELECT gen_random_uuid(), '$owner_id'::uuid, 'Seeded ' || g, (ARRAY['pop','rock','folk','ballad'])[1 + g % 4],
       (ARRAY['happy','sad','calm','hopeful'])[1 + g % 4], true, 1
FROM generate_series(1, 2000) AS g;
INSERT INTO feedback.user_feedback (user_id, lyrics_id, overall_rating, quality_rating, tags, is_liked, is_saved, updated_at)
SELECT gen_random_uuid(), i.lyrics_id, 1 + (random() * 4)::int, 1 + (random() * 4)::int,
       CASE (random() * 2)::int WHEN 0 THEN ARRAY['catchy'] WHEN 1 THEN ARRAY['warm','slow'] ELSE ARRAY[]::text[] END,
       random() < 0.4, random() < 0.1, now() - random() * interval '10 days'
FROM feedback.lyrics_info i, generate_series(1, 50)
WHERE i.lyrics_id <> '$song'::uuid;
INSERT INTO feedback.user_feedback (user_id, lyrics_id, overall_rating, creativity_rating, comment, tags, is_liked)
SELECT gen_random_uuid(), '$song'::uuid, 1 + (random() * 4)::int, 1 + (random() * 4)::int,
       CASE WHEN g % 7 = 0 THEN 'lovely' END, ARRAY['catchy','sea'], random() < 0.5
FROM generate_series(1, 5000) AS g;
UPDATE feedback.lyrics_info i SET feedback_version = feedback_version + 1,
    like_count = (SELECT count(*) FILTER (WHERE f.is_liked) FROM feedback.user_feedback f WHERE f.lyrics_id = i.lyrics_id),
    rating_count = (SELECT count(f.overall_rating) FROM feedback.user_feedback f WHERE f.lyrics_id = i.lyrics_id),
    rating_sum = (SELECT coalesce(sum(f.overall_rating), 0) FROM feedback.user_feedback f WHERE f.lyrics_id = i.lyrics_id);
ANALYZE feedback.user_feedback;
ANALYZE feedback.lyrics_info;
SQL
# The seed bypassed the service: rebuild popular_lyrics from PostgreSQL.
redis-cli -p "$REDIS_PORT" DEL popular_lyrics:built >/dev/null

printf '| call | calls/s | p50 ms | p90 ms | p99 ms | statuses |\n|---|---|---|---|---|---|\n'
# A like and an unlike in turn: every call changes the feedback, the song's like count, the
# popular set, and sends feedback.changed through the outbox (no call is a write of nothing).
submit="{\"lyricsId\":\"$song\",\"liked\":true,\"overallRating\":4,\"tags\":{\"tags\":[\"warm\"]}}
{\"lyricsId\":\"$song\",\"liked\":false,\"overallRating\":2,\"tags\":{\"tags\":[\"slow\"]}}"
bench_row feedback "SubmitFeedback (like, unlike in turn), 1 in flight" 7196 "$fan_token" "$feedback/SubmitFeedback" -d "$submit" --concurrency 1
bench_row feedback "SubmitFeedback (like, unlike in turn), 16 in flight (one song)" 7196 "$fan_token" "$feedback/SubmitFeedback" -d "$submit" --concurrency 16
bench_row feedback "GetLyricsSummary cached, 1 in flight" 7196 "$fan_token" "$feedback/GetLyricsSummary" -d "{\"lyricsId\":\"$song\"}" --concurrency 1
bench_row feedback "GetLyricsSummary cached, 32 in flight" 7196 "$fan_token" "$feedback/GetLyricsSummary" -d "{\"lyricsId\":\"$song\"}" --concurrency 32
bench_row feedback "GetLyricsSummary uncached (5,001 rows), 1 in flight" 7197 "$fan_token" "$feedback/GetLyricsSummary" -d "{\"lyricsId\":\"$song\"}" --concurrency 1
bench_row feedback "GetLyricsSummary uncached (5,001 rows), 32 in flight" 7197 "$fan_token" "$feedback/GetLyricsSummary" -d "{\"lyricsId\":\"$song\"}" --concurrency 32
bench_row feedback "ListPopular (20 of 2,001), 32 in flight" 7196 "$fan_token" "$feedback/ListPopular" -d '{"pageSize":20}' --concurrency 32
