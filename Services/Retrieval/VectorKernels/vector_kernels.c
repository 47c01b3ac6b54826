#include "vector_kernels.h"

typedef float (*dot_function)(const float *, const float *, size_t);

static float dot_portable(const float *a, const float *b, size_t count) {
    // Four running sums let the compiler keep several multiply-adds in flight.
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < count; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static float dot_avx512(const float *a, const float *b, size_t count) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= count; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < count; i++) sum += a[i] * b[i];
    return sum;
}

__attribute__((target("avx2,fma")))
static float dot_avx2(const float *a, const float *b, size_t count) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= count; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    __m256 s = _mm256_add_ps(s0, s1);
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    half = _mm_add_ss(half, _mm_movehdup_ps(half));
    float sum = _mm_cvtss_f32(half);
    for (; i < count; i++) sum += a[i] * b[i];
    return sum;
}
#endif

static int supported(lyrica_dot_kind kind) {
    switch (kind) {
    case LYRICA_DOT_PORTABLE: return 1;
#if defined(__x86_64__)
    case LYRICA_DOT_AVX2_FMA: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case LYRICA_DOT_AVX512: return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

static dot_function function(lyrica_dot_kind kind) {
    switch (kind) {
#if defined(__x86_64__)
    case LYRICA_DOT_AVX2_FMA: return dot_avx2;
    case LYRICA_DOT_AVX512: return dot_avx512;
#endif
    default: return dot_portable;
    }
}

static dot_function chosen_dot = dot_portable;
static const char *chosen_name = "portable";

// Runs when the binary loads, before any Swift code, so no call ever races the choice.
__attribute__((constructor))
static void choose_kernels(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
#endif
    if (supported(LYRICA_DOT_AVX512)) {
        chosen_dot = function(LYRICA_DOT_AVX512);
        chosen_name = "avx512";
    } else if (supported(LYRICA_DOT_AVX2_FMA)) {
        chosen_dot = function(LYRICA_DOT_AVX2_FMA);
        chosen_name = "avx2-fma";
    }
}

float lyrica_dot(const float *a, const float *b, size_t count) { return chosen_dot(a, b, count); }

const char *lyrica_dot_kernel(void) { return chosen_name; }

int lyrica_dot_supported(lyrica_dot_kind kind) { return supported(kind); }

float lyrica_dot_with(lyrica_dot_kind kind, const float *a, const float *b, size_t count) {
    return supported(kind) ? function(kind)(a, b, count) : 0;
}
