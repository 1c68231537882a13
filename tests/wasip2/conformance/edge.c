/* Edge cases: symlink loops and chains, unicode and overlong names, poll_oneoff on files, stdio used the
   wrong way round, and the preopen itself renumbered and closed. */
#include "conf.h"

static void poll_fd(const char *what, int fd, __wasi_eventtype_t type) {
    __wasi_subscription_t sub = {0};
    sub.userdata = 5;
    sub.u.tag = type;
    sub.u.u.fd_read.file_descriptor = fd;  /* fd_read and fd_write share the layout */
    __wasi_event_t ev = {0};
    __wasi_size_t n = 0;
    __wasi_errno_t err = __wasi_poll_oneoff(&sub, &ev, 1, &n);
    if (err) { report(what, err); return; }
    printf("%s: n %u userdata %llu error %d type %d\n", what, (unsigned)n, (unsigned long long)ev.userdata,
           (int)ev.error, (int)ev.type);
}

int main(void) {
    report("symlink loop", __wasi_path_symlink("loop", DIR_FD, "loop"));
    report("symlink a->b", __wasi_path_symlink("b", DIR_FD, "a"));
    report("symlink b->a", __wasi_path_symlink("a", DIR_FD, "b"));
    open_at("open loop follow", DIR_FD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "loop", 0, 0);
    open_at("open loop nofollow", DIR_FD, 0, "loop", 0, 0);
    open_at("open a follow", DIR_FD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "a", 0, 0);
    open_at("open loop/x", DIR_FD, 0, "loop/x", 0, 0);
    __wasi_filestat_t st;
    report("stat loop follow", __wasi_path_filestat_get(DIR_FD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "loop", &st));
    report("stat loop nofollow", __wasi_path_filestat_get(DIR_FD, 0, "loop", &st));
    write_file("target", "t");
    char from[16], to[16];
    for (int i = 0; i < 45; i++) {  /* c0 -> target, ci -> c(i-1) */
        snprintf(from, sizeof from, "c%d", i);
        if (i == 0) snprintf(to, sizeof to, "target"); else snprintf(to, sizeof to, "c%d", i - 1);
        if (__wasi_path_symlink(to, DIR_FD, from)) printf("symlink %s failed\n", from);
    }
    report("stat chain 39", __wasi_path_filestat_get(DIR_FD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "c39", &st));
    report("stat chain 44", __wasi_path_filestat_get(DIR_FD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "c44", &st));

    write_file("ünïcödé ✓.txt", "u");
    int u = open_at("open unicode", DIR_FD, 0, "ünïcödé ✓.txt", 0, 0);
    char name[300];
    memset(name, 'n', 255); name[255] = 0;
    open_at("create 255-byte name", DIR_FD, 0, name, __WASI_OFLAGS_CREAT, 0);
    memset(name, 'n', 256); name[256] = 0;
    open_at("create 256-byte name", DIR_FD, 0, name, __WASI_OFLAGS_CREAT, 0);
    report("mkdir 256-byte name", __wasi_path_create_directory(DIR_FD, name));
    open_at("open empty path", DIR_FD, 0, "", 0, 0);
    open_at("open with NUL inside", DIR_FD, 0, "target\0x", 0, 0);

    poll_fd("poll file read", u, __WASI_EVENTTYPE_FD_READ);
    poll_fd("poll file write", u, __WASI_EVENTTYPE_FD_WRITE);
    poll_fd("poll dir read", DIR_FD, __WASI_EVENTTYPE_FD_READ);
    poll_fd("poll stdout write", 1, __WASI_EVENTTYPE_FD_WRITE);
    poll_fd("poll stdout read", 1, __WASI_EVENTTYPE_FD_READ);
    poll_fd("poll stdin write", 0, __WASI_EVENTTYPE_FD_WRITE);

    char buf[8];
    __wasi_iovec_t in = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t out = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    report("write stdin", __wasi_fd_write(0, &out, 1, &n));
    report("read stdout", __wasi_fd_read(1, &in, 1, &n));
    report("pread stdin", __wasi_fd_pread(0, &in, 1, 0, &n));
    report("pwrite stdout", __wasi_fd_pwrite(1, &out, 1, 0, &n));
    report("set_times stdout", __wasi_fd_filestat_set_times(1, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    report("set_size stdout", __wasi_fd_filestat_set_size(1, 0));
    report("sync stdout", __wasi_fd_sync(1));
    report("advise stdout", __wasi_fd_advise(1, 0, 0, __WASI_ADVICE_NORMAL));
    report("readdir stdout", __wasi_fd_readdir(1, (uint8_t *)buf, sizeof buf, 0, &n));
    __wasi_prestat_t pre;
    report("prestat stdout", __wasi_fd_prestat_get(1, &pre));
    report("prestat file", __wasi_fd_prestat_get(u, &pre));
    report("prestat preopen", __wasi_fd_prestat_get(DIR_FD, &pre));
    printf("prestat name length %u\n", (unsigned)pre.u.dir.pr_name_len);
    char pname[64] = {0};
    report("prestat dir name", __wasi_fd_prestat_dir_name(DIR_FD, (uint8_t *)pname, pre.u.dir.pr_name_len));
    printf("prestat name [%s]\n", pname);
    report("prestat dir name short", __wasi_fd_prestat_dir_name(DIR_FD, (uint8_t *)pname, 2));
    report("prestat fd 4", __wasi_fd_prestat_get(4, &pre));

    report("renumber file onto preopen", __wasi_fd_renumber(u, DIR_FD));
    report("prestat renumbered", __wasi_fd_prestat_get(DIR_FD, &pre));
    report("read renumbered", __wasi_fd_read(DIR_FD, &in, 1, &n));
    report("create in renumbered", __wasi_path_create_directory(DIR_FD, "x"));
    report("close it", __wasi_fd_close(DIR_FD));
    report("create in closed", __wasi_path_create_directory(DIR_FD, "x"));
    report("close stdin", __wasi_fd_close(0));
    report("read closed stdin", __wasi_fd_read(0, &in, 1, &n));
    return 0;
}
