#!/usr/bin/env bash
# Runs Lyrica locally: installs what is missing, starts the private PostgreSQL and Redis under
# .lyrica-data/ (kept between runs), builds the release binaries and serves what exists so far:
# lyrica-auth on 127.0.0.1:7101 (admin 9101), lyrica-lyrics on 7102 (admin 9102), lyrica-retrieval
# on 7104 (admin 9104, index snapshot in .lyrica-data/retrieval-index.hnsw), lyrica-generation on
# 7103 (admin 9103, the built-in composer; lexicon in .lyrica-data/lexicon), lyrica-feedback on
# 7105 (admin 9105) and the Echo test service on 7100 (admin 9100). The demo account
# (demo / "moonlit harbour lanterns") holds the admin scope and loads the default corpus (the
# Debian fortunes songs-poems, love and literature) into retrieval. The auth master
# secret is made once and kept in .lyrica-data/service-master-secret. At the end the demo user
# generates a song, streamed agent by agent, and it is printed, then likes and rates it and
# prints its feedback summary. Ctrl-C stops the services;
# `Deploy/local/postgres.sh stop` and `Deploy/local/redis.sh stop` stop the stores.
set -euo pipefail
cd "$(dirname "$0")/../.."

Deploy/local/dependencies.sh
Deploy/local/postgres.sh start
Deploy/local/redis.sh start
data=${LYRICA_DATA:-$PWD/.lyrica-data}
lexicon=$(Deploy/local/lexicon.sh "$data/lexicon")

for product in lyrica lyrica-echo lyrica-auth lyrica-lyrics lyrica-retrieval lyrica-generation lyrica-feedback; do swift build -c release --product "$product"; done
bin=$(swift build -c release --show-bin-path)

secret_file="$data/service-master-secret"
[ -s "$secret_file" ] || (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=' > "$secret_file")
export SERVICE_MASTER_SECRET REDIS_URL
SERVICE_MASTER_SECRET=$(cat "$secret_file")
REDIS_URL=$(Deploy/local/redis.sh url)

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null' EXIT INT TERM
"$bin/lyrica-echo" serve --port 7100 --admin-port 9100 &
pids+=($!)
DATABASE_URL=$(Deploy/local/postgres.sh url auth) "$bin/lyrica-auth" serve --port 7101 --admin-port 9101 &
pids+=($!)
DATABASE_URL=$(Deploy/local/postgres.sh url lyrics) SERVICE_SECRET=$("$bin/lyrica-auth" service-secret lyrics) \
    AUTH_ENDPOINTS=127.0.0.1:7101 "$bin/lyrica-lyrics" serve --port 7102 --admin-port 9102 &
pids+=($!)
DATABASE_URL=$(Deploy/local/postgres.sh url retrieval) SERVICE_SECRET=$("$bin/lyrica-auth" service-secret retrieval) \
    AUTH_ENDPOINTS=127.0.0.1:7101 INDEX_SNAPSHOT_PATH="$data/retrieval-index.hnsw" \
    "$bin/lyrica-retrieval" serve --port 7104 --admin-port 9104 &
pids+=($!)
DATABASE_URL=$(Deploy/local/postgres.sh url generation) SERVICE_SECRET=$("$bin/lyrica-auth" service-secret generation) \
    AUTH_ENDPOINTS=127.0.0.1:7101 LYRICS_ENDPOINTS=127.0.0.1:7102 RETRIEVAL_ENDPOINTS=127.0.0.1:7104 \
    FEEDBACK_ENDPOINTS=127.0.0.1:7105 LEXICON_DIR="$lexicon" "$bin/lyrica-generation" serve --port 7103 --admin-port 9103 &
pids+=($!)
DATABASE_URL=$(Deploy/local/postgres.sh url feedback) SERVICE_SECRET=$("$bin/lyrica-auth" service-secret feedback) \
    AUTH_ENDPOINTS=127.0.0.1:7101 LYRICS_ENDPOINTS=127.0.0.1:7102 "$bin/lyrica-feedback" serve --port 7105 --admin-port 9105 &
pids+=($!)
# Ready means /readyz answers 200: stores and called services reachable, retrieval's index loaded.
for service in echo:9100 auth:9101 lyrics:9102 generation:9103 retrieval:9104 feedback:9105; do
    python3 - "${service%%:*}" "${service##*:}" <<'PY'
import sys, time, urllib.request
name, port = sys.argv[1], sys.argv[2]
for _ in range(1200):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            if answer.status == 200: sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(f"lyrica-{name} is not ready after 2 minutes (see http://127.0.0.1:{port}/readyz)")
PY
done

auth=/lyrica.auth.v1.AuthService
lyrics=/lyrica.lyrics.v1.LyricsService
retrieval=/lyrica.retrieval.v1.RetrievalService
echo "Serving auth on 127.0.0.1:7101, lyrics on 7102, generation on 7103, retrieval on 7104, feedback on 7105 and echo on 7100 (admin: http://127.0.0.1:9103/readyz). Try:"
echo "  $bin/lyrica list 127.0.0.1:7102 lyrica.lyrics.v1.LyricsService"
echo "  $bin/lyrica call 127.0.0.1:7101 $auth/Login -d '{\"login\":\"demo\",\"password\":\"moonlit harbour lanterns\"}'"
echo "  $bin/lyrica call 127.0.0.1:7102 $lyrics/SearchLyrics -H 'authorization: Bearer <accessToken>' -d '{\"query\":\"night\"}'"
"$bin/lyrica" call 127.0.0.1:7101 "$auth/Register" \
    -d '{"email":"demo@example.com","username":"demo","password":"moonlit harbour lanterns"}' >/dev/null 2>&1 || true
DATABASE_URL=$(Deploy/local/postgres.sh url auth) "$bin/lyrica-auth" grant-scope demo admin >/dev/null
token=$("$bin/lyrica" call 127.0.0.1:7101 "$auth/Login" -d '{"login":"demo","password":"moonlit harbour lanterns"}' \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['tokens']['accessToken'])")
echo "Signed in as demo; a song of theirs, found by search:"
"$bin/lyrica" call 127.0.0.1:7102 "$lyrics/CreateLyrics" -H "authorization: Bearer $token" -d '{
  "title": "Harbour Lanterns", "genre": "folk",
  "sections": [{"sectionType": "verse", "content": "Lanterns sway above the quay\nThe tide comes in to carry me"},
               {"sectionType": "chorus", "content": "Oh harbour light, stay on tonight"}]}' >/dev/null
