// Small-shape sgemm (see CKernels.h). Every C element is one accumulator summed over p = 0..<k in
// order with a fused multiply-add at each step, then scaled: c = alpha acc, or fma(beta, c, alpha acc).
// The plain level does the same with fmaf, so all three levels give the same bits.
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define FORCE_INLINE inline __attribute__((always_inline))

/// One call's operands. A element (i, p) is at a[i * ars + p * acs]; row p of op(B) at b + p * ldb.
typedef struct {
    ptrdiff_t k, ars, acs, ldb, ldc;
    float alpha, beta;
} gemm_args;

/// Packs columns j0..<j0+nr of op(B) = B^T (B stored [n, k]) into panel [k, width]; columns nr..<width
/// are left unset (the tiles read only the first nr: masked loads past them).
static FORCE_INLINE void pack_transposed(const float *b, ptrdiff_t k, ptrdiff_t j0, ptrdiff_t nr, ptrdiff_t width,
                                         float *panel) {
    for (ptrdiff_t jj = 0; jj < nr; jj++) {
        const float *row = b + (j0 + jj) * k;
        for (ptrdiff_t p = 0; p < k; p++) panel[p * width + jj] = row[p];
    }
}

// --- plain C: blocks of 4 rows x 16 columns, fmaf at every step ---

static FORCE_INLINE void tile_plain(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr,
                                    ptrdiff_t nr) {
    float acc[4][16];
    for (ptrdiff_t r = 0; r < mr; r++)
        for (ptrdiff_t j = 0; j < nr; j++) acc[r][j] = 0;
    for (ptrdiff_t p = 0; p < g->k; p++) {
        const float *bp = b + p * g->ldb;
        const float *ap = a + p * g->acs;
        for (ptrdiff_t r = 0; r < mr; r++) {
            float av = ap[r * g->ars];
            for (ptrdiff_t j = 0; j < nr; j++) acc[r][j] = fmaf(av, bp[j], acc[r][j]);
        }
    }
    for (ptrdiff_t r = 0; r < mr; r++) {
        float *cr = c + r * g->ldc;
        for (ptrdiff_t j = 0; j < nr; j++) {
            float t = g->alpha * acc[r][j];
            cr[j] = g->beta == 0 ? t : fmaf(g->beta, cr[j], t);
        }
    }
}

static void gemm_plain(int transA, int transB, ptrdiff_t m, ptrdiff_t n, gemm_args g, const float *a, const float *b,
                       float *c) {
    float panel[TANDEM_GEMM_MAX_K * 16];
    for (ptrdiff_t j0 = 0; j0 < n; j0 += 16) {
        ptrdiff_t nr = n - j0 < 16 ? n - j0 : 16;
        const float *bp = b + j0;
        if (transB) {
            pack_transposed(b, g.k, j0, nr, 16, panel);
            bp = panel;
            g.ldb = 16;
        }
        for (ptrdiff_t i0 = 0; i0 < m; i0 += 4) {
            ptrdiff_t mr = m - i0 < 4 ? m - i0 : 4;
            tile_plain(&g, a + i0 * g.ars, bp, c + i0 * g.ldc + j0, mr, nr);
        }
    }
    (void)transA;
}

#if defined(__x86_64__)
/// Transposes the 8 x 8 block at src (rows src + r * lds) into dst (rows dst + c * ldd).
__attribute__((target("avx2")))
static FORCE_INLINE void transpose8x8(const float *src, ptrdiff_t lds, float *dst, ptrdiff_t ldd) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds);
    __m256 r3 = _mm256_loadu_ps(src + 3 * lds), r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
    __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3);
    __m256 t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/// `pack_transposed` in 8 x 8 blocks (the copy is exact, so the panel is the same).
__attribute__((target("avx2")))
static FORCE_INLINE void pack_transposed_avx2(const float *b, ptrdiff_t k, ptrdiff_t j0, ptrdiff_t nr, ptrdiff_t width,
                                              float *panel) {
    ptrdiff_t jj = 0, k8 = k & ~(ptrdiff_t)7;
    for (; jj + 8 <= nr; jj += 8) {
        const float *rows = b + (j0 + jj) * k;
        for (ptrdiff_t p = 0; p < k8; p += 8) transpose8x8(rows + p, k, panel + p * width + jj, width);
        for (ptrdiff_t q = 0; q < 8; q++)
            for (ptrdiff_t p = k8; p < k; p++) panel[p * width + jj + q] = rows[q * k + p];
    }
    for (; jj < nr; jj++) {
        const float *row = b + (j0 + jj) * k;
        for (ptrdiff_t p = 0; p < k; p++) panel[p * width + jj] = row[p];
    }
}

