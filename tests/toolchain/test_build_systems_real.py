"""The pinned toolchain in other build systems, for real: a shell build script through `wasitool exec`,
setjmp/longjmp, and CMake with the toolchain file (try_compile, try_run through the emulator, ctest).

Every test runs with each toolchain source that can be installed here (the pip wheels; Debian's clang when
present) and runs what it built in wasitool's runtime on the engines this Python has, and in the wasmtime CLI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.toolchain.real_sources import SOURCES, engines, source_store, wasitool, wasmtime_cli

pytestmark = pytest.mark.slow

VEC_H = "int vec_sum(const int *v, int n);\nint vec_max(const int *v, int n);\n"
SUM_C = '#include "vec.h"\nint vec_sum(const int *v, int n) { int s = 0; while (n--) s += *v++; return s; }\n'
MAX_C = ('#include "vec.h"\nint vec_max(const int *v, int n) {\n  int m = v[0];\n'
         "  for (int i = 1; i < n; i++) if (v[i] > m) m = v[i];\n  return m;\n}\n")
MAIN_C = """#include <stdio.h>
#include <stdlib.h>
#include "vec.h"
int main(int argc, char **argv) {
  int v[16], n = 0;
  for (int i = 1; i < argc && n < 16; i++) v[n++] = atoi(argv[i]);
  printf("sum=%d max=%d\\n", vec_sum(v, n), vec_max(v, n));
  return 0;
}
"""
WORDS_CC = """#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>
int main(int argc, char **argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  std::sort(words.begin(), words.end());
  std::map<std::string, int> counts;
  for (const auto &w : words) counts[w]++;
  for (const auto &[w, n] : counts) std::cout << w << ' ' << n << '\\n';
  return 0;
}
"""
BUILD_SH = """set -eu
$CC -O2 -c vec_sum.c -o vec_sum.o
$CC -O2 -c vec_max.c -o vec_max.o
$AR rcs libvec.a vec_sum.o vec_max.o
$RANLIB libvec.a
$CC -O2 main.c -L. -lvec -o sum.wasm
$CXX -O2 -std=c++17 words.cc -o words.wasm
"""
SJLJ_C = """#include <setjmp.h>
#include <stdio.h>
static jmp_buf env;
static int depth;
static void dive(int n) { depth++; if (n == 0) longjmp(env, 42); dive(n - 1); }
int main(void) {
  int v = setjmp(env);
  if (v == 0) { dive(5); puts("not reached"); return 1; }
  printf("longjmp returned %d after %d calls\\n", v, depth);
  return 0;
}
"""


@pytest.fixture(params=SOURCES)
def home(request: pytest.FixtureRequest, toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return source_store(request.param, toolchain_home, tmp_path_factory.mktemp(request.param))


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def _runs(home: Path, module: Path, args: list[str], expected: str, engine_list: list[str]) -> None:
    for engine in engine_list:
        run = wasitool(home, "run", str(module), "--engine", engine, "--", *args)
        assert (run.returncode, run.stdout) == (0, expected), f"{engine}: {run.stderr}"
    cli = wasmtime_cli()
    if cli is not None:
        run = subprocess.run([str(cli), "run", str(module), *args], capture_output=True, text=True, check=False)
        assert (run.returncode, run.stdout) == (0, expected), f"wasmtime CLI: {run.stderr}"


def test_exec_build_script_c_with_a_static_library_and_cxx(home: Path, tmp_path: Path) -> None:
    project = _write(tmp_path / "proj", {"vec.h": VEC_H, "vec_sum.c": SUM_C, "vec_max.c": MAX_C, "main.c": MAIN_C,
                                         "words.cc": WORDS_CC, "build.sh": BUILD_SH})
    build = wasitool(home, "exec", "--", "sh", "build.sh", cwd=project)
    assert build.returncode == 0, build.stderr
    assert (project / "libvec.a").read_bytes()[:8] == b"!<arch>\n"
    _runs(home, project / "sum.wasm", ["4", "11", "7"], "sum=22 max=11\n", engines())
    _runs(home, project / "words.wasm", ["pear", "fig", "pear"], "fig 1\npear 2\n", engines())


def test_setjmp_longjmp_builds_and_runs_or_the_source_says_why(home: Path, tmp_path: Path) -> None:
    """CFLAGS carry the sjlj flag, the link does not: the wrappers complete both (zig), or refuse (Debian)."""
    project = _write(tmp_path / "sj", {"sj.c": SJLJ_C})
    script = '$CC -O2 -mllvm -wasm-enable-sjlj -c sj.c -o sj.o && $CC -O2 sj.o -o sj.wasm'
    build = wasitool(home, "exec", "--", "sh", "-c", script, cwd=project)
    refusal = [line for line in build.stderr.splitlines() if "setjmp/longjmp" in line]
    if refusal:  # a source whose libc has no setjmp: one line naming it, nothing built
        assert build.returncode == 1 and len(refusal) == 1 and "(fix: " in refusal[0]
        assert "has no setjmp.h" in refusal[0] and not (project / "sj.o").exists()
        return
    assert build.returncode == 0, build.stderr
    # wasmer 1.1.0 has no exception handling: wasmtime (engine and CLI) runs it
    _runs(home, project / "sj.wasm", [], "longjmp returned 42 after 6 calls\n",
          [e for e in engines() if e == "wasmtime"])


CMAKE_PROJECT = """cmake_minimum_required(VERSION 3.13)
project(probe C CXX)
include(CheckCSourceCompiles)
include(CheckCXXSourceCompiles)
include(CheckCSourceRuns)
check_c_source_compiles("#include <stdio.h>\\nint main(void) { return puts(\\"x\\") < 0; }" C_COMPILES)
check_cxx_source_compiles("#include <string>\\nint main() { return std::string(\\"ab\\").size() != 2; }" CXX_COMPILES)
check_c_source_runs("#include <string.h>\\nint main(void) { return strlen(\\"abc\\") != 3; }" C_RUNS)
if(NOT C_COMPILES OR NOT CXX_COMPILES OR NOT C_RUNS)
  message(FATAL_ERROR "try_compile/try_run failed: ${C_COMPILES} ${CXX_COMPILES} ${C_RUNS}")
