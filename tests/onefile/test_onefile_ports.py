"""One-file mode as strong as the wrappers (issue 18 item 8), with the real pinned toolchain: setjmp/longjmp
builds, modules that keep their function names and lose libc's DWARF, and `.wat` errors naming the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import importable_engines
from wasitool.wasmbin import parse_module, split_sections

SJLJ_C = r"""#include <setjmp.h>
#include <stdio.h>
static jmp_buf env;
static void deep(int n) { if (n == 0) longjmp(env, 42); deep(n - 1); }
int main(void) {
    int r = setjmp(env);
    if (r == 0) { deep(5); puts("not reached"); return 1; }
    printf("longjmp gave %d\n", r);
    return 0;
}
"""
NAMED_C = r"""#include <stdio.h>
__attribute__((noinline)) void say_hello(const char *who) { printf("hello, %s\n", who); }
int main(int argc, char **argv) { say_hello(argc > 1 ? argv[1] : "world"); return 0; }
"""
INVALID_WAT = '(module\n  (func (export "_start") (result i32) (i32.add (i32.const 1))))\n'


def wasitool(*argv: str, cwd: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-m", "wasitool", *argv], capture_output=True, text=True, timeout=600, cwd=cwd,
                          check=False)


@pytest.mark.slow
def test_setjmp_longjmp_builds_and_runs(use_toolchain: Path, tmp_path: Path) -> None:
    (tmp_path / "sj.c").write_text(SJLJ_C)
    built = wasitool("build", "sj.c", "--cflags", "-mllvm -wasm-enable-sjlj", "-o", "sj.wasm", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    # wasm exception handling: wasmtime runs it; wasmer 1.1 has no exception handling at all.
    ran = wasitool("run", "--engine", "wasmtime", "sj.wasm", cwd=tmp_path)
    assert (ran.returncode, ran.stdout) == (0, "longjmp gave 42\n"), ran.stderr
    again = wasitool("run", "--engine", "wasmtime", "sj.c", "--cflags", "-mllvm -wasm-enable-sjlj", cwd=tmp_path)
    assert again.stdout == "longjmp gave 42\n", again.stderr


@pytest.mark.slow
def test_modules_keep_their_names_and_lose_libc_dwarf(use_toolchain: Path, tmp_path: Path) -> None:
    (tmp_path / "named.c").write_text(NAMED_C)
    assert wasitool("build", "named.c", "-o", "named.wasm", cwd=tmp_path).returncode == 0
    data = (tmp_path / "named.wasm").read_bytes()
    sections = [s.name for s in split_sections(data)]
    assert "custom:name" in sections and not any(name.startswith("custom:.debug") for name in sections)
    assert "say_hello" in parse_module(data).names.functions.values()
    callers = wasitool("inspect", "--callers", "say_hello", "named.wasm", cwd=tmp_path)
    assert callers.returncode == 0, callers.stderr
    assert callers.stdout.startswith("say_hello (func[") and "<- main (func[" in callers.stdout
    for engine in importable_engines():
        ran = wasitool("run", "--engine", engine, "named.wasm", "--", "there", cwd=tmp_path)
        assert ran.stdout == "hello, there\n", ran.stderr


@pytest.mark.parametrize("engine", importable_engines())
def test_an_invalid_wat_is_an_error_naming_the_file(engine: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "store"))
    (tmp_path / "bad.wat").write_text(INVALID_WAT)
    for _ in range(2):  # the invalid module is not kept: the second run says the same
        proc = wasitool("run", "--engine", engine, "bad.wat", cwd=tmp_path)
        assert proc.returncode == 2
        assert proc.stderr.startswith("wasitool: error: bad.wat is not a valid WebAssembly module"), proc.stderr
        assert proc.stderr.count("\n") == 1
