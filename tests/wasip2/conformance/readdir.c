/* fd_readdir: `.` and `..`, cookies (resuming from each entry's d_next), a buffer too small for one entry,
   a directory of 300 entries read in small chunks, readdir on a file and on a closed fd. */
#include "conf.h"

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every entry of `fd` read with a buffer of `size` bytes; names sorted and printed. */
static void list(const char *what, int fd, size_t size) {
    char *names[400]; int count = 0;
    uint8_t *buf = malloc(size);
    __wasi_dircookie_t cookie = 0;
    for (int rounds = 0; rounds < 2000; rounds++) {
        __wasi_size_t used = 0;
        __wasi_errno_t err = __wasi_fd_readdir(fd, buf, size, cookie, &used);
        if (err) { report(what, err); free(buf); return; }
        size_t at = 0; int progressed = 0;
        while (at + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t ent; memcpy(&ent, buf + at, sizeof ent);
            if (at + sizeof ent + ent.d_namlen > used) break;  /* a truncated entry: read again from its cookie */
            char *name = strndup((char *)buf + at + sizeof ent, ent.d_namlen);
            if (!strcmp(name, ".") || !strcmp(name, "..")) printf("%s: %s type %d\n", what, name, (int)ent.d_type);
            if (count < 400) names[count++] = name; else free(name);
            cookie = ent.d_next; at += sizeof ent + ent.d_namlen; progressed = 1;
        }
        if (used < size) break;
        if (!progressed) { printf("%s: buffer of %zu holds no entry\n", what, size); break; }
    }
    free(buf);
    qsort(names, count, sizeof *names, cmp);
    printf("%s: %d entries:", what, count);
    for (int i = 0; i < count && i < 12; i++) printf(" %s", names[i]);
    printf("\n");
    for (int i = 0; i < count; i++) free(names[i]);
}

int main(void) {
    report("mkdir d", __wasi_path_create_directory(DIR_FD, "d"));
    write_file("d/file", "x");
    report("mkdir d/sub", __wasi_path_create_directory(DIR_FD, "d/sub"));
    report("symlink d/link", __wasi_path_symlink("file", DIR_FD, "d/link"));
    report("symlink d/dangling", __wasi_path_symlink("nowhere", DIR_FD, "d/dangling"));
    int d = open_at("open d", DIR_FD, 0, "d", __WASI_OFLAGS_DIRECTORY, 0);
    list("d big buffer", d, 4096);
    list("d small buffer", d, 40);

    /* an entry's type and the resumption from each cookie */
    uint8_t buf[4096]; __wasi_size_t used = 0;
    report("readdir d", __wasi_fd_readdir(d, buf, sizeof buf, 0, &used));
    int n = 0; size_t at = 0;
    char *types[16];
    while (at + sizeof(__wasi_dirent_t) <= used && n < 16) {
        __wasi_dirent_t ent; memcpy(&ent, buf + at, sizeof ent);
        char line[128];
        snprintf(line, sizeof line, "%.*s type %d", (int)ent.d_namlen, (char *)buf + at + sizeof ent, (int)ent.d_type);
        types[n++] = strdup(line);
        __wasi_size_t rest = 0; uint8_t again[4096];
        if (__wasi_fd_readdir(d, again, sizeof again, ent.d_next, &rest) == 0 && ent.d_next) {
            /* what follows this entry must be exactly what the first listing had after it */
            size_t after = at + sizeof ent + ent.d_namlen;
            if (rest != used - after || memcmp(again, buf + after, rest) != 0) printf("cookie %d resumes elsewhere\n", n);
        }
        at += sizeof ent + ent.d_namlen;
    }
    qsort(types, n, sizeof *types, cmp);
    for (int i = 0; i < n; i++) { printf("entry %s\n", types[i]); free(types[i]); }
    report("readdir past end", __wasi_fd_readdir(d, buf, sizeof buf, 1000000, &used));
    printf("past end used %u\n", (unsigned)used);
    report("readdir zero buffer", __wasi_fd_readdir(d, buf, 0, 0, &used));
    printf("zero buffer used %u\n", (unsigned)used);

    report("mkdir big", __wasi_path_create_directory(DIR_FD, "big"));
    for (int i = 0; i < 300; i++) {
        char name[64]; snprintf(name, sizeof name, "big/entry-with-a-longish-name-%03d", i);
        write_file(name, "");
    }
    int big = open_at("open big", DIR_FD, 0, "big", __WASI_OFLAGS_DIRECTORY, 0);
    list("big 4096", big, 4096);
    list("big 100", big, 100);
    list("big 65536", big, 65536);

    int f = open_at("open d/file", DIR_FD, 0, "d/file", 0, 0);
    report("readdir file", __wasi_fd_readdir(f, buf, sizeof buf, 0, &used));
    report("readdir stdout", __wasi_fd_readdir(1, buf, sizeof buf, 0, &used));
    __wasi_fd_close(d);
    report("readdir closed", __wasi_fd_readdir(d, buf, sizeof buf, 0, &used));
    list("preopen", DIR_FD, 4096);
    return 0;
}
