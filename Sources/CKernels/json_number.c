// A JSON number (RFC 8259 grammar) read from bytes: its extent, grammar errors, and its value
// when the value is exact in double arithmetic (Clinger's fast path). The slow path (any other
// value) is the caller's: it converts the text with a correctly rounded conversion, so the
// value is the same double either way.
//
// Clinger: with the significant digits as an integer m <= 2^53 and the decimal exponent
// |e| <= 22, both m and 10^|e| are exact doubles, so m * 10^e (or m / 10^-e) rounded once by
// the IEEE operation is the correctly rounded value of the text. Compiled without fast-math and
// with SSE2 (no extended precision), as every x86-64 and AArch64 build is.
#include "CKernels.h"
#include <stdint.h>

static const double exact_pow10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline int is_digit(unsigned char b) { return (unsigned char)(b - '0') < 10; }

/// Reads the digits from `i` on; significant ones (leading zeros dropped) accumulate in `*m` while
/// there are at most 19, and all of them count in `*significant`. Returns the index after them.
static inline __attribute__((always_inline)) ptrdiff_t significant_digits(const unsigned char *p, ptrdiff_t i, ptrdiff_t n,
                                                                         uint64_t *m, int *significant) {
    while (i < n && is_digit(p[i])) {
        if (*m != 0 || p[i] != '0') {
            if (*significant < 19) *m = *m * 10 + (uint64_t)(p[i] - '0');
            (*significant)++;
        }
        i++;
    }
    return i;
}

static inline __attribute__((always_inline)) int json_number(const unsigned char *p, ptrdiff_t n, ptrdiff_t *end,
                                                              double *value) {
    ptrdiff_t i = 0;
    int negative = 0;
    if (i < n && p[i] == '-') { negative = 1; i++; }
    // The common case first: a plain integer of 1 to 15 digits, no leading zero.
    {
        ptrdiff_t j = i;
        uint64_t v = 0;
        while (j < n && j - i < 16 && is_digit(p[j])) { v = v * 10 + (uint64_t)(p[j] - '0'); j++; }
        ptrdiff_t digits = j - i;
        if (digits > 0 && digits <= 15 && (digits == 1 || p[i] != '0')
            && (j >= n || (p[j] != '.' && p[j] != 'e' && p[j] != 'E' && !is_digit(p[j])))) {
            *end = j;
            *value = negative ? (double)(-(int64_t)v) : (double)v;  // "-0" is +0.0, as below
            return TANDEM_JSON_VALUE;
        }
    }
    // The integer part's and then the fraction's significant digits, in m.
    uint64_t m = 0;
    int significant = 0;
    ptrdiff_t intStart = i;
    i = significant_digits(p, i, n, &m, &significant);
    ptrdiff_t intDigits = i - intStart;
    if (intDigits == 0) { *end = 0; return TANDEM_JSON_NO_DIGITS; }
    if (intDigits > 1 && p[intStart] == '0') { *end = 0; return TANDEM_JSON_LEADING_ZERO; }
    int plainInteger = 1;
    int64_t exp10 = 0;
    if (i < n && p[i] == '.') {
        i++;
        plainInteger = 0;
        ptrdiff_t from = i;
        i = significant_digits(p, i, n, &m, &significant);
        if (i == from) { *end = i; return TANDEM_JSON_NO_FRACTION_DIGITS; }
        exp10 -= i - from;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        plainInteger = 0;
        int expNegative = 0;
        if (i < n && (p[i] == '+' || p[i] == '-')) { expNegative = p[i] == '-'; i++; }
        ptrdiff_t from = i;
        int64_t e = 0;
        while (i < n && is_digit(p[i])) {
            if (e < 100000) e = e * 10 + (p[i] - '0');  // beyond, the value is 0 or infinite anyway
            i++;
        }
        if (i == from) { *end = i; return TANDEM_JSON_NO_EXPONENT_DIGITS; }
        exp10 += expNegative ? -e : e;
    }
    *end = i;
    if (plainInteger && intDigits <= 15) {
        // As an integer of at most 15 digits (exact), the sign on the integer: "-0" is +0.0.
        *value = negative ? (double)(-(int64_t)m) : (double)m;
        return TANDEM_JSON_VALUE;
    }
    if (significant > 19 || m > (1ull << 53) || exp10 < -22 || exp10 > 22) return TANDEM_JSON_SLOW;
    double x = (double)m;
    x = exp10 < 0 ? x / exact_pow10[-exp10] : x * exact_pow10[exp10];
    *value = negative ? -x : x;
    return TANDEM_JSON_VALUE;
}

int tandem_json_number(const unsigned char *p, ptrdiff_t n, ptrdiff_t *end, double *value) {
    return json_number(p, n, end, value);
}

static inline int is_space(unsigned char b) { return b == ' ' || b == '\n' || b == '\r' || b == '\t'; }

ptrdiff_t tandem_json_number_run(const unsigned char *p, ptrdiff_t n, ptrdiff_t *position, double *out, ptrdiff_t max,
                                 unsigned char close, int *closed) {
    ptrdiff_t at = *position, k = 0;
    *closed = 0;
    while (k < max) {
        ptrdiff_t i = at;
        while (i < n && is_space(p[i])) i++;
        ptrdiff_t end;
        double v;
        if (i >= n || json_number(p + i, n - i, &end, &v) != TANDEM_JSON_VALUE) break;
        i += end;
        while (i < n && is_space(p[i])) i++;
        if (i >= n || (p[i] != ',' && p[i] != close)) break;
        out[k++] = v;
        at = i + 1;
        if (p[i] == close) { *closed = 1; break; }
    }
    *position = at;
    return k;
}
