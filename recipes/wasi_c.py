"""SCons tool `wasi_c`: C to wasm32-wasi with the installed toolchain's `cc` and `wasm-ld` roles.

Reads the toolchain from `env['WASITOOL_TOOLCHAIN']` (a `wasitool.toolchain.manifest.Toolchain`, or
None when only cleaning or printing help). Only the argv prefixes of `Toolchain.command()` are used,
so zig cc, wasi-sdk's clang and Debian's clang-16 all fit.

Builders: `WasiObject` (.c -> .o, headers scanned), `WasiProgram` (objects -> command module with
`_start`), `WasiLibrary` (objects -> library module, no entry point, every function exported).
Pseudo-builder: `env.WasiC(name, source, library=False, objdir=...)`.
"""

from __future__ import annotations

import SCons.Builder
import SCons.Scanner.C
from SCons.Script import Action

PLACEHOLDER = ["wasi-cc-not-installed"]


def generate(env) -> None:
    toolchain = env.get("WASITOOL_TOOLCHAIN")
    env["WASI_CC"] = toolchain.command("cc") if toolchain else PLACEHOLDER
    env["WASI_LD"] = toolchain.command("wasm-ld") if toolchain else PLACEHOLDER
    env.SetDefault(
        CPPPATH=[],
        INCPREFIX="-I",
        INCSUFFIX="",
        WASITOOL_TOOLCHAIN_ID="",
        # Fixed flags for reproducible output: no debug info, source paths relative to the top dir
        # (SCons runs every command from there), no build path in __FILE__.
        WASI_CFLAGS=["-O2", "-g0", "-Wall", "-Wextra", "-ffile-prefix-map=${TOPDIR}=."],
        # No `-s`: the `name` section stays, so `wasitool inspect` can name functions (`readdir`,
        # `__multi3`). The DWARF sections (libc's debug info names the compiler cache, so they are
        # not reproducible) are removed after linking by `strip_debug`, which keeps the output
        # byte-identical across builds. zig cc takes `-Wl,--strip-debug` as a full strip.
        WASI_LINKFLAGS=[],
        # Library modules are linked with the toolchain's own wasm-ld rather than through the
        # compiler driver: `zig cc` rejects `-Wl,--export-all`, while wasm-ld accepts the same
        # flags whichever compiler made the objects. -nostdlib is implied: nothing but our objects.
        WASI_LIBFLAGS=["--no-entry", "--export-all", "--strip-debug"],
        WASI_CCCOMSTR="wasm-cc $SOURCE -> $TARGET",
        WASI_LINKCOMSTR="wasm-link $TARGET",
        WASI_LIBCOMSTR="wasm-ld (library) $TARGET",
    )
    env["TOPDIR"] = env.Dir("#").abspath
    varlist = ["WASITOOL_TOOLCHAIN_ID"]  # a toolchain upgrade rebuilds everything
    env["BUILDERS"]["WasiObject"] = SCons.Builder.Builder(
        action=Action(
            "$WASI_CC $WASI_CFLAGS $_CPPINCFLAGS -c -o $TARGET $SOURCE", "$WASI_CCCOMSTR", varlist=varlist
        ),
        suffix=".o",
        src_suffix=".c",
        source_scanner=SCons.Scanner.C.CScanner(),
    )
    env["BUILDERS"]["WasiProgram"] = SCons.Builder.Builder(
        action=[Action("$WASI_CC $WASI_LINKFLAGS -o $TARGET $SOURCES", "$WASI_LINKCOMSTR", varlist=varlist),
                Action(strip_debug, None)],
        suffix=".wasm",
        src_suffix=".o",
        src_builder="WasiObject",
    )
    env["BUILDERS"]["WasiLibrary"] = SCons.Builder.Builder(
        action=[Action("$WASI_LD $WASI_LIBFLAGS -o $TARGET $SOURCES", "$WASI_LIBCOMSTR", varlist=varlist),
                Action(strip_debug, None)],
        suffix=".wasm",
        src_suffix=".o",
        src_builder="WasiObject",
    )
    env.AddMethod(wasi_c, "WasiC")


def strip_debug(target, source, env) -> int:
    """Drop the DWARF custom sections of each linked module in place (the `name` section stays)."""
    from wasitool.wasmbin import strip_debug_sections

    for node in target:
        with open(node.abspath, "rb") as f:
            data = f.read()
        stripped = strip_debug_sections(data)
        if stripped != data:
            with open(node.abspath, "wb") as f:
                f.write(stripped)
    return 0


def wasi_c(env, name: str, sources, library: bool = False, outdir: str = "#out", objdir: str = "#out/obj"):
    """Compile `sources` (C files) and link `<outdir>/<name>.wasm`; returns the target nodes."""
    objects = [
        env.WasiObject(f"{objdir}/{env.File(src).name[:-2]}.o", src)[0] for src in env.Flatten([sources])
    ]
    link = env.WasiLibrary if library else env.WasiProgram
    return link(f"{outdir}/{name}.wasm", sorted(objects, key=str))  # stable link order


def exists(env) -> bool:
    return True
