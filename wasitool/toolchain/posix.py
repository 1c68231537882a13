"""The porting layer (`wasitool env|exec --posix`, `toolchain --cmake --posix`, `build|run --posix`): wasi-libc's
documented emulations switched on, plus a small library for the POSIX calls WASI preview1 cannot offer.

The emulations (each the fix wasi-libc's own headers name): signal()/raise() within the program
(`_WASI_EMULATED_SIGNAL`), clock()/times()/getrusage() from the wall clock (`_WASI_EMULATED_PROCESS_CLOCKS`),
mmap() as a copy in memory (`_WASI_EMULATED_MMAN`), getpid() as a constant (`_WASI_EMULATED_GETPID`).

The compatibility library (`libwasitool-posix.a`, built once with the pinned toolchain):
- `system(cmd)`: there is no shell: `system(NULL)` is 0 (no command processor), any command fails with -1
  and errno ENOSYS, as C allows;
- `tmpfile()`: a file created (O_EXCL, mode 0600) in `$TMPDIR`, else `/tmp`, and unlinked at once; that
  directory must be preopened (`wasitool run --dir HOST_TMP::/tmp`), else NULL with the open's errno;
- `tmpnam(buf)`: a fresh name in `/tmp` (no file is made; not taken when tried), in `buf` or a static buffer.
Only archive members a program refers to are linked.
"""

from __future__ import annotations

# stdio.h leaves out L_tmpnam and TMP_MAX with tmpnam (it still declares tmpnam/tmpfile, deprecated: their
# warnings stay, the calls link to the library below).
DEFINES = ("-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS", "-D_WASI_EMULATED_MMAN",
           "-D_WASI_EMULATED_GETPID", "-DL_tmpnam=20", "-DTMP_MAX=10000")
LIBS = ("-lwasi-emulated-signal", "-lwasi-emulated-process-clocks", "-lwasi-emulated-mman",
        "-lwasi-emulated-getpid")
# One C file per function, so a program links only what it calls.
SOURCES = {
    "system": r"""#include <errno.h>
#include <stdlib.h>
/* wasitool's porting layer: WASI has no processes, so no shell. */
int system(const char *command) {
    if (command == NULL) return 0;
    errno = ENOSYS;
    return -1;
}
""",
    "tmpname": r"""#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifndef L_tmpnam
#define L_tmpnam 20 /* stdio.h defines it only for some feature macros */
#endif
/* wasitool's porting layer: unique names for temporary files, in /tmp or $TMPDIR. */
int __wasitool_temp_name(char *out, size_t size, const char *dir) {
    static unsigned long counter;
    unsigned char random[4] = {0};
    for (int attempt = 0; attempt < 100; attempt++) {
        getentropy(random, sizeof random);
        unsigned long n = ((unsigned long)random[0] << 24 | random[1] << 16 | random[2] << 8 | random[3]) ^ ++counter;
        if ((size_t)snprintf(out, size, "%s/t%08lx", dir, n & 0xffffffffUL) >= size) return -1;
        if (access(out, F_OK) != 0) return 0;
    }
    return -1;
}

char *tmpnam(char *buf) {
    static char name[L_tmpnam];
    char *out = buf ? buf : name;
    return __wasitool_temp_name(out, L_tmpnam, "/tmp") == 0 ? out : NULL;
}
""",
    "tmpfile": r"""#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int __wasitool_temp_name(char *out, size_t size, const char *dir);
/* wasitool's porting layer: an anonymous temporary file in a preopened $TMPDIR or /tmp. */
FILE *tmpfile(void) {
    const char *dir = getenv("TMPDIR");
    char name[256];
    if (dir == NULL || *dir == '\0') dir = "/tmp";
    for (int attempt = 0; attempt < 100; attempt++) {
        if (__wasitool_temp_name(name, sizeof name, dir) != 0) return NULL;
        int fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            return NULL;
        }
        unlink(name);
        FILE *f = fdopen(fd, "w+");
        if (f == NULL) close(fd);
        return f;
    }
    errno = EEXIST;
    return NULL;
}
""",
}


def _digest() -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps([DEFINES, LIBS, SOURCES]).encode()).hexdigest()[:12]


DIGEST = _digest()  # in the wrappers' fingerprint and the library's name: a change rewrites and rebuilds them
LIBRARY = f"libwasitool-posix-{DIGEST}.a"
