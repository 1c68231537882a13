"""Hostile lengths passed to output-stream methods: the host traps as the wasmtime CLI does, it never
allocates what the guest asks for nor fails with an internal error (hand-written components)."""

from __future__ import annotations

import pytest

from tests.support.component_wat import RUN_EXPORT, stream_imports
from tests.wasip2.conftest import reference, wasitool

# Calls METHOD(stdout, LEN) once, METHOD taking (self, len: u64) and returning result<_, stream-error>.
ZEROES = """(component
""" + stream_imports("output", "METHOD",
                             '(param "len" u64) (result (result (error $stream-error)))') + """\
  (import "wasi:cli/stdout@0.2.12" (instance $stdout
    (export "output-stream" (type $o (eq $os)))
    (export "get-stdout" (func (result (own $o))))))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias export $stdout "get-stdout" (func $get-stdout))
  (alias export $streams "[method]output-stream.METHOD" (func $zeroes))
  (core func $get-stdout-lowered (canon lower (func $get-stdout)))
  (core func $zeroes-lowered (canon lower (func $zeroes) (memory $mem)))
  (core module $main
    (import "host" "get-stdout" (func $get-stdout (result i32)))
    (import "host" "zeroes" (func $zeroes (param i32 i64 i32)))
    (import "libc" "memory" (memory 1))
    (func (export "run") (result i32)
      (call $zeroes (call $get-stdout) (i64.const LEN) (i32.const 0))
      (i32.const 0)))
  (core instance $host (export "get-stdout" (func $get-stdout-lowered)) (export "zeroes" (func $zeroes-lowered)))
""" + RUN_EXPORT


@pytest.mark.parametrize(("method", "length", "trap"), [
    ("write-zeroes", "-1", "cannot write more zeroes than `check-write` allows (18446744073709551615 > 1048576)"),
    ("write-zeroes", "2000000", "cannot write more zeroes than `check-write` allows (2000000 > 1048576)"),
    ("blocking-write-zeroes-and-flush", "5000",
     "Buffer too large for blocking-write-zeroes-and-flush (expected at most 4096)"),
])
def test_oversized_zeroes_trap(text_component, hostcall, wasmtime_cli, method, length, trap):
    path = text_component(ZEROES.replace("METHOD", method).replace("LEN", length))
    proc = wasitool("run", str(path))
    assert (proc.returncode, proc.stdout, proc.stderr.decode()) == (134, b"", f"wasitool: trap: {trap}\n")
    theirs = reference(wasmtime_cli, path)  # refused by its host too (an error of the host: status 1)
    assert (theirs.returncode, theirs.stdout) == (1, b"")


def test_zeroes_within_the_limits_are_written(text_component, hostcall):
    path = text_component(ZEROES.replace("METHOD", "blocking-write-zeroes-and-flush").replace("LEN", "4096"))
    proc = wasitool("run", str(path))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, bytes(4096), b"")
