#!/usr/bin/env bash
# The vector index benchmark (release build): build time, memory, single-thread QPS and
# recall@10 against an exact scan at ef 10/50/100/200, and filtered recall and QPS for filters
# passing 2 % and 30 %, beside an exact scan of the passing subset. Default data: 100,000
# deterministic clustered 384-d vectors. Arguments go to VectorBenchmark, e.g.
#   Tests/Benchmarks/vector-bench.sh --count 100000 --queries 500
#   Tests/Benchmarks/vector-bench.sh --base sift_base.fvecs --query sift_query.fvecs
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product VectorBenchmark >&2
"$(swift build -c release --show-bin-path)/VectorBenchmark" "$@"
