"""SCons tool `wasi_c`: C and C++ to wasm32-wasi with the toolchain wasitool.lock pins.

The toolchain comes from `env['WASITOOL_TOOLCHAIN']` (a `wasitool.toolchain.manifest.Toolchain`), or,
when that is unset, from the lock of the project around the SConstruct (the shipped lock outside one).
Only its roles' argv prefixes are used (`cc`, `c++`, `wasm-ld`), so zig cc, wasi-sdk's clang and
Debian's clang-16 all fit.

Construction variables, overridable as SCons' own tools' are:
  WASI_CC, WASI_CXX, WASI_LD            the commands (argv lists)
  WASI_CFLAGS, WASI_CXXFLAGS            wasitool's fixed compile flags; WASI_CCCOM / WASI_CXXCOM the command lines
  WASI_LINK, WASI_LINKFLAGS             command-module link (driver + flags); WASI_LINKCOM
  WASI_LIBFLAGS                         library-module link with wasm-ld; WASI_LIBCOM
  WASI_P2CC, WASI_P2CXX                 a compiler writing WASI 0.2 components itself (wasi-sdk's
                                        wasm32-wasip2 target), when the toolchain has one; WASI_P2LINKCOM
  WASI_COMPONENT_NEW, WASI_ADAPTER_COMMAND, WASI_ADAPTER_REACTOR
                                        core module -> component (wasm-tools + the preview1 adapters);
                                        WASI_COMPONENTCOM, with WASI_ADAPTER the adapter of one call
  ...COMSTR                             the short line printed instead of each command
SCons' own C variables are honoured after wasitool's flags, in SCons' order: CFLAGS/CXXFLAGS, CCFLAGS,
CPPFLAGS, CPPDEFINES (`$_CPPDEFFLAGS`), CPPPATH (`$_CPPINCFLAGS`) when compiling; LINKFLAGS when linking
through the driver, LIBPATH (`$_LIBDIRFLAGS`) and LIBS (`$_LIBFLAGS`) on every link, so
`env.Append(CPPDEFINES=["FAST"], LIBS=["m"])` builds with `-DFAST` and `-lm`.
A link through the compiler driver (`WasiProgram`, `WasiP2Program`) still running after a few seconds says
on stderr that zig is building a C library variant (`watched_spawn`, `toolchain/firstuse.py`), every time.
Builders: `WasiObject`, `WasiProgram` (a command module with `_start`), `WasiLibrary` (no entry point,
every function exported), `WasiComponent` (a core module wrapped by the preview1 adapter), and with a
wasm32-wasip2 compiler `WasiP2Object`, `WasiP2Program`. Pseudo-builders:
`env.WasiC(name, sources, library=False, outdir, objdir, wasi="p1")` (`wasi="p2"`: `<outdir>/<name>.p2.wasm`
from the wasm32-wasip2 compiler) and `env.WasiAdapt(target, core, adapter="command"|"reactor")`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import SCons.Builder
import SCons.Scanner.C
import SCons.Util
from SCons.Script import Action

from wasitool.cflags import CFLAGS, CXX_ONLY, LIBRARY_LDFLAGS, optimize_flag
from wasitool.errors import WasitoolError
from wasitool.languages import suffixes
from wasitool.toolchain.roles import Role

C_SUFFIXES = suffixes("c")
CXX_SUFFIXES = suffixes("c++")
_VARLIST = ["WASITOOL_TOOLCHAIN_ID"]  # a toolchain change rebuilds everything


_SCONS_COMPILE = "$CCFLAGS $CPPFLAGS $_CPPDEFFLAGS $_CPPINCFLAGS"  # after $CFLAGS / $CXXFLAGS
_SCONS_LIBS = "$_LIBDIRFLAGS $_LIBFLAGS"


def generate(env: Any) -> None:
    toolchain = use_toolchain(env)
    env["WASI_CC"] = role_command(toolchain, "cc")
    env["WASI_CXX"] = role_command(toolchain, "c++")
    env["WASI_LD"] = role_command(toolchain, "wasm-ld")
    env["WASI_P2CC"] = role_command(toolchain, "wasip2-cc")
    env["WASI_P2CXX"] = role_command(toolchain, "wasip2-c++")
    env["WASI_COMPONENT_NEW"] = role_command(toolchain, "component-new")
    env["WASI_ADAPTER_COMMAND"] = role_file(toolchain, "wasi-adapter-command")
    env["WASI_ADAPTER_REACTOR"] = role_file(toolchain, "wasi-adapter-reactor")
    env.SetDefault(
        CPPPATH=[],
        INCPREFIX="-I",
        INCSUFFIX="",
        # SCons' own C variables (its cc and link tools define these; this tool stands alone).
        CFLAGS=[], CXXFLAGS=[], CCFLAGS=[], CPPFLAGS=[], CPPDEFINES=[], LINKFLAGS=[], LIBPATH=[], LIBS=[],
        CPPDEFPREFIX="-D", CPPDEFSUFFIX="", LIBDIRPREFIX="-L", LIBDIRSUFFIX="", LIBLINKPREFIX="-l",
        LIBLINKSUFFIX="",
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
        WASI_CCCOM=f"$( $WASI_CC $) $WASI_CFLAGS $CFLAGS {_SCONS_COMPILE} -c -o $TARGET $SOURCES",
        WASI_CXXCOM=f"$( $WASI_CXX $) $WASI_CXXFLAGS $CXXFLAGS {_SCONS_COMPILE} -c -o $TARGET $SOURCES",
        WASI_P2CCCOM=f"$( $WASI_P2CC $) $WASI_CFLAGS $CFLAGS {_SCONS_COMPILE} -c -o $TARGET $SOURCES",
        WASI_P2CXXCOM=f"$( $WASI_P2CXX $) $WASI_CXXFLAGS $CXXFLAGS {_SCONS_COMPILE} -c -o $TARGET $SOURCES",
        WASI_LINK="$WASI_CC",
        # No `-s`: the `name` section stays, so `wasitool inspect` can name functions (`readdir`,
        # `__multi3`). The DWARF sections (libc's debug info names the compiler cache, so they are
        # not reproducible) are removed after linking by `strip_debug`, which keeps the output
        # byte-identical across builds. zig cc takes `-Wl,--strip-debug` as a full strip.
        WASI_LINKFLAGS=[],
        WASI_LINKCOM=f"$( $WASI_LINK $) $WASI_LINKFLAGS $LINKFLAGS -o $TARGET $SOURCES {_SCONS_LIBS}",
        WASI_P2LINK="$WASI_P2CC",
        # wasi-sdk's clang links a wasm32-wasip2 program through wasm-component-ld: the output is the component.
        WASI_P2LINKFLAGS=[],
        WASI_P2LINKCOM=f"$( $WASI_P2LINK $) $WASI_P2LINKFLAGS $LINKFLAGS -o $TARGET $SOURCES {_SCONS_LIBS}",
        # Library modules are linked with the toolchain's own wasm-ld rather than through the
        # compiler driver: `zig cc` rejects `-Wl,--export-all`, while wasm-ld accepts the same
        # flags whichever compiler made the objects. -nostdlib is implied: nothing but our objects.
        WASI_LIBFLAGS=list(LIBRARY_LDFLAGS),
        WASI_LIBCOM=f"$( $WASI_LD $) $WASI_LIBFLAGS -o $TARGET $SOURCES {_SCONS_LIBS}",
        # The adapter's path names the store, so it stays out of the signature (the adapters' pin is in
        # WASITOOL_TOOLCHAIN_ID); `WASI_ADAPTER` is set per call to the command or reactor adapter.
        WASI_ADAPTER="$WASI_ADAPTER_COMMAND",
        _wasi_adaptflags=adapt_flags,
        WASI_COMPONENTCOM="$( $WASI_COMPONENT_NEW ${_wasi_adaptflags(__env__)} $) -o $TARGET $SOURCE",
        WASI_CCCOMSTR="wasm-cc $SOURCE -> $TARGET",
        WASI_CXXCOMSTR="wasm-c++ $SOURCE -> $TARGET",
        WASI_P2CCCOMSTR="wasm-cc (wasip2) $SOURCE -> $TARGET",
        WASI_P2CXXCOMSTR="wasm-c++ (wasip2) $SOURCE -> $TARGET",
        WASI_LINKCOMSTR="wasm-link $TARGET",
        WASI_P2LINKCOMSTR="wasm-link (wasip2 component) $TARGET",
        WASI_LIBCOMSTR="wasm-ld (library) $TARGET",
        WASI_COMPONENTCOMSTR="wasm-component $SOURCE -> $TARGET",
    )
    compile_actions = {suffix: Action("$WASI_CCCOM", "$WASI_CCCOMSTR", varlist=_VARLIST) for suffix in C_SUFFIXES}
    compile_actions.update(
        {suffix: Action("$WASI_CXXCOM", "$WASI_CXXCOMSTR", varlist=_VARLIST) for suffix in CXX_SUFFIXES}
    )
    env["BUILDERS"]["WasiObject"] = SCons.Builder.Builder(
        action=compile_actions, suffix=".o", source_scanner=SCons.Scanner.C.CScanner(),
    )
    # Links through the compiler driver are where zig builds another C library variant (C++, setjmp, other
    # flags): each one says so on stderr when still running after a few seconds, as the wrappers' links do.
    link_spawn = watched_spawn(env["SPAWN"])
    env["BUILDERS"]["WasiProgram"] = SCons.Builder.Builder(
        action=[Action("$WASI_LINKCOM", "$WASI_LINKCOMSTR", varlist=_VARLIST), Action(strip_debug, None)],
        suffix=".wasm", src_suffix=".o", src_builder="WasiObject", SPAWN=link_spawn,
    )
    env["BUILDERS"]["WasiLibrary"] = SCons.Builder.Builder(
        action=[Action("$WASI_LIBCOM", "$WASI_LIBCOMSTR", varlist=_VARLIST), Action(strip_debug, None)],
        suffix=".wasm", src_suffix=".o", src_builder="WasiObject",
    )
    p2_compile = {suffix: Action("$WASI_P2CCCOM", "$WASI_P2CCCOMSTR", varlist=_VARLIST) for suffix in C_SUFFIXES}
    p2_compile.update(
        {suffix: Action("$WASI_P2CXXCOM", "$WASI_P2CXXCOMSTR", varlist=_VARLIST) for suffix in CXX_SUFFIXES}
    )
    env["BUILDERS"]["WasiP2Object"] = SCons.Builder.Builder(
        action=p2_compile, suffix=".o", source_scanner=SCons.Scanner.C.CScanner(),
    )
    env["BUILDERS"]["WasiP2Program"] = SCons.Builder.Builder(
        action=Action("$WASI_P2LINKCOM", "$WASI_P2LINKCOMSTR", varlist=_VARLIST),
        suffix=".wasm", src_suffix=".o", src_builder="WasiP2Object", SPAWN=link_spawn,
    )
    # The component's bytes depend on the adapter (not only on its pinned tool): WASI_ADAPTER's name enters
    # the signature through the varlist, its path does not.
    env["BUILDERS"]["WasiComponent"] = SCons.Builder.Builder(
        action=Action("$WASI_COMPONENTCOM", "$WASI_COMPONENTCOMSTR", varlist=[*_VARLIST, "WASI_ADAPTER_KIND"]),
        suffix=".wasm", src_suffix=".wasm",
    )
    env.AddMethod(wasi_c, "WasiC")
    env.AddMethod(wasi_adapt, "WasiAdapt")


def watched_spawn(spawn: Callable[..., int]) -> Callable[..., int]:
    """SCons' `spawn` with `firstuse.watch` around each command (a line on stderr when a zig link is still
    running after a few seconds: zig building a C library variant), named after the command's output."""
    from wasitool.toolchain.firstuse import watch

    def spawn_watched(sh: Any, escape: Any, cmd: Any, args: list[str], env: dict[str, str]) -> int:
        output = next((args[i + 1] for i in range(len(args) - 1) if args[i] == "-o"), cmd).strip("\"'")
        with watch(env, f"wasm-link {output}"):  # the output without SCons' quoting
            return spawn(sh, escape, cmd, args, env)

    return spawn_watched


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
           objdir: str = "#out/obj", wasi: str = "p1") -> Any:
    """Compile `sources` (C or C++ files) and link `<outdir>/<name>.wasm`; returns the target nodes.

    `wasi="p2"` links `<outdir>/<name>.p2.wasm` with the toolchain's wasm32-wasip2 compiler (objects under
    `<objdir>/p2`); without one, build the core module and wrap it with `env.WasiAdapt`."""
    files = [env.File(src) for src in env.Flatten([sources])]
    cxx = any(SCons.Util.splitext(f.name)[1] in CXX_SUFFIXES for f in files)
    if wasi == "p2":
        objects = [env.WasiP2Object(f"{objdir}/p2/{SCons.Util.splitext(f.name)[0]}", f)[0] for f in files]
        objects.sort(key=str)
        reactor = {"WASI_P2LINKFLAGS": ["-mexec-model=reactor", "-Wl,--export-all"]} if library else {}
        return env.WasiP2Program(f"{outdir}/{name}.p2.wasm", objects,
                                 **({"WASI_P2LINK": "$WASI_P2CXX"} if cxx else {}), **reactor)
    objects = [env.WasiObject(f"{objdir}/{SCons.Util.splitext(f.name)[0]}", f)[0] for f in files]
    objects.sort(key=str)  # stable link order
    if library:
        return env.WasiLibrary(f"{outdir}/{name}", objects)
    return env.WasiProgram(f"{outdir}/{name}", objects, **({"WASI_LINK": "$WASI_CXX"} if cxx else {}))


