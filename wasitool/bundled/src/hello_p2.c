/* hello_p2.c - one C program, two WASI targets: built as a preview1 core module (out/hello_p2.wasm) and
 * as a WASI 0.2 component (out/hello_p2.p2.wasm: the same core module wrapped by the preview1 adapter).
 * Teaches: the program does not change; in the component, args, environment, stdout and files reach the
 * host through wasi:cli, wasi:io and wasi:filesystem instead of wasi_snapshot_preview1. Compare them with
 * `wasitool inspect` or `wasm-tools component wit out/hello_p2.p2.wasm`. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    const char *greeting = getenv("GREETING");
    printf("%s from WASI\n", greeting ? greeting : "hello");

    FILE *out = fopen("note.txt", "w");
    if (out == NULL) { perror("note.txt"); return 1; }
    fputs("kept in a preopened directory\n", out);
    fclose(out);

    char line[64];
    FILE *in = fopen("note.txt", "r");
    if (in == NULL || fgets(line, sizeof line, in) == NULL) { perror("note.txt"); return 1; }
    fclose(in);
    printf("read back: %s", line);
    return 0;
}
