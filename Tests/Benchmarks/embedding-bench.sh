#!/usr/bin/env bash
# all-MiniLM-L6-v2 in Swift (Tests/Benchmarks/EmbeddingBenchmark): sentences per second one at a
# time and in batches of 32, latency p50/p99, and recall@5 on our labelled set against the
# hashing embedder. Fetches the weights when missing (Deploy/local/minilm.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
Deploy/local/dependencies.sh
minilm=$(Deploy/local/minilm.sh "$PWD/.build/minilm")
swift build -c release --product EmbeddingBenchmark >&2
"$(swift build -c release --show-bin-path)/EmbeddingBenchmark" --minilm "$minilm" "$@"
