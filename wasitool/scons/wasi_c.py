"""SCons tool `wasi_c`: C and C++ to wasm32-wasi with the toolchain wasitool.lock pins.

The toolchain comes from `env['WASITOOL_TOOLCHAIN']` (a `wasitool.toolchain.manifest.Toolchain`), or,
when that is unset, from the lock of the project around the SConstruct (the shipped lock outside one).
Only its roles' argv prefixes are used (`cc`, `c++`, `wasm-ld`), so zig cc, wasi-sdk's clang and
Debian's clang-16 all fit.

Construction variables, overridable as SCons' own tools' are:
  WASI_CC, WASI_CXX, WASI_LD            the commands (argv lists)
  WASI_CFLAGS, WASI_CXXFLAGS            compile flags; WASI_CCCOM / WASI_CXXCOM the command lines
  WASI_LINK, WASI_LINKFLAGS             command-module link (driver + flags); WASI_LINKCOM
  WASI_LIBFLAGS                         library-module link with wasm-ld; WASI_LIBCOM
  ...COMSTR                             the short line printed instead of each command
Builders: `WasiObject`, `WasiProgram` (a command module with `_start`), `WasiLibrary` (no entry point,
every function exported). Pseudo-builder: `env.WasiC(name, sources, library=False, outdir, objdir)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import SCons.Builder
import SCons.Scanner.C
import SCons.Util
from SCons.Script import Action

from wasitool.cflags import CFLAGS, CXX_ONLY, LIBRARY_LDFLAGS, optimize_flag
from wasitool.errors import WasitoolError

C_SUFFIXES = (".c",)
CXX_SUFFIXES = (".cc", ".cpp", ".cxx", ".C")
_VARLIST = ["WASITOOL_TOOLCHAIN_ID"]  # a toolchain change rebuilds everything


def generate(env: Any) -> None:
    toolchain = use_toolchain(env)
    env["WASI_CC"] = role_command(toolchain, "cc")
    env["WASI_CXX"] = role_command(toolchain, "c++")
    env["WASI_LD"] = role_command(toolchain, "wasm-ld")
    env.SetDefault(
        CPPPATH=[],
        INCPREFIX="-I",
        INCSUFFIX="",
        WASITOOL_TOOLCHAIN_ID="",
        TOPDIR=env.Dir("#").abspath,
        # Fixed flags for reproducible output: no debug info, source paths relative to the top dir
        # (SCons runs every command from there), no build path in __FILE__.
        # What names a path of this machine (the store's compiler, the top dir) sits in $( $): it is left
        # out of the build signature, so checkouts at other paths share a build cache (CacheDir); the
        # toolchain enters the signature as WASITOOL_TOOLCHAIN_ID instead.
        # The flags come from wasitool/cflags.py, shared with one-file builds.
        WASI_CFLAGS=[optimize_flag(None), *CFLAGS, "$(", "-ffile-prefix-map=${TOPDIR}=.", "$)"],
        WASI_CXXFLAGS=[optimize_flag(None), *CFLAGS, "$(", "-ffile-prefix-map=${TOPDIR}=.", "$)", *CXX_ONLY],
        WASI_CCCOM="$( $WASI_CC $) $WASI_CFLAGS $_CPPINCFLAGS -c -o $TARGET $SOURCES",
        WASI_CXXCOM="$( $WASI_CXX $) $WASI_CXXFLAGS $_CPPINCFLAGS -c -o $TARGET $SOURCES",
        WASI_LINK="$WASI_CC",
        # No `-s`: the `name` section stays, so `wasitool inspect` can name functions (`readdir`,
        # `__multi3`). The DWARF sections (libc's debug info names the compiler cache, so they are
        # not reproducible) are removed after linking by `strip_debug`, which keeps the output
        # byte-identical across builds. zig cc takes `-Wl,--strip-debug` as a full strip.
        WASI_LINKFLAGS=[],
        WASI_LINKCOM="$( $WASI_LINK $) $WASI_LINKFLAGS -o $TARGET $SOURCES",
        # Library modules are linked with the toolchain's own wasm-ld rather than through the
        # compiler driver: `zig cc` rejects `-Wl,--export-all`, while wasm-ld accepts the same
        # flags whichever compiler made the objects. -nostdlib is implied: nothing but our objects.
        WASI_LIBFLAGS=list(LIBRARY_LDFLAGS),
        WASI_LIBCOM="$( $WASI_LD $) $WASI_LIBFLAGS -o $TARGET $SOURCES",
        WASI_CCCOMSTR="wasm-cc $SOURCE -> $TARGET",
        WASI_CXXCOMSTR="wasm-c++ $SOURCE -> $TARGET",
        WASI_LINKCOMSTR="wasm-link $TARGET",
        WASI_LIBCOMSTR="wasm-ld (library) $TARGET",
    )
    compile_actions = {suffix: Action("$WASI_CCCOM", "$WASI_CCCOMSTR", varlist=_VARLIST) for suffix in C_SUFFIXES}
    compile_actions.update(
        {suffix: Action("$WASI_CXXCOM", "$WASI_CXXCOMSTR", varlist=_VARLIST) for suffix in CXX_SUFFIXES}
    )
    env["BUILDERS"]["WasiObject"] = SCons.Builder.Builder(
        action=compile_actions, suffix=".o", source_scanner=SCons.Scanner.C.CScanner(),
    )
    env["BUILDERS"]["WasiProgram"] = SCons.Builder.Builder(
        action=[Action("$WASI_LINKCOM", "$WASI_LINKCOMSTR", varlist=_VARLIST), Action(strip_debug, None)],
        suffix=".wasm", src_suffix=".o", src_builder="WasiObject",
    )
    env["BUILDERS"]["WasiLibrary"] = SCons.Builder.Builder(
        action=[Action("$WASI_LIBCOM", "$WASI_LIBCOMSTR", varlist=_VARLIST), Action(strip_debug, None)],
        suffix=".wasm", src_suffix=".o", src_builder="WasiObject",
    )
    env.AddMethod(wasi_c, "WasiC")


def strip_debug(target: Any, source: Any, env: Any) -> int:
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


def wasi_c(env: Any, name: str, sources: Any, library: bool = False, outdir: str = "#out",
           objdir: str = "#out/obj") -> Any:
    """Compile `sources` (C or C++ files) and link `<outdir>/<name>.wasm`; returns the target nodes."""
    files = [env.File(src) for src in env.Flatten([sources])]
    objects = [env.WasiObject(f"{objdir}/{SCons.Util.splitext(f.name)[0]}", f)[0] for f in files]
    objects.sort(key=str)  # stable link order
    if library:
        return env.WasiLibrary(f"{outdir}/{name}", objects)
    cxx = any(SCons.Util.splitext(f.name)[1] in CXX_SUFFIXES for f in files)
    return env.WasiProgram(f"{outdir}/{name}", objects, **({"WASI_LINK": "$WASI_CXX"} if cxx else {}))


def use_toolchain(env: Any) -> Any:
    """The toolchain of `env` (loaded from the project's lock when unset), its environment variables and
    identity applied to `env`; None when none is installed (then commands name the missing role)."""
    if "WASITOOL_TOOLCHAIN" not in env:
        env["WASITOOL_TOOLCHAIN"] = load_project_toolchain(None, required=False)
    toolchain = env["WASITOOL_TOOLCHAIN"]
    if toolchain is not None:
        from wasitool.scons.project import toolchain_id

        env["ENV"].update(toolchain.env())
        env["WASITOOL_TOOLCHAIN_ID"] = toolchain_id(toolchain)
    return toolchain


def role_command(toolchain: Any, role: str) -> list[str]:
    """The argv prefix of `role`, or a placeholder naming the problem (the build then fails saying it)."""
    if toolchain is None:
        return [f"wasitool-no-toolchain-for-{role}"]
    try:
        return list(toolchain.command(role))
    except WasitoolError:
        return [f"wasitool-toolchain-has-no-{role}"]


def load_project_toolchain(project: Any, required: bool, fail: Callable[[str], None] | None = None) -> Any:
    """The toolchain `project`'s lock selects (default: the project around the SConstruct), or None.

    `required`: a missing toolchain is reported through `fail` (one line, then SCons exits).
    """
    from SCons.Script import Dir

    from wasitool.project import default_lock_path, find_project
    from wasitool.toolchain.paths import load_toolchain

    if project is None:
        project = find_project(__import__("pathlib").Path(Dir("#").abspath))
    try:
        return load_toolchain(lock=project.lock if project is not None else default_lock_path())
    except WasitoolError as exc:
        if required and fail is not None:
            fail(exc.one_line())
        return None


def exists(env: Any) -> bool:
    """True when the toolchain is installed (so `Environment(tools=[...])` can skip this tool otherwise)."""
    return load_project_toolchain(None, required=False) is not None
