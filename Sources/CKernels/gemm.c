// Tandem's sgemm kernel (see CKernels.h). Every C element is one accumulator summed over p = 0..<k in
// order with a fused multiply-add at each step, then scaled: c = alpha acc, or fma(beta, c, alpha acc).
// k is cut into blocks of TANDEM_GEMM_KC: between blocks the accumulator waits in C as a float (exact),
// so the sum is the same chain of roundings as one unblocked loop. The plain level does the same with
// fmaf, so all three levels give the same bits.
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#include "gemm_block.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define FORCE_INLINE inline __attribute__((always_inline))
#ifndef PF_HINT
#define PF_HINT _MM_HINT_T0
#endif

/// One k block of a call. A element (i, p) is at a[i * ars + p * acs]; row p of the block's op(B) at
/// b + p * ldb; C row i at c + i * ldc, and the C that beta scales at the same offset from cin0 as
/// from c0 (C itself, or its copy when C holds partial sums). `first`: the accumulators start at 0, else they continue from C;
/// `last`: the epilogue (alpha, beta) is applied, else the raw accumulators are stored in C.
typedef struct {
    ptrdiff_t k, ars, acs, ldb, ldc;
    float alpha, beta;
    int first, last;
    float *c0;
    const float *cin0;
    /// Rows 0..<pf_rows of the next panel of a whole pack, brought into the cache during the tile's
    /// first pf_rows steps (one panel row per step; none when pf_rows is 0).
    const float *pf;
    ptrdiff_t pf_rows;
    /// The call's first k block continues from C's partial sums too (`tandem_sgemm_rows_resume`).
    int resume;
} gemm_args;

/// Where the epilogue reads the C that beta scales for the element at `c`: the same place in
/// `cin0` (C itself, or its copy), found from the offset so the tiles keep one fewer pointer live.
static FORCE_INLINE const float *beta_source(const gemm_args *g, const float *c) { return g->cin0 + (c - g->c0); }

/// Packs columns j0..<j0+nr of op(B) = B^T for rows p0..<p0+kb (B stored [n, k]) into panel
/// [kb, width]; columns nr..<width are left unset (the tiles never read them: masked loads).
static FORCE_INLINE void pack_transposed(const float *b, ptrdiff_t k, ptrdiff_t p0, ptrdiff_t kb, ptrdiff_t j0,
                                         ptrdiff_t nr, ptrdiff_t width, float *panel) {
    for (ptrdiff_t jj = 0; jj < nr; jj++) {
        const float *row = b + (j0 + jj) * k + p0;
        for (ptrdiff_t p = 0; p < kb; p++) panel[p * width + jj] = row[p];
    }
}

/// Packs columns j0..<j0+nr of B (stored [k, n]) for rows p0..<p0+kb into panel [kb, width].
static FORCE_INLINE void pack_plain(const float *b, ptrdiff_t n, ptrdiff_t p0, ptrdiff_t kb, ptrdiff_t j0,
                                    ptrdiff_t nr, ptrdiff_t width, float *panel) {
    for (ptrdiff_t p = 0; p < kb; p++) memcpy(panel + p * width, b + (p0 + p) * n + j0, (size_t)nr * sizeof(float));
}

/// A thread's two buffers (grown, never shrunk; freed when the thread ends): SCRATCH_C for the copy
/// of C that beta scales when k takes several blocks, SCRATCH_A for A's packed k block.
enum { SCRATCH_C = 0, SCRATCH_A = 1 };
typedef struct {
    float *buffer[2];
    size_t count[2];
} scratch_buffers;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static _Thread_local scratch_buffers scratch;

static void scratch_free(void *value) {
    scratch_buffers *s = value;
    for (int i = 0; i < 2; i++) free(s->buffer[i]), s->buffer[i] = NULL, s->count[i] = 0;
}

static void scratch_key_make(void) { (void)pthread_key_create(&scratch_key, scratch_free); }