def wasi_adapt(env: Any, target: str, core: Any, adapter: str = "command") -> Any:
    """Wrap the core module `core` into the component `target` with the `adapter` (`command` or
    `reactor`) preview1 adapter: `$WASI_COMPONENTCOM`."""
    return env.WasiComponent(target, core, WASI_ADAPTER=f"$WASI_ADAPTER_{adapter.upper()}",
                             WASI_ADAPTER_KIND=adapter)


def adapt_flags(env: Any) -> list[str]:
    """`--adapt wasi_snapshot_preview1=$WASI_ADAPTER` as two arguments, whatever spaces the path holds."""
    return ["--adapt", f"wasi_snapshot_preview1={env.subst('$WASI_ADAPTER')}"]


def has_wasip2_compiler(toolchain: Any) -> bool:
    """True when the toolchain builds components itself (a `wasip2-cc` role: wasi-sdk's wasm32-wasip2)."""
    return toolchain is not None and toolchain.has("wasip2-cc")


def use_toolchain(env: Any) -> Any:
    """The toolchain of `env` (loaded from the project's lock when unset), its environment variables and
    identity applied to `env`; None when none is installed (then commands name the missing role)."""
    if "WASITOOL_TOOLCHAIN" not in env:
        env["WASITOOL_TOOLCHAIN"] = load_project_toolchain(None, required=False)
    toolchain = env["WASITOOL_TOOLCHAIN"]
    if toolchain is not None:
        env["ENV"].update(toolchain.env())
        env["WASITOOL_TOOLCHAIN_ID"] = toolchain_id(toolchain)
    return toolchain


