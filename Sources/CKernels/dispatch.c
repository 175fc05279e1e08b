// Runtime choice of the instruction set (CPUID and XGETBV: the CPU has it and the OS saves its registers).
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static int detect(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (avx512f && (xcr0 & 0xe6) == 0xe6) return 2;
    return avx2 && fma ? 1 : 0;
}
#else
static int detect(void) { return 0; }
#endif

static int level = -1;

/// The CPU's level as `TANDEM_KERNELS` caps it.
static int detect_capped(void) {
    int l = detect();
    const char *cap = getenv("TANDEM_KERNELS");
    if (cap) {
        if (strcmp(cap, "plain") == 0) l = 0;
        else if (strcmp(cap, "avx2") == 0 && l > 1) l = 1;
    }
    return l;
}

int tandem_kernel_level(void) {
    if (level >= 0) return level;
    level = detect_capped();
    return level;
}

int tandem_kernel_level_cap(int cap) {
    // One store, never -1 in between: a thread reading the level meanwhile (another test's
    // product) must not see it unset and store the uncapped level over the cap.
    int l = detect_capped();
    level = cap < l ? (cap < 0 ? 0 : cap) : l;
    return level;
}

int tandem_cpu_level(void) { return detect(); }

int tandem_cpu_has_fma(void) { return detect() >= 1; }
