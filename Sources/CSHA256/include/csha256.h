// SHA-256 block compression with the x86 SHA extensions (SHA-NI), for TandemTensor's SHA256.
// Not a public API: TandemTensor calls it when `csha256_ni_available()` says the CPU has the
// instructions and keeps its portable Swift compression otherwise (and on other architectures).
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA, SSSE3 and SSE4.1 instructions `csha256_ni_compress` uses; else 0.
int csha256_ni_available(void);

/// Compresses `blocks` 64-byte blocks at `data` into `state` (the eight words a..h of FIPS 180-4).
/// Only call when `csha256_ni_available()` returned 1.
void csha256_ni_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
