/* random_get.c - random bytes from the host.
 * Teaches: getentropy is wasi-libc's wrapper of random_get (at most 256 bytes per call). The
 * bytes vary, so the expectation is a regex plus a check that two draws differ. */
#include <string.h>
#include <unistd.h>

#include "examples.h"

static void print_hex(const unsigned char *bytes, size_t n) {
    for (size_t i = 0; i < n; i++) printf("%02x", bytes[i]);
    printf("\n");
}

int main(void) {
    unsigned char first[16], second[16];
    EXAMPLE_CHECK(getentropy(first, sizeof first) == 0, "getentropy");
    EXAMPLE_CHECK(getentropy(second, sizeof second) == 0, "getentropy");
    print_hex(first, sizeof first);
    print_hex(second, sizeof second);
    printf("draws differ: %s\n", yes_no(memcmp(first, second, sizeof first) != 0));
    return 0;
}
