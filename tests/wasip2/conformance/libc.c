/* The same areas through wasi-libc, as the wasi-testsuite C tests and real programs reach them: each failure
   printed with strerror (the errno the libc maps the preview1 errno to). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TRY(what, expr) do { errno = 0; long r_ = (long)(expr); \
    if (r_ < 0) printf("%s: %s\n", what, strerror(errno)); else printf("%s: ok %ld\n", what, r_); } while (0)

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
    DIR *d = opendir(path);
    if (!d) { printf("opendir %s: %s\n", path, strerror(errno)); return; }
    char *names[64]; int n = 0; struct dirent *e;
    long mark = -1; char marked[256] = "";
    while ((e = readdir(d)) && n < 64) {
        if (n == 2) { mark = telldir(d); }
        if (n == 3) snprintf(marked, sizeof marked, "%s", e->d_name);
        names[n++] = strdup(e->d_name);
    }
    if (mark >= 0) {
        seekdir(d, mark);
        e = readdir(d);
        printf("seekdir %s: same entry %d\n", path, e && !strcmp(e->d_name, marked));
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(void) {
    TRY("chdir", chdir("/sandbox"));
    TRY("mkdir d", mkdir("d", 0755));
    TRY("mkdir d again", mkdir("d", 0755));
    int fd = open("d/f", O_CREAT | O_EXCL | O_RDWR, 0644);
    TRY("open excl", fd);
    TRY("open excl again", open("d/f", O_CREAT | O_EXCL | O_RDWR, 0644));
    TRY("write", write(fd, "hello world\n", 12));
    TRY("lseek cur", lseek(fd, 0, SEEK_CUR));
    TRY("lseek set", lseek(fd, 6, SEEK_SET));
    char buf[64] = {0};
    TRY("read", read(fd, buf, sizeof buf - 1));
    printf("read text [%s]\n", buf);
    TRY("pread", pread(fd, buf, 5, 0));
    TRY("pwrite", pwrite(fd, "HELLO", 5, 0));
    TRY("ftruncate", ftruncate(fd, 8));
    printf("posix_fallocate: %s\n", strerror(posix_fallocate(fd, 0, 100)));
    struct stat st;
    TRY("fstat", fstat(fd, &st));
    printf("fstat size %lld reg %d nlink %lu\n", (long long)st.st_size, S_ISREG(st.st_mode), (unsigned long)st.st_nlink);
    int fl = fcntl(fd, F_GETFL);
    printf("F_GETFL accmode rdwr %d append %d\n", (fl & O_ACCMODE) == O_RDWR, !!(fl & O_APPEND));
    TRY("F_SETFL append", fcntl(fd, F_SETFL, O_APPEND));
    fl = fcntl(fd, F_GETFL);
    printf("F_GETFL append %d\n", !!(fl & O_APPEND));
    TRY("fsync", fsync(fd));
    TRY("fdatasync", fdatasync(fd));
    TRY("isatty file", isatty(fd));
    struct timespec times[2] = {{1, 500}, {2, 700}};
    TRY("futimens", futimens(fd, times));
    fstat(fd, &st);
    printf("times %lld.%ld %lld.%ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec,
           st.st_mtim.tv_nsec);
    TRY("close", close(fd));
    TRY("close again", close(fd));

    TRY("open rdonly trunc", fd = open("d/f", O_RDONLY | O_TRUNC));
    if (fd >= 0) { fstat(fd, &st); printf("after trunc size %lld\n", (long long)st.st_size); close(fd); }
    TRY("open dir wronly", open("d", O_WRONLY));
    TRY("open file O_DIRECTORY", open("d/f", O_RDONLY | O_DIRECTORY));
    TRY("open file/", open("d/f/", O_RDONLY));
    TRY("open missing", open("d/missing", O_RDONLY));
    TRY("open ..", open("..", O_RDONLY));
    TRY("open /etc/passwd", open("/etc/passwd", O_RDONLY));
    TRY("open dir rdonly", fd = open("d", O_RDONLY | O_DIRECTORY));
    if (fd >= 0) { TRY("read dir", read(fd, buf, 4)); close(fd); }

    TRY("symlink", symlink("f", "d/l"));
    TRY("symlink dangling", symlink("nope", "d/dl"));
    TRY("symlink absolute", symlink("/etc", "d/abs"));
    TRY("lstat l", lstat("d/l", &st));
    printf("lstat l is link %d\n", S_ISLNK(st.st_mode));
    TRY("stat l", stat("d/l", &st));
    printf("stat l is reg %d\n", S_ISREG(st.st_mode));
    TRY("stat dangling", stat("d/dl", &st));
    ssize_t n = readlink("d/dl", buf, sizeof buf);
    printf("readlink: %zd [%.*s]\n", n, n > 0 ? (int)n : 0, buf);
    TRY("readlink file", readlink("d/f", buf, sizeof buf));
    TRY("link", link("d/f", "d/h"));
    TRY("stat h", stat("d/h", &st));
    printf("nlink %lu\n", (unsigned long)st.st_nlink);
    TRY("access f W_OK", access("d/f", W_OK));
    TRY("access missing", access("d/missing", F_OK));
    struct timespec t2[2] = {{0, UTIME_OMIT}, {3, 0}};
    TRY("utimensat nofollow", utimensat(AT_FDCWD, "d/l", t2, AT_SYMLINK_NOFOLLOW));
    TRY("utimensat follow", utimensat(AT_FDCWD, "d/l", t2, 0));
    stat("d/f", &st);
    printf("f mtime %lld\n", (long long)st.st_mtim.tv_sec);

    list("d");
    list(".");
    list("d/f");
    TRY("rmdir non-empty", rmdir("d"));
    TRY("unlink dir", unlink("d"));
    TRY("rmdir file", rmdir("d/f"));
    TRY("rename file over dir", rename("d/f", "d"));
    TRY("mkdir e", mkdir("e", 0755));
    TRY("rename dir over non-empty", rename("e", "d"));
    TRY("rename dir into", rename("e", "d/e"));
    TRY("rename over file", rename("d/h", "d/l"));
    TRY("remove d/e", remove("d/e"));
    TRY("remove d/l", remove("d/l"));
    list("d");

    struct timespec ts;
    TRY("clock_gettime monotonic", clock_gettime(CLOCK_MONOTONIC, &ts));
    TRY("clock_gettime realtime", clock_gettime(CLOCK_REALTIME, &ts));
    printf("realtime after 2020 %d\n", ts.tv_sec > 1577836800);
    TRY("clock_getres realtime", clock_getres(CLOCK_REALTIME, &ts));
    struct timespec nap = {0, 1000000};
    TRY("nanosleep", nanosleep(&nap, NULL));
    unsigned char rnd[256];
    TRY("getentropy", getentropy(rnd, sizeof rnd));
    TRY("getentropy too big", getentropy(rnd, 257));
    TRY("isatty stdout", isatty(1));
    TRY("lseek stdin", lseek(0, 0, SEEK_CUR));
    char line[64];
    while (fgets(line, sizeof line, stdin)) printf("stdin line [%.*s]\n", (int)strcspn(line, "\n"), line);
    printf("stdin eof %d error %d\n", feof(stdin), ferror(stdin));
    return 0;
}
