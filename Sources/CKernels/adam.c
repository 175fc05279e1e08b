// The Adam / AdamW update (see CKernels.h). No contraction of a*b+c into FMA: every product and
// sum rounds separately, as in the Swift reference, so the result is bitwise the same.
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// The reference's scalar tail: p -= dd p + lr (m c1) / (sqrt(v c2) + eps).
static inline void adam_tail(float *p, const float *g, float *m, float *v, ptrdiff_t i, ptrdiff_t count,
                             float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                             float l2, float dd) {
    for (; i < count; i++) {
        float gi = g[i] + l2 * p[i];
        m[i] = b1 * m[i] + omb1 * gi;
        v[i] = b2 * v[i] + omb2 * gi * gi;
        p[i] -= dd * p[i] + lr * (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
    }
}

static void adam_plain(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                       float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                       float l2, float dd) {
    ptrdiff_t blocks = count & ~(ptrdiff_t)15;
    for (ptrdiff_t i = 0; i < blocks; i++) {
        float pi = p[i];
        float gi = g[i] + l2 * pi;
        float mi = b1 * m[i] + omb1 * gi;
        float vi = b2 * v[i] + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float step = (mi * c1) / (sqrtf(vi * c2) + eps);
        p[i] = pi - dd * pi - lr * step;
    }
    adam_tail(p, g, m, v, blocks, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void adam_avx2(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                      float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                      float l2, float dd) {
    ptrdiff_t blocks = count & ~(ptrdiff_t)15;
    __m256 vl2 = _mm256_set1_ps(l2), vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
    __m256 vomb1 = _mm256_set1_ps(omb1), vomb2 = _mm256_set1_ps(omb2), veps = _mm256_set1_ps(eps);
    __m256 vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2), vlr = _mm256_set1_ps(lr), vdd = _mm256_set1_ps(dd);
    for (ptrdiff_t i = 0; i < blocks; i += 8) {
        __m256 pi = _mm256_loadu_ps(p + i);
        __m256 gi = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_mul_ps(vl2, pi));
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(vomb1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(vomb2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 step = _mm256_div_ps(_mm256_mul_ps(mi, vc1), _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vi, vc2)), veps));
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_sub_ps(pi, _mm256_mul_ps(vdd, pi)), _mm256_mul_ps(vlr, step)));
    }
    adam_tail(p, g, m, v, blocks, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
}

__attribute__((target("avx512f")))
static void adam_avx512(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                        float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                        float l2, float dd) {
    ptrdiff_t blocks = count & ~(ptrdiff_t)15;
    __m512 vl2 = _mm512_set1_ps(l2), vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    __m512 vomb1 = _mm512_set1_ps(omb1), vomb2 = _mm512_set1_ps(omb2), veps = _mm512_set1_ps(eps);
    __m512 vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2), vlr = _mm512_set1_ps(lr), vdd = _mm512_set1_ps(dd);
    for (ptrdiff_t i = 0; i < blocks; i += 16) {
        __m512 pi = _mm512_loadu_ps(p + i);
        __m512 gi = _mm512_add_ps(_mm512_loadu_ps(g + i), _mm512_mul_ps(vl2, pi));
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(vomb1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(vomb2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 step = _mm512_div_ps(_mm512_mul_ps(mi, vc1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vi, vc2)), veps));
        _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_sub_ps(pi, _mm512_mul_ps(vdd, pi)), _mm512_mul_ps(vlr, step)));
    }
    adam_tail(p, g, m, v, blocks, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
}
#endif

void tandem_adam(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                 float lr, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                 float epsilon, float correction1, float correction2, float l2, float decoupledDecay) {
#if defined(__x86_64__)
    switch (tandem_kernel_level()) {
    case 2: adam_avx512(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, correction1, correction2, l2, decoupledDecay); return;
    case 1: adam_avx2(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, correction1, correction2, l2, decoupledDecay); return;
    default: break;
    }
#endif
    adam_plain(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, correction1, correction2, l2, decoupledDecay);
}
