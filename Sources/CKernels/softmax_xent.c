// Softmax cross-entropy's forward and backward in one pass (see CKernels.h), bit for bit what
// TandemTensor's `SoftmaxCrossEntropy.reference` computes with glibc's expf and logf.
//
// The vector levels evaluate expf with glibc's own algorithm (sysdeps/ieee754/flt-32/e_expf.c,
// as its FMA build `__expf_fma` runs it: the same double operations, fused where it fuses, on
// its table and constants), so each lane gives expf's result; lanes outside its main path
// (|x| large, NaN, infinities) call expf itself. A CPU whose glibc runs the non-FMA expf has no
// AVX2+FMA, so it runs the plain level, which calls expf.
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// 2^(i/32) as double bits, minus i << 47 (glibc's `__exp2f_data.tab`).
static const uint64_t exp_table[32] = {
    0x3ff0000000000000ULL, 0x3fefd9b0d3158574ULL, 0x3fefb5586cf9890fULL, 0x3fef9301d0125b51ULL,
    0x3fef72b83c7d517bULL, 0x3fef54873168b9aaULL, 0x3fef387a6e756238ULL, 0x3fef1e9df51fdee1ULL,
    0x3fef06fe0a31b715ULL, 0x3feef1a7373aa9cbULL, 0x3feedea64c123422ULL, 0x3feece086061892dULL,
    0x3feebfdad5362a27ULL, 0x3feeb42b569d4f82ULL, 0x3feeab07dd485429ULL, 0x3feea47eb03a5585ULL,
    0x3feea09e667f3bcdULL, 0x3fee9f75e8ec5f74ULL, 0x3feea11473eb0187ULL, 0x3feea589994cce13ULL,
    0x3feeace5422aa0dbULL, 0x3feeb737b0cdc5e5ULL, 0x3feec49182a3f090ULL, 0x3feed503b23e255dULL,
    0x3feee89f995ad3adULL, 0x3feeff76f2fb5e47ULL, 0x3fef199bdd85529cULL, 0x3fef3720dcef9069ULL,
    0x3fef5818dcfba487ULL, 0x3fef7c97337b9b5fULL, 0x3fefa4afa2a490daULL, 0x3fefd0765b6e4540ULL,
};
static const double exp_invln2n = 0x1.71547652b82fep+5;  // 32 / ln 2
static const double exp_shift = 0x1.8p+52;               // rounds to an integer in the low bits
static const double exp_c0 = 0x1.c6af84b912394p-20, exp_c1 = 0x1.ebfce50fac4f3p-13, exp_c2 = 0x1.62e42ff0c52d6p-6;

/// Whether expf takes its special path for `x`: |x| >= 2^(0x42a - 0x3f8 - ...) as glibc tests
/// it, `(bits >> 20) & 0x7ff >= 0x42a` (about |x| >= 87, and NaN and infinities).
static inline int exp_special(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    return ((bits >> 20) & 0x7ff) >= 0x42a;
}

/// The row's bookkeeping after the exponentials are in p[0..<classes]: as the Swift reference.
static inline double finish_row(const float *z, float *p, float *g, ptrdiff_t classes, float m, int32_t y,
                                float gradScale, const float *classWeights) {
    float s = 0;
    for (ptrdiff_t c = 0; c < classes; c++) s += p[c];
    float inv = 1 / s;
    for (ptrdiff_t c = 0; c < classes; c++) p[c] *= inv;
    float rowLoss = logf(s) + m - z[y];
    float scale = gradScale;
    double loss = rowLoss;
    if (classWeights) {
        loss = classWeights[y] * rowLoss;
        scale = classWeights[y] * gradScale;
    }
    if (g) {
        for (ptrdiff_t c = 0; c < classes; c++) g[c] = p[c] * scale;
        g[y] -= scale;
    }
    return loss;
}

/// Swift's `max(m, v)` folded over the row: `v >= m ? v : m` from z[0].
static inline float row_max(const float *z, ptrdiff_t classes) {
    float m = z[0];
    for (ptrdiff_t c = 1; c < classes; c++) m = z[c] >= m ? z[c] : m;
    return m;
}