"$bin/lyrica" call 127.0.0.1:7102 "$lyrics/SearchLyrics" -H "authorization: Bearer $token" -d '{"query":"harbour lantern","pageSize":1}'
echo "Loading the default corpus into retrieval:"
"$bin/lyrica" ingest 127.0.0.1:7104 --token "$token"
echo "The corpus passage nearest to 'the sea at night':"
"$bin/lyrica" call 127.0.0.1:7104 "$retrieval/Search" -H "authorization: Bearer $token" -d '{"text":"the sea at night","k":1}'
echo "A song generated by the agents (planner, researcher, writer, critic, refiner, finaliser):"
"$bin/lyrica" call 127.0.0.1:7103 /lyrica.generation.v1.GenerationService/Generate -H "authorization: Bearer $token" \
    -d '{"prompt":"A hopeful song about lanterns on a moonlit harbour","theme":"moonlit harbour","genre":"folk","seed":"7"}' \
    | python3 -c '
import json, sys
text = sys.stdin.read()
decoder, index, events = json.JSONDecoder(), 0, []
while index < len(text):
    while index < len(text) and text[index].isspace(): index += 1
    if index >= len(text): break
    event, index = decoder.raw_decode(text, index)
    events.append(event)
for event in events:
    if "progress" in event and not event["progress"].get("partialText"):
        print("  [%3d%%] %s: %s" % (event["progress"].get("percent", 0), event["progress"]["agent"], event["progress"]["step"]))
song = events[-1].get("finished", {})
print("\n" + song.get("song", {}).get("title", "?"))
for section in song.get("song", {}).get("sections", []):
    print("\n[" + section["type"] + "]")
    for line in section["lines"]: print("  " + line)
print("\nscores:", json.dumps(song.get("scores", {})), " lyrics id:", song.get("lyricsId"))
open(sys.argv[1], "w").write(song.get("lyricsId", ""))
' "$data/last-song-id"
song_id=$(cat "$data/last-song-id")
if [ -n "$song_id" ]; then
    echo "The demo user likes and rates it; its feedback summary:"
    "$bin/lyrica" call 127.0.0.1:7105 /lyrica.feedback.v1.FeedbackService/SubmitFeedback -H "authorization: Bearer $token" \
        -d "{\"lyricsId\":\"$song_id\",\"liked\":true,\"overallRating\":5,\"tags\":{\"tags\":[\"hopeful\"]}}" >/dev/null
    "$bin/lyrica" call 127.0.0.1:7105 /lyrica.feedback.v1.FeedbackService/GetLyricsSummary -H "authorization: Bearer $token" \
        -d "{\"lyricsId\":\"$song_id\"}"
fi
wait "${pids[@]}"
