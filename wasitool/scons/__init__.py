"""SCons tools for WASI, loadable from the installed package by any SConstruct.

    from wasitool.scons import TOOLPATH
    env = Environment(tools=["wasi_c", "wat"], toolpath=TOOLPATH)
    env.WasiC("hello", ["src/hello.c"])          # -> hello.wasm, with the toolchain wasitool.lock pins
    env.Wat("fd_write", "src/fd_write.wat")

Tools: `wasi_c` (C and C++ to wasm32-wasi), `wat` (WebAssembly text), `native_c` (the same C as a host
program, for comparison). `project_targets()` declares every program of the project's `wasitool.toml`;
the SConstruct that `wasitool init` writes is that one call.
"""

from __future__ import annotations

from wasitool.shipped import SCONS_TOOLS

TOOLPATH = [str(SCONS_TOOLS)]


def project_targets() -> None:
    """Declare the targets of the project whose SConstruct is running (see `wasitool.scons.project`)."""
    from wasitool.scons.project import declare_project

    declare_project()
