// The Adam / AdamW update (see CKernels.h). No contraction of a*b+c into FMA: every product and
// sum rounds separately, as in the Swift reference, so the result is bitwise the same.
//
// Subnormal operands: on x86 a multiply, divide or square root whose input is subnormal (and a
// divide whose result is) takes a microcode assist of ~150 cycles for the whole vector. Adam's
// moments reach the subnormal range as they decay (a unit that stopped learning: g = 0, so v
// shrinks by beta2 per step for tens of thousands of steps), and then every block holding one such
// element costs ~20x. So the loops check each block's moments (TINY_KEY) and run a block with a
// tiny one through double (`adam_exact_lanes`, and its 8- and 16-lane vector forms), which computes
// the same float operations there: each float operation's inputs converted exactly, the
// operation in double, its result rounded to float (conversions take no assist, and no double
// here is subnormal). That gives the float operation's bits: a product of two floats is exact in
// double, a sum or difference that lands below 2^-126 is exact in float, and otherwise rounding
// first to double's 53 bits and then to float's 24 is the same as rounding once for +, -, *, /
// and sqrt (53 >= 2 * 24 + 2; for a quotient landing below 2^-126 the exact quotient is never
// within 2^-48 relative of a float halfway point unless it is one).
//
// Whether that pays depends on the CPU: where the float unit handles subnormals at little cost
// the double path is the slower one (AMD EPYC, family 26, a C harness: a tiny block took 48-60 ns
// through double, 6-8 ns in the float formula when the tiny blocks run together). So the vector
// levels time both once on subnormal moments (`tandem_adam_subnormal_path`) and keep the faster:
// the bits are the same either way. Either way the marked blocks run after their chunk,
// together: taking them inline in the float formula costs more (34 of 300 blocks tiny: 2.25 us
// an update inline, 1.32 us after the chunk), as each switch between normal and subnormal
// operands seems to cost on its own. The small workload's optimizer span (--timeline, mean of the
// fastest 95%) went from 2.4-2.5 us (double path) to 1.3-1.35 us over 15 epochs.
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>
#include <x86intrin.h>
#endif

#define NOINLINE __attribute__((noinline))

/// x in double, exactly. The empty asm hides the conversion from the compiler, which would
/// otherwise turn (float)((double)a * b) back into the float multiply (the same bits, and the assist).
static inline double wd(float x) {
    double d = x;
#if defined(__x86_64__)
    __asm__("" : "+x"(d));
#endif
    return d;
}

/// One float operation through double (see the top of the file).
static inline float mul_(float a, float b) { return (float)(wd(a) * wd(b)); }
static inline float add_(float a, float b) { return (float)(wd(a) + wd(b)); }
static inline float sub_(float a, float b) { return (float)(wd(a) - wd(b)); }
static inline float div_(float a, float b) { return (float)(wd(a) / wd(b)); }
static inline float sqrt_(float a) { return (float)sqrt(wd(a)); }

/// The vector formula of lanes 0..<n, each float operation through double (see the top of the file):
/// g' = g + l2 p; m = b1 m + omb1 g'; v = b2 v + (omb2 g') g'; p = (p - dd p) - lr ((m c1) / (sqrt(v c2) + eps)).
NOINLINE static void adam_exact_lanes(float *p, const float *g, float *m, float *v, ptrdiff_t n,
                                      float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                                      float l2, float dd) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float pi = p[i];
        float gi = add_(g[i], mul_(l2, pi));
        float mi = add_(mul_(b1, m[i]), mul_(omb1, gi));
        float vi = add_(mul_(b2, v[i]), mul_(mul_(omb2, gi), gi));
        m[i] = mi;
        v[i] = vi;
        float step = div_(mul_(mi, c1), add_(sqrt_(mul_(vi, c2)), eps));
        p[i] = sub_(sub_(pi, mul_(dd, pi)), mul_(lr, step));
    }
}

/// Whether x is nonzero with magnitude below 2^-120 (see TINY_KEY).
static inline int tiny1(float x) { return x != 0 && fabsf(x) < 0x1p-120f; }

