/* Count the entries of the directory preopened as "." (without "." and "..") with opendir/readdir.
 * usage: readdir      prints "entries=N" */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    DIR *dir = opendir(".");
    if (!dir) { perror("opendir"); return 1; }
    long n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    }
    closedir(dir);
    printf("entries=%ld\n", n);
    return 0;
}
