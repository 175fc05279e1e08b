// Blocks of one `tandem_sgemm` product, for running it on several threads (gemm_pool.c); not
// public API: gemm.c defines these, gemm_pool.c calls them.
#ifndef TANDEM_GEMM_BLOCK_H
#define TANDEM_GEMM_BLOCK_H
#include <stddef.h>

/// Before the blocks of a product run: when beta != 0 and k takes several TANDEM_GEMM_KC blocks (the
/// blocks keep partial sums in C, so beta must read C's old values elsewhere), copies C [m, n] into
/// the calling thread's buffer and sets *cin to it; else sets *cin to NULL. Returns 0, or -1 (C
/// untouched) when the buffer cannot be allocated. The copy stays valid until this thread's next
/// `tandem_sgemm` or `tandem_sgemm_prepare`.
int tandem_sgemm_prepare(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float beta, const float *c, const float **cin);

/// Rows i0..<i1, columns j0..<j1 of the product `tandem_sgemm(transA, transB, m, n, k, alpha, a, b,
/// beta, c)` describes (same shapes: op(A) [m, k], op(B) [k, n], C [m, n]), written into C's block
/// and nowhere else; `cin` as `tandem_sgemm_prepare` set it. Each element is the same in-order FMA
/// chain as in `tandem_sgemm`, so any partition of C into blocks, run on any threads, gives its
/// bits. Cannot fail: when the calling thread's buffer for A's packed block cannot be grown, A is
/// read in place. Thread-safe for disjoint blocks.
void tandem_sgemm_block(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                        const float *b, float beta, float *c, const float *cin, ptrdiff_t i0, ptrdiff_t i1, ptrdiff_t j0,
                        ptrdiff_t j1);
#endif
