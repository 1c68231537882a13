"""Hostile numbers passed to descriptor methods (by a preview1 guest through the command adapter, or a
hand-written component): an offset or size past the host's signed `off_t` is `invalid` (EINVAL), as the
wasmtime CLI answers, never an internal error, and the file is left as it was."""

from __future__ import annotations

import pytest

from tests.support.component_wat import RUN_EXPORT, stream_imports
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


# Opens f.txt in the first preopen for reading, makes a stream from offset 2^64-1 (read-via-stream) and
# reads from it: the run's result is ok when the read failed, err when it returned data.
READ_PAST_OFF_T = """(component
""" + stream_imports("input", "blocking-read",
                             '(param "len" u64) (result (result (list u8) (error $stream-error)))') + """\
  (import "wasi:filesystem/types@0.2.12" (instance $types
    (alias outer 1 $is (type $is-outer))
    (export "input-stream" (type $is (eq $is-outer)))
    (export "descriptor" (type $d (sub resource)))
    (type $ec (enum "access" "would-block" "already" "bad-descriptor" "busy" "deadlock" "quota" "exist"
      "file-too-large" "illegal-byte-sequence" "in-progress" "interrupted" "invalid" "io" "is-directory" "loop"
      "too-many-links" "message-size" "name-too-long" "no-device" "no-entry" "no-lock" "insufficient-memory"
      "insufficient-space" "not-directory" "not-empty" "not-recoverable" "unsupported" "no-tty" "no-such-device"
      "overflow" "not-permitted" "pipe" "read-only" "invalid-seek" "text-file-busy" "cross-device"))
    (export "error-code" (type $ec' (eq $ec)))
    (type $pf (flags "symlink-follow"))
    (export "path-flags" (type $pf' (eq $pf)))
    (type $of (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $of' (eq $of)))
    (type $df (flags "read" "write" "file-integrity-sync" "data-integrity-sync" "requested-write-sync"
      "mutate-directory"))
    (export "descriptor-flags" (type $df' (eq $df)))
    (export "[method]descriptor.open-at"
      (func (param "self" (borrow $d)) (param "path-flags" $pf') (param "path" string) (param "open-flags" $of')
            (param "flags" $df') (result (result (own $d) (error $ec')))))
    (export "[method]descriptor.read-via-stream"
      (func (param "self" (borrow $d)) (param "offset" u64) (result (result (own $is) (error $ec')))))))
  (alias export $types "descriptor" (type $d))
  (import "wasi:filesystem/preopens@0.2.12" (instance $preopens
    (export "descriptor" (type $d' (eq $d)))
    (export "get-directories" (func (result (list (tuple (own $d') string)))))))
  (core module $libc (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (global.get $next)
      (global.set $next (i32.add (global.get $next)
                                 (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias export $preopens "get-directories" (func $dirs))
  (alias export $types "[method]descriptor.open-at" (func $open-at))
  (alias export $types "[method]descriptor.read-via-stream" (func $rvs))
  (alias export $streams "[method]input-stream.blocking-read" (func $read))
  (core func $dirs-l (canon lower (func $dirs) (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core func $open-at-l (canon lower (func $open-at) (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core func $rvs-l (canon lower (func $rvs) (memory $mem)))
  (core func $read-l (canon lower (func $read) (memory $mem) (realloc $realloc)))
  (core module $main
    (import "host" "dirs" (func $dirs (param i32)))
    (import "host" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "host" "rvs" (func $rvs (param i32 i64 i32)))
    (import "host" "read" (func $read (param i32 i64 i32)))
    (import "libc" "memory" (memory 1))
    (data (i32.const 100) "f.txt")
    (func (export "run") (result i32) (local $dir i32) (local $file i32) (local $stream i32)
      (call $dirs (i32.const 0))
      (local.set $dir (i32.load (i32.load (i32.const 0))))
      (call $open-at (local.get $dir) (i32.const 0) (i32.const 100) (i32.const 5) (i32.const 0) (i32.const 1)
                     (i32.const 16))
      (if (i32.load8_u (i32.const 16)) (then unreachable))
      (local.set $file (i32.load (i32.const 20)))
      (call $rvs (local.get $file) (i64.const -1) (i32.const 32))
      (if (i32.load8_u (i32.const 32)) (then unreachable))
      (local.set $stream (i32.load (i32.const 36)))
      (call $read (local.get $stream) (i64.const 16) (i32.const 48))
      ;; ok (0) when the read failed, 1 when it returned data
      (i32.eqz (i32.load8_u (i32.const 48)))))
  (core instance $host (export "dirs" (func $dirs-l)) (export "open-at" (func $open-at-l))
    (export "rvs" (func $rvs-l)) (export "read" (func $read-l)))
""" + RUN_EXPORT


def test_stream_from_an_offset_past_off_t_fails_its_read(text_component, hostcall, wasmtime_cli, tmp_path):
    path = text_component(READ_PAST_OFF_T)
    files = tmp_path / "files"
    files.mkdir()
    (files / "f.txt").write_bytes(b"kept")
    proc = wasitool("run", "--dir", f"{files}::/", "--trace=*read", str(path))
    assert (proc.returncode, proc.stdout) == (0, b"")
    assert proc.stderr == (b"[method]input-stream.blocking-read(self=input-stream#3, len=16) -> "
                           b"err(last-operation-failed(error#4))\n")
    theirs = reference(wasmtime_cli, path, flags=("--dir", f"{files}::/"))
    assert (theirs.returncode, theirs.stderr) == (0, b"")
