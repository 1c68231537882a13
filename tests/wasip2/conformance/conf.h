/* Shared helpers of the conformance programs: raw preview1 calls, each result printed as `what: ok` or
   `what: errno N` (the preview1 errno number), so a run's stdout is the whole verdict. The preopen under
   test is fd 3 (`--dir HOST::/sandbox`). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define DIR_FD 3
#define ALL_RIGHTS ((__wasi_rights_t)0x1fffffffULL)

static inline int report(const char *what, __wasi_errno_t err) {
    if (err == 0) printf("%s: ok\n", what);
    else printf("%s: errno %d\n", what, (int)err);
    return err;
}

/* path_open relative to the preopen with every right; -1 (and the errno printed) on failure. */
static inline int open_at(const char *what, int dir, __wasi_lookupflags_t lookup, const char *path, __wasi_oflags_t oflags,
                   __wasi_fdflags_t fdflags) {
    __wasi_fd_t fd = 0;
    __wasi_errno_t err = __wasi_path_open(dir, lookup, path, oflags, ALL_RIGHTS, ALL_RIGHTS, fdflags, &fd);
    if (what) report(what, err);
    return err ? -1 : (int)fd;
}

static inline void write_file(const char *path, const char *text) {
    int fd = open_at(NULL, DIR_FD, 0, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
    if (fd < 0) { printf("setup %s failed\n", path); exit(3); }
    __wasi_ciovec_t iov = {(const uint8_t *)text, strlen(text)};
    __wasi_size_t n;
    if (__wasi_fd_write(fd, &iov, 1, &n) || n != strlen(text)) { printf("setup write %s failed\n", path); exit(3); }
    __wasi_fd_close(fd);
}