/// The reference's scalar tail, p -= dd p + lr (m c1) / (sqrt(v c2) + eps); an element with a tiny
/// moment or gradient (see TINY_KEY) has each float operation through double, as `adam_exact_lanes`.
static void adam_tail(float *p, const float *g, float *m, float *v, ptrdiff_t i, ptrdiff_t count,
                      float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                      float l2, float dd) {
    for (; i < count; i++) {
        if (!(tiny1(g[i]) | tiny1(m[i]) | tiny1(v[i]))) {
            float gi = g[i] + l2 * p[i];
            m[i] = b1 * m[i] + omb1 * gi;
            v[i] = b2 * v[i] + omb2 * gi * gi;
            p[i] -= dd * p[i] + lr * (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
            continue;
        }
        float pi = p[i];
        float gi = add_(g[i], mul_(l2, pi));
        float mi = add_(mul_(b1, m[i]), mul_(omb1, gi));
        float vi = add_(mul_(b2, v[i]), mul_(mul_(omb2, gi), gi));
        m[i] = mi;
        v[i] = vi;
        float quotient = div_(mul_(lr, mul_(mi, c1)), add_(sqrt_(mul_(vi, c2)), eps));
        p[i] = sub_(pi, add_(mul_(dd, pi), quotient));
    }
}

/// Plain C: blocks of 16 with the float formula, a block with a tiny moment or gradient through double.
static void adam_plain(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                       float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                       float l2, float dd) {
    ptrdiff_t blocks = count & ~(ptrdiff_t)15;
    for (ptrdiff_t b = 0; b < blocks; b += 16) {
        int tiny = 0;
        for (ptrdiff_t i = b; i < b + 16; i++) tiny |= tiny1(g[i]) | tiny1(m[i]) | tiny1(v[i]);
        if (tiny) {
            adam_exact_lanes(p + b, g + b, m + b, v + b, 16, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
            continue;
        }
        for (ptrdiff_t i = b; i < b + 16; i++) {
            float pi = p[i];
            float gi = g[i] + l2 * pi;
            float mi = b1 * m[i] + omb1 * gi;
            float vi = b2 * v[i] + omb2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float step = (mi * c1) / (sqrtf(vi * c2) + eps);
            p[i] = pi - dd * pi - lr * step;
        }
    }
    adam_tail(p, g, m, v, blocks, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
}

#if defined(__x86_64__)
/// Which blocks go through double: those with a moment (m or v) of magnitude below 2^-120, zeros
/// excepted. Then no multiply, divide or square root of the float formula sees a subnormal input
/// (with beta1, beta2 >= 2^-6 and the bias corrections >= 1) except with a gradient below
/// 2^-126 / (1 - beta2) (whose (1 - beta2) g' is subnormal; not checked, it costs 3 more operations
/// a block and does not happen in practice), after a cancellation, or with a subnormal parameter
/// or quotient; those only cost the assist: the checks decide the speed, never the bits. The test
/// is on the keys |bits(m)| - 1 and bits(v) - 1 (v >= +0), unsigned: zero wraps to the top, and a
/// magnitude below 2^-120 gives a key below TINY_KEY.
#define TINY_KEY (0x03800000u - 1u) /* bits of 2^-120, less 1 */

/// `adam_exact_lanes` for 8 lanes, 4 doubles at a time (see the top of the file).
__attribute__((target("avx2,fma")))
static inline __m256d wd4(__m128 x) {
    __m256d d = _mm256_cvtps_pd(x);
    __asm__("" : "+x"(d));
    return d;
}
#define OP4(f, a, b) _mm256_cvtpd_ps(f(wd4(a), wd4(b)))
__attribute__((target("avx2,fma")))
NOINLINE static void adam_exact8(float *p, const float *g, float *m, float *v,
                                 float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                                 float l2, float dd) {
    __m128 vl2 = _mm_set1_ps(l2), vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2), vomb1 = _mm_set1_ps(omb1);
    __m128 vomb2 = _mm_set1_ps(omb2), veps = _mm_set1_ps(eps), vc1 = _mm_set1_ps(c1), vc2 = _mm_set1_ps(c2);
    __m128 vlr = _mm_set1_ps(lr), vdd = _mm_set1_ps(dd);
    for (int h = 0; h < 8; h += 4) {
        __m128 pi = _mm_loadu_ps(p + h);
        __m128 gi = OP4(_mm256_add_pd, _mm_loadu_ps(g + h), OP4(_mm256_mul_pd, vl2, pi));
        __m128 mi = OP4(_mm256_add_pd, OP4(_mm256_mul_pd, vb1, _mm_loadu_ps(m + h)), OP4(_mm256_mul_pd, vomb1, gi));
        __m128 vi = OP4(_mm256_add_pd, OP4(_mm256_mul_pd, vb2, _mm_loadu_ps(v + h)),
                        OP4(_mm256_mul_pd, OP4(_mm256_mul_pd, vomb2, gi), gi));
        _mm_storeu_ps(m + h, mi);
        _mm_storeu_ps(v + h, vi);
        __m128 root = _mm256_cvtpd_ps(_mm256_sqrt_pd(wd4(OP4(_mm256_mul_pd, vi, vc2))));
        __m128 step = OP4(_mm256_div_pd, OP4(_mm256_mul_pd, mi, vc1), OP4(_mm256_add_pd, root, veps));
        _mm_storeu_ps(p + h, OP4(_mm256_sub_pd, OP4(_mm256_sub_pd, pi, OP4(_mm256_mul_pd, vdd, pi)), OP4(_mm256_mul_pd, vlr, step)));
    }
}
#undef OP4


__attribute__((target("avx2,fma")))
static void adam_avx2(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                      float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                      float l2, float dd, int exact) {
    ptrdiff_t blocks = count & ~(ptrdiff_t)15;
    __m256 vl2 = _mm256_set1_ps(l2), vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
    __m256 vomb1 = _mm256_set1_ps(omb1), vomb2 = _mm256_set1_ps(omb2), veps = _mm256_set1_ps(eps);
    __m256 vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2), vlr = _mm256_set1_ps(lr), vdd = _mm256_set1_ps(dd);
    // key < limit unsigned, as min(key, limit - 1) == key (AVX2 has no unsigned compare).
    const __m256i one = _mm256_set1_epi32(1), absMask = _mm256_set1_epi32(0x7fffffff);
    const __m256i keyMax = _mm256_set1_epi32((int)(TINY_KEY - 1));
    // Chunks of 64 x 8 lanes: those with tiny moments are marked in `tiny` and run after the
    // chunk (through double, or the float formula: `exact`), so the vector loop makes no call
    // (its constants stay in registers).
    for (ptrdiff_t c0 = 0; c0 < blocks; c0 += 64 * 8) {
        ptrdiff_t end = blocks - c0 < 64 * 8 ? blocks : c0 + 64 * 8;
        uint64_t tiny = 0;
        for (ptrdiff_t i = c0; i < end; i += 8) {
            __m256 pi = _mm256_loadu_ps(p + i), g0 = _mm256_loadu_ps(g + i);
            __m256 m0 = _mm256_loadu_ps(m + i), v0 = _mm256_loadu_ps(v + i);
            __m256i key = _mm256_min_epu32(_mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(m0), absMask), one),
                                           _mm256_sub_epi32(_mm256_castps_si256(v0), one));
            __m256i lanes = _mm256_cmpeq_epi32(_mm256_min_epu32(key, keyMax), key);  // see TINY_KEY
            if (!_mm256_testz_si256(lanes, lanes)) {
                tiny |= (uint64_t)1 << ((i - c0) >> 3);
                continue;
            }
            __m256 gi = _mm256_add_ps(g0, _mm256_mul_ps(vl2, pi));
            __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, m0), _mm256_mul_ps(vomb1, gi));
            __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, v0), _mm256_mul_ps(_mm256_mul_ps(vomb2, gi), gi));
            _mm256_storeu_ps(m + i, mi);
            _mm256_storeu_ps(v + i, vi);
            __m256 step = _mm256_div_ps(_mm256_mul_ps(mi, vc1), _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vi, vc2)), veps));
            _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_sub_ps(pi, _mm256_mul_ps(vdd, pi)), _mm256_mul_ps(vlr, step)));
        }
        for (; tiny; tiny &= tiny - 1) {
            ptrdiff_t i = c0 + 8 * (ptrdiff_t)__builtin_ctzll(tiny);
            if (!exact) {  // the float formula, as the loop above
                __m256 pi = _mm256_loadu_ps(p + i);
                __m256 gi = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_mul_ps(vl2, pi));
                __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(vomb1, gi));
                __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(vomb2, gi), gi));
                _mm256_storeu_ps(m + i, mi);
                _mm256_storeu_ps(v + i, vi);
                __m256 step = _mm256_div_ps(_mm256_mul_ps(mi, vc1), _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vi, vc2)), veps));
                _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_sub_ps(pi, _mm256_mul_ps(vdd, pi)), _mm256_mul_ps(vlr, step)));
                continue;
            }
            adam_exact8(p + i, g + i, m + i, v + i, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
        }
    }
    adam_tail(p, g, m, v, blocks, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
}

