"""`wasitool faults` on every engine: a module with one bug of each kind (a hang, a trap, a swallowed
error) and calls it handles; per site and per call, the table, JSON, --max-runs; the bundled teaching
example (real build) reported at its unchecked fopen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engines.test_engine_cli import _one_line_error
from tests.support import probe_modules as P

W = "wasi_snapshot_preview1"
# path_open("x.cfg") is unchecked: its fd (-1 when the call failed) is read until nread == 0, which a
# failed fd_read never sets (a hang). path_open("y.cfg") is checked (exit 2). fd_close aborts when it
# fails (a trap), and the final fd_write's failure is ignored (exit 0, "done" missing).
BUGGY = f"""(module
  (import "{W}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "{W}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "{W}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "{W}" "fd_close" (func $close (param i32) (result i32)))
  (import "{W}" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "x.cfg")
  (data (i32.const 1032) "y.cfg")
  (data (i32.const 1100) "done\\n")
  (func $open_file (param $path i32) (result i32)
    (i32.store (i32.const 2048) (i32.const -1))
    (drop (call $open (i32.const 3) (i32.const 1) (local.get $path) (i32.const 5) (i32.const 0) (i64.const 2)
                      (i64.const 0) (i32.const 0) (i32.const 2048)))
    (i32.load (i32.const 2048)))
  (func $main (export "_start") (local $fd i32)
    (local.set $fd (call $open_file (i32.const 1024)))
    (i32.store (i32.const 16) (i32.const 3000)) (i32.store (i32.const 20) (i32.const 2))
    (loop $more
      (i32.store (i32.const 24) (i32.const 1))
      (drop (call $read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
      (br_if $more (i32.load (i32.const 24))))
    (if (call $close (local.get $fd)) (then unreachable))
    (i32.store (i32.const 2048) (i32.const -1))
    (if (call $open (i32.const 3) (i32.const 1) (i32.const 1032) (i32.const 5) (i32.const 0) (i64.const 2)
                    (i64.const 0) (i32.const 0) (i32.const 2048))
      (then (call $proc_exit (i32.const 2))))
    (i32.store (i32.const 16) (i32.const 1100)) (i32.store (i32.const 20) (i32.const 5))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))"""


def faults(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", "faults", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


@pytest.fixture
def buggy(wat_file, tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.cfg").write_text("abc")
    (data / "y.cfg").write_text("xyz")
    return wat_file(BUGGY), data


def test_sweep_per_call_finds_each_kind_of_bug(engine_name, buggy):
    module, data = buggy
    proc = faults(str(module), "--engine", engine_name, "--dir", f"{data}::.", "--per-call", "--timeout", "1",
                  "--json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["baseline"] == {"exit_code": 0, "trap": None, "calls": 7}
    rows = [(r["index"], r["call"], r["errno"], r["exit_code"], r["trap"], r["timeout"], r["output_changed"],
             r["suspect"]) for r in report["reruns"]]
    assert rows[0] == (1, "path_open", "ENOENT", 124, None, True, True, "hang")
    assert rows[1:4] == [(i, "fd_read", "EIO", 0, None, False, False, None) for i in (2, 3, 4)]
    trap = "unreachable instruction executed"
    assert rows[4] == (5, "fd_close", "EIO", 134, trap, False, True, f"trap: {trap}")
    assert rows[5] == (6, "path_open", "ENOENT", 2, None, False, True, None)
    assert rows[6] == (7, "fd_write", "ENOSPC", 0, None, False, True, "exit 0, output changed")
    assert report["reruns"][0]["args"]["path"] == "x.cfg" and report["suspects"] == 3


def test_sweep_per_site_and_the_table(engine_name, buggy):
    """A site is the call and the guest functions making it: on wasmtime (which gives stacks) the two
    path_opens, one in $open_file, are two sites; on wasmer a site is the call's name."""
    module, data = buggy
    proc = faults(str(module), "--engine", engine_name, "--dir", f"{data}::.", "--timeout", "1")
    lines = proc.stdout.splitlines()
    stacks = engine_name == "wasmtime"
    assert proc.returncode == 1
    assert lines[0] == f"baseline: exit 0, 7 calls, {5 if stacks else 4} reruns"
    assert lines[1].split() == ["#", "call", "where", "errno", "exit", "trap", "output", "verdict"]
    assert lines[2].split() == ["1", 'path_open(path="x.cfg")', "main>open_file" if stacks else "-", "ENOENT", "hang",
                                "-", "changed", "BUG?", "hang"]
    sites = [tuple(line.split()[1:3]) for line in lines[3:-1]]
    where = "main" if stacks else "-"
    assert sites == [("fd_read(fd=4)", where), ("fd_close(fd=4)", where)] + (
        [('path_open(path="y.cfg")', "main")] if stacks else []) + [("fd_write(fd=1)", where)]
    assert lines[-1] == "3 suspects"
    capped = faults(str(module), "--engine", engine_name, "--dir", f"{data}::.", "--max-runs", "2", "--timeout", "1",
                    "-j", "2")
    assert capped.stdout.splitlines()[-2:] == [f"{3 if stacks else 2} more sites not rerun (raise --max-runs)",
                                               "1 suspect"]


def test_the_directory_is_fresh_for_every_run(engine_name, wat_file, tmp_path):
    """A program that refuses to run twice in the same directory (it creates a file with O_EXCL) sweeps
    cleanly: each rerun gets its own copy, and the host directory is never touched."""
    module = wat_file(f"""(module
      (import "{W}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "{W}" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (data (i32.const 1024) "lock")
      (func (export "_start")
        (call $exit (call $open (i32.const 3) (i32.const 0) (i32.const 1024) (i32.const 4) (i32.const 5)
                                (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 2048)))))""")
    data = tmp_path / "empty"
    data.mkdir()
    proc = faults(str(module), "--engine", engine_name, "--dir", f"{data}::.", "--json")
    report = json.loads(proc.stdout)
    assert (proc.returncode, report["baseline"]["exit_code"]) == (0, 0)
    assert [(r["call"], r["exit_code"]) for r in report["reruns"]] == [("path_open", 44)]
    assert list(data.iterdir()) == []


def test_a_program_slower_than_the_timeout_is_one_line(engine_name, wat_file):
    spin = wat_file('(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))')
    err = _one_line_error(subprocess.run([sys.executable, "-m", "wasitool", "faults", str(spin), "--engine",
                                          engine_name, "--timeout", "0.5"], capture_output=True, timeout=60))
    assert "the program itself did not finish within 0.5s, so no rerun could be judged (fix: raise --timeout" in err


def test_unknown_program_is_one_line(engine_name):
    err = _one_line_error(subprocess.run([sys.executable, "-m", "wasitool", "faults", "no_such_example", "--engine",
                                          engine_name], capture_output=True, timeout=60))
    assert "unknown program or example `no_such_example`" in err


def test_bundled_example_is_found_at_its_unchecked_fopen(use_toolchain, engine_name):
    proc = faults("unchecked_fopen", "--engine", engine_name, "--json")
    assert proc.returncode == 1, proc.stderr
    reruns = {r["call"]: r for r in json.loads(proc.stdout)["reruns"]}
    opened = reruns["path_open"]
    assert opened["args"]["path"] == "settings.cfg" and opened["errno"] == "ENOENT"
    assert opened["where"] == ("main>fopen" if engine_name == "wasmtime" else "-")
    assert opened["exit_code"] == 134 and opened["trap"] and opened["suspect"].startswith("trap: ")


def test_wasmtime_is_the_default_engine_when_importable(wat_file):
    from tests.conftest import importable_engines

    proc = faults(str(wat_file(P.random(4))), "--json")
    expected = "wasmtime" if "wasmtime" in importable_engines() else "wasmer"
    assert (proc.returncode, json.loads(proc.stdout)["engine"]) == (1, expected)  # the probe ignores fd_write's errors
