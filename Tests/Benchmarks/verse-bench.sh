#!/usr/bin/env bash
# The built-in composer and critic over the 100 fixed prompts (Tests/Benchmarks/VerseBenchmark):
# rhyme accuracy against the requested scheme, mean absolute syllable deviation per line, runs of
# six words copied from the default corpus (the whole of it, not just what a search returns), and
# latency per song (plan, palette, compose, critique, up to three revisions). Arguments go to
# verse-bench (e.g. --show 3 prints three songs).
set -euo pipefail
cd "$(dirname "$0")/../.."
Deploy/local/dependencies.sh
lexicon=$(Deploy/local/lexicon.sh "$PWD/.build/lexicon")
swift build -c release --product VerseBenchmark >&2
"$(swift build -c release --show-bin-path)/VerseBenchmark" --lexicon "$lexicon" "$@"
