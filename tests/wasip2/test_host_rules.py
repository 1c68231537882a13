"""Rules of the WIT the host enforces, and how a run ends when a guest breaks one (hand-written components)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import wat_modules as M
from tests.support.component_wat import RUN_EXPORT, stream_imports
from tests.wasip2.conftest import reference, wasitool

# Writes 5000 bytes with one blocking-write-and-flush: the WIT allows at most 4096.
OVERSIZED_WRITE = """(component
""" + stream_imports("output", "blocking-write-and-flush",
                             '(param "contents" (list u8)) (result (result (error $stream-error)))') + """\
  (import "wasi:cli/stdout@0.2.12" (instance $stdout
    (export "output-stream" (type $o (eq $os)))
    (export "get-stdout" (func (result (own $o))))))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias export $stdout "get-stdout" (func $get-stdout))
  (alias export $streams "[method]output-stream.blocking-write-and-flush" (func $write))
  (core func $get-stdout-lowered (canon lower (func $get-stdout)))
  (core func $write-lowered (canon lower (func $write) (memory $mem)))
  (core module $main
    (import "host" "get-stdout" (func $get-stdout (result i32)))
    (import "host" "write" (func $write (param i32 i32 i32 i32)))
    (import "libc" "memory" (memory 1))
    (func (export "run") (result i32)
      (memory.fill (i32.const 1024) (i32.const 65) (i32.const 5000))
      (call $write (call $get-stdout) (i32.const 1024) (i32.const 5000) (i32.const 0))
      (i32.const 0)))
  (core instance $host (export "get-stdout" (func $get-stdout-lowered)) (export "write" (func $write-lowered)))
""" + RUN_EXPORT


def test_oversized_blocking_write_traps(text_component, hostcall, tmp_path, wasmtime_cli):
    path = text_component(OVERSIZED_WRITE)
    proc = wasitool("run", str(path), "--trace", "--trace-bytes", "4")
    assert (proc.returncode, proc.stdout) == (134, b"")
    assert proc.stderr.decode().splitlines() == [
        "get-stdout() -> output-stream#1",
        '[method]output-stream.blocking-write-and-flush(self=output-stream#1, contents=b"AAAA"...) '
        "-> trap: Buffer too large for blocking-write-and-flush (expected at most 4096)",
        "wasitool: trap: Buffer too large for blocking-write-and-flush (expected at most 4096)",
    ]
    theirs = reference(wasmtime_cli, path)  # the same refusal, reported as an error of its host (status 1)
    assert (theirs.returncode, theirs.stdout) == (1, b"")
    assert b"Buffer too large for blocking-write-and-flush (expected at most 4096)" in theirs.stderr


# Calls `read` (not blocking-read) on stdin once: exits ok when it returns ok with no bytes, else err.
NONBLOCKING_READ = """(component
""" + stream_imports("input", "read",
                             '(param "len" u64) (result (result (list u8) (error $stream-error)))') + """\
  (import "wasi:cli/stdin@0.2.12" (instance $stdin
    (export "input-stream" (type $i (eq $is)))
    (export "get-stdin" (func (result (own $i))))))
  (import "wasi:cli/exit@0.2.12" (instance $exit (export "exit" (func (param "status" (result))))))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias export $stdin "get-stdin" (func $get-stdin))
  (alias export $streams "[method]input-stream.read" (func $read))
  (alias export $exit "exit" (func $exit-func))
  (core func $get-stdin-lowered (canon lower (func $get-stdin)))
  (core func $read-lowered (canon lower (func $read) (memory $mem) (realloc $realloc)))
  (core func $exit-lowered (canon lower (func $exit-func)))
  (core module $main
    (import "host" "get-stdin" (func $get-stdin (result i32)))
    (import "host" "read" (func $read (param i32 i64 i32)))
    (import "host" "exit" (func $exit (param i32)))
    (import "libc" "memory" (memory 1))
    ;; exit ok when `read` returns ok with no bytes, err otherwise
    (func (export "run") (result i32)
      (call $read (call $get-stdin) (i64.const 100) (i32.const 0))
      (call $exit (i32.ne (i32.or (i32.load8_u (i32.const 0)) (i32.load (i32.const 8))) (i32.const 0)))
      (i32.const 0)))
  (core instance $host (export "get-stdin" (func $get-stdin-lowered)) (export "read" (func $read-lowered))
    (export "exit" (func $exit-lowered)))
""" + RUN_EXPORT


def _run_with_open_stdin(path, data: bytes) -> subprocess.CompletedProcess[bytes]:
    """`wasitool run PATH` with `data` already in its stdin pipe, whose writer stays open."""
    reader, writer = os.pipe()
    os.write(writer, data)
    try:
        return subprocess.run([sys.executable, "-m", "wasitool", "run", str(path)], stdin=reader,
                              capture_output=True, timeout=60)
    finally:
        os.close(reader)
        os.close(writer)


def test_read_returns_what_is_ready(text_component, tmp_path, wasmtime_cli):
    path = text_component(NONBLOCKING_READ)
    assert _run_with_open_stdin(path, b"").returncode == 0  # nothing ready: ok(b""), not a wait
    reader, writer = os.pipe()
    try:
        theirs = subprocess.run([str(wasmtime_cli), "run", str(path)], stdin=reader, capture_output=True, timeout=60)
    finally:
        os.close(reader)
        os.close(writer)
    assert theirs.returncode == 0
    assert _run_with_open_stdin(path, b"abc").returncode == 1  # data ready: ok(b"abc")


def test_a_value_wasmtime_refuses_is_a_trap(text_component, tmp_path):
    """A guest passing `exit` a result discriminant of 4: wasmtime refuses to lift it; one trap line."""
    broken = NONBLOCKING_READ.replace(
        "(call $exit (i32.ne (i32.or (i32.load8_u (i32.const 0)) (i32.load (i32.const 8))) (i32.const 0)))",
        "(call $exit (i32.const 4))")
    assert broken != NONBLOCKING_READ
    proc = _run_with_open_stdin(text_component(broken), b"")
    assert (proc.returncode, proc.stderr) == (134, b"wasitool: trap: discriminant 4 out of range [0..2)\n")


def test_initial_memory_above_max_memory_is_refused(component):
    proc = wasitool("run", str(component(M.HELLO)), "--max-memory", "32K")
    assert proc.returncode == 2
    assert proc.stderr == (b"wasitool: error: the wasmtime engine cannot instantiate c.wasm: memory minimum size "
                           b"of 1 pages exceeds memory limits (fix: give it more memory (--max-memory), or check it "
                           b"with `wasm-tools validate`)\n")
