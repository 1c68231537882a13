/* args_layout.c - how args_get lays out argv in linear memory, as the notes drew it.
 * Teaches: args_sizes_get gives argc and the size of the string buffer; args_get then fills two
 * regions the caller provides: an array of argc pointers (4 bytes each on wasm32) and one buffer
 * holding every argument NUL-terminated, back to back; each pointer points into that buffer.
 * The program calls the WASI functions itself (wasi/api.h); with `int main(void)` wasi-libc does
 * not fetch the arguments, so `wasitool run args_layout --trace=args_*` shows only these calls:
 *   args_get(argv=0x..., argv_buf=0x...) -> 0 (ESUCCESS), argv=[0x...->"args_layout", ...], argv_buf="..." */
#include <stdint.h>
#include <stdlib.h>
#include <wasi/api.h>

#include "examples.h"

int main(void) {
    __wasi_size_t argc = 0, buf_size = 0;
    EXAMPLE_CHECK(__wasi_args_sizes_get(&argc, &buf_size) == 0, "args_sizes_get");
    uint8_t **argv = calloc(argc + 1, sizeof *argv);
    uint8_t *buf = malloc(buf_size + 1);
    EXAMPLE_CHECK(argv != NULL && buf != NULL, "malloc");
    EXAMPLE_CHECK(__wasi_args_get(argv, buf) == 0, "args_get");

    printf("args_sizes_get: argc = %u, argv_buf_size = %u\n", (unsigned)argc, (unsigned)buf_size);
    printf("argv: %u pointers of %u bytes = %u bytes\n", (unsigned)argc, (unsigned)sizeof *argv,
           (unsigned)(argc * sizeof *argv));
    for (__wasi_size_t i = 0; i < argc; i++) {
        printf("argv[%u] = argv_buf + %2u -> \"%s\"\n", (unsigned)i, (unsigned)(argv[i] - buf), (char *)argv[i]);
    }
    printf("argv_buf:");
    for (__wasi_size_t i = 0; i < buf_size; i++) {
        if (buf[i] == '\0') printf(" \\0");
        else printf(" %c", buf[i]);
    }
    printf("\n");
    free(buf);
    free(argv);
    return 0;
}
