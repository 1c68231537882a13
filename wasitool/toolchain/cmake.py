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

# add_test(NAME COMMAND) with an executable target's name runs that target's file (`x.wasm`) through the
# CROSSCOMPILING_EMULATOR; the old signature add_test(name command ...) names a file, so ctest would look for
# `example` (zlib: add_test(example example)) or `<dir>/test_array` (Jansson: the target's output path without
# the suffix) and could not run it. When such a command is an executable target already defined, or the
# absolute path of one's output file without its suffix (in the target's RUNTIME_OUTPUT_DIRECTORY, else its
# binary dir), and the test is new (the old signature replaces a test of that name, the new one refuses), the
# test is registered with the new signature on that target, which is what it means on a native build; the
# arguments stay arguments (one spelled like a keyword of the new signature, as Jansson's WORKING_DIRECTORY,
# goes through `$<1:...>`). Everything else goes to CMake's add_test unchanged (each argument bracket-quoted,
# so empty ones and `;` survive). The function keeps
# the policies of CMake 3.18 (needed for cmake_language) whatever the project asks for; older CMakes keep
# their add_test. A property guards against a second definition, whose `_add_test` would be this function.
# A project defining its own add_test afterwards makes `_add_test` this function, and CMake's unreachable:
# the function stops with the fix (WASITOOL_KEEP_ADD_TEST leaves CMake's add_test alone) instead of recursing.
ADD_TEST_SHIM = """get_property(_wasitool_add_test GLOBAL PROPERTY WASITOOL_ADD_TEST_DEFINED)
if(NOT _wasitool_add_test AND NOT WASITOOL_KEEP_ADD_TEST AND NOT CMAKE_VERSION VERSION_LESS 3.18)
  set_property(GLOBAL PROPERTY WASITOOL_ADD_TEST_DEFINED 1)
  cmake_policy(PUSH)
  cmake_policy(VERSION 3.18)
  function(add_test)
    if(_wasitool_in_add_test)
      message(FATAL_ERROR "add_test: this project defines its own add_test, which hides CMake's from the "
        "add_test of wasitool's toolchain file (fix: configure with -DWASITOOL_KEEP_ADD_TEST=ON; tests declared "
        "as add_test(name target) then need add_test(NAME name COMMAND target) to run)")
    endif()
    set(_wasitool_in_add_test 1)
    set(_args "")
    set(_first 0)
    set(_target "")
    if(ARGC GREATER 1 AND NOT ARGV0 STREQUAL "NAME")
      if(TARGET "${ARGV1}")
        set(_target "${ARGV1}")
      elseif(IS_ABSOLUTE "${ARGV1}")
        get_filename_component(_name "${ARGV1}" NAME)
        if(TARGET "${_name}")
          get_filename_component(_dir "${ARGV1}" DIRECTORY)
          get_target_property(_out "${_name}" RUNTIME_OUTPUT_DIRECTORY)
          if(NOT _out)
            get_target_property(_out "${_name}" BINARY_DIR)
          endif()
          if(_out STREQUAL _dir)
            set(_target "${_name}")
          endif()
        endif()
      endif()
    endif()
    if(_target)
      get_target_property(_type "${_target}" TYPE)
      get_property(_tests DIRECTORY PROPERTY TESTS)
      if(_type STREQUAL "EXECUTABLE" AND NOT ARGV0 IN_LIST _tests)
        set(_args "NAME [=====[${ARGV0}]=====] COMMAND [=====[${_target}]=====]")
        set(_first 2)
      endif()
    endif()
    math(EXPR _last "${ARGC} - 1")
    if(_last GREATER_EQUAL _first)
      foreach(_i RANGE ${_first} ${_last})
        set(_arg "${ARGV${_i}}")
        if(_first EQUAL 2 AND _arg MATCHES "^(NAME|COMMAND|CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS)$")
          set(_arg "$<1:${_arg}>")
        endif()
        string(APPEND _args " [=====[${_arg}]=====]")
      endforeach()
    endif()
    cmake_language(EVAL CODE "_add_test(${_args})")
  endfunction()
  cmake_policy(POP)
endif()
"""
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
""" + ADD_TEST_SHIM
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
        *_emulator(wrappers[RUN_ROLE], toolchain.platform),
        "# Programs run on the build machine; libraries, headers and packages come from the target only.",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)",
    ]
    return "\n".join(lines) + "\n"


def _emulator(run: Path, platform: str) -> list[str]:
    """CMAKE_CROSSCOMPILING_EMULATOR: `wasm32-wasi-run`, which preopens the working directory as `.`; the source
    and build trees also at their own absolute paths (sh wrappers), since tests name data files that way
    (`add_test(x prog ${CMAKE_CURRENT_SOURCE_DIR}/data)`), as on a native build. Not `/`: wasi-libc resolves a
    relative path against `/`, so the host's root would take every relative path from the working directory."""
    if platform.startswith("windows"):  # the .cmd wrapper takes the module first
        return [f"set(CMAKE_CROSSCOMPILING_EMULATOR {_quote(run)})"]
    return ["# The source and build trees are preopened at their own paths, so tests can name files there.",
            f'set(CMAKE_CROSSCOMPILING_EMULATOR {_quote(run)} "--dir" "${{CMAKE_SOURCE_DIR}}::${{CMAKE_SOURCE_DIR}}"',
            '    "--dir" "${CMAKE_BINARY_DIR}::${CMAKE_BINARY_DIR}")']


def _quote(value: object) -> str:
    """A CMake bracket argument (no escapes needed) unless the value is plain."""
    text = Path(str(value)).as_posix() if isinstance(value, Path) else str(value)
    return f'"{text}"' if not any(c in text for c in '"\\$;') else f"[==[{text}]==]"
