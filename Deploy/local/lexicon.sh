#!/usr/bin/env bash
# Installs the generation service's lexicon into DIR (default $LYRICA_DATA/lexicon, or
# ./.lyrica/lexicon) when missing, and prints DIR: the CMU pronouncing dictionary from Debian's
# festlex-cmu (rhymes, syllables) and WordNet from wordnet-base (parts of speech, word frequency,
# related words). Both packages are fetched with `apt-get download` and unpacked with
# `dpkg-deb -x`, so neither festival nor anything else is installed. Point LEXICON_DIR at DIR.
set -euo pipefail
dir=${1:-${LYRICA_DATA:-$PWD/.lyrica}/lexicon}
if [ -f "$dir/cmudict-0.4.out" ] && [ -f "$dir/wordnet/index.noun" ]; then
    echo "$dir"
    exit 0
fi
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"  # apt's download sandbox user writes here
sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd=sudo
echo "Fetching the lexicon (festlex-cmu, wordnet-base)…" >&2
if ! (cd "$work" && apt-get download festlex-cmu wordnet-base >/dev/null 2>&1); then
    $sudo_cmd apt-get update -qq >&2
    (cd "$work" && apt-get download festlex-cmu wordnet-base >&2)
fi
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
cp "$work/root/usr/share/festival/dicts/cmu/cmudict-0.4.out" "$dir/"
mkdir -p "$dir/wordnet"
cp "$work"/root/usr/share/wordnet/{index,data}.{noun,verb,adj,adv} "$work/root/usr/share/wordnet/cntlist.rev" "$dir/wordnet/"
cp "$work/root/usr/share/doc/festlex-cmu/copyright" "$dir/COPYRIGHT.cmudict"
cp "$work/root/usr/share/doc/wordnet-base/copyright" "$dir/COPYRIGHT.wordnet"
echo "$dir"
