"""The binary reader: imports, exports and types of real modules; the compact section and body tables."""

from __future__ import annotations

import pytest
import wasmtime

from wasitool.wasmbin import DataSegment, parse_module, read_interface

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


def test_compact_sections_and_bodies_read_back_as_rows() -> None:
    """`parse_module` keeps sections and bodies as offset arrays; indexing, slicing and iterating give the
    same rows a list would: custom names, counts, locals, and type indices above 127 (several LEB bytes)."""
    types = "\n".join(f"(type $t{i} (func (param {' '.join(['i32'] * (i % 3))})))" for i in range(200))
    data = bytes(wasmtime.wat2wasm(f"""(module {types}
      (func (type $t199) (local i64 i64 f32))
      (func (type $t5) (local $x (ref null func)))
      (func (type $t0))
      (@custom "first" (before first) "x") (@custom "name" (before type) "") (@custom "last" (after code) "yz"))"""))
    m = parse_module(data)
    assert m.func_types == [199, 5, 0]
    kinds = [(s.id, s.name) for s in m.sections]
    assert kinds == [(0, "first"), (0, "name"), (1, "Type"), (3, "Function"), (10, "Code"), (0, "last")]
    assert m.sections[-1] == m.sections[5] == m.sections[4:][-1] and m.sections[::-1][0].name == "last"
    assert [s.count for s in m.sections] == [None, None, 200, 3, 3, None]
    assert m.segment_bytes(DataSegment("passive", 0, None, "", m.sections[5].start + 5, 2)) == b"yz"
    assert [b.locals for b in m.bodies] == [((2, "i64"), (1, "f32")), ((1, "funcref"),), ()]
    assert [m.data[b.code_start] for b in m.bodies[:]] == [0x0B, 0x0B, 0x0B]  # each body is just `end`
    assert m.bodies[-1].end == m.sections[4].start + m.sections[4].size
    with pytest.raises(IndexError):
        m.sections[6]


@pytest.mark.parametrize("tail", [b"\x00\x00", b"\x00\x02\x05ab", b"\x00\x01\x80"])
def test_a_custom_section_without_room_for_its_name_is_truncated(tail: bytes) -> None:
    with pytest.raises(ValueError, match="truncated"):
        parse_module(b"\0asm\x01\0\0\0" + tail + b"\x00\x01\x00")
