/* N one-byte write(2) calls to stdout (each one fd_write); the harness points stdout at /dev/null.
 * usage: fdwrite N      prints "fd_write calls=N bytes=N" on stderr */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    long bytes = 0;
    for (long i = 0; i < n; i++) {
        ssize_t done = write(1, "x", 1);
        if (done != 1) {
            fprintf(stderr, "write failed at %ld\n", i);
            return 1;
        }
        bytes += done;
    }
    fprintf(stderr, "fd_write calls=%ld bytes=%ld\n", n, bytes);
    return 0;
}
