/* compiler_rt.c - 128-bit integers and quad-precision floats on wasm32 come from compiler-rt.
 * Teaches: wasm has i64 and f64 instructions, nothing wider. `unsigned __int128` arithmetic and
 * `long double` (IEEE quad on wasm32: 113-bit mantissa) become calls to compiler-rt builtins
 * (__multi3, __udivti3, __umodti3, __divti3, __floatunditf, __divtf3, __multf3, __fixunstfdi),
 * which the linker copies into the module: `wasitool inspect compiler_rt --callers __multi3`.
 * The notes' example, __fixunsdfdi (double -> uint64), is not needed here: wasm converts with
 * i64.trunc_f64_u. The operands come from argv so that nothing is folded at compile time. */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "examples.h"

typedef unsigned __int128 u128;
typedef __int128 i128;

static void print_u128(const char *label, u128 value) {
    char digits[40];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(value % 10));
        value /= 10;
    } while (value != 0);
    printf("%s", label);
    while (n > 0) putchar(digits[--n]);
    putchar('\n');
}

static void print_i128(const char *label, i128 value) {
    if (value < 0) {
        printf("%s-", label);
        print_u128("", (u128)-value);
    } else {
        print_u128(label, (u128)value);
    }
}

int main(int argc, char **argv) {
    EXAMPLE_CHECK(argc == 4, "usage: compiler_rt A B C (three unsigned 64-bit numbers)");
    uint64_t a = strtoull(argv[1], NULL, 10), b = strtoull(argv[2], NULL, 10), c = strtoull(argv[3], NULL, 10);
    EXAMPLE_CHECK(c != 0, "C must not be 0");
    printf("a = %llu, b = %llu, c = %llu\n", (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);

    u128 product = (u128)a * b; /* __multi3 */
    print_u128("a * b              = ", product);
    print_u128("a * b / c          = ", product / c); /* __udivti3 */
    print_u128("a * b % c          = ", product % c); /* __umodti3 */
    i128 debt = -(i128)(product / c);
    print_i128("-(a * b / c) / -c  = ", debt / -(i128)c); /* __divti3 */

    long double quad = (long double)a; /* __floatunditf */
    long double round_trip = quad / (long double)c * (long double)c; /* __divtf3, __multf3 */
    printf("mantissa bits: double %d, long double %d\n", DBL_MANT_DIG, LDBL_MANT_DIG);
    printf("(double) a         = %.0f\n", (double)a);
    printf("(long double) a    = %llu\n", (unsigned long long)quad); /* __fixunstfdi */
    printf("a / c * c in quad  = %llu\n", (unsigned long long)round_trip);
    return 0;
}