// --- AVX2 + FMA: tiles of up to 6 rows x 16 columns (two 8-lane accumulators per row) ---

#define AVX2_MR 6

__attribute__((target("avx2,fma")))
static FORCE_INLINE void tile_avx2(const gemm_args *g, const float *a, const float *b, float *c, const int MR,
                                   const int NV, const int masked, __m256i m0, __m256i m1) {
    __m256 acc[AVX2_MR][2];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm256_setzero_ps();
    const ptrdiff_t k = g->k, ars = g->ars, acs = g->acs, ldb = g->ldb;
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *bp = b + p * ldb;
        __m256 b0 = masked && NV == 1 ? _mm256_maskload_ps(bp, m0) : _mm256_loadu_ps(bp);
        __m256 b1 = _mm256_setzero_ps();
        if (NV == 2) b1 = masked ? _mm256_maskload_ps(bp + 8, m1) : _mm256_loadu_ps(bp + 8);
        const float *ap = a + p * acs;
        for (int r = 0; r < MR; r++) {
            __m256 av = _mm256_broadcast_ss(ap + r * ars);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            if (NV == 2) acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    const __m256 valpha = _mm256_set1_ps(g->alpha), vbeta = _mm256_set1_ps(g->beta);
    const int useBeta = g->beta != 0;
    for (int r = 0; r < MR; r++) {
        float *cr = c + r * g->ldc;
        for (int v = 0; v < NV; v++) {
            __m256i mask = NV == 1 ? m0 : (v == 0 ? _mm256_set1_epi32(-1) : m1);
            int mv = masked && (NV == 1 || v == 1);
            __m256 t = _mm256_mul_ps(valpha, acc[r][v]);
            if (useBeta) t = _mm256_fmadd_ps(vbeta, mv ? _mm256_maskload_ps(cr + 8 * v, mask) : _mm256_loadu_ps(cr + 8 * v), t);
            if (mv) _mm256_maskstore_ps(cr + 8 * v, mask, t);
            else _mm256_storeu_ps(cr + 8 * v, t);
        }
    }
}

/// One tile with the row count `mr` and the column count `nr` (<= 16) made constants for the compiler.
__attribute__((target("avx2,fma")))
static void tile_avx2_any(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr, ptrdiff_t nr) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr), lanes);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr - 8), lanes);
#define AVX2_CASES(NV, MASKED)                                                      \
    switch (mr) {                                                                   \
    case 6: tile_avx2(g, a, b, c, 6, NV, MASKED, m0, m1); return;                   \
    case 5: tile_avx2(g, a, b, c, 5, NV, MASKED, m0, m1); return;                   \
    case 4: tile_avx2(g, a, b, c, 4, NV, MASKED, m0, m1); return;                   \
    case 3: tile_avx2(g, a, b, c, 3, NV, MASKED, m0, m1); return;                   \
    case 2: tile_avx2(g, a, b, c, 2, NV, MASKED, m0, m1); return;                   \
    default: tile_avx2(g, a, b, c, 1, NV, MASKED, m0, m1); return;                  \
    }
    if (nr == 16) { AVX2_CASES(2, 0) }
    if (nr > 8) { AVX2_CASES(2, 1) }
    if (nr == 8) { AVX2_CASES(1, 0) }
    AVX2_CASES(1, 1)
#undef AVX2_CASES
}

__attribute__((target("avx2,fma")))
static void gemm_avx2(int transB, ptrdiff_t m, ptrdiff_t n, gemm_args g, const float *a, const float *b, float *c) {
    float panel[TANDEM_GEMM_MAX_K * 16];
    for (ptrdiff_t j0 = 0; j0 < n; j0 += 16) {
        ptrdiff_t nr = n - j0 < 16 ? n - j0 : 16;
        const float *bp = b + j0;
        if (transB) {
            pack_transposed_avx2(b, g.k, j0, nr, 16, panel);
            bp = panel;
            g.ldb = 16;
        }
        for (ptrdiff_t i0 = 0; i0 < m; i0 += AVX2_MR) {
            ptrdiff_t mr = m - i0 < AVX2_MR ? m - i0 : AVX2_MR;
            tile_avx2_any(&g, a + i0 * g.ars, bp, c + i0 * g.ldc + j0, mr, nr);
        }
    }
}

// --- AVX-512F: tiles of up to 12 rows x 32 columns (two 16-lane accumulators per row) ---

#define AVX512_MR 12

