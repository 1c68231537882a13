"""The binary reader behind export signatures: imports, exports and types of real modules."""

from __future__ import annotations

import pytest
import wasmtime

from wasitool.wasmbin import read_interface

MODULE = """(module
  (type $io (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (type $io)))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global i32))
  (func $pair (export "pair") (param i64 f32) (result i32 f64) (i32.const 1) (f64.const 2))
  (func (export "_start"))
  (table (export "t") 1 funcref)
  (export "memory" (memory 0)))"""


def test_reads_imports_exports_and_signatures() -> None:
    iface = read_interface(bytes(wasmtime.wat2wasm(MODULE)))
    assert iface.imports == [("wasi_snapshot_preview1", "fd_write", "func"), ("env", "mem", "memory"),
                             ("env", "g", "global")]
    assert iface.exports == {"pair": "func", "_start": "func", "t": "table", "memory": "memory"}
    assert iface.signature("pair") == (["i64", "f32"], ["i32", "f64"])  # index counts the imported function
    assert iface.signature("_start") == ([], [])
    assert iface.signature("t") is None and iface.signature("missing") is None


@pytest.mark.parametrize("data", [b"", b"\0asm\x02\0\0\0", b"hello world!", bytes(wasmtime.wat2wasm(MODULE))[:30]])
def test_rejects_what_is_not_a_whole_module(data: bytes) -> None:
    with pytest.raises(ValueError):
        read_interface(data)
