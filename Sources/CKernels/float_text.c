// The shortest decimal text that reads back to the same float32, laid out as Swift's
// `Float.description` lays it out, for numbers 2^-40 <= |x| < 2^24 (the rest return 0 and the
// caller uses `description`). Exact integer arithmetic, no tables beyond powers of ten:
//
// x = m 2^-E (m < 2^24). In units of 2^-(E+2) the value is V = 4m and the numbers that round to x
// lie between L = 4m - 2 (4m - 1 when m = 2^23, whose lower neighbour is half as far) and
// H = 4m + 2, ends included when m is even (round half to even). Scaled by 10^-kmin, where
// kmin is at least 8 digits below x's leading digit, the interval holds the integers dL..dH; the
// shortest text is the multiple of the largest power 10^J found in dL..dH, and among those the one
// nearest x (ties to even). kmin < 0 here and L 10^-kmin < 2^100, so 128-bit integers are exact.
#include "CKernels.h"
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull, 1000000000ull,
    10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull,
    1000000000000000ull, 10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
    10000000000000000000ull,
};

static u128 pow10_u128(int n) {
    return n < 20 ? (u128)pow10_u64[n] : (u128)pow10_u64[19] * pow10_u64[n - 19];
}

int tandem_float_text(float x, char *out) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)((bits >> 23) & 0xFF);
    if (biased < 87 || biased > 150) return 0;  // outside 2^-40 <= |x| < 2^24 (and 0, subnormal, inf, nan)
    uint32_t fraction = bits & 0x7FFFFF;
    uint64_t m = fraction | 0x800000;
    int s = 150 - biased + 2;  // the interval's ends are multiples of 2^-s
    u128 V = 4 * (u128)m, H = V + 2, L = fraction == 0 ? V - 1 : V - 2;
    int inclusive = (m & 1) == 0;
    // floor(log10(2^(biased-126))) - 9: at least 8 digits below x's leading digit.
    int kmin = (int)(((int64_t)(biased - 126) * 78913) >> 18) - 9;
    u128 scale = pow10_u128(-kmin);
    u128 Lx = L * scale, Hx = H * scale, Vx = V * scale, mask = ((u128)1 << s) - 1;
    uint64_t dL, dH;
    if (inclusive) {
        dL = (uint64_t)((Lx + mask) >> s);
        dH = (uint64_t)(Hx >> s);
    } else {
        dL = (uint64_t)(Lx >> s) + 1;
        dH = (uint64_t)((Hx + mask) >> s) - 1;
    }
    // The largest 10^J with a multiple in dL..dH: lo = ceil(dL / 10^J) <= hi = floor(dH / 10^J).
    // Alongside, a = floor(x / 10^(kmin + J)) and what its removed digits were, to round to nearest.
    uint64_t lo = dL, hi = dH, a = (uint64_t)(Vx >> s);
    u128 r1 = Vx & mask;
    int J = 0, last = 0, lowerNonzero = r1 != 0;
    while ((lo + 9) / 10 <= hi / 10) {
        lo = (lo + 9) / 10;
        hi /= 10;
        lowerNonzero |= last != 0;
        last = (int)(a % 10);
        a /= 10;
        J++;
    }
    // The multiple of 10^J nearest x (ties to even), kept within lo..hi.
    int above, tie;
    if (J == 0) {
        above = 2 * r1 > ((u128)1 << s);
        tie = 2 * r1 == ((u128)1 << s);
    } else {
        above = last > 5 || (last == 5 && lowerNonzero);
        tie = last == 5 && !lowerNonzero;
    }
    uint64_t c = a;
    if (above || (tie && (a & 1))) c = a + 1;
    if (c < lo) c = lo;
    if (c > hi) c = hi;
    int exponent = kmin + J;  // x ~ c 10^exponent
    while (c % 10 == 0) { c /= 10; exponent++; }
    char digits[24];
    int n = 0;
    for (uint64_t t = c; t > 0; t /= 10) digits[n++] = (char)('0' + t % 10);  // reversed
    int lead = exponent + n - 1;  // position of the leading digit
    char *p = out;
    if (bits >> 31) *p++ = '-';
    if (lead < -4) {  // d.ddde-XX
        *p++ = digits[n - 1];
        if (n > 1) {
            *p++ = '.';
            for (int i = n - 2; i >= 0; i--) *p++ = digits[i];
        }
        *p++ = 'e';
        *p++ = '-';
        int e = -lead;
        if (e >= 100) { *p++ = (char)('0' + e / 100); e %= 100; }
        *p++ = (char)('0' + e / 10);
        *p++ = (char)('0' + e % 10);
    } else if (lead < 0) {  // 0.000ddd
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -lead - 1; i++) *p++ = '0';
        for (int i = n - 1; i >= 0; i--) *p++ = digits[i];
    } else if (lead < n - 1) {  // dd.ddd
        for (int i = n - 1; i >= 0; i--) {
            *p++ = digits[i];
            if (i == n - 1 - lead) *p++ = '.';
        }
    } else {  // ddd00.0
        for (int i = n - 1; i >= 0; i--) *p++ = digits[i];
        for (int i = 0; i < lead - (n - 1); i++) *p++ = '0';
        *p++ = '.';
        *p++ = '0';
    }
    return (int)(p - out);
}
