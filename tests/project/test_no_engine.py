"""An install whose wasm engines do not import (issue 18): `check` and `run` fail in one line, never a matrix
of `not found` cells that exits 0. The engines are blocked by stub packages first on the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def no_engine_env(tmp_path: Path) -> dict[str, str]:
    blocked = tmp_path / "blocked"
    for package in ("wasmtime", "wasmer", "wasmer_compiler_cranelift"):
        (blocked / package).mkdir(parents=True)
        (blocked / package / "__init__.py").write_text("raise ImportError('blocked by the test')\n")
    path = os.pathsep.join(p for p in (str(blocked), os.environ.get("PYTHONPATH", "")) if p)
    env = {k: v for k, v in os.environ.items() if k != "WASITOOL_PROJECT"}
    return {**env, "PYTHONPATH": path, "WASITOOL_HOME": str(tmp_path / "store")}


def wasitool(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("argv", [[], ["fd_write", "--json"], ["--runtime", "python-wasmtime"]])
def test_check_without_an_engine_fails_in_one_line(no_engine_env: dict[str, str], tmp_path: Path,
                                                   argv: list[str]) -> None:
    proc = wasitool(no_engine_env, tmp_path, "check", *argv)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("wasitool: error: the Python WASI runtime cannot run: no wasm engine imports (")
    assert "python-wasmtime: `import wasmtime` failed: blocked by the test" in proc.stderr
    assert "(fix: pip install 'wasmtime>=50,<51'" in proc.stderr


def test_check_of_other_runtimes_needs_no_engine(no_engine_env: dict[str, str], tmp_path: Path) -> None:
    """Only a check that asks for the Python runtime needs an engine (it gets past the engine test here and
    stops at the missing toolchain of the empty store)."""
    proc = wasitool(no_engine_env, tmp_path, "check", "fd_write", "--runtime", "wasmtime-cli")
    assert proc.returncode == 2 and "no toolchain installed" in proc.stderr, proc.stderr


def test_run_without_an_engine_fails_in_one_line(no_engine_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "m.wasm").write_bytes(b"\0asm\1\0\0\0")
    proc = wasitool(no_engine_env, tmp_path, "run", "m.wasm")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "no Python wasm engine is importable" in proc.stderr and "pip install 'wasmtime>=50,<51'" in proc.stderr