static double xent_plain(const float *logits, const int32_t *labels, ptrdiff_t rows, ptrdiff_t classes,
                         float *probs, float *dlogits, float gradScale, const float *classWeights) {
    double loss = 0;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *z = logits + r * classes;
        float *p = probs + r * classes;
        float m = row_max(z, classes);
        for (ptrdiff_t c = 0; c < classes; c++) p[c] = expf(z[c] - m);
        loss += finish_row(z, p, dlogits ? dlogits + r * classes : NULL, classes, m, labels[r], gradScale, classWeights);
    }
    return loss;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static inline __m256d exp_avx2(__m256d xd) {
    __m256d z = _mm256_fmadd_pd(_mm256_set1_pd(exp_invln2n), xd, _mm256_set1_pd(exp_shift));
    __m256i ki = _mm256_castpd_si256(z);
    __m256d kd = _mm256_sub_pd(z, _mm256_set1_pd(exp_shift));
    __m256d r = _mm256_fmsub_pd(_mm256_set1_pd(exp_invln2n), xd, kd);
    __m256i idx = _mm256_and_si256(ki, _mm256_set1_epi64x(31));
    __m256i t = _mm256_add_epi64(_mm256_i64gather_epi64((const long long *)exp_table, idx, 8), _mm256_slli_epi64(ki, 47));
    __m256d zc = _mm256_fmadd_pd(_mm256_set1_pd(exp_c0), r, _mm256_set1_pd(exp_c1));
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d y = _mm256_fmadd_pd(_mm256_set1_pd(exp_c2), r, _mm256_set1_pd(1.0));
    y = _mm256_fmadd_pd(zc, r2, y);
    return _mm256_mul_pd(y, _mm256_castsi256_pd(t));
}

__attribute__((target("avx2,fma")))
static double xent_avx2(const float *logits, const int32_t *labels, ptrdiff_t rows, ptrdiff_t classes,
                        float *probs, float *dlogits, float gradScale, const float *classWeights) {
    double loss = 0;
    ptrdiff_t body = classes & ~(ptrdiff_t)7;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *z = logits + r * classes;
        float *p = probs + r * classes;
        float m = row_max(z, classes);
        __m256 vm = _mm256_set1_ps(m);
        for (ptrdiff_t c = 0; c < body; c += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(z + c), vm);
            __m128 lo = _mm256_cvtpd_ps(exp_avx2(_mm256_cvtps_pd(_mm256_castps256_ps128(d))));
            __m128 hi = _mm256_cvtpd_ps(exp_avx2(_mm256_cvtps_pd(_mm256_extractf128_ps(d, 1))));
            _mm256_storeu_ps(p + c, _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1));
            for (ptrdiff_t j = c; j < c + 8; j++) if (exp_special(z[j] - m)) p[j] = expf(z[j] - m);
        }
        for (ptrdiff_t c = body; c < classes; c++) p[c] = expf(z[c] - m);
        loss += finish_row(z, p, dlogits ? dlogits + r * classes : NULL, classes, m, labels[r], gradScale, classWeights);
    }
    return loss;
}

__attribute__((target("avx512f")))
static inline __m512d exp_avx512(__m512d xd) {
    __m512d z = _mm512_fmadd_pd(_mm512_set1_pd(exp_invln2n), xd, _mm512_set1_pd(exp_shift));
    __m512i ki = _mm512_castpd_si512(z);
    __m512d kd = _mm512_sub_pd(z, _mm512_set1_pd(exp_shift));
    __m512d r = _mm512_fmsub_pd(_mm512_set1_pd(exp_invln2n), xd, kd);
    // The table lookup in registers (its 32 entries are 4 vectors): two two-source permutes of
    // 16 entries each, picked by bit 4 of the index (a gather took several times longer).
    __m512i idx = _mm512_and_si512(ki, _mm512_set1_epi64(31));
    const __m512i *table = (const __m512i *)exp_table;
    __m512i low = _mm512_permutex2var_epi64(_mm512_loadu_si512(table), idx, _mm512_loadu_si512(table + 1));
    __m512i high = _mm512_permutex2var_epi64(_mm512_loadu_si512(table + 2), idx, _mm512_loadu_si512(table + 3));
    __m512i entry = _mm512_mask_blend_epi64(_mm512_test_epi64_mask(idx, _mm512_set1_epi64(16)), low, high);
    __m512i t = _mm512_add_epi64(entry, _mm512_slli_epi64(ki, 47));
    __m512d zc = _mm512_fmadd_pd(_mm512_set1_pd(exp_c0), r, _mm512_set1_pd(exp_c1));
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d y = _mm512_fmadd_pd(_mm512_set1_pd(exp_c2), r, _mm512_set1_pd(1.0));
    y = _mm512_fmadd_pd(zc, r2, y);
    return _mm512_mul_pd(y, _mm512_castsi512_pd(t));
}

/// The most classes the AVX-512 level keeps on its stack (more take the plain level).
#define XENT_MAX_CLASSES 64

