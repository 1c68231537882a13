/* Open one file HELD times and keep those fds, then open and close it CYCLES times with them held, then
 * close the held ones: HELD + CYCLES opens, as many closes, on an fd table HELD entries large.
 * usage: fdtable HELD CYCLES      (in a directory holding a file "f") prints "opens=N closes=N" */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: fdtable HELD CYCLES\n"); return 2; }
    long held = atol(argv[1]), cycles = atol(argv[2]), opens = 0, closes = 0;
    int *fds = malloc((size_t)(held > 0 ? held : 1) * sizeof(int));
    if (!fds) { perror("malloc"); return 1; }
    for (long i = 0; i < held; i++) {
        if ((fds[i] = open("f", O_RDONLY)) < 0) { perror("open"); return 1; }
        opens++;
    }
    for (long i = 0; i < cycles; i++) {
        int fd = open("f", O_RDONLY);
        if (fd < 0) { perror("open"); return 1; }
        opens++;
        if (close(fd) != 0) { perror("close"); return 1; }
        closes++;
    }
    for (long i = 0; i < held; i++) {
        if (close(fds[i]) != 0) { perror("close"); return 1; }
        closes++;
    }
    printf("opens=%ld closes=%ld\n", opens, closes);
    return 0;
}