/// A block of 16 lanes whose halves (8 lanes each) with a tiny value, bit h of `halves`, take the
/// float operations through double, 8 doubles at a time (see the top of the file); the other half
/// takes the float formula on 8 lanes.
__attribute__((target("avx512f")))
static inline __m512d wd8(__m256 x) {
    __m512d d = _mm512_cvtps_pd(x);
    __asm__("" : "+v"(d));
    return d;
}
#define OP8(f, a, b) _mm512_cvtpd_ps(f(wd8(a), wd8(b)))
__attribute__((target("avx512f")))
NOINLINE static void adam_exact16(float *p, const float *g, float *m, float *v, unsigned halves,
                                  float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                                  float l2, float dd) {
    __m256 vl2 = _mm256_set1_ps(l2), vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2), vomb1 = _mm256_set1_ps(omb1);
    __m256 vomb2 = _mm256_set1_ps(omb2), veps = _mm256_set1_ps(eps), vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2);
    __m256 vlr = _mm256_set1_ps(lr), vdd = _mm256_set1_ps(dd);
    for (int h = 0; h < 16; h += 8) {
        __m256 pi = _mm256_loadu_ps(p + h), g0 = _mm256_loadu_ps(g + h), m0 = _mm256_loadu_ps(m + h), v0 = _mm256_loadu_ps(v + h);
        if (!(halves >> (h / 8) & 1)) {
            __m256 gi = _mm256_add_ps(g0, _mm256_mul_ps(vl2, pi));
            __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, m0), _mm256_mul_ps(vomb1, gi));
            __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, v0), _mm256_mul_ps(_mm256_mul_ps(vomb2, gi), gi));
            _mm256_storeu_ps(m + h, mi);
            _mm256_storeu_ps(v + h, vi);
            __m256 step = _mm256_div_ps(_mm256_mul_ps(mi, vc1), _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vi, vc2)), veps));
            _mm256_storeu_ps(p + h, _mm256_sub_ps(_mm256_sub_ps(pi, _mm256_mul_ps(vdd, pi)), _mm256_mul_ps(vlr, step)));
            continue;
        }
        __m256 gi = OP8(_mm512_add_pd, g0, OP8(_mm512_mul_pd, vl2, pi));
        __m256 mi = OP8(_mm512_add_pd, OP8(_mm512_mul_pd, vb1, m0), OP8(_mm512_mul_pd, vomb1, gi));
        __m256 vi = OP8(_mm512_add_pd, OP8(_mm512_mul_pd, vb2, v0), OP8(_mm512_mul_pd, OP8(_mm512_mul_pd, vomb2, gi), gi));
        _mm256_storeu_ps(m + h, mi);
        _mm256_storeu_ps(v + h, vi);
        __m256 root = _mm512_cvtpd_ps(_mm512_sqrt_pd(wd8(OP8(_mm512_mul_pd, vi, vc2))));
        __m256 step = OP8(_mm512_div_pd, OP8(_mm512_mul_pd, mi, vc1), OP8(_mm512_add_pd, root, veps));
        _mm256_storeu_ps(p + h, OP8(_mm512_sub_pd, OP8(_mm512_sub_pd, pi, OP8(_mm512_mul_pd, vdd, pi)), OP8(_mm512_mul_pd, vlr, step)));
    }
}
#undef OP8

