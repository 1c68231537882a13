/* Big transfers: how much one read, pread, write or pwrite of 1 MiB moves on a file, and one write of
   100 KiB and many small writes to stdout and stderr (the caller sees the count each call returns). */
#include "conf.h"

static uint8_t big[1 << 20];

int main(void) {
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7);
    int fd = open_at("open", DIR_FD, 0, "big", __WASI_OFLAGS_CREAT, 0);
    __wasi_ciovec_t out = {big, sizeof big};
    __wasi_size_t n = 0, total = 0;
    report("write 1 MiB", __wasi_fd_write(fd, &out, 1, &n));
    printf("write moved %u\n", (unsigned)n);
    while (n < sizeof big) {  /* the rest, so the file is whole whatever one call moves */
        __wasi_ciovec_t rest = {big + n, sizeof big - n};
        __wasi_size_t more = 0;
        if (__wasi_fd_write(fd, &rest, 1, &more) || !more) break;
        n += more;
    }
    report("pwrite 1 MiB", __wasi_fd_pwrite(fd, &out, 1, 0, &n));
    printf("pwrite moved %u\n", (unsigned)n);
    static uint8_t back[1 << 20];
    __wasi_iovec_t in = {back, sizeof back};
    report("pread 1 MiB", __wasi_fd_pread(fd, &in, 1, 0, &n));
    printf("pread moved %u\n", (unsigned)n);
    __wasi_filesize_t pos;
    __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos);
    report("read 1 MiB", __wasi_fd_read(fd, &in, 1, &n));
    printf("read moved %u\n", (unsigned)n);
    for (total = n; total < sizeof back;) {
        __wasi_iovec_t rest = {back + total, sizeof back - total};
        if (__wasi_fd_read(fd, &rest, 1, &n) || !n) break;
        total += n;
    }
    printf("read back %u same %d\n", (unsigned)total, memcmp(big, back, sizeof big) == 0);
    /* two iovecs in one call */
    __wasi_iovec_t two[2] = {{back, 10}, {back + 10, 10}};
    __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos);
    report("read two iovecs", __wasi_fd_read(fd, two, 2, &n));
    printf("two iovecs moved %u\n", (unsigned)n);
    __wasi_fd_close(fd);

    memset(big, 'x', 100 * 1024);
    big[100 * 1024 - 1] = '\n';
    __wasi_ciovec_t line = {big, 100 * 1024};
    report("stdout 100 KiB", __wasi_fd_write(1, &line, 1, &n));
    printf("stdout moved %u\n", (unsigned)n);
    for (int i = 0; i < 2000; i++) {
        char small[32];
        int len = snprintf(small, sizeof small, "%d%c", i, i % 20 == 19 ? '\n' : ' ');
        __wasi_ciovec_t s = {(const uint8_t *)small, (size_t)len};
        if (__wasi_fd_write(i % 2 ? 2 : 1, &s, 1, &n) || n != (size_t)len) printf("short small write %d\n", i);
    }
    printf("\ndone\n");
    return 0;
}
