"""A CMake toolchain file for the installed toolchain: `wasitool toolchain --cmake FILE`.

The compilers and binutils are wasitool's wrapper executables (so zig's multi-word commands and cache
variables work), executables get the `.wasm` suffix and `wasm32-wasi-run` (`wasitool run`) is the
cross-compiling emulator, so try_run() and add_test() (ctest) run modules in wasitool's WASI runtime. The
platform is static-only: shared libraries a project asks for are built static.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from wasitool.toolchain.manifest import Toolchain
from wasitool.toolchain.roles import Role
from wasitool.toolchain.wrappers import COMPILERS, RUN_ROLE, _install, posix_compiler

# CMake ships no Platform/WASI.cmake before 3.31-ish; this one is found through CMAKE_MODULE_PATH.
# WASI preview1 has no dynamic linking: like CMake's own Platform/Generic.cmake (and wasi-sdk's files), the
# platform supports no shared libraries, so add_library(x SHARED) builds a static library (with CMake's
# warning) instead of failing at link time with "attempted static link of dynamic object".
PLATFORM_MODULE = """# Platform/WASI.cmake, written by wasitool: what CMake should know about the WASI system.
set(WASI 1)
set_property(GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS FALSE)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_STATIC_LIBRARY_PREFIX "lib")
set(CMAKE_STATIC_LIBRARY_SUFFIX ".a")
"""
_VARIABLES: tuple[tuple[str, Role], ...] = (
    ("CMAKE_AR", "ar"), ("CMAKE_RANLIB", "ranlib"), ("CMAKE_NM", "nm"), ("CMAKE_STRIP", "strip"))


def write_cmake_toolchain(toolchain: Toolchain, wrappers: Mapping[str, Path], bin_dir: Path, dest: Path,
                          posix_layer: bool = False) -> Path:
    """Write the toolchain file to `dest` (atomically), and the Platform module beside the wrappers;
    `posix_layer`: the compilers are the porting layer's (`wasitool/toolchain/posix.py`)."""
    if posix_layer:
        wrappers = {**wrappers, **{role: posix_compiler(toolchain, wrappers, role) for role in COMPILERS
                                   if role in wrappers}}
    modules = bin_dir / "cmake"
    (modules / "Platform").mkdir(parents=True, exist_ok=True)
    _install(modules / "Platform" / "WASI.cmake", PLATFORM_MODULE, executable=False)
    dest = dest.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    return _install(dest, render(toolchain, wrappers, modules), executable=False)


def render(toolchain: Toolchain, wrappers: Mapping[str, Path], modules: Path) -> str:
    """The text of the toolchain file."""
    from wasitool import __version__

    compiler = toolchain.roles()["cc"]
    lines = [
        f"# CMake toolchain file for wasm32-wasi, written by `wasitool toolchain --cmake` (wasitool {__version__}).",
        f"# Compilers: wasitool's wrappers for {compiler.origin}.",
        "# Use: cmake -DCMAKE_TOOLCHAIN_FILE=<this file> -S . -B build",
        "set(CMAKE_SYSTEM_NAME WASI)",
        "set(CMAKE_SYSTEM_VERSION 1)",
        "set(CMAKE_SYSTEM_PROCESSOR wasm32)",
        f"list(APPEND CMAKE_MODULE_PATH {_quote(modules)})",
        f"set(CMAKE_C_COMPILER {_quote(wrappers['cc'])})",
        f"set(CMAKE_ASM_COMPILER {_quote(wrappers['cc'])})",
    ]
    if "c++" in wrappers:
        lines.append(f"set(CMAKE_CXX_COMPILER {_quote(wrappers['c++'])})")
    else:
        lines.append(f"# no C++ compiler: {toolchain.missing('c++').problem}")
    for variable, role in _VARIABLES:
        if role in wrappers:
            lines.append(f'set({variable} {_quote(wrappers[role])} CACHE FILEPATH "wasitool: {role}")')
        else:
            lines.append(f"# {variable} is not set: {toolchain.missing(role).problem}")
    lines += [
        'set(CMAKE_EXECUTABLE_SUFFIX ".wasm")',
        f"set(CMAKE_CROSSCOMPILING_EMULATOR {_quote(wrappers[RUN_ROLE])})",
        "# Programs run on the build machine; libraries, headers and packages come from the target only.",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)",
    ]
    return "\n".join(lines) + "\n"


def _quote(value: object) -> str:
    """A CMake bracket argument (no escapes needed) unless the value is plain."""
    text = Path(str(value)).as_posix() if isinstance(value, Path) else str(value)
    return f'"{text}"' if not any(c in text for c in '"\\$;') else f"[==[{text}]==]"
