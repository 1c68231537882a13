"""SCons tool `native_c`: the C examples as host programs, built with the host C compiler.

Use with SCons' `default` tools (which find gcc, clang or MSVC); `$CC` from the environment wins,
as C users expect. `env.NativeC(name, sources)` builds `<outdir>/<name>` (`.exe` on Windows), so a
runtime's output can be compared with the same program run natively.
"""

from __future__ import annotations

import os
from typing import Any

import SCons.Tool
import SCons.Util
from SCons.Script import Action


def generate(env: Any) -> None:
    if os.environ.get("CC"):
        env["CC"] = os.environ["CC"]
    if env.get("CC") not in ("cl", "icl"):  # GCC-like drivers (gcc, clang, cc)
        env["TOPDIR"] = env.Dir("#").abspath
        # Same intent as the wasm build: fixed flags, no paths from this machine, stripped binaries.
        # The top dir stays out of the build signature ($( $)) so other checkouts share a build cache.
        env.AppendUnique(CFLAGS=["-O2", "-g0", "-Wall", "-Wextra", "$(", "-ffile-prefix-map=${TOPDIR}=.", "$)"],
                         LINKFLAGS=["-s"])
    env.SetDefault(CCCOMSTR="host-cc $SOURCE -> $TARGET", LINKCOMSTR="host-link $TARGET")
    _sign_with_host_compiler(env)
    env.AddMethod(native_c, "NativeC")


def _sign_with_host_compiler(env: Any) -> None:
    """Put the host compiler and system into the build signature (`NATIVE_CC_ID`), so a shared build cache
    never hands one machine's native binaries to another compiler or C library."""
    import platform

    env["NATIVE_CC_ID"] = " ".join(str(part) for part in (
        env.get("CC"), env.get("CCVERSION") or env.get("MSVC_VERSION") or "", platform.system(), platform.machine(),
        "-".join(platform.libc_ver()) if platform.system() == "Linux" else platform.release()))
    compile_action = Action("$CCCOM", "$CCCOMSTR", varlist=["NATIVE_CC_ID"])
    static_object, _ = SCons.Tool.createObjBuilders(env)
    for suffix in (".c",):
        static_object.add_action(suffix, compile_action)
    program = SCons.Tool.createProgBuilder(env)
    program.action = Action("$LINKCOM", "$LINKCOMSTR", varlist=["NATIVE_CC_ID"])


def native_c(env: Any, name: str, sources: Any, outdir: str = "#out/native",
             objdir: str = "#out/native/obj") -> Any:
    """Compile and link `sources` into the host program `<outdir>/<name>`."""
    objects = [
        env.Object(f"{objdir}/{SCons.Util.splitext(env.File(src).name)[0]}", src)[0]
        for src in env.Flatten([sources])
    ]
    return env.Program(f"{outdir}/{name}", sorted(objects, key=str))


def exists(env: Any) -> bool:
    return bool(env.Detect(env.get("CC") or "cc"))
