/* first.c - a first C program for WASI.
 * Teaches: printf reaches the host through wasi-libc's fd_write; argv[0] comes from args_get
 * (the host decides what it is). The same source builds natively for comparison. */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("Hello from C on WASI!\n");
    printf("argv[0] = %s\n", argc > 0 ? argv[0] : "(none)");
    return 0;
}
