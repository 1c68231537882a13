/* Write MIB mebibytes to ./data.bin in 4 KiB chunks, then read it back in 4 KiB chunks.
 * usage: fileio MIB      prints "written=B read=B sum=S" (S: 64-bit FNV-1a-style fold of the data) */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHUNK 4096

static void fill(unsigned char *buf, long block) {
    for (int j = 0; j < CHUNK; j++) buf[j] = (unsigned char)(block * 7 + j * 13);
}

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 64;
    long blocks = mib * 1024 * 1024 / CHUNK;
    unsigned char buf[CHUNK];
    int fd = open("data.bin", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) { perror("open for writing"); return 1; }
    long written = 0;
    for (long b = 0; b < blocks; b++) {
        fill(buf, b);
        if (write(fd, buf, CHUNK) != CHUNK) { perror("write"); return 1; }
        written += CHUNK;
    }
    close(fd);
    fd = open("data.bin", O_RDONLY);
    if (fd < 0) { perror("open for reading"); return 1; }
    long nread = 0;
    uint64_t sum = 1469598103934665603ULL;
    for (;;) {
        ssize_t got = read(fd, buf, CHUNK);
        if (got < 0) { perror("read"); return 1; }
        if (got == 0) break;
        for (ssize_t j = 0; j < got; j += 8) {
            uint64_t word = 0;
            for (int k = 0; k < 8; k++) word |= (uint64_t)buf[j + k] << (8 * k);
            sum = (sum ^ word) * 1099511628211ULL;
        }
        nread += got;
    }
    close(fd);
    unlink("data.bin");
    printf("written=%ld read=%ld sum=%016llx\n", written, nread, (unsigned long long)sum);
    return 0;
}