/// The lanes' sum as Swift's `SIMD8<Float>.sum()`: from -0, lane 0 to 7.
static inline float lanes_sum8(const float *acc) {
    float r = -0.0f;
    for (int j = 0; j < 8; j++) r += acc[j];
    return r;
}

/// `Elementwise.sumOfSquares` from element `i` (a multiple of 8) with the lanes `acc` and the
/// double `total` so far: the rest of the current 4096-element block in lanes, its flush, then
/// whole blocks, the last `count % 8` squares in double, and the double fallback on overflow.
static double sumsq_finish(const float *x, ptrdiff_t i, ptrdiff_t count, float *acc, double total, int open) {
    ptrdiff_t whole = count & ~(ptrdiff_t)7;
    while (i < whole || open) {
        ptrdiff_t end = (i & ~(ptrdiff_t)4095) + 4096;
        if (end > whole) end = whole;
        for (; i < end; i += 8)
            for (int j = 0; j < 8; j++) {
                float sq = x[i + j] * x[i + j];
                acc[j] = acc[j] + sq;
            }
        total += (double)lanes_sum8(acc);
        for (int j = 0; j < 8; j++) acc[j] = 0;
        open = 0;
    }
    for (; i < count; i++) total += (double)x[i] * (double)x[i];
    if (isinf(total)) {
        total = 0;
        for (ptrdiff_t j = 0; j < count; j++) total += (double)x[j] * (double)x[j];
    }
    return total;
}

