// A dense layer's work around its matrix products (see CKernels.h): the bias and ReLU after the
// forward product, and ReLU's derivative with the bias gradient before the backward products.
// Every element takes the same additions in the same order as TandemTensor's Swift loops
// (`Elementwise.addBias`, `Activation.relu`, `Activation.reluBackward`, `Elementwise.addColumnSums`),
// so all three levels give their bits. Only additions and selects: no contraction to worry about.
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Swift's `max(v, 0)`: `0 >= v ? 0 : v` (NaN stays NaN, -0 becomes +0).
static inline float relu1(float v) { return 0.0f >= v ? 0.0f : v; }

static void bias_plain(float *y, const float *bias, float *out, ptrdiff_t rows, ptrdiff_t cols) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        for (ptrdiff_t c = 0; c < cols; c++) {
            float v = row[c] + bias[c];
            row[c] = v;
            if (out) out[r * cols + c] = relu1(v);
        }
    }
}

/// x == NULL: no mask (dx = dy). dx == NULL: not written.
static void grad_plain(const float *x, const float *dy, float *dx, float *db, ptrdiff_t rows, ptrdiff_t cols) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        for (ptrdiff_t c = 0; c < cols; c++) {
            ptrdiff_t i = r * cols + c;
            float d = x && !(x[i] > 0.0f) ? 0.0f : dy[i];
            if (dx) dx[i] = d;
            db[c] += d;
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void bias_avx2(float *y, const float *bias, float *out, ptrdiff_t rows, ptrdiff_t cols) {
    ptrdiff_t body = cols & ~(ptrdiff_t)7;
    __m256 zero = _mm256_setzero_ps();
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        float *orow = out ? out + r * cols : NULL;
        for (ptrdiff_t c = 0; c < body; c += 8) {
            __m256 v = _mm256_add_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(bias + c));
            _mm256_storeu_ps(row + c, v);
            if (orow) _mm256_storeu_ps(orow + c, _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LE_OQ)));
        }
        for (ptrdiff_t c = body; c < cols; c++) {
            float v = row[c] + bias[c];
            row[c] = v;
            if (orow) orow[c] = relu1(v);
        }
    }
}

__attribute__((target("avx2,fma")))
static void grad_avx2(const float *x, const float *dy, float *dx, float *db, ptrdiff_t rows, ptrdiff_t cols) {
    ptrdiff_t body = cols & ~(ptrdiff_t)7;
    __m256 zero = _mm256_setzero_ps();
    for (ptrdiff_t c = 0; c < body; c += 8) {
        __m256 acc = _mm256_loadu_ps(db + c);
        for (ptrdiff_t r = 0; r < rows; r++) {
            ptrdiff_t i = r * cols + c;
            __m256 d = _mm256_loadu_ps(dy + i);
            if (x) d = _mm256_and_ps(d, _mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_GT_OQ));
            if (dx) _mm256_storeu_ps(dx + i, d);
            acc = _mm256_add_ps(acc, d);
        }
        _mm256_storeu_ps(db + c, acc);
    }
    for (ptrdiff_t c = body; c < cols; c++) {
        float acc = db[c];
        for (ptrdiff_t r = 0; r < rows; r++) {
            ptrdiff_t i = r * cols + c;
            float d = x && !(x[i] > 0.0f) ? 0.0f : dy[i];
            if (dx) dx[i] = d;
            acc += d;
        }
        db[c] = acc;
    }
}

static inline __mmask16 lanes(ptrdiff_t left) { return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1); }

// Whole 16-lane blocks load and store unmasked: a masked load cannot take its data from a
// pending store (the product was just written), and waits for it to retire.
__attribute__((target("avx512f")))
static void bias_avx512(float *y, const float *bias, float *out, ptrdiff_t rows, ptrdiff_t cols) {
    __m512 zero = _mm512_setzero_ps();
    ptrdiff_t body = cols & ~(ptrdiff_t)15;
    __mmask16 tail = lanes(cols - body);
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        float *orow = out ? out + r * cols : NULL;
        for (ptrdiff_t c = 0; c < body; c += 16) {
            __m512 v = _mm512_add_ps(_mm512_loadu_ps(row + c), _mm512_loadu_ps(bias + c));
            _mm512_storeu_ps(row + c, v);
            if (orow) _mm512_storeu_ps(orow + c, _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LE_OQ), zero));
        }
        if (tail) {
            __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(tail, row + body), _mm512_maskz_loadu_ps(tail, bias + body));
            _mm512_mask_storeu_ps(row + body, tail, v);
            if (orow) _mm512_mask_storeu_ps(orow + body, tail, _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LE_OQ), zero));
        }
    }
}

__attribute__((target("avx512f")))
static void grad_avx512(const float *x, const float *dy, float *dx, float *db, ptrdiff_t rows, ptrdiff_t cols) {
    __m512 zero = _mm512_setzero_ps();
    ptrdiff_t body = cols & ~(ptrdiff_t)15;
    for (ptrdiff_t c = 0; c < body; c += 16) {
        __m512 acc = _mm512_loadu_ps(db + c);
        for (ptrdiff_t r = 0; r < rows; r++) {
            ptrdiff_t i = r * cols + c;
            __m512 d = _mm512_loadu_ps(dy + i);
            if (x) d = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), zero, _CMP_GT_OQ), d);
            if (dx) _mm512_storeu_ps(dx + i, d);
            acc = _mm512_add_ps(acc, d);
        }
        _mm512_storeu_ps(db + c, acc);
    }
    if (body < cols) {
        __mmask16 k = lanes(cols - body);
        __m512 acc = _mm512_maskz_loadu_ps(k, db + body);
        for (ptrdiff_t r = 0; r < rows; r++) {
            ptrdiff_t i = r * cols + body;
            __m512 d = _mm512_maskz_loadu_ps(k, dy + i);
            if (x) d = _mm512_maskz_mov_ps(_mm512_mask_cmp_ps_mask(k, _mm512_maskz_loadu_ps(k, x + i), zero, _CMP_GT_OQ), d);
            if (dx) _mm512_mask_storeu_ps(dx + i, k, d);
            acc = _mm512_add_ps(acc, d);
        }
        _mm512_mask_storeu_ps(db + body, k, acc);
    }
}
#endif

void tandem_add_bias(float *y, const float *bias, float *relu, ptrdiff_t rows, ptrdiff_t cols) {
#if defined(__x86_64__)
    switch (tandem_kernel_level()) {
    case 2: bias_avx512(y, bias, relu, rows, cols); return;
    case 1: bias_avx2(y, bias, relu, rows, cols); return;
    default: break;
    }
#endif
    bias_plain(y, bias, relu, rows, cols);
}

void tandem_bias_gradient(const float *x, const float *dy, float *dx, float *db, ptrdiff_t rows, ptrdiff_t cols) {
#if defined(__x86_64__)
    switch (tandem_kernel_level()) {
    case 2: grad_avx512(x, dy, dx, db, rows, cols); return;
    case 1: grad_avx2(x, dy, dx, db, rows, cols); return;
    default: break;
    }
#endif
    grad_plain(x, dy, dx, db, rows, cols);
}
