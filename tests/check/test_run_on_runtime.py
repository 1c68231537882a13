"""`wasitool run --runtime NAME`: the same run on another runtime of `check` (here the wasmtime CLI and node)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

HELLO = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 7))))
"""


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    module = tmp_path / "hello.wasm"
    module.write_bytes(bytes(wasmtime.wat2wasm(HELLO)))
    return module


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", "run", *argv], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("runtime", ["wasmtime-cli", "node", "python-wasmtime"])
def test_the_same_run_on_another_runtime(hello: Path, runtime: str) -> None:
    if runtime == "node" and shutil.which("node") is None:
        pytest.fail("node is not installed (.ci/run installs it)")
    proc = _run(str(hello), "--runtime", runtime)
    assert (proc.returncode, proc.stdout) == (7, "hello\n"), proc.stderr
    report = json.loads(_run(str(hello), "--runtime", runtime, "--json").stdout)
    assert (report["exit_code"], report["stdout"], report["engine"]) == (
        7, "hello\n", "wasmtime" if runtime == "python-wasmtime" else runtime)


def test_host_only_options_and_unsupported_runs_are_one_line_errors(hello: Path) -> None:
    for argv, words in ((["--runtime", "wasmtime-cli", "--trace"], "--trace act on wasitool's own runtime"),
                        (["--runtime", "wasmtime-cli", "--inject", "fd_write=EIO"], "--inject"),
                        (["--runtime", "wasmtime-py-wasip2"], "runs WASI 0.2 components only")):
        proc = _run(str(hello), *argv)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and words in lines[0] and "(fix: " in lines[0], proc.stderr
