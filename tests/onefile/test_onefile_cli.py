"""`wasitool build/run FILE` end to end in subprocesses, without a real toolchain (fast tier).

`.wat` runs through the engine's own parser on an empty store; C goes through the fake compiler
recorded in a temporary store (tests/onefile/conftest.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import importable_engines
from tests.onefile.conftest import FakeToolchain

# Prints "hi" and exits with argc (so the guest's argv is visible in the exit status).
ARGC_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $sizes (i32.const 32) (i32.const 36)))
    (drop (call $env (i32.const 40) (i32.const 44)))
    (call $exit (i32.add (i32.load (i32.const 32)) (i32.mul (i32.const 10) (i32.load (i32.const 40)))))))
"""


def wasitool(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], capture_output=True, text=True, timeout=120,
                          cwd=cwd, check=False)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("wasitool: error: ") and "(fix: " in last, proc.stderr
    return last


@pytest.fixture(params=importable_engines())
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_run_wat_needs_no_toolchain(engine: str, store: Path, tmp_path: Path):
    (tmp_path / "argc.wat").write_text(ARGC_WAT)
    proc = wasitool("run", "argc.wat", "--engine", engine, "--env", "K=V", "--", "a", "b", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (13, "hi\n", "")  # argc 3, one env var
    assert not (store / "records").exists()  # nothing was set up


def test_run_wat_holding_a_binary_module(engine: str, store: Path, tmp_path: Path):
    import wasmtime

    (tmp_path / "binary.wat").write_bytes(wasmtime.wat2wasm(ARGC_WAT))
    proc = wasitool("run", "binary.wat", "--engine", engine, "--", "a", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "hi\n")


def test_run_wat_syntax_error_is_the_parsers(engine: str, store: Path, tmp_path: Path):
    (tmp_path / "bad.wat").write_text("(module\n  (func i32.const))\n")
    proc = wasitool("run", "bad.wat", "--engine", engine, cwd=tmp_path)
    assert proc.returncode == 1
    assert "bad.wat:2:" in proc.stderr  # the parser's position, with the file's name
    assert one_line_error(proc) == "wasitool: error: assembling bad.wat failed (fix: fix the error shown above)"


def test_run_wat_rejects_compile_options(store: Path, tmp_path: Path):
    (tmp_path / "argc.wat").write_text(ARGC_WAT)
    proc = wasitool("run", "argc.wat", "-O3", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    one_line_error(proc)


def test_run_missing_source_is_one_line(store: Path, tmp_path: Path):
    proc = wasitool("run", "nope.c", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "nope.c: no such file" in one_line_error(proc)


def test_build_without_toolchain_says_run_setup(store: Path, tmp_path: Path):
    (tmp_path / "hello.c").write_text("int main(void) { return 0; }\n")
    proc = wasitool("build", "hello.c", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "run `wasitool setup`" in one_line_error(proc)


def test_run_c_builds_once(engine: str, fake_store: FakeToolchain, work: Path):
    for _ in range(2):
        proc = wasitool("run", "hello.c", "--engine", engine, cwd=work)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "hello\n", "")
    assert len(fake_store.calls()) == 1
    (work / "greeting.h").write_text((work / "greeting.h").read_text().replace("hello", "hallo"))
    assert wasitool("run", "hello.c", "--engine", engine, cwd=work).stdout == "hallo\n"


def test_build_writes_the_module(fake_store: FakeToolchain, work: Path):
    assert wasitool("build", "hello.c", cwd=work).returncode == 0
    assert (work / "hello.wasm").read_bytes().startswith(b"\0asm")
    proc = wasitool("build", "hello.c", "-O3", "-X-DA", "--cflags", "-DB -DC='x y'", "-o", "out/x.wasm", cwd=work)
    assert proc.returncode == 2  # out/ does not exist
    assert "cannot write" in one_line_error(proc)
    (work / "out").mkdir()
    assert wasitool("build", "hello.c", "-O3", "-X-DA", "--cflags", "-DB -DC='x y'", "-o", "out/x.wasm",
                    cwd=work).returncode == 0
    assert (work / "out" / "x.wasm").read_bytes() == (work / "hello.wasm").read_bytes()  # the fake ignores -D
    compile_call = fake_store.calls()[-1]
    assert "-O3" in compile_call
    assert compile_call[compile_call.index("-MD") - 3 : compile_call.index("-MD")] == ["-DA", "-DB", "-DC=x y"]
    assert compile_call[compile_call.index("-MD") - 4].startswith("-ffile-prefix-map=")


def test_compile_error_exits_1_after_the_compilers_words(fake_store: FakeToolchain, work: Path):
    (work / "hello.c").write_text("(module)\n#error no such thing\n")
    proc = wasitool("run", "hello.c", cwd=work)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == "hello.c:2:1: error: no such thing"
    assert one_line_error(proc) == "wasitool: error: compiling hello.c failed (fix: fix the errors printed above)"


@pytest.mark.parametrize("argv", [
    ["build", "hello.c", "other.c"],
    ["build", "fd_write", "-o", "x.wasm"],
    ["build", "hello.c", "--check-reproducible"],
    ["run", "x.wasm", "-O3"],
    ["build", "hello.c", "--export", "add"],
    ["build", "hello.c", "-o", "hello.c"],
])
def test_misused_options_are_one_line(fake_store: FakeToolchain, work: Path, argv: list[str]):
    proc = wasitool(*argv, cwd=work)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    one_line_error(proc)