/// The calling thread's buffer `which` with room for `count` floats; NULL when it cannot be had.
static float *scratch_get(int which, size_t count) {
    if (count <= scratch.count[which]) return scratch.buffer[which];
    float *grown = malloc(count * sizeof(float));
    if (!grown) return NULL;
    pthread_once(&scratch_once, scratch_key_make);
    free(scratch.buffer[which]);
    scratch.buffer[which] = grown;
    scratch.count[which] = count;
    (void)pthread_setspecific(scratch_key, &scratch);
    return grown;
}

/// Packs rows 0..<m, columns p0..<p0+kb of op(A) (element (i, p) at a[i * ars + p * acs]) into
/// tiles of mr_max rows: tile t is [kb, mr_max] at packed + t * kb * mr_max (rows past m unset).
static void pack_a(const float *a, ptrdiff_t ars, ptrdiff_t acs, ptrdiff_t m, ptrdiff_t p0, ptrdiff_t kb,
                   ptrdiff_t mr_max, float *packed) {
    for (ptrdiff_t i0 = 0; i0 < m; i0 += mr_max) {
        ptrdiff_t mr = m - i0 < mr_max ? m - i0 : mr_max;
        float *tile = packed + i0 * kb;
        if (ars == 1) {  // A transposed: each p's mr elements are adjacent
            for (ptrdiff_t p = 0; p < kb; p++) memcpy(tile + p * mr_max, a + i0 + (p0 + p) * acs, (size_t)mr * sizeof(float));
        } else {
            for (ptrdiff_t r = 0; r < mr; r++) {
                const float *row = a + (i0 + r) * ars + p0;
                for (ptrdiff_t p = 0; p < kb; p++) tile[p * mr_max + r] = row[p];
            }
        }
    }
}

// --- plain C: blocks of 4 rows x 16 columns, fmaf at every step ---

static FORCE_INLINE void tile_plain(const gemm_args *g, const float *a, const float *b, float *c,
                                    ptrdiff_t mr, ptrdiff_t nr) {
    float acc[4][16];
    for (ptrdiff_t r = 0; r < mr; r++)
        for (ptrdiff_t j = 0; j < nr; j++) acc[r][j] = g->first ? 0 : c[r * g->ldc + j];
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
        const float *ci = beta_source(g, cr);
        for (ptrdiff_t j = 0; j < nr; j++) {
            if (!g->last) {
                cr[j] = acc[r][j];
                continue;
            }
            float t = g->alpha * acc[r][j];
            cr[j] = g->beta == 0 ? t : fmaf(g->beta, ci[j], t);
        }
    }
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
static FORCE_INLINE void pack_transposed_avx2(const float *b, ptrdiff_t k, ptrdiff_t p0, ptrdiff_t kb, ptrdiff_t j0,
                                              ptrdiff_t nr, ptrdiff_t width, float *panel) {
    ptrdiff_t jj = 0, k8 = kb & ~(ptrdiff_t)7;
    for (; jj + 8 <= nr; jj += 8) {
        const float *rows = b + (j0 + jj) * k + p0;
        for (ptrdiff_t p = 0; p < k8; p += 8) transpose8x8(rows + p, k, panel + p * width + jj, width);
        for (ptrdiff_t q = 0; q < 8; q++)
            for (ptrdiff_t p = k8; p < kb; p++) panel[p * width + jj + q] = rows[q * k + p];
    }
    for (; jj < nr; jj++) {
        const float *row = b + (j0 + jj) * k + p0;
        for (ptrdiff_t p = 0; p < kb; p++) panel[p * width + jj] = row[p];
    }
}

/// `pack_transposed_avx2` with the panel width a constant (the stores' offsets become immediates).
__attribute__((target("avx2")))
static void pack_transposed_avx2_16(const float *b, ptrdiff_t k, ptrdiff_t p0, ptrdiff_t kb, ptrdiff_t j0, ptrdiff_t nr,
                                    float *panel) {
    pack_transposed_avx2(b, k, p0, kb, j0, nr, 16, panel);
}

