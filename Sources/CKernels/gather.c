// Batch gathering: one numeric column's values at the batch's rows, imputed and scaled in double
// precision (the Preprocessor's formula), written into a column of the row-major batch. Every
// element is computed independently, so each instruction set gives the same bits.
#include "CKernels.h"

#define GATHER_BODY(T)                                                                   \
    for (ptrdiff_t i = 0; i < n; i++) {                                                  \
        double raw = (double)column[rows[i]];                                            \
        out[i * stride] = (float)(((raw != raw ? fill : raw) - offset) / divisor);        \
    }

static void gather_f4_plain(const float *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                            double divisor, float *out, ptrdiff_t stride) { GATHER_BODY(float) }
static void gather_f8_plain(const double *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                            double divisor, float *out, ptrdiff_t stride) { GATHER_BODY(double) }
#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void gather_f4_avx2(const float *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                           double divisor, float *out, ptrdiff_t stride) { GATHER_BODY(float) }
__attribute__((target("avx2,fma")))
static void gather_f8_avx2(const double *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                           double divisor, float *out, ptrdiff_t stride) { GATHER_BODY(double) }
__attribute__((target("avx512f")))
static void gather_f4_avx512(const float *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                             double divisor, float *out, ptrdiff_t stride) { GATHER_BODY(float) }
__attribute__((target("avx512f")))
static void gather_f8_avx512(const double *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                             double divisor, float *out, ptrdiff_t stride) { GATHER_BODY(double) }
#endif

void tandem_gather_scale_f4(const float *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                            double divisor, float *out, ptrdiff_t stride) {
#if defined(__x86_64__)
    switch (tandem_kernel_level()) {
    case 2: gather_f4_avx512(column, rows, n, fill, offset, divisor, out, stride); return;
    case 1: gather_f4_avx2(column, rows, n, fill, offset, divisor, out, stride); return;
    default: break;
    }
#endif
    gather_f4_plain(column, rows, n, fill, offset, divisor, out, stride);
}

void tandem_gather_scale_f8(const double *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                            double divisor, float *out, ptrdiff_t stride) {
#if defined(__x86_64__)
    switch (tandem_kernel_level()) {
    case 2: gather_f8_avx512(column, rows, n, fill, offset, divisor, out, stride); return;
    case 1: gather_f8_avx2(column, rows, n, fill, offset, divisor, out, stride); return;
    default: break;
    }
#endif
    gather_f8_plain(column, rows, n, fill, offset, divisor, out, stride);
}
