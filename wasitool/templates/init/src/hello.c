/* hello.c: a WASI command in C. Arguments come from `wasitool run hello -- ARGS` (or wasitool.toml). */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("Hello, WASI!\n");
    for (int i = 1; i < argc; i++) {
        printf("arg %d: %s\n", i, argv[i]);
    }
    return 0;
}
