// CKernels: vectorized kernels for the small-shape hot path, compiled per instruction set with
// per-function target attributes and chosen once at run time (AVX-512, AVX2+FMA, or plain C).
// Not a public API: TandemOptim and TandemTensor wrap it.
#ifndef TANDEM_CKERNELS_H
#define TANDEM_CKERNELS_H
#include <stddef.h>

/// The instruction set the kernels run with on this CPU: 2 = AVX-512F, 1 = AVX2+FMA, 0 = plain C.
/// `TANDEM_KERNELS=plain|avx2|avx512` caps it (never raises it above what the CPU supports).
int tandem_kernel_level(void);

/// Caps the level at `level` (tests run every path the CPU has); returns the level now in effect.
int tandem_kernel_level_cap(int level);

/// The Adam / AdamW update of `count` elements, bitwise identical to TandemOptim's Swift
/// reference (`AdamKernel.reference`): blocks of 16 lanes as
///   g' = g + l2 p;  m = b1 m + omb1 g';  v = b2 v + omb2 g' g';
///   p = (p - dd p) - lr ((m c1) / (sqrt(v c2) + eps)),
/// and the last `count % 16` elements as p -= dd p + lr (m c1) / (sqrt(v c2) + eps) (the reference's
/// scalar tail, whose association differs). p, g, m, v: [count].
void tandem_adam(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                 float lr, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                 float epsilon, float correction1, float correction2, float l2, float decoupledDecay);

/// One numeric column of a batch: `out[i * stride] = (float)(((x is NaN ? fill : x) - offset) / divisor)`
/// with `x = column[rows[i]]` in double precision, for i < n (the Preprocessor's transform, bit
/// for bit). column: the stored values (float32 or float64); rows: [n] dataset rows.
void tandem_gather_scale_f4(const float *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                            double divisor, float *out, ptrdiff_t stride);
void tandem_gather_scale_f8(const double *column, const ptrdiff_t *rows, ptrdiff_t n, double fill, double offset,
                            double divisor, float *out, ptrdiff_t stride);

/// Writes the shortest decimal text that reads back to `x`, laid out exactly as Swift's
/// `Float.description` (`0.99202466`, `6.8211804e-05`, `123.0`), into `out` (room for 16 bytes,
/// not terminated) and returns its length, for 2^-40 <= |x| < 2^24; returns 0 (nothing written)
/// for every other value, which the caller prints with `description`.
int tandem_float_text(float x, char *out);

#endif