/// 16 rows at a time, one lane per row, so the row's sequential max, sum and divide run side by
/// side: the per-row order of every operation is the reference's. Each class's logits are
/// gathered once (`zt`, class-major) for both the max and the exponentials.
__attribute__((target("avx512f")))
static double xent_avx512(const float *logits, const int32_t *labels, ptrdiff_t rows, ptrdiff_t classes,
                          float *probs, float *dlogits, float gradScale, const float *classWeights) {
    double loss = 0;
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i limit = _mm512_set1_epi32(0x42a), field = _mm512_set1_epi32(0x7ff);
    const __m512 zero = _mm512_setzero_ps();
    const __m512i rowStart = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)classes));
    float e[XENT_MAX_CLASSES][16], zt[XENT_MAX_CLASSES][16];
    float sums[16], maxima[16], picked[16], scales[16];
    for (ptrdiff_t r0 = 0; r0 < rows; r0 += 16) {
        ptrdiff_t n = rows - r0 < 16 ? rows - r0 : 16;
        __mmask16 k = n == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
        const float *z = logits + r0 * classes;
        __m512 m = _mm512_mask_i32gather_ps(zero, k, rowStart, z, 4);
        _mm512_storeu_ps(zt[0], m);
        for (ptrdiff_t c = 1; c < classes; c++) {
            __m512 zc = _mm512_mask_i32gather_ps(zero, k, _mm512_add_epi32(rowStart, _mm512_set1_epi32((int)c)), z, 4);
            _mm512_storeu_ps(zt[c], zc);
            m = _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(zc, m, _CMP_GE_OQ), zc);
        }
        __m512 s = zero;
        for (ptrdiff_t c = 0; c < classes; c++) {
            __m512 d = _mm512_sub_ps(_mm512_loadu_ps(zt[c]), m);
            __m256 lo = _mm512_cvtpd_ps(exp_avx512(_mm512_cvtps_pd(_mm512_castps512_ps256(d))));
            __m256 hi = _mm512_cvtpd_ps(exp_avx512(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(d), 1)))));
            _mm512_storeu_ps(e[c], _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1)));
            __m512i top = _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(d), 20), field);
            __mmask16 special = _mm512_mask_cmpge_epi32_mask(k, top, limit);
            if (special) {
                float dl[16];
                _mm512_storeu_ps(dl, d);
                while (special) {
                    int j = __builtin_ctz(special);
                    e[c][j] = expf(dl[j]);
                    special &= special - 1;
                }
            }
            s = _mm512_add_ps(s, _mm512_loadu_ps(e[c]));
        }
        __m512i y = _mm512_maskz_loadu_epi32(k, labels + r0);
        _mm512_storeu_ps(picked, _mm512_mask_i32gather_ps(zero, k, _mm512_add_epi32(rowStart, y), z, 4));
        _mm512_storeu_ps(sums, s);
        _mm512_storeu_ps(maxima, m);
        for (ptrdiff_t j = 0; j < n; j++) {
            float rowLoss = logf(sums[j]) + maxima[j] - picked[j];
            scales[j] = gradScale;
            if (classWeights) {
                float w = classWeights[labels[r0 + j]];
                loss += w * rowLoss;
                scales[j] = w * gradScale;
            } else {
                loss += rowLoss;
            }
        }
        __m512 inv = _mm512_div_ps(_mm512_set1_ps(1.0f), s);
        __m512 scale = _mm512_maskz_loadu_ps(k, scales);
        float *p = probs + r0 * classes;
        float *g = dlogits ? dlogits + r0 * classes : NULL;
        for (ptrdiff_t c = 0; c < classes; c++) {
            __m512i at = _mm512_add_epi32(rowStart, _mm512_set1_epi32((int)c));
            __m512 pc = _mm512_mul_ps(_mm512_loadu_ps(e[c]), inv);
            _mm512_mask_i32scatter_ps(p, k, at, pc, 4);
            if (g) {
                __m512 gc = _mm512_mul_ps(pc, scale);
                gc = _mm512_mask_sub_ps(gc, _mm512_cmpeq_epi32_mask(y, _mm512_set1_epi32((int)c)), gc, scale);
                _mm512_mask_i32scatter_ps(g, k, at, gc, 4);
            }
        }
    }
    return loss;
}
#endif

double tandem_softmax_xent(const float *logits, const int32_t *labels, ptrdiff_t rows, ptrdiff_t classes,
                           float *probs, float *dlogits, float gradScale, const float *classWeights) {
#if defined(__x86_64__)
    switch (tandem_kernel_level()) {
    case 2:
        if (classes <= XENT_MAX_CLASSES) return xent_avx512(logits, labels, rows, classes, probs, dlogits, gradScale, classWeights);
        break;
    case 1: return xent_avx2(logits, labels, rows, classes, probs, dlogits, gradScale, classWeights);
    default: break;
    }
#endif
    return xent_plain(logits, labels, rows, classes, probs, dlogits, gradScale, classWeights);
}
