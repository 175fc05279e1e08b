// CKernels: vectorized kernels for the training and serving hot paths (GEMM, Adam, gathers, epilogues), compiled per instruction set with
// per-function target attributes and chosen once at run time (AVX-512, AVX2+FMA, or plain C).
// Not a public API: TandemOptim and TandemTensor wrap it.
#ifndef TANDEM_CKERNELS_H
#define TANDEM_CKERNELS_H
#include <stddef.h>
#include <stdint.h>

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

/// `tandem_adam`, and the sum of squares of g[0..<count] (read before the update) bitwise as
/// TandemTensor's `Elementwise.sumOfSquares` computes it: 8 float lanes, lane j summing
/// (x x rounded) over elements j, j + 8, ... in order, their sum (from -0, lane by lane) added to
/// a double every 4096 elements and at the end, the last `count % 8` squares in double; all in
/// double when that overflows. When an element of g is not finite, returns NaN and changes
/// nothing (the caller reports the non-finite gradient before any update). With AVX-512 the sum
/// rides in the update's loop, where it costs nothing next to the divider.
double tandem_adam_sumsq(float *p, const float *g, float *m, float *v, ptrdiff_t count,
                         float lr, float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                         float epsilon, float correction1, float correction2, float l2, float decoupledDecay);

/// How the vector levels update a block of 16 elements holding a moment below 2^-120 (subnormal
/// or nearly): 1 = each float operation through double (no subnormal operand, so no microcode
/// assist: ~150 cycles an operation on CPUs that take one), 0 = the float formula as for every
/// other block (both after the block's chunk of 64 blocks). The same bits either way; chosen for
/// this CPU and level by timing both once on subnormal moments (about 10 us, at the first update):
/// on a CPU whose float unit handles subnormals at little cost the double path is ~8x slower.
/// Always 1 at the plain level.
int tandem_adam_subnormal_path(void);

/// Sets the path of `tandem_adam_subnormal_path` at the current level (tests run both): 0 or 1,
/// or -1 to measure again. Returns the path now in effect.
int tandem_adam_subnormal_path_set(int path);

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

// --- A dense layer's bias and ReLU around its products (dense_epilogue.c) ---

/// `y[r, c] += bias[c]`, and with `relu` not NULL also `relu[r, c] = max(y[r, c], 0)` as Swift's
/// `max` (`0 >= v ? 0 : v`: NaN stays NaN, -0 becomes +0). y, relu: [rows, cols]; bias: [cols].
/// The bits of `Elementwise.addBias` followed by `Activation.relu`, at every level.
void tandem_add_bias(float *y, const float *bias, float *relu, ptrdiff_t rows, ptrdiff_t cols);

/// The bias gradient of a dense layer, with ReLU's derivative when `x` is not NULL:
/// `d = x[r, c] > 0 ? dy[r, c] : 0` (or `d = dy[r, c]` when x is NULL), `dx[r, c] = d` unless dx
/// is NULL (dx may alias dy), and `db[c] += d` over r = 0..<rows in order (the bits of
/// `Activation.reluBackward` then `Elementwise.addColumnSums`). x, dy, dx: [rows, cols]; db: [cols].
void tandem_bias_gradient(const float *x, const float *dy, float *dx, float *db, ptrdiff_t rows, ptrdiff_t cols);

// --- Softmax cross-entropy (softmax_xent.c) ---

/// Softmax and cross-entropy of `rows` rows of `classes` logits, with the gradient, in one pass:
/// `probs = softmax(logits)`, `dlogits = (probs - onehot(labels)) * scale` (skipped when dlogits is
/// NULL) with `scale = gradScale`, or `classWeights[label] * gradScale` with class weights; returns
/// the sum over rows of `log s + m - z[label]` (weighted), in double. The bits of
/// `SoftmaxCrossEntropy.reference` (glibc's expf and logf) at every level.
/// logits, probs, dlogits: [rows, classes]; labels: [rows], each in 0..<classes; classWeights: [classes] or NULL.
double tandem_softmax_xent(const float *logits, const int32_t *labels, ptrdiff_t rows, ptrdiff_t classes,
                           float *probs, float *dlogits, float gradScale, const float *classWeights);

/// Asks the CPU to bring rows `positions[0..<count]` of a row-major table (`rowBytes` bytes each,
/// from `base`) into the cache, without waiting for them (a hint: no effect on any result).
void tandem_prefetch_rows(const void *base, const ptrdiff_t *positions, ptrdiff_t count, ptrdiff_t rowBytes);

/// Copies rows `positions[0..<count]` of the row-major table `table` `[rows, width]` into `out`
/// `[count, width]`: a batch of rows in one call, without a library call per row (with AVX-512,
/// 16 floats a load and store; a memmove per row took 0.5 us of the small workload's step, perf).
void tandem_copy_rows(const float *table, const ptrdiff_t *positions, ptrdiff_t count, ptrdiff_t width, float *out);

// --- Matrix product (TandemTensor's `sgemm` on CPUs with AVX2+FMA) ---

