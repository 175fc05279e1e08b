// SHA-256 compression with the SHA-NI instructions. The state is kept as two vectors, ABEF and
// CDGH (the layout _mm_sha256rnds2_epu32 works on); each step of the loop below does four
// rounds and, while rounds remain, extends the message schedule by four words:
//   W[i+4] = msg2(msg1(W[i], W[i+1]) + alignr(W[i+3], W[i+2], 4), W[i+3])
// (msg1 adds sigma0, the alignr picks W[t-7], msg2 adds sigma1).
#include "csha256.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int csha256_ni_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

__attribute__((target("sha,ssse3,sse4.1")))
void csha256_ni_compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Big-endian words: reverse the bytes within each 32-bit lane.
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);  // lanes A B C D
    __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);  // lanes E F G H
    __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);                 // lanes B A D C
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);                 // lanes H G F E
    __m128i s0 = _mm_alignr_epi8(badc, hgfe, 8);                  // lanes F E B A (ABEF)
    __m128i s1 = _mm_blend_epi16(hgfe, badc, 0xF0);               // lanes H G D C (CDGH)
    for (size_t n = 0; n < blocks; n++, data += 64) {
        __m128i save0 = s0, save1 = s1;
        __m128i w[4];
        for (int j = 0; j < 4; j++) w[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * j)), swap);
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) {
            __m128i cur = w[i & 3];
            __m128i msg = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *)&K[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
            if (i < 12) {
                __m128i next = _mm_sha256msg1_epu32(cur, w[(i + 1) & 3]);
                next = _mm_add_epi32(next, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
                w[i & 3] = _mm_sha256msg2_epu32(next, w[(i + 3) & 3]);
            }
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }
    __m128i feba = _mm_shuffle_epi32(s0, 0x1B);       // lanes A B E F
    __m128i dchg = _mm_shuffle_epi32(s1, 0xB1);       // lanes G H C D
    abcd = _mm_blend_epi16(feba, dchg, 0xF0);         // lanes A B C D
    efgh = _mm_alignr_epi8(dchg, feba, 8);            // lanes E F G H
    _mm_storeu_si128((__m128i *)&state[0], abcd);
    _mm_storeu_si128((__m128i *)&state[4], efgh);
}
#else
int csha256_ni_available(void) { return 0; }
void csha256_ni_compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}
#endif
