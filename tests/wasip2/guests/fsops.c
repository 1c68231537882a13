#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { printf("opendir %s: %s\n", dir, strerror(errno)); return; }
    char *names[64]; int n = 0; struct dirent *e;
    while ((e = readdir(d)) && n < 64) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("ls %s:", dir);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

#define TRY(what, expr) do { if ((expr) < 0) printf("%s: %s\n", what, strerror(errno)); else printf("%s: ok\n", what); } while (0)

int main(int argc, char **argv) {
    const char *root = argc > 1 ? argv[1] : "/sandbox";
    if (chdir(root) < 0) { printf("chdir: %s\n", strerror(errno)); return 2; }
    TRY("mkdir sub", mkdir("sub", 0755));
    int fd = open("sub/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    printf("open create: %s\n", fd < 0 ? strerror(errno) : "ok");
    if (fd >= 0) {
        printf("write: %zd\n", write(fd, "hello, file\n", 12));
        printf("seek: %lld\n", (long long)lseek(fd, 7, SEEK_SET));
        char buf[32] = {0};
        printf("read: %zd [%s]\n", read(fd, buf, sizeof buf - 1), buf);
        printf("seek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
        struct stat st; fstat(fd, &st);
        printf("fstat: size=%lld reg=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
        close(fd);
    }
    struct stat st;
    TRY("stat sub", stat("sub", &st));
    printf("sub is dir: %d\n", S_ISDIR(st.st_mode));
    fd = open("sub/b.txt", O_CREAT | O_WRONLY | O_APPEND, 0644);
    if (fd >= 0) { write(fd, "one\n", 4); write(fd, "two\n", 4); close(fd); }
    FILE *f = fopen("sub/b.txt", "r"); char line[64];
    while (f && fgets(line, sizeof line, f)) printf("b: %s", line);
    if (f) fclose(f);
    list("sub");
    TRY("rename", rename("sub/a.txt", "sub/c.txt"));
    TRY("unlink", unlink("sub/b.txt"));
    list("sub");
    TRY("rmdir nonempty", rmdir("sub"));
    TRY("unlink c", unlink("sub/c.txt"));
    TRY("rmdir", rmdir("sub"));
    TRY("open missing", open("missing.txt", O_RDONLY));
    TRY("open dotdot", open("../x.txt", O_RDONLY));
    TRY("open abs", open("/etc/passwd", O_RDONLY));
    TRY("open link out", open("out/x.txt", O_RDONLY));
    TRY("create dotdot", open("sub2/../../y.txt", O_CREAT | O_WRONLY, 0644));
    list(".");
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a); clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic: %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    unsigned char r1[16], r2[16];
    getentropy(r1, sizeof r1); getentropy(r2, sizeof r2);
    printf("random differs: %d\n", memcmp(r1, r2, sizeof r1) != 0);
    struct timespec nap = {0, 20000000}; clock_gettime(CLOCK_MONOTONIC, &a);
    nanosleep(&nap, NULL); clock_gettime(CLOCK_MONOTONIC, &b);
    long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    printf("slept >= 20ms: %d\n", ns >= 20000000);
    return 0;
}
