/* unchecked_fopen.c - read a setting from a file, without checking that fopen worked.
 * Teaches: a WASI call can fail where the program never expected it (no such file, no permission,
 * too many open files). This program passes fopen's NULL straight to fgets: with the file present it
 * works, so tests pass; `wasitool faults unchecked_fopen` fails each call once and shows the trap.
 * (The fix: `if (in == NULL) { perror(NAME); return 1; }`.) */
#include <stdio.h>

#define NAME "settings.cfg"

int main(void) {
    FILE *in = fopen(NAME, "r"); /* the bug: no check for NULL */
    char line[128];
    while (fgets(line, sizeof line, in) != NULL) printf("setting: %s", line);
    fclose(in);
    return 0;
}