/// The block of k the sgemm kernel sums at a time (op(B)'s block of up to 32 columns is packed
/// into a [TANDEM_GEMM_KC, 32] panel on the stack, 32 KiB: it stays in L1 while the row tiles run).
#ifndef TANDEM_GEMM_KC
#define TANDEM_GEMM_KC 256
#endif
/// Above this many rows (m), and with n above TANDEM_GEMM_PACK_A_N, an untransposed B is packed too
/// (contiguous panel rows); otherwise the few row tiles read B in place.
#ifndef TANDEM_GEMM_PACK_M
#define TANDEM_GEMM_PACK_M 24
#endif

/// Above this many columns (n), A's k block is packed into row tiles (one contiguous stream per
/// tile, used by every column panel); at or below it the few panels read A in place.
#ifndef TANDEM_GEMM_PACK_A_N
#define TANDEM_GEMM_PACK_A_N 128
#endif

/// What this CPU and OS support, ignoring `TANDEM_KERNELS`: 2 = AVX-512F, 1 = AVX2+FMA, 0 = neither.
int tandem_cpu_level(void);

/// Whether this CPU (ignoring `TANDEM_KERNELS`) has AVX2 and FMA: 1 or 0.
int tandem_cpu_has_fma(void);

/// Row-major `C = alpha op(A) op(B) + beta C`: op(A) is [m, k] (A stored [m, k], or [k, m] when
/// `transA`), op(B) is [k, n] (B stored [k, n], or [n, k] when `transB`), C is [m, n], all dense.
/// Each element is one float accumulator over p = 0..<k in order, `acc = fma(a, b, acc)` from 0,
/// then `c = alpha acc` when beta is 0 (C is not read) else `c = fma(beta, c, alpha acc)`: every
/// kernel level, and every blocking of k, gives the same bits. k is summed in blocks of
/// TANDEM_GEMM_KC with the partial sums kept in C; when beta is not 0 and k takes several blocks,
/// C's old values are first copied into a per-thread buffer (allocated once per thread as it grows,
/// freed at thread exit). Thread-safe. Returns 0, or -1 (nothing written) for a negative dimension
/// or when that buffer cannot be allocated.
int tandem_sgemm(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                 const float *b, float beta, float *c);

/// Each thread of a product run by `tandem_sgemm_parallel` gets at least this many multiply-adds
/// (m n k / threads): a product of fewer than twice as many runs on the calling thread alone.
#ifndef TANDEM_GEMM_THREAD_MIN
#define TANDEM_GEMM_THREAD_MIN 524288
#endif

/// `tandem_sgemm_parallel` cuts C into this many chunks per thread (fewer when C has fewer blocks),
/// taken in turn: a thread that starts late (the machine is busy) leaves its chunks to the others.
#ifndef TANDEM_GEMM_CHUNKS_PER_THREAD
#define TANDEM_GEMM_CHUNKS_PER_THREAD 2
#endif

/// How long a waiting pool thread spins (ns) before it sleeps on a futex.
#ifndef TANDEM_GEMM_SPIN_NS
#define TANDEM_GEMM_SPIN_NS 50000
#endif

/// Sets how many threads `tandem_sgemm_parallel` may run a large product on (the caller and up to
/// threads - 1 pool workers, clamped to 1...256), starting or stopping the workers (after a product
/// in flight ends); returns the count it got (fewer when a thread cannot be created).
int tandem_gemm_set_threads(int threads);

/// The threads `tandem_sgemm_parallel` may use (1 until set).
int tandem_gemm_threads(void);

/// How many threads `tandem_sgemm_parallel` runs an [m, k] x [k, n] product on when it may use
/// `threads`: min(threads, m n k / TANDEM_GEMM_THREAD_MIN, C's blocks), 1 below 2.
int tandem_gemm_parts(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, int threads);

/// `tandem_sgemm` (same contract, shapes and bits) on `tandem_gemm_parts` threads (the caller and
/// pool workers): C is cut into column panels of 32 (when that gives at least as many blocks as
/// row tiles of 12, else into row tiles), grouped into TANDEM_GEMM_CHUNKS_PER_THREAD chunks per
/// thread, as evenly as they divide; the threads take chunks in turn until none is left, and the
/// caller waits only for chunks in progress. Each element is computed by one thread with the same
/// in-order FMA chain, so the result is the same bits for any thread count and any order. Thread-
/// safe: one caller at a time uses the workers; a product called while they are busy runs on its
/// caller alone.
int tandem_sgemm_parallel(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                          const float *b, float beta, float *c);

// --- op(B) packed once, read by many products (a pipeline stage's micro-batches on the same W) ---

/// Floats `tandem_sgemm_pack_b` needs for an op(B) of [k, n] at any kernel level: k times n
/// rounded up to the widest panel (32 columns); -1 for a negative dimension.
ptrdiff_t tandem_sgemm_packed_count(ptrdiff_t n, ptrdiff_t k);