__attribute__((target("avx2")))
static void pack_transposed_avx2_32(const float *b, ptrdiff_t k, ptrdiff_t p0, ptrdiff_t kb, ptrdiff_t j0, ptrdiff_t nr,
                                    float *panel) {
    pack_transposed_avx2(b, k, p0, kb, j0, nr, 32, panel);
}

// --- AVX2 + FMA: tiles of up to 6 rows x 16 columns (two 8-lane accumulators per row) ---
// (The tiles' loops over rows and vectors are unrolled fully by `#pragma unroll`, so the accumulator
// array becomes registers: left to the compiler, a 12 x 32 tile kept it on the stack, cleared by a
// memset before and stored after the k loop: the small step's five products took 5.60 us, now
// 5.15-5.25 (C harness, best of 400).)

#define AVX2_MR 6

__attribute__((target("avx2,fma")))
static FORCE_INLINE void tile_avx2(const gemm_args *g, const float *a, const float *b, float *c,
                                   const int MR, const int NV, const int masked, const int PF, __m256i m0, __m256i m1) {
    __m256 acc[AVX2_MR][2];
    #pragma unroll
    for (int r = 0; r < MR; r++)
        #pragma unroll
        for (int v = 0; v < NV; v++) {
            __m256i mask = NV == 1 ? m0 : (v == 0 ? _mm256_set1_epi32(-1) : m1);
            int mv = masked && (NV == 1 || v == 1);
            float *cr = c + r * g->ldc + 8 * v;
            acc[r][v] = g->first ? _mm256_setzero_ps() : mv ? _mm256_maskload_ps(cr, mask) : _mm256_loadu_ps(cr);
        }
    const ptrdiff_t k = g->k, ars = g->ars, acs = g->acs, ldb = g->ldb, pf_rows = g->pf_rows;
    const float *pf = g->pf;
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *bp = b + p * ldb;
        if (PF && p < pf_rows) _mm_prefetch((const char *)(pf + 16 * p), PF_HINT);
        __m256 b0 = masked && NV == 1 ? _mm256_maskload_ps(bp, m0) : _mm256_loadu_ps(bp);
        __m256 b1 = _mm256_setzero_ps();
        if (NV == 2) b1 = masked ? _mm256_maskload_ps(bp + 8, m1) : _mm256_loadu_ps(bp + 8);
        const float *ap = a + p * acs;
        #pragma unroll
        for (int r = 0; r < MR; r++) {
            __m256 av = _mm256_broadcast_ss(ap + r * ars);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            if (NV == 2) acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    const __m256 valpha = _mm256_set1_ps(g->alpha), vbeta = _mm256_set1_ps(g->beta);
    const int useBeta = g->beta != 0;
    #pragma unroll
    for (int r = 0; r < MR; r++) {
        float *cr = c + r * g->ldc;
        const float *ci = beta_source(g, cr);
        #pragma unroll
        for (int v = 0; v < NV; v++) {
            __m256i mask = NV == 1 ? m0 : (v == 0 ? _mm256_set1_epi32(-1) : m1);
            int mv = masked && (NV == 1 || v == 1);
            __m256 t = acc[r][v];
            if (g->last) {
                t = _mm256_mul_ps(valpha, t);
                if (useBeta) t = _mm256_fmadd_ps(vbeta, mv ? _mm256_maskload_ps(ci + 8 * v, mask) : _mm256_loadu_ps(ci + 8 * v), t);
            }
            if (mv) _mm256_maskstore_ps(cr + 8 * v, mask, t);
            else _mm256_storeu_ps(cr + 8 * v, t);
        }
    }
}

/// One tile with the row count `mr` and the column count `nr` (<= 16) made constants for the compiler
/// (`PF`: with the pack's next-panel prefetch, `gemm_args.pf`).
__attribute__((target("avx2,fma")))
static FORCE_INLINE void tile_avx2_cases(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr,
                                         ptrdiff_t nr, const int PF) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr), lanes);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr - 8), lanes);
