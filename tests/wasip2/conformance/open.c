/* path_open with every combination of oflags, fdflags and read/write rights on every kind of target
   (missing, file, directory, symlinks followed or not, dangling, trailing slashes, `..`); one line each:
   the errno, or the opened descriptor's filetype and flags and the file's size afterwards. */
#include "conf.h"

static const char *targets[] = {"missing", "file", "dir", "lfile", "ldir", "dangling", "file/", "dir/", "lfile/",
                                "ldir/", "missing/", "dir/..", "../x", "dir/../file", "."};
static const __wasi_fdflags_t fdflag_sets[] = {0, __WASI_FDFLAGS_APPEND, __WASI_FDFLAGS_DSYNC, __WASI_FDFLAGS_NONBLOCK,
                                              __WASI_FDFLAGS_RSYNC, __WASI_FDFLAGS_SYNC,
                                              __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK};
static const __wasi_rights_t right_sets[] = {__WASI_RIGHTS_FD_READ, __WASI_RIGHTS_FD_WRITE,
                                            __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0};
static const char *right_names[] = {"r", "w", "rw", "none"};

static void try_open(const char *target, int follow, __wasi_oflags_t o, __wasi_fdflags_t fdflags, size_t r,
                     int created) {
    write_file("file", "content");
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open(DIR_FD, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, target, o,
                                          right_sets[r], 0, fdflags, &fd);
    printf("%s follow=%d o=%d f=%d %s: ", target, follow, (int)o, (int)fdflags, right_names[r]);
    if (err) { printf("errno %d\n", (int)err); return; }
    __wasi_fdstat_t st;
    __wasi_fd_fdstat_get(fd, &st);
    __wasi_filestat_t fst;
    __wasi_fd_filestat_get(fd, &fst);
    __wasi_ciovec_t iov = {(const uint8_t *)"W", 1};
    __wasi_size_t n = 0;
    uint8_t byte; __wasi_iovec_t in = {&byte, 1};
    int regular = st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE;
    __wasi_errno_t werr = regular ? __wasi_fd_write(fd, &iov, 1, &n) : 0;
    __wasi_errno_t rerr = regular ? __wasi_fd_pread(fd, &in, 1, 0, &n) : 0;
    printf("ok type %d flags %d rights %llx/%llx size %llu write %d read %d\n", (int)st.fs_filetype,
           (int)st.fs_flags, (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting,
           (unsigned long long)fst.size, (int)werr, (int)rerr);
    __wasi_fd_close(fd);
    if (created) {  /* whatever a create made goes, so the next combination starts from the same tree */
        __wasi_path_unlink_file(DIR_FD, "missing");
        __wasi_path_unlink_file(DIR_FD, "nothing");
    }
}

int main(void) {
    report("mkdir dir", __wasi_path_create_directory(DIR_FD, "dir"));
    report("symlink lfile", __wasi_path_symlink("file", DIR_FD, "lfile"));
    report("symlink ldir", __wasi_path_symlink("dir", DIR_FD, "ldir"));
    report("symlink dangling", __wasi_path_symlink("nothing", DIR_FD, "dangling"));
    int combo = 0;
    for (size_t t = 0; t < sizeof targets / sizeof *targets; t++)
        for (int follow = 0; follow < 2; follow++) {
            if (follow && !strchr("ld", targets[t][0])) continue;  /* following matters for symlinks only */
            for (__wasi_oflags_t o = 0; o < 16; o++)
                for (size_t r = 0; r < sizeof right_sets / sizeof *right_sets; r++, combo++)
                    try_open(targets[t], follow, o, 0, r, t == 0 || t == 5);
        }
    for (size_t f = 0; f < sizeof fdflag_sets / sizeof *fdflag_sets; f++)
        for (size_t r = 0; r < sizeof right_sets / sizeof *right_sets; r++, combo += 3) {
            try_open("file", 0, 0, fdflag_sets[f], r, 0);
            try_open("missing", 0, __WASI_OFLAGS_CREAT, fdflag_sets[f], r, 1);
            try_open("dir", 0, __WASI_OFLAGS_DIRECTORY, fdflag_sets[f], r, 0);
        }
    printf("%d combinations\n", combo);
    return 0;
}
