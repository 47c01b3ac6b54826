#!/usr/bin/env python3
"""Writes N deterministic synthetic corpus documents as JSONL (lyrica.retrieval.v1.Document JSON):
each document is about one of 50 themes (mostly that theme's words, some shared words), with a
genre (8), a year (1950-2024) and a tag `batch-<n % 50>` (each tag matches 2% of documents).
Usage: corpus-gen.py COUNT > corpus.jsonl"""
import json, random, sys

count = int(sys.argv[1])
rng = random.Random(7)
common = ("love heart night light dream fire rain road home time soul sky star moon sun river ocean wind summer winter "
          "city street dance song tears smile kiss hold fall rise run stay gone forever never always tonight morning").split()
themes = []
for t in range(50):
    words = [f"{rng.choice('bcdfghklmnprstvw')}{rng.choice('aeiou')}{rng.choice('lnrst')}{rng.choice('aeiou')}{rng.choice('dkmnrst')}" for _ in range(30)]
    themes.append(words)
genres = ["pop", "rock", "folk", "ballad", "country", "hip-hop", "jazz", "blues"]
for n in range(count):
    theme = n % 50 if n % 3 else rng.randrange(50)
    words = [rng.choice(themes[theme]) if rng.random() < 0.6 else rng.choice(common) for _ in range(40 + n % 30)]
    lines = [" ".join(words[i:i + 8]) for i in range(0, len(words), 8)]
    print(json.dumps({
        "externalId": f"bench:{n}",
        "title": " ".join(words[:3]).title(),
        "content": "\n".join(lines),
        "genre": genres[n % 8],
        "year": 1950 + (n * 7919) % 75,
        "tags": [f"batch-{(n * 31) % 50}", f"theme-{theme}"],
        "source": "bench",
    }))