#define AVX2_CASES(NV, MASKED)                                                      \
    switch (mr) {                                                                   \
    case 6: tile_avx2(g, a, b, c, 6, NV, MASKED, PF, m0, m1); return;              \
    case 5: tile_avx2(g, a, b, c, 5, NV, MASKED, PF, m0, m1); return;              \
    case 4: tile_avx2(g, a, b, c, 4, NV, MASKED, PF, m0, m1); return;              \
    case 3: tile_avx2(g, a, b, c, 3, NV, MASKED, PF, m0, m1); return;              \
    case 2: tile_avx2(g, a, b, c, 2, NV, MASKED, PF, m0, m1); return;              \
    default: tile_avx2(g, a, b, c, 1, NV, MASKED, PF, m0, m1); return;             \
    }
    if (nr == 16) { AVX2_CASES(2, 0) }
    if (nr > 8) { AVX2_CASES(2, 1) }
    if (nr == 8) { AVX2_CASES(1, 0) }
    AVX2_CASES(1, 1)
#undef AVX2_CASES
}

/// `tile_avx2_cases` without and with the prefetch (one function each, so a product that packs
/// per call runs the same code as before products from a pack existed).
__attribute__((target("avx2,fma")))
static void tile_avx2_any(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr, ptrdiff_t nr) {
    tile_avx2_cases(g, a, b, c, mr, nr, 0);
}

__attribute__((target("avx2,fma")))
static void tile_avx2_pf(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr, ptrdiff_t nr) {
    tile_avx2_cases(g, a, b, c, mr, nr, 1);
}

// --- AVX-512F: tiles of up to 12 rows x 32 columns (two 16-lane accumulators per row) ---

#define AVX512_MR 12

__attribute__((target("avx512f")))
static FORCE_INLINE void tile_avx512(const gemm_args *g, const float *a, const float *b, float *c,
                                     const int MR, const int NV, const int ONE, const int PF, __mmask16 m0, __mmask16 m1) {
    __m512 acc[AVX512_MR][2];
    const int first = ONE || g->first, last = ONE || g->last;
    #pragma unroll
    for (int r = 0; r < MR; r++)
        #pragma unroll
        for (int v = 0; v < NV; v++)
            acc[r][v] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(v == 0 ? m0 : m1, c + r * g->ldc + 16 * v);
    const ptrdiff_t k = g->k, ars = g->ars, acs = g->acs, ldb = g->ldb, pf_rows = g->pf_rows;
    const float *pf = g->pf;
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *bp = b + p * ldb;
        if (PF && p < pf_rows) {
            _mm_prefetch((const char *)(pf + 32 * p), PF_HINT);
            _mm_prefetch((const char *)(pf + 32 * p + 16), PF_HINT);
        }
        __m512 b0 = _mm512_maskz_loadu_ps(m0, bp);
        __m512 b1 = _mm512_setzero_ps();
        if (NV == 2) b1 = _mm512_maskz_loadu_ps(m1, bp + 16);
        const float *ap = a + p * acs;
        #pragma unroll
        for (int r = 0; r < MR; r++) {
            __m512 av = _mm512_set1_ps(ap[r * ars]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            if (NV == 2) acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    const __m512 valpha = _mm512_set1_ps(g->alpha), vbeta = _mm512_set1_ps(g->beta);
    const int useBeta = g->beta != 0;
    #pragma unroll
    for (int r = 0; r < MR; r++) {
        float *cr = c + r * g->ldc;
        const float *ci = beta_source(g, cr);
        #pragma unroll
        for (int v = 0; v < NV; v++) {
            __mmask16 mask = v == 0 ? m0 : m1;
            __m512 t = acc[r][v];
            if (last) {
                t = _mm512_mul_ps(valpha, t);
                if (useBeta) t = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask, ci + 16 * v), t);
            }
            _mm512_mask_storeu_ps(cr + 16 * v, mask, t);
        }
    }
}

