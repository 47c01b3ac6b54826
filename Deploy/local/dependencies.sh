#!/usr/bin/env bash
# Installs the Debian packages Lyrica builds and runs with, when any is missing:
# libhiredis-dev (Redis client library), libargon2-dev (password hashing), libopenblas-dev (MiniLM's
# matrix products), postgresql, redis-server,
# fortunes (the default retrieval corpus), python3-yaml (the deployment manifests' test reads YAML).
set -euo pipefail
needed=()
[ -f /usr/include/hiredis/hiredis.h ] || needed+=(libhiredis-dev)
[ -f /usr/include/argon2.h ] || needed+=(libargon2-dev)
ls /usr/lib/*/libopenblas.so >/dev/null 2>&1 || needed+=(libopenblas-dev)
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || needed+=(postgresql)
command -v redis-server >/dev/null || needed+=(redis-server)
# The default retrieval corpus: songs, poems, love and literature quotations.
[ -f /usr/share/games/fortunes/songs-poems ] || needed+=(fortunes)
python3 -c 'import yaml' 2>/dev/null || needed+=(python3-yaml)
if [ ${#needed[@]} -gt 0 ]; then
    echo "Installing ${needed[*]} (apt-get)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get update -qq >&2
    $sudo_cmd apt-get install -y -qq "${needed[@]}" >&2
fi
