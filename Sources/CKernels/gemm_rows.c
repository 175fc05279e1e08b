// The product of a few rows with a B stored [k, n] (see CKernels.h, `tandem_sgemm_rows`): a dense
// layer's forward pass at inference, x W^T with W^T transposed once at load. Every C element is one
// float accumulator over p = 0..<k in order, acc = fma(a, b, acc) from 0, exactly as in
// `tandem_sgemm` (gemm.c), so the two give the same bits; the plain level does the same with fmaf.
// Each row keeps up to 8 vectors of C in registers (128 columns with AVX-512F, 64 with AVX2) while
// it runs over k once: no panel is packed, B's rows are read in place.
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define FORCE_INLINE inline __attribute__((always_inline))

/// C row c[0..<nr] (nr <= 16) for A row a, columns b + j of B's rows (stride n).
static void rows_plain(const float *a, const float *b, float *c, ptrdiff_t n, ptrdiff_t k, ptrdiff_t nr) {
    float acc[16];
    for (ptrdiff_t j = 0; j < nr; j++) acc[j] = 0;
    for (ptrdiff_t p = 0; p < k; p++) {
        float av = a[p];
        const float *bp = b + p * n;
        for (ptrdiff_t j = 0; j < nr; j++) acc[j] = fmaf(av, bp[j], acc[j]);
    }
    for (ptrdiff_t j = 0; j < nr; j++) c[j] = acc[j];
}

#if defined(__x86_64__)
/// NV vectors of 16 columns (the last masked by `tail`) of one C row, over all of k.
__attribute__((target("avx512f")))
static FORCE_INLINE void rows_avx512(const float *a, const float *b, float *c, ptrdiff_t n, ptrdiff_t k, const int NV,
                                     __mmask16 tail) {
    __m512 acc[8];
    for (int v = 0; v < NV; v++) acc[v] = _mm512_setzero_ps();
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *bp = b + p * n;
        __m512 av = _mm512_set1_ps(a[p]);
        for (int v = 0; v < NV; v++) {
            __m512 bv = v == NV - 1 ? _mm512_maskz_loadu_ps(tail, bp + 16 * v) : _mm512_loadu_ps(bp + 16 * v);
            acc[v] = _mm512_fmadd_ps(av, bv, acc[v]);
        }
    }
    for (int v = 0; v < NV - 1; v++) _mm512_storeu_ps(c + 16 * v, acc[v]);
    _mm512_mask_storeu_ps(c + 16 * (NV - 1), tail, acc[NV - 1]);
}

/// One row's columns j0..<j0+nr (nr <= 128), the vector count made a constant for the compiler.
__attribute__((target("avx512f")))
static void rows_avx512_any(const float *a, const float *b, float *c, ptrdiff_t n, ptrdiff_t k, ptrdiff_t nr) {
    int nv = (int)((nr + 15) / 16);
    ptrdiff_t last = nr - 16 * (nv - 1);
    __mmask16 tail = last >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << last) - 1);
    switch (nv) {
    case 8: rows_avx512(a, b, c, n, k, 8, tail); return;
    case 7: rows_avx512(a, b, c, n, k, 7, tail); return;
    case 6: rows_avx512(a, b, c, n, k, 6, tail); return;
    case 5: rows_avx512(a, b, c, n, k, 5, tail); return;
    case 4: rows_avx512(a, b, c, n, k, 4, tail); return;
    case 3: rows_avx512(a, b, c, n, k, 3, tail); return;
    case 2: rows_avx512(a, b, c, n, k, 2, tail); return;
    default: rows_avx512(a, b, c, n, k, 1, tail); return;
    }
}

/// NV vectors of 8 columns (the last masked by `tail`) of one C row, over all of k.
__attribute__((target("avx2,fma")))
static FORCE_INLINE void rows_avx2(const float *a, const float *b, float *c, ptrdiff_t n, ptrdiff_t k, const int NV,
                                   __m256i tail) {
    __m256 acc[8];
    for (int v = 0; v < NV; v++) acc[v] = _mm256_setzero_ps();
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *bp = b + p * n;
        __m256 av = _mm256_broadcast_ss(a + p);
        for (int v = 0; v < NV; v++) {
            __m256 bv = v == NV - 1 ? _mm256_maskload_ps(bp + 8 * v, tail) : _mm256_loadu_ps(bp + 8 * v);
            acc[v] = _mm256_fmadd_ps(av, bv, acc[v]);
        }
    }
    for (int v = 0; v < NV - 1; v++) _mm256_storeu_ps(c + 8 * v, acc[v]);
    _mm256_maskstore_ps(c + 8 * (NV - 1), tail, acc[NV - 1]);
}

/// One row's columns j0..<j0+nr (nr <= 64), the vector count made a constant for the compiler.
__attribute__((target("avx2,fma")))
static void rows_avx2_any(const float *a, const float *b, float *c, ptrdiff_t n, ptrdiff_t k, ptrdiff_t nr) {
    int nv = (int)((nr + 7) / 8);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(nr - 8 * (nv - 1))), lanes);
    switch (nv) {
    case 8: rows_avx2(a, b, c, n, k, 8, tail); return;
    case 7: rows_avx2(a, b, c, n, k, 7, tail); return;
    case 6: rows_avx2(a, b, c, n, k, 6, tail); return;
    case 5: rows_avx2(a, b, c, n, k, 5, tail); return;
    case 4: rows_avx2(a, b, c, n, k, 4, tail); return;
    case 3: rows_avx2(a, b, c, n, k, 3, tail); return;
    case 2: rows_avx2(a, b, c, n, k, 2, tail); return;
    default: rows_avx2(a, b, c, n, k, 1, tail); return;
    }
}
#endif

int tandem_sgemm_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, const float *b, float *c) {
    if (m < 0 || n < 0 || k < 0) return -1;
    int level = 0;
#if defined(__x86_64__)
    level = tandem_kernel_level();
#endif
    ptrdiff_t width = level == 2 ? 128 : level == 1 ? 64 : 16;
    for (ptrdiff_t i = 0; i < m; i++) {
        const float *ai = a + i * k;
        float *ci = c + i * n;
        for (ptrdiff_t j0 = 0; j0 < n; j0 += width) {
            ptrdiff_t nr = n - j0 < width ? n - j0 : width;
#if defined(__x86_64__)
            if (level == 2) {
                rows_avx512_any(ai, b + j0, ci + j0, n, k, nr);
                continue;
            }
            if (level == 1) {
                rows_avx2_any(ai, b + j0, ci + j0, n, k, nr);
                continue;
            }
#endif
            rows_plain(ai, b + j0, ci + j0, n, k, nr);
        }
    }
    return 0;
}
