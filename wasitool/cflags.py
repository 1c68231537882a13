"""The one table of compile and link flags for wasm32-wasi builds: the SCons tools (`wasi_c`, `native_c`)
and one-file mode (`wasitool build x.c`) take their flags from here, so an example built by SCons and the
same file built alone get the same options.

No debug info is compiled in (`-g0`); linked modules keep their `name` section (so `wasitool inspect`
names functions) and lose the DWARF sections the C library brings (`wasmbin.strip_debug_sections` after
linking: libc's DWARF names the compiler's cache, which would make the output depend on where the store
lives). Command modules are not linked with `-s`: zig takes it, and `-Wl,--strip-debug`, as a full strip.
"""

from __future__ import annotations

DEFAULT_OPTIMIZE = "2"
# Every compile, after `-O<level>`: no debug info, warnings on.
CFLAGS = ("-g0", "-Wall", "-Wextra")
# C++ in addition: zig's libc++/libc++abi for wasm32-wasi are built without exception support (a `throw`
# fails to link: undefined __cxa_throw), and neither Python engine runs wasm exception handling by default.
CXX_ONLY = ("-fno-exceptions",)
# A library module linked by wasm-ld alone (no libc, every function exported): `zig cc` rejects
# `-Wl,--export-all`, wasm-ld takes these whichever compiler made the objects; names kept, DWARF dropped.
LIBRARY_LDFLAGS = ("--no-entry", "--export-all", "--strip-debug")
# The flag that asks for setjmp/longjmp (after `-mllvm`); the toolchain's `sjlj` entry completes it.
SJLJ_FLAG = "-wasm-enable-sjlj"


def optimize_flag(level: str | None) -> str:
    """`-O<level>`, `-O2` by default."""
    return f"-O{level or DEFAULT_OPTIMIZE}"