/// Packs op(B) [k, n] (B stored [k, n], or [n, k] when `transB`) whole into `packed` (`capacity`
/// floats), laid out as the sgemm kernel reads it: k in blocks of TANDEM_GEMM_KC, each block's
/// panels [kb, width] of `width` columns side by side (columns past n zeroed), so a product
/// streams it once in order. The copy is exact: products from the pack give `tandem_sgemm`'s bits.
/// Returns the panel width (the level in effect's: 32 with AVX-512F, else 16), or -1 (nothing
/// written) for a negative dimension or a capacity below k times n rounded up to the width.
int tandem_sgemm_pack_b(int transB, ptrdiff_t n, ptrdiff_t k, const float *b, float *packed, ptrdiff_t capacity);

/// `tandem_sgemm(transA, transB, m, n, k, alpha, a, b, beta, c)` (same shapes, contract and bits)
/// with op(B) read from `packed`, made by `tandem_sgemm_pack_b` from the same B with panel width
/// `width`: nothing of op(B) is packed per call. On the calling thread only. Returns 0, or -1
/// (nothing written) when `width` is not the level in effect's (the level was capped since the
/// pack) or as `tandem_sgemm` fails.
int tandem_sgemm_packed(int transA, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                        const float *packed, int width, float beta, float *c);

/// Rows i0..<i1 of `tandem_sgemm(transA, transB, m, n, k, 1, a, b, 0, c)` (same shapes: op(A)
/// [m, k], op(B) [k, n], C [m, n]), written into those rows of C only, on the calling thread. With
/// `resume` each element's accumulator starts from C's value (the partial sum a call over the
/// preceding k rows left there) instead of 0: with A stored [k, m] and B stored [k, n] (`transA`,
/// not `transB`: a piece of k is contiguous rows of both), calls over consecutive pieces of k (A
/// and B advanced to each piece's first row, the same m and n), the first without `resume`, give
/// the bits of one call over all of k, since every element is one in-order FMA chain and alpha is 1. A pipeline
/// stage sums a weight gradient dW = dy^T x over its micro-batches' rows this way while it waits.
/// Returns 0, or -1 (nothing written) for a negative dimension or rows outside 0..<m.
int tandem_sgemm_rows_resume(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                             const float *b, float *c, ptrdiff_t i0, ptrdiff_t i1, int resume);

// --- A few rows times a B stored [k, n] (gemm_rows.c; a dense layer's inference product) ---

/// Row-major `C = A B` for a few rows: A [m, k], B [k, n] (e.g. a dense layer's W^T, transposed
/// once), C [m, n]. Each element is one float accumulator over p = 0..<k in order, `acc = fma(a,
/// b, acc)` from 0, so the bits of `tandem_sgemm(0, 0, m, n, k, 1, a, b, 0, c)` (and of
/// `tandem_sgemm(0, 1, m, n, k, 1, a, W, 0, c)` with W = B^T stored [n, k]) at every kernel level.
/// Each row runs over k once with up to 128 (AVX-512F) or 64 (AVX2+FMA) of its columns in
/// registers; B is read in place, nothing is packed or allocated. Thread-safe. Returns 0, or -1
/// (nothing written) for a negative dimension.
int tandem_sgemm_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, const float *b, float *c);

// --- JSON numbers (request bodies, TandemServe) ---

/// What `tandem_json_number` found.
enum {
    /// A number; `*value` is its correctly rounded double.
    TANDEM_JSON_VALUE = 0,
    /// A number whose value is not exact in double arithmetic: convert its text (`p[0..<*end]`)
    /// with a correctly rounded conversion.
    TANDEM_JSON_SLOW = 1,
    /// No digit after the optional '-' (`*end` = 0).
    TANDEM_JSON_NO_DIGITS = -1,
    /// An integer part of several digits starting with 0 (`*end` = 0).
    TANDEM_JSON_LEADING_ZERO = -2,
    /// No digit after '.' (`*end` is just after the '.').
    TANDEM_JSON_NO_FRACTION_DIGITS = -3,
    /// No digit in the exponent (`*end` is just after 'e' and its sign).
    TANDEM_JSON_NO_EXPONENT_DIGITS = -4,
};

/// Reads the JSON number at the start of `p[0..<n]` (no whitespace skipped): its end offset
/// (`*end`), and its value when exact in double arithmetic (a plain integer of at most 15 digits,
/// "-0" giving +0.0; or at most 19 significant digits below 2^53 with a decimal exponent within
/// +-22, Clinger's fast path). Returns one of the TANDEM_JSON_ codes.
int tandem_json_number(const unsigned char *p, ptrdiff_t n, ptrdiff_t *end, double *value);

/// Reads up to `max` array elements from `p[*position..<n]` while each is a number with a value
/// (`TANDEM_JSON_VALUE`) followed by ',' or `close` (whitespace allowed around both), writing
/// the values to `out[0..<count]`, and returns that count. `*position` moves past the last
/// separator read (so stays put when the count is 0); `*closed` is 1 when that separator was
/// `close`. Whatever else comes next is left for the caller's general reader, which parses it
/// (and reports it) as if this function had not run.
ptrdiff_t tandem_json_number_run(const unsigned char *p, ptrdiff_t n, ptrdiff_t *position, double *out, ptrdiff_t max,
                                 unsigned char close, int *closed);

#endif