__attribute__((target("avx512f")))
static FORCE_INLINE void tile_avx512_cases(const gemm_args *g, const float *a, const float *b, float *c,
                                           ptrdiff_t mr, ptrdiff_t nr, const int PF) {
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xffff : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
#define AVX512_CASES(NV, ONE)                                                         \
    switch (mr) {                                                                     \
    case 12: tile_avx512(g, a, b, c, 12, NV, ONE, PF, m0, m1); return;               \
    case 11: tile_avx512(g, a, b, c, 11, NV, ONE, PF, m0, m1); return;               \
    case 10: tile_avx512(g, a, b, c, 10, NV, ONE, PF, m0, m1); return;               \
    case 9: tile_avx512(g, a, b, c, 9, NV, ONE, PF, m0, m1); return;                 \
    case 8: tile_avx512(g, a, b, c, 8, NV, ONE, PF, m0, m1); return;                 \
    case 7: tile_avx512(g, a, b, c, 7, NV, ONE, PF, m0, m1); return;                 \
    case 6: tile_avx512(g, a, b, c, 6, NV, ONE, PF, m0, m1); return;                 \
    case 5: tile_avx512(g, a, b, c, 5, NV, ONE, PF, m0, m1); return;                 \
    case 4: tile_avx512(g, a, b, c, 4, NV, ONE, PF, m0, m1); return;                 \
    case 3: tile_avx512(g, a, b, c, 3, NV, ONE, PF, m0, m1); return;                 \
    case 2: tile_avx512(g, a, b, c, 2, NV, ONE, PF, m0, m1); return;                 \
    default: tile_avx512(g, a, b, c, 1, NV, ONE, PF, m0, m1); return;                \
    }
    if (g->first && g->last) {  // k in one block (every small shape): no C round trip to decide
        if (nr > 16) { AVX512_CASES(2, 1) }
        AVX512_CASES(1, 1)
    }
    if (nr > 16) { AVX512_CASES(2, 0) }
    AVX512_CASES(1, 0)
#undef AVX512_CASES
}

__attribute__((target("avx512f")))
static void tile_avx512_any(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr, ptrdiff_t nr) {
    tile_avx512_cases(g, a, b, c, mr, nr, 0);
}

__attribute__((target("avx512f")))
static void tile_avx512_pf(const gemm_args *g, const float *a, const float *b, float *c, ptrdiff_t mr, ptrdiff_t nr) {
    tile_avx512_cases(g, a, b, c, mr, nr, 1);
}
#endif

/// Where panel (p0, j0) of an op(B) [k, n] packed whole in panels of `width` columns starts: k block
/// by k block, each block's panels [kb, width] side by side in column order (the order the blocked
/// loops read them, so a product streams the pack once from start to end).
static FORCE_INLINE ptrdiff_t packed_offset(ptrdiff_t n, ptrdiff_t width, ptrdiff_t p0, ptrdiff_t kb, ptrdiff_t j0) {
    ptrdiff_t npad = (n + width - 1) / width * width;
    return p0 * npad + j0 * kb;
}

