"""Rules of the WIT the host enforces, and how a run ends when a guest breaks one (a hand-written component)."""

from __future__ import annotations

from tests.support.components import text_component
from tests.wasip2.conftest import reference, wasitool

# Writes 5000 bytes with one blocking-write-and-flush: the WIT allows at most 4096.
OVERSIZED_WRITE = """(component
  (import "wasi:io/error@0.2.12" (instance $error (export "error" (type (sub resource)))))
  (alias export $error "error" (type $error-type))
  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer 1 $error-type (type $err))
    (export "error" (type $e (eq $err)))
    (export "output-stream" (type $os (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $e)) (case "closed")))
    (export "stream-error" (type $se' (eq $se)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result (result (error $se')))))))
  (alias export $streams "output-stream" (type $os))
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
  (core instance $main (instantiate $main (with "host" (instance $host)) (with "libc" (instance $libc))))
  (func $run (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $run-instance)))
"""


def test_oversized_blocking_write_traps(hostcall, tmp_path, wasmtime_cli):
    path = text_component(OVERSIZED_WRITE, tmp_path)
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