endif()
add_library(vec STATIC vec_sum.c vec_max.c)
add_executable(sum main.c)
target_link_libraries(sum vec)
add_executable(words words.cc)
enable_testing()
add_test(NAME sum COMMAND sum 1 2 3)
set_tests_properties(sum PROPERTIES PASS_REGULAR_EXPRESSION "^sum=6 max=3")
"""


def test_cmake_toolchain_file(home: Path, tmp_path: Path) -> None:
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed (CI installs it)")
    project = _write(tmp_path / "src", {"CMakeLists.txt": CMAKE_PROJECT, "vec.h": VEC_H, "vec_sum.c": SUM_C,
                                        "vec_max.c": MAX_C, "main.c": MAIN_C, "words.cc": WORDS_CC})
    toolchain_file = tmp_path / "wasi.cmake"
    assert wasitool(home, "toolchain", "--cmake", str(toolchain_file)).returncode == 0
    build = tmp_path / "build"
    for argv in (["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-S", str(project), "-B", str(build)],
                 ["cmake", "--build", str(build)], ["ctest", "--output-on-failure"]):
        proc = subprocess.run(argv, cwd=build if argv[0] == "ctest" else tmp_path, capture_output=True, text=True,
                              env={**os.environ, "WASITOOL_HOME": str(home)}, timeout=900)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (build / "libvec.a").read_bytes()[:8] == b"!<arch>\n"
    _runs(home, build / "words.wasm", ["b", "a", "b"], "a 1\nb 2\n", engines())
