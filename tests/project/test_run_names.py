"""`wasitool run NAME` looks up the program named NAME even when a file of that name is in the working
directory (issue 22: the learning notes' Makefile builds a native `./readdir`); a path needs a slash or a
suffix. Through the CLI, on every importable engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from tests.conftest import importable_engines
from tests.support.wat_modules import HELLO
from wasitool.shipped import SHIPPED_LOCK


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the WAT program `hello` (prebuilt) and a native executable `./hello` beside it."""
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "out").mkdir()
    (root / "src" / "hello.wat").write_text(HELLO)
    (root / "out" / "hello.wasm").write_bytes(bytes(wasmtime.wat2wasm(HELLO)))
    (root / "wasitool.toml").write_text('[examples.hello]\nsource = "hello.wat"\nteaches = "t"\n'
                                        '[examples.hello.expect]\nstdout = "Hello, WASI!\\n"\n')
    shutil.copyfile(SHIPPED_LOCK, root / "wasitool.lock")
    shutil.copy(sys.executable, root / "hello")  # a native program, as `make hello` leaves it
    return root


def wasitool(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "WASITOOL_PROJECT"}
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], cwd=root, capture_output=True, text=True,
                          env={**env, "WASITOOL_HOME": str(root.parent / "store")}, timeout=120)


@pytest.mark.parametrize("engine", importable_engines())
def test_a_name_is_the_program_even_beside_a_file_of_that_name(project: Path, engine: str) -> None:
    proc = wasitool(project, "run", "hello", "--engine", engine)
    assert (proc.returncode, proc.stdout) == (0, "Hello, WASI!\n"), proc.stderr
    diff = wasitool(project, "run", "hello", "--diff", "--engine", engine)
    assert diff.returncode == 0, diff.stdout + diff.stderr


@pytest.mark.parametrize("engine", importable_engines())
def test_a_path_is_a_file(project: Path, engine: str) -> None:
    native = wasitool(project, "run", "./hello", "--engine", engine)
    assert native.returncode == 2 and native.stderr.count("\n") == 1, native.stderr
    assert "not a WebAssembly binary" in native.stderr
    shutil.copy(project / "out" / "hello.wasm", project / "copy.wasm")
    module = wasitool(project, "run", "copy.wasm", "--engine", engine)
    assert (module.returncode, module.stdout) == (0, "Hello, WASI!\n"), module.stderr


def test_a_bare_name_of_a_file_only_says_how_to_run_the_file(project: Path) -> None:
    shutil.copy(project / "out" / "hello.wasm", project / "prog")
    proc = wasitool(project, "run", "prog")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "no program or example is named `prog`" in proc.stderr and "write ./prog" in proc.stderr
    assert wasitool(project, "run", "./prog").stdout == "Hello, WASI!\n"