/// The blocked loops, shared by every level: k in blocks of TANDEM_GEMM_KC (outermost, so A's block
/// stays in cache across the column panels), columns in panels of `nr_max` (op(B)'s block packed
/// into `panel` [kb, nr_max] when B is transposed or when `pack` asks, else read in place), rows in
/// tiles of `mr_max`. (`g.cin0`: where the epilogue reads the C that beta scales; `g.ldb` on entry:
/// the row stride of a B stored [k, n], which exceeds n when C is a block of a wider product.)
/// With `packedB` (op(B) packed whole by `tandem_sgemm_pack_b` at this level), each panel is read
/// from there instead (`b`, `transB` and `pack` unused).
static FORCE_INLINE void gemm_blocked(const int level, int transB, int pack, const float *packedB, float *packedA,
                                      ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, gemm_args g, const float *a, const float *b,
                                      float *c) {
    float panel[TANDEM_GEMM_KC * 32];
    ptrdiff_t mr_max = 4, nr_max = 16;
#if defined(__x86_64__)
    if (level == 2) mr_max = AVX512_MR, nr_max = 32;
    else if (level == 1) mr_max = AVX2_MR, nr_max = 16;
#endif
    const ptrdiff_t ars = g.ars, acs = g.acs, ldB = g.ldb;
    ptrdiff_t p0 = 0;
    do {  // once when k is 0: no step, the epilogue only
        ptrdiff_t kb = k - p0 < TANDEM_GEMM_KC ? k - p0 : TANDEM_GEMM_KC;
        const float *ablock = a + p0 * acs;
        ptrdiff_t tars = ars, tacs = acs, tile_stride = mr_max * ars;
        if (packedA) {
            pack_a(a, ars, acs, m, p0, kb, mr_max, packedA);
            ablock = packedA, tars = 1, tacs = mr_max, tile_stride = mr_max * kb;
        }
        g.k = kb;
        g.ars = tars;
        g.acs = tacs;
        g.first = p0 == 0 && !g.resume;
        g.last = p0 + kb == k;
        for (ptrdiff_t j0 = 0; j0 < n; j0 += nr_max) {
            ptrdiff_t nr = n - j0 < nr_max ? n - j0 : nr_max;
            const float *bp = b + p0 * ldB + j0;
            g.ldb = ldB;
            if (packedB) {
                bp = packedB + packed_offset(n, nr_max, p0, kb, j0);
                g.ldb = nr_max;
            } else if (transB) {
#if defined(__x86_64__)
                if (level == 2) pack_transposed_avx2_32(b, k, p0, kb, j0, nr, panel);
                else if (level == 1) pack_transposed_avx2_16(b, k, p0, kb, j0, nr, panel);
                else
#endif
                    pack_transposed(b, k, p0, kb, j0, nr, nr_max, panel);
                bp = panel;
                g.ldb = nr_max;
            } else if (pack) {
                pack_plain(b, ldB, p0, kb, j0, nr, nr_max, panel);
                bp = panel;
                g.ldb = nr_max;
            }
            const ptrdiff_t tiles = (m + mr_max - 1) / mr_max;
            const int prefetch = packedB && (j0 + nr_max < n || p0 + kb < k);
            g.pf_rows = 0;
            for (ptrdiff_t i0 = 0, t = 0; i0 < m; i0 += mr_max, t++) {
                ptrdiff_t mr = m - i0 < mr_max ? m - i0 : mr_max;
                if (prefetch) {  // the pack's next panel starts where this one ends: its rows in slices, one per tile
                    ptrdiff_t r0 = t * kb / tiles, r1 = (t + 1) * kb / tiles;
                    g.pf = bp + kb * nr_max + r0 * nr_max;
                    g.pf_rows = r1 - r0;
                }
                ptrdiff_t at = i0 * g.ldc + j0;
                const float *at_a = ablock + t * tile_stride;
#if defined(__x86_64__)
                if (level == 2) (prefetch ? tile_avx512_pf : tile_avx512_any)(&g, at_a, bp, c + at, mr, nr);
                else if (level == 1) (prefetch ? tile_avx2_pf : tile_avx2_any)(&g, at_a, bp, c + at, mr, nr);
                else
#endif
                    tile_plain(&g, at_a, bp, c + at, mr, nr);
            }
        }
        p0 += kb;
    } while (p0 < k);
}