/// Whether every element of x[0..<count] is finite (its exponent bits not all ones).
static int all_finite(const float *x, ptrdiff_t count) {
    const uint32_t *bits = (const uint32_t *)x;
    uint32_t worst = 0;
    for (ptrdiff_t i = 0; i < count; i++) {
        uint32_t e = bits[i] & 0x7f800000u;
        worst = e > worst ? e : worst;
    }
    return worst != 0x7f800000u;
}

__attribute__((target("avx512f")))
static void adam_avx512(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                        float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                        float l2, float dd, double *sumsq, int exact) {
    ptrdiff_t blocks = count & ~(ptrdiff_t)15;
    // The squares' 8 lanes (sumsq != NULL), as sumsq_finish continues them; flushed every 4096 elements.
    __m256 sq = _mm256_setzero_ps();
    double total = 0;
    __m512 vl2 = _mm512_set1_ps(l2), vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    __m512 vomb1 = _mm512_set1_ps(omb1), vomb2 = _mm512_set1_ps(omb2), veps = _mm512_set1_ps(eps);
    __m512 vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2), vlr = _mm512_set1_ps(lr), vdd = _mm512_set1_ps(dd);
    const __m512i one = _mm512_set1_epi32(1), absMask = _mm512_set1_epi32(0x7fffffff), limit = _mm512_set1_epi32((int)TINY_KEY);
    // Chunks of 64 blocks: the blocks with tiny values are marked in `tiny` and run after the chunk
    // (through double, or the float formula: `exact`), so the vector loop makes no call (its
    // constants stay in registers).
    for (ptrdiff_t c0 = 0; c0 < blocks; c0 += 64 * 16) {
        ptrdiff_t end = blocks - c0 < 64 * 16 ? blocks : c0 + 64 * 16;
        uint64_t tiny = 0, tinyHigh = 0;  // blocks with a tiny value in lanes 0-7, in lanes 8-15
        for (ptrdiff_t i = c0; i < end; i += 16) {
            __m512 pi = _mm512_loadu_ps(p + i), g0 = _mm512_loadu_ps(g + i);
            __m512 m0 = _mm512_loadu_ps(m + i), v0 = _mm512_loadu_ps(v + i);
            if (sumsq) {
                __m256 lo = _mm512_castps512_ps256(g0);
                __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(g0), 1));
                sq = _mm256_add_ps(_mm256_add_ps(sq, _mm256_mul_ps(lo, lo)), _mm256_mul_ps(hi, hi));
            }
            __m512i key = _mm512_min_epu32(_mm512_sub_epi32(_mm512_and_si512(_mm512_castps_si512(m0), absMask), one),
                                           _mm512_sub_epi32(_mm512_castps_si512(v0), one));
            __mmask16 lanes = _mm512_cmplt_epu32_mask(key, limit);  // see TINY_KEY
            if (lanes) {
                tiny |= (uint64_t)((lanes & 0xff) != 0) << ((i - c0) >> 4);
                tinyHigh |= (uint64_t)((lanes >> 8) != 0) << ((i - c0) >> 4);
                continue;
            }
            __m512 gi = _mm512_add_ps(g0, _mm512_mul_ps(vl2, pi));
            __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, m0), _mm512_mul_ps(vomb1, gi));
            __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, v0), _mm512_mul_ps(_mm512_mul_ps(vomb2, gi), gi));
            _mm512_storeu_ps(m + i, mi);
            _mm512_storeu_ps(v + i, vi);
            __m512 step = _mm512_div_ps(_mm512_mul_ps(mi, vc1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vi, vc2)), veps));
            _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_sub_ps(pi, _mm512_mul_ps(vdd, pi)), _mm512_mul_ps(vlr, step)));
        }
        if (sumsq && (end & 4095) == 0) {  // chunks of 1024 elements: every 4096th ends one
            float lanes8[8];
            _mm256_storeu_ps(lanes8, sq);
            total += (double)lanes_sum8(lanes8);
            sq = _mm256_setzero_ps();
        }
        for (uint64_t any = tiny | tinyHigh; any; any &= any - 1) {
            int b = __builtin_ctzll(any);
            ptrdiff_t i = c0 + 16 * (ptrdiff_t)b;
            if (!exact) {  // the float formula, as the loop above
                __m512 pi = _mm512_loadu_ps(p + i);
                __m512 gi = _mm512_add_ps(_mm512_loadu_ps(g + i), _mm512_mul_ps(vl2, pi));
                __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(vomb1, gi));
                __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(vomb2, gi), gi));
                _mm512_storeu_ps(m + i, mi);
                _mm512_storeu_ps(v + i, vi);
                __m512 step = _mm512_div_ps(_mm512_mul_ps(mi, vc1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vi, vc2)), veps));
                _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_sub_ps(pi, _mm512_mul_ps(vdd, pi)), _mm512_mul_ps(vlr, step)));
                continue;
            }
            adam_exact16(p + i, g + i, m + i, v + i, (unsigned)(tiny >> b & 1) | (unsigned)(tinyHigh >> b & 1) << 1,
                         lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
        }
    }
    if (sumsq) {  // before the tail updates: the squares are of g, which the update never writes
        float lanes8[8];
        _mm256_storeu_ps(lanes8, sq);
        *sumsq = sumsq_finish(g, blocks, count, lanes8, total, (blocks & 4095) != 0);
    }
    adam_tail(p, g, m, v, blocks, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd);
}
#endif

