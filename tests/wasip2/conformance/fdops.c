/* Calls on an open file: advise, allocate, filestat get/set size/set times, fdstat get/set flags, seek/tell,
   pread/pwrite, renumber, sync; and the same calls on a directory, a closed fd and stdio. */
#include "conf.h"

static void fdstat(const char *what, int fd) {
    __wasi_fdstat_t st;
    __wasi_errno_t err = __wasi_fd_fdstat_get(fd, &st);
    if (err) { report(what, err); return; }
    printf("%s: filetype %d flags %d rights %llx/%llx\n", what, (int)st.fs_filetype, (int)st.fs_flags,
           (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting);
}

static void filestat(const char *what, int fd) {
    __wasi_filestat_t st;
    __wasi_errno_t err = __wasi_fd_filestat_get(fd, &st);
    if (err) { report(what, err); return; }
    printf("%s: filetype %d size %llu nlink %llu\n", what, (int)st.filetype, (unsigned long long)st.size,
           (unsigned long long)st.nlink);
}

static void seek(const char *what, int fd, __wasi_filedelta_t delta, __wasi_whence_t whence) {
    __wasi_filesize_t pos = 0;
    __wasi_errno_t err = __wasi_fd_seek(fd, delta, whence, &pos);
    if (err) report(what, err);
    else printf("%s: %llu\n", what, (unsigned long long)pos);
}

int main(void) {
    write_file("f.txt", "0123456789");
    int fd = open_at("open f.txt", DIR_FD, 0, "f.txt", 0, 0);
    fdstat("fdstat file", fd);
    filestat("filestat file", fd);
    fdstat("fdstat dir", DIR_FD);
    filestat("filestat dir", DIR_FD);
    fdstat("fdstat stdin", 0);
    fdstat("fdstat stdout", 1);

    report("advise normal", __wasi_fd_advise(fd, 0, 10, __WASI_ADVICE_NORMAL));
    report("advise dontneed", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_DONTNEED));
    report("advise dir", __wasi_fd_advise(DIR_FD, 0, 10, __WASI_ADVICE_NORMAL));
    report("allocate", __wasi_fd_allocate(fd, 0, 100));
    filestat("after allocate", fd);
    report("allocate dir", __wasi_fd_allocate(DIR_FD, 0, 100));

    report("set_size 4", __wasi_fd_filestat_set_size(fd, 4));
    filestat("after set_size 4", fd);
    report("set_size 20", __wasi_fd_filestat_set_size(fd, 20));
    filestat("after set_size 20", fd);
    report("set_size dir", __wasi_fd_filestat_set_size(DIR_FD, 0));

    report("set_times 1,2", __wasi_fd_filestat_set_times(fd, 1000000000ULL, 2000000001ULL,
                                                         __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    __wasi_filestat_t st;
    __wasi_fd_filestat_get(fd, &st);
    printf("times: atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
    report("set_times mtim now", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_fd_filestat_get(fd, &st);
    printf("times: atim %llu mtim recent %d\n", (unsigned long long)st.atim, st.mtim > 1600000000000000000ULL);
    report("set_times both", __wasi_fd_filestat_set_times(fd, 5, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    report("set_times dir", __wasi_fd_filestat_set_times(DIR_FD, 3000000000ULL, 3000000000ULL,
                                                         __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));

    seek("seek set 3", fd, 3, __WASI_WHENCE_SET);
    seek("seek cur 2", fd, 2, __WASI_WHENCE_CUR);
    seek("seek end -1", fd, -1, __WASI_WHENCE_END);
    seek("seek end +5", fd, 5, __WASI_WHENCE_END);
    seek("seek negative", fd, -100, __WASI_WHENCE_SET);
    seek("seek cur -100", fd, -100, __WASI_WHENCE_CUR);
    seek("seek bad whence", fd, 0, 7);
    __wasi_filesize_t pos = 0;
    report("tell", __wasi_fd_tell(fd, &pos));
    printf("tell: %llu\n", (unsigned long long)pos);
    seek("seek dir", DIR_FD, 0, __WASI_WHENCE_SET);
    seek("seek stdout", 1, 0, __WASI_WHENCE_CUR);

    char buf[32] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, 6};
    __wasi_size_t n = 0;
    seek("seek 0", fd, 0, __WASI_WHENCE_SET);
    __wasi_ciovec_t civ = {(const uint8_t *)"ABC", 3};
    report("pwrite at 8", __wasi_fd_pwrite(fd, &civ, 1, 8, &n));
    printf("pwrite n %u\n", (unsigned)n);
    report("pwrite past end", __wasi_fd_pwrite(fd, &civ, 1, 30, &n));
    report("pread at 2", __wasi_fd_pread(fd, &iov, 1, 2, &n));
    printf("pread n %u [%.*s]\n", (unsigned)n, (int)n, buf);
    report("pread past end", __wasi_fd_pread(fd, &iov, 1, 100, &n));
    printf("pread past end n %u\n", (unsigned)n);
    report("tell after p*", __wasi_fd_tell(fd, &pos));
    printf("tell: %llu\n", (unsigned long long)pos);
    report("pread dir", __wasi_fd_pread(DIR_FD, &iov, 1, 0, &n));
    report("read dir", __wasi_fd_read(DIR_FD, &iov, 1, &n));
    report("write dir", __wasi_fd_write(DIR_FD, &civ, 1, &n));
    filestat("after pwrite", fd);

    /* a read-only descriptor */
    int ro = open_at(NULL, DIR_FD, 0, "f.txt", 0, 0);
    __wasi_fd_t rofd;
    report("open rights read", __wasi_path_open(DIR_FD, 0, "f.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &rofd));
    report("write on read-only", __wasi_fd_write(rofd, &civ, 1, &n));
    report("pwrite on read-only", __wasi_fd_pwrite(rofd, &civ, 1, 0, &n));
    report("set_size on read-only", __wasi_fd_filestat_set_size(rofd, 1));

    /* fdstat_set_flags */
    report("set_flags append", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    fdstat("fdstat after append", fd);
    report("write appended", __wasi_fd_write(fd, &civ, 1, &n));
    filestat("after append write", fd);
    report("set_flags nonblock", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
    report("set_flags sync", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC));
    report("set_flags 0", __wasi_fd_fdstat_set_flags(fd, 0));
    fdstat("fdstat after 0", fd);
    report("set_flags dir", __wasi_fd_fdstat_set_flags(DIR_FD, 0));

    report("sync", __wasi_fd_sync(fd));
    report("datasync", __wasi_fd_datasync(fd));
    report("sync dir", __wasi_fd_sync(DIR_FD));

    /* renumber */
    report("renumber ro -> fd", __wasi_fd_renumber(ro, fd));
    filestat("renumbered", fd);
    fdstat("old number", ro);
    report("renumber to closed", __wasi_fd_renumber(fd, 77));
    report("renumber from closed", __wasi_fd_renumber(77, fd));
    report("renumber self", __wasi_fd_renumber(fd, fd));
    report("close", __wasi_fd_close(fd));
    report("close again", __wasi_fd_close(fd));
    fdstat("closed", fd);
    filestat("closed", fd);
    report("read closed", __wasi_fd_read(fd, &iov, 1, &n));
    report("close rofd", __wasi_fd_close(rofd));
    fdstat("fd 99", 99);
    return 0;
}