/// `gemm_blocked` with the level a constant (so its tile sizes are), one function per instruction set.
static void gemm_plain(int transB, int pack, const float *packedB, float *packedA, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                       gemm_args g, const float *a, const float *b, float *c) {
    gemm_blocked(0, transB, pack, packedB, packedA, m, n, k, g, a, b, c);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void gemm_avx2(int transB, int pack, const float *packedB, float *packedA, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                      gemm_args g, const float *a, const float *b, float *c) {
    gemm_blocked(1, transB, pack, packedB, packedA, m, n, k, g, a, b, c);
}

__attribute__((target("avx512f")))
static void gemm_avx512(int transB, int pack, const float *packedB, float *packedA, ptrdiff_t m, ptrdiff_t n,
                        ptrdiff_t k, gemm_args g, const float *a, const float *b, float *c) {
    gemm_blocked(2, transB, pack, packedB, packedA, m, n, k, g, a, b, c);
}
#endif

/// `tandem_sgemm`, with op(B)'s panels read from `packedB` when it is not NULL (packed at `level`).
static int sgemm_whole(int level, int transA, int transB, const float *packedB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                       float alpha, const float *a, const float *b, float beta, float *c) {
    if (m < 0 || n < 0 || k < 0) return -1;
    if (m == 0 || n == 0) return 0;
    gemm_args g = {k, transA ? 1 : k, transA ? m : 1, n, n, alpha, beta, 1, 1, c, c};
    if (beta != 0 && k > TANDEM_GEMM_KC) {
        float *copy = scratch_get(SCRATCH_C, (size_t)m * (size_t)n);
        if (!copy) return -1;
        memcpy(copy, c, (size_t)m * (size_t)n * sizeof(float));
        g.cin0 = copy;
    }
    ptrdiff_t mr_max = level == 2 ? 12 : level == 1 ? 6 : 4;
    float *packedA = NULL;
    if (n > TANDEM_GEMM_PACK_A_N && k > 0) {
        ptrdiff_t kb = k < TANDEM_GEMM_KC ? k : TANDEM_GEMM_KC;
        packedA = scratch_get(SCRATCH_A, (size_t)(((m + mr_max - 1) / mr_max) * mr_max) * (size_t)kb);
        if (!packedA) return -1;
    }
    int pack = m > TANDEM_GEMM_PACK_M && n > TANDEM_GEMM_PACK_A_N;
#if defined(__x86_64__)
    if (level == 2) return gemm_avx512(transB, pack, packedB, packedA, m, n, k, g, a, b, c), 0;
    if (level == 1) return gemm_avx2(transB, pack, packedB, packedA, m, n, k, g, a, b, c), 0;
#endif
    gemm_plain(transB, pack, packedB, packedA, m, n, k, g, a, b, c);
    return 0;
}

/// The kernel level in effect (0 off x86-64).
static int current_level(void) {
#if defined(__x86_64__)
    return tandem_kernel_level();
#else
    return 0;
#endif
}

int tandem_sgemm(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                 const float *b, float beta, float *c) {
    return sgemm_whole(current_level(), transA, transB, NULL, m, n, k, alpha, a, b, beta, c);
}

/// The panel width the blocked loops use at `level`.
static ptrdiff_t panel_width(int level) { return level == 2 ? 32 : 16; }

ptrdiff_t tandem_sgemm_packed_count(ptrdiff_t n, ptrdiff_t k) {
    if (n < 0 || k < 0) return -1;
    return (n + 31) / 32 * 32 * k;  // the widest panel's: enough at every level
}

int tandem_sgemm_pack_b(int transB, ptrdiff_t n, ptrdiff_t k, const float *b, float *packed, ptrdiff_t capacity) {
    int level = current_level();
    ptrdiff_t width = panel_width(level);
    if (n < 0 || k < 0 || capacity < (n + width - 1) / width * width * k) return -1;
    for (ptrdiff_t p0 = 0; p0 < k; p0 += TANDEM_GEMM_KC) {
        ptrdiff_t kb = k - p0 < TANDEM_GEMM_KC ? k - p0 : TANDEM_GEMM_KC;
        for (ptrdiff_t j0 = 0; j0 < n; j0 += width) {
            ptrdiff_t nr = n - j0 < width ? n - j0 : width;
            float *panel = packed + packed_offset(n, width, p0, kb, j0);
            if (nr < width)  // columns past n: never read (masked loads), zeroed so the pack is defined
                for (ptrdiff_t p = 0; p < kb; p++) memset(panel + p * width + nr, 0, (size_t)(width - nr) * sizeof(float));
            if (!transB) {
                pack_plain(b, n, p0, kb, j0, nr, width, panel);
                continue;
            }
#if defined(__x86_64__)
            if (level == 2) pack_transposed_avx2_32(b, k, p0, kb, j0, nr, panel);
            else if (level == 1) pack_transposed_avx2_16(b, k, p0, kb, j0, nr, panel);
            else
#endif
                pack_transposed(b, k, p0, kb, j0, nr, width, panel);
        }
    }
    return (int)width;
}

int tandem_sgemm_packed(int transA, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                        const float *packed, int width, float beta, float *c) {
    int level = current_level();
    if (width != panel_width(level)) return -1;
    return sgemm_whole(level, transA, 0, packed, m, n, k, alpha, a, NULL, beta, c);
}

int tandem_sgemm_prepare(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float beta, const float *c, const float **cin) {
    *cin = NULL;
    if (beta == 0 || k <= TANDEM_GEMM_KC || m == 0 || n == 0) return 0;
    float *copy = scratch_get(SCRATCH_C, (size_t)m * (size_t)n);
    if (!copy) return -1;
    memcpy(copy, c, (size_t)m * (size_t)n * sizeof(float));
    *cin = copy;
    return 0;
}

/// `tandem_sgemm_block`, whose first k block continues from C's partial sums when `resume`.
static void sgemm_block(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                        const float *b, float beta, float *c, const float *cin, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t j0,
                        ptrdiff_t j1, int resume) {
    ptrdiff_t mb = i1 - i0, nb = j1 - j0;
    if (mb <= 0 || nb <= 0) return;
    const float *ab = transA ? a + i0 : a + i0 * k;
    const float *bb = transB ? b + j0 * k : b + j0;
    float *cb = c + i0 * n + j0;
    gemm_args g = {k, transA ? 1 : k, transA ? m : 1, n, n, alpha, beta, 1, 1, cb, cin ? cin + i0 * n + j0 : cb};
    g.resume = resume;
    int level = 0;
#if defined(__x86_64__)
    level = tandem_kernel_level();
#endif
    ptrdiff_t mr_max = level == 2 ? 12 : level == 1 ? 6 : 4;
    float *packedA = NULL;  // A read in place when the buffer cannot be had: slower, the same bits
    if (nb > TANDEM_GEMM_PACK_A_N && k > 0) {
        ptrdiff_t kb = k < TANDEM_GEMM_KC ? k : TANDEM_GEMM_KC;
        packedA = scratch_get(SCRATCH_A, (size_t)(((mb + mr_max - 1) / mr_max) * mr_max) * (size_t)kb);
    }
    int pack = mb > TANDEM_GEMM_PACK_M && nb > TANDEM_GEMM_PACK_A_N;
#if defined(__x86_64__)
    if (level == 2) {
        gemm_avx512(transB, pack, NULL, packedA, mb, nb, k, g, ab, bb, cb);
        return;
    }
    if (level == 1) {
        gemm_avx2(transB, pack, NULL, packedA, mb, nb, k, g, ab, bb, cb);
        return;
    }
#endif
    gemm_plain(transB, pack, NULL, packedA, mb, nb, k, g, ab, bb, cb);
}

void tandem_sgemm_block(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                        const float *b, float beta, float *c, const float *cin, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t j0,
                        ptrdiff_t j1) {
    sgemm_block(transA, transB, m, n, k, alpha, a, b, beta, c, cin, i0, i1, j0, j1, 0);
}

int tandem_sgemm_rows_resume(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                             const float *b, float *c, ptrdiff_t i0, ptrdiff_t i1, int resume) {
    if (m < 0 || n < 0 || k < 0 || i0 < 0 || i1 > m || i0 > i1) return -1;
    if (i0 == i1 || n == 0) return 0;
    if (k == 0) {  // no step: the accumulators as they are (from 0, or C's partial sums)
        if (!resume) memset(c + i0 * n, 0, (size_t)(i1 - i0) * (size_t)n * sizeof(float));
        return 0;
    }
    sgemm_block(transA, transB, m, n, k, 1, a, b, 0, c, NULL, i0, i1, 0, n, resume);
    return 0;
}
