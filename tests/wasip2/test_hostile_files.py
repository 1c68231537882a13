"""Hostile numbers passed to descriptor methods by a preview1 guest (through the command adapter): an
offset or size past the host's signed `off_t` is `invalid` (EINVAL), as the wasmtime CLI answers, never
an internal error, and the file is left as it was."""

from __future__ import annotations

import pytest

from tests.wasip2.conftest import reference, wasitool

# Opens f.txt in the preopen (fd 3) read-write, makes CALL on it (fd in $f, an iovec of 16 bytes at 0),
# and traps unless it returned EINVAL (28).
GUEST = """(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_advise" (func $advise (param i32 i64 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "f.txt")
  (func (export "_start") (local $f i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 16))
    (if (i32.ne (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 5) (i32.const 0)
                  (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 8)) (i32.const 0))
      (then unreachable))
    (local.set $f (i32.load (i32.const 8)))
    (if (i32.ne CALL (i32.const 28)) (then unreachable))))
"""

CALLS = {
    "fd_pread": "(call $pread (local.get $f) (i32.const 0) (i32.const 1) (i64.const -1) (i32.const 12))",
    "fd_pwrite": "(call $pwrite (local.get $f) (i32.const 0) (i32.const 1) (i64.const -1) (i32.const 12))",
    "fd_filestat_set_size": "(call $set_size (local.get $f) (i64.const -1))",
    "fd_advise": "(call $advise (local.get $f) (i64.const -1) (i64.const -1) (i32.const 0))",
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_offset_past_off_t_is_invalid(component, hostcall, wasmtime_cli, tmp_path, call):
    path = component(GUEST.replace("CALL", CALLS[call]))
    files = tmp_path / "files"
    files.mkdir()
    (files / "f.txt").write_bytes(b"kept")
    proc = wasitool("run", "--dir", f"{files}::/", str(path))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    assert (files / "f.txt").read_bytes() == b"kept"
    theirs = reference(wasmtime_cli, path, flags=("--dir", f"{files}::/"))
    assert (theirs.returncode, theirs.stderr) == (0, b"")
    assert (files / "f.txt").read_bytes() == b"kept"