__attribute__((target("avx512f")))
static FORCE_INLINE void tile_avx512(const gemm_args *g, const float *a, const float *b, float *c, const int MR,
                                     const int NV, __mmask16 m0, __mmask16 m1) {
    __m512 acc[AVX512_MR][2];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    const ptrdiff_t k = g->k, ars = g->ars, acs = g->acs, ldb = g->ldb;
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *bp = b + p * ldb;
        __m512 b0 = _mm512_maskz_loadu_ps(m0, bp);
        __m512 b1 = _mm512_setzero_ps();
        if (NV == 2) b1 = _mm512_maskz_loadu_ps(m1, bp + 16);
        const float *ap = a + p * acs;
        for (int r = 0; r < MR; r++) {
            __m512 av = _mm512_set1_ps(ap[r * ars]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            if (NV == 2) acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    const __m512 valpha = _mm512_set1_ps(g->alpha), vbeta = _mm512_set1_ps(g->beta);
    const int useBeta = g->beta != 0;
    for (int r = 0; r < MR; r++) {
        float *cr = c + r * g->ldc;
        for (int v = 0; v < NV; v++) {
            __mmask16 mask = v == 0 ? m0 : m1;
            __m512 t = _mm512_mul_ps(valpha, acc[r][v]);
            if (useBeta) t = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask, cr + 16 * v), t);
            _mm512_mask_storeu_ps(cr + 16 * v, mask, t);
        }
    }
}

__attribute__((target("avx512f")))
static void tile_avx512_any(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr, ptrdiff_t nr) {
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xffff : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
#define AVX512_CASES(NV)                                                    \
    switch (mr) {                                                           \
    case 12: tile_avx512(g, a, b, c, 12, NV, m0, m1); return;               \
    case 11: tile_avx512(g, a, b, c, 11, NV, m0, m1); return;               \
    case 10: tile_avx512(g, a, b, c, 10, NV, m0, m1); return;               \
    case 9: tile_avx512(g, a, b, c, 9, NV, m0, m1); return;                 \
    case 8: tile_avx512(g, a, b, c, 8, NV, m0, m1); return;                 \
    case 7: tile_avx512(g, a, b, c, 7, NV, m0, m1); return;                 \
    case 6: tile_avx512(g, a, b, c, 6, NV, m0, m1); return;                 \
    case 5: tile_avx512(g, a, b, c, 5, NV, m0, m1); return;                 \
    case 4: tile_avx512(g, a, b, c, 4, NV, m0, m1); return;                 \
    case 3: tile_avx512(g, a, b, c, 3, NV, m0, m1); return;                 \
    case 2: tile_avx512(g, a, b, c, 2, NV, m0, m1); return;                 \
    default: tile_avx512(g, a, b, c, 1, NV, m0, m1); return;                \
    }
    if (nr > 16) { AVX512_CASES(2) }
    AVX512_CASES(1)
#undef AVX512_CASES
}

__attribute__((target("avx512f")))
static void gemm_avx512(int transB, ptrdiff_t m, ptrdiff_t n, gemm_args g, const float *a, const float *b, float *c) {
    float panel[TANDEM_GEMM_MAX_K * 32];
    for (ptrdiff_t j0 = 0; j0 < n; j0 += 32) {
        ptrdiff_t nr = n - j0 < 32 ? n - j0 : 32;
        const float *bp = b + j0;
        if (transB) {
            pack_transposed_avx2(b, g.k, j0, nr, 32, panel);
            bp = panel;
            g.ldb = 32;
        }
        for (ptrdiff_t i0 = 0; i0 < m; i0 += AVX512_MR) {
            ptrdiff_t mr = m - i0 < AVX512_MR ? m - i0 : AVX512_MR;
            tile_avx512_any(&g, a + i0 * g.ars, bp, c + i0 * g.ldc + j0, mr, nr);
        }
    }
}
#endif

int tandem_sgemm_small(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                       const float *b, float beta, float *c) {
    if (m < 0 || n < 0 || k < 0 || (transB && k > TANDEM_GEMM_MAX_K)) return -1;
    if (m == 0 || n == 0) return 0;
    gemm_args g = {k, transA ? 1 : k, transA ? m : 1, n, n, alpha, beta};
#if defined(__x86_64__)
    switch (tandem_kernel_level()) {
    case 2: gemm_avx512(transB, m, n, g, a, b, c); return 0;
    case 1: gemm_avx2(transB, m, n, g, a, b, c); return 0;
    default: break;
    }
#endif
    gemm_plain(transA, transB, m, n, g, a, b, c);
    return 0;
}
