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


GC_MODULE = """(module
  (rec (type $node (struct (field i32) (field (ref null $node)))) (type $list (array (mut i8))))
  (type $f (func (param (ref null $node) v128) (result (ref $list))))
  (import "env" "v" (func (param v128) (result externref)))
  (import "env" "t" (table 1 (ref null $node)))
  (import "env" "g" (global (mut (ref null any))))
  (func (export "make") (type $f) (array.new_default $list (i32.const 1)))
  (func (export "plain") (param i32) (result i64) (i64.const 0)))"""


def test_reads_gc_and_simd_types_without_losing_its_place() -> None:
    iface = read_interface(bytes(wasmtime.wat2wasm(GC_MODULE)))
    assert iface.imports == [("env", "v", "func"), ("env", "t", "table"), ("env", "g", "global")]
    assert iface.function_type(0) == (["v128"], ["externref"])
    assert iface.signature("make") == (["(ref null 0)", "v128"], ["(ref 1)"])
    assert iface.signature("plain") == (["i32"], ["i64"])
    assert iface.types[0] is None and iface.types[1] is None  # struct and array types
