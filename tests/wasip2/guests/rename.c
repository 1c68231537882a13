#include <stdio.h>
#include <string.h>
#include <errno.h>
int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int r = rename(argv[1], argv[2]);
    printf("rename %s -> %s: %s\n", argv[1], argv[2], r < 0 ? strerror(errno) : "ok");
    return 0;
}
