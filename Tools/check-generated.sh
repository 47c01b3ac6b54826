#!/usr/bin/env bash
# Fails if the committed generated code differs from what Tools/generate-protos.sh makes now.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/generate-protos.sh
git diff --exit-code -- Shared/LyricaRPC/Generated Shared/LyricaProtos
test -z "$(git status --porcelain -- Shared/LyricaRPC/Generated Shared/LyricaProtos)"
