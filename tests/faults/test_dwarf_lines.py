"""The `.debug_line` reader on hand-made line programs: rows, sequences, discarded functions, and hostile
bytes (truncated or flipped anywhere: no exception, at most no lines)."""

from __future__ import annotations

import random

from tests.support.wasm_bytes import section, uleb
from wasitool.dwarf_lines import LineTable, Location


def _custom(name: str, payload: bytes) -> bytes:
    return section(0, uleb(len(name)) + name.encode() + payload)


def _unit_v4(program: bytes) -> bytes:
    """A DWARF 4 line unit: one directory `src`, files `a.c` (in it) and `/abs/b.h`, opcode_base 13."""
    header = (bytes([1, 1, 1, 0xFB, 14, 13]) + bytes([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1])
              + b"src\0\0" + b"a.c\0\x01\0\0" + b"/abs/b.h\0\0\0\0" + b"\0")
    body = (4).to_bytes(2, "little") + len(header).to_bytes(4, "little") + header + program
    return len(body).to_bytes(4, "little") + body


def _set_address(address: int) -> bytes:
    return b"\0\x05\x02" + address.to_bytes(4, "little")


END = b"\0\x01\x01"
# main at code offsets 0x10..0x30: line 4 at 0x10, line 5 at 0x14 (special opcode), b.h:9 at 0x20, end 0x30;
# then a discarded function (tombstone address) that must not shadow anything.
PROGRAM = (_set_address(0x10) + b"\x03\x03\x01"          # advance_line 3 -> 4; copy
           + bytes([13 + (1 - -5) + 14 * 4])              # special: address += 4, line += 1
           + b"\x04\x02\x03\x04\x02\x0c"                  # file 2; line += 4; advance_pc 12
           + b"\x01" + b"\x02\x10" + END                  # copy; advance_pc 16; end_sequence at 0x30
           + _set_address(0xFFFFFFFF) + b"\x01" + b"\x02\x40" + END)


def module(line_section: bytes, code: bytes = b"\x00") -> bytes:
    return b"\0asm\x01\0\0\0" + section(10, code) + _custom(".debug_line", line_section)


def test_rows_and_sequences():
    data = module(_unit_v4(PROGRAM))
    table = LineTable.read(data)
    assert table is not None and table.code_start == 10
    assert table.lookup(0x0F) is None
    assert table.lookup(0x10) == table.lookup(0x13) == Location("src/a.c", 4)
    assert table.lookup(0x14) == Location("src/a.c", 5)
    assert table.lookup(0x20) == table.lookup(0x2F) == Location("/abs/b.h", 9)
    assert table.lookup(0x30) is None and table.lookup(0x1000) is None
    assert table.at_file_offset(10 + 0x14) == Location("src/a.c", 5) and table.at_file_offset(3) is None
    assert str(Location("a.c", 4)) == "a.c:4"


def test_no_lines_without_debug_info():
    assert LineTable.read(b"\0asm\x01\0\0\0" + section(10, b"\x00")) is None
    assert LineTable.read(b"not wasm at all") is None
    assert LineTable.read(module(b"")) is None


def test_a_bad_unit_keeps_the_units_before_it():
    good = _unit_v4(PROGRAM)
    table = LineTable.read(module(good + b"\xff\xff\xff\x7f\x04\x00junk"))
    assert table is not None and table.lookup(0x14) == Location("src/a.c", 5)


def test_hostile_bytes_never_raise():
    unit = _unit_v4(PROGRAM)
    for cut in range(len(unit)):
        LineTable.read(module(unit[:cut]))
    rng = random.Random(20)
    for _ in range(1000):
        mutated = bytearray(unit)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        table = LineTable.read(module(bytes(mutated)))
        if table is not None:
            table.lookup(rng.randrange(0x40))
    assert LineTable.read(b"\0asm\x01\0\0\0\x0a\xff\xff\xff\xff\x0f") is None  # a section past the end
