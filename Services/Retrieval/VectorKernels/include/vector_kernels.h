// Dot products for the HNSW index, picked once per process for the CPU it runs on: AVX-512,
// AVX2 with FMA, or portable code. Binaries stay portable (no -march) yet use the widest
// registers the machine has, as hnswlib does when built with -march=native.
#ifndef LYRICA_VECTOR_KERNELS_H
#define LYRICA_VECTOR_KERNELS_H

#include <stddef.h>

/// The dot product of `count` floats at `a` and `b` (no alignment needed).
float lyrica_dot(const float *a, const float *b, size_t count);

/// The kernel `lyrica_dot` uses here: "avx512", "avx2-fma" or "portable" (for benchmarks).
const char *lyrica_dot_kernel(void);

/// Every kernel this CPU can run, so tests check each one, not only the one chosen.
typedef enum { LYRICA_DOT_PORTABLE = 0, LYRICA_DOT_AVX2_FMA = 1, LYRICA_DOT_AVX512 = 2 } lyrica_dot_kind;
int lyrica_dot_supported(lyrica_dot_kind kind);
/// The dot product with one particular kernel; 0 for one the CPU cannot run.
float lyrica_dot_with(lyrica_dot_kind kind, const float *a, const float *b, size_t count);

/// Asks for the first cache lines of a vector the search will read next, so the memory latency
/// of a random jump through the graph overlaps the current distance (hnswlib does the same).
static inline void lyrica_prefetch_vector(const float *vector) {
    __builtin_prefetch(vector, 0, 3);
    __builtin_prefetch(vector + 16, 0, 3);
    __builtin_prefetch(vector + 32, 0, 3);
    __builtin_prefetch(vector + 48, 0, 3);
}

#endif
