/* readdir.c - list a preopened directory.
 * Teaches: opendir/readdir are wasi-libc wrappers of path_open and fd_readdir. The order of
 * entries is up to the host, so the expectation compares sorted lines; "." and ".." are skipped
 * because runtimes disagree on whether to report them. Directories get a trailing slash. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "examples.h"

static int is_dir(const struct dirent *entry) {
    if (entry->d_type != DT_UNKNOWN) return entry->d_type == DT_DIR;
    struct stat info; /* some hosts do not report the type: ask for it */
    return stat(entry->d_name, &info) == 0 && S_ISDIR(info.st_mode);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : ".";
    DIR *dir = opendir(path);
    EXAMPLE_CHECK(dir != NULL, path);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        printf("%s%s\n", entry->d_name, is_dir(entry) ? "/" : "");
    }
    EXAMPLE_CHECK(closedir(dir) == 0, "closedir");
    return 0;
}