#if defined(__x86_64__)
/// Per level (1: AVX2, 2: AVX-512): 1 when blocks with tiny moments take the double path, 0 when
/// they take the float formula; -1 until measured (see `tandem_adam_subnormal_path`).
static int tiny_exact[3] = {1, -1, -1};

/// The level's kernel on `count` elements with the tiny check on or off.
static void adam_level(int level, int exact, float *p, const float *g, float *m, float *v, ptrdiff_t count,
                       float lr, float b1, float b2, float omb1, float omb2, float eps, float c1, float c2,
                       float l2, float dd, double *sumsq) {
    if (level == 2) adam_avx512(p, g, m, v, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd, sumsq, exact);
    else adam_avx2(p, g, m, v, count, lr, b1, b2, omb1, omb2, eps, c1, c2, l2, dd, exact);
}

/// Times the level's update of 16 blocks whose first moments are subnormal (a unit that stopped
/// learning: g = 0, m decayed below 2^-126) through the double path and through the float
/// formula, alternately, 8 times each; the faster (by the minimum) is used from then on. Both
/// give the same bits (see the top of the file): the measurement decides the speed only.
/// About 10 us, once per level and process.
static int measure_tiny_exact(int level) {
    enum { n = 256 };
    float p[n], g[n], m[n], v[n];
    uint64_t best[2] = {UINT64_MAX, UINT64_MAX};
    for (int round = 0; round < 16; round++) {
        int exact = round & 1;
        for (int i = 0; i < n; i++) { p[i] = 0.01f; g[i] = 0; m[i] = 0x1p-140f; v[i] = 0x1p-40f; }
        uint64_t start = __rdtsc();
        adam_level(level, exact, p, g, m, v, n, 1e-3f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 1.5f, 1.2f, 0, 0, NULL);
        uint64_t t = __rdtsc() - start;
        if (t < best[exact]) best[exact] = t;
    }
    return best[1] < best[0];
}
#endif

