// Software prefetch of a batch's rows (see CKernels.h).
#include "CKernels.h"
#include <stdint.h>

void tandem_prefetch_rows(const void *base, const ptrdiff_t *positions, ptrdiff_t count, ptrdiff_t rowBytes) {
    const char *b = (const char *)base;
    for (ptrdiff_t i = 0; i < count; i++) {
        const char *row = b + positions[i] * rowBytes;
        uintptr_t line = (uintptr_t)row & ~(uintptr_t)63, end = (uintptr_t)row + (uintptr_t)rowBytes;
        for (; line < end; line += 64) __builtin_prefetch((const void *)line, 0, 3);
    }
}