def role_command(toolchain: Any, role: Role) -> list[str]:
    """The argv prefix of `role`, or a placeholder naming the problem (the build then fails saying it)."""
    if toolchain is None:
        return [f"wasitool-no-toolchain-for-{role}"]
    try:
        return list(toolchain.command(role))
    except WasitoolError:
        return [f"wasitool-toolchain-has-no-{role}"]


def role_file(toolchain: Any, role: Role) -> str:
    """The file of `role` (an adapter), or a placeholder naming the problem (the build then fails saying it)."""
    if toolchain is None or not toolchain.has(role):
        return f"wasitool-toolchain-has-no-{role}"
    return str(toolchain.file(role))


def load_project_toolchain(project: Any, required: bool, fail: Callable[[str], None] | None = None) -> Any:
    """The toolchain `project`'s lock selects (default: the project around the SConstruct), or None.

    `required`: a missing toolchain is reported through `fail` (one line, then SCons exits).
    """
    from SCons.Script import Dir

    from wasitool.project import find_project
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.toolchain.select import load_toolchain

    if project is None:
        project = find_project(Path(Dir("#").abspath))
    try:
        return load_toolchain(lock=project.lock if project is not None else SHIPPED_LOCK)
    except WasitoolError as exc:
        if required and fail is not None:
            fail(exc.one_line())
        return None


def exists(env: Any) -> bool:
    """True when the toolchain is installed (so `Environment(tools=[...])` can skip this tool otherwise)."""
    return load_project_toolchain(None, required=False) is not None


def toolchain_id(toolchain: Any) -> str:
    """`name=source:version@installdir#commands ...`: changes with the toolchain and only with it.

    Part of every wasm command's signature (and so of the build cache's keys) in place of the commands'
    own paths. It names no path of this machine: the install dir's name carries the pin's sha256, and
    `commands` is a digest of the role commands with the tool's root written as `{root}`."""
    import json

    from wasitool.digest import sha256_text

    if toolchain is None:
        return ""
    parts = []
    for _, tool in sorted(toolchain.tools.items()):
        described: dict[str, Any] = {role: [arg.replace(tool.root, "{root}") for arg in argv]
                                     for role, argv in sorted(tool.commands.items())}
        if tool.files:  # the adapters: their files, not commands
            described["files"] = {role: path.replace(tool.root, "{root}") for role, path in sorted(tool.files.items())}
        digest = sha256_text(json.dumps(described, sort_keys=True))[:12]
        parts.append(f"{tool.name}={tool.source}:{tool.version}@{Path(tool.root).name}#{digest}")
    return " ".join(parts)
