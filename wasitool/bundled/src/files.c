/* files.c - write a file, read it back, ask its size, all inside a preopened directory.
 * Teaches: a WASI program can only reach files below a preopened directory. wasi-libc turns
 * fopen into path_open (relative to the matching preopen), fwrite/fread into fd_write/fd_read,
 * fclose into fd_close and stat into path_filestat_get. */
#include <string.h>
#include <sys/stat.h>

#include "examples.h"

#define NAME "notes.txt"
static const char text[] = "written by files.c\nsecond line\n";

int main(void) {
    FILE *out = fopen(NAME, "w");
    EXAMPLE_CHECK(out != NULL, "fopen " NAME " for writing");
    size_t written = fwrite(text, 1, strlen(text), out);
    EXAMPLE_CHECK(fclose(out) == 0 && written == strlen(text), "write " NAME);
    printf("wrote %zu bytes to %s\n", written, NAME);

    FILE *in = fopen(NAME, "r");
    EXAMPLE_CHECK(in != NULL, "fopen " NAME " for reading");
    char line[128];
    while (fgets(line, sizeof line, in) != NULL) printf("read: %s", line);
    EXAMPLE_CHECK(!ferror(in) && fclose(in) == 0, "read " NAME);

    struct stat info;
    EXAMPLE_CHECK(stat(NAME, &info) == 0, "stat " NAME);
    printf("%s: %lld bytes\n", NAME, (long long)info.st_size);
    return 0;
}
