/* Reads stdin, writes it back with one big write, counts a directory's entries, prints the year and
 * whether random bytes came out zero: with legal short reads/writes/readdir wasi-libc must still get
 * every byte and every entry. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    static char data[1 << 16];
    size_t total = 0;
    ssize_t n;
    while ((n = read(0, data + total, sizeof data - total)) > 0) total += (size_t)n;
    printf("stdin %zu bytes\n", total);
    fwrite(data, 1, total, stdout);
    DIR *dir = opendir(".");
    if (dir == NULL) { perror("opendir"); return 1; }
    int entries = 0;
    while (readdir(dir) != NULL) entries++;
    closedir(dir);
    printf("entries %d\n", entries);
    unsigned char r[16] = {1};
    getentropy(r, sizeof r);
    int zero = 1;
    for (size_t i = 0; i < sizeof r; i++) zero &= r[i] == 0;
    printf("random zero %d\n", zero);
    time_t now = time(NULL);
    printf("year %d\n", 1900 + gmtime(&now)->tm_year);
    return 0;
}
