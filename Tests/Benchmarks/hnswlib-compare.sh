#!/usr/bin/env bash
# Our HNSW index and hnswlib (pip) on exactly the same vectors, one thread each: the clustered
# 384-d data of vector-bench.sh, exported as .fvecs. Arguments: COUNT QUERIES (default 100000 300).
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000}
queries=${2:-300}
python3 -c "import hnswlib" 2>/dev/null || pip install --quiet hnswlib numpy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product VectorBenchmark >&2
bench="$(swift build -c release --show-bin-path)/VectorBenchmark"
"$bench" --count "$count" --queries "$queries" --export "$work" >&2
echo "## Lyrica VectorIndex"
"$bench" --base "$work/base.fvecs" --query "$work/query.fvecs" --queries "$queries"
echo
echo "## hnswlib"
python3 Tests/Benchmarks/hnswlib-compare.py "$work/base.fvecs" "$work/query.fvecs"