int tandem_adam_subnormal_path(void) {
#if defined(__x86_64__)
    int level = tandem_kernel_level();
    if (tiny_exact[level] < 0) tiny_exact[level] = measure_tiny_exact(level);
    return tiny_exact[level];
#else
    return 1;
#endif
}

int tandem_adam_subnormal_path_set(int path) {
#if defined(__x86_64__)
    int level = tandem_kernel_level();
    if (level > 0) tiny_exact[level] = path < 0 ? measure_tiny_exact(level) : path != 0;
#else
    (void)path;
#endif
    return tandem_adam_subnormal_path();
}

void tandem_adam(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                 float lr, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                 float epsilon, float correction1, float correction2, float l2, float decoupledDecay) {
#if defined(__x86_64__)
    int level = tandem_kernel_level();
    if (level > 0) {
        adam_level(level, tandem_adam_subnormal_path(), p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2,
                   epsilon, correction1, correction2, l2, decoupledDecay, NULL);
        return;
    }
#endif
    adam_plain(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, correction1, correction2, l2, decoupledDecay);
}

#if defined(__x86_64__)
/// `all_finite`, 16 lanes at a time.
__attribute__((target("avx512f")))
static int all_finite_avx512(const float *x, ptrdiff_t count) {
    const __m512i exponent = _mm512_set1_epi32(0x7f800000);
    __m512i worst = _mm512_setzero_si512();
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16)
        worst = _mm512_max_epu32(worst, _mm512_and_si512(_mm512_loadu_si512((const void *)(x + i)), exponent));
    return !_mm512_cmpeq_epi32_mask(worst, exponent) && all_finite(x + i, count - i);
}
#endif

double tandem_adam_sumsq(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                         float lr, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                         float epsilon, float correction1, float correction2, float l2, float decoupledDecay) {
#if defined(__x86_64__)
    if (tandem_kernel_level() == 2) {
        if (!all_finite_avx512(g, count)) return NAN;
        double total = 0;
        adam_avx512(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon,
                    correction1, correction2, l2, decoupledDecay, &total, tandem_adam_subnormal_path());
        return total;
    }
#endif
    if (!all_finite(g, count)) return NAN;
    float acc[8] = {0};
    double total = sumsq_finish(g, 0, count, acc, 0, 0);
    tandem_adam(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, correction1, correction2,
                l2, decoupledDecay);
    return total;
}
