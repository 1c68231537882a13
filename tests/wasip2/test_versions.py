"""The host serves every 0.2.x version a component imports (the adapters and wasi-sdk produce 0.2.0 to 0.2.12)."""

from __future__ import annotations

import pytest

from tests.wasip2.conftest import reference, wasitool


def args_then_exit(version: str, run_version: str | None = None) -> str:
    """A hand-written command importing `wasi:cli/environment` and `exit` at `version`: exits ok with exactly
    one argument after argv[0], else err."""
    return f"""(component
  (import "wasi:cli/environment@{version}" (instance $env (export "get-arguments" (func (result (list string))))))
  (import "wasi:cli/exit@{version}" (instance $exit (export "exit" (func (param "status" (result))))))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  (alias export $env "get-arguments" (func $get-arguments))
  (alias export $exit "exit" (func $exit-func))
  (core func $args (canon lower (func $get-arguments) (memory $mem) (realloc $realloc)))
  (core func $exit (canon lower (func $exit-func)))
  (core module $main
    (import "host" "args" (func $args (param i32)))
    (import "host" "exit" (func $exit (param i32)))
    (import "libc" "memory" (memory 1))
    (func (export "run") (result i32)
      (call $args (i32.const 0))
      (call $exit (i32.ne (i32.load (i32.const 4)) (i32.const 2)))
      unreachable))
  (core instance $host (export "args" (func $args)) (export "exit" (func $exit)))
  (core instance $main (instantiate $main (with "host" (instance $host)) (with "libc" (instance $libc))))
  (func $run (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@{run_version or version}" (instance $run-instance)))"""


@pytest.mark.parametrize("version", ["0.2.0", "0.2.3", "0.2.12"])
def test_every_0_2_version(text_component, hostcall, tmp_path, wasmtime_cli, version):
    path = text_component(args_then_exit(version))
    ok, err = wasitool("run", str(path), "--", "x"), wasitool("run", str(path))
    assert (ok.returncode, err.returncode) == (0, 1), (ok.stderr, err.stderr)
    assert (reference(wasmtime_cli, path, "x").returncode, reference(wasmtime_cli, path).returncode) == (0, 1)
    traced = wasitool("run", str(path), "--trace", "--", "x")
    assert traced.stderr.decode().splitlines() == ['get-arguments() -> ["c.wasm", "x"]', "exit(status=ok())"]


def test_another_major_version_traps_when_called(text_component, tmp_path):
    path = text_component(args_then_exit("0.3.0", run_version="0.2.12"))
    proc = wasitool("run", str(path))
    assert proc.returncode == 134
    assert proc.stderr == (b"wasitool: trap: unknown import: `wasi:cli/environment@0.3.0#get-arguments` "
                           b"is not provided by wasitool's WASI 0.2 host\n")
