// A batch's rows from an in-memory table: software prefetch and copy (see CKernels.h).
#include "CKernels.h"
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

void tandem_prefetch_rows(const void *base, const ptrdiff_t *positions, ptrdiff_t count, ptrdiff_t rowBytes) {
    const char *b = (const char *)base;
    for (ptrdiff_t i = 0; i < count; i++) {
        const char *row = b + positions[i] * rowBytes;
        uintptr_t line = (uintptr_t)row & ~(uintptr_t)63, end = (uintptr_t)row + (uintptr_t)rowBytes;
        for (; line < end; line += 64) __builtin_prefetch((const void *)line, 0, 3);
    }
}

#if defined(__x86_64__)
/// 16 floats a load and store, the row's last `width % 16` masked.
__attribute__((target("avx512f")))
static void copy_rows_avx512(const float *table, const ptrdiff_t *positions, ptrdiff_t count, ptrdiff_t width, float *out) {
    ptrdiff_t body = width & ~(ptrdiff_t)15;
    __mmask16 tail = (__mmask16)((1u << (width & 15)) - 1);
    for (ptrdiff_t i = 0; i < count; i++) {
        const float *row = table + positions[i] * width;
        float *o = out + i * width;
        for (ptrdiff_t j = 0; j < body; j += 16) _mm512_storeu_ps(o + j, _mm512_loadu_ps(row + j));
        if (tail) _mm512_mask_storeu_ps(o + body, tail, _mm512_maskz_loadu_ps(tail, row + body));
    }
}
#endif

void tandem_copy_rows(const float *table, const ptrdiff_t *positions, ptrdiff_t count, ptrdiff_t width, float *out) {
#if defined(__x86_64__)
    if (tandem_kernel_level() == 2) {
        copy_rows_avx512(table, positions, count, width, out);
        return;
    }
#endif
    for (ptrdiff_t i = 0; i < count; i++) memcpy(out + i * width, table + positions[i] * width, (size_t)width * sizeof(float));
}
