"""`wasitool init` and `wasitool examples --copy`: new projects, refusals, and the whole flow in one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool.project import find_project, load_project
from wasitool.shipped import SHIPPED_LOCK


def wasitool(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)


def test_init_makes_a_project(tmp_path: Path) -> None:
    proc = wasitool("init", "proj", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    root = tmp_path / "proj"
    assert sorted(p.name for p in root.iterdir()) == [
        ".gitignore", "SConstruct", "src", "wasitool.lock", "wasitool.toml"]
    assert (root / "wasitool.lock").read_bytes() == SHIPPED_LOCK.read_bytes()
    assert {p.name for p in (root / "src").iterdir()} == {"hello.c", "hello.wat"}
    project = find_project(root / "src")
    assert project == load_project(root) and project.lock == root / "wasitool.lock"
    assert project.out == root / "out" and project.src == root / "src"
    assert "cd proj && wasitool setup" in proc.stdout


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    proc = wasitool("init", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    fix = "choose an empty or new directory, or pass --force"
    assert proc.stderr.strip() == f"wasitool: error: . is not empty (fix: {fix})"
    assert wasitool("init", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_examples_copy_makes_a_standalone_project(tmp_path: Path) -> None:
    proc = wasitool("examples", "--copy", "learn", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    project = load_project(tmp_path / "learn")
    table = project.table.read_text()
    assert "[project]" not in table and "[examples.readdir]" in table
    assert (project.src / "readdir.c").is_file() and (project.src / "fixtures" / "readdir").is_dir()
    assert wasitool("examples", "--copy", "learn", cwd=tmp_path).returncode == 2


def test_outside_a_project_build_says_so(tmp_path: Path) -> None:
    proc = wasitool("build", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "not inside a wasitool project (no wasitool.toml here or above)" in proc.stderr
    assert "wasitool init" in proc.stderr


def test_a_bad_project_table_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "wasitool.toml").write_text('[project]\ncolour = "blue"\n')
    proc = wasitool("build", cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "[project] takes only examples, lock, out" in proc.stderr


@pytest.mark.slow
def test_init_setup_build_check(tmp_path: Path, use_toolchain: Path) -> None:
    """The issue's flow: init, setup, scons, run --diff, check, all in a fresh directory."""
    assert wasitool("init", "proj", cwd=tmp_path).returncode == 0
    root = tmp_path / "proj"
    for argv in (["setup", "--offline"], ["build"], ["run", "hello", "--diff"], ["run", "hello_wat", "--diff"]):
        proc = wasitool(*argv, cwd=root)
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    scons = subprocess.run([sys.executable, "-m", "SCons", "-Q"], cwd=root, capture_output=True, text=True)
    assert scons.returncode == 0 and "up to date" in scons.stdout, scons.stderr
    check = wasitool("check", "--json", cwd=root)
    cells = json.loads(check.stdout)["cells"]
    assert check.returncode == 0, check.stdout
    assert {c["example"] for c in cells} == {"hello", "hello_wat"}
    python = {c["status"] for c in cells if c["runtime"].startswith("python-")}
    assert "pass" in python and python <= {"pass", "not found"}, cells  # wasmer: not on Python 3.11+
    assert wasitool("run", "readdir", cwd=root).returncode == 0  # bundled examples stay reachable


@pytest.mark.slow
def test_two_projects_and_a_lock_bump(tmp_path: Path, use_toolchain: Path) -> None:
    """A second project pinning only wasi-sdk leaves the first one's wabt alone; a bumped lock is refused."""
    for name in ("first", "second"):
        assert wasitool("init", name, cwd=tmp_path).returncode == 0
    first, second = tmp_path / "first", tmp_path / "second"
    lock = (second / "wasitool.lock").read_text()
    (second / "wasitool.lock").write_text(lock[: lock.index("[tools.wabt]")])
    (second / "wasitool.toml").write_text(
        '[examples.hello]\nsource = "hello.c"\nteaches = "c"\n[examples.hello.expect]\nstdout = "Hello, WASI!\\n"\n')
    assert wasitool("setup", "--offline", cwd=first).returncode == 0
    assert wasitool("setup", "--offline", cwd=second).returncode == 0
    assert wasitool("build", "hello_wat", cwd=first).returncode == 0
    assert wasitool("run", "hello", "--diff", cwd=second).returncode == 0
    bumped = (first / "wasitool.lock").read_text().replace('version = "1.0.42.0"', 'version = "1.0.43.0"')
    (first / "wasitool.lock").write_text(bumped.replace(
        "2dc71ae1a0194e145a2c96796f7ad162135b8a4f4cfda3c2f2864a08cecabe81", "0" * 64))
    for argv in (["build"], ["run", "hello_wat"]):
        proc = wasitool(*argv, cwd=first)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        assert "wasitool.lock changed since setup" in proc.stderr and "run `wasitool setup`" in proc.stderr
    scons = subprocess.run([sys.executable, "-m", "SCons", "-Q"], cwd=first, capture_output=True, text=True)
    assert scons.returncode == 2 and "wasitool.lock changed since setup" in scons.stderr


def test_a_project_without_a_lock_gets_the_shipped_one_once(tmp_path: Path) -> None:
    """Issue 18: like uv and cargo, the first command writes the lock it uses and says so on stderr; the project
    then keeps that toolchain across wasitool upgrades. Later commands are silent."""
    import wasmtime

    hello = '(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32))) ' \
            '(memory (export "memory") 1) (func (export "_start") (call $e (i32.const 7))))'
    (tmp_path / "src").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "src" / "x.wat").write_text(hello)
    (tmp_path / "out" / "x.wasm").write_bytes(bytes(wasmtime.wat2wasm(hello)))
    (tmp_path / "wasitool.toml").write_text('[examples.x]\nsource = "x.wat"\nteaches = "t"\n')
    env = {"WASITOOL_HOME": str(tmp_path / "store")}
    first = wasitool("run", "x", cwd=tmp_path, env=env)
    assert first.returncode == 7
    assert first.stderr == (f"wasitool: {tmp_path} had no wasitool.lock: wrote one pinning the toolchain this "
                            "wasitool ships (commit it; `wasitool lock update` moves it)\n")
    assert (tmp_path / "wasitool.lock").read_bytes() == SHIPPED_LOCK.read_bytes()
    assert load_project(tmp_path).lock == tmp_path / "wasitool.lock"
    again = wasitool("run", "x", cwd=tmp_path, env=env)
    assert (again.returncode, again.stderr) == (7, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src", "store", "wasitool.lock", "wasitool.toml"]


def test_a_project_that_cannot_hold_a_lock_warns_and_uses_the_shipped_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "wasitool.toml").write_text('[examples.x]\nsource = "x.wat"\nteaches = "t"\n')

    def read_only(*_: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "link", read_only)
    assert load_project(tmp_path).lock == SHIPPED_LOCK
    assert "has no wasitool.lock and cannot get one (Read-only file system)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wasitool.toml"]
