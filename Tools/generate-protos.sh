#!/usr/bin/env bash
# Regenerates every generated Swift file from Protos/: messages with protoc-gen-swift, service
# stubs with our protoc-gen-lyrica. Needs protoc (Debian: protobuf-compiler); builds both plugins
# once in Tools/protoc-gen-lyrica. Generated code is committed, so a normal build needs neither.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v protoc >/dev/null; then
    echo "protoc is missing: apt-get install -y protobuf-compiler" >&2
    exit 1
fi
plugins=Tools/protoc-gen-lyrica
swift build -c release --package-path "$plugins" --product protoc-gen-swift >&2
swift build -c release --package-path "$plugins" --product protoc-gen-lyrica >&2
bin=$(swift build -c release --package-path "$plugins" --show-bin-path)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The runtime's own protos (wire frames, health, reflection) live inside LyricaRPC.
runtime_protos=(lyrica/rpc/v1/frames.proto lyrica/health/v1/health.proto lyrica/reflection/v1/reflection.proto)
# Every other proto (services) goes to LyricaProtos.
mapfile -t service_protos < <(cd Protos && find lyrica -name '*.proto' | sort | grep -v -e '^lyrica/rpc/' -e '^lyrica/health/' -e '^lyrica/reflection/')

generate_messages() {
    local out=$1; shift
    rm -f "$out"/*.pb.swift
    protoc --plugin=protoc-gen-swift="$bin/protoc-gen-swift" -I Protos \
        --swift_opt=Visibility=Package --swift_opt=FileNaming=PathToUnderscores --swift_opt=UseAccessLevelOnImports=true \
        --swift_out="$out" "$@"
}

generate_messages Shared/LyricaRPC/Generated "${runtime_protos[@]}"
generate_messages Shared/LyricaProtos "${service_protos[@]}"

# One descriptor set with source info (for doc comments) covering everything.
protoc -I Protos --include_imports --include_source_info --descriptor_set_out="$work/all.pb" \
    "${runtime_protos[@]}" "${service_protos[@]}"
rm -f Shared/LyricaRPC/Generated/*.lyrica.swift Shared/LyricaProtos/*.lyrica.swift
"$bin/protoc-gen-lyrica" "$work/all.pb" Shared/LyricaRPC/Generated --runtime-module \
    --only lyrica/health/v1/health.proto lyrica/reflection/v1/reflection.proto
"$bin/protoc-gen-lyrica" "$work/all.pb" Shared/LyricaProtos --catalog --only "${service_protos[@]}"
echo "Generated: $(ls Shared/LyricaRPC/Generated Shared/LyricaProtos | grep -c swift) files" >&2
