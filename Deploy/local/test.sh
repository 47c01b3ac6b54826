#!/usr/bin/env bash
# Runs every test: builds the package and its tests, then `swift test` (Swift Testing).
# Installs what the tests need when it is missing (nothing beyond Swift so far).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v swift >/dev/null; then
    echo "Swift is missing: install the Swift toolchain (6.1 or later) first." >&2
    exit 1
fi

jobs=$(nproc 2>/dev/null || echo 2)
swift build --build-tests -j "$jobs"
swift test --skip-build --disable-xctest "$@"
