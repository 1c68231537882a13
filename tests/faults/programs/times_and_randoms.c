/* Prints the time, random numbers and a directory with inode numbers and times: different on every run,
 * unless the run is deterministic. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int main(void) {
    for (int i = 0; i < 3; i++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", gmtime(&now.tv_sec));
        printf("%s.%03ld random %08x\n", stamp, now.tv_nsec / 1000000, arc4random());
    }
    DIR *dir = opendir(".");
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, "..") == 0) continue; /* outside the sandbox: stat fails */
        struct stat info;
        if (stat(entry->d_name, &info) != 0) return 1;
        printf("%s%s ino %llu/%llu mtime %lld\n", entry->d_name, S_ISDIR(info.st_mode) ? "/" : "",
               (unsigned long long)entry->d_ino, (unsigned long long)info.st_ino, (long long)info.st_mtime);
    }
    closedir(dir);
    return 0;
}
