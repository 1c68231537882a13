"""Wasm instructions: the opcode table and a decoder for function bodies and constant expressions.

Covers the 2.0 instruction set (MVP, sign extension, saturating truncation, bulk memory, reference
types, SIMD and relaxed SIMD), threads (atomics), tail calls, exception handling (both encodings)
and multiple memories. Names are the text format's (`i32.load`, `local.get`); an opcode the table
does not know stops decoding of that body with `ValueError`, since its immediates' length is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple, cast

from wasitool.wasmread import HEAPTYPES, VALTYPES, Reader


class Instr(NamedTuple):
    """One decoded instruction: `args` are the immediates as numbers, `text` as the text format writes them."""

    offset: int  # in the file
    name: str
    args: tuple[int | float | str, ...]
    text: str


# -- the opcode table: name and immediate kind -----------------------------------------------------------

def _words(text: str) -> list[str]:
    return text.split()


def _table() -> tuple[dict[int, tuple[str, str]], dict[tuple[int, int], tuple[str, str]]]:
    ops: dict[int, tuple[str, str]] = {
        0x00: ("unreachable", ""), 0x01: ("nop", ""), 0x02: ("block", "bt"), 0x03: ("loop", "bt"),
        0x04: ("if", "bt"), 0x05: ("else", ""), 0x06: ("try", "bt"), 0x07: ("catch", "idx"),
        0x08: ("throw", "idx"), 0x09: ("rethrow", "idx"), 0x0A: ("throw_ref", ""), 0x0B: ("end", ""),
        0x0C: ("br", "idx"), 0x0D: ("br_if", "idx"), 0x0E: ("br_table", "br_table"), 0x0F: ("return", ""),
        0x10: ("call", "idx"), 0x11: ("call_indirect", "ci"), 0x12: ("return_call", "idx"),
        0x13: ("return_call_indirect", "ci"), 0x14: ("call_ref", "idx"), 0x15: ("return_call_ref", "idx"),
        0x18: ("delegate", "idx"), 0x19: ("catch_all", ""), 0x1A: ("drop", ""), 0x1B: ("select", ""),
        0x1C: ("select", "vt"), 0x1F: ("try_table", "tt"),
        0x20: ("local.get", "idx"), 0x21: ("local.set", "idx"), 0x22: ("local.tee", "idx"),
        0x23: ("global.get", "idx"), 0x24: ("global.set", "idx"), 0x25: ("table.get", "idx"),
        0x26: ("table.set", "idx"), 0x3F: ("memory.size", "idx"), 0x40: ("memory.grow", "idx"),
        0x41: ("i32.const", "i32"), 0x42: ("i64.const", "i64"), 0x43: ("f32.const", "f32"),
        0x44: ("f64.const", "f64"),
        0xD0: ("ref.null", "ht"), 0xD1: ("ref.is_null", ""), 0xD2: ("ref.func", "idx"), 0xD3: ("ref.eq", ""),
        0xD4: ("ref.as_non_null", ""), 0xD5: ("br_on_null", "idx"), 0xD6: ("br_on_non_null", "idx"),
    }
    memory = _words("i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u "
              "i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u i32.store i64.store "
              "f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16 i64.store32")
    ops.update({0x28 + i: (name, "m") for i, name in enumerate(memory)})
    cmp_i = _words("eqz eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u")
    cmp_f = _words("eq ne lt gt le ge")
    arith_i = _words("clz ctz popcnt add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr")
    arith_f = _words("abs neg ceil floor trunc nearest sqrt add sub mul div min max copysign")
    conv = _words("i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u i64.extend_i32_s "
            "i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u f32.convert_i32_s "
            "f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64 f64.convert_i32_s "
            "f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32 i32.reinterpret_f32 "
            "i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64 i32.extend8_s i32.extend16_s "
            "i64.extend8_s i64.extend16_s i64.extend32_s")
    numeric = ([f"i32.{n}" for n in cmp_i] + [f"i64.{n}" for n in cmp_i] + [f"f32.{n}" for n in cmp_f]
               + [f"f64.{n}" for n in cmp_f] + [f"i32.{n}" for n in arith_i] + [f"i64.{n}" for n in arith_i]
               + [f"f32.{n}" for n in arith_f] + [f"f64.{n}" for n in arith_f] + conv)
    ops.update({0x45 + i: (name, "") for i, name in enumerate(numeric)})
    assert 0x45 + len(numeric) == 0xC5

    prefixed: dict[tuple[int, int], tuple[str, str]] = {}
    sat = [f"{r}.trunc_sat_{s}_{u}" for r in ("i32", "i64") for s in ("f32", "f64") for u in ("s", "u")]
    prefixed.update({(0xFC, i): (name, "") for i, name in enumerate(sat)})
    bulk = [("memory.init", "idx2"), ("data.drop", "idx"), ("memory.copy", "idx2"), ("memory.fill", "idx"),
            ("table.init", "idx2"), ("elem.drop", "idx"), ("table.copy", "idx2"), ("table.grow", "idx"),
            ("table.size", "idx"), ("table.fill", "idx")]
    prefixed.update({(0xFC, 8 + i): entry for i, entry in enumerate(bulk)})
    prefixed.update({(0xFD, sub): entry for sub, entry in _simd().items()})
    prefixed.update({(0xFE, sub): entry for sub, entry in _atomics().items()})
    return ops, prefixed


def _simd() -> dict[int, tuple[str, str]]:
    table: dict[int, tuple[str, str]] = {}
    loads = _words("v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u v128.load32x2_s "
             "v128.load32x2_u v128.load8_splat v128.load16_splat v128.load32_splat v128.load64_splat "
             "v128.store")
    table.update({i: (name, "m") for i, name in enumerate(loads)})
    table[0x0C] = ("v128.const", "v128")
    table[0x0D] = ("i8x16.shuffle", "shuf")
    plain = _words("i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat f64x2.splat")
    table.update({0x0E + i: (name, "") for i, name in enumerate(plain)})
    lanes = _words("i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane i16x8.extract_lane_s "
             "i16x8.extract_lane_u i16x8.replace_lane i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane "
             "i64x2.replace_lane f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane")
    table.update({0x15 + i: (name, "lane") for i, name in enumerate(lanes)})
    cmp_i = _words("eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u")
    cmp_f = _words("eq ne lt gt le ge")
    compares = ([f"i8x16.{c}" for c in cmp_i] + [f"i16x8.{c}" for c in cmp_i] + [f"i32x4.{c}" for c in cmp_i]
                + [f"f32x4.{c}" for c in cmp_f] + [f"f64x2.{c}" for c in cmp_f]
                + _words("v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true"))
    table.update({0x23 + i: (name, "") for i, name in enumerate(compares)})
    lane_mem = _words("v128.load8_lane v128.load16_lane v128.load32_lane v128.load64_lane v128.store8_lane "
                "v128.store16_lane v128.store32_lane v128.store64_lane")
    table.update({0x54 + i: (name, "mlane") for i, name in enumerate(lane_mem)})
    table[0x5C] = ("v128.load32_zero", "m")
    table[0x5D] = ("v128.load64_zero", "m")
    rest = _words("""
    5e f32x4.demote_f64x2_zero  5f f64x2.promote_low_f32x4
    60 i8x16.abs 61 i8x16.neg 62 i8x16.popcnt 63 i8x16.all_true 64 i8x16.bitmask 65 i8x16.narrow_i16x8_s
    66 i8x16.narrow_i16x8_u 67 f32x4.ceil 68 f32x4.floor 69 f32x4.trunc 6a f32x4.nearest 6b i8x16.shl
    6c i8x16.shr_s 6d i8x16.shr_u 6e i8x16.add 6f i8x16.add_sat_s 70 i8x16.add_sat_u 71 i8x16.sub
    72 i8x16.sub_sat_s 73 i8x16.sub_sat_u 74 f64x2.ceil 75 f64x2.floor 76 i8x16.min_s 77 i8x16.min_u
    78 i8x16.max_s 79 i8x16.max_u 7a f64x2.trunc 7b i8x16.avgr_u 7c i16x8.extadd_pairwise_i8x16_s
    7d i16x8.extadd_pairwise_i8x16_u 7e i32x4.extadd_pairwise_i16x8_s 7f i32x4.extadd_pairwise_i16x8_u
    80 i16x8.abs 81 i16x8.neg 82 i16x8.q15mulr_sat_s 83 i16x8.all_true 84 i16x8.bitmask 85 i16x8.narrow_i32x4_s
    86 i16x8.narrow_i32x4_u 87 i16x8.extend_low_i8x16_s 88 i16x8.extend_high_i8x16_s 89 i16x8.extend_low_i8x16_u
    8a i16x8.extend_high_i8x16_u 8b i16x8.shl 8c i16x8.shr_s 8d i16x8.shr_u 8e i16x8.add 8f i16x8.add_sat_s
    90 i16x8.add_sat_u 91 i16x8.sub 92 i16x8.sub_sat_s 93 i16x8.sub_sat_u 94 f64x2.nearest 95 i16x8.mul
    96 i16x8.min_s 97 i16x8.min_u 98 i16x8.max_s 99 i16x8.max_u 9b i16x8.avgr_u 9c i16x8.extmul_low_i8x16_s
    9d i16x8.extmul_high_i8x16_s 9e i16x8.extmul_low_i8x16_u 9f i16x8.extmul_high_i8x16_u
    a0 i32x4.abs a1 i32x4.neg a3 i32x4.all_true a4 i32x4.bitmask a7 i32x4.extend_low_i16x8_s
    a8 i32x4.extend_high_i16x8_s a9 i32x4.extend_low_i16x8_u aa i32x4.extend_high_i16x8_u ab i32x4.shl
    ac i32x4.shr_s ad i32x4.shr_u ae i32x4.add b1 i32x4.sub b5 i32x4.mul b6 i32x4.min_s b7 i32x4.min_u
    b8 i32x4.max_s b9 i32x4.max_u ba i32x4.dot_i16x8_s bc i32x4.extmul_low_i16x8_s bd i32x4.extmul_high_i16x8_s
    be i32x4.extmul_low_i16x8_u bf i32x4.extmul_high_i16x8_u
    c0 i64x2.abs c1 i64x2.neg c3 i64x2.all_true c4 i64x2.bitmask c7 i64x2.extend_low_i32x4_s
    c8 i64x2.extend_high_i32x4_s c9 i64x2.extend_low_i32x4_u ca i64x2.extend_high_i32x4_u cb i64x2.shl
    cc i64x2.shr_s cd i64x2.shr_u ce i64x2.add d1 i64x2.sub d5 i64x2.mul d6 i64x2.eq d7 i64x2.ne d8 i64x2.lt_s
    d9 i64x2.gt_s da i64x2.le_s db i64x2.ge_s dc i64x2.extmul_low_i32x4_s dd i64x2.extmul_high_i32x4_s
    de i64x2.extmul_low_i32x4_u df i64x2.extmul_high_i32x4_u
    e0 f32x4.abs e1 f32x4.neg e3 f32x4.sqrt e4 f32x4.add e5 f32x4.sub e6 f32x4.mul e7 f32x4.div e8 f32x4.min
    e9 f32x4.max ea f32x4.pmin eb f32x4.pmax ec f64x2.abs ed f64x2.neg ef f64x2.sqrt f0 f64x2.add f1 f64x2.sub
    f2 f64x2.mul f3 f64x2.div f4 f64x2.min f5 f64x2.max f6 f64x2.pmin f7 f64x2.pmax
    f8 i32x4.trunc_sat_f32x4_s f9 i32x4.trunc_sat_f32x4_u fa f32x4.convert_i32x4_s fb f32x4.convert_i32x4_u
    fc i32x4.trunc_sat_f64x2_s_zero fd i32x4.trunc_sat_f64x2_u_zero fe f64x2.convert_low_i32x4_s
    ff f64x2.convert_low_i32x4_u
    100 i8x16.relaxed_swizzle 101 i32x4.relaxed_trunc_f32x4_s 102 i32x4.relaxed_trunc_f32x4_u
    103 i32x4.relaxed_trunc_f64x2_s_zero 104 i32x4.relaxed_trunc_f64x2_u_zero 105 f32x4.relaxed_madd
    106 f32x4.relaxed_nmadd 107 f64x2.relaxed_madd 108 f64x2.relaxed_nmadd 109 i8x16.relaxed_laneselect
    10a i16x8.relaxed_laneselect 10b i32x4.relaxed_laneselect 10c i64x2.relaxed_laneselect 10d f32x4.relaxed_min
    10e f32x4.relaxed_max 10f f64x2.relaxed_min 110 f64x2.relaxed_max 111 i16x8.relaxed_q15mulr_s
    112 i16x8.relaxed_dot_i8x16_i7x16_s 113 i32x4.relaxed_dot_i8x16_i7x16_add_s
    """)
    table.update({int(code, 16): (name, "") for code, name in zip(rest[::2], rest[1::2], strict=True)})
    return table


def _atomics() -> dict[int, tuple[str, str]]:
    table = {0x00: ("memory.atomic.notify", "m"), 0x01: ("memory.atomic.wait32", "m"),
             0x02: ("memory.atomic.wait64", "m"), 0x03: ("atomic.fence", "zero")}
    plain = _words("i32.atomic.load i64.atomic.load i32.atomic.load8_u i32.atomic.load16_u i64.atomic.load8_u "
             "i64.atomic.load16_u i64.atomic.load32_u i32.atomic.store i64.atomic.store i32.atomic.store8 "
             "i32.atomic.store16 i64.atomic.store8 i64.atomic.store16 i64.atomic.store32")
    table.update({0x10 + i: (name, "m") for i, name in enumerate(plain)})
    widths = ("i32.atomic.rmw.{}", "i64.atomic.rmw.{}", "i32.atomic.rmw8.{}_u", "i32.atomic.rmw16.{}_u",
              "i64.atomic.rmw8.{}_u", "i64.atomic.rmw16.{}_u", "i64.atomic.rmw32.{}_u")
    for n, op in enumerate(("add", "sub", "and", "or", "xor", "xchg", "cmpxchg")):
        table.update({0x1E + 7 * n + i: (w.format(op), "m") for i, w in enumerate(widths)})
    return table


OPCODES, PREFIXED = _table()
INDIRECT_TYPE_OPS = frozenset({"call_indirect", "return_call_indirect"})  # first immediate: a type index
_OPENERS = frozenset({"block", "loop", "if", "try", "try_table"})
_MIDDLES = frozenset({"else", "catch", "catch_all"})
_WIDTH = re.compile(r"(?:load|store|rmw|wait)(\d+)")
_SIMD_EXTEND = re.compile(r"load\d+x\d+")
_SIMD_PART = re.compile(r"(\d+)_(?:lane|splat|zero)")


def natural_alignment(name: str) -> int:
    """The natural alignment (bytes) of a memory instruction: its access size."""
    if name.startswith("v128."):
        if _SIMD_EXTEND.search(name):
            return 8  # v128.load8x8_s and friends read 64 bits
        m = _SIMD_PART.search(name)
        return int(m.group(1)) // 8 if m else 16
    m = _WIDTH.search(name)
    if m:
        return int(m.group(1)) // 8
    if name == "memory.atomic.notify":
        return 4
    return 8 if name[1:3] == "64" else 4


# -- decoding -----------------------------------------------------------------------------------------

def decode(r: Reader, end: int) -> Iterator[Instr]:
    """The instructions from `r.pos` up to `end` (a function body's code, including its final `end`)."""
    while r.pos < end:
        offset = r.pos
        op = r.byte()
        if op in (0xFC, 0xFD, 0xFE):
            sub = r.uleb()
            entry = PREFIXED.get((op, sub))
            if entry is None:
                raise ValueError(f"unknown opcode {op:#04x} {sub} at {offset:#x}")
        else:
            found = OPCODES.get(op)
            if found is None:
                raise ValueError(f"unknown opcode {op:#04x} at {offset:#x}")
            entry = found
        name, kind = entry
        args, text = _IMMEDIATES[kind](r, name)
        yield Instr(offset, name, args, text)


def decode_body(data: bytes, code_start: int, end: int) -> list[Instr]:
    """Every instruction of one function body (`wasmbin.Body.code_start` .. `Body.end`)."""
    return list(iter_body(data, code_start, end))


def decode_const_expr(r: Reader) -> tuple[str, int | float | None]:
    """A constant expression up to and including its `end`: (text, value of a lone const / ref.func)."""
    instrs: list[Instr] = []
    for ins in decode(r, len(r.data)):
        if ins.name == "end":
            break
        instrs.append(ins)
        if len(instrs) > 64:
            raise ValueError(f"constant expression at {instrs[0].offset:#x} is too long")
    text = " ".join(f"{i.name} {i.text}".strip() for i in instrs)
    value: int | float | None = None
    if len(instrs) == 1 and instrs[0].name in ("i32.const", "i64.const", "f32.const", "f64.const", "ref.func"):
        arg = instrs[0].args[0]
        value = arg if isinstance(arg, (int, float)) else None
    return text, value


def nesting(instrs: list[Instr]) -> list[int]:
    """The indentation depth of each instruction (blocks nest; `else`/`catch` sit at their block's level)."""
    return [depth for _, depth in with_depth(instrs)]


def with_depth(instrs: Iterable[Instr]) -> Iterator[tuple[Instr, int]]:
    """Each instruction with its nesting depth, as `nesting` computes it, one at a time."""
    depth = 0
    for ins in instrs:
        if ins.name == "end" or ins.name in _MIDDLES or ins.name == "delegate":
            yield ins, max(depth - 1, 0)
            if ins.name in ("end", "delegate"):
                depth = max(depth - 1, 0)
            continue
        yield ins, depth
        if ins.name in _OPENERS:
            depth += 1


_PLAIN_RUN = re.compile(b"[" + b"".join(re.escape(bytes([op])) for op, (_, kind) in sorted(OPCODES.items())
                                        if kind == "") + b"]+")  # single-byte opcodes without immediates


def direct_call_targets(data: bytes, code_start: int, end: int, calls: frozenset[str]) -> list[int]:
    """The targets of the `calls` instructions (e.g. `call`, `return_call`) in one body, in code order,
    each once; ValueError as `decode_body`. Runs of opcodes without immediates are skipped by a regex,
    so a body of 8 MB of `nop`s costs milliseconds."""
    r = Reader(cast(bytes, memoryview(data)[:end]), code_start)
    found: dict[int, None] = {}
    try:
        while r.pos < end:
            run = _PLAIN_RUN.match(data, r.pos, end)
            if run is not None:
                r.pos = run.end()
                continue
            ins = next(decode(r, end))
            if ins.name in calls:
                found[int(ins.args[0])] = None
    except IndexError:
        raise ValueError(f"function body ending at {end:#x} is truncated") from None
    return list(found)


def iter_body(data: bytes, code_start: int, end: int) -> Iterator[Instr]:
    """The instructions of one function body, decoded as they are consumed (ValueError as `decode_body`)."""
    try:
        yield from decode(Reader(cast(bytes, memoryview(data)[:end]), code_start), end)
    except IndexError:
        raise ValueError(f"function body ending at {end:#x} is truncated") from None


# -- immediates: (numbers, text) ------------------------------------------------------------------------

def _none(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    return (), ""


def _idx(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    value = r.uleb()
    return (value,), str(value)


def _idx2(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    a, b = r.uleb(), r.uleb()
    return (a, b), f"{a} {b}"


def _sleb(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    value = r.sleb()
    return (value,), str(value)


def _f32(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    value = r.f32()
    return (value,), _float_text(value)


def _f64(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    value = r.f64()
    return (value,), _float_text(value)


def _float_text(value: float) -> str:
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _blocktype(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    code = r.data[r.pos]
    if code == 0x40:
        r.pos += 1
        return (), ""
    if code in VALTYPES or code in (0x63, 0x64):
        valtype = r.valtype()
        return (valtype,), f"(result {valtype})"
    index = r.sleb()
    return (index,), f"(type {index})"


def _br_table(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    labels = (*(r.uleb() for _ in range(r.uleb())), r.uleb())
    return labels, " ".join(map(str, labels))


def _call_indirect(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    type_index, table = r.uleb(), r.uleb()
    return (type_index, table), (f"{table} " if table else "") + f"(type {type_index})"


def _memarg(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    align = r.uleb()
    memory = 0
    if align & 0x40:
        align &= ~0x40
        memory = r.uleb()
    offset = r.uleb()
    parts = [str(memory)] if memory else []
    if offset:
        parts.append(f"offset={offset}")
    if align < 32 and 1 << align != natural_alignment(name):
        parts.append(f"align={1 << align}")
    return (memory, offset, align), " ".join(parts)


def _memarg_lane(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    args, text = _memarg(r, name)
    lane = r.byte()
    return (*args, lane), f"{text} {lane}".strip()


def _lane(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    lane = r.byte()
    return (lane,), str(lane)


def _v128(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    raw = r.take(16)
    words = [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 16, 4)]
    return tuple(words), "i32x4 " + " ".join(f"{w:#010x}" for w in words)


def _shuffle(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    lanes = tuple(r.take(16))
    return lanes, " ".join(map(str, lanes))


def _heaptype(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    heap = r.heaptype()
    return (heap,), heap


def _select_types(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    types = tuple(r.valtypes())
    return types, f"(result {' '.join(types)})"


def _try_table(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    _args, text = _blocktype(r, name)
    clauses = []
    for _ in range(r.uleb()):
        kind = r.byte()
        if kind in (0, 1):
            tag, label = r.uleb(), r.uleb()
            clauses.append(f"(catch{'_ref' if kind else ''} {tag} {label})")
        elif kind in (2, 3):
            clauses.append(f"(catch_all{'_ref' if kind == 3 else ''} {r.uleb()})")
        else:
            raise ValueError(f"unknown try_table catch kind {kind}")
    return (), " ".join([text, *clauses]).strip()


def _zero(r: Reader, name: str) -> tuple[tuple[int | float | str, ...], str]:
    r.byte()
    return (), ""


_IMMEDIATES = {"": _none, "idx": _idx, "idx2": _idx2, "i32": _sleb, "i64": _sleb, "f32": _f32, "f64": _f64,
               "bt": _blocktype, "br_table": _br_table, "ci": _call_indirect, "m": _memarg, "mlane": _memarg_lane,
               "lane": _lane, "v128": _v128, "shuf": _shuffle, "ht": _heaptype, "vt": _select_types,
               "tt": _try_table, "zero": _zero}
assert {kind for _, kind in (*OPCODES.values(), *PREFIXED.values())} <= set(_IMMEDIATES)
assert not set(HEAPTYPES) & {0x40}
