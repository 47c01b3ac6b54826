#!/usr/bin/env python3
"""hnswlib on the same vectors as VectorBenchmark: build time (one thread) and recall@10 and
queries/s (one thread) at ef 10/50/100/200, cosine, M 16, ef_construction 200.
Usage: hnswlib-compare.py BASE.fvecs QUERY.fvecs"""
import sys, time
import numpy as np
import hnswlib

def fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dimension = raw[0]
    return raw.reshape(-1, dimension + 1)[:, 1:].copy().view(np.float32)

base, queries = fvecs(sys.argv[1]), fvecs(sys.argv[2])
base /= np.linalg.norm(base, axis=1, keepdims=True)
queries /= np.linalg.norm(queries, axis=1, keepdims=True)
truth = np.argsort(-(queries @ base.T), axis=1)[:, :10]

index = hnswlib.Index(space="cosine", dim=base.shape[1])
index.init_index(max_elements=len(base), M=16, ef_construction=200, random_seed=42)
index.set_num_threads(1)
started = time.perf_counter()
index.add_items(base, np.arange(len(base)))
seconds = time.perf_counter() - started
print(f"hnswlib {hnswlib.__version__ if hasattr(hnswlib, '__version__') else ''}: {len(base)} × {base.shape[1]}, "
      f"build {seconds:.1f} s ({len(base) / seconds:.0f} inserts/s, one thread)")
print("| ef | recall@10 | queries/s (1 thread) |\n|---|---|---|")
for ef in (10, 50, 100, 200):
    index.set_ef(ef)
    started = time.perf_counter()
    found = np.array([index.knn_query(q, k=10)[0][0] for q in queries])
    qps = len(queries) / (time.perf_counter() - started)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
    print(f"| {ef} | {recall:.4f} | {qps:.0f} |")
