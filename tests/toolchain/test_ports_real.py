"""Real ports through the wrappers and the CMake toolchain file, with the pinned toolchain (issue 18 items 3,
4 and 7): a project asking for a shared library builds static, ctest runs its tests in wasitool's runtime,
what users build carries no DWARF from the C library unless they ask for debug info, and the porting layer
(`--posix`) builds code calling signal, clock, getpid, mmap, system, tmpfile and tmpnam."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.toolchain.real_sources import engines, wasitool, wasmtime_cli
from wasitool.wasmbin import split_sections

pytestmark = pytest.mark.slow

GREET_C = '#include <stdio.h>\nvoid greet(const char *who) { printf("hello, %s\\n", who); }\n'
MAIN_C = r"""#include <stdio.h>
#include <string.h>
void greet(const char *who);
int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--write") == 0) {
    FILE *f = fopen(argv[2], "w");
    if (!f) { perror(argv[2]); return 1; }
    fputs("written\n", f);
    return fclose(f) != 0;
  }
  greet(argc > 1 ? argv[1] : "nobody");
  return 0;
}
"""
# What zlib's own CMakeLists does: a SHARED library (and no option to turn it off), tests run by ctest.
CMAKE_PROJECT = """cmake_minimum_required(VERSION 3.13)
project(greeting C)
enable_testing()
add_library(greet SHARED greet.c)
add_executable(hello main.c)
target_link_libraries(hello greet)
add_test(NAME hello COMMAND hello world)
set_tests_properties(hello PROPERTIES PASS_REGULAR_EXPRESSION "^hello, world\\n$")
add_test(NAME writes COMMAND hello --write out.txt)
"""


POSIX_C = r"""#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void on_signal(int sig) { got = sig; }
int main(void) {
  signal(SIGINT, on_signal);
  raise(SIGINT);
  printf("signal %s\n", got == SIGINT ? "delivered" : "lost");
  printf("clock %s\n", clock() >= 0 ? "ok" : "failed");
  printf("getpid %s\n", getpid() > 0 ? "ok" : "failed");
  char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap %s\n", p != MAP_FAILED && (strcpy(p, "x"), munmap(p, 4096) == 0) ? "ok" : "failed");
  printf("system(NULL) %d\n", system(NULL));
  int r = system("ls");
  printf("system(ls) %d %s\n", r, r == -1 && errno == ENOSYS ? "ENOSYS" : "?");
  FILE *f = tmpfile();
  if (!f) { perror("tmpfile"); return 1; }
  fputs("scratch", f);
  rewind(f);
  char buf[16] = {0};
  fgets(buf, sizeof buf, f);
  printf("tmpfile %s\n", buf);
  fclose(f);
  char name[L_tmpnam];
  printf("tmpnam %s\n", tmpnam(name) && strncmp(name, "/tmp/", 5) == 0 ? "ok" : "failed");
  return 0;
}
"""
POSIX_OUTPUT = ("signal delivered\nclock ok\ngetpid ok\nmmap ok\nsystem(NULL) 0\nsystem(ls) -1 ENOSYS\n"
                "tmpfile scratch\ntmpnam ok\n")
POSIX_CMAKE = """cmake_minimum_required(VERSION 3.13)
project(posixy C)
enable_testing()
add_executable(px px.c)
add_test(NAME px COMMAND px)
"""


def _sections(module: Path) -> list[str]:
    return [s.name for s in split_sections(module.read_bytes())]


def _has_dwarf(module: Path) -> bool:
    return any(name.startswith("custom:.debug") for name in _sections(module))


@pytest.mark.parametrize("build_type, dwarf", [("", False), ("Release", False), ("Debug", True)])
def test_cmake_project_with_a_shared_library_builds_and_ctest_runs_it(toolchain_home: Path, tmp_path: Path,
                                                                     build_type: str, dwarf: bool) -> None:
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed (CI installs it)")
    source = tmp_path / "src"
    source.mkdir()
    for name, text in {"CMakeLists.txt": CMAKE_PROJECT, "greet.c": GREET_C, "main.c": MAIN_C}.items():
        (source / name).write_text(text)
    toolchain_file, build = tmp_path / "wasi.cmake", tmp_path / "build"
    assert wasitool(toolchain_home, "toolchain", "--cmake", str(toolchain_file)).returncode == 0
    env = {**os.environ, "WASITOOL_HOME": str(toolchain_home)}
    configure = ["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-S", str(source), "-B", str(build),
                 *([f"-DCMAKE_BUILD_TYPE={build_type}"] if build_type else [])]
    for argv in (configure, ["cmake", "--build", str(build)], ["ctest", "--output-on-failure"]):
        proc = subprocess.run(argv, cwd=build if argv[0] == "ctest" else tmp_path, capture_output=True, text=True,
                              env=env, timeout=900, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "100% tests passed, 0 tests failed out of 2" in proc.stdout
    assert (build / "out.txt").read_text() == "written\n"  # the test ran in the build dir, preopened as `.`
    assert (build / "libgreet.a").read_bytes()[:8] == b"!<arch>\n" and not list(build.glob("*.so*"))
    hello = build / "hello.wasm"
    assert _has_dwarf(hello) is dwarf and "custom:name" in _sections(hello)
    for engine in engines():
        run = wasitool(toolchain_home, "run", str(hello), "--engine", engine, "--", "you")
        assert (run.returncode, run.stdout) == (0, "hello, you\n"), run.stderr


def test_wrapper_links_lose_libc_dwarf_unless_asked_and_strip_works(toolchain_home: Path, tmp_path: Path) -> None:
    (tmp_path / "greet.c").write_text(GREET_C)
    (tmp_path / "main.c").write_text(MAIN_C)
    script = ("set -eu\n"
              "$CC -O2 -g0 main.c greet.c -o plain.wasm\n"
              "$CC -O2 -c greet.c -o greet.o && $CC -O2 -c main.c -o main.o && $CC main.o greet.o -o linked.wasm\n"
              "$CC -O2 -g main.c greet.c -o debug.wasm\n"
              "cp debug.wasm stripped.wasm && $STRIP -g stripped.wasm\n"
              "$STRIP debug.wasm -o bare.wasm\n")
    (tmp_path / "build.sh").write_text(script)
    proc = wasitool(toolchain_home, "exec", "--", "sh", "build.sh", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    sizes = {name: (tmp_path / f"{name}.wasm").stat().st_size for name in ("plain", "debug")}
    assert sizes["debug"] > 20 * sizes["plain"]  # libc's DWARF: about 1 MB, against a few KB of program
    for name in ("plain", "linked", "stripped"):
        module = tmp_path / f"{name}.wasm"
        assert not _has_dwarf(module) and "custom:name" in _sections(module), name
    assert _has_dwarf(tmp_path / "debug.wasm")
    assert not any(s.startswith("custom:") for s in _sections(tmp_path / "bare.wasm"))
    for name in ("plain", "linked", "stripped", "bare"):
        for engine in engines():
            run = wasitool(toolchain_home, "run", str(tmp_path / f"{name}.wasm"), "--engine", engine, "--", "x")
            assert run.stdout == "hello, x\n", (name, engine, run.stderr)
    cli = wasmtime_cli()
    if cli is not None:
        run = subprocess.run([str(cli), "run", str(tmp_path / "plain.wasm"), "y"], capture_output=True, text=True,
                             check=False)
        assert run.stdout == "hello, y\n", run.stderr


def _runs_with_a_temp_dir(home: Path, module: Path, tmp: Path) -> None:
    scratch = tmp / "guest-tmp"
    scratch.mkdir(exist_ok=True)
    for engine in engines():
        run = wasitool(home, "run", str(module), "--engine", engine, "--dir", f"{scratch}::/tmp")
        assert (run.returncode, run.stdout) == (0, POSIX_OUTPUT), (engine, run.stderr)
    assert not list(scratch.iterdir())  # tmpfile's file was unlinked at once
    cli = wasmtime_cli()
    if cli is not None:
        run = subprocess.run([str(cli), "run", "--dir", f"{scratch}::/tmp", str(module)], capture_output=True,
                             text=True, check=False)
        assert (run.returncode, run.stdout) == (0, POSIX_OUTPUT), run.stderr
    without = wasitool(home, "run", str(module))  # no /tmp preopened: tmpfile fails as documented
    assert without.returncode == 1 and "tmpfile: No such file or directory" in without.stderr


def test_posix_layer_through_exec_cmake_and_one_file_mode(toolchain_home: Path, tmp_path: Path) -> None:
    (tmp_path / "px.c").write_text(POSIX_C)
    plain = wasitool(toolchain_home, "exec", "--", "sh", "-c", "$CC -O2 px.c -o plain.wasm", cwd=tmp_path)
    assert plain.returncode != 0 and "_WASI_EMULATED_SIGNAL" in plain.stderr  # what the layer is for
    built = wasitool(toolchain_home, "exec", "--posix", "--", "sh", "-c", "$CC -O2 px.c -o px.wasm", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    _runs_with_a_temp_dir(toolchain_home, tmp_path / "px.wasm", tmp_path)
    env = wasitool(toolchain_home, "env", "--posix")
    assert "wasm32-wasi-posix-cc" in env.stdout and "wasm32-wasi-posix-c++" in env.stdout

    one = wasitool(toolchain_home, "build", "px.c", "--posix", "-o", "one.wasm", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    _runs_with_a_temp_dir(toolchain_home, tmp_path / "one.wasm", tmp_path)

    if shutil.which("cmake") is None:
        return
    source = tmp_path / "src"
    source.mkdir()
    (source / "CMakeLists.txt").write_text(POSIX_CMAKE)
    (source / "px.c").write_text(POSIX_C)
    toolchain_file, build = tmp_path / "posix.cmake", tmp_path / "build"
    written = wasitool(toolchain_home, "toolchain", "--cmake", str(toolchain_file), "--posix")
    assert written.returncode == 0, written.stderr
    cmake_env = {**os.environ, "WASITOOL_HOME": str(toolchain_home)}
    for argv in (["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-S", str(source), "-B", str(build)],
                 ["cmake", "--build", str(build)]):
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, env=cmake_env, timeout=900,
                              check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    _runs_with_a_temp_dir(toolchain_home, build / "px.wasm", tmp_path)
