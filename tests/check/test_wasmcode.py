"""The instruction decoder against an independent encoder: every opcode of the table, written as text,
assembled by wasmtime's `wat2wasm`, must decode back to the same name with every byte consumed."""

from __future__ import annotations

import pytest
import wasmtime

from wasitool.wasmbin import parse_module
from wasitool.wasmcode import OPCODES, PREFIXED, decode_body, natural_alignment, nesting

STRUCTURED = {"block", "loop", "if", "else", "end", "try", "catch", "catch_all", "delegate", "try_table"}
TEXT = {  # instructions whose text form needs operands or differs from the bare name
    "br_table": "br_table 0 0", "call_indirect": "call_indirect (type 0)",
    "return_call_indirect": "return_call_indirect (type 0)", "select": "select", "ref.null": "ref.null func",
    "v128.const": "v128.const i32x4 1 2 3 4", "i8x16.shuffle": "i8x16.shuffle" + " 0" * 16,
    "memory.init": "memory.init 0", "table.init": "table.init 0", "memory.copy": "memory.copy",
    "memory.fill": "memory.fill", "table.copy": "table.copy", "memory.size": "memory.size",
    "memory.grow": "memory.grow", "atomic.fence": "atomic.fence",
}
IMMEDIATE = {"idx": " 0", "i32": " -7", "i64": " 1234567890123", "f32": " 1.5", "f64": " -2.25", "lane": " 1",
             "mlane": " 1"}


def _text(name: str, kind: str) -> str:
    return TEXT.get(name, name + IMMEDIATE.get(kind, ""))


def _all_instructions() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for name, kind in (*OPCODES.values(), *PREFIXED.values()):
        if name not in STRUCTURED:
            seen.setdefault(name, kind)
    return sorted(seen.items())


def _decode_single(instr_text: str) -> list[str]:
    wat = (f"(module (type (func)) (table 1 funcref) (memory 1) (global (mut i32) (i32.const 0)) (tag)"
           f" (data \"x\") (elem func 0) (func {instr_text}))")
    data = bytes(wasmtime.wat2wasm(wat))
    module = parse_module(data)
    body = module.bodies[0]
    return [ins.name for ins in decode_body(data, body.code_start, body.end)]


@pytest.mark.parametrize(("name", "kind"), _all_instructions())
def test_every_opcode_round_trips(name: str, kind: str) -> None:
    assert _decode_single(_text(name, kind)) == [name, "end"]


def test_immediates_and_nesting() -> None:
    wat = """(module (memory 1) (tag $t (param i32))
      (func $f (param i32) (result i32)
        (block $out (result i32)
          (loop $l
            (br_if $l (i32.eqz (local.get 0))))
          (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
        (drop)
        (try_table (catch $t 0) (catch_all 0))
        (i64.store offset=24 align=4 (i32.const 8) (i64.const -1))
        (i32.load8_u offset=3 (i32.const 0))))"""
    data = bytes(wasmtime.wat2wasm(wat))
    body = parse_module(data).bodies[0]
    instrs = decode_body(data, body.code_start, body.end)
    text = [f"{'  ' * d}{i.name} {i.text}".rstrip() for i, d in zip(instrs, nesting(instrs), strict=True)]
    assert text == [
        "block (result i32)", "  loop", "    local.get 0", "    i32.eqz", "    br_if 0", "  end",
        "  local.get 0", "  if (result i32)", "    i32.const 1", "  else", "    i32.const 2", "  end", "end",
        "drop", "try_table (catch 0 0) (catch_all 0)", "end",
        "i32.const 8", "i64.const -1", "i64.store offset=24 align=4",
        "i32.const 0", "i32.load8_u offset=3", "end",
    ]


@pytest.mark.parametrize(("name", "expected"), [
    ("i32.load", 4), ("i64.load", 8), ("i64.load32_u", 4), ("i32.store8", 1), ("f64.store", 8),
    ("v128.load", 16), ("v128.load8x8_s", 8), ("v128.load16_splat", 2), ("v128.load32_zero", 4),
    ("v128.store64_lane", 8), ("i64.atomic.rmw.add", 8), ("i32.atomic.rmw16.xchg_u", 2),
    ("memory.atomic.wait64", 8), ("memory.atomic.notify", 4)])
def test_natural_alignment(name: str, expected: int) -> None:
    assert natural_alignment(name) == expected


@pytest.mark.parametrize("code", [b"\xff", b"\xfc\x63", b"\x41", b"\x0e\x05\x00"])
def test_unknown_or_truncated_code_is_a_value_error(code: bytes) -> None:
    with pytest.raises(ValueError):
        decode_body(code, 0, len(code))
